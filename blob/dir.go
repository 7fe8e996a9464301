package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/twofetch/twofetch"
)

// Dir stores each key as a file under a root directory.
type Dir struct {
	root string
}

var _ Store = (*Dir)(nil)

// NewDir returns a store rooted at dir, creating it (0700) if missing.
func NewDir(dir string) (*Dir, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: %v", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("blob: create %s: %v", abs, err)
	}
	return &Dir{root: abs}, nil
}

// Root is the absolute directory the store writes to.
func (d *Dir) Root() string { return d.root }

func (d *Dir) path(key string) (string, error) {
	if err := ValidKey(key); err != nil {
		return "", err
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

// Put writes to a temporary file next to the target, syncs it and renames
// it into place, so a crash leaves either the old file or the new one.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (err error) {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("blob: put %s: %v", key, err)
	}
	f, err := os.CreateTemp(dir, ".put-*")
	if err != nil {
		return fmt.Errorf("blob: put %s: %v", key, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	n, err := io.Copy(f, ctxReader{ctx, r})
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	if size >= 0 && n != size {
		return fmt.Errorf("blob: put %s: got %d bytes, want %d", key, n, size)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("blob: put %s: %v", key, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("blob: put %s: %v", key, err)
	}
	if err := os.Rename(f.Name(), p); err != nil {
		return fmt.Errorf("blob: put %s: %v", key, err)
	}
	// The rename is only durable once the directory entry is on disk.
	if df, err := os.Open(dir); err == nil {
		_ = df.Sync()
		df.Close()
	}
	return nil
}

// Get opens the file for key.
func (d *Dir) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ValidKey(key); err != nil {
		return nil, err
	}
	// os.Root keeps a symbolic link planted in the directory from leading
	// the server to files outside it.
	root, err := os.OpenRoot(d.root)
	if err != nil {
		return nil, fmt.Errorf("blob: get %s: %v", key, err)
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, twofetch.Errorf(twofetch.ENOTFOUND, "file %s not found", key)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: get %s: %v", key, err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, twofetch.Errorf(twofetch.ENOTFOUND, "file %s not found", key)
	}
	return f, nil
}

// Delete removes the file for key.
func (d *Dir) Delete(ctx context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %v", key, err)
	}
	return nil
}

// Ping checks that the root is still a writable directory.
func (d *Dir) Ping(ctx context.Context) error {
	f, err := os.CreateTemp(d.root, ".ping-*")
	if err != nil {
		return fmt.Errorf("blob: %s not writable: %v", d.root, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// ctxReader stops a long copy when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

package portals

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MaxProfileSize bounds a login's sealed browser profile, packed and
// unpacked: a profile is cookies, storage and IndexedDB, never caches.
const MaxProfileSize = 32 << 20

// profileSkip are the parts of a Chromium profile that are caches, logs or
// locks of one process: rebuilt by the browser, useless on another worker,
// and most of a profile's size.
var profileSkip = map[string]bool{
	"Cache": true, "Code Cache": true, "GPUCache": true, "GrShaderCache": true, "GraphiteDawnCache": true,
	"ShaderCache": true, "DawnGraphiteCache": true, "DawnWebGPUCache": true, "Crashpad": true,
	"Safe Browsing": true, "component_crx_cache": true, "extensions_crx_cache": true, "BrowserMetrics": true,
	"optimization_guide_model_store": true, "Crash Reports": true, "CertificateRevocation": true,
	"SingletonLock": true, "SingletonSocket": true, "SingletonCookie": true, "DevToolsActivePort": true,
	"Download Service": true, "blob_storage": true, "VideoDecodeStats": true, "Shared Dictionary": true,
	"segmentation_platform": true, "OnDeviceHeadSuggestModel": true, "Subresource Filter": true,
}

// packProfile archives a profile directory (tar, gzip) for sealing.
func packProfile(dir string) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	total := int64(0)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		if profileSkip[d.Name()] || strings.HasSuffix(d.Name(), ".tmp") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: filepath.ToSlash(rel) + "/", Mode: 0o700})
		case !info.Mode().IsRegular():
			return nil // sockets and symlinks belong to the process that made them
		}
		total += info.Size()
		if total > MaxProfileSize {
			return fmt.Errorf("browser profile larger than %d MiB", MaxProfileSize>>20)
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: filepath.ToSlash(rel), Mode: 0o600,
			Size: info.Size(), ModTime: info.ModTime()}); err != nil {
			return err
		}
		_, err = io.CopyN(tw, f, info.Size())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("portals: pack browser profile: %w", err)
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// unpackProfile restores a packed profile into the empty directory dir. It
// refuses names that leave dir and archives that unpack past the limit.
func unpackProfile(b []byte, dir string) error {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("portals: browser profile: %w", err)
	}
	tr := tar.NewReader(zr)
	total := int64(0)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("portals: browser profile: %w", err)
		}
		name := filepath.FromSlash(strings.TrimSuffix(h.Name, "/"))
		if !filepath.IsLocal(name) {
			return fmt.Errorf("portals: browser profile: bad name %q", h.Name)
		}
		p := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o700); err != nil {
				return err
			}
		case tar.TypeReg:
			total += h.Size
			if total > MaxProfileSize {
				return fmt.Errorf("portals: browser profile larger than %d MiB", MaxProfileSize>>20)
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				return err
			}
			f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
			if err != nil {
				return err
			}
			_, err = io.CopyN(f, tr, h.Size)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("portals: browser profile: %w", err)
			}
			os.Chtimes(p, h.ModTime, h.ModTime)
		default:
			return fmt.Errorf("portals: browser profile: unexpected entry %q", h.Name)
		}
	}
}

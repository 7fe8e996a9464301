// Package blob keeps invoice files: on local disk by default, in S3 (or any
// S3-compatible store) in production. Keys are slash-separated relative
// paths such as "TENANT/ACCOUNT/SHA256.pdf"; both stores reject keys that
// could escape their root.
package blob

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Store is where invoice files live. Put replaces an existing object
// atomically: a reader sees the old file or the new one, never a part.
// Get of a missing key returns an error for which twofetch.IsNotFound is
// true.
type Store interface {
	// Put stores size bytes from r under key; size -1 means unknown.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Ping checks that the store is reachable and writable in principle.
	Ping(ctx context.Context) error
}

// MaxKeyLen is the longest key accepted, S3's own limit.
const MaxKeyLen = 1024

// ValidKey reports why key is not a safe, canonical relative path: empty,
// absolute, with "." or ".." segments, empty segments, backslashes or
// control characters.
func ValidKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("blob: empty key")
	case len(key) > MaxKeyLen:
		return fmt.Errorf("blob: key longer than %d bytes", MaxKeyLen)
	case strings.HasPrefix(key, "/"):
		return fmt.Errorf("blob: key %q is absolute", key)
	case strings.ContainsAny(key, "\\"):
		return fmt.Errorf("blob: key %q contains a backslash", key)
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("blob: key %q contains a control character", key)
		}
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("blob: key %q has an empty, . or .. segment", key)
		}
	}
	if path.Clean(key) != key {
		return fmt.Errorf("blob: key %q is not canonical", key)
	}
	return nil
}

// Open returns the store named by rawURL:
//
//	file:///abs/dir or file://./rel/dir  local directory, created if missing
//	/abs/dir                             the same, as a plain path
//	s3://BUCKET/PREFIX?region=…&endpoint=…&path_style=true&checksum=when_required&max_attempts=5
//
// For S3, awsCfg is the base AWS configuration (credentials, region); when
// none is given it is loaded from the environment the usual AWS way.
func Open(ctx context.Context, rawURL string, awsCfg ...aws.Config) (Store, error) {
	if !strings.Contains(rawURL, "://") {
		return NewDir(rawURL)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("blob: parse URL: %v", err)
	}
	switch u.Scheme {
	case "file":
		dir := u.Path
		if u.Host != "" {
			// file://./data/invoices and file://data/invoices name relative dirs.
			dir = u.Host + u.Path
		}
		if dir == "" {
			return nil, fmt.Errorf("blob: no directory in %q", rawURL)
		}
		return NewDir(dir)
	case "s3":
		var base *aws.Config
		if len(awsCfg) > 0 {
			base = &awsCfg[0]
		}
		return openS3(ctx, u, base)
	}
	return nil, fmt.Errorf("blob: unsupported URL scheme %q (want file:// or s3://)", u.Scheme)
}

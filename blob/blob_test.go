package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/blob"
)

// faultyS3 answers the first fail requests with 500 InternalError, then
// hands requests to gofakes3, like an S3 endpoint having a bad minute.
type faultyS3 struct {
	next     http.Handler
	fail     atomic.Int64
	requests atomic.Int64
}

func (f *faultyS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	if f.fail.Add(-1) >= 0 {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>`)
		return
	}
	f.next.ServeHTTP(w, r)
}

func testAWSConfig() aws.Config {
	return aws.Config{
		Region:      "eu-central-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secrettest", ""),
	}
}

// startS3 serves a fresh in-memory S3 with one bucket on loopback.
func startS3(t *testing.T, bucket string) (*httptest.Server, *faultyS3) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	f := &faultyS3{next: gofakes3.New(backend).Server()}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv, f
}

func openS3(t *testing.T, srv *httptest.Server, bucket, query string) blob.Store {
	t.Helper()
	u := "s3://" + bucket + "/invoices?endpoint=" + srv.URL + "&path_style=true" + query
	s, err := blob.Open(context.Background(), u, testAWSConfig())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func stores(t *testing.T) map[string]blob.Store {
	dir, err := blob.Open(context.Background(), "file://"+t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := startS3(t, "bucket")
	return map[string]blob.Store{
		"dir":              dir,
		"s3":               openS3(t, srv, "bucket", ""),
		"s3-when_required": openS3(t, srv, "bucket", "&checksum=when_required"),
	}
}

func get(t *testing.T, s blob.Store, key string) []byte {
	t.Helper()
	rc, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestStores(t *testing.T) {
	ctx := context.Background()
	big := bytes.Repeat([]byte("%PDF-1.4 invoice "), 1<<16) // beyond one read buffer
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			if err := s.Ping(ctx); err != nil {
				t.Fatalf("Ping: %v", err)
			}
			key := "ten_a/acc_b/" + fmt.Sprintf("%x", sha256.Sum256(big)) + ".pdf"
			if err := s.Put(ctx, key, bytes.NewReader(big), int64(len(big)), "application/pdf"); err != nil {
				t.Fatalf("Put: %v", err)
			}
			if got := get(t, s, key); !bytes.Equal(got, big) {
				t.Fatalf("Get returned %d bytes, want the %d put", len(got), len(big))
			}
			// A non-seekable reader of unknown size goes through the spill path.
			if err := s.Put(ctx, key, io.MultiReader(strings.NewReader("replaced")), -1, "application/pdf"); err != nil {
				t.Fatalf("Put replace: %v", err)
			}
			if got := string(get(t, s, key)); got != "replaced" {
				t.Fatalf("after replace Get = %q", got)
			}
			if err := s.Put(ctx, "ten_a/short.pdf", strings.NewReader("abc"), 10, ""); err == nil {
				t.Fatal("Put with a body shorter than size succeeded")
			}
			if err := s.Delete(ctx, key); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if _, err := s.Get(ctx, key); !twofetch.IsNotFound(err) {
				t.Fatalf("Get after Delete: err = %v, want not found", err)
			}
			if err := s.Delete(ctx, key); err != nil {
				t.Fatalf("Delete of a missing key: %v", err)
			}
			for _, bad := range []string{"", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a\\b", "a/\x00"} {
				if err := s.Put(ctx, bad, strings.NewReader("x"), 1, ""); err == nil {
					t.Errorf("Put(%q) accepted an unsafe key", bad)
				}
				if _, err := s.Get(ctx, bad); err == nil || twofetch.IsNotFound(err) {
					t.Errorf("Get(%q) = %v, want a key error", bad, err)
				}
			}
		})
	}
}

func TestDirAtomicLeavesNoTemporaries(t *testing.T) {
	root := t.TempDir()
	s, err := blob.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Put(ctx, "t/a/x.pdf", strings.NewReader("first"), 5, ""); err != nil {
		t.Fatal(err)
	}
	cancel()
	// A cancelled write must leave the previous version intact and no litter.
	if err := s.Put(ctx, "t/a/x.pdf", strings.NewReader("second"), 6, ""); err == nil {
		t.Fatal("Put on a cancelled context succeeded")
	}
	if got := string(get(t, s, "t/a/x.pdf")); got != "first" {
		t.Fatalf("after failed Put the file holds %q", got)
	}
	entries, err := os.ReadDir(filepath.Join(root, "t", "a"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only x.pdf", len(entries))
	}
}

func TestS3RetriesServerErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		failures int64
		query    string
		wantErr  bool
	}{
		{"two 500s then success", 2, "&max_attempts=3", false},
		{"more 500s than attempts", 10, "&max_attempts=3", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, faults := startS3(t, "bucket")
			s := openS3(t, srv, "bucket", tt.query)
			faults.fail.Store(tt.failures)
			body := []byte("%PDF-1.7 retried")
			err := s.Put(ctx, "t/a/r.pdf", bytes.NewReader(body), int64(len(body)), "application/pdf")
			if tt.wantErr {
				if err == nil {
					t.Fatal("Put succeeded although every attempt failed")
				}
				if !strings.Contains(err.Error(), "InternalError") && !strings.Contains(err.Error(), "500") {
					t.Fatalf("error does not say what S3 answered: %v", err)
				}
				if n := faults.requests.Load(); n != 3 {
					t.Fatalf("S3 saw %d requests, want 3 attempts", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if got := get(t, s, "t/a/r.pdf"); !bytes.Equal(got, body) {
				t.Fatalf("stored %q, want %q", got, body)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{
		"ftp://host/x",
		"s3:///prefix",
		"s3://b/p?endpoint=ftp://x",
		"s3://b/p?path_style=maybe",
		"s3://b/p?checksum=never",
		"s3://b/p?max_attempts=0",
	} {
		t.Run(u, func(t *testing.T) {
			if _, err := blob.Open(ctx, u, testAWSConfig()); err == nil {
				t.Fatalf("Open(%q) succeeded", u)
			}
		})
	}
}

func FuzzValidKey(f *testing.F) {
	for _, s := range []string{"t/a/x.pdf", "../x", "a/../b", "/x", "a//b", ".", "a/.", "…/ü.pdf"} {
		f.Add(s)
	}
	root := f.TempDir()
	d, err := blob.NewDir(root)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if blob.ValidKey(key) != nil {
			return
		}
		// Every accepted key must land strictly inside the root.
		p := filepath.Join(d.Root(), filepath.FromSlash(key))
		rel, err := filepath.Rel(d.Root(), p)
		if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
			t.Fatalf("key %q resolves to %q outside the root", key, p)
		}
	})
}

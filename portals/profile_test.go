package portals

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A profile keeps its stores and drops caches and locks; a packed profile
// that names a file outside its directory is refused.
func TestProfilePacking(t *testing.T) {
	src := t.TempDir()
	for name, body := range map[string]string{
		"Default/Cookies":                          "cookies",
		"Default/Local Storage/leveldb/000003.log": "local",
		"Default/IndexedDB/x.leveldb/CURRENT":      "idb",
		"Default/Cache/Cache_Data/data_0":          "cache",
	} {
		p := filepath.Join(src, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o700)
		os.WriteFile(p, []byte(body), 0o600)
	}
	os.Symlink("host-123", filepath.Join(src, "SingletonLock"))
	b, err := packProfile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	if err := unpackProfile(b, dst); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"Default/Cookies": "cookies", "Default/Local Storage/leveldb/000003.log": "local",
		"Default/IndexedDB/x.leveldb/CURRENT": "idb"} {
		if got, _ := os.ReadFile(filepath.Join(dst, filepath.FromSlash(name))); string(got) != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	for _, gone := range []string{"Default/Cache", "SingletonLock"} {
		if _, err := os.Lstat(filepath.Join(dst, filepath.FromSlash(gone))); err == nil {
			t.Errorf("%s was packed", gone)
		}
	}

	var evil bytes.Buffer
	zw := gzip.NewWriter(&evil)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "../escaped", Size: 1, Mode: 0o600})
	tw.Write([]byte("x"))
	tw.Close()
	zw.Close()
	if err := unpackProfile(evil.Bytes(), t.TempDir()); err == nil || !strings.Contains(err.Error(), "bad name") {
		t.Errorf("a name outside the profile: %v", err)
	}
}

func TestEgressRules(t *testing.T) {
	e := &egress{allow: []string{"portal.example", "*.cdn.example"}}
	for host, want := range map[string]bool{"portal.example": true, "PORTAL.example.": true, "a.cdn.example": true,
		"cdn.example": false, "evil.example": false, "portal.example.evil": false} {
		if got := e.allowed(host); got != want {
			t.Errorf("allowed(%q) = %v", host, got)
		}
	}
	rules, err := parseResolveRules("--host-resolver-rules=MAP portal.example 127.0.0.1:8443, MAP * ~NOTFOUND, EXCLUDE localhost")
	if err != nil {
		t.Fatal(err)
	}
	e.rules = rules
	for addr, want := range map[string]string{"portal.example:443": "127.0.0.1:8443", "localhost:80": "localhost:80", "127.0.0.1:9": "127.0.0.1:9"} {
		if got, err := e.resolve(addr); err != nil || got != want {
			t.Errorf("resolve(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	if _, err := e.resolve("elsewhere.example:443"); err == nil {
		t.Error("a host the rules send to ~NOTFOUND resolved")
	}
	if _, err := ParseProxyURL("ftp://proxy:21"); err == nil {
		t.Error("ftp proxy accepted")
	}
	if _, err := ParseProxyURL("socks5://u:p@proxy:1080"); err != nil {
		t.Error(err)
	}
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/otpauth"
	"github.com/twofetch/twofetch/portals/replica"
)

func TestPortalListLintAndDemoKey(t *testing.T) {
	code, out, errs := runCmd(t, nil, "portal", "list", "--json")
	if code != 0 {
		t.Fatalf("portal list: exit %d, %s", code, errs)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("portal list --json is not JSON: %v\n%s", err, out)
	}
	ids := map[string]bool{}
	for _, p := range list {
		id, _ := p["id"].(string)
		ids[id] = true
	}
	for _, id := range replica.IDs() {
		if !ids[id] {
			t.Errorf("portal list lacks %s, which has a replica", id)
		}
	}

	// Every built-in script lints clean; a broken one is refused with its
	// file and line.
	scripts, _ := filepath.Glob("../../portals/scripts/*.yaml")
	if code, _, errs := runCmd(t, nil, append([]string{"portal", "lint"}, scripts...)...); code != 0 {
		t.Fatalf("built-in scripts do not lint: %s", errs)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("id: bad\nname: Bad\nlogin:\n  - navigate: https://evil.example/\n  - frobnicate: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runCmd(t, nil, "portal", "lint", bad); code == 0 || !strings.Contains(out, "bad.yaml:5 (/login/1)") || !strings.Contains(out, "frobnicate") {
		t.Fatalf("broken script: exit %d, %q", code, out)
	}

	code, out, _ = runCmd(t, nil, "portal", "demo-key", "github")
	keys, err := otpauth.Parse(strings.TrimSpace(out))
	if code != 0 || err != nil || keys[0].Issuer != "GitHub" {
		t.Fatalf("demo-key: exit %d, %q, %v", code, out, err)
	}
	if code, _, _ := runCmd(t, nil, "portal", "demo-key", "no-such-portal"); code == 0 {
		t.Fatal("demo-key of an unknown portal succeeded")
	}
}

func TestPortalTestAgainstReplica(t *testing.T) {
	env := []string{"TWOFETCH_CHROME_PATH=" + testenv.ChromePath(t)}
	// A folder that does not exist yet is made.
	out := filepath.Join(t.TempDir(), "documents")
	code, stdout, stderr := runCmd(t, env, "portal", "test", "zoom", "--replica", "--out", out)
	if code != 0 {
		t.Fatalf("portal test zoom --replica: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "outcome ok, 3 new document(s)") {
		t.Fatalf("unexpected summary:\n%s", stdout)
	}
	pdfs, _ := filepath.Glob(filepath.Join(out, "*.pdf"))
	if len(pdfs) != 3 {
		t.Fatalf("saved %d PDFs in %s, want 3", len(pdfs), out)
	}

	// A misbehaving portal fails the test with its outcome and saves the
	// artifacts for support.
	code, stdout, stderr = runCmd(t, env, "portal", "test", "zoom", "--replica", "--misbehave", "wrong-password", "--out", t.TempDir())
	if code != 1 || !strings.Contains(stdout, "outcome bad_credentials") || !strings.Contains(stderr, "screenshot, page HTML and step log saved in") {
		t.Fatalf("wrong password: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, replica.DemoPassword) {
		t.Fatal("the output shows the password")
	}
}

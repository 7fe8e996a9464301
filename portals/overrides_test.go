package portals

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestScriptsFolder(t *testing.T) {
	base, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	gh, _ := base.Get("github")
	builtinVersion := base.Version("github")
	if len(builtinVersion) != 12 || base.Origin("github") != "built-in" {
		t.Fatalf("built-in version %q, origin %q", builtinVersion, base.Origin("github"))
	}
	orig, err := os.ReadFile(filepath.Join("scripts", "github.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var logs bytes.Buffer
	reg, err := base.WithDir(dir, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := reg.Get("github"); s != gh || reg.Version("github") != builtinVersion {
		t.Fatal("an empty folder changed the built-in script")
	}

	// An override by id: the folder's version is used, and its hash shown.
	fixed := strings.Replace(string(orig), "name: GitHub", "name: GitHub (fixed)", 1)
	write(t, dir, "github.yaml", fixed)
	reg.Reload()
	s, ok := reg.Get("github")
	if !ok || s.Name != "GitHub (fixed)" {
		t.Fatalf("override not used: %+v", s)
	}
	v1 := reg.Version("github")
	if v1 == builtinVersion || len(v1) != 12 || reg.Origin("github") != filepath.Join(dir, "github.yaml") {
		t.Fatalf("override version %q (built-in %q), origin %q", v1, builtinVersion, reg.Origin("github"))
	}

	// A new portal is added to the list.
	added := strings.NewReplacer("id: github", "id: acme-git", "name: GitHub", "name: Acme Git").Replace(string(orig))
	write(t, dir, "acme-git.yaml", added)
	reg.Reload()
	if _, ok := reg.Get("acme-git"); !ok || len(reg.List()) != len(base.List())+1 {
		t.Fatalf("added script: %v, %d scripts", ok, len(reg.List()))
	}

	// A broken edit is refused with its reason; the last good one stays.
	write(t, dir, "github.yaml", strings.Replace(fixed, "- navigate:", "- navigat:", 1))
	reg.Reload()
	if s, _ := reg.Get("github"); s.Name != "GitHub (fixed)" || reg.Version("github") != v1 {
		t.Fatalf("a refused file replaced the version in use: %q %s", s.Name, reg.Version("github"))
	}
	ref := reg.Refused()
	if len(ref) != 1 || ref[0].File != "github.yaml" || ref[0].InUse != v1 || len(ref[0].Problems) == 0 {
		t.Fatalf("refusals: %+v", ref)
	}
	if !strings.Contains(logs.String(), "portal script refused") || !strings.Contains(logs.String(), "github.yaml") {
		t.Fatalf("refusal not logged:\n%s", logs.String())
	}

	// A broken new file for a built-in portal leaves the built-in in use.
	write(t, dir, "zoom.yaml", "id: zoom\nname: [")
	reg.Reload()
	if reg.Version("zoom") != base.Version("zoom") {
		t.Fatal("a refused file changed zoom")
	}
	if ref := reg.Refused(); len(ref) != 2 || ref[1].File != "zoom.yaml" || ref[1].InUse != base.Version("zoom") {
		t.Fatalf("refusals: %+v", ref)
	}

	// Fixing the file clears its refusal; removing it restores the built-in.
	write(t, dir, "github.yaml", fixed)
	os.Remove(filepath.Join(dir, "zoom.yaml"))
	reg.Reload()
	if len(reg.Refused()) != 0 || reg.Version("github") != v1 {
		t.Fatalf("after the fix: refusals %+v, version %s", reg.Refused(), reg.Version("github"))
	}
	os.Remove(filepath.Join(dir, "github.yaml"))
	reg.Reload()
	if s, _ := reg.Get("github"); s != gh || reg.Version("github") != builtinVersion {
		t.Fatal("removing the override did not restore the built-in script")
	}

	// Without Reload, a look-up a second later reads the folder again.
	write(t, dir, "github.yaml", fixed)
	clock := reg.over.now()
	reg.over.now = func() time.Time { return clock.Add(2 * rescanEvery) }
	if s, _ := reg.Get("github"); s.Name != "GitHub (fixed)" {
		t.Fatal("the change was not picked up at the next look-up")
	}

	if _, err := base.WithDir(filepath.Join(dir, "missing"), nil); err == nil {
		t.Fatal("a missing folder was accepted")
	}
}

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twofetch/twofetch/internal/testenv"
)

func TestPortalsDirAndFileTests(t *testing.T) {
	zoom, err := os.ReadFile("../../portals/scripts/zoom.yaml")
	if err != nil {
		t.Fatal(err)
	}
	acme := strings.NewReplacer("id: zoom", "id: acme-meet", "name: Zoom", "name: Acme Meet").Replace(string(zoom))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "acme-meet.yaml"), []byte(acme), 0o644); err != nil {
		t.Fatal(err)
	}
	// A file that is not built in is tested against a named replica.
	env := []string{"TWOFETCH_CHROME_PATH=" + testenv.ChromePath(t)}
	file := filepath.Join(dir, "acme-meet.yaml")
	code, out, errs := runCmd(t, env, "portal", "test", file, "--replica", "zoom", "--out", t.TempDir())
	if code != 0 || !strings.Contains(out, "outcome ok, 3 new document(s)") || !strings.Contains(out, "script acme-meet version ") || !strings.Contains(out, file) {
		t.Fatalf("portal test FILE --replica zoom: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, _ := runCmd(t, nil, "portal", "lint", file); code != 0 {
		t.Fatalf("lint of a file not built in: exit %d\n%s", code, out)
	}

	// A broken file is refused, not half-used; lint names the problem.
	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(broken, []byte("id: broken\nname: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCmd(t, env, "portal", "test", broken, "--replica", "zoom"); code == 0 || !strings.Contains(errs, "does not pass lint") {
		t.Fatalf("a broken file ran: exit %d\n%s", code, errs)
	}

	// The folder adds its scripts to the list; the broken one is logged.
	code, out, errs = runCmd(t, []string{"TWOFETCH_PORTALS_DIR=" + dir}, "portal", "list")
	if code != 0 || !strings.Contains(out, "acme-meet") || strings.Contains(out, "broken") || !strings.Contains(errs, "portal script refused") {
		t.Fatalf("portal list with a scripts folder: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := runCmd(t, []string{"TWOFETCH_PORTALS_DIR=" + filepath.Join(dir, "none")}, "portal", "list"); code == 0 || !strings.Contains(errs, "TWOFETCH_PORTALS_DIR") {
		t.Fatalf("a missing scripts folder: exit %d\n%s", code, errs)
	}
}

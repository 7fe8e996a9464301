package portals

import (
	"os"
	"testing"
)

// TestREADMEPortalTable keeps the README's portal list generated from the
// scripts; run it with -update after adding or changing a script.
func TestREADMEPortalTable(t *testing.T) {
	const path = "../README.md"
	reg, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReplaceGenerated(string(old), map[string]string{"portals": MarkdownTable(reg)})
	if err != nil {
		t.Fatal(err)
	}
	if got == string(old) {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the README's portal table is stale; run go test ./portals -run TestREADMEPortalTable -update")
}

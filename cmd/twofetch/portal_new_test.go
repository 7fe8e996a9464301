package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twofetch/twofetch/internal/testenv"
)

func TestPortalNew(t *testing.T) {
	env := []string{"TWOFETCH_CHROME_PATH=" + testenv.ChromePath(t), "TWOFETCH_REPLICAS=true"}
	dir := t.TempDir()
	code, out, errs := runCmd(t, env, "portal", "new", "acme", "--login-url", "https://github.com/login", "--dir", dir)
	if code != 0 {
		t.Fatalf("portal new: exit %d\n%s\n%s", code, out, errs)
	}
	file := filepath.Join(dir, "acme.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`navigate: "https://github.com/login"`,
		`value: "{{username}}"}`,
		`value: "{{password}}"}`,
		`  - click: "`,
		`hosts: ["github.com"]`,
		"sources: []",
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("starting script lacks %s:\n%s", want, data)
		}
	}
	// It parses; what lint asks for first is the evidence.
	code, out, _ = runCmd(t, nil, "portal", "lint", file)
	if code == 0 || !strings.Contains(out, "(/sources)") {
		t.Errorf("lint of the starting script: exit %d\n%s", code, out)
	}

	if code, _, errs := runCmd(t, env, "portal", "new", "acme", "--login-url", "https://github.com/login", "--dir", dir); code == 0 || !strings.Contains(errs, "not overwritten") {
		t.Errorf("second portal new: exit %d, %s", code, errs)
	}
	if after, _ := os.ReadFile(file); string(after) != string(data) {
		t.Error("the existing script changed")
	}
	for _, args := range [][]string{
		{"portal", "new", "Bad_ID", "--login-url", "https://github.com/login", "--dir", dir},
		{"portal", "new", "acme2", "--dir", dir},
		{"portal", "new", "acme2", "--login-url", "http://github.com/login", "--dir", dir},
	} {
		if code, _, _ := runCmd(t, env, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage)", args, code)
		}
	}
}

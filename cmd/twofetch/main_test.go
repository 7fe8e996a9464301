package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCmd runs "twofetch ARGS..." in-process with the environment env and
// returns the exit status, standard output and standard error.
func runCmd(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runIn(t, env, "", args...)
}

// runIn is runCmd with stdin.
func runIn(t *testing.T, env []string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	m := NewMain(strings.NewReader(stdin), &out, &errb, env)
	code = m.Run(context.Background(), args)
	return code, out.String(), errb.String()
}

func TestHelpAndUnknownCommand(t *testing.T) {
	code, out, _ := runCmd(t, nil, "--help")
	if code != 0 {
		t.Fatalf("--help exit %d", code)
	}
	for name := range commands {
		if !strings.Contains(out, "  "+name+" ") {
			t.Errorf("help does not list %s", name)
		}
	}
	code, out, _ = runCmd(t, nil, "all", "--help")
	if code != 0 || !strings.Contains(out, "--redis-url") || !strings.Contains(out, "TWOFETCH_REDIS_URL") {
		t.Fatalf("all --help: exit %d\n%s", code, out)
	}
	code, _, errs := runCmd(t, nil, "frobnicate")
	if code != 2 || !strings.Contains(errs, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: exit %d, %q", code, errs)
	}
	code, out, _ = runCmd(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "twofetch ") {
		t.Fatalf("version: exit %d, %q", code, out)
	}
}

// scanFiles calls check with every file under dir (path relative to dir)
// and returns how many it read, for tests that search the data directory
// for secrets.
func scanFiles(t *testing.T, dir string, check func(rel string, b []byte)) int {
	t.Helper()
	var n int
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		rel, _ := filepath.Rel(dir, path)
		check(rel, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/twofetch/twofetch/internal/testenv"
)

func TestPortalDetect(t *testing.T) {
	env := []string{"TWOFETCH_CHROME_PATH=" + testenv.ChromePath(t)}
	code, out, errs := runCmd(t, env, "portal", "detect", "../../portals/detect/testdata/login.html", "--json")
	if code != 0 {
		t.Fatalf("portal detect: exit %d\n%s\n%s", code, out, errs)
	}
	var res struct {
		Kind     string
		Username struct{ Selector string }
		Password struct{ Selector string }
		Submit   struct{ Selector string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if res.Kind != "login" || res.Username.Selector != "#email" || res.Password.Selector != "#pw" || res.Submit.Selector != "#signin" {
		t.Errorf("detected %+v", res)
	}

	// The replica's sign-in page, reached under the portal's real URL
	// (portals/detect checks the elements against the script's).
	code, out, errs = runCmd(t, append(env, "TWOFETCH_REPLICAS=true"), "portal", "detect", "https://github.com/login")
	if code != 0 || !strings.Contains(out, "page     login") {
		t.Fatalf("portal detect github: exit %d\n%s\n%s", code, out, errs)
	}
	for _, role := range []string{"\nusername ", "\npassword ", "\nsubmit "} {
		if !strings.Contains(out, role) {
			t.Errorf("portal detect github found no%s:\n%s", role, out)
		}
	}

	if code, _, errs := runCmd(t, env, "portal", "detect", "no-such-file.html"); code == 0 || !strings.Contains(errs, "no-such-file.html") {
		t.Fatalf("a missing file: exit %d, %s", code, errs)
	}
	if code, _, errs := runCmd(t, env, "portal", "detect", "ftp://example.com/"); code == 0 || !strings.Contains(errs, "only http") {
		t.Fatalf("an ftp URL: exit %d, %s", code, errs)
	}
}

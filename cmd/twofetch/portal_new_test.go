package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/detect"
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

// A sign-in form found in an iframe is typed into through frame steps,
// outermost first, which the script format reads back as such.
func TestStarterScriptInFrames(t *testing.T) {
	u, _ := url.Parse("https://shop.example/login")
	res := &detect.Result{Kind: detect.KindLogin, Frames: []string{"#outer", "iframe[name=\"idp\"]"},
		Username: &detect.Field{Role: detect.Username, Selector: "#email", Tag: "input", Type: "email", Confidence: 0.9},
		Password: &detect.Field{Role: detect.Password, Selector: "#pw", Tag: "input", Type: "password", Confidence: 0.95},
		Submit:   &detect.Field{Role: detect.Submit, Selector: "#signin", Tag: "button", Type: "submit", Confidence: 0.8}}
	text := starterScript("shop", u, res, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
	// Read as YAML only: lint refuses the starting script until its
	// sources are filled (TestPortalNew).
	var s portals.Script
	if err := yaml.Unmarshal([]byte(text), &s); err != nil {
		t.Fatalf("parse:\n%s\n%v", text, err)
	}
	if len(s.Login) != 2 || s.Login[1].Frame == nil || s.Login[1].Frame.Selector != "#outer" {
		t.Fatalf("login steps:\n%s", text)
	}
	inner := s.Login[1].Frame.Do
	if len(inner) != 1 || inner[0].Frame == nil || inner[0].Frame.Selector != `iframe[name="idp"]` {
		t.Fatalf("inner frame:\n%s", text)
	}
	do := inner[0].Frame.Do
	if len(do) != 3 || do[0].Type == nil || do[0].Type.Selector != "#email" || do[1].Type == nil || do[1].Type.Value != "{{password}}" ||
		do[2].Click == nil || do[2].Click.Selector != "#signin" {
		t.Fatalf("steps in the frame:\n%s", text)
	}
}

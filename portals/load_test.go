package portals

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
)

func TestParseExample(t *testing.T) {
	data, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse("example.yaml", data)
	if err != nil {
		t.Fatalf("example script: %v", err)
	}
	if s.ID != "example" || len(s.Login) != 6 || !s.UsesOTP() || !s.Session.Keep() {
		t.Errorf("decoded wrongly: id=%q login=%d otp=%v", s.ID, len(s.Login), s.UsesOTP())
	}
	if got := s.Login[1].Type.Value; got != "{{username}}" {
		t.Errorf("type value = %q", got)
	}
	if s.Login[5].Then[0].Click.Selector != "input[name=remember]" || !s.Login[5].Then[0].Optional {
		t.Errorf("click shorthand or optional not decoded: %+v", s.Login[5].Then[0])
	}
}

func TestParseProblems(t *testing.T) {
	base, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, old, new, want string
	}{
		{"unknown key", "notes:", "nots:", "additional properties 'nots'"},
		{"two actions", "  - navigate: https://www.example.com/login", "  - navigate: https://www.example.com/login\n    click: x", "mutually exclusive"},
		{"foreign host", "navigate: https://www.example.com/login", "navigate: https://evil.example.net/login", `host "evil.example.net" is not listed`},
		{"password outside type", "currency: EUR", "currency: \"{{password}}\"", "{{password}} may only be used in the value of a type step"},
		{"otp without totp", "two_factor: [totp, sms]", "two_factor: [sms]", "neither totp nor hotp"},
		{"unknown row field", "url: \"{{row.pdf}}\"", "url: \"{{row.link}}\"", `no field "link"`},
		{"undefined variable", "currency: EUR", "currency: \"{{cur}}\"", "{{cur}} is used before"},
		{"bad regex", `regex: "([0-9]+\\.[0-9]{2})"`, `regex: "([0-9]+"`, "bad regular expression"},
		{"bad outcome", "outcome: captcha", "outcome: ok", "outcomes/2/outcome"},
		{"bad duration", "optional: true", "optional: true\n        timeout: soon", "timeout"},
		{"scope outside loop", `click: "a#use-authenticator"`, `click: ":scope a"`, ":scope names the current row"},
		{"no downloads", "        - download:", "        - js: {script: \"return 1\"}\n          download:", "mutually exclusive"},
		{"enrolment settings over http", "two_factor: [totp, sms]", "two_factor: [totp, sms]\nenrollment: {settings_url: \"http://www.example.com/security\"}", "/enrollment/settings_url"},
		{"enrolment settings with a password", "two_factor: [totp, sms]", "two_factor: [totp, sms]\nenrollment: {settings_url: \"https://user:pw@www.example.com/\"}", "/enrollment/settings_url"},
		{"enrolment note without English", "two_factor: [totp, sms]", "two_factor: [totp, sms]\nenrollment: {note: {de: \"Erst die App einrichten\"}}", "/enrollment/note"},
		{"enrolment path in no language", "two_factor: [totp, sms]", "two_factor: [totp, sms]\nenrollment: {path: {}}", "/enrollment/path"},
		{"enrolment text in French", "two_factor: [totp, sms]", "two_factor: [totp, sms]\nenrollment: {path: {en: Security, fr: Sécurité}}", "'fr'"},
		{"enrolment wording unknown", "two_factor: [totp, sms]", "two_factor: [totp, sms]\nenrollment: {wording: 2fa}", "/enrollment/wording"},
		{"enrolment setup unknown", "two_factor: [totp, sms]", "two_factor: [totp, sms]\nenrollment: {setup: photo}", "/enrollment/setup"},
		{"key-only enrolment with a settings page", "two_factor: [totp, sms]", "two_factor: [totp, sms]\nenrollment: {setup: key, settings_url: \"https://www.example.com/security\"}", "setup: key shows no QR code"},
		{"approval app without push", "two_factor: [totp, sms]", "two_factor: [totp, sms]\npush_app: smartIDENT", "two_factor does not list push"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(string(base), tc.old, tc.new, 1)
			if src == string(base) {
				t.Fatalf("test edit %q not applied", tc.old)
			}
			_, err := Parse("example.yaml", []byte(src))
			var le *LintError
			if !errors.As(err, &le) {
				t.Fatalf("want *LintError, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\ndoes not mention %q", err, tc.want)
			}
			for _, p := range le.Problems {
				if p.Line == 0 && p.Path != "" {
					t.Errorf("problem without line: %s", p)
				}
			}
		})
	}
}

// FuzzParse feeds arbitrary files to the loader, which reads scripts that
// support staff write by hand: it must return a script or problems, never
// panic or hang.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/example.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("id: x\nlogin: [{navigate: {url: 1}}]"))
	f.Add([]byte("{}"))
	f.Add([]byte("- a\n- b"))
	f.Add([]byte(acmeMail))
	f.Add([]byte("uses: [{name: login/amazon, with: {start: x}}, outcomes/http, outcomes/http]\nsources: []\n"))
	f.Add([]byte("uses: login/../http\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		s, err := Parse("fuzz.yaml", data)
		if err == nil && s == nil {
			t.Fatal("no script and no error")
		}
		var le *LintError
		if err != nil && !errors.As(err, &le) {
			t.Fatalf("error of type %T: %v", err, err)
		}
	})
}

func TestStatusOutcome(t *testing.T) {
	for _, tc := range []struct {
		status int64
		want   twofetch.Outcome
		ok     bool
	}{
		{200, "", false}, {302, "", false}, {401, "", false}, {404, "", false},
		{403, twofetch.OutcomeBlocked, true},
		{429, twofetch.OutcomeRateLimited, true},
		{500, twofetch.OutcomePortalDown, true},
		{503, twofetch.OutcomePortalDown, true},
	} {
		if got, ok := statusOutcome(tc.status); got != tc.want || ok != tc.ok {
			t.Errorf("statusOutcome(%d) = %q, %v; want %q, %v", tc.status, got, ok, tc.want, tc.ok)
		}
	}
}

// A portal whose documents pages are not known is scripted without a
// documents flow: it loads, and the portal table says what was verified.
func TestScriptWithoutDocuments(t *testing.T) {
	base, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src, _, found := strings.Cut(string(base), "\ndocuments:")
	if !found {
		t.Fatal("example has no documents flow")
	}
	s, err := Parse("example.yaml", []byte(src))
	if err != nil {
		t.Fatalf("script without documents: %v", err)
	}
	reg, err := NewRegistry(s)
	if err != nil {
		t.Fatal(err)
	}
	if table := MarkdownTable(reg); !strings.Contains(table, "| sign-in and 2FA verified, no documents known; local replica") {
		t.Errorf("portal table:\n%s", table)
	}
}

func TestLintSteps(t *testing.T) {
	base := header + `two_factor: []
login:
  - navigate: https://HOST/login
documents:
  - STEP
  - download: {id: x, print: true}
`
	tests := []struct{ step, want string }{
		{`paginate: {url: "https://HOST/list", do: []}`, "never uses {{page}}"},
		{`paginate: {next: a.next, stop: {selector: x}, do: []}`, "stop only applies to a pagination by url"},
		{`paginate: {next: a.next, more: b.more, do: []}`, "mutually exclusive"},
		{`paginate: {next: a.next, max: 5000, do: []}`, "exceeds the limit"},
		{`paginate: {url: "https://evil.example/?p={{page}}", do: []}`, `host "evil.example" is not listed`},
		{`frame: {selector: iframe, do: [{type: {selector: x, value: "{{pin}}"}}]}`, "{{pin}} is used before"},
		{`consent: maybe`, "/documents/0/consent"},
		{`click: {selector: button, text: "{{password}}"}`, "{{password}} may only be used"},
		{`set: {username: x}`, `would hide the credential`},
		{`popup: {click: a, do: [{download: {id: "{{page}}", print: true}}]}`, "{{page}} is used before"},
		{`download: {id: x, kind: bill, print: true}`, `document kind "bill" is not one of`},
		{`download: {id: x, kind: "{{kind}}", print: true}`, "{{kind}} is used before"},
	}
	for _, tc := range tests {
		t.Run(tc.step, func(t *testing.T) {
			src := strings.Replace(strings.ReplaceAll(base, "HOST", "portal.example"), "STEP", tc.step, 1)
			_, err := Parse("test.yaml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want a problem mentioning %q", err, tc.want)
			}
		})
	}
	ok := strings.Replace(strings.ReplaceAll(base, "HOST", "portal.example"), "STEP",
		`paginate: {url: "https://portal.example/list?p={{page}}&from={{since}}", stop: {not: {selector: tr}}, max: 10, do: [{download: {id: "p{{page}}", print: true}}]}`, 1)
	if _, err := Parse("test.yaml", []byte(ok)); err != nil {
		t.Errorf("a valid pagination: %v", err)
	}
}

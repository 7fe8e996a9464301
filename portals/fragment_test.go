package portals

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/twofetch/twofetch/portals/scripts"
)

const acmeLogin = `description: The Acme ID sign-in shared by Acme Mail and Acme Cloud.
params:
  continue: {description: page Acme ID returns to after signing in}
  prompt: {description: text of the code prompt, default: Enter the code}
hosts: [id.acme.example]
credentials:
  - {name: username, label: Acme ID}
  - {name: password}
two_factor: [totp, sms]
sources:
  - {url: "https://help.acme.example/sign-in", read: 2026-12-01}
login:
  - navigate: "https://id.acme.example/signin?continue={{param.continue}}"
  - type: {selector: "#identifier", value: "{{username}}", submit: true}
  - type: {selector: "#password", value: "{{password}}", submit: true}
  - if: {text: "{{param.prompt}}"}
    then:
      - type: {selector: "#code", value: "{{otp}}", submit: true}
outcomes:
  - when: {text: "Wrong password"}
    outcome: bad_credentials
`

const acmeMail = `id: acme-mail
name: Acme Mail
homepage: https://mail.acme.example/
hosts: [mail.acme.example]
countries: ["*"]
verified: none
credentials:
  - {name: username, label: Acme ID or e-mail}
  - {name: customer_number, label: Customer number}
sources:
  - {url: "https://help.acme.example/mail/invoices", read: 2026-12-01}
uses:
  - name: login/acme
    with: {continue: "https://mail.acme.example/billing"}
  - outcomes/http
login:
  - wait: {url: "^https://mail\\.acme\\.example/"}
documents:
  - navigate: "https://mail.acme.example/billing?customer={{customer_number}}"
  - download: {id: latest, url: "https://mail.acme.example/latest.pdf"}
outcomes:
  - when: {text: "Mailbox suspended"}
    outcome: action_needed
`

func acmeFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{
		"login/acme.yaml":    {Data: []byte(acmeLogin)},
		"outcomes/http.yaml": {Data: mustRead(scripts.FS, "outcomes/http.yaml")},
		"acme-mail.yaml":     {Data: []byte(acmeMail)},
	}
	for name, data := range files {
		if data == "" {
			delete(fsys, name)
			continue
		}
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

func mustRead(fsys interface{ ReadFile(string) ([]byte, error) }, name string) []byte {
	b, err := fsys.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

// TestFragmentsAssemble checks how a shared login and shared outcome rules
// join a script: steps first, rules last, parameters filled in, lists
// merged, and the whole visible to lint.
func TestFragmentsAssemble(t *testing.T) {
	reg, err := Load(acmeFS(nil))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := reg.Get("acme-mail")
	if got := s.Login[0].Navigate.URL; got != "https://id.acme.example/signin?continue=https://mail.acme.example/billing" {
		t.Errorf("first login step navigates to %q", got)
	}
	if len(s.Login) != 5 || s.Login[4].Wait == nil {
		t.Errorf("login has %d steps, the script's own wait last: %+v", len(s.Login), s.Login)
	}
	if s.Login[3].If.Text != "Enter the code" {
		t.Errorf("default parameter not applied: %q", s.Login[3].If.Text)
	}
	var outcomes []string
	for _, o := range s.Outcomes {
		outcomes = append(outcomes, o.Outcome)
	}
	if want := []string{"action_needed", "bad_credentials", "rate_limited", "blocked", "portal_down"}; !slices.Equal(outcomes, want) {
		t.Errorf("outcomes %v, want %v (own rules first)", outcomes, want)
	}
	if !slices.Equal(s.Hosts, []string{"mail.acme.example", "id.acme.example"}) || !slices.Equal(s.TwoFactor, []string{"totp", "sms"}) {
		t.Errorf("hosts %v, two_factor %v", s.Hosts, s.TwoFactor)
	}
	var creds []string
	for _, c := range s.Credentials {
		creds = append(creds, c.Name+"="+c.Label)
	}
	if want := []string{"username=Acme ID or e-mail", "password=", "customer_number=Customer number"}; !slices.Equal(creds, want) {
		t.Errorf("credentials %v, want %v", creds, want)
	}
	if len(s.Sources) != 4 || s.Sources[0].URL != "https://help.acme.example/mail/invoices" {
		t.Errorf("sources %v: want the script's own first, then the fragments'", s.Sources)
	}
	if len(s.Uses) != 2 || s.Uses[0].Name != "login/acme" || s.Uses[0].With["continue"] == "" || s.Uses[1].Name != "outcomes/http" {
		t.Errorf("uses recorded as %+v", s.Uses)
	}
	if !s.UsesOTP() {
		t.Error("the fragment's {{otp}} is not seen")
	}
}

// TestEnrollmentFromFragment checks that a family's enrolment help reaches
// every script of the family, and that a script's own block replaces it
// whole.
func TestEnrollmentFromFragment(t *testing.T) {
	family := acmeLogin + `enrollment:
  settings_url: https://id.acme.example/security
  wording: two-step
  path: {en: "Security → Two-step login", de: "Sicherheit → Zweistufige Anmeldung"}
`
	reg, err := Load(acmeFS(map[string]string{"login/acme.yaml": family}))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := reg.Get("acme-mail")
	if e := s.Enrollment; e == nil || e.SettingsURL != "https://id.acme.example/security" || e.Wording != "two-step" ||
		e.Path.In("de") != "Sicherheit → Zweistufige Anmeldung" || e.Path.In("nl") != "Security → Two-step login" {
		t.Fatalf("enrollment from the fragment: %+v", s.Enrollment)
	}

	own := strings.Replace(acmeMail, "uses:\n", "enrollment:\n  path: {en: \"Mail settings → Sign-in\"}\nuses:\n", 1)
	reg, err = Load(acmeFS(map[string]string{"login/acme.yaml": family, "acme-mail.yaml": own}))
	if err != nil {
		t.Fatal(err)
	}
	s, _ = reg.Get("acme-mail")
	if e := s.Enrollment; e == nil || e.Path.In("en") != "Mail settings → Sign-in" || e.SettingsURL != "" || e.Wording != "" {
		t.Fatalf("the script's own block must win whole: %+v", s.Enrollment)
	}

	bad := strings.Replace(family, "https://id.acme.example/security", "http://id.acme.example/security", 1)
	_, err = Load(acmeFS(map[string]string{"login/acme.yaml": bad}))
	if err == nil || !strings.Contains(err.Error(), "login/acme.yaml") || !strings.Contains(err.Error(), "settings_url") {
		t.Fatalf("an http settings page in a fragment: %v", err)
	}
}

func TestFragmentProblems(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // substrings of one problem, file:line first
	}{
		{"missing fragment", map[string]string{"login/acme.yaml": ""},
			[]string{"acme-mail.yaml:13", "there is no fragment login/acme"}},
		{"unknown parameter", map[string]string{"acme-mail.yaml": strings.Replace(acmeMail, "with: {continue:", "with: {contnue:", 1)},
			[]string{"acme-mail.yaml:14", `no parameter "contnue"`, "continue, prompt"}},
		{"required parameter", map[string]string{"acme-mail.yaml": strings.Replace(acmeMail, `    with: {continue: "https://mail.acme.example/billing"}`+"\n", "", 1)},
			[]string{"acme-mail.yaml:13", `parameter "continue" is required`}},
		{"undeclared reference", map[string]string{"login/acme.yaml": strings.Replace(acmeLogin, "{{param.prompt}}", "{{param.promt}}", 1)},
			[]string{"login/acme.yaml:16", "{{param.promt}} is not declared"}},
		{"error inside the fragment", map[string]string{"login/acme.yaml": strings.Replace(acmeLogin, "submit: true}\n  - type: {selector: \"#password\"", "sumbit: true}\n  - type: {selector: \"#password\"", 1)},
			[]string{"login/acme.yaml:14", "sumbit"}},
		{"lint sees fragment steps", map[string]string{"login/acme.yaml": strings.Replace(acmeLogin, "https://id.acme.example/signin", "https://evil.example/signin", 1)},
			[]string{"login/acme.yaml:13 (/login/0/navigate)", `host "evil.example" is not listed`}},
		{"cycle", map[string]string{"login/acme.yaml": acmeLogin + "uses: [login/loop]\n", "login/loop.yaml": "description: loops\nsources: [{url: \"https://x.example/\", read: 2026-12-01}]\nuses: login/acme\noutcomes: [{when: {text: x}, outcome: captcha}]\n"},
			[]string{"would use itself", "login/acme → login/loop → login/acme"}},
		{"a script is not a fragment", map[string]string{"acme-mail.yaml": strings.Replace(acmeMail, "  - outcomes/http\n", "  - acme-mail\n", 1)},
			[]string{"acme-mail.yaml:15", `"acme-mail" is not a fragment name`}},
		{"script without own sources", map[string]string{"acme-mail.yaml": strings.Replace(acmeMail, "sources:\n  - {url: \"https://help.acme.example/mail/invoices\", read: 2026-12-01}\n", "", 1)},
			[]string{"acme-mail.yaml:1", "names no sources"}},
		{"secret credential outside type", map[string]string{"acme-mail.yaml": strings.Replace(acmeMail, "label: Customer number}", "label: PIN, secret: true}", 1)},
			[]string{"(/documents/0/navigate)", "{{customer_number}} is a secret credential"}},
		{"unused fragment still checked", map[string]string{"login/other.yaml": "description: x\nsources: [{url: \"https://x.example/\", read: 2026-12-01}]\nlogin: [{frobnicate: 1}]\n"},
			[]string{"login/other.yaml:3 (/login/0)"}},
		{"fragment without sources", map[string]string{"login/other.yaml": "description: x\nlogin: [{navigate: \"https://x.example/\"}]\n"},
			[]string{"login/other.yaml", "sources"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(acmeFS(tc.files))
			var le *LintError
			if !errors.As(err, &le) {
				t.Fatalf("want *LintError, got %v", err)
			}
			for _, p := range le.Problems {
				s := p.String()
				ok := true
				for _, w := range tc.want {
					ok = ok && strings.Contains(s, w)
				}
				if ok {
					return
				}
			}
			t.Errorf("no problem mentions all of %q:\n%v", tc.want, err)
		})
	}
}

// TestBuiltinFragments keeps the shipped fragments valid, used or not.
func TestBuiltinFragments(t *testing.T) {
	names, err := fragmentFiles(scripts.FS)
	if err != nil || !slices.Contains(names, "outcomes/http") {
		t.Fatalf("fragments %v, %v", names, err)
	}
	if probs := LintFragments(scripts.FS, "portals/scripts"); len(probs) > 0 {
		t.Fatalf("%v", &LintError{probs})
	}
}

// TestBuiltinEnrollmentHelp: the Amazon stores share the help of the
// Amazon sign-in, Seller Central keeps its own, and every shipped block
// gives the path to the QR code, except where the portal has no
// authenticator app and so no QR code (Indeed), whose block says so.
func TestBuiltinEnrollmentHelp(t *testing.T) {
	reg, err := Load(scripts.FS)
	if err != nil {
		t.Fatal(err)
	}
	get := func(id string) *Enrollment {
		s, ok := reg.Get(id)
		if !ok {
			t.Fatalf("no script %s", id)
		}
		return s.Enrollment
	}
	fr, de, sc := get("amazon-fr"), get("amazon-de"), get("amazon-sellercentral")
	if fr == nil || de == nil || fr.Path.In("de") != de.Path.In("de") || !strings.Contains(de.Path.In("de"), "Zwei-Schritt-Verifizierung") {
		t.Errorf("the Amazon stores do not share the sign-in's help: %+v %+v", fr, de)
	}
	if sc == nil || !strings.Contains(sc.Path.In("en"), "Login Settings") || sc.CantScan.In("en") == "" {
		t.Errorf("Seller Central's own help: %+v", sc)
	}
	for _, s := range reg.List() {
		noApp := !slices.Contains(s.TwoFactor, "totp") && !slices.Contains(s.TwoFactor, "hotp") && s.PushApp == ""
		switch {
		case s.Enrollment == nil:
		case noApp && !strings.Contains(s.Enrollment.Note.In("en"), "no authenticator app"):
			t.Errorf("%s: offers no authenticator app, and its enrollment note does not say so", s.ID)
		case !noApp && s.Enrollment.Path.In("en") == "":
			t.Errorf("%s: enrollment without a path to the QR code", s.ID)
		}
	}
}

package portals

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
)

// header is the metadata every test script shares.
const header = `
id: test
name: Test Portal
homepage: https://HOST/
hosts: [HOST]
countries: ["*"]
credentials: [{name: username}, {name: password}]
verified: none
sources: [{url: "https://HOST/help", read: 2026-12-06}]
`

const loginSteps = `
login:
  - navigate: https://HOST/login
  - type: {selector: "input[name=email]", value: "{{username}}"}
  - type: {selector: "input[name=password]", value: "{{password}}"}
  - click: "#signin"
  - wait:
      any:
        - {selector: "input[name=otp]"}
        - {selector: "table#invoices"}
        - {selector: ".login-error"}
        - {selector: "iframe"}
        - {selector: "#approve-on-phone"}
        - {url: "/terms/"}
  - if: {selector: "input[name=otp]"}
    then:
      - {click: "input[name=remember]", optional: true}
      - type: {selector: "input[name=otp]", value: "{{otp}}", submit: true}
      - wait: {any: [{selector: "table#invoices"}, {selector: ".otp-error"}]}
`

const outcomeRules = `
outcomes:
  - when: {text: "wrong e-mail address or password"}
    outcome: bad_credentials
  - when: {selector: ".otp-error"}
    outcome: otp_rejected
  - when: {selector: "iframe[src*=captcha]"}
    outcome: captcha
  - when: {selector: "#approve-on-phone"}
    outcome: unsupported_2fa
  - when: {url: "/terms/accept"}
    outcome: action_needed
`

const twoFactor = "two_factor: [totp]\n"

const linkDocuments = `
session:
  url: https://HOST/invoices
  logged_in: {selector: "table#invoices"}
  logged_out: {selector: "input[name=password]"}
documents:
  - navigate: https://HOST/invoices
  - wait: {selector: "table#invoices"}
  - for_each:
      rows: "table#invoices tbody tr"
      fields:
        id: {selector: td.number}
        date: {selector: td.date}
        amount: {selector: td.amount, regex: "([0-9]+\\.[0-9]{2})"}
        pdf: {selector: a.pdf, attr: href}
      id: "{{row.id}}"
      do:
        - download: {id: "{{row.id}}", date: "{{row.date}}", amount: "{{row.amount}}", currency: EUR, url: "{{row.pdf}}"}
`

func fullScript() string { return header + twoFactor + loginSteps + linkDocuments + outcomeRules }

func runJob(t *testing.T, r *Runner, job *Job) (*Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	return r.Run(ctx, job)
}

// TestLoginDownloadAndSessionReuse is the main path: log in with a code,
// download every invoice by link, then run again and find the session
// alive and nothing new.
func TestLoginDownloadAndSessionReuse(t *testing.T) {
	pool := testPool(t)
	host, s := newSite(t)
	s.code = "123456"
	reg := scriptFor(t, host, fullScript())
	sec := &fakeSecrets{password: s.password, code: s.code, hasKey: true}
	st := &memStore{}
	r := NewRunner(reg, pool)

	res, err := runJob(t, r, testJob(t, sec, st, nil))
	if err != nil {
		t.Fatalf("first run: %v\nsteps:\n%s", err, stepsText(res))
	}
	if res.Outcome != twofetch.OutcomeOK || res.New != 2 || res.SessionReused {
		t.Fatalf("first run: outcome %s, new %d, reused %v", res.Outcome, res.New, res.SessionReused)
	}
	for _, inv := range s.invoices {
		d := st.get(inv.ID)
		if d == nil {
			t.Fatalf("invoice %s not saved", inv.ID)
		}
		if !bytes.Equal(d.Data, inv.pdf()) || d.Date != inv.Date || d.Amount != inv.Amount || d.Currency != "EUR" || d.ContentType != pdfType {
			t.Errorf("invoice %s saved as %+v", inv.ID, d)
		}
		if len(d.SHA256) != 64 {
			t.Errorf("invoice %s: sha256 %q", inv.ID, d.SHA256)
		}
	}
	if p, c := sec.counts(); p != 1 || c != 1 {
		t.Errorf("first run asked for %d passwords and %d codes, want 1 and 1", p, c)
	}
	if sec.cookies == nil {
		t.Fatal("cookies were not saved after a successful run")
	}

	res, err = runJob(t, r, testJob(t, sec, st, nil))
	if err != nil {
		t.Fatalf("second run: %v\nsteps:\n%s", err, stepsText(res))
	}
	if res.Outcome != twofetch.OutcomeNoDocuments || res.New != 0 || !res.SessionReused {
		t.Errorf("second run: outcome %s, new %d, reused %v", res.Outcome, res.New, res.SessionReused)
	}
	if p, c := sec.counts(); p != 1 || c != 1 {
		t.Errorf("second run asked for secrets again: %d passwords, %d codes in total", p, c)
	}
	if n := s.hitCount("/pdf/INV-1001"); n != 1 {
		t.Errorf("INV-1001 fetched %d times, want once (known invoices are skipped)", n)
	}
}

func stepsText(res *Result) string {
	if res == nil {
		return ""
	}
	var b strings.Builder
	for _, s := range res.Steps {
		b.WriteString(s.String() + "\n")
	}
	return b.String()
}

// TestDownloadSources covers every way a document can be fetched.
func TestDownloadSources(t *testing.T) {
	pool := testPool(t)
	tests := []struct {
		name, documents string
		print           bool
	}{
		{"click", `
documents:
  - navigate: https://HOST/invoices
  - for_each:
      rows: "table#invoices tbody tr"
      fields: {id: {selector: td.number}}
      do:
        - download: {id: "{{row.id}}", kind: credit_note, click: ":scope a.dl"}
`, false},
		{"js api and base64", `
documents:
  - navigate: https://HOST/invoices
  - js:
      var: list
      script: |
        const r = await fetch('/api/invoices', {credentials: 'include'});
        return await r.json();
  - for_each:
      items: list
      do:
        - download: {id: "{{row.id}}", date: "{{row.date}}", base64: "{{row.pdf}}"}
`, false},
		{"link to another origin", `
documents:
  - navigate: https://HOST/invoices
  - for_each:
      rows: "table#invoices tbody tr"
      fields: {id: {selector: td.number}}
      do:
        - download: {id: "{{row.id}}", url: "https://files.HOST/public/{{row.id}}"}
`, false},
		{"print", `
documents:
  - navigate: https://HOST/invoices
  - for_each:
      rows: "table#invoices tbody tr"
      fields: {id: {selector: td.number}, view: {selector: a.print, attr: href}}
      do:
        - navigate: "{{row.view}}"
        - wait: {text: "Invoice {{row.id}}"}
        - download: {id: "{{row.id}}", print: true}
`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			host, s := newSite(t)
			// files.HOST is the same portal under another origin.
			shared.mu.Lock()
			shared.site["files."+host] = s
			shared.mu.Unlock()
			reg := scriptFor(t, host, strings.Replace(header, "hosts: [HOST]", "hosts: [HOST, files.HOST]", 1)+twoFactor+loginSteps+tc.documents)
			sec := &fakeSecrets{password: s.password}
			st := &memStore{}
			res, err := runJob(t, NewRunner(reg, pool), testJob(t, sec, st, nil))
			if err != nil {
				t.Fatalf("run: %v\n%s", err, stepsText(res))
			}
			if res.New != len(s.invoices) {
				t.Fatalf("stored %d documents, want %d\n%s", res.New, len(s.invoices), stepsText(res))
			}
			wantKind := twofetch.KindInvoice
			if strings.Contains(tc.documents, "kind: credit_note") {
				wantKind = twofetch.KindCreditNote
			}
			for _, inv := range s.invoices {
				d := st.get(inv.ID)
				switch {
				case d == nil:
					t.Errorf("%s not stored", inv.ID)
				case d.Kind != wantKind:
					t.Errorf("%s stored as kind %q, want %q", inv.ID, d.Kind, wantKind)
				case tc.print && !bytes.HasPrefix(d.Data, []byte("%PDF-")):
					t.Errorf("%s: printed page is not a PDF", inv.ID)
				case !tc.print && !bytes.Equal(d.Data, inv.pdf()):
					t.Errorf("%s: stored %q, want the portal's file", inv.ID, printable(d.Data, 40))
				}
			}
			if _, c := sec.counts(); c != 0 {
				t.Errorf("a portal without 2FA cost %d codes", c)
			}
		})
	}
}

// TestOutcomes checks that outcome rules name the reason a login failed.
func TestOutcomes(t *testing.T) {
	pool := testPool(t)
	tests := []struct {
		name   string
		setup  func(s *site, sec *fakeSecrets)
		want   twofetch.Outcome
		codes  int
		script string
	}{
		{"wrong password", func(s *site, sec *fakeSecrets) { sec.password = "wrong" }, twofetch.OutcomeBadCredentials, 0, ""},
		{"code rejected", func(s *site, sec *fakeSecrets) { sec.code = "000000" }, twofetch.OutcomeOTPRejected, 1, ""},
		{"captcha", func(s *site, sec *fakeSecrets) { s.mode = "captcha" }, twofetch.OutcomeCaptcha, 0, ""},
		{"push only", func(s *site, sec *fakeSecrets) { s.mode = "push" }, twofetch.OutcomeUnsupported2FA, 0, ""},
		{"terms", func(s *site, sec *fakeSecrets) { s.mode = "terms" }, twofetch.OutcomeActionNeeded, 0, ""},
		{"no key enrolled", func(s *site, sec *fakeSecrets) { sec.hasKey = false }, twofetch.OutcomeOTPMissing, 0, ""},
		{"no password stored", func(s *site, sec *fakeSecrets) { sec.password = "" }, twofetch.OutcomeBadCredentials, 0, ""},
		// A refusal after a form post has no navigation status to go by:
		// the shared rules read the status of the document shown.
		{"HTTP 429 after sign-in", func(s *site, sec *fakeSecrets) { s.mode = "status-429" }, twofetch.OutcomeRateLimited, 0, fullScript() + "uses: [outcomes/http]\n"},
		{"HTTP 503 after sign-in", func(s *site, sec *fakeSecrets) { s.mode = "status-503" }, twofetch.OutcomePortalDown, 0, fullScript() + "uses: [outcomes/http]\n"},
		{"fail step", func(s *site, sec *fakeSecrets) {}, twofetch.OutcomeActionNeeded, 1,
			header + twoFactor + loginSteps + `
documents:
  - extract: {total: {selector: "#total", regex: "([0-9.]+)"}}
  - if: {text: "EUR 111.50"}
    then:
      - fail: {outcome: action_needed, detail: "balance {{total}} is due"}
    else:
      - go: never-registered
`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			host, s := newSite(t)
			s.code = "123456"
			sec := &fakeSecrets{password: s.password, code: s.code, hasKey: true}
			tc.setup(s, sec)
			src := tc.script
			if src == "" {
				src = fullScript()
			}
			r := NewRunner(scriptFor(t, host, src), pool, Steps{"never-registered": func(context.Context, *StepContext) error { return nil }})
			if strings.HasPrefix(s.mode, "status-") {
				r.StepTimeout = 2 * time.Second // the wait after sign-in cannot succeed
			}
			res, err := runJob(t, r, testJob(t, sec, &memStore{}, nil))
			if got := twofetch.OutcomeOf(err); got != tc.want || res.Outcome != tc.want {
				t.Fatalf("outcome %s (result %s), want %s; err %v\n%s", got, res.Outcome, tc.want, err, stepsText(res))
			}
			if _, c := sec.counts(); c != tc.codes {
				t.Errorf("asked for %d codes, want %d", c, tc.codes)
			}
			if tc.name == "fail step" && !strings.Contains(err.Error(), "balance 111.50 is due") {
				t.Errorf("fail detail not expanded: %v", err)
			}
		})
	}
}

// TestPortalChangedKeepsArtifactsWithoutSecrets makes a step wait for an
// element that never comes while secrets sit in the page, and checks the
// artifacts and every log for them.
func TestPortalChangedKeepsArtifactsWithoutSecrets(t *testing.T) {
	pool := testPool(t)
	tests := []struct {
		name, mode string
		code       string
		want       twofetch.Outcome
	}{
		// The sign-in button is gone: the typed password is still in its field.
		{"changed login form", "changed-login", "", twofetch.OutcomePortalChanged},
		// The server echoes the password into the page text.
		{"password echoed", "echo", "", twofetch.OutcomePortalChanged},
		// The invoice table is gone after a login with a code.
		{"changed invoice page", "changed", "654321", twofetch.OutcomePortalChanged},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			host, s := newSite(t)
			s.mode, s.code = tc.mode, tc.code
			// Characters that HTML and URLs escape, so escaped echoes are
			// caught too.
			s.password = "Sup3r <Secret> & \"Passw0rd\""
			sec := &fakeSecrets{password: s.password, code: tc.code, hasKey: tc.code != ""}
			var logs testenv.LogLines
			job := testJob(t, sec, &memStore{}, &logs)
			var progress strings.Builder
			job.Progress = func(s StepLog) { progress.WriteString(s.String() + "\n") }
			r := NewRunner(scriptFor(t, host, fullScript()), pool)
			// Every wait here is for something that never comes.
			r.StepTimeout = 2 * time.Second
			res, err := runJob(t, r, job)
			if got := twofetch.OutcomeOf(err); got != tc.want {
				t.Fatalf("outcome %s, want %s: %v\n%s", got, tc.want, err, stepsText(res))
			}
			if res.ArtifactDir != job.ArtifactDir {
				t.Fatalf("artifact dir %q, want %q", res.ArtifactDir, job.ArtifactDir)
			}
			png, _ := os.ReadFile(filepath.Join(res.ArtifactDir, "screenshot.png"))
			if !bytes.HasPrefix(png, []byte("\x89PNG")) {
				t.Error("no screenshot.png")
			}
			html, _ := os.ReadFile(filepath.Join(res.ArtifactDir, "page.html"))
			if len(html) == 0 {
				t.Error("no page.html")
			}
			steps, _ := os.ReadFile(filepath.Join(res.ArtifactDir, "steps.log"))
			if !strings.Contains(string(steps), "FAILED") {
				t.Errorf("steps.log does not show the failure:\n%s", steps)
			}
			secrets := []string{s.password, "Sup3r &lt;Secret&gt;", "Sup3r+%3CSecret"}
			if tc.code != "" {
				secrets = append(secrets, tc.code)
			}
			for _, secret := range secrets {
				for what, text := range map[string]string{
					"page.html": string(html), "steps.log": string(steps), "log": logs.String(),
					"error": err.Error(), "progress": progress.String(), "result steps": stepsText(res),
				} {
					if strings.Contains(text, secret) {
						t.Errorf("%s contains a typed secret", what)
					}
				}
			}
			if tc.mode == "echo" && !strings.Contains(string(html), "[redacted]") {
				t.Error("echoed password was not replaced by [redacted] in page.html")
			}
		})
	}
}

// TestCrashRecovery kills Chromium in the middle of a job: that job fails
// as transient and the next one gets a fresh browser.
func TestCrashRecovery(t *testing.T) {
	pool := testSharedPool(t)
	host, s := newSite(t)
	src := header + "two_factor: []\n" + `
login:
  - navigate: https://HOST/slow
  - wait: {selector: "#never"}
    timeout: 60s
documents:
  - go: noop
`
	r := NewRunner(scriptFor(t, host, src), pool, Steps{"noop": func(context.Context, *StepContext) error { return nil }})
	before := pool.Starts()
	done := make(chan error, 1)
	go func() {
		_, err := runJob(t, r, testJob(t, &fakeSecrets{}, &memStore{}, nil))
		done <- err
	}()
	select {
	case <-s.slowHit:
	case err := <-done:
		t.Fatalf("job ended before the page loaded: %v", err)
	}
	pool.mu.Lock()
	pid := pool.cur.pid()
	proc := chromeProcess(pool.cur)
	pool.mu.Unlock()
	if proc == nil {
		t.Fatal("no browser process")
	}
	proc.Kill()
	err := <-done
	if got := twofetch.OutcomeOf(err); got != twofetch.OutcomeTransient {
		t.Fatalf("crashed job: outcome %s (%v), want transient", got, err)
	}

	host2, s2 := newSite(t)
	res, err := runJob(t, NewRunner(scriptFor(t, host2, header+twoFactor+loginSteps+linkDocuments), pool),
		testJob(t, &fakeSecrets{password: s2.password}, &memStore{}, nil))
	if err != nil || res.New != 2 {
		t.Fatalf("job after the crash: %v, %d new\n%s", err, res.New, stepsText(res))
	}
	pool.mu.Lock()
	newPID := pool.cur.pid()
	pool.mu.Unlock()
	if pool.Starts() != before+1 || newPID == pid {
		t.Errorf("starts %d → %d, pid %d → %d: want one restart", before, pool.Starts(), pid, newPID)
	}
}

// TestCancel stops a job through its context.
func TestCancel(t *testing.T) {
	pool := testPool(t)
	host, s := newSite(t)
	src := header + "two_factor: []\n" + `
login:
  - navigate: https://HOST/slow
  - wait: {selector: "#never"}
    timeout: 5m
documents:
  - go: noop
`
	r := NewRunner(scriptFor(t, host, src), pool, Steps{"noop": func(context.Context, *StepContext) error { return nil }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(ctx, testJob(t, &fakeSecrets{}, &memStore{}, nil))
		done <- err
	}()
	<-s.slowHit
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) || twofetch.OutcomeOf(err) != twofetch.OutcomeTransient {
		t.Fatalf("cancelled job returned %v (outcome %s)", err, twofetch.OutcomeOf(err))
	}
	// The pool is still usable.
	if err := pool.Ping(context.Background()); err != nil {
		t.Fatalf("pool after cancel: %v", err)
	}
}

// TestPageSteps exercises select, extract, set, js, if/else, network idle
// and a Go step reading and storing through its StepContext.
func TestPageSteps(t *testing.T) {
	pool := testPool(t)
	host, s := newSite(t)
	src := header + twoFactor + loginSteps + `
documents:
  - navigate: https://HOST/invoices
  - wait: {network_idle: true}
  - select: {selector: "#year", label: "Year 2025"}
  - js: {var: year, script: "return document.querySelector('#year').value"}
  - extract:
      total: {selector: "#total", regex: "([0-9]+\\.[0-9]+)"}
      first: {selector: "td.number"}
  - set: {summary: "{{year}}/{{total}}/{{first}}"}
  - if: {not: {selector: "table#invoices"}}
    then:
      - fail: {outcome: portal_changed}
    else:
      - go: {name: store-summary, args: {text: "{{summary}}"}}
`
	var got string
	r := NewRunner(scriptFor(t, host, src), pool, Steps{"store-summary": func(ctx context.Context, sc *StepContext) error {
		got = sc.Args["text"]
		if v, ok := sc.Var("year"); !ok || v != "2025" {
			t.Errorf("Var(year) = %v, %v", v, ok)
		}
		_, err := sc.Store(ctx, &Document{PortalInvoiceID: "summary", ContentType: "text/plain", Data: []byte(got)})
		return err
	}})
	st := &memStore{}
	res, err := runJob(t, r, testJob(t, &fakeSecrets{password: s.password}, st, nil))
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stepsText(res))
	}
	if got != "2025/111.50/INV-1001" {
		t.Errorf("summary %q", got)
	}
	if d := st.get("summary"); d == nil || d.ContentType != "text/plain" {
		t.Errorf("Go step did not store its document: %+v", d)
	}
}

// TestDocumentChecks refuses files that are not what they claim to be.
func TestDocumentChecks(t *testing.T) {
	tests := []struct {
		data, want, served string
		ok                 bool
	}{
		{"%PDF-1.7 ...", pdfType, "", true},
		{"<html>login</html>", pdfType, pdfType, false},
		{"a,b\n1,2\n", "text/csv", "text/csv; charset=utf-8", true},
		{"<html></html>", "text/csv", "text/html", false},
		{"\x89PNG\r\n\x1a\n....", "image/png", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.want+"/"+printable([]byte(tc.data), 8), func(t *testing.T) {
			err := checkType([]byte(tc.data), tc.want, tc.served)
			if (err == nil) != tc.ok {
				t.Errorf("checkType = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestRegisterStepPanics(t *testing.T) {
	name := "test-register-twice"
	RegisterStep(name, func(context.Context, *StepContext) error { return nil })
	for _, tc := range []struct {
		name string
		fn   StepFunc
	}{{name, func(context.Context, *StepContext) error { return nil }}, {"", func(context.Context, *StepContext) error { return nil }}, {"x-nil", nil}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RegisterStep(%q) did not panic", tc.name)
				}
			}()
			RegisterStep(tc.name, tc.fn)
		}()
	}
}

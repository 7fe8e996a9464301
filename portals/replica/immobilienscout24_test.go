package replica

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func init() { ownSignIn["immobilienscout24"] = is24SignIn }

// is24Password takes the two SSO steps and returns the page after the
// password.
func is24Password(t *testing.T, c *http.Client, email, pw string) visit {
	t.Helper()
	v := get(t, c, is24Login+"?appName=is24main")
	if !strings.Contains(v.body, `id="username"`) || !regexp.MustCompile(`<input type="hidden" id="[^"]*[Tt]oken[^"]*"`).MatchString(v.body) {
		t.Fatalf("want the user name step with its token:\n%s", v.body)
	}
	v = post(t, c, v.url, url.Values{"username": {email}})
	if !strings.Contains(v.body, `<form id="loginForm"`) || !strings.Contains(v.body, `id="password"`) {
		t.Fatalf("want the password step:\n%s", v.body)
	}
	return post(t, c, v.url, url.Values{"username": {email}, "password": {pw}})
}

func is24SignIn(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	t.Helper()
	v := is24Password(t, c, email, pw)
	if !strings.HasPrefix(v.url, is24TOTP) || !strings.Contains(v.body, `data-se="factor-totp"`) {
		t.Fatalf("want Okta's code form, at %s:\n%s", v.url, v.body)
	}
	post(t, c, v.url, url.Values{"answer": {otp}})
	// The demo-key test expects the sign-in to end on the billing page.
	return get(t, c, is24Invoices)
}

func TestImmobilienScout24SignInAndInvoices(t *testing.T) {
	s := server(t)
	p := s.Portal("immobilienscout24")
	email, pw, k := newUser(t, p)

	if v := get(t, s.Client(), is24Invoices); !strings.HasPrefix(v.url, is24Login) {
		t.Fatalf("the invoices without a session: at %s", v.url)
	}
	if v := is24Password(t, s.Client(), email, pw+"x"); !strings.Contains(v.body, `<div class="status-message status-error margin-bottom"><p>Bitte geben Sie ein gültiges Passwort ein.</p>`) {
		t.Errorf("wrong password:\n%s", v.body)
	}

	c := s.Client()
	v := is24Password(t, c, email, pw)
	if got := get(t, c, is24Invoices); strings.HasPrefix(got.url, is24Invoices) {
		t.Fatal("the invoices opened before the code")
	}
	if v := post(t, c, v.url, url.Values{"answer": {"000000"}}); !strings.Contains(v.body, `class="okta-form-infobox-error infobox infobox-error"`) {
		t.Fatalf("refused code:\n%s", v.body)
	}
	code := currentCode(t, k, time.Now())
	if v := post(t, c, v.url, url.Values{"answer": {code}, "rememberDevice": {"true"}}); v.url != is24Start || !strings.Contains(v.body, `href="/meinkonto/"`) {
		t.Fatalf("after the code: at %s:\n%s", v.url, v.body)
	}

	v = get(t, c, is24Invoices)
	rows := regexp.MustCompile(`<tr><td>(\d{1,2}\. [A-Za-zä]+ \d{4})</td><td>([^<]+)</td><td></td><td>([^<]+)</td><td></td>\s*<td><button type="button" aria-label="Rechnung herunterladen" onclick="location.href='([^']+)'">`).FindAllStringSubmatch(v.body, -1)
	want := p.Invoices(email)
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), v.body)
	}
	newest := want[0] // Invoices lists the newest first
	if rows[0][2] != newest.Number || !strings.HasSuffix(rows[0][3], " €") {
		t.Errorf("first row %q, want the newest, %s", rows[0][1:], newest.Number)
	}
	if ok, pdf := fetchPDF(t, c, "GET", is24WWW+rows[0][4], nil); !ok || !strings.Contains(pdf, newest.Number) {
		t.Errorf("PDF: %.40q", pdf)
	}
	if v := get(t, s.Client(), is24WWW+rows[0][4]); !strings.HasPrefix(v.url, is24Login) {
		t.Errorf("a PDF without the session: at %s", v.url)
	}

	// The browser that ticked the box is not asked again.
	p.ExpireSessions()
	if v := is24Password(t, c, email, pw); v.url != is24Start {
		t.Errorf("a trusted browser was sent to %s", v.url)
	}
	// Okta's e-mail factor, where an account meets it.
	p.SetMode(NewDevice)
	defer p.SetMode(0)
	if v := is24Password(t, s.Client(), email, pw); v.url != is24Email || !strings.Contains(v.body, `class="mfa-email-sent-content"`) {
		t.Errorf("e-mail factor: at %s:\n%s", v.url, v.body)
	}
}

// The overview shows ten invoices a page, newest first; the next-page
// button is disabled on the last.
func TestImmobilienScout24Paging(t *testing.T) {
	s := server(t)
	p := s.Portal("immobilienscout24")
	email, pw, k := newUser(t, p)
	for range 9 {
		if _, err := p.AddInvoice(email); err != nil {
			t.Fatal(err)
		}
	}
	c := s.Client()
	is24SignIn(t, c, nil, email, pw, currentCode(t, k, time.Now()))
	one, two := get(t, c, is24Invoices), get(t, c, is24Invoices+"?seite=2")
	count := func(v visit) int { return strings.Count(v.body, `aria-label="Rechnung herunterladen"`) }
	if count(one) != 10 || count(two) != 2 || !strings.Contains(one.body, `?seite=2`) || !strings.Contains(two.body, `class="pagination-next" disabled`) {
		t.Errorf("pages of %d and %d rows:\n%s\n%s", count(one), count(two), one.body, two.body)
	}
}

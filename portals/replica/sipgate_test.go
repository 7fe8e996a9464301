package replica

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func init() { ownSignIn["sipgate"] = sipgateSignIn }

// sipgatePassword sends the user, then the password, as the two steps of
// the sign-in ask for them.
func sipgatePassword(t *testing.T, c *http.Client, email, pw string) visit {
	t.Helper()
	v := post(t, c, sipgateLogin, url.Values{"username": {email}, "rememberMe": {"on"}})
	if !strings.Contains(v.body, `id="password"`) {
		t.Fatalf("want the password step, at %s:\n%s", v.url, v.body)
	}
	return post(t, c, sipgateLogin, url.Values{"username": {email}, "rememberMe": {"on"}, "password": {pw}})
}

func sipgateSignIn(t *testing.T, c *http.Client, sp *spec, email, pw, otp string) visit {
	t.Helper()
	v := sipgatePassword(t, c, email, pw)
	if !strings.Contains(v.body, `<form id="loginform"`) || !strings.Contains(v.body, `id="otp"`) {
		t.Fatalf("want the code step, at %s:\n%s", v.url, v.body)
	}
	post(t, c, sipgateLogin, url.Values{"otp": {otp}})
	return get(t, c, sp.Billing.URL)
}

var sipgateRowRE = regexp.MustCompile(`<tr><td></td><td>([^<]+)</td><td></td><td>([^<]+)</td><td></td><td>([^<]+)</td>\s*<td><button type="button" aria-label="Rechnung herunterladen" onclick="location.href='([^']+)'">`)

func TestSipgateSignInAndInvoices(t *testing.T) {
	s := server(t)
	p := s.Portal("sipgate")
	email, pw, k := newUser(t, p)

	if v := post(t, s.Client(), sipgateLogin, url.Values{"username": {"nobody@example.com"}}); !strings.Contains(v.body, `<div class="alert alert--error">Invalid username or email.</div>`) || strings.Contains(v.body, `id="password"`) {
		t.Errorf("unknown user:\n%s", v.body)
	}
	if v := sipgatePassword(t, s.Client(), email, pw+"x"); !strings.Contains(v.body, `<div class="alert alert--error">Invalid password.</div>`) || strings.Contains(v.body, `id="otp"`) {
		t.Errorf("wrong password:\n%s", v.body)
	}

	c := s.Client()
	if v := get(t, c, sipgateInvoices); v.url != sipgateLogin {
		t.Fatalf("invoices without a session: at %s", v.url)
	}
	sipgatePassword(t, c, email, pw)
	if v := post(t, c, sipgateLogin, url.Values{"otp": {"000000"}}); !strings.Contains(v.body, "Invalid confirmation code.") || !strings.Contains(v.body, `id="otp"`) {
		t.Fatalf("a refused code did not bring the code form back:\n%s", v.body)
	}
	if v := get(t, c, sipgateInvoices); v.url != sipgateLogin {
		t.Fatalf("invoices before the code: at %s", v.url)
	}
	v := post(t, c, sipgateLogin, url.Values{"otp": {currentCode(t, k, time.Now())}})
	if v.url != sipgateLanding || !strings.Contains(v.body, `data-test-selector="app-web-authenticated"`) || !strings.Contains(v.body, `data-tracking-email="`+email+`"`) {
		t.Fatalf("after the code: at %s:\n%s", v.url, v.body)
	}
	if v := get(t, c, sipgateLogin); v.url != sipgateLanding {
		t.Errorf("the sign-in with a session: at %s", v.url)
	}

	rows := sipgateRowRE.FindAllStringSubmatch(get(t, c, sipgateInvoices).body, -1)
	want := p.Invoices(email)
	if len(rows) != 3 || len(want) != 3 {
		t.Fatalf("%d rows, %d invoices; want 3", len(rows), len(want))
	}
	for i, r := range rows {
		if r[1] != germanLongDate(want[i].Date) || r[2] != want[i].Number || !strings.HasSuffix(r[3], " €") {
			t.Errorf("row %d: %q, want %s %s (newest first)", i, r[1:], germanLongDate(want[i].Date), want[i].Number)
		}
	}
	if ok, body := fetchPDF(t, c, "GET", sipgateApp+rows[0][4], nil); !ok || !strings.Contains(body, want[0].Number) {
		t.Errorf("download: %.40q", body)
	}
	if ok, _ := fetchPDF(t, s.Client(), "GET", sipgateApp+rows[0][4], nil); ok {
		t.Error("a PDF without a session")
	}

	get(t, c, sipgateApp+"/logout")
	if v := get(t, c, sipgateInvoices); v.url != sipgateLogin {
		t.Errorf("invoices after logout: at %s", v.url)
	}
}

// A browser sipgate does not know gets the e-mailed code, which no answer
// passes in the replica, and no page of the app opens.
func TestSipgateEmailedCode(t *testing.T) {
	s := server(t)
	p := s.Portal("sipgate")
	email, pw, _ := newUser(t, p)
	p.SetMode(NewDevice)
	defer p.SetMode(0)
	c := s.Client()
	v := sipgatePassword(t, c, email, pw)
	if !strings.Contains(v.body, `name="emailCode"`) || !strings.Contains(v.body, `class="login__submit"`) || strings.Contains(v.body, `id="otp"`) {
		t.Fatalf("want the e-mailed code:\n%s", v.body)
	}
	if v := post(t, c, sipgateLogin, url.Values{"emailCode": {"123456"}}); !strings.Contains(v.body, "Invalid confirmation code.") {
		t.Errorf("an e-mailed code was taken:\n%s", v.body)
	}
	if v := get(t, c, sipgateInvoices); v.url != sipgateLogin {
		t.Errorf("invoices at the e-mail check: at %s", v.url)
	}
}

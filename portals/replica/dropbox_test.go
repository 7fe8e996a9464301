package replica

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func init() { ownSignIn["dropbox"] = dropboxSignIn }

var dropboxID = regexp.MustCompile(`id="login_email-([a-z0-9]{6})"`)

func dropboxSignIn(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	t.Helper()
	return dropboxSignInTrust(t, c, email, pw, otp, false)
}

func dropboxSignInTrust(t *testing.T, c *http.Client, email, pw, otp string, trust bool) visit {
	t.Helper()
	v := get(t, c, dropboxLogin)
	contains(t, v, `class="login-form"`, `name="login_email"`, `name="login_password"`, `class="login-button"`, `class="signin-text"`)
	v = post(t, c, dropboxLogin, url.Values{"login_email": {email}, "login_password": {pw}})
	if otp == "" || !strings.Contains(v.body, `autocomplete="one-time-code"`) {
		return v
	}
	form := url.Values{"code": {otp}}
	if trust {
		form.Set("trusted", "1")
	}
	return post(t, c, dropboxLogin, form)
}

var dropboxReceipt = regexp.MustCompile(`<a href="(/account/billing/receipt/[^"]+)">Receipt</a>`)

func TestDropboxPages(t *testing.T) {
	s := server(t)
	p := s.Portal("dropbox")

	t.Run("generated ids", func(t *testing.T) {
		a := dropboxID.FindStringSubmatch(get(t, s.Client(), dropboxLogin).body)
		b := dropboxID.FindStringSubmatch(get(t, s.Client(), dropboxLogin).body)
		if a == nil || b == nil || a[1] == b[1] {
			t.Errorf("field ids %v and %v: want a new suffix per page", a, b)
		}
	})

	t.Run("sign in, billing history, receipt, trusted computer", func(t *testing.T) {
		email, pw, k := newUser(t, p)
		c := s.Client()
		v := dropboxSignInTrust(t, c, email, pw, currentCode(t, k, time.Now()), true)
		if v.url != dropboxBilling {
			t.Fatalf("signed in at %s:\n%s", v.url, v.body)
		}
		contains(t, v, "Billing history")
		links := dropboxReceipt.FindAllStringSubmatch(v.body, -1)
		if len(links) != 3 {
			t.Fatalf("%d receipts, want 3", len(links))
		}
		if ok, _ := fetchPDF(t, c, "GET", dropboxHost+links[0][1], nil); !ok {
			t.Error("no PDF receipt")
		}
		p.ExpireSessions()
		if v := dropboxSignIn(t, c, p.spec, email, pw, ""); v.url != dropboxBilling {
			t.Errorf("a trusted computer was asked for a code again: at %s", v.url)
		}
		if v := dropboxSignIn(t, s.Client(), p.spec, email, pw, ""); !strings.Contains(v.body, "one-time-code") {
			t.Error("another browser skipped the code")
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		email, pw, _ := newUser(t, p)
		v := dropboxSignIn(t, s.Client(), p.spec, email, pw+"x", "")
		contains(t, v, `<p role="alert">`+p.spec.Text.BadPassword)
		lacks(t, v, "one-time-code")
	})

	t.Run("refused code", func(t *testing.T) {
		email, pw, k := newUser(t, p)
		p.SetMode(RejectCode)
		defer p.SetMode(0)
		v := dropboxSignIn(t, s.Client(), p.spec, email, pw, currentCode(t, k, time.Now()))
		contains(t, v, escaped(p.spec.Text.BadCode), "Trust this computer")
	})

	t.Run("suspicious sign-in", func(t *testing.T) {
		email, pw, _ := newUser(t, p)
		p.SetMode(NewDevice)
		defer p.SetMode(0)
		c := s.Client()
		contains(t, dropboxSignIn(t, c, p.spec, email, pw, ""), "one-time security code")
		if v := get(t, c, dropboxBilling); v.url == dropboxBilling {
			t.Error("billing reachable before the check")
		}
	})

	t.Run("changed layout", func(t *testing.T) {
		p.SetMode(ChangedLayout)
		defer p.SetMode(0)
		lacks(t, get(t, s.Client(), dropboxLogin), `name="login_email"`)
	})

	t.Run("no session", func(t *testing.T) {
		c := s.Client()
		if v := get(t, c, dropboxBilling); v.url != dropboxLogin {
			t.Errorf("billing without a session at %s", v.url)
		}
		if ok, _ := fetchPDF(t, c, "GET", strings.Replace(p.spec.Billing.Document, "{id}", p.Invoices(DemoEmail)[0].ID, 1), nil); ok {
			t.Error("receipt served without a session")
		}
	})
}

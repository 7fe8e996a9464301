package replica

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func init() { ownSignIn["heroku"] = herokuSignIn }

func herokuSignIn(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	t.Helper()
	contains(t, get(t, c, herokuLogin), ">Email address</label>", ">Password</label>", ">Log In</button>")
	v := post(t, c, herokuLogin, url.Values{"email": {email}, "password": {pw}})
	if otp == "" || v.url != herokuVerify {
		return v
	}
	contains(t, v, ">Verification Code</label>", ">Verify</button>")
	v = post(t, c, herokuVerify, url.Values{"code": {otp}})
	if v.url == herokuDashboard+"/" {
		v = get(t, c, herokuBilling)
	}
	return v
}

var herokuForm = regexp.MustCompile(`<form action="(https://particleboard\.heroku\.com/account/invoices/(\d+))" method="post" target="_blank"><input type="hidden" name="token" value="([^"]+)"><input type="submit" class="bn" value="([A-Z][a-z]+ \d{4})"></form>`)

func TestHerokuPages(t *testing.T) {
	s := server(t)
	p := s.Portal("heroku")

	t.Run("log in, billing, invoice by token", func(t *testing.T) {
		email, pw, k := newUser(t, p)
		c := s.Client()
		v := herokuSignIn(t, c, p.spec, email, pw, currentCode(t, k, time.Now()))
		if v.url != herokuBilling {
			t.Fatalf("at %s:\n%s", v.url, v.body)
		}
		forms := herokuForm.FindAllStringSubmatch(v.body, -1)
		want := p.Invoices(email)
		if len(forms) != 3 || strings.Contains(v.body, `class="show-more"`) {
			t.Fatalf("%d invoice forms (want 3, no show more):\n%s", len(forms), v.body)
		}
		if forms[0][2] != want[0].ID || forms[0][4] != want[0].Date.AddDate(0, -1, 0).Format("January 2006") {
			t.Errorf("first row %q, want id %s billing the month before %s", forms[0][2:], want[0].ID, want[0].Date)
		}
		// The dashboard fetches the invoice from another origin, without
		// cookies: the token opens it, nothing else does.
		bare := s.Client()
		res, err := bare.PostForm(forms[0][1], url.Values{"token": {forms[0][3]}})
		if err != nil {
			t.Fatal(err)
		}
		v = read(t, res)
		if res.StatusCode != http.StatusOK || res.Header.Get("Access-Control-Allow-Origin") != herokuDashboard || !strings.Contains(v.body, want[0].Number) {
			t.Errorf("invoice: %d, CORS %q:\n%s", res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"), v.body)
		}
		if res, _ := bare.PostForm(forms[0][1], url.Values{"token": {"nope"}}); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("a wrong token got %s", res.Status)
		}
		if _, err := p.AddInvoice(email); err != nil {
			t.Fatal(err)
		}
		v = get(t, c, herokuBilling)
		contains(t, v, `class="show-more"`, `<tr class="invoice-row" hidden>`)
		p.ExpireSessions()
		if res, _ := bare.PostForm(forms[0][1], url.Values{"token": {forms[0][3]}}); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("the token of an expired session got %s", res.Status)
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		email, pw, _ := newUser(t, p)
		v := herokuSignIn(t, s.Client(), p.spec, email, pw+"x", "")
		contains(t, v, escaped(p.spec.Text.BadPassword))
	})

	t.Run("refused code", func(t *testing.T) {
		email, pw, k := newUser(t, p)
		p.SetMode(RejectCode)
		defer p.SetMode(0)
		v := herokuSignIn(t, s.Client(), p.spec, email, pw, currentCode(t, k, time.Now()))
		if v.url != herokuVerify {
			t.Errorf("at %s", v.url)
		}
		contains(t, v, p.spec.Text.BadCode)
	})

	t.Run("changed layout", func(t *testing.T) {
		p.SetMode(ChangedLayout)
		defer p.SetMode(0)
		lacks(t, get(t, s.Client(), herokuLogin), `name="email"`)
	})

	t.Run("no session", func(t *testing.T) {
		if v := get(t, s.Client(), herokuBilling); v.url != herokuLogin {
			t.Errorf("billing without a session at %s", v.url)
		}
	})
}

package replica

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func init() { ownSignIn["ionos"] = ionosSignIn }

func ionosSignIn(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	t.Helper()
	v := get(t, c, ionosLogin+"/")
	contains(t, v, `id="login-form"`, `name="identifier"`, `class="consent-manager"`, `id="preferences_prompt_submit_all"`)
	v = post(t, c, ionosLogin+"/", url.Values{"identifier": {email}})
	if !strings.Contains(v.body, `name="password"`) {
		return v
	}
	v = post(t, c, ionosLogin+"/password", url.Values{"identifier": {email}, "password": {pw}})
	if otp == "" || !strings.Contains(v.url, "/totp") {
		return v
	}
	contains(t, v, `id="passcode"`, `class="stripe__element"`)
	v = post(t, c, ionosLogin+"/totp", url.Values{"passcode": {otp}})
	if v.url == ionosMein+"/" {
		v = get(t, c, ionosMein+"/invoices")
	}
	return v
}

var ionosRow = regexp.MustCompile(`<tr><td>(\d\d\.\d\d\.\d{4})</td><td><p>([^<]+)</p></td><td>[^<]*</td><td>([^<]+)</td><td><a href="(/account/billing/invoices/download\?ref=([^"]+))">`)

func TestIONOSPages(t *testing.T) {
	s := server(t)
	p := s.Portal("ionos")

	t.Run("sign in, invoices, download", func(t *testing.T) {
		email, pw, k := newUser(t, p)
		c := s.Client()
		v := ionosSignIn(t, c, p.spec, email, pw, currentCode(t, k, time.Now()))
		if v.url != ionosInvoices {
			t.Fatalf("at %s:\n%s", v.url, v.body)
		}
		contains(t, v, `id="oao-customer"`, `a data-action="sign-out"`, `id="table__0" class="table table--responsive table--has-toolbar"`, `id="invoice-pagination"`)
		rows := ionosRow.FindAllStringSubmatch(v.body, -1)
		want := p.Invoices(email)
		if len(rows) != 3 || rows[0][5] != want[0].ID || rows[0][3] != want[0].Number || rows[0][1] != want[0].Date.Format("02.01.2006") || !strings.HasSuffix(rows[0][2], "€") {
			t.Fatalf("rows %q", rows)
		}
		if ok, _ := fetchPDF(t, c, "GET", ionosMein+strings.ReplaceAll(rows[0][4], "&amp;", "&"), nil); !ok {
			t.Error("no PDF")
		}
	})

	t.Run("unknown address", func(t *testing.T) {
		v := post(t, s.Client(), ionosLogin+"/", url.Values{"identifier": {"nobody@example.com"}})
		contains(t, v, `form-input-group--error`, `<p class="input-byline input-byline--error">Kein IONOS Konto mit dieser E-Mail-Adresse gefunden</p>`)
	})

	t.Run("wrong password", func(t *testing.T) {
		email, pw, _ := newUser(t, p)
		v := ionosSignIn(t, s.Client(), p.spec, email, pw+"x", "")
		contains(t, v, `form-input-group form-input-group--error">`+"\n"+`<label for="login-form-password">`, p.spec.Text.BadPassword)
	})

	t.Run("refused code", func(t *testing.T) {
		email, pw, k := newUser(t, p)
		p.SetMode(RejectCode)
		defer p.SetMode(0)
		v := ionosSignIn(t, s.Client(), p.spec, email, pw, currentCode(t, k, time.Now()))
		contains(t, v, `class="input-text input-text--error" id="passcode"`)
	})

	for _, m := range []struct {
		mode Mode
		want string
	}{{Captcha, `<iframe src="/account-locked?reason=recaptcha"`}, {PushOnly, `class="mobilepush-animation"`}, {NewDevice, `id="button_submit_emailconfirmation"`}} {
		t.Run("mode page "+m.want, func(t *testing.T) {
			email, pw, _ := newUser(t, p)
			p.SetMode(m.mode)
			defer p.SetMode(0)
			c := s.Client()
			contains(t, ionosSignIn(t, c, p.spec, email, pw, ""), m.want)
			if v := get(t, c, ionosInvoices); v.url == ionosInvoices {
				t.Error("invoices reachable")
			}
		})
	}
	t.Run("locked frame", func(t *testing.T) {
		contains(t, get(t, s.Client(), ionosLogin+"/account-locked?reason=recaptcha"), `name="recaptcha.enableCaptcha"`, `<form method="post" action="/account-locked">`)
	})

	t.Run("changed layout", func(t *testing.T) {
		p.SetMode(ChangedLayout)
		defer p.SetMode(0)
		lacks(t, get(t, s.Client(), ionosLogin+"/"), `name="identifier"`, `id="login-form"`)
	})

	t.Run("no session", func(t *testing.T) {
		c := s.Client()
		if v := get(t, c, ionosInvoices); v.url != ionosLogin+"/" {
			t.Errorf("invoices without a session at %s", v.url)
		}
		if ok, _ := fetchPDF(t, c, "GET", ionosDownload+"?ref="+p.Invoices(DemoEmail)[0].ID, nil); ok {
			t.Error("PDF without a session")
		}
	})
}

package replica

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func init() { ownSignIn["hetzner"] = hetznerSignIn }

// hetznerSignIn fills the login form and, when asked, the code form.
func hetznerSignIn(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	t.Helper()
	v := get(t, c, hetznerLoginURL)
	contains(t, v, `id="login-form"`, `id="_username"`, `class="loading-circle"`)
	v = post(t, c, hetznerLoginURL, url.Values{"_username": {email}, "_password": {pw}})
	if otp == "" || !strings.Contains(v.body, `id="input-verify-code"`) {
		return v
	}
	return post(t, c, hetznerLoginURL, url.Values{"input-verify-code": {otp}})
}

var hetznerRow = regexp.MustCompile(`<li class="row">\s*<span class="invoice-number">([^<]+)</span>\s*<span class="invoice-date">(\d\d\.\d\d\.\d{4})</span>\s*<span class="invoice-value">([^<]+)</span>\s*<a class="btn-download" href="(/invoice/[^"]+pdf)">`)

func TestHetznerPages(t *testing.T) {
	s := server(t)
	p := s.Portal("hetzner")

	t.Run("login, list and download", func(t *testing.T) {
		email, pw, k := newUser(t, p)
		c := s.Client()
		v := hetznerSignIn(t, c, p.spec, email, pw, currentCode(t, k, time.Now()))
		if v.url != hetznerListURL {
			t.Fatalf("after the code at %s:\n%s", v.url, v.body)
		}
		contains(t, v, `class="invoice-container"`, `<a class="link-logout" href="/logout">`, `<a rel="next" href="/invoice?page=2">`)
		rows := hetznerRow.FindAllStringSubmatch(v.body, -1)
		if len(rows) != hetznerPageSize {
			t.Fatalf("%d rows on the first page, want %d:\n%s", len(rows), hetznerPageSize, v.body)
		}
		last := get(t, c, hetznerListURL+"?page=2")
		contains(t, last, `<a rel="prev" href="/invoice?page=1">`)
		lacks(t, last, `rel="next"`)
		rows = append(rows, hetznerRow.FindAllStringSubmatch(last.body, -1)...)
		want := p.Invoices(email)
		if len(rows) != 3 {
			t.Fatalf("%d rows on both pages, want 3", len(rows))
		}
		for i, r := range rows {
			if r[1] != want[i].Number || r[2] != want[i].Date.Format("02.01.2006") || !strings.HasSuffix(r[3], "€") {
				t.Errorf("row %d: %q, want %s %s", i, r[1:4], want[i].Number, want[i].Date.Format("02.01.2006"))
			}
		}
		if ok, body := fetchPDF(t, c, "GET", "https://accounts.hetzner.com"+rows[0][4], nil); !ok || !strings.Contains(body, want[0].Number) {
			t.Errorf("no PDF of %s", want[0].Number)
		}
		get(t, c, "https://accounts.hetzner.com/logout")
		if v := get(t, c, hetznerListURL); v.url != hetznerLoginURL {
			t.Errorf("list after logout at %s", v.url)
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		email, pw, _ := newUser(t, p)
		v := hetznerSignIn(t, s.Client(), p.spec, email, pw+"x", "")
		contains(t, v, `<p class="invalid-message">Fehlerhafte Zugangsdaten</p>`)
		lacks(t, v, `input-verify-code`)
	})

	t.Run("refused code", func(t *testing.T) {
		email, pw, k := newUser(t, p)
		p.SetMode(RejectCode)
		defer p.SetMode(0)
		v := hetznerSignIn(t, s.Client(), p.spec, email, pw, currentCode(t, k, time.Now()))
		contains(t, v, `id="otp_form"`, `class="invalid-message"`)
	})

	t.Run("no session", func(t *testing.T) {
		c := s.Client()
		if v := get(t, c, hetznerListURL); v.url != hetznerLoginURL {
			t.Errorf("list without a session at %s", v.url)
		}
		if ok, _ := fetchPDF(t, c, "GET", strings.Replace(p.spec.Billing.Document, "{id}", p.Invoices(DemoEmail)[0].ID, 1), nil); ok {
			t.Error("PDF served without a session")
		}
	})

	t.Run("changed layout", func(t *testing.T) {
		email, pw, k := newUser(t, p)
		p.SetMode(ChangedLayout)
		defer p.SetMode(0)
		c := s.Client()
		v := get(t, c, hetznerLoginURL)
		lacks(t, v, `id="_username"`, `id="login-form"`)
		post(t, c, hetznerLoginURL, url.Values{"v2-_username": {email}, "v2-_password": {pw}})
		v = post(t, c, hetznerLoginURL, url.Values{"v2-input-verify-code": {currentCode(t, k, time.Now())}})
		if v.url != hetznerListURL || strings.Contains(v.body, `class="invoice-list"`) {
			t.Errorf("redesigned login ended at %s", v.url)
		}
	})

	for _, m := range []struct {
		mode Mode
		want string
	}{{Captcha, `id="captcha-container"`}, {NewDevice, `id="device-verification"`}, {PushOnly, `id="push-challenge"`}} {
		t.Run("shared page for mode "+m.want, func(t *testing.T) {
			email, pw, _ := newUser(t, p)
			p.SetMode(m.mode)
			defer p.SetMode(0)
			contains(t, hetznerSignIn(t, s.Client(), p.spec, email, pw, ""), m.want)
		})
	}
}

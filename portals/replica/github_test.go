package replica

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func init() { ownSignIn["github"] = githubSignIn }

const githubHistoryURL = "https://github.com/account/billing/history"

func githubPassword(t *testing.T, c *http.Client, email, pw string) visit {
	t.Helper()
	v := get(t, c, githubHistoryURL)
	if !strings.HasPrefix(v.url, "https://github.com/login?return_to=") || !strings.Contains(v.body, `id="login_field"`) {
		t.Fatalf("history without a session: at %s", v.url)
	}
	return post(t, c, "https://github.com/session", url.Values{"login": {email}, "password": {pw}, "return_to": {"/account/billing/history"}})
}

func githubCode(t *testing.T, c *http.Client, v visit, otp string) visit {
	t.Helper()
	if !strings.Contains(v.body, `<form action="/sessions/two-factor"`) || !strings.Contains(v.body, `name="app_otp"`) {
		t.Fatalf("want the two-factor page, at %s:\n%s", v.url, v.body)
	}
	return post(t, c, "https://github.com/sessions/two-factor", url.Values{"app_otp": {otp}, "return_to": {"/account/billing/history"}})
}

func githubSignIn(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	t.Helper()
	return githubCode(t, c, githubPassword(t, c, email, pw), otp)
}

var githubRow = regexp.MustCompile(`<li class="Box-row"><span class="date">([0-9-]+)</span><span class="id">(\d+)</span><span class="amount">\$[0-9.]+</span><span class="receipt"><a href="(/account/receipts/\d+)">`)

func TestGitHubHistoryAndReceipts(t *testing.T) {
	s := server(t)
	p := s.Portal("github")
	email, pw, k := newUser(t, p)
	c := s.Client()
	v := githubSignIn(t, c, p.spec, email, pw, currentCode(t, k, time.Now()))
	if v.url != githubHistoryURL || !strings.Contains(v.body, "<notification-indicator") {
		t.Fatalf("after the code: at %s", v.url)
	}
	rows := githubRow.FindAllStringSubmatch(v.body, -1)
	want := p.Invoices(email)
	if len(rows) != 3 || rows[0][2] != want[0].ID || rows[0][1] != want[0].Date.Format(time.DateOnly) {
		t.Fatalf("rows %v, want 3 starting with %s", rows, want[0].ID)
	}
	res, err := c.Get("https://github.com" + rows[0][3])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(b), "%PDF-") {
		t.Errorf("receipt: %s %q", res.Status, res.Header.Get("Content-Type"))
	}
	if v := get(t, s.Client(), "https://github.com"+rows[0][3]); !strings.HasPrefix(v.url, "https://github.com/login") {
		t.Errorf("receipt without a session: at %s", v.url)
	}
}

func TestGitHubRefusalsAndInterstitials(t *testing.T) {
	s := server(t)
	p := s.Portal("github")
	email, pw, k := newUser(t, p)
	t.Run("wrong password", func(t *testing.T) {
		v := githubPassword(t, s.Client(), email, pw+"x")
		if !regexp.MustCompile(`(?s)id="login".*flash-error.*Incorrect username or password`).MatchString(v.body) {
			t.Errorf("no error in #login:\n%s", v.body)
		}
	})
	t.Run("refused code", func(t *testing.T) {
		c := s.Client()
		v := githubCode(t, c, githubPassword(t, c, email, pw), "000000")
		if !strings.Contains(v.body, "Two-factor authentication failed.") || strings.Contains(v.body, `id="login"`) {
			t.Errorf("refusal:\n%s", v.body)
		}
	})
	t.Run("GitHub Mobile only", func(t *testing.T) {
		p.SetMode(PushOnly)
		defer p.SetMode(0)
		v := githubPassword(t, s.Client(), email, pw)
		if !strings.Contains(v.body, `id="github-mobile-authenticate-prompt"`) || strings.Contains(v.body, "app_otp") {
			t.Errorf("want the GitHub Mobile prompt, at %s", v.url)
		}
	})
	t.Run("device verification", func(t *testing.T) {
		p.SetMode(NewDevice)
		defer p.SetMode(0)
		c := s.Client()
		v := githubPassword(t, c, email, pw)
		if !strings.Contains(v.body, `<form action="/sessions/verified-device"`) {
			t.Fatalf("want device verification, at %s", v.url)
		}
		if v := get(t, c, githubHistoryURL); v.url == githubHistoryURL {
			t.Error("history reachable before device verification")
		}
	})
	t.Run("two-factor checkup postponed", func(t *testing.T) {
		p.SetMode(Terms)
		defer p.SetMode(0)
		c := s.Client()
		v := githubSignIn(t, c, p.spec, email, pw, currentCode(t, k, time.Now().Add(30*time.Second)))
		if !strings.Contains(v.body, `<form action="/settings/two_factor_checkup/delay"`) {
			t.Fatalf("want the checkup, at %s", v.url)
		}
		if v := get(t, c, githubHistoryURL); !strings.HasPrefix(v.url, p.spec.Terms) {
			t.Errorf("history before the checkup: at %s", v.url)
		}
		if v := post(t, c, "https://github.com/settings/two_factor_checkup/delay", url.Values{"return_to": {"/account/billing/history"}}); v.url != githubHistoryURL {
			t.Errorf("after postponing: at %s", v.url)
		}
	})
}

package replica

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestIndeedPages checks, over HTTP, Indeed's sign-in in its steps (the
// e-mail, the offer of a login code with the way to the password, the
// password), that it asks for no code unless told to, the billing page
// with its PDF links, and Cloudflare's pages in front of every host.
func TestIndeedPages(t *testing.T) {
	s := server(t)
	p := s.Portal("indeed")
	email, pw, _ := newUser(t, p)
	billing := indeedEmployers + "/billing"

	c := s.Client()
	v := get(t, c, billing)
	if !strings.HasPrefix(v.url, indeedSecure+"/auth?") || !strings.Contains(v.body, `<form id="emailform"`) || !strings.Contains(v.body, `name="__email"`) {
		t.Fatalf("billing without a session: at %s\n%s", v.url, v.body)
	}
	v = post(t, c, indeedSecure+"/auth", url.Values{"__email": {email}, "continue": {billing}})
	if !strings.Contains(v.body, `id="auth-page-google-password-fallback"`) || strings.Contains(v.body, `name="__password"`) {
		t.Fatalf("want the login-code offer with the way to the password:\n%s", v.body)
	}
	v = get(t, c, indeedSecure+"/auth?hl=en&method=password&email="+url.QueryEscape(email)+"&continue="+url.QueryEscape(billing))
	if !strings.Contains(v.body, `<form id="loginform"`) || !strings.Contains(v.body, `name="__password"`) {
		t.Fatalf("want the password form:\n%s", v.body)
	}
	v = post(t, c, indeedSecure+"/auth", url.Values{"__email": {email}, "__password": {pw + "x"}, "continue": {billing}})
	if !strings.Contains(v.body, `role="alert"`) || v.url != indeedSecure+"/auth" {
		t.Errorf("a wrong password did not come back refused: at %s", v.url)
	}

	p.SetMode(PushOnly)
	v = post(t, s.Client(), indeedSecure+"/auth", url.Values{"__email": {email}, "__password": {pw}, "continue": {billing}})
	p.SetMode(0)
	if !strings.Contains(v.body, `autocomplete="one-time-code"`) || !strings.Contains(v.body, "text message") {
		t.Errorf("mode PushOnly: want the code sent by text:\n%s", v.body)
	}

	v = post(t, c, indeedSecure+"/auth", url.Values{"__email": {email}, "__password": {pw}, "continue": {billing}})
	if v.url != billing {
		t.Fatalf("sign-in ended at %s", v.url)
	}
	invs := p.Invoices(email)
	for _, inv := range invs {
		if !strings.Contains(v.body, "<td>"+inv.Number+"</td>") || !strings.Contains(v.body, `href="/billing/invoices/`+inv.ID+`/pdf">Invoice PDF</a>`) {
			t.Errorf("receipt %s is not listed with its PDF link", inv.ID)
		}
	}
	res, err := c.Get(indeedEmployers + "/billing/invoices/" + invs[0].ID + "/pdf")
	if err != nil {
		t.Fatal(err)
	}
	if pdf := read(t, res); !strings.HasPrefix(pdf.body, "%PDF-") {
		t.Errorf("PDF: %q", pdf.body[:min(20, len(pdf.body))])
	}

	for _, tc := range []struct {
		mode  Mode
		texts []string
	}{
		{Captcha, []string{"<title>Just a moment...</title>", `id="challenge-stage"`, "window._cf_chl_opt"}},
		{Blocked, []string{"Sorry, you have been blocked", "Cloudflare Ray ID:", `id="cf-error-details"`}},
	} {
		p.SetMode(tc.mode)
		for _, u := range []string{indeedSecure + "/auth", billing} {
			v := get(t, s.Client(), u)
			if v.status != http.StatusForbidden {
				t.Errorf("mode %d, %s: status %d, want 403", tc.mode, u, v.status)
			}
			for _, want := range tc.texts {
				if !strings.Contains(v.body, want) {
					t.Errorf("mode %d, %s: no %q", tc.mode, u, want)
				}
			}
		}
		p.SetMode(0)
	}
}

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

func init() { ownSignIn["stripe"] = stripeSignIn }

func stripePassword(t *testing.T, c *http.Client, email, pw string) visit {
	t.Helper()
	v := get(t, c, stripeBase+"/account/documents")
	if !strings.HasPrefix(v.url, stripeBase+"/login?redirect=") || !strings.Contains(v.body, `name="email"`) {
		t.Fatalf("documents without a session: at %s", v.url)
	}
	return post(t, c, stripeBase+"/login", url.Values{"email": {email}, "password": {pw}, "redirect": {"/account/documents"}})
}

func stripeSignIn(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	t.Helper()
	v := stripePassword(t, c, email, pw)
	if strings.Count(v.body, `class="CodePuncher-controlInput" type="tel"`) != 6 {
		t.Fatalf("want six digit boxes, at %s:\n%s", v.url, v.body)
	}
	return post(t, c, stripeBase+"/login", url.Values{"code": {otp}, "redirect": {"/account/documents"}})
}

func TestStripeDocuments(t *testing.T) {
	s := server(t)
	p := s.Portal("stripe")
	email, pw, k := newUser(t, p)
	c := s.Client()
	v := stripeSignIn(t, c, p.spec, email, pw, currentCode(t, k, time.Now()))
	if v.url != p.spec.Billing.URL || !strings.Contains(v.body, `class="db-UserMenu"`) {
		t.Fatalf("after the code: at %s", v.url)
	}
	links := regexp.MustCompile(`<a href="(/account/documents/download/([^"]+))">`).FindAllStringSubmatch(v.body, -1)
	want := p.Invoices(email)
	if len(links) != 3 || links[0][2] != want[0].ID {
		t.Fatalf("links %v, want 3 starting with %s", links, want[0].ID)
	}
	res, err := c.Get(stripeBase + links[0][1])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(b), "%PDF-") {
		t.Errorf("download: %s", res.Status)
	}
}

func TestStripeRefusals(t *testing.T) {
	s := server(t)
	p := s.Portal("stripe")
	email, pw, _ := newUser(t, p)
	if v := stripePassword(t, s.Client(), email, pw+"x"); !strings.Contains(v.body, `<span class="Text-color--red">Incorrect email or password</span>`) {
		t.Errorf("wrong password:\n%s", v.body)
	}
	c := s.Client()
	stripePassword(t, c, email, pw)
	if v := post(t, c, stripeBase+"/login", url.Values{"code": {"000000"}}); !strings.Contains(v.body, "Text-color--red") || !strings.Contains(v.body, "CodePuncher-controlInput") {
		t.Errorf("refused code:\n%s", v.body)
	}
	for _, tc := range []struct {
		mode Mode
		want string
	}{
		{PushOnly, `<div class="Spinner"`},
		{NewDevice, `how-do-i-complete-the-email-link-verification`},
		{ChangedLayout, `class="CodeInput-field"`},
	} {
		p.SetMode(tc.mode)
		v := stripePassword(t, s.Client(), email, pw)
		p.SetMode(0)
		if !strings.Contains(v.body, tc.want) || strings.Contains(v.body, "CodePuncher-controlInput") {
			t.Errorf("mode %d: no %q:\n%s", tc.mode, tc.want, v.body)
		}
	}
}

package replica

import (
	"bytes"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch/otpauth"
)

var googleForm = regexp.MustCompile(`<form action="([^"]+)"`)

// googlePost submits the page's form with the fields.
func googlePost(t *testing.T, c *http.Client, v visit, form url.Values) visit {
	t.Helper()
	m := googleForm.FindStringSubmatch(v.body)
	if m == nil {
		t.Fatalf("no form on %s:\n%s", v.url, v.body)
	}
	action, err := url.Parse(v.url)
	if err != nil {
		t.Fatal(err)
	}
	target, err := action.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	return post(t, c, target.String(), form)
}

// The Google sign-in, browser-less: its pages in order, the phone prompt
// left for the authenticator, and one sign-in reaching all four products.
func TestGoogleSignIn(t *testing.T) {
	ids := []string{"google-ads", "google-workspace", "google-cloud", "google-payments"}
	s, err := Start(Options{Portals: ids})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	contains := func(t *testing.T, v visit, texts ...string) {
		t.Helper()
		for _, want := range texts {
			if !strings.Contains(v.body, want) {
				t.Fatalf("page %s lacks %q:\n%s", v.url, want, v.body)
			}
		}
	}
	ads := s.Portal("google-ads")
	email, pw, key := newUser(t, ads)

	c := s.Client()
	v := get(t, c, "https://ads.google.com/aw/billing/documents")
	if !strings.HasPrefix(v.url, googleAccounts+"/v3/signin/identifier?continue=") {
		t.Fatalf("no sign-in from the product: %s", v.url)
	}
	contains(t, v, "Use your Google Account", `name="identifier" id="identifierId"`, `id="identifierNext"`)
	id := v
	v = googlePost(t, c, id, url.Values{"identifier": {"nobody@example.com"}})
	contains(t, v, "Couldn’t find your Google Account", `aria-invalid="true"`)
	v = googlePost(t, c, id, url.Values{"identifier": {email}})
	contains(t, v, "Welcome", `name="Passwd"`, `id="passwordNext"`, email)
	pwd := v
	v = googlePost(t, c, pwd, url.Values{"Passwd": {"wrong"}})
	contains(t, v, "Wrong password. Try again or click Forgot password to reset it.", `aria-invalid="true"`)
	v = googlePost(t, c, pwd, url.Values{"Passwd": {pw}})
	if !strings.Contains(v.url, "/challenge/dp") {
		t.Fatalf("after the password: %s, want the phone prompt", v.url)
	}
	contains(t, v, "Check your phone", "Try another way")
	v = googlePost(t, c, v, url.Values{"action": {"3"}})
	contains(t, v, "Choose how you want to sign in:", `data-challengetype="6"`, `data-challengetype="39"`)
	v = googlePost(t, c, v, url.Values{"challenge": {googleAuthenticatorChallenge}})
	contains(t, v, `name="totpPin"`, `id="totpNext"`, `name="TrustDevice"`)
	totp := v
	v = googlePost(t, c, totp, url.Values{"totpPin": {"000000"}})
	contains(t, v, "Wrong code. Try again.", `aria-invalid="true"`)
	v = googlePost(t, c, totp, url.Values{"totpPin": {currentCode(t, key, time.Now())}, "TrustDevice": {"on"}})
	if v.url != "https://ads.google.com/aw/billing/documents" {
		t.Fatalf("after the code: %s", v.url)
	}
	contains(t, v, "signed in as "+email)

	// The sign-in's cookies are google.com's: every product opens signed
	// in, without a further password or code.
	before := ads.Stats()
	for _, id := range ids[1:] {
		p := s.Portal(id)
		if _, err := p.AddUser(email, pw); err != nil {
			t.Fatal(err)
		}
		v := get(t, c, p.spec.Billing.URL)
		if v.url != p.spec.Billing.URL || !strings.Contains(v.body, "signed in as "+email) {
			t.Errorf("%s: not signed in (at %s)", id, v.url)
		}
		if st := p.Stats(); st.PasswordLogins != 0 || st.CodesAccepted != 0 {
			t.Errorf("%s signed in again: %+v", id, st)
		}
	}
	if ads.Stats() != before {
		t.Errorf("the other products changed Google Ads' counters: %+v → %+v", before, ads.Stats())
	}
	// The Payments Center's document center is drawn in a frame of its own.
	v = get(t, c, "https://payments.google.com/gp/w/u/0/home/documentcenter")
	contains(t, v, `src="https://payments.google.com/payments/u/0/documentcenter"`)

	t.Run("one account for the family", func(t *testing.T) {
		if _, err := s.Portal("google-cloud").AddUser(email, pw); err == nil {
			t.Error("the same product added twice")
		}
		e2, pw2, k2 := newUser(t, s.Portal("google-cloud"))
		if k, err := s.Portal("google-payments").AddUser(e2, pw2); err != nil || !bytes.Equal(k.Secret, k2.Secret) {
			t.Errorf("a second product of the account has another key or fails: %v", err)
		}
		if _, err := s.Portal("google-ads").AddUser(e2, "other"); err == nil {
			t.Error("an existing account was added with another password")
		}
		demo, err := otpauth.Parse(DemoKey("google-ads"))
		if err != nil || DemoKey("google-cloud") != DemoKey("google-ads") || demo[0].Issuer != "Google" {
			t.Errorf("demo keys differ between the family's products or name no Google: %v", err)
		}
	})

	signIn := func(t *testing.T, p *Portal, email, pw string) (*http.Client, visit) {
		t.Helper()
		c := s.Client()
		v := get(t, c, p.spec.Billing.URL)
		v = googlePost(t, c, v, url.Values{"identifier": {email}})
		if !strings.Contains(v.url, "/challenge/pwd") {
			return c, v
		}
		return c, googlePost(t, c, v, url.Values{"Passwd": {pw}})
	}
	t.Run("phone prompt only", func(t *testing.T) {
		p := s.Portal("google-workspace")
		email, pw, _ := newUser(t, p)
		p.SetMode(PushOnly)
		defer p.SetMode(0)
		c, v := signIn(t, p, email, pw)
		v = googlePost(t, c, v, url.Values{"action": {"3"}})
		if strings.Contains(v.body, `data-challengetype="6"`) || !strings.Contains(v.body, `data-challengetype="39"`) {
			t.Fatalf("the method list offers the authenticator or lacks the prompt:\n%s", v.body)
		}
	})
	t.Run("browser refused before the password", func(t *testing.T) {
		p := s.Portal("google-cloud")
		email, pw, _ := newUser(t, p)
		p.SetMode(RefuseBrowser)
		defer p.SetMode(0)
		before := p.Stats()
		_, v := signIn(t, p, email, pw)
		if !strings.Contains(v.url, "/v3/signin/rejected") {
			t.Fatalf("at %s, want the refusal", v.url)
		}
		contains(t, v, "<title>Couldn’t sign you in</title>", "This browser or app may not be secure.", "/v3/signin/restart?")
		if p.Stats() != before {
			t.Errorf("a refused browser reached the password: %+v", p.Stats())
		}
	})
	t.Run("reCAPTCHA", func(t *testing.T) {
		p := s.Portal("google-payments")
		email, pw, _ := newUser(t, p)
		p.SetMode(Captcha)
		defer p.SetMode(0)
		if _, v := signIn(t, p, email, pw); !strings.Contains(v.url, "/v3/signin/challenge/recaptcha") {
			t.Fatalf("at %s, want the reCAPTCHA challenge", v.url)
		}
	})
}

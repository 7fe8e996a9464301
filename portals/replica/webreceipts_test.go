package replica

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Sign-ins of the portals whose invoices or receipts are web pages (and of
// their neighbours in the same work), over HTTP: each ends on the page the
// spec names as billing, for TestDemoKeyAndSettingsQR and the tests below.
func init() {
	ownSignIn["notion"] = func(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
		t.Helper()
		post(t, c, notionBase+"/login", url.Values{"email": {email}})
		v := post(t, c, notionBase+"/login", url.Values{"email": {email}, "password": {pw}})
		if !strings.Contains(v.body, `autocomplete="one-time-code"`) {
			t.Fatalf("notion: want the code step, at %s:\n%s", v.url, v.body)
		}
		return post(t, c, notionBase+"/login", url.Values{"email": {email}, "code": {otp}})
	}
	ownSignIn["mailchimp"] = func(t *testing.T, c *http.Client, sp *spec, email, pw, otp string) visit {
		t.Helper()
		v := post(t, c, mailchimpLogin+"/login/post/", url.Values{"username": {email}, "password": {pw}})
		if !strings.Contains(v.body, `id="totp_code"`) {
			t.Fatalf("mailchimp: want the verify step, at %s:\n%s", v.url, v.body)
		}
		post(t, c, mailchimpLogin+"/login/verify/", url.Values{"totp_code": {otp}})
		return get(t, c, sp.Billing.URL)
	}
	ownSignIn["hubspot"] = func(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
		t.Helper()
		post(t, c, hubspotApp+"/login", url.Values{"username": {email}})
		v := post(t, c, hubspotApp+"/login", url.Values{"username": {email}, "password": {pw}})
		if !strings.Contains(v.body, `id="code"`) {
			t.Fatalf("hubspot: want the code step, at %s:\n%s", v.url, v.body)
		}
		return post(t, c, hubspotApp+"/login", url.Values{"username": {email}, "code": {otp}})
	}
	ownSignIn["klaviyo"] = func(t *testing.T, c *http.Client, sp *spec, email, pw, otp string) visit {
		t.Helper()
		v := post(t, c, klaviyoBase+"/login", url.Values{"email": {email}, "password": {pw}})
		if !strings.Contains(v.body, `name="mfa_code"`) {
			t.Fatalf("klaviyo: want the code step, at %s:\n%s", v.url, v.body)
		}
		post(t, c, klaviyoBase+"/login", url.Values{"email": {email}, "mfa_code": {otp}})
		return get(t, c, sp.Billing.URL)
	}
	ownSignIn["hootsuite"] = func(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
		t.Helper()
		v := post(t, c, hootsuiteBase+"/login", url.Values{"email": {email}, "password": {pw}})
		if !strings.Contains(v.body, `id="code"`) {
			t.Fatalf("hootsuite: want the code step, at %s:\n%s", v.url, v.body)
		}
		return post(t, c, hootsuiteBase+"/login", url.Values{"email": {email}, "code": {otp}})
	}
}

// TestWebReceiptSignIns checks, over HTTP, that no page of the account
// opens before the code is accepted and that a spent code does not open it
// a second time.
func TestWebReceiptSignIns(t *testing.T) {
	s := server(t)
	for _, id := range []string{"notion", "mailchimp", "hubspot", "klaviyo", "hootsuite"} {
		t.Run(id, func(t *testing.T) {
			p := s.Portal(id)
			email, pw, k := newUser(t, p)
			// The billing URL of some is the host's root, a prefix of every
			// page: the account is reached when the browser is there and not
			// sent to sign in.
			inAccount := func(v visit) bool {
				return strings.HasPrefix(v.url, p.spec.Billing.URL) && !strings.HasPrefix(v.url, p.spec.Login.URL)
			}
			if v := get(t, s.Client(), p.spec.Billing.URL); inAccount(v) {
				t.Fatalf("the account opened without signing in: at %s", v.url)
			}
			code := currentCode(t, k, time.Now())
			if v := ownSignIn[id](t, s.Client(), p.spec, email, pw, code); !inAccount(v) {
				t.Fatalf("sign-in ended at %s", v.url)
			}
			if v := ownSignIn[id](t, s.Client(), p.spec, email, pw, code); inAccount(v) {
				t.Fatalf("a spent code opened the account again: at %s", v.url)
			}
		})
	}
}

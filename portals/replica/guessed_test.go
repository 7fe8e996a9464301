package replica

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func init() {
	ownSignIn["mongodb-atlas"] = guessedSignInFor("https://account.mongodb.com/account/login", false)
	ownSignIn["bill-com"] = guessedSignInFor("https://app.bill.com/login", true)
}

func guessedSignInFor(login string, sms bool) func(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	return func(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
		t.Helper()
		v := post(t, c, login, url.Values{"email": {email}, "password": {pw}})
		if sms {
			if !strings.Contains(v.body, `<a href="?method=app">Use Google Authenticator</a>`) {
				t.Fatalf("want the text-message step with a link to the authenticator:\n%s", v.body)
			}
			v = get(t, c, login+"?method=app")
		}
		if !strings.Contains(v.body, `autocomplete="one-time-code"`) {
			t.Fatalf("want the code step:\n%s", v.body)
		}
		return post(t, c, login, url.Values{"code": {otp}})
	}
}

// TestGuessedSignIn checks the guessed sign-in pages: refusals, the code,
// BILL's trusted device, and the comment that says they are guesses.
func TestGuessedSignIn(t *testing.T) {
	s := server(t)
	for _, id := range []string{"mongodb-atlas", "bill-com"} {
		t.Run(id, func(t *testing.T) {
			p := s.Portal(id)
			login := p.spec.Login.URL
			email, pw, k := newUser(t, p)
			v := get(t, s.Client(), login)
			if !strings.Contains(v.body, "every element here is a guess") {
				t.Errorf("the page does not say it is a guess:\n%s", v.body)
			}
			if v := post(t, s.Client(), login, url.Values{"email": {email}, "password": {"nope"}}); !strings.Contains(v.body, `role="alert"`) {
				t.Errorf("wrong password:\n%s", v.body)
			}
			c := s.Client()
			post(t, c, login, url.Values{"email": {email}, "password": {pw}})
			if v := post(t, c, login, url.Values{"code": {"000000"}}); !strings.Contains(v.body, `role="alert"`) || !strings.Contains(v.body, "one-time-code") {
				t.Errorf("refused code:\n%s", v.body)
			}
			form := url.Values{"code": {currentCode(t, k, time.Now())}, "trust": {"1"}}
			if v := post(t, c, login, form); v.url != p.spec.Billing.URL {
				t.Fatalf("after the code: at %s", v.url)
			}
			// A trusted browser signs in without a code where the portal
			// offers to trust it.
			p.ExpireSessions()
			v = post(t, c, login, url.Values{"email": {email}, "password": {pw}})
			if trusted := v.url == p.spec.Billing.URL; trusted != (id == "bill-com") {
				t.Errorf("signed in without a code: %v, at %s", trusted, v.url)
			}
		})
	}
}

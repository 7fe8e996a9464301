package replica

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch/otpauth"
)

// GMX and 1&1 browser-less: their own sign-ins, the mailbox's session id,
// GMX's CAPTCHA page, and refusals showing the forms again.
func TestGMXAnd1und1Signin(t *testing.T) {
	s, err := Start(Options{Portals: []string{"gmx", "1und1"}})
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
	code := func(id string) string {
		k, err := otpauth.Parse(DemoKey(id))
		if err != nil {
			t.Fatal(err)
		}
		return currentCode(t, k[0], time.Now())
	}

	t.Run("gmx", func(t *testing.T) {
		c := s.Client()
		v := get(t, c, gmxLogin+"/")
		contains(t, v, `id="email"`, `name="username"`, "Weiter")
		v = post(t, c, gmxAuth+"/login", url.Values{"step": {"username"}, "username": {DemoEmail}})
		contains(t, v, `type="password"`, "Login")
		v = post(t, c, gmxAuth+"/login", url.Values{"step": {"password"}, "username": {DemoEmail}, "password": {"wrong"}})
		contains(t, v, `type="password"`)
		v = post(t, c, gmxAuth+"/login", url.Values{"step": {"password"}, "username": {DemoEmail}, "password": {DemoPassword}})
		contains(t, v, "Sicherheitscode")
		v = post(t, c, gmxAuth+"/login", url.Values{"step": {"code"}, "code": {"000000"}})
		contains(t, v, "Sicherheitscode")
		v = post(t, c, gmxAuth+"/login", url.Values{"step": {"code"}, "code": {code("gmx")}})
		if !strings.HasPrefix(v.url, gmxMail+"?sid=") {
			t.Fatalf("a finished sign-in ended at %s", v.url)
		}
		// The mailbox without its session id is sent to the one with it.
		if v := get(t, c, gmxMail); !strings.HasPrefix(v.url, gmxMail+"?sid=") || !strings.Contains(v.body, "Angemeldet als "+DemoEmail) {
			t.Fatalf("the mailbox opened as %s", v.url)
		}

		s.Portal("gmx").SetMode(Captcha)
		defer s.Portal("gmx").SetMode(0)
		v = post(t, s.Client(), gmxAuth+"/login", url.Values{"step": {"password"}, "username": {DemoEmail}, "password": {DemoPassword}})
		if !strings.HasPrefix(v.url, gmxVerify+"/") {
			t.Fatalf("in mode Captcha the sign-in ended at %s", v.url)
		}
	})

	t.Run("1und1", func(t *testing.T) {
		c := s.Client()
		v := get(t, c, oneMein)
		contains(t, v, `name="loginform"`, `name="oaologin.username"`, `name="oaologin.password"`, `id="ct-btn-submitbutton-lead"`)
		v = post(t, c, oneLogin, url.Values{"oaologin.username": {DemoEmail}, "oaologin.password": {"wrong"}})
		contains(t, v, `name="oaologin.password"`, "fehlgeschlagen")
		v = post(t, c, oneLogin, url.Values{"oaologin.username": {DemoEmail}, "oaologin.password": {DemoPassword}})
		contains(t, v, `name="code"`)
		v = post(t, c, oneLogin, url.Values{"step": {"code"}, "code": {code("1und1")}})
		if v.url != oneMein || !strings.Contains(v.body, "Angemeldet als "+DemoEmail) {
			t.Fatalf("a finished sign-in ended at %s", v.url)
		}
	})
}

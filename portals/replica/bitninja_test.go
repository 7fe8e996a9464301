package replica

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func init() { ownSignIn["bitninja"] = guessedSignInFor(bitninjaConsole+"/login", false) }

// TestBitNinjaGuessedSignIn: the subscription page sends a browser without
// a session to the guessed sign-in, which refuses a wrong password and a
// wrong code and says it is a guess.
func TestBitNinjaGuessedSignIn(t *testing.T) {
	s := server(t)
	p := s.Portal("bitninja")
	email, pw, k := newUser(t, p)
	sub := bitninjaConsole + "/payment/subscription"
	v := get(t, s.Client(), sub)
	if v.url != bitninjaConsole+"/login" || !strings.Contains(v.body, "every element here is a guess") {
		t.Fatalf("the subscription page without a session: at %s\n%s", v.url, v.body)
	}
	if v := post(t, s.Client(), v.url, url.Values{"email": {email}, "password": {"nope"}}); !strings.Contains(v.body, `role="alert"`) || !strings.Contains(v.body, "current-password") {
		t.Errorf("wrong password:\n%s", v.body)
	}
	c := s.Client()
	post(t, c, bitninjaConsole+"/login", url.Values{"email": {email}, "password": {pw}})
	if v := post(t, c, bitninjaConsole+"/login", url.Values{"code": {"000000"}}); !strings.Contains(v.body, `role="alert"`) || !strings.Contains(v.body, "one-time-code") {
		t.Errorf("refused code:\n%s", v.body)
	}
	if v := post(t, c, bitninjaConsole+"/login", url.Values{"code": {currentCode(t, k, time.Now())}}); v.url != sub {
		t.Fatalf("after the code: at %s", v.url)
	}
}

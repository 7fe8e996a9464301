package replica

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func init() { ownSignIn["dondominio"] = dondominioSignIn }

// dondominioCode posts a code the way the page's six boxes send it.
func dondominioCode(code string) url.Values {
	f := url.Values{}
	for i, c := range code {
		f.Set("code-sub-"+string(rune('1'+i)), string(c))
	}
	return f
}

// dondominioSignIn posts what the page's script copies out of the shadow
// inputs, then the code one digit per box.
func dondominioSignIn(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	t.Helper()
	v := get(t, c, dondominioBase+"/admin/")
	if !strings.Contains(v.body, `<dd-input name="user">`) || !strings.Contains(v.body, `<dd-password name="password">`) {
		t.Fatalf("the sign-in without its custom elements:\n%s", v.body)
	}
	v = post(t, c, dondominioBase+"/admin/", url.Values{"user": {email}, "password": {pw}})
	if !strings.Contains(v.body, `class="input-2fa-code"`) || !strings.Contains(v.body, `name="code-sub-6"`) {
		t.Fatalf("want the six code boxes:\n%s", v.body)
	}
	return post(t, c, dondominioBase+"/admin/", dondominioCode(otp))
}

func TestDonDominioSignIn(t *testing.T) {
	s := server(t)
	p := s.Portal("dondominio")
	email, pw, k := newUser(t, p)
	list := dondominioBase + "/admin/domains/list/"
	if v := get(t, s.Client(), list); v.url != dondominioBase+"/admin/" || !strings.Contains(v.body, "dd-input") {
		t.Errorf("the domain list without a session: at %s", v.url)
	}
	if v := get(t, s.Client(), dondominioBase+"/admin/"); !strings.Contains(v.body, "guesses") {
		t.Errorf("the page does not say what is guessed:\n%s", v.body)
	}
	v := post(t, s.Client(), dondominioBase+"/admin/", url.Values{"user": {email}, "password": {"nope"}})
	if !strings.Contains(v.body, `role="alert"`) || !strings.Contains(v.body, "dd-password") {
		t.Errorf("wrong password:\n%s", v.body)
	}
	c := s.Client()
	post(t, c, dondominioBase+"/admin/", url.Values{"user": {email}, "password": {pw}})
	if v := post(t, c, dondominioBase+"/admin/", dondominioCode("000000")); !strings.Contains(v.body, `role="alert"`) || !strings.Contains(v.body, "input-2fa-code") {
		t.Errorf("refused code:\n%s", v.body)
	}
	if v := post(t, c, dondominioBase+"/admin/", dondominioCode(currentCode(t, k, time.Now()))); v.url != list || !strings.Contains(v.body, `name="filterName"`) {
		t.Fatalf("after the code: at %s\n%s", v.url, v.body)
	}
	// Signed in, the sign-in's address leads to the domain list.
	if v := get(t, c, dondominioBase+"/admin/"); v.url != list {
		t.Errorf("/admin/ signed in: at %s", v.url)
	}
	p.ExpireSessions()
	if v := get(t, c, list); v.url != dondominioBase+"/admin/" {
		t.Errorf("an expired session still sees the domain list")
	}
}

package replica

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func init() { ownSignIn["docusign"] = docusignSignIn }

func docusignSignIn(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	t.Helper()
	v := get(t, c, docusignApps)
	if !strings.Contains(v.body, `data-qa="username"`) {
		t.Fatalf("the app without a session, at %s:\n%s", v.url, v.body)
	}
	if v = post(t, c, docusignAccount+"/login", url.Values{"username": {email}}); !strings.Contains(v.body, `data-qa="password"`) {
		t.Fatalf("want the password step:\n%s", v.body)
	}
	if v = post(t, c, docusignAccount+"/login", url.Values{"username": {email}, "password": {pw}}); !strings.Contains(v.body, `autocomplete="one-time-code"`) {
		t.Fatalf("want the code step:\n%s", v.body)
	}
	return post(t, c, docusignAccount+"/login", url.Values{"otp": {otp}})
}

func TestDocusignSignIn(t *testing.T) {
	s := server(t)
	p := s.Portal("docusign")
	email, pw, k := newUser(t, p)
	if v := post(t, s.Client(), docusignAccount+"/login", url.Values{"username": {email}, "password": {"nope"}}); !strings.Contains(v.body, `role="alert"`) || !strings.Contains(v.body, `data-qa="password"`) {
		t.Errorf("wrong password:\n%s", v.body)
	}
	c := s.Client()
	post(t, c, docusignAccount+"/login", url.Values{"username": {email}, "password": {pw}})
	if v := post(t, c, docusignAccount+"/login", url.Values{"otp": {"000000"}}); !strings.Contains(v.body, `role="alert"`) || !strings.Contains(v.body, `one-time-code`) {
		t.Errorf("refused code:\n%s", v.body)
	}
	if v := post(t, c, docusignAccount+"/login", url.Values{"otp": {currentCode(t, k, time.Now())}}); v.url != docusignApps {
		t.Errorf("after the code: at %s", v.url)
	}
}

package replica

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func init() { ownSignIn["zoom"] = zoomSignInFlow }

type zoomAnswer struct {
	Status, Next, Message string
}

func zoomPost(t *testing.T, c *http.Client, form url.Values) zoomAnswer {
	t.Helper()
	v := post(t, c, zoomSignIn, form)
	var a zoomAnswer
	if err := json.Unmarshal([]byte(v.body), &a); err != nil {
		t.Fatalf("sign-in answer %q: %v", v.body, err)
	}
	return a
}

// zoomSignInFlow plays the sign-in app's requests and follows its answer.
func zoomSignInFlow(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	t.Helper()
	contains(t, get(t, c, zoomSignIn), `id="js_btn_login"`, `id="login-form"`)
	a := zoomPost(t, c, url.Values{"email": {email}, "password": {pw}})
	if a.Status == "2fa" && otp != "" {
		a = zoomPost(t, c, url.Values{"code": {otp}})
	}
	if a.Next == "" {
		return visit{status: http.StatusOK, url: zoomSignIn, body: a.Status + ": " + a.Message}
	}
	v := get(t, c, a.Next)
	if v.url == zoomHome {
		contains(t, v, `id="avator-profile"`)
		v = get(t, c, zoomReport)
	}
	return v
}

func TestZoomPages(t *testing.T) {
	s := server(t)
	p := s.Portal("zoom")

	t.Run("sign in, payment history, PDF", func(t *testing.T) {
		email, pw, k := newUser(t, p)
		c := s.Client()
		v := zoomSignInFlow(t, c, p.spec, email, pw, currentCode(t, k, time.Now()))
		if v.url != zoomReport {
			t.Fatalf("signed in at %s:\n%s", v.url, v.body)
		}
		contains(t, v, `ph-invoice-table`)
		want := p.Invoices(email)
		for _, inv := range want {
			if !strings.HasPrefix(inv.Number, "INV") || inv.ID != inv.Number {
				t.Errorf("invoice %s / %s: want the INV number as its id", inv.ID, inv.Number)
			}
			contains(t, v, `\"invoiceNumber\":\"`+inv.Number+`\"`)
		}
		if ok, _ := fetchPDF(t, c, "GET", zoomPDF+"?invoiceNumber="+want[0].Number, nil); !ok {
			t.Error("no PDF")
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		email, pw, _ := newUser(t, p)
		a := zoomPost(t, s.Client(), url.Values{"email": {email}, "password": {pw + "x"}})
		if a.Status != "error" || a.Message != p.spec.Text.BadPassword {
			t.Errorf("answer %+v", a)
		}
	})

	t.Run("refused code", func(t *testing.T) {
		email, pw, k := newUser(t, p)
		c := s.Client()
		if a := zoomPost(t, c, url.Values{"email": {email}, "password": {pw}}); a.Status != "2fa" {
			t.Fatalf("answer %+v", a)
		}
		p.SetMode(RejectCode)
		defer p.SetMode(0)
		if a := zoomPost(t, c, url.Values{"code": {currentCode(t, k, time.Now())}}); a.Status != "error" || a.Message != p.spec.Text.BadCode {
			t.Errorf("answer %+v", a)
		}
	})

	t.Run("captcha", func(t *testing.T) {
		email, pw, _ := newUser(t, p)
		p.SetMode(Captcha)
		defer p.SetMode(0)
		if a := zoomPost(t, s.Client(), url.Values{"email": {email}, "password": {pw}}); a.Message != "An error with reCAPTCHA occured" {
			t.Errorf("answer %+v", a)
		}
	})

	t.Run("unusual sign-in", func(t *testing.T) {
		email, pw, _ := newUser(t, p)
		p.SetMode(NewDevice)
		defer p.SetMode(0)
		c := s.Client()
		v := zoomSignInFlow(t, c, p.spec, email, pw, "")
		if !strings.HasPrefix(v.url, zoomOTPHelp+"?") {
			t.Errorf("at %s, want the code page", v.url)
		}
		if v := get(t, c, zoomReport); v.url == zoomReport {
			t.Error("payment history reachable before the check")
		}
	})

	t.Run("no session", func(t *testing.T) {
		c := s.Client()
		if v := get(t, c, zoomReport); !strings.HasPrefix(v.url, zoomSignIn) {
			t.Errorf("payment history without a session at %s", v.url)
		}
		if ok, _ := fetchPDF(t, c, "GET", zoomPDF+"?invoiceNumber="+p.Invoices(DemoEmail)[0].Number, nil); ok {
			t.Error("PDF served without a session")
		}
	})
}

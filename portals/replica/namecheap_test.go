package replica

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func init() { ownSignIn["namecheap"] = namecheapSignIn }

func namecheapSignIn(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	t.Helper()
	v := get(t, c, namecheapLogin)
	contains(t, v, `class="loginBox"`, `aria-label="Your username"`)
	if n := strings.Count(v.body, `name="LoginPassword"`); n != 2 {
		t.Errorf("%d password fields, want the header's and the page's", n)
	}
	v = post(t, c, namecheapLogin, url.Values{"LoginUserName": {email}, "LoginPassword": {pw}})
	if otp == "" || !strings.Contains(v.body, `name="VerificationCode"`) {
		return v
	}
	v = post(t, c, namecheapLogin, url.Values{"VerificationCode": {otp}})
	if v.url == namecheapAP+"/dashboard" {
		v = get(t, c, namecheapOrders)
	}
	return v
}

var namecheapOrdersJSON = regexp.MustCompile(`const orders = JSON\.parse\("(.*)"\);`)

func TestNamecheapPages(t *testing.T) {
	s := server(t)
	p := s.Portal("namecheap")

	t.Run("sign in, orders in a date range, receipt", func(t *testing.T) {
		email, pw, k := newUser(t, p)
		c := s.Client()
		v := namecheapSignIn(t, c, p.spec, email, pw, currentCode(t, k, time.Now()))
		if v.url != namecheapOrders {
			t.Fatalf("at %s:\n%s", v.url, v.body)
		}
		contains(t, v, `<body class="loggedin">`, `class="show-calendar"`, `class="AjaxPageCall"`, `class="applyBtn"`,
			`value="`+time.Now().Add(-namecheapWindow).Format("01/02/2006")+`"`)
		m := namecheapOrdersJSON.FindStringSubmatch(v.body)
		if m == nil {
			t.Fatal("no orders in the page")
		}
		var orders []struct{ Number, Date, Amount, PDF string }
		if err := json.Unmarshal([]byte(strings.ReplaceAll(m[1], `\"`, `"`)), &orders); err != nil {
			t.Fatal(err)
		}
		want := p.Invoices(email)
		if len(orders) != 3 || orders[0].Number != want[0].ID || orders[0].Date != want[0].Date.Format("01/02/2006") ||
			!strings.HasPrefix(orders[0].Amount, "$") || !strings.HasPrefix(orders[0].PDF, "/profile/billing/orders/downloadpdf") {
			t.Fatalf("orders %+v", orders)
		}
		if ok, _ := fetchPDF(t, c, "GET", namecheapAP+orders[0].PDF, nil); !ok {
			t.Error("no PDF receipt")
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		email, pw, _ := newUser(t, p)
		v := namecheapSignIn(t, s.Client(), p.spec, email, pw+"x", "")
		contains(t, v, p.spec.Text.BadPassword)
		lacks(t, v, "VerificationCode")
	})

	t.Run("refused code", func(t *testing.T) {
		email, pw, k := newUser(t, p)
		p.SetMode(RejectCode)
		defer p.SetMode(0)
		contains(t, namecheapSignIn(t, s.Client(), p.spec, email, pw, currentCode(t, k, time.Now())), p.spec.Text.BadCode)
	})

	t.Run("new device", func(t *testing.T) {
		email, pw, _ := newUser(t, p)
		p.SetMode(NewDevice)
		defer p.SetMode(0)
		c := s.Client()
		contains(t, namecheapSignIn(t, c, p.spec, email, pw, ""), "Didn't get the code?", "Verification Code")
		if v := get(t, c, namecheapOrders); v.url == namecheapOrders {
			t.Error("orders reachable before the device check")
		}
	})

	t.Run("changed layout", func(t *testing.T) {
		p.SetMode(ChangedLayout)
		defer p.SetMode(0)
		v := get(t, s.Client(), namecheapLogin)
		if n := strings.Count(v.body, `name="LoginPassword"`); n != 1 {
			t.Errorf("the page's own form still has LoginPassword (%d fields)", n)
		}
	})

	t.Run("no session", func(t *testing.T) {
		if v := get(t, s.Client(), namecheapOrders); v.url != namecheapLogin {
			t.Errorf("orders without a session at %s", v.url)
		}
	})
}

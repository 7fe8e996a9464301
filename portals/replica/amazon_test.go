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

func init() { ownSignIn["amazon-de"] = amazonSignIn }

const amazonOrdersURL = "https://www.amazon.de/gp/css/order-history"

// amazonPassword walks the e-mail and password pages from the order
// history, as a browser does, and returns the page after the password.
func amazonPassword(t *testing.T, c *http.Client, email, pw string, extra url.Values) visit {
	t.Helper()
	v := get(t, c, amazonOrdersURL)
	if !strings.HasPrefix(v.url, "https://www.amazon.de/ap/signin?openid.return_to=") || !strings.Contains(v.body, `id="ap_email"`) {
		t.Fatalf("orders without a session: at %s\n%s", v.url, v.body)
	}
	ret := url.Values{"openid.return_to": {amazonOrdersURL}}
	form := url.Values{"email": {email}, "openid.return_to": ret["openid.return_to"]}
	v = post(t, c, "https://www.amazon.de/ap/signin", form)
	if !strings.Contains(v.body, `id="ap_password"`) {
		return v
	}
	if !strings.Contains(v.body, `type="hidden" id="ap_email"`) {
		t.Error("the password page does not carry the e-mail in a hidden #ap_email")
	}
	form.Set("password", pw)
	for k, vs := range extra {
		form[k] = vs
	}
	return post(t, c, "https://www.amazon.de/ap/signin", form)
}

func amazonCode(t *testing.T, c *http.Client, v visit, otp string, remember bool) visit {
	t.Helper()
	if !strings.Contains(v.body, `<form id="auth-mfa-form" method="post" action="/ap/signin"`) || !strings.Contains(v.body, `id="auth-mfa-otpcode"`) {
		t.Fatalf("want the MFA page, at %s:\n%s", v.url, v.body)
	}
	form := url.Values{"otpCode": {otp}, "openid.return_to": {amazonOrdersURL}}
	if remember {
		form.Set("rememberDevice", "true")
	}
	return post(t, c, "https://www.amazon.de/ap/signin", form)
}

func amazonSignIn(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	t.Helper()
	return amazonCode(t, c, amazonPassword(t, c, email, pw, nil), otp, false)
}

var (
	amazonCard      = regexp.MustCompile(`<bdi dir="ltr">(302-\d{7}-\d{7})</bdi>`)
	amazonPopoverRe = regexp.MustCompile(`data-a-popover="([^"]+)"`)
	amazonPDFLink   = regexp.MustCompile(`href="(/documents/download/([0-9a-f-]{36})/invoice\.pdf)">Rechnung 1<`)
)

func TestAmazonOrdersAndInvoices(t *testing.T) {
	s := server(t)
	p := s.Portal("amazon-de")
	email, pw, k := newUser(t, p)
	c := s.Client()
	v := amazonSignIn(t, c, p.spec, email, pw, currentCode(t, k, time.Now()))
	if v.url != amazonOrdersURL || !strings.Contains(v.body, `id="nav-item-signout"`) {
		t.Fatalf("after the code: at %s\n%s", v.url, v.body)
	}
	want := p.Invoices(email)
	// The fixture's orders are from August to October 2026: a year
	// filter shows them all; the default (3 months) only what is recent.
	year := want[0].Date.Format("2006")
	v = get(t, c, "https://www.amazon.de/gp/your-account/order-history?opt=ab&digitalOrders=1&orderFilter=year-"+year)
	cards := amazonCard.FindAllStringSubmatch(v.body, -1)
	if len(cards) != len(want) || strings.Count(v.body, `class="order a-box-group js-order-card"`) != len(want) {
		t.Fatalf("%d order cards for %s, want %d:\n%s", len(cards), year, len(want), v.body)
	}
	if !strings.Contains(v.body, `<option value="year-`+year+`" selected>`) {
		t.Error("the year filter does not show the chosen year")
	}
	placed := germanLongDate(want[0].Date)
	if !strings.Contains(v.body, `<span class="a-color-secondary value">`+placed+`</span>`) {
		t.Errorf("newest card lacks its date %q", placed)
	}
	m := amazonPopoverRe.FindStringSubmatch(v.body)
	if m == nil {
		t.Fatal("no invoice popover on the order card")
	}
	cfg := strings.ReplaceAll(m[1], "&#34;", `"`)
	cfg = strings.ReplaceAll(cfg, `\u0026`, "&")
	popURL := regexp.MustCompile(`"url":"([^"]+)"`).FindStringSubmatch(cfg)
	if popURL == nil || !strings.HasPrefix(popURL[1], "/gp/shared-cs/ajax/invoice/invoice.html?orderId="+cards[0][1]+"&relatedRequestId=") {
		t.Fatalf("popover config %q", cfg)
	}
	pop := get(t, c, "https://www.amazon.de"+strings.ReplaceAll(popURL[1], "&amp;", "&"))
	link := amazonPDFLink.FindStringSubmatch(pop.body)
	if !strings.Contains(pop.body, `class="a-unordered-list a-vertical invoice-list a-nowrap"`) || link == nil || link[2] != want[0].ID {
		t.Fatalf("popover for %s:\n%s", cards[0][1], pop.body)
	}
	res, err := c.Get("https://www.amazon.de" + link[1])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(body), "%PDF-") {
		t.Errorf("invoice download: %s %s %.20q", res.Status, res.Header.Get("Content-Type"), body)
	}

	// A new order today appears under the default filter.
	added, err := p.AddInvoice(email)
	if err != nil {
		t.Fatal(err)
	}
	v = get(t, c, amazonOrdersURL)
	if !strings.Contains(v.body, added.Number) || strings.Contains(v.body, want[len(want)-1].Number) && time.Since(want[len(want)-1].Date) > 100*24*time.Hour {
		t.Errorf("default filter: new order %s shown %v; orders older than 3 months hidden", added.Number, strings.Contains(v.body, added.Number))
	}

	// Without the session, the popover, the document and the orders all
	// lead to the sign-in.
	anon := s.Client()
	for _, u := range []string{amazonOrdersURL, "https://www.amazon.de" + link[1]} {
		if v := get(t, anon, u); !strings.HasPrefix(v.url, "https://www.amazon.de/ap/signin") {
			t.Errorf("%s without a session: at %s", u, v.url)
		}
	}
}

func TestAmazonRefusals(t *testing.T) {
	s := server(t)
	p := s.Portal("amazon-de")
	email, pw, k := newUser(t, p)
	errBox := `id="auth-error-message-box"`

	t.Run("unknown e-mail", func(t *testing.T) {
		v := amazonPassword(t, s.Client(), "nobody@example.com", "x", nil)
		if !strings.Contains(v.body, errBox) || !strings.Contains(v.body, "Wir können kein Konto") || strings.Contains(v.body, `id="ap_password"`) {
			t.Errorf("unknown e-mail:\n%s", v.body)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		v := amazonPassword(t, s.Client(), email, pw+"x", nil)
		if !strings.Contains(v.body, errBox) || !strings.Contains(v.body, "Ihr Passwort ist falsch") || !strings.Contains(v.body, `id="ap_password"`) {
			t.Errorf("wrong password:\n%s", v.body)
		}
	})
	t.Run("refused code", func(t *testing.T) {
		c := s.Client()
		v := amazonCode(t, c, amazonPassword(t, c, email, pw, nil), "000000", false)
		if !strings.Contains(v.body, errBox) || !strings.Contains(v.body, "Der eingegebene Code ist ungültig") || !strings.Contains(v.body, `id="auth-mfa-otpcode"`) {
			t.Errorf("refused code:\n%s", v.body)
		}
		p.SetMode(RejectCode)
		defer p.SetMode(0)
		if v := amazonCode(t, c, v, currentCode(t, k, time.Now()), false); !strings.Contains(v.body, "Der eingegebene Code ist ungültig") {
			t.Errorf("mode RejectCode accepted a code: at %s", v.url)
		}
	})
	t.Run("captcha", func(t *testing.T) {
		p.SetMode(Captcha)
		defer p.SetMode(0)
		v := amazonPassword(t, s.Client(), email, pw, nil)
		if !strings.Contains(v.body, `id="auth-captcha-image"`) || !strings.Contains(v.body, `id="auth-captcha-guess"`) {
			t.Errorf("no image captcha:\n%s", v.body)
		}
	})
	t.Run("app approval", func(t *testing.T) {
		p.SetMode(PushOnly)
		defer p.SetMode(0)
		c := s.Client()
		v := amazonPassword(t, c, email, pw, nil)
		if !strings.HasPrefix(v.url, "https://www.amazon.de/ap/cvf/approval") || !strings.Contains(v.body, `id="pollingForm"`) || strings.Contains(v.body, "auth-mfa-otpcode") {
			t.Fatalf("want the approval page, at %s:\n%s", v.url, v.body)
		}
		if v := post(t, c, "https://www.amazon.de/ap/cvf/approval/poll", nil); !strings.Contains(v.body, `value="TransactionPending"`) {
			t.Errorf("poll: %s", v.body)
		}
	})
	t.Run("new device", func(t *testing.T) {
		p.SetMode(NewDevice)
		defer p.SetMode(0)
		c := s.Client()
		v := amazonPassword(t, c, email, pw, nil)
		if !strings.Contains(v.body, `id="verification-code-form"`) || !strings.Contains(v.body, `id="input-box-otp"`) {
			t.Fatalf("want the device check, at %s:\n%s", v.url, v.body)
		}
		if v := get(t, c, amazonOrdersURL); v.url == amazonOrdersURL {
			t.Error("orders reachable before the device check")
		}
	})
}

func TestAmazonRememberDeviceAndKeepSignedIn(t *testing.T) {
	s := server(t)
	p := s.Portal("amazon-de")
	email, pw, k := newUser(t, p)
	c := s.Client()
	c.Jar.SetCookies(&url.URL{Scheme: "https", Host: "www.amazon.de"}, nil)
	v := amazonCode(t, c, amazonPassword(t, c, email, pw, url.Values{"rememberMe": {"true"}}), currentCode(t, k, time.Now()), true)
	if v.url != amazonOrdersURL {
		t.Fatalf("login: at %s", v.url)
	}
	u, _ := url.Parse(amazonOrdersURL)
	var device, sess *http.Cookie
	for _, ck := range c.Jar.Cookies(u) {
		switch ck.Name {
		case "x-acbde":
			device = ck
		case "session-token":
			sess = ck
		}
	}
	if device == nil || sess == nil {
		t.Fatalf("cookies after a remembered login: device %v, session %v", device, sess)
	}
	p.ExpireSessions()
	if v := amazonPassword(t, c, email, pw, nil); v.url != amazonOrdersURL {
		t.Errorf("trusted browser asked again: at %s", v.url)
	}
	if v := amazonPassword(t, s.Client(), email, pw, nil); !strings.HasPrefix(v.url, "https://www.amazon.de/ap/mfa") {
		t.Errorf("untrusted browser skipped the code: at %s", v.url)
	}
}

func TestAmazonOrderPages(t *testing.T) {
	s := server(t)
	p := s.Portal("amazon-de")
	email, pw, k := newUser(t, p)
	for range 11 {
		if _, err := p.AddInvoice(email); err != nil {
			t.Fatal(err)
		}
	}
	c := s.Client()
	amazonSignIn(t, c, p.spec, email, pw, currentCode(t, k, time.Now()))
	year := time.Now().Format("2006")
	seen := map[string]bool{}
	next := "/gp/your-account/order-history?orderFilter=year-" + year
	pages := 0
	for next != "" && pages < 5 {
		v := get(t, c, "https://www.amazon.de"+strings.ReplaceAll(next, "&amp;", "&"))
		pages++
		cards := amazonCard.FindAllStringSubmatch(v.body, -1)
		if len(cards) > amazonPageSize {
			t.Errorf("page %d shows %d orders", pages, len(cards))
		}
		for _, m := range cards {
			if seen[m[1]] {
				t.Errorf("order %s on two pages", m[1])
			}
			seen[m[1]] = true
		}
		next = ""
		if m := regexp.MustCompile(`<li class="a-last"><a href="([^"]+)">`).FindStringSubmatch(v.body); m != nil {
			next = m[1]
		} else if !strings.Contains(v.body, `<li class="a-disabled a-last">`) {
			t.Errorf("page %d has neither a next link nor a disabled one", pages)
		}
	}
	want := 0
	for _, inv := range p.Invoices(email) {
		if inv.Date.Format("2006") == year {
			want++
		}
	}
	if pages != 2 || len(seen) != want {
		t.Errorf("%d pages, %d orders; want 2 pages, %d orders", pages, len(seen), want)
	}
}

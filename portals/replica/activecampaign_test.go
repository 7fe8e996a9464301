package replica

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func init() { ownSignIn["activecampaign"] = acSignIn }

// acSignIn signs in on the account's host: password, the choice of the
// authentication app, the code; it ends on the Invoices tab.
func acSignIn(t *testing.T, c *http.Client, sp *spec, email, pw, otp string) visit {
	t.Helper()
	v := post(t, c, acBase+"/admin/", url.Values{"user": {email}, "pass": {pw}, "remember": {"1"}})
	if !strings.Contains(v.body, `value="app">Authentication app</button>`) {
		t.Fatalf("activecampaign: want the choice of code, at %s:\n%s", v.url, v.body)
	}
	v = post(t, c, acBase+"/admin/", url.Values{"method": {"app"}})
	if !strings.Contains(v.body, `autocomplete="one-time-code"`) {
		t.Fatalf("activecampaign: want the code step, at %s:\n%s", v.url, v.body)
	}
	v = post(t, c, acBase+"/admin/", url.Values{"code": {otp}})
	if !strings.Contains(v.body, "Billing &amp; Upgrade") {
		return v
	}
	return get(t, c, sp.Billing.URL)
}

// TestActiveCampaignPages checks, over HTTP, the sign-in on the account's
// host, its refusals, the e-mailed and texted codes, and the Invoices tab
// with its Download links.
func TestActiveCampaignPages(t *testing.T) {
	s := server(t)
	p := s.Portal("activecampaign")
	email, pw, k := newUser(t, p)

	if v := get(t, s.Client(), p.spec.Billing.URL); v.url != acBase+"/admin/" || !strings.Contains(v.body, "Remember me for 45 days") {
		t.Fatalf("the invoices opened without signing in, or no login page: at %s", v.url)
	}
	v := post(t, s.Client(), acBase+"/admin/", url.Values{"user": {email}, "pass": {pw + "x"}})
	if !strings.Contains(v.body, `role="alert"`) || !strings.Contains(v.body, `autocomplete="current-password"`) {
		t.Errorf("a wrong password did not bring the form back with a refusal:\n%s", v.body)
	}

	code := currentCode(t, k, time.Now())
	c := s.Client()
	v = acSignIn(t, c, p.spec, email, pw, code)
	if v.url != p.spec.Billing.URL {
		t.Fatalf("sign-in ended at %s", v.url)
	}
	invs := p.Invoices(email)
	for _, inv := range invs {
		if !strings.Contains(v.body, `<td>`+inv.Number+`</td>`) || !strings.Contains(v.body, `href="/app/billing/invoices/`+inv.ID+`/download">Download</a>`) {
			t.Errorf("invoice %s is not listed with its Download link", inv.ID)
		}
	}
	for _, h := range []string{"Date", "Order ID", "Product", "Total", "Status"} {
		if !strings.Contains(v.body, "<th>"+h+"</th>") {
			t.Errorf("no %q column", h)
		}
	}
	res, err := c.Get(acBase + "/app/billing/invoices/" + invs[0].ID + "/download")
	if err != nil {
		t.Fatal(err)
	}
	pdf := read(t, res)
	if !strings.HasPrefix(pdf.body, "%PDF-") || res.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("download: %s %q", res.Header.Get("Content-Type"), pdf.body[:min(20, len(pdf.body))])
	}
	if v := get(t, c, acBase+"/app/billing/invoices/not-theirs/download"); v.status != http.StatusNotFound {
		t.Errorf("another invoice: status %d", v.status)
	}

	// A spent code does not open the account a second time.
	if v := acSignIn(t, s.Client(), p.spec, email, pw, code); strings.Contains(v.body, "Billing &amp; Upgrade") {
		t.Error("a spent code opened the account again")
	}

	p.SetMode(NewDevice)
	v = post(t, s.Client(), acBase+"/admin/", url.Values{"user": {email}, "pass": {pw}})
	p.SetMode(0)
	if !strings.Contains(v.body, "verification code to your email") {
		t.Errorf("mode NewDevice: want the e-mailed check:\n%s", v.body)
	}
	p.SetMode(PushOnly)
	v = post(t, s.Client(), acBase+"/admin/", url.Values{"user": {email}, "pass": {pw}})
	p.SetMode(0)
	if !strings.Contains(v.body, "verification code to your phone") || strings.Contains(v.body, "one-time-code") {
		t.Errorf("mode PushOnly: want the SMS code only:\n%s", v.body)
	}
}

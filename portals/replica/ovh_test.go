package replica

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func init() { ownSignIn["ovh"] = ovhSignIn }

var ovhFieldNames = regexp.MustCompile(`id="account" name="([0-9a-f]+)"[\s\S]*id="password" name="([0-9a-f]+)"`)

// ovhPassword posts the credentials under the names the form just handed
// out.
func ovhPasswordStep(t *testing.T, c *http.Client, email, pw string) visit {
	t.Helper()
	login := ovhLoginURL + "?action=disconnect&onsuccess=" + url.QueryEscape(ovhManagerURL+"#/billing/history")
	v := get(t, c, login)
	m := ovhFieldNames.FindStringSubmatch(v.body)
	if m == nil {
		t.Fatalf("no sign-in form:\n%s", v.body)
	}
	return post(t, c, login, url.Values{m[1]: {email}, m[2]: {pw}})
}

func ovhSignIn(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	t.Helper()
	v := ovhPasswordStep(t, c, email, pw)
	if !strings.Contains(v.body, `class="box mfa-container"`) || !strings.Contains(v.body, `id="totp"`) {
		t.Fatalf("want the code form, at %s:\n%s", v.url, v.body)
	}
	return post(t, c, v.url, url.Values{"totp": {otp}, "otpMethod": {"totp"}})
}

func TestOVHSignInAndBills(t *testing.T) {
	s := server(t)
	p := s.Portal("ovh")
	email, pw, k := newUser(t, p)

	// The field names change with every load of the form.
	a, b := ovhFieldNames.FindStringSubmatch(get(t, s.Client(), ovhLoginURL).body), ovhFieldNames.FindStringSubmatch(get(t, s.Client(), ovhLoginURL).body)
	if a == nil || b == nil || a[1] == b[1] {
		t.Fatalf("field names %v, %v: want new ones on every load", a, b)
	}
	if v := ovhPasswordStep(t, s.Client(), email, pw+"x"); !strings.Contains(v.body, `<div class="error">Invalid Account ID or password.</div>`) {
		t.Errorf("wrong password:\n%s", v.body)
	}

	c := s.Client()
	if res, err := c.Get(ovhHost + "/engine/apiv6/me/bill"); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bills without a session: %v %v", res.Status, err)
	}
	v := ovhPasswordStep(t, c, email, pw)
	if v = post(t, c, v.url, url.Values{"totp": {"000000"}, "otpMethod": {"totp"}}); !strings.Contains(v.body, `id="totp"`) {
		t.Fatalf("a refused code did not bring the form back:\n%s", v.body)
	}
	v = post(t, c, v.url, url.Values{"totp": {currentCode(t, k, time.Now())}, "otpMethod": {"totp"}})
	if !strings.HasPrefix(v.url, ovhManagerURL+"#/billing/history") {
		t.Fatalf("after the code: at %s", v.url)
	}
	if v := get(t, c, ovhLoginURL); !strings.Contains(v.body, `class="already-logged-content"`) {
		t.Errorf("/auth/ with a session:\n%s", v.body)
	}

	var ids []string
	if err := json.Unmarshal([]byte(get(t, c, ovhHost+"/engine/apiv6/me/bill").body), &ids); err != nil || len(ids) != 3 {
		t.Fatalf("bill ids %v: %v", ids, err)
	}
	want := p.Invoices(email)[0]
	var bill struct {
		BillID, Date, PdfURL string
		PriceWithTax         struct {
			CurrencyCode string
			Value        float64
		}
	}
	if err := json.Unmarshal([]byte(get(t, c, ovhHost+"/engine/apiv6/me/bill/"+ids[0]).body), &bill); err != nil {
		t.Fatal(err)
	}
	if bill.BillID != want.ID || !strings.HasPrefix(bill.Date, want.Date.Format(time.DateOnly)) ||
		bill.PriceWithTax.CurrencyCode != "EUR" || int64(bill.PriceWithTax.Value*100+0.5) != want.Amount {
		t.Errorf("bill %+v, want %+v", bill, want)
	}
	// The PDF opens with its password, without the session, as the
	// API's links do; a wrong password opens nothing.
	res, err := s.Client().Get(bill.PdfURL)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte(want.Number)) {
		t.Errorf("PDF %s: %.40q", res.Status, pdf)
	}
	if res, err := s.Client().Get(ovhHost + "/cgi-bin/order/bill.pdf?reference=" + want.ID + "&passwd=nope"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("PDF with a wrong password: %v %v", res.Status, err)
	}

	// A refund is a credit note with its own id and PDF.
	if ids := get(t, c, ovhHost+"/engine/apiv6/me/refund").body; ids != "[]" {
		t.Errorf("refunds before any: %s", ids)
	}
	rid, err := p.OVHAddRefund(email)
	if err != nil {
		t.Fatal(err)
	}
	var refund struct{ RefundID, OriginalBillID, PdfURL string }
	if err := json.Unmarshal([]byte(get(t, c, ovhHost+"/engine/apiv6/me/refund/"+rid).body), &refund); err != nil || refund.RefundID != rid || refund.OriginalBillID != want.ID {
		t.Fatalf("refund %+v: %v", refund, err)
	}
	if v := get(t, s.Client(), refund.PdfURL); !strings.HasPrefix(v.body, "%PDF-") || !strings.Contains(v.body, rid) {
		t.Errorf("refund PDF: %.60q", v.body)
	}

	// A device OVHcloud does not know gets the e-mail check first.
	p.SetMode(NewDevice)
	defer p.SetMode(0)
	if v := ovhPasswordStep(t, s.Client(), email, pw); !strings.Contains(v.body, `id="emailCode"`) || strings.Contains(v.body, `id="totp"`) {
		t.Errorf("new device:\n%s", v.body)
	}
}

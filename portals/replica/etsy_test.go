package replica

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func init() { ownSignIn["etsy"] = etsySignIn }

func etsySignIn(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	t.Helper()
	v := post(t, c, etsyHost+"/signin", url.Values{"email": {email}, "password": {pw}})
	if !strings.Contains(v.body, `name="twofactor_token"`) {
		t.Fatalf("want the code form:\n%s", v.body)
	}
	post(t, c, etsyHost+"/signin", url.Values{"twofactor_token": {otp}, "submit_attempt": {"handle_twofactor"}})
	return get(t, c, etsyPayments)
}

func TestEtsyStatements(t *testing.T) {
	s := server(t)
	p := s.Portal("etsy")
	email, pw, k := newUser(t, p)

	if v := post(t, s.Client(), etsyHost+"/signin", url.Values{"email": {email}, "password": {"nope"}}); !strings.Contains(v.body, `name="password" autocomplete="current-password" aria-invalid="true"`) {
		t.Errorf("wrong password:\n%s", v.body)
	}
	c := s.Client()
	post(t, c, etsyHost+"/signin", url.Values{"email": {email}, "password": {pw}})
	if v := post(t, c, etsyHost+"/signin", url.Values{"twofactor_token": {"000000"}, "submit_attempt": {"handle_twofactor"}}); !strings.Contains(v.body, `name="twofactor_token"`) {
		t.Fatalf("a refused code did not bring the form back:\n%s", v.body)
	}
	post(t, c, etsyHost+"/signin", url.Values{"twofactor_token": {currentCode(t, k, time.Now())}, "submit_attempt": {"handle_twofactor"}})
	v := get(t, c, etsyPayments)
	links := regexp.MustCompile(`<div data-key="totals-by-month-row" class="wt-grid">\s*<div class="wt-grid__item-xs-6"><a href="(/your/account/payments/monthly-statement\?month=(\d+)&amp;year=(\d+))"`).FindAllStringSubmatch(v.body, -1)
	want := p.Invoices(email)
	if len(links) != len(want) {
		t.Fatalf("%d months, want %d:\n%s", len(links), len(want), v.body)
	}
	if id := links[0][2] + "-" + links[0][3]; id != want[0].ID || id != fmt.Sprintf("%d-%d", int(want[0].Date.Month()), want[0].Date.Year()) {
		t.Errorf("first statement %s, want %s", id, want[0].ID)
	}
	page := get(t, c, etsyHost+strings.ReplaceAll(links[0][1], "&amp;", "&"))
	pdfLink := regexp.MustCompile(`href="(/your/account/payments/vat_statement\.php\?[^"]+)"`).FindStringSubmatch(page.body)
	if pdfLink == nil {
		t.Fatalf("no PDF link on the statement:\n%s", page.body)
	}
	res, err := c.Get(etsyHost + strings.ReplaceAll(pdfLink[1], "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte(want[0].ID)) {
		t.Errorf("PDF %s: %.40q", res.Status, pdf)
	}

	// A new month's statement is named after that month.
	inv, err := p.AddInvoice(email)
	if err != nil || inv.ID != fmt.Sprintf("%d-%d", int(inv.Date.Month()), inv.Date.Year()) {
		t.Errorf("new statement %+v: %v", inv, err)
	}

	p.SetMode(Captcha)
	defer p.SetMode(0)
	if v := get(t, s.Client(), etsyHost+"/signin"); v.status != http.StatusForbidden || !strings.Contains(v.body, `<iframe class="dd" src="https://geo.captcha-delivery.com/captcha/?`) {
		t.Errorf("DataDome: %d\n%s", v.status, v.body)
	}
}

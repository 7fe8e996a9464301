package replica

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func init() { ownSignIn["billbee"] = billbeeSignInAll }

func billbeeSignInAll(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	t.Helper()
	v := post(t, c, billbeeSignIn, url.Values{"UserName": {email}, "Password": {pw}, "RememberMe": {"true"}})
	if !strings.Contains(v.body, `<bb-request-2fa-dialog>`) || !strings.Contains(v.body, `name="Otp"`) {
		t.Fatalf("want the code dialog:\n%s", v.body)
	}
	v = post(t, c, billbeeSignIn, url.Values{"Otp": {otp}})
	if !strings.Contains(v.body, `href="/app_v2/logout"`) {
		t.Fatalf("not signed in after the code, at %s:\n%s", v.url, v.body)
	}
	// The demo-key test expects the sign-in to end on the billing page.
	return get(t, c, billbeeInvoices)
}

func TestBillbeeSignInAndInvoices(t *testing.T) {
	s := server(t)
	p := s.Portal("billbee")
	email, pw, k := newUser(t, p)

	if v := get(t, s.Client(), billbeeApp); v.url != billbeeSignIn || !strings.Contains(v.body, "CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll") {
		t.Fatalf("the app without a session: at %s", v.url)
	}
	if v := post(t, s.Client(), billbeeSignIn, url.Values{"UserName": {email}, "Password": {"nope"}}); !strings.Contains(v.body, `<div class="validation-summary-errors">Benutzername oder Passwort sind`) {
		t.Errorf("wrong password:\n%s", v.body)
	}
	c := s.Client()
	post(t, c, billbeeSignIn, url.Values{"UserName": {email}, "Password": {pw}})
	if v := post(t, c, billbeeSignIn, url.Values{"Otp": {"000000"}}); !strings.Contains(v.body, `id="mat-dialog-title-1">Falscher 2FA Code<`) || !strings.Contains(v.body, "<mat-dialog-actions>") {
		t.Fatalf("refused code:\n%s", v.body)
	}
	billbeeSignInAll(t, c, nil, email, pw, currentCode(t, k, time.Now()))

	v := get(t, c, billbeeInvoices)
	rows := regexp.MustCompile(`<tr ng-repeat="invoice in invoices"><td>([^<]+)</td><td>([0-9.]+)</td><td></td><td>([^<]+)</td>(?:<td></td>){6}\s*<td><a ng-click="download\(invoice\)" href="([^"]+)"`).FindAllStringSubmatch(v.body, -1)
	want := p.Invoices(email)
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), v.body)
	}
	if rows[0][1] != want[0].Number || rows[0][1] != want[0].ID || rows[0][2] != want[0].Date.Format("02.01.2006") {
		t.Errorf("first row %q, want %s of %s", rows[0][1:], want[0].Number, want[0].Date)
	}
	res, err := c.Get(billbeeHost + rows[0][4])
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte(want[0].Number)) {
		t.Errorf("PDF %s: %.40q", res.Status, pdf)
	}
	if v := get(t, s.Client(), billbeeHost+rows[0][4]); v.url != billbeeSignIn {
		t.Errorf("a PDF without the session: at %s", v.url)
	}
}

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

func init() { ownSignIn["raidboxes"] = raidboxesSignIn }

// raidboxesPost sends one of the sign-in's checks as the page's script
// does and returns its answer.
func raidboxesPost(t *testing.T, c *http.Client, path string, form url.Values) raidboxesAnswer {
	t.Helper()
	v := post(t, c, raidboxesHost+path, form)
	var a raidboxesAnswer
	if err := json.Unmarshal([]byte(v.body), &a); err != nil {
		t.Fatalf("POST %s: %q: %v", path, v.body, err)
	}
	return a
}

func raidboxesSignIn(t *testing.T, c *http.Client, sp *spec, email, pw, otp string) visit {
	t.Helper()
	if a := raidboxesPost(t, c, "/login/check", url.Values{"login": {email}, "password": {pw}}); a.Status != "two_factor" {
		t.Fatalf("want the code modal, got %+v", a)
	}
	raidboxesPost(t, c, "/login/two-factor", url.Values{"user[otp_attempt]": {otp}})
	return get(t, c, sp.Billing.URL)
}

var raidboxesRowRE = regexp.MustCompile(`<tr><td></td><td></td><td>([^<]+)</td><td></td><td>([^<]+)</td><td><a href="(/rechnungen/[^"]+)">`)

func TestRaidboxesSignInAndInvoices(t *testing.T) {
	s := server(t)
	p := s.Portal("raidboxes")
	email, pw, k := newUser(t, p)
	c := s.Client()

	v := get(t, c, raidboxesInvoices)
	if v.url != raidboxesLogin {
		t.Fatalf("invoices without a session: at %s", v.url)
	}
	for _, want := range []string{`id="login" name="login"`, `id="password" name="password"`, `<button type="button" id="checkUserCredentials"`,
		`<div id="login_form_errors" hidden>`, `<div id="two_factor_verification_modal" hidden>`, `class="modal_text_container"`,
		`id="user_entered_token" name="user[otp_attempt]"`, `<button type="button" id="submit"`, `<div id="usercentrics-root">`} {
		if !strings.Contains(v.body, want) {
			t.Errorf("the sign-in page lacks %s", want)
		}
	}

	if a := raidboxesPost(t, c, "/login/check", url.Values{"login": {email}, "password": {pw + "x"}}); a.Status != "error" || !strings.Contains(a.Message, "Passwort") {
		t.Errorf("wrong password: %+v", a)
	}
	if a := raidboxesPost(t, c, "/login/two-factor", url.Values{"user[otp_attempt]": {"000000"}}); a.Status != "error" {
		t.Errorf("a code without the password: %+v", a)
	}
	if a := raidboxesPost(t, c, "/login/check", url.Values{"login": {email}, "password": {pw}}); a.Status != "two_factor" {
		t.Fatalf("right password: %+v", a)
	}
	if a := raidboxesPost(t, c, "/login/two-factor", url.Values{"user[otp_attempt]": {"000000"}}); a.Status != "error" {
		t.Errorf("a wrong code: %+v", a)
	}
	if v := get(t, c, raidboxesInvoices); v.url != raidboxesLogin {
		t.Fatalf("invoices before the code: at %s", v.url)
	}
	if a := raidboxesPost(t, c, "/login/two-factor", url.Values{"user[otp_attempt]": {currentCode(t, k, time.Now())}}); a.Status != "ok" || a.Next != raidboxesInvoices {
		t.Fatalf("the right code: %+v", a)
	}

	v = get(t, c, raidboxesInvoices)
	if v.url != raidboxesInvoices || !strings.Contains(v.body, `href="/logout"`) || !strings.Contains(v.body, `<div id="data"><table>`) {
		t.Fatalf("invoices: at %s:\n%s", v.url, v.body)
	}
	rows := raidboxesRowRE.FindAllStringSubmatch(v.body, -1)
	want := p.Invoices(email)
	if len(rows) != 3 || len(want) != 3 {
		t.Fatalf("%d rows, %d invoices; want 3", len(rows), len(want))
	}
	for i, r := range rows {
		if r[1] != want[i].Number || !strings.HasSuffix(r[2], " €") {
			t.Errorf("row %d: %q, want %s (newest first)", i, r[1:], want[i].Number)
		}
	}
	if ok, body := fetchPDF(t, c, "GET", raidboxesHost+rows[0][3], nil); !ok || !strings.Contains(body, want[0].Number) {
		t.Errorf("download: %.40q", body)
	}
	if ok, _ := fetchPDF(t, s.Client(), "GET", raidboxesHost+rows[0][3], nil); ok {
		t.Error("a PDF without a session")
	}
	get(t, c, raidboxesHost+"/logout")
	if v := get(t, c, raidboxesInvoices); v.url != raidboxesLogin {
		t.Errorf("invoices after logout: at %s", v.url)
	}
}

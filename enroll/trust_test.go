package enroll_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/otpauth"
)

// htmlPost posts a form as a browser does (no JSON) and returns the page.
func (e *env) htmlPost(link, action string, form url.Values) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+link+"/"+action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, m := e.do(req)
	body, _ := m["_body"].(string)
	return resp.StatusCode, body
}

func (e *env) htmlGet(link string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+link, nil)
	resp, m := e.do(req)
	body, _ := m["_body"].(string)
	return resp.StatusCode, body
}

func (e *env) setContact(name string, c twofetch.Contact) {
	e.t.Helper()
	t, err := e.store.Tenant(context.Background(), e.tenant.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	t.DisplayName, t.Support, t.TimeZone = name, c, "Europe/Berlin"
	if err := e.store.UpdateTenant(context.Background(), t); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) lastSMS() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sent[len(e.sent)-1]
}

var contact = twofetch.Contact{Phone: "+4930123456", Email: "help@acme-books.example", URL: "https://acme-books.example/help"}

// TestTenantNamedEverywhere: the SMS and every state of the page say who
// asks, and the page gives the tenant's support contact, on errors and on
// used and expired links too.
func TestTenantNamedEverywhere(t *testing.T) {
	e := newEnv(t)
	e.setContact("Acme Books", contact)
	_, link := e.start("de")
	if sms := e.lastSMS(); !strings.HasPrefix(sms, "Acme Books bittet Sie, GitHub zu verbinden") {
		t.Fatalf("SMS does not name the tenant and the portal: %q", sms)
	}
	hasContact := func(state, body string) {
		t.Helper()
		// html/template writes + as &#43; in attributes; browsers read it back.
		for _, want := range []string{"Eine Anfrage von Acme Books", `href="tel:&#43;4930123456"`, `href="mailto:help@acme-books.example"`, `href="https://acme-books.example/help"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: page lacks %q", state, want)
			}
		}
	}
	_, body := e.htmlGet(link)
	hasContact("start", body)
	status, body := e.htmlPost(link, "key", url.Values{"key": {"not a key"}})
	if status != 422 {
		t.Fatalf("bad key: %d", status)
	}
	hasContact("error", body)
	if _, m := e.postForm(link, "key", url.Values{"key": {"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}}); m["code"] == nil {
		t.Fatalf("key: %v", m)
	}
	_, body = e.htmlGet(link)
	hasContact("received", body)
	if status, body = e.htmlPost(link, "confirm", url.Values{"own_app": {"yes"}}); status != 200 || !strings.Contains(body, "GitHub ist verbunden") {
		t.Fatalf("confirm: %d\n%s", status, body)
	}
	hasContact("confirmed", body)

	// A used link says the portal is connected, and when, in the tenant's
	// time zone and the customer's language.
	status, body = e.htmlGet(link)
	if status != http.StatusGone || !strings.Contains(body, "GitHub ist verbunden") || !regexp.MustCompile(`am \d{1,2}\. [A-ZÄ][a-zä]+ 20\d\d, \d\d:\d\d Uhr mit diesem Link verbunden`).MatchString(body) {
		t.Fatalf("used link: %d\n%s", status, body)
	}
	hasContact("connected", body)

	_, link = e.start("de")
	e.clock.Advance(25 * time.Hour)
	status, body = e.htmlGet(link)
	if status != http.StatusGone || !strings.Contains(body, "Dieser Link ist abgelaufen") {
		t.Fatalf("expired link: %d\n%s", status, body)
	}
	hasContact("expired", body)

	// Without a display name the tenant's own name is used.
	e.setContact("", twofetch.Contact{})
	_, link = e.start("en")
	if sms := e.lastSMS(); !strings.HasPrefix(sms, "Acme Books asks you to connect GitHub") {
		t.Fatalf("SMS: %q", sms)
	}
	if _, body = e.htmlGet(link); strings.Contains(body, `id="contact"`) {
		t.Error("a contact block without any contact")
	}
}

// TestOwnAppIsRequiredBeforeDone: the page does not let a customer finish
// without saying their own authenticator app scanned the code too, so
// twofetch never becomes their only authenticator.
func TestOwnAppIsRequiredBeforeDone(t *testing.T) {
	e := newEnv(t)
	_, link := e.start("nl")
	if _, m := e.postPhoto(link, qrPNG(t, testURI)); m["code"] == nil {
		t.Fatalf("photo: %v", m)
	}
	_, body := e.htmlGet(link)
	if !regexp.MustCompile(`<input type="checkbox" name="own_app" value="yes" id="own-app" required`).MatchString(body) ||
		!strings.Contains(body, "Ik heb deze QR-code ook met mijn eigen authenticator-app gescand") {
		t.Fatalf("received page without the own-app check:\n%s", body)
	}
	status, body := e.htmlPost(link, "confirm", nil)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Bevestig eerst") || !strings.Contains(body, `class="check missing"`) {
		t.Fatalf("confirm without the tick: %d\n%s", status, body)
	}
	if a, _ := e.store.Account(context.Background(), e.tenant.ID, e.account.ID); a.HasKey {
		t.Fatal("the key was confirmed without the tick")
	}
	if status, _ = e.htmlPost(link, "confirm", url.Values{"own_app": {"yes"}}); status != 200 {
		t.Fatalf("confirm with the tick: %d", status)
	}
	events, _ := e.store.ListAudit(context.Background(), e.tenant.ID, twofetch.Page{Limit: 50})
	found := false
	for _, ev := range events {
		found = found || ev.Action == "enrollment.confirmed" && ev.Detail == "own app scanned too"
	}
	if !found {
		t.Error("the audit log does not record the customer's own app")
	}
}

// TestRefusedCodeSaysWhatToTry: the second answer keeps the key, shows a
// code and what to try, and is recorded for support.
func TestRefusedCodeSaysWhatToTry(t *testing.T) {
	e := newEnv(t)
	_, link := e.start("en")
	if _, m := e.postPhoto(link, qrPNG(t, testURI)); m["code"] == nil {
		t.Fatalf("photo: %v", m)
	}
	status, body := e.htmlPost(link, "refused", nil)
	if status != 200 {
		t.Fatalf("refused: %d", status)
	}
	for _, want := range []string{`id="refused-help"`, "Type the code shown now", "photographed the QR code GitHub shows right now", "sets its date and time automatically", `id="code"`, `<details class="again" open>`} {
		if !strings.Contains(body, want) {
			t.Errorf("refused page lacks %q", want)
		}
	}
	events, _ := e.store.ListAudit(context.Background(), e.tenant.ID, twofetch.Page{Limit: 50})
	found := false
	for _, ev := range events {
		found = found || ev.Action == "enrollment.code_refused"
	}
	if !found {
		t.Error("refusal not in the audit log")
	}
}

// TestRefusedKeyKeptAndExplained: a refused typed key stays in the field
// and the reason is given in the customer's language.
func TestRefusedKeyKeptAndExplained(t *testing.T) {
	e := newEnv(t)
	_, link := e.start("de")
	typed := "JBSWY3DPEHPK3PXP0BSWY3DPEHPK3PXP"
	status, body := e.htmlPost(link, "key", url.Values{"key": {typed}})
	if status != 422 {
		t.Fatalf("bad key: %d", status)
	}
	for _, want := range []string{`value="` + typed + `"`, `aria-invalid="true"`, "Dieser Einrichtungsschlüssel ist nicht verwendbar: Er enthält eine 0, 1, 8 oder 9", "Buchstabe O, I, L oder B"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	_, body = e.htmlPost(link, "key", url.Values{"key": {"otpauth://totp/X?issuer=X"}})
	if !strings.Contains(body, "Er enthält keinen geheimen Schlüssel.") {
		t.Errorf("no-secret reason not in German:\n%s", body)
	}
}

// TestCodeAnswersAtOnce: a key entered in a window's last seconds gets the
// next window's code at once, with the time it starts, instead of a wait.
func TestCodeAnswersAtOnce(t *testing.T) {
	e := newEnv(t)
	keys, _ := otpauth.Parse(testURI)
	k := keys[0]
	now := e.now()
	e.clock.Advance(k.StepEnd(k.Step(now)).Sub(now) - 2*time.Second)
	_, link := e.start("en")
	resp, m := e.postForm(link, "key", url.Values{"key": {testURI}})
	if resp.StatusCode != 200 {
		t.Fatalf("key: %d %v", resp.StatusCode, m)
	}
	from, ok := m["valid_from"].(string)
	if !ok {
		t.Fatalf("2 s before a window ends the code has no valid_from: %v", m)
	}
	start, _ := time.Parse(time.RFC3339Nano, from)
	if want, _ := k.CodeAt(start); m["code"] != want {
		t.Fatalf("code %v, want the next window's %s", m["code"], want)
	}
	_, body := e.htmlGet(link)
	if !strings.Contains(body, `data-valid-from="`) || !strings.Contains(body, "Valid in 2 seconds") || !strings.Contains(body, "Code: "+strings.Join(strings.Split(want(k, start), ""), " ")) {
		t.Fatalf("page does not show the next code as upcoming:\n%s", body)
	}
}

func want(k *otpauth.Key, at time.Time) string {
	c, _ := k.CodeAt(at)
	return c
}

// TestRenewAfterExpiry: an expired link offers a new one, sent to the same
// phone through the usual limits, and a link replaced by a newer one
// re-sends the newer one instead of starting yet another.
func TestRenewAfterExpiry(t *testing.T) {
	e := newEnv(t)
	_, link := e.start("en")
	e.clock.Advance(25 * time.Hour)
	status, body := e.htmlPost(link, "renew", nil)
	if status != 200 || !strings.Contains(body, "A new link is on its way to your phone number ending in 78") {
		t.Fatalf("renew: %d\n%s", status, body)
	}
	newLink := regexp.MustCompile(`/e/[A-Za-z0-9_]+`).FindString(e.lastSMS())
	if newLink == "" || newLink == link {
		t.Fatalf("no new link in %q", e.lastSMS())
	}
	if status, _ := e.htmlGet(newLink); status != 200 {
		t.Fatalf("new link: %d", status)
	}

	// The old link was replaced by the new one, which is still open: it is
	// sent again, and no third enrolment starts.
	e.clock.Advance(2 * time.Minute)
	sent := len(e.sent)
	status, body = e.htmlPost(link, "renew", nil)
	if status != 200 || !strings.Contains(body, "A newer link had already been sent") {
		t.Fatalf("renew of a replaced link: %d\n%s", status, body)
	}
	if len(e.sent) != sent+1 || !strings.Contains(e.lastSMS(), newLink) {
		t.Fatalf("the newer link was not sent again: %q", e.lastSMS())
	}
	if status, _ := e.htmlGet(newLink); status != 200 {
		t.Fatalf("re-sending ended the newer link: %d", status)
	}

	// A link asks at most three times an hour.
	e.clock.Advance(2 * time.Minute)
	e.htmlPost(link, "renew", nil)
	e.clock.Advance(2 * time.Minute)
	if status, _ = e.htmlPost(link, "renew", nil); status != http.StatusTooManyRequests {
		t.Fatalf("fourth renew in an hour: %d, want 429", status)
	}

	// A working link has nothing to renew; a used one neither.
	if status, _ = e.htmlPost(newLink, "renew", nil); status != http.StatusSeeOther && status != 200 {
		t.Fatalf("renew of a working link: %d", status)
	}
}

// TestRenewFromStatusPage: the status page's new link goes to the phone of
// the account's last enrolment: the open link again, else a new one.
func TestRenewFromStatusPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.svc.RenewAccount(ctx, e.tenant, e.account.ID); twofetch.ErrorCode(err) != twofetch.ENOTFOUND {
		t.Fatalf("without any enrolment: %v", err)
	}
	_, link := e.start("nl")
	sent := len(e.sent)
	ending, err := e.svc.RenewAccount(ctx, e.tenant, e.account.ID)
	if err != nil || ending != "78" || len(e.sent) != sent+1 || !strings.Contains(e.lastSMS(), link) {
		t.Fatalf("open link: %q %v, SMS %q", ending, err, e.lastSMS())
	}
	e.clock.Advance(25 * time.Hour)
	if _, err := e.svc.RenewAccount(ctx, e.tenant, e.account.ID); err != nil {
		t.Fatal(err)
	}
	sms := e.lastSMS()
	if strings.Contains(sms, link) || !strings.Contains(sms, "vraagt u GitHub te koppelen") {
		t.Fatalf("after expiry a new link in the customer's language is due: %q", sms)
	}
	// An account asks at most three times an hour.
	if _, err := e.svc.RenewAccount(ctx, e.tenant, e.account.ID); err != nil {
		t.Fatalf("third renewal: %v", err)
	}
	if _, err := e.svc.RenewAccount(ctx, e.tenant, e.account.ID); twofetch.ErrorCode(err) != twofetch.ERATELIMITED {
		t.Fatalf("fourth renewal within the hour: %v, want rate_limited", err)
	}
}

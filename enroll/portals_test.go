package enroll_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/enroll"
)

// testPortalInfo describes the test portals' second factors: github offers
// codes and recovery codes, approval-only asks for approval in an app.
func testPortalInfo(id string) enroll.PortalInfo {
	switch id {
	case "approval-only":
		return enroll.PortalInfo{TwoFactor: []string{"push"}, PushApp: "smartIDENT"}
	case "helped":
		return enroll.PortalInfo{TwoFactor: []string{"totp"}, Help: &enroll.Help{
			SettingsURL: "https://id.acme.example/security",
			Wording:     "two-step",
			Path:        map[string]string{"en": "Security → Two-step login → Authenticator app", "de": "Sicherheit → Zweistufige Anmeldung → Authenticator-App"},
			CantScan:    map[string]string{"en": "Enter a key instead", "de": "Stattdessen Schlüssel eingeben"},
			Note:        map[string]string{"en": "Set up the Acme app first."},
		}}
	case "github":
		return enroll.PortalInfo{TwoFactor: []string{"totp", "recovery_codes"}}
	case "sms-only":
		return enroll.PortalInfo{TwoFactor: []string{"sms", "call"}}
	}
	return enroll.PortalInfo{TwoFactor: []string{"totp"}}
}

func (e *env) page(link string) string {
	e.t.Helper()
	resp, err := http.Get(e.srv.URL + link)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET %s: %d\n%s", link, resp.StatusCode, b)
	}
	return string(b)
}

var shownCode = regexp.MustCompile(`id="code"[^>]*data-code="(\d{6})"`)

// A MobilePASS code stays valid until used and each one advances the
// counter: the page shows the first one on every reload, without the
// countdown that would fetch the next, and the account's first login gets
// the very next counter.
func TestCounterKeyShowsOneCode(t *testing.T) {
	e := newEnv(t)
	_, link := e.start("de")
	// The test vector of otpauth: counters 0 and 1 give these codes.
	const activation, first, second = "XUU75-RROTT-Y5IP6-U3BMV", "246805", "598141"
	resp, m := e.postForm(link, "key", url.Values{"key": {activation}})
	if resp.StatusCode != http.StatusOK || m["code"] != first {
		t.Fatalf("MobilePASS token: %d %v, want code %s", resp.StatusCode, m, first)
	}
	for range 3 {
		body := e.page(link)
		c := shownCode.FindStringSubmatch(body)
		if c == nil || c[1] != first {
			t.Fatalf("reload shows %v, want the code %s again:\n%s", c, first, body)
		}
		if strings.Contains(body, `id="countdown"`) || strings.Contains(body, "data-code-url") || !strings.Contains(body, `id="counter-hint"`) {
			t.Fatalf("a counter-based code is shown with a countdown:\n%s", body)
		}
	}
	if resp, m := e.postForm(link, "confirm", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("confirm: %d %v", resp.StatusCode, m)
	}
	c, err := e.vault.Code(context.Background(), twofetch.SecretRef{TenantID: e.tenant.ID, AccountID: e.account.ID, Field: twofetch.FieldTOTP})
	if err != nil {
		t.Fatal(err)
	}
	if c.Value != second {
		t.Fatalf("first code after enrolment is %s, want %s (counter 1)", c.Value, second)
	}
}

// A portal that only asks for approval in its app gets a page that says
// this cannot be automated, and no upload forms; a portal with recovery
// codes offers to keep them from the start.
func TestPortalSecondFactorsOnThePage(t *testing.T) {
	e := newEnv(t)
	e.account = e.newAccount(e.tenant, "approval-only")
	_, link := e.start("de")
	body := e.page(link)
	for _, want := range []string{`id="state-approval"`, "in der smartIDENT-App auf Ihrem Smartphone freigeben", "nie automatisch", "Laden Sie Ihre Unterlagen selbst"} {
		if !strings.Contains(body, want) {
			t.Errorf("approval-only page lacks %q", want)
		}
	}
	// Nothing is stored for such a portal, so the page does not say how a
	// key is kept either.
	for _, unwanted := range []string{`id="photo-form"`, `id="key-form"`, `id="recovery"`, "<footer>"} {
		if strings.Contains(body, unwanted) {
			t.Errorf("approval-only page offers %q", unwanted)
		}
	}
	e.mu.Lock()
	e.sent = nil
	e.mu.Unlock()

	e.account = e.newAccount(e.tenant, "github")
	_, link = e.start("nl")
	body = e.page(link)
	if !regexp.MustCompile(`id="recovery"[^<]*>\s*<h2>Herstelcodes</h2>\s*<p>GitHub toont[^<]*</p>\s*<details>`).MatchString(body) || !strings.Contains(body, `id="photo-form"`) {
		t.Errorf("page of a portal with recovery codes:\n%s", body)
	}
}

// A portal's enrolment help from its script reaches the page in the
// customer's language, English standing in where the script has none and
// the page saying so.
func TestPortalHelpOnThePage(t *testing.T) {
	e := newEnv(t)
	e.account = e.newAccount(e.tenant, "helped")
	_, link := e.start("de")
	body := flatPath(e.page(link))
	for _, want := range []string{`href="https://id.acme.example/security"`, "Sicherheit → Zweistufige Anmeldung → Authenticator-App",
		"„Stattdessen Schlüssel eingeben“", "Set up the Acme app first."} {
		if !strings.Contains(body, want) {
			t.Errorf("German page lacks %q:\n%s", want, body)
		}
	}
	_, link = e.start("nl")
	body = flatPath(e.page(link))
	if !strings.Contains(body, "Security → Two-step login → Authenticator app") || !strings.Contains(body, "Enter a key instead") ||
		!regexp.MustCompile(`id="menus-in">[^<]*staan hier in het Engels`).MatchString(body) {
		t.Errorf("Dutch page without Dutch help lacks the English one, or does not say it is English:\n%s", body)
	}

	// A portal without help keeps the general wording.
	e.account = e.newAccount(e.tenant, "github")
	_, link = e.start("en")
	if body := e.page(link); strings.Contains(body, `id="settings-path"`) || !strings.Contains(body, "We do not know the exact way to it in GitHub") || !strings.Contains(body, "can&#39;t scan?") {
		t.Errorf("page of a portal without help:\n%s", body)
	}
}

// A portal that sends its codes by text or call only (Indeed) has no QR
// code and no key: an enrolment would send the customer looking for a
// setup page that does not exist, so none is started and nothing is sent.
func TestNoAuthenticatorAppNoEnrolment(t *testing.T) {
	e := newEnv(t)
	e.account = e.newAccount(e.tenant, "sms-only")
	resp, m := e.api("POST", "/api/v1/accounts/"+e.account.ID+"/enrollments", e.token,
		map[string]string{"phone": "+49 151 1234 5678", "language": "en"})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(fmt.Sprint(m), "no authenticator app") {
		t.Fatalf("enrolment for a portal without an authenticator app: %d %v, want 400 naming the reason", resp.StatusCode, m)
	}
	e.mu.Lock()
	sent := len(e.sent)
	e.mu.Unlock()
	if sent != 0 {
		t.Errorf("%d SMS sent for an enrolment that was refused", sent)
	}
	if es, err := e.store.ListEnrollments(context.Background(), e.tenant.ID, e.account.ID); err != nil || len(es) != 0 {
		t.Errorf("a refused enrolment was stored: %d (%v)", len(es), err)
	}
}

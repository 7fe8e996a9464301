package enroll_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/otpauth"
)

const attackerURI = "otpauth://totp/GitHub:octocat?secret=KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU&issuer=GitHub"

// Someone holds an old enrolment link (an SMS to a phone the customer no
// longer has, a forwarded message). The operator starts a new enrolment and
// the customer enters the real key on the new link. The old link must be
// dead: it can neither read the codes of the customer's key nor put its own
// key in place of it.
func TestAttackOldLinkTakesOverEnrolment(t *testing.T) {
	e := newEnv(t)
	_, oldLink := e.start("en")
	if resp, m := e.postForm(oldLink, "key", url.Values{"key": {attackerURI}}); resp.StatusCode != 200 {
		t.Fatalf("key on the first link: %d %v", resp.StatusCode, m)
	}

	_, newLink := e.start("en")
	if resp, m := e.postForm(newLink, "key", url.Values{"key": {testURI}}); resp.StatusCode != 200 {
		t.Fatalf("customer's key on the new link: %d %v", resp.StatusCode, m)
	}

	req, _ := http.NewRequest("GET", e.srv.URL+oldLink+"/code", nil)
	req.Header.Set("Accept", "application/json")
	if resp, m := e.do(req); resp.StatusCode != http.StatusGone {
		t.Errorf("old link read a code: %d %v", resp.StatusCode, m)
	}
	if resp, _ := e.postForm(oldLink, "key", url.Values{"key": {attackerURI}}); resp.StatusCode != http.StatusGone {
		t.Errorf("old link replaced the pending key: %d", resp.StatusCode)
	}
	if resp, _ := e.postForm(oldLink, "confirm", nil); resp.StatusCode != http.StatusGone {
		t.Errorf("old link confirmed: %d", resp.StatusCode)
	}
	req, _ = http.NewRequest("GET", e.srv.URL+oldLink, nil)
	if resp, _ := e.do(req); resp.StatusCode != http.StatusGone {
		t.Errorf("old link page: %d, want 410", resp.StatusCode)
	}

	if resp, m := e.postForm(newLink, "confirm", nil); resp.StatusCode != 200 {
		t.Fatalf("customer confirms: %d %v", resp.StatusCode, m)
	}
	c, err := e.vault.Code(context.Background(), twofetch.SecretRef{TenantID: e.tenant.ID, AccountID: e.account.ID, Field: twofetch.FieldTOTP})
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := otpauth.Parse(testURI)
	if want, _ := keys[0].CodeAt(c.ValidUntil.Add(-1)); c.Value != want {
		t.Errorf("the account's key is not the customer's: code %s, want %s", c.Value, want)
	}
}

// Starting enrolments in a loop sends SMS the operator pays for and floods
// a phone. Starts are limited per account, per phone number and per tenant,
// answered 429 with Retry-After.
func TestAttackEnrolmentSMSPumping(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/accounts/" + e.account.ID + "/enrollments"
	body := map[string]string{"phone": "+49 151 1234 5678"}
	var last *http.Response
	started := 0
	for range 20 {
		last, _ = e.api("POST", path, e.token, body)
		if last.StatusCode != http.StatusCreated {
			break
		}
		started++
	}
	if last.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("20 enrolments of one account in a row: last answered %d", last.StatusCode)
	}
	if s, err := strconv.Atoi(last.Header.Get("Retry-After")); err != nil || s <= 0 || s > 3600 {
		t.Errorf("Retry-After = %q", last.Header.Get("Retry-After"))
	}
	if started > 5 {
		t.Errorf("%d enrolments of one account started within the hour", started)
	}

	// Other accounts, one phone number: the phone's limit holds.
	phoneStarted := 0
	for range 20 {
		a := e.newAccount(e.tenant, "github")
		resp, _ := e.api("POST", "/api/v1/accounts/"+a.ID+"/enrollments", e.token, map[string]string{"phone": "+49 151 7777 0000"})
		if resp.StatusCode == http.StatusTooManyRequests {
			break
		}
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("start: %d", resp.StatusCode)
		}
		phoneStarted++
	}
	if phoneStarted > 5 {
		t.Errorf("%d enrolments to one phone number within the hour", phoneStarted)
	}
	e.mu.Lock()
	sent := len(e.sent)
	e.mu.Unlock()
	if sent > started+phoneStarted {
		t.Errorf("%d SMS sent for %d enrolments", sent, started+phoneStarted)
	}
}

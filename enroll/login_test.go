package enroll_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
)

// TestLoginEnrolmentServesEveryAccount enrols the key of a login shared by
// two accounts through the login's route: one scan, and both accounts have
// the key and open codes from it.
func TestLoginEnrolmentServesEveryAccount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := time.Now().UTC()
	second := &twofetch.Account{TenantID: e.tenant.ID, LoginID: e.account.LoginID, Portal: "github", Username: e.account.Username,
		Status: twofetch.AccountNeedsEnrollment, CreatedAt: now}
	if err := e.store.CreateAccount(ctx, second); err != nil {
		t.Fatal(err)
	}
	_, otherToken := e.newTenant("Other")
	path := "/api/v1/logins/" + e.account.LoginID + "/enrollments"
	body := map[string]string{"phone": "+49 151 1234 5678", "language": "en"}
	if resp, m := e.api("POST", path, otherToken, body); resp.StatusCode != 404 {
		t.Fatalf("another tenant enrols the login: %d %v", resp.StatusCode, m)
	}
	if resp, m := e.api("POST", "/api/v1/logins/lgn_missing/enrollments", e.token, body); resp.StatusCode != 404 {
		t.Fatalf("unknown login: %d %v", resp.StatusCode, m)
	}
	resp, m := e.api("POST", path, e.token, body)
	if resp.StatusCode != 201 || m["login_id"] != e.account.LoginID {
		t.Fatalf("login enrolment: %d %v", resp.StatusCode, m)
	}
	e.mu.Lock()
	sms := e.sent[len(e.sent)-1]
	e.mu.Unlock()
	link := regexp.MustCompile(`http://enroll\.test(/e/[A-Za-z0-9_]+)`).FindStringSubmatch(sms)
	if link == nil {
		t.Fatalf("SMS has no link: %q", sms)
	}
	if resp, m := e.postPhoto(link[1], qrPNG(t, testURI)); resp.StatusCode != 200 {
		t.Fatalf("photo: %d %v", resp.StatusCode, m)
	}
	if resp, m := e.postForm(link[1], "confirm", nil); resp.StatusCode != 200 {
		t.Fatalf("confirm: %d %v", resp.StatusCode, m)
	}
	for _, id := range []string{e.account.ID, second.ID} {
		a, err := e.store.Account(ctx, e.tenant.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if !a.HasKey || a.Status != twofetch.AccountActive {
			t.Fatalf("account %s after its login's enrolment: has_key=%v status=%s", id, a.HasKey, a.Status)
		}
		if _, err := e.vault.Code(ctx, twofetch.LoginSecret(a, twofetch.FieldTOTP)); err != nil {
			t.Fatalf("account %s has no code: %v", id, err)
		}
	}
}

package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
)

// TestRerunAfterPasswordChange: a run the portal refused for its password
// offers no re-run, on the failing runs page, on the run page and to a
// posted form, until the login's password is set again through the API;
// from then on it does, and the re-run is queued.
func TestRerunAfterPasswordChange(t *testing.T) {
	pe := newPipeEnv(t)
	ctx := context.Background()
	acct := pe.createAccount(t, pe.aAPI, "demo", "refused@example.com", "old-portal-password")
	a, err := pe.store.Account(ctx, pe.a.ID, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The run ends after the password was given, as in life.
	run := &twofetch.Run{ID: twofetch.NewID("run"), TenantID: a.TenantID, AccountID: a.ID, Portal: a.Portal, Trigger: twofetch.TriggerSchedule, CreatedAt: time.Now().UTC()}
	if err := pe.store.CreateRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	end := time.Now().UTC()
	run.StartedAt, run.FinishedAt, run.Outcome, run.Detail, run.Attempt = &run.CreatedAt, &end, twofetch.OutcomeBadCredentials, "Incorrect username or password.", 1
	if err := pe.store.UpdateRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	c := pe.browser(t)
	c.login(t, pe.aAdmin)
	rerunForm := `action="/support/runs/` + run.ID + `/rerun"`

	home := string(c.get(t, "/support").body)
	if !strings.Contains(home, "No re-run until the password changes") || !strings.Contains(home, "PATCH /api/v1/logins/"+a.LoginOrOwnID()) || strings.Contains(home, rerunForm) {
		t.Errorf("before the change, /support offers a re-run or does not say why not:\n%s", home)
	}
	page := string(c.get(t, "/support/runs/"+run.ID).body)
	if !strings.Contains(page, `id="no-rerun"`) || strings.Contains(page, rerunForm) {
		t.Errorf("before the change, the run page offers a re-run:\n%s", page)
	}
	res := c.post(t, "/support/runs/"+run.ID+"/rerun", nil)
	if res.status != http.StatusSeeOther || !strings.HasSuffix(res.header.Get("Location"), "?error=password") {
		t.Errorf("a posted re-run before the change: %d %q", res.status, res.header.Get("Location"))
	}
	if runs, _ := pe.store.ListRuns(ctx, twofetch.RunFilter{TenantID: pe.a.ID, AccountID: a.ID, Page: twofetch.Page{Limit: 5}}); len(runs) != 1 {
		t.Fatalf("a run was queued before the password changed: %d runs", len(runs))
	}

	// What the API refuses, and then the change itself.
	for _, body := range []map[string]any{{}, {"password": ""}, {"password": strings.Repeat("x", 1025)}} {
		if res := pe.do(t, "PATCH", "/api/v1/logins/"+a.LoginOrOwnID(), pe.aAPI, body); res.status != http.StatusBadRequest {
			t.Errorf("PATCH %v: %d %s", body, res.status, res.body)
		}
	}
	if res := pe.do(t, "PATCH", "/api/v1/logins/"+a.LoginOrOwnID(), pe.bAPI, map[string]string{"password": "new"}); res.status != http.StatusNotFound {
		t.Errorf("another tenant's PATCH: %d", res.status)
	}
	if res := pe.do(t, "PATCH", "/api/v1/logins/"+a.LoginOrOwnID(), pe.aAPI, map[string]string{"password": "new-portal-password"}); res.status != http.StatusOK || strings.Contains(string(res.body), "new-portal-password") {
		t.Fatalf("PATCH the password: %d %s", res.status, res.body)
	}
	if got, err := pe.vault.Open(ctx, twofetch.LoginSecret(a, twofetch.FieldPassword)); err != nil || string(got) != "new-portal-password" {
		t.Fatalf("the vault holds %q, %v", got, err)
	}

	home = string(c.get(t, "/support").body)
	if !strings.Contains(home, rerunForm) || strings.Contains(home, "No re-run until the password changes") {
		t.Errorf("after the change, /support offers no re-run:\n%s", home)
	}
	if page := string(c.get(t, "/support/runs/"+run.ID).body); !strings.Contains(page, `id="rerun"`) || strings.Contains(page, `id="no-rerun"`) {
		t.Errorf("after the change, the run page offers no re-run:\n%s", page)
	}
	res = c.post(t, "/support/runs/"+run.ID+"/rerun", nil)
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/support/runs/run") || strings.Contains(res.header.Get("Location"), run.ID) {
		t.Fatalf("re-run after the change: %d %q", res.status, res.header.Get("Location"))
	}
	if runs, _ := pe.store.ListRuns(ctx, twofetch.RunFilter{TenantID: pe.a.ID, AccountID: a.ID, Page: twofetch.Page{Limit: 5}}); len(runs) != 2 || runs[0].Outcome != "" {
		t.Errorf("no queued re-run after the change: %+v", runs)
	}
}

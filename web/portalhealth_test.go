package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/web"
)

type fakeScripts struct{ refused []web.RefusedScript }

func (fakeScripts) Version(id string) string       { return "v-now-" + id }
func (fakeScripts) Origin(string) string           { return "built-in" }
func (f fakeScripts) Refused() []web.RefusedScript { return f.refused }

func TestPortalHealth(t *testing.T) {
	pe := newPipeEnv(t)
	scripts := fakeScripts{refused: []web.RefusedScript{{File: "demo.yaml", Problems: []string{"demo.yaml:3 (/login): required"}, Since: time.Now(), InUse: "v-now-demo"}}}
	pe.pipe.MountPortalHealth(pe.srv, scripts)
	now := time.Now()
	other := pe.createAccount(t, pe.aAPI, "other", "carol@example.com", "other-portal-password")
	// demo: fine all week, failing today; other: fine.
	for i := 2; i <= 5; i++ {
		pe.addRun(t, pe.aAcct, now.Add(-time.Duration(i)*24*time.Hour), twofetch.OutcomeOK)
	}
	for range 3 {
		pe.addRun(t, other, now.Add(-time.Hour), twofetch.OutcomeOK)
	}
	var fail *twofetch.Run
	for i := range 3 {
		fail = pe.addRun(t, pe.aAcct, now.Add(-time.Duration(3-i)*time.Hour), twofetch.OutcomePortalChanged)
	}
	if err := pe.store.(interface {
		SetRunScript(context.Context, string, string, string, string) error
	}).SetRunScript(context.Background(), fail.TenantID, fail.ID, "abc123def456", "login/2"); err != nil {
		t.Fatal(err)
	}
	// Another tenant's failure never shows in this tenant's view.
	pe.addRun(t, pe.bAcct, now.Add(-time.Minute), twofetch.OutcomeBadCredentials)

	res := pe.do(t, "GET", "/api/v1/portals/health", pe.aAPI, nil)
	if res.status != http.StatusOK {
		t.Fatalf("health: %d %s", res.status, res.body)
	}
	var v struct {
		Scope   string
		Portals []struct {
			Portal         string
			Name           string
			Runs24h        int                  `json:"runs_24h"`
			SuccessRate24h float64              `json:"success_rate_24h"`
			Runs7d         int                  `json:"runs_7d"`
			Outcomes7d     map[string]int       `json:"outcomes_7d"`
			FailingStep    string               `json:"failing_step"`
			ScriptVersion  string               `json:"script_version"`
			ScriptInUse    string               `json:"script_in_use"`
			NewestFailure  *struct{ ID string } `json:"newest_failure"`
			NewestFailURL  string               `json:"newest_failure_url"`
			Degraded       bool
			LastSuccess    *time.Time `json:"last_success"`
		}
		Refused []web.RefusedScript `json:"refused_scripts"`
	}
	if err := json.Unmarshal(res.body, &v); err != nil {
		t.Fatal(err)
	}
	if v.Scope != "tenant" || len(v.Portals) != 2 || v.Portals[0].Portal != "demo" || v.Portals[1].Portal != "other" {
		t.Fatalf("portals, worst first: %s", res.body)
	}
	d := v.Portals[0]
	if d.Name != "Demo Shop" || d.Runs24h != 3 || d.SuccessRate24h != 0 || d.Runs7d != 7 || d.Outcomes7d["ok"] != 4 || d.Outcomes7d["portal_changed"] != 3 ||
		d.Outcomes7d["bad_credentials"] != 0 || d.FailingStep != "login/2" || d.ScriptVersion != "abc123def456" || d.ScriptInUse != "v-now-demo" ||
		d.NewestFailure == nil || d.NewestFailure.ID != fail.ID || d.NewestFailURL != "/support/runs/"+fail.ID || !d.Degraded || d.LastSuccess == nil {
		t.Fatalf("demo: %+v", d)
	}
	if o := v.Portals[1]; o.Degraded || o.SuccessRate24h != 1 || o.NewestFailure != nil {
		t.Fatalf("other: %+v", o)
	}
	if len(v.Refused) != 1 || v.Refused[0].File != "demo.yaml" {
		t.Fatalf("refused: %+v", v.Refused)
	}
	if res := pe.do(t, "GET", "/api/v1/portals/health", "", nil); res.status != http.StatusUnauthorized {
		t.Fatalf("without a token: %d", res.status)
	}

	c := pe.browser(t)
	if res := c.get(t, "/support/portals"); res.status != http.StatusSeeOther {
		t.Fatalf("page without login: %d", res.status)
	}
	c.login(t, pe.aAdmin)
	page := c.get(t, "/support/portals")
	body := string(page.body)
	if page.status != http.StatusOK {
		t.Fatalf("page: %d %s", page.status, body)
	}
	for _, want := range []string{`data-portal="demo"`, "degraded", "login/2", "abc123def456", `href="/support/runs/` + fail.ID + `"`, "demo.yaml:3 (/login): required"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Index(body, `data-portal="demo"`) > strings.Index(body, `data-portal="other"`) {
		t.Error("the worst portal is not first")
	}
}

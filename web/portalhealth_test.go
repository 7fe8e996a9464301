package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
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

const operatorToken = "operator-secret-for-health-tests"

// failWithArtifacts records a failed run of a with a step log in the blob
// store, as a worker keeps it.
func (pe *pipeEnv) failWithArtifacts(t *testing.T, a *twofetch.Account, at time.Time, log string) *twofetch.Run {
	t.Helper()
	ctx := context.Background()
	r := pe.addRun(t, a, at, twofetch.OutcomePortalChanged)
	if err := pe.blob.Put(ctx, twofetch.ArtifactPrefix(r.ID)+"steps.log", strings.NewReader(log), int64(len(log)), "text/plain"); err != nil {
		t.Fatal(err)
	}
	r.Artifacts = twofetch.ArtifactPrefix(r.ID)
	if err := pe.store.UpdateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	return r
}

type healthBody struct {
	Scope   string
	Portals []struct {
		Portal           string
		Runs7d           int                  `json:"runs_7d"`
		Outcomes7d       map[string]int       `json:"outcomes_7d"`
		NewestFailURL    string               `json:"newest_failure_url"`
		NewestFailTenant string               `json:"newest_failure_tenant"`
		NewestFailure    *struct{ ID string } `json:"newest_failure"`
	}
}

func decodeHealth(t *testing.T, res response) healthBody {
	t.Helper()
	if res.status != http.StatusOK {
		t.Fatalf("health: %d %s", res.status, res.body)
	}
	var v healthBody
	if err := json.Unmarshal(res.body, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// The operator sees every tenant's runs of a portal summed, with the
// newest failure's tenant and artifacts, over the API and on the page.
func TestPortalHealthOperator(t *testing.T) {
	pe := newPipeEnv(t, func(p *web.Pipeline) { p.OperatorToken = operatorToken })
	pe.pipe.MountPortalHealth(pe.srv, fakeScripts{})
	now := time.Now()
	pe.addRun(t, pe.aAcct, now.Add(-3*time.Hour), twofetch.OutcomeOK)
	pe.addRun(t, pe.bAcct, now.Add(-2*time.Hour), twofetch.OutcomeOK)
	bFail := pe.failWithArtifacts(t, pe.bAcct, now.Add(-time.Hour), "login/1 wait: the e-mail field never appeared")

	v := decodeHealth(t, pe.do(t, "GET", "/api/v1/portals/health", operatorToken, nil))
	if v.Scope != "all" || len(v.Portals) != 1 {
		t.Fatalf("operator view: %+v", v)
	}
	d := v.Portals[0]
	want := "/support/portals/runs/" + pe.b.ID + "/" + bFail.ID + "/screenshot.png"
	if d.Runs7d != 3 || d.Outcomes7d["ok"] != 2 || d.Outcomes7d["portal_changed"] != 1 || d.NewestFailure == nil ||
		d.NewestFailure.ID != bFail.ID || d.NewestFailTenant != "Beta Books" || d.NewestFailURL != want {
		t.Fatalf("demo across tenants: %+v", d)
	}
	log := pe.do(t, "GET", strings.TrimSuffix(want, "screenshot.png")+"steps.log", operatorToken, nil)
	if log.status != http.StatusOK || !strings.Contains(string(log.body), "the e-mail field never appeared") {
		t.Fatalf("operator reads the step log: %d %s", log.status, log.body)
	}

	c := pe.browser(t)
	if res := c.post(t, "/support/login", url.Values{"token": {operatorToken}}); res.status != http.StatusSeeOther {
		t.Fatalf("operator sign-in: %d", res.status)
	}
	page := c.get(t, "/support/portals")
	body := string(page.body)
	if page.status != http.StatusOK {
		t.Fatalf("operator page: %d %s", page.status, body)
	}
	for _, w := range []string{"all tenants", `data-portal="demo"`, "Beta Books", `href="` + strings.TrimSuffix(want, "screenshot.png") + `steps.log"`} {
		if !strings.Contains(body, w) {
			t.Errorf("operator page lacks %q", w)
		}
	}
	if res := c.get(t, strings.TrimSuffix(want, "screenshot.png")+"steps.log"); res.status != http.StatusOK {
		t.Errorf("operator session reads the step log: %d", res.status)
	}
}

// A tenant's token or support session sees its own runs only: no query,
// header or path turns a tenant's view into the operators', and the
// operators' artifact links refuse tenants.
func TestAttackTenantReadsOtherTenantsHealth(t *testing.T) {
	pe := newPipeEnv(t, func(p *web.Pipeline) { p.OperatorToken = operatorToken })
	pe.pipe.MountPortalHealth(pe.srv, fakeScripts{})
	now := time.Now()
	pe.addRun(t, pe.aAcct, now.Add(-2*time.Hour), twofetch.OutcomeOK)
	bFail := pe.failWithArtifacts(t, pe.bAcct, now.Add(-time.Hour), "beta's step log")
	artifact := "/support/portals/runs/" + pe.b.ID + "/" + bFail.ID + "/steps.log"

	for _, path := range []string{"/api/v1/portals/health", "/api/v1/portals/health?scope=all", "/api/v1/portals/health?tenant=" + pe.b.ID} {
		for _, tok := range []string{pe.aAPI, pe.aAdmin} {
			res := pe.do(t, "GET", path, tok, nil)
			if res.status == http.StatusUnauthorized && tok == pe.aAdmin {
				continue // the admin token is not an API token
			}
			v := decodeHealth(t, res)
			if v.Scope != "tenant" || len(v.Portals) != 1 || v.Portals[0].Runs7d != 1 || v.Portals[0].NewestFailure != nil ||
				strings.Contains(string(res.body), bFail.ID) || strings.Contains(string(res.body), "Beta") {
				t.Errorf("%s with tenant A's token shows more than A's runs: %s", path, res.body)
			}
		}
	}
	for _, tok := range []string{"", pe.aAPI, pe.aAdmin, operatorToken + "x"} {
		// Without a token the answer is the sign-in page.
		res := pe.do(t, "GET", artifact, tok, nil)
		if (res.status == http.StatusOK && !strings.Contains(string(res.body), "Support sign-in")) || strings.Contains(string(res.body), "beta's step log") {
			t.Errorf("artifact with token %q: %d %s", tok, res.status, res.body)
		}
	}
	if res := pe.do(t, "GET", "/api/v1/portals/health", operatorToken+"x", nil); res.status != http.StatusUnauthorized {
		t.Errorf("a wrong operator token: %d", res.status)
	}
	c := pe.browser(t)
	c.login(t, pe.aAdmin)
	page := c.get(t, "/support/portals")
	if page.status != http.StatusOK || strings.Contains(string(page.body), bFail.ID) || strings.Contains(string(page.body), "all tenants") {
		t.Errorf("tenant A's page: %d %s", page.status, page.body)
	}
	if res := c.get(t, artifact); res.status == http.StatusOK || strings.Contains(string(res.body), "beta's step log") {
		t.Errorf("tenant A's session reads B's artifact: %d", res.status)
	}
}

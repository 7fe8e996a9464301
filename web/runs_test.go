package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/blob"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/metrics"
	"github.com/twofetch/twofetch/web"
	"github.com/twofetch/twofetch/workers"
)

// pipeEnv is env plus the pipeline endpoints on a real Redis queue, a
// real blob directory and an artifact directory, with two tenants.
type pipeEnv struct {
	*env
	pipe      *web.Pipeline
	blob      blob.Store
	redisOpt  asynq.RedisConnOpt
	artifacts string

	a, b         *twofetch.Tenant
	aAPI, aAdmin string
	bAPI, bAdmin string
	aAcct, bAcct *twofetch.Account
	statusKey    []byte
	portalNames  map[string]string
}

func newPipeEnv(t testing.TB, configure ...func(*web.Pipeline)) *pipeEnv {
	t.Helper()
	return newPipeEnvOn(t, backends[0], configure...)
}

// onBackends runs test against a fresh pipeEnv on each database.
func onBackends(t *testing.T, test func(*testing.T, *pipeEnv)) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) { test(t, newPipeEnvOn(t, be)) })
	}
}

func newPipeEnvOn(t testing.TB, be backend, configure ...func(*web.Pipeline)) *pipeEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	e := newEnv(t, be.dsn(t, dir), dir)
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	enq := workers.NewEnqueuer(rdb, e.store, nil)
	t.Cleanup(func() { enq.Close() })
	b, err := blob.Open(ctx, filepath.Join(e.dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	pe := &pipeEnv{
		env: e, blob: b, artifacts: filepath.Join(e.dir, "blobs", "artifacts"),
		redisOpt:    asynq.RedisClientOpt{Addr: opt.Addr, Password: opt.Password, DB: opt.DB},
		statusKey:   []byte("status-key-for-tests-0123456789"),
		portalNames: map[string]string{"demo": "Demo Shop", "other": "Other Portal"},
	}
	pe.pipe = &web.Pipeline{
		Store: e.store, Runs: enq, Blob: b,
		Portals: func(id string) string { return pe.portalNames[id] }, StatusKey: pe.statusKey,
	}
	for _, c := range configure {
		c(pe.pipe)
	}
	pe.pipe.Mount(e.srv)
	closer := pe.pipe.MountOps(e.srv, pe.redisOpt)
	t.Cleanup(func() { closer.Close() })

	pe.a, pe.aAPI, pe.aAdmin = e.tenant(t, "Alpha Books")
	pe.b, pe.bAPI, pe.bAdmin = e.tenant(t, "Beta Books")
	pe.aAcct = e.createAccount(t, pe.aAPI, "demo", "alice@example.com", "alpha-portal-password")
	pe.bAcct = e.createAccount(t, pe.bAPI, "demo", "bob@example.com", "beta-portal-password")
	return pe
}

// finish records an outcome for run id, as a worker would.
func (pe *pipeEnv) finish(t testing.TB, tenantID, id string, o twofetch.Outcome, detail string, newInvoices int) *twofetch.Run {
	t.Helper()
	ctx := context.Background()
	r, err := pe.store.Run(ctx, tenantID, id)
	if err != nil {
		t.Fatal(err)
	}
	start := r.CreatedAt.Add(time.Second)
	end := start.Add(20 * time.Second)
	r.StartedAt, r.FinishedAt, r.Outcome, r.Detail, r.NewInvoices, r.Attempt = &start, &end, o, detail, newInvoices, 1
	if err := pe.store.UpdateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	return r
}

// addRun records a finished run created at the given time.
func (pe *pipeEnv) addRun(t testing.TB, a *twofetch.Account, created time.Time, o twofetch.Outcome) *twofetch.Run {
	t.Helper()
	r := &twofetch.Run{ID: twofetch.NewID("run"), TenantID: a.TenantID, AccountID: a.ID, Portal: a.Portal, Trigger: twofetch.TriggerSchedule, CreatedAt: created.UTC()}
	if err := pe.store.CreateRun(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return pe.finish(t, a.TenantID, r.ID, o, "detail of "+string(o), 0)
}

func decodeRun(t *testing.T, res response) web.RunView {
	t.Helper()
	var v web.RunView
	if err := json.Unmarshal(res.body, &v); err != nil {
		t.Fatalf("run body %q: %v", res.body, err)
	}
	return v
}

func TestRunsAPI(t *testing.T) { onBackends(t, testRunsAPI) }

func testRunsAPI(t *testing.T, pe *pipeEnv) {
	ctx := context.Background()
	runsOf := func(acct string) string { return "/api/v1/accounts/" + acct + "/runs" }

	res := pe.do(t, "POST", runsOf(pe.aAcct.ID), pe.aAPI, nil)
	if res.status != http.StatusAccepted {
		t.Fatalf("start run: %d %s", res.status, res.body)
	}
	started := decodeRun(t, res)
	if started.ID == "" || started.Outcome != "" || started.State != "queued" || started.Trigger != twofetch.TriggerManual {
		t.Fatalf("started run = %+v", started)
	}
	if loc := res.header.Get("Location"); loc != runsOf(pe.aAcct.ID)+"/"+started.ID {
		t.Errorf("Location = %q", loc)
	}
	if events, err := pe.store.ListAudit(ctx, pe.a.ID, twofetch.Page{}); err != nil || len(events) == 0 ||
		events[0].Action != "run.start" || events[0].Object != started.ID {
		t.Errorf("no run.start audit event for %s: %v", started.ID, err)
	}

	t.Run("queued on the critical queue", func(t *testing.T) {
		insp := asynq.NewInspector(pe.redisOpt)
		defer insp.Close()
		tasks, err := insp.ListPendingTasks(workers.QueueCritical)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, task := range tasks {
			var p workers.FetchPayload
			if json.Unmarshal(task.Payload, &p) == nil && p.RunID == started.ID && p.AccountID == pe.aAcct.ID {
				found = true
			}
		}
		if !found {
			t.Errorf("no pending fetch task for run %s among %d tasks", started.ID, len(tasks))
		}
	})

	t.Run("isolation", func(t *testing.T) {
		for _, c := range []struct {
			name, method, path, token string
		}{
			{"start on other tenant's account", "POST", runsOf(pe.bAcct.ID), pe.aAPI},
			{"start as other tenant", "POST", runsOf(pe.aAcct.ID), pe.bAPI},
			{"get as other tenant", "GET", runsOf(pe.aAcct.ID) + "/" + started.ID, pe.bAPI},
			{"get under other tenant's account", "GET", runsOf(pe.bAcct.ID) + "/" + started.ID, pe.bAPI},
			{"list other tenant's account", "GET", runsOf(pe.bAcct.ID), pe.aAPI},
			{"unknown run", "GET", runsOf(pe.aAcct.ID) + "/run_nosuch", pe.aAPI},
		} {
			t.Run(c.name, func(t *testing.T) {
				res := pe.do(t, c.method, c.path, c.token, nil)
				if res.status != http.StatusNotFound || res.errorCode(t) != twofetch.ENOTFOUND {
					t.Errorf("%s %s: %d %s, want 404", c.method, c.path, res.status, res.body)
				}
			})
		}
		if res := pe.do(t, "GET", runsOf(pe.aAcct.ID), "", nil); res.status != http.StatusUnauthorized {
			t.Errorf("without token: %d", res.status)
		}
		if res := pe.do(t, "GET", runsOf(pe.aAcct.ID), pe.aAdmin, nil); res.status != http.StatusUnauthorized {
			t.Errorf("admin token on the API: %d", res.status)
		}
	})

	t.Run("run under another account of the same tenant", func(t *testing.T) {
		other := pe.createAccount(t, pe.aAPI, "other", "alice2@example.com", "pw-two")
		if res := pe.do(t, "GET", runsOf(other.ID)+"/"+started.ID, pe.aAPI, nil); res.status != http.StatusNotFound {
			t.Errorf("run of account A read through account B: %d", res.status)
		}
	})

	t.Run("outcome once finished", func(t *testing.T) {
		res := pe.do(t, "GET", runsOf(pe.aAcct.ID)+"/"+started.ID, pe.aAPI, nil)
		if v := decodeRun(t, res); res.status != http.StatusOK || v.Outcome != "" || v.FinishedAt != nil {
			t.Fatalf("queued run: %d %+v", res.status, v)
		}
		pe.finish(t, pe.a.ID, started.ID, twofetch.OutcomeBadCredentials, "the portal said: wrong password", 0)
		res = pe.do(t, "GET", runsOf(pe.aAcct.ID)+"/"+started.ID, pe.aAPI, nil)
		v := decodeRun(t, res)
		if v.Outcome != twofetch.OutcomeBadCredentials || v.State != "finished" || v.Detail != "the portal said: wrong password" ||
			v.StartedAt == nil || v.FinishedAt == nil {
			t.Errorf("finished run = %+v", v)
		}
		var raw map[string]any
		json.Unmarshal(res.body, &raw)
		for _, k := range []string{"id", "outcome", "detail", "started_at", "finished_at", "new_invoices"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("run JSON lacks %q: %s", k, res.body)
			}
		}
	})

	t.Run("paused account", func(t *testing.T) {
		paused := pe.createAccount(t, pe.aAPI, "demo", "paused@example.com", "pw")
		a, _ := pe.store.Account(ctx, pe.a.ID, paused.ID)
		a.Status = twofetch.AccountPaused
		if err := pe.store.UpdateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		res := pe.do(t, "POST", runsOf(paused.ID), pe.aAPI, nil)
		if res.status != http.StatusConflict || res.errorCode(t) != twofetch.ECONFLICT {
			t.Errorf("run of paused account: %d %s", res.status, res.body)
		}
		runs, _ := pe.store.ListRuns(ctx, twofetch.RunFilter{TenantID: pe.a.ID, AccountID: paused.ID})
		if len(runs) != 0 {
			t.Errorf("paused account got %d runs", len(runs))
		}
	})

	t.Run("pagination", func(t *testing.T) {
		for range 2 {
			if res := pe.do(t, "POST", runsOf(pe.aAcct.ID), pe.aAPI, nil); res.status != http.StatusAccepted {
				t.Fatal(res.status)
			}
		}
		seen := map[string]bool{}
		path := runsOf(pe.aAcct.ID) + "?limit=2"
		pages := 0
		for path != "" {
			res := pe.do(t, "GET", path, pe.aAPI, nil)
			if res.status != http.StatusOK {
				t.Fatalf("list: %d %s", res.status, res.body)
			}
			var list web.RunList
			if err := json.Unmarshal(res.body, &list); err != nil {
				t.Fatal(err)
			}
			for _, r := range list.Runs {
				if seen[r.ID] || r.AccountID != pe.aAcct.ID {
					t.Errorf("run %s repeated or of another account", r.ID)
				}
				seen[r.ID] = true
			}
			pages++
			path = ""
			if list.Next != "" {
				path = runsOf(pe.aAcct.ID) + "?limit=2&after=" + list.Next
			}
		}
		if len(seen) != 3 || pages != 2 {
			t.Errorf("saw %d runs on %d pages, want 3 on 2", len(seen), pages)
		}
		for _, q := range []string{"?limit=0", "?limit=x", "?limit=1000", "?after=run_nosuch"} {
			if res := pe.do(t, "GET", runsOf(pe.aAcct.ID)+q, pe.aAPI, nil); res.status != http.StatusBadRequest {
				t.Errorf("list%s: %d, want 400", q, res.status)
			}
		}
	})
}

func TestMetricsAndQueues(t *testing.T) {
	pe := newPipeEnv(t, func(p *web.Pipeline) { p.OpenMetrics = true })
	metrics.Runs.WithLabelValues("demo", "ok").Add(0)

	t.Run("metrics", func(t *testing.T) {
		res := pe.do(t, "GET", "/metrics", "", nil)
		if res.status != http.StatusOK || !strings.Contains(string(res.body), `twofetch_runs_total{outcome="ok",portal="demo"}`) {
			t.Errorf("/metrics: %d, runs counter missing", res.status)
		}
	})

	t.Run("metrics token", func(t *testing.T) {
		srv, err := web.New(web.Config{Store: pe.store, Vault: pe.vault, Portals: web.PortalList{"demo"}})
		if err != nil {
			t.Fatal(err)
		}
		p := &web.Pipeline{Store: pe.store, Runs: pe.pipe.Runs, Blob: pe.blob, MetricsToken: "scrape-secret"}
		p.MountOps(srv, nil)
		for _, c := range []struct {
			auth string
			want int
		}{{"", 401}, {"Bearer wrong", 401}, {"Bearer scrape-secret", 200}} {
			req, _ := http.NewRequest("GET", "/metrics", nil)
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			rec := newRecorder()
			srv.Handler().ServeHTTP(rec, req)
			if rec.Code != c.want {
				t.Errorf("/metrics with %q: %d, want %d", c.auth, rec.Code, c.want)
			}
		}
	})

	t.Run("queue monitor", func(t *testing.T) {
		pe := newPipeEnv(t, func(p *web.Pipeline) { p.OperatorToken = "operator-secret-for-tests" })
		if res := pe.do(t, "POST", "/api/v1/accounts/"+pe.aAcct.ID+"/runs", pe.aAPI, nil); res.status != http.StatusAccepted {
			t.Fatal(res.status)
		}
		c := pe.browser(t)
		if res := c.get(t, web.QueuesPath+"/"); res.status != http.StatusSeeOther || res.header.Get("Location") != "/support/login" {
			t.Errorf("monitor without login: %d %q", res.status, res.header.Get("Location"))
		}
		res := c.post(t, "/support/login", url.Values{"token": {"operator-secret-for-tests"}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != web.QueuesPath+"/" {
			t.Fatalf("operator login: %d %q", res.status, res.header.Get("Location"))
		}
		res = c.get(t, web.QueuesPath+"/")
		csp := res.header.Get("Content-Security-Policy")
		if res.status != http.StatusOK || !strings.Contains(string(res.body), "Asynq") {
			t.Fatalf("monitor page: %d", res.status)
		}
		if !strings.Contains(csp, "'sha256-") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
			t.Errorf("monitor CSP does not pin its inline scripts: %s", csp)
		}
		if res.header.Get("Cache-Control") != "no-store" {
			t.Errorf("monitor Cache-Control = %q", res.header.Get("Cache-Control"))
		}
		res = c.get(t, web.QueuesPath+"/api/queues")
		if res.status != http.StatusOK || !strings.Contains(string(res.body), workers.QueueCritical) {
			t.Errorf("monitor API: %d %s", res.status, res.body)
		}
		if res := pe.do(t, "GET", web.QueuesPath+"/api/queues", "operator-secret-for-tests", nil); res.status != http.StatusOK {
			t.Errorf("monitor API with the operator bearer token: %d", res.status)
		}
		// An operator session is not a tenant's: it opens no tenant's runs.
		if res := c.get(t, "/support"); res.status == http.StatusOK {
			t.Errorf("operator session opened a tenant's support page")
		}
		// The enrolment pages' strict policy still holds elsewhere.
		if res := c.get(t, "/support/login"); strings.Contains(res.header.Get("Content-Security-Policy"), "unsafe-inline") {
			t.Errorf("support page inherits the monitor's CSP")
		}
	})

	t.Run("no queue monitor without an operator token", func(t *testing.T) {
		c := pe.browser(t)
		c.login(t, pe.aAdmin)
		if res := c.get(t, web.QueuesPath+"/api/queues"); res.status == http.StatusOK {
			t.Errorf("monitor API without operator token configured: %d", res.status)
		}
	})
}

// TestRunSince: a run asked for with a since date carries it to the
// workers' queue, once; bad dates are refused.
func TestRunSince(t *testing.T) {
	pe := newPipeEnv(t)
	path := "/api/v1/accounts/" + pe.aAcct.ID + "/runs"
	res := pe.do(t, "POST", path, pe.aAPI, map[string]string{"since": "2021-03-01"})
	if res.status != http.StatusAccepted {
		t.Fatalf("start run: %d %s", res.status, res.body)
	}
	run := decodeRun(t, res)
	plain := decodeRun(t, pe.do(t, "POST", path, pe.aAPI, nil))
	insp := asynq.NewInspector(pe.redisOpt)
	defer insp.Close()
	tasks, err := insp.ListPendingTasks(workers.QueueCritical)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, ti := range tasks {
		var p workers.FetchPayload
		if err := json.Unmarshal(ti.Payload, &p); err != nil {
			t.Fatal(err)
		}
		got[p.RunID] = p.Since
	}
	if s, ok := got[run.ID]; !ok || s != "2021-03-01" {
		t.Errorf("queued run %s asks since %q (queued: %v), want 2021-03-01", run.ID, s, ok)
	}
	if s, ok := got[plain.ID]; !ok || s != "" {
		t.Errorf("queued run without since asks since %q (queued: %v)", s, ok)
	}
	for _, tc := range []struct{ body, want string }{
		{`{"since":"01.03.2021"}`, "YYYY-MM-DD"},
		{`{"since":"2999-01-01"}`, "in the future"},
		{`{"since":"1900-01-01"}`, "before any portal"},
		{`{"from":"2021-03-01"}`, "from"},
	} {
		res := pe.do(t, "POST", path, pe.aAPI, tc.body)
		if res.status != http.StatusBadRequest || !strings.Contains(message(res), tc.want) {
			t.Errorf("%s: %d %s, want 400 saying %q", tc.body, res.status, res.body, tc.want)
		}
	}
}

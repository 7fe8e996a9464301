package workers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/metrics"
)

func TestFetchPipeline(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testFetchPipeline(t, newEnv(t)) })
	t.Run("postgres", func(t *testing.T) { testFetchPipeline(t, newEnvOn(t, t.TempDir(), testenv.PostgresURL(t))) })
	t.Run("embedded redis", func(t *testing.T) { testFetchPipeline(t, newEnvMiniredis(t)) })
}

func testFetchPipeline(t *testing.T, e *env) {
	ctx := context.Background()
	acc := e.account(t, "alice")
	e.portal.setInvoices("alice", "A1", "A2")
	e.start(t, e.config())
	enq := NewEnqueuer(e.rdb, e.store, nil)
	defer enq.Close()

	runNow := func(t *testing.T) *twofetch.Run {
		t.Helper()
		a, err := e.store.AccountByID(ctx, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		r, err := enq.RunNow(ctx, a, twofetch.TriggerManual)
		if err != nil {
			t.Fatal(err)
		}
		return e.waitRun(t, r.ID, time.Minute)
	}

	t.Run("first run stores every invoice", func(t *testing.T) {
		before := time.Now()
		r := runNow(t)
		if r.Outcome != twofetch.OutcomeOK || r.NewInvoices != 2 || r.Attempt != 1 {
			t.Fatalf("run = outcome %q, new %d, attempt %d; want ok, 2, 1 (detail %q)", r.Outcome, r.NewInvoices, r.Attempt, r.Detail)
		}
		if r.Artifacts != "" {
			t.Errorf("successful run keeps artifacts in %s", r.Artifacts)
		}
		if left, _ := filepath.Glob(filepath.Join(e.dataDir, "run-*")); len(left) != 0 {
			t.Errorf("scratch directories left behind: %v", left)
		}
		invs := e.invoices(t, acc.ID)
		if len(invs) != 2 {
			t.Fatalf("%d invoices stored, want 2", len(invs))
		}
		wantKind := map[string]twofetch.DocumentKind{"A1": twofetch.KindInvoice, "A2": twofetch.KindReceipt}
		for _, inv := range invs {
			rc, err := e.blobs.Get(ctx, inv.BlobKey)
			if err != nil {
				t.Fatalf("file of %s: %v", inv.PortalInvoiceID, err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			sum := sha256.Sum256(b)
			if hex.EncodeToString(sum[:]) != inv.SHA256 || int64(len(b)) != inv.Size || !strings.HasPrefix(string(b), "%PDF") {
				t.Errorf("file of %s does not match its row (sha %s, size %d)", inv.PortalInvoiceID, inv.SHA256, inv.Size)
			}
			if want := acc.TenantID + "/" + acc.ID + "/" + inv.SHA256 + ".pdf"; inv.BlobKey != want {
				t.Errorf("blob key %q, want %q", inv.BlobKey, want)
			}
			if inv.RunID != r.ID || inv.Currency != "EUR" || inv.Number != "N-"+inv.PortalInvoiceID {
				t.Errorf("invoice metadata not kept: %+v", inv)
			}
			if want := wantKind[inv.PortalInvoiceID]; inv.Kind != want {
				t.Errorf("%s stored as %q, want %q", inv.PortalInvoiceID, inv.Kind, want)
			}
		}
		waitFor(t, "two invoice.created webhooks", 30*time.Second, func() bool { return len(e.hooks.ofType(EventInvoiceCreated)) == 2 })
		got := map[string]bool{}
		for _, ev := range e.hooks.ofType(EventInvoiceCreated) {
			var inv twofetch.Invoice
			if err := json.Unmarshal(ev.Data, &inv); err != nil {
				t.Fatal(err)
			}
			got[inv.PortalInvoiceID] = true
			if want := wantKind[inv.PortalInvoiceID]; inv.Kind != want {
				t.Errorf("invoice.created for %s has kind %q, want %q", inv.PortalInvoiceID, inv.Kind, want)
			}
			if ev.TenantID != e.tenant.ID {
				t.Errorf("event for tenant %s", ev.TenantID)
			}
		}
		if !got["A1"] || !got["A2"] {
			t.Errorf("webhooks for %v, want A1 and A2", got)
		}
		a, _ := e.store.AccountByID(ctx, acc.ID)
		if a.LastOutcome != twofetch.OutcomeOK || a.Status != twofetch.AccountActive || a.NextRunAt == nil {
			t.Fatalf("account after run: %+v", a)
		}
		if d := a.NextRunAt.Sub(before); d < 12*time.Hour || d > 37*time.Hour {
			t.Errorf("next run %s after the run, want about a day", d)
		}
	})

	t.Run("second run adds nothing", func(t *testing.T) {
		r := runNow(t)
		if r.Outcome != twofetch.OutcomeNoDocuments || r.NewInvoices != 0 {
			t.Fatalf("run = %q with %d new, want no_documents with 0", r.Outcome, r.NewInvoices)
		}
		if n := len(e.invoices(t, acc.ID)); n != 2 {
			t.Fatalf("%d invoices after a second run, want 2", n)
		}
		if n := e.portal.downloads("alice", "A1"); n != 1 {
			t.Errorf("A1 downloaded %d times, want once", n)
		}
	})

	t.Run("a new invoice is fetched", func(t *testing.T) {
		e.portal.setInvoices("alice", "A1", "A2", "A3")
		r := runNow(t)
		if r.Outcome != twofetch.OutcomeOK || r.NewInvoices != 1 {
			t.Fatalf("run = %q with %d new, want ok with 1", r.Outcome, r.NewInvoices)
		}
	})

	t.Run("wrong password stops and notifies", func(t *testing.T) {
		e.portal.setMode("alice", "bad_password")
		r := runNow(t)
		if r.Outcome != twofetch.OutcomeBadCredentials || r.Detail != "the portal rejected the password" {
			t.Fatalf("run = %q (%q), want bad_credentials", r.Outcome, r.Detail)
		}
		if r.Artifacts != twofetch.ArtifactPrefix(r.ID) {
			t.Fatalf("failed run keeps artifacts at %q", r.Artifacts)
		}
		if rc, err := e.blobs.Get(ctx, r.Artifacts+"page.html"); err != nil {
			t.Errorf("artifact of failed run: %v", err)
		} else {
			rc.Close()
		}
		a, _ := e.store.AccountByID(ctx, acc.ID)
		if a.Status != twofetch.AccountNeedsCustomer || a.LastOutcome != twofetch.OutcomeBadCredentials {
			t.Fatalf("account = %s/%s, want needs_customer/bad_credentials", a.Status, a.LastOutcome)
		}
		waitFor(t, "account.needs_customer webhook", 30*time.Second, func() bool { return len(e.hooks.ofType("account.needs_customer")) == 1 })
		var data map[string]any
		json.Unmarshal(e.hooks.ofType("account.needs_customer")[0].Data, &data)
		if data["outcome"] != "bad_credentials" || data["account_id"] != acc.ID {
			t.Errorf("event data %v", data)
		}
	})

	t.Run("artifacts of failed runs expire", func(t *testing.T) {
		runs, err := e.store.ListRuns(ctx, twofetch.RunFilter{TenantID: e.tenant.ID, AccountID: acc.ID, Failed: true})
		if err != nil || len(runs) != 1 || runs[0].Artifacts == "" {
			t.Fatalf("failed runs: %d, %v", len(runs), err)
		}
		key := runs[0].Artifacts + "page.html"
		cfg := e.config()
		cfg.Now = func() time.Time { return time.Now().Add(15 * 24 * time.Hour) }
		s, err := NewServer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := s.ExpireArtifacts(ctx); err != nil || n != 1 {
			t.Fatalf("ExpireArtifacts = %d, %v; want 1", n, err)
		}
		if _, err := e.blobs.Get(ctx, key); !twofetch.IsNotFound(err) {
			t.Fatalf("expired artifact still in the blob store: %v", err)
		}
		if r := e.run(t, runs[0].ID); r.Artifacts != "" {
			t.Fatalf("run still points at %s", r.Artifacts)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		if n := counterValue(t, metrics.Runs.WithLabelValues("testportal", "ok")); n < 2 {
			t.Errorf("runs_total{ok} = %v, want at least 2", n)
		}
		if n := counterValue(t, metrics.Runs.WithLabelValues("testportal", "bad_credentials")); n < 1 {
			t.Errorf("runs_total{bad_credentials} = %v", n)
		}
		if n := counterValue(t, metrics.InvoicesStored.WithLabelValues("testportal")); n < 3 {
			t.Errorf("invoices_stored_total = %v, want at least 3", n)
		}
		if err := UpdateQueueMetrics(asynq.NewInspectorFromRedisClient(e.rdb)); err != nil {
			t.Fatal(err)
		}
		body := scrape(t)
		for _, want := range []string{"twofetch_runs_total{", "twofetch_run_duration_seconds_bucket{", `twofetch_queue_tasks{queue="critical",state="pending"}`} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})
	if n := e.hooks.badCount(); n != 0 {
		t.Errorf("%d webhook requests with bad signatures or bodies", n)
	}
}

func scrape(t *testing.T) string {
	t.Helper()
	rec := httptest.NewRecorder()
	metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

// A task whose timeout passes must stop the portal job, not leave it
// running after asynq gave up on it.
func TestFetchHonoursTimeout(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	acc := e.account(t, "bob")
	e.portal.setInvoices("bob", "B1")
	waiting, release := e.portal.stall("bob", "B1")
	defer release()
	s := e.start(t, e.config())
	_ = s
	task, err := NewFetchTask(FetchPayload{AccountID: acc.ID, RunID: twofetch.NewID("run")}, asynq.Timeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	info, err := asynq.NewClientFromRedisClient(e.rdb).Enqueue(task)
	if err != nil {
		t.Fatal(err)
	}
	<-waiting
	var p FetchPayload
	json.Unmarshal(info.Payload, &p)
	r := e.waitRun(t, p.RunID, time.Minute)
	if r.Outcome != twofetch.OutcomeTransient || r.Detail == "" || !strings.Contains(r.Detail, "too long") {
		t.Fatalf("timed-out run = %q (%q), want transient, too long", r.Outcome, r.Detail)
	}
	if n := len(e.invoices(t, acc.ID)); n != 0 {
		t.Fatalf("%d invoices stored by a timed-out run", n)
	}
	// The lock goes with the run: the handler releases it just after the
	// run's result is recorded, so wait for that rather than racing it.
	var l *Lock
	waitFor(t, "the account lock to be released after the run ended", 30*time.Second, func() bool {
		l, err = AcquireLock(ctx, e.rdb, loginLockKey(acc.LoginOrOwnID()), time.Minute)
		return err == nil
	})
	l.Release(ctx)
}

// Two workers never run one account at once: the second finds the lock
// and puts its task back without spending a retry.
func TestAccountLockAcrossWorkers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	acc := e.account(t, "carol")
	e.portal.setInvoices("carol", "C1")
	waiting, release := e.portal.stall("carol", "C1")
	defer release()
	e.start(t, e.config())
	e.start(t, e.config())
	enq := NewEnqueuer(e.rdb, e.store, nil)
	defer enq.Close()
	r1, err := enq.RunNow(ctx, acc, twofetch.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	<-waiting
	r2, err := enq.RunNow(ctx, acc, twofetch.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	insp := asynq.NewInspectorFromRedisClient(e.rdb)
	var retry []*asynq.TaskInfo
	waitFor(t, "the second run to be put back", 30*time.Second, func() bool {
		retry, _ = insp.ListRetryTasks(QueueCritical)
		return len(retry) == 1
	})
	if !strings.Contains(retry[0].LastErr, "another worker") || retry[0].Retried != 0 {
		t.Fatalf("second task: retried %d, last error %q", retry[0].Retried, retry[0].LastErr)
	}
	if r := e.run(t, r2.ID); r.StartedAt != nil {
		t.Fatalf("second run started while the first held the account")
	}
	release()
	if r := e.waitRun(t, r1.ID, time.Minute); r.Outcome != twofetch.OutcomeOK {
		t.Fatalf("first run = %q", r.Outcome)
	}
	// Let the waiting run go now instead of in 30 s.
	if err := insp.RunTask(QueueCritical, retry[0].ID); err != nil {
		t.Fatal(err)
	}
	if r := e.waitRun(t, r2.ID, time.Minute); r.Outcome != twofetch.OutcomeNoDocuments {
		t.Fatalf("second run = %q, want no_documents", r.Outcome)
	}
	if n := e.portal.downloads("carol", "C1"); n != 1 {
		t.Fatalf("C1 downloaded %d times", n)
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// With one session allowed per portal, a second account of the same portal
// waits for the first, without spending a retry.
func TestPortalSessionLimit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a1, a2 := e.account(t, "hank"), e.account(t, "ida")
	e.portal.setInvoices("hank", "H1")
	e.portal.setInvoices("ida", "I1")
	waiting, release := e.portal.stall("hank", "H1")
	defer release()
	cfg := e.config()
	cfg.Concurrency = 4
	cfg.DefaultLimit = PortalLimit{Sessions: 1}
	e.start(t, cfg)
	enq := NewEnqueuer(e.rdb, e.store, nil)
	defer enq.Close()
	r1, err := enq.RunNow(ctx, a1, twofetch.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	<-waiting
	r2, err := enq.RunNow(ctx, a2, twofetch.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	insp := asynq.NewInspectorFromRedisClient(e.rdb)
	var retry []*asynq.TaskInfo
	waitFor(t, "the second account to wait for a session", 30*time.Second, func() bool {
		retry, _ = insp.ListRetryTasks(QueueCritical)
		return len(retry) == 1
	})
	if !strings.Contains(retry[0].LastErr, "at its limit") || retry[0].Retried != 0 {
		t.Fatalf("waiting task: retried %d, last error %q", retry[0].Retried, retry[0].LastErr)
	}
	if e.portal.downloads("ida", "I1") != 0 {
		t.Fatal("second account fetched while the portal's only session was taken")
	}
	release()
	e.waitRun(t, r1.ID, time.Minute)
	if err := insp.RunTask(QueueCritical, retry[0].ID); err != nil {
		t.Fatal(err)
	}
	if r := e.waitRun(t, r2.ID, time.Minute); r.Outcome != twofetch.OutcomeOK {
		t.Fatalf("second run = %q", r.Outcome)
	}
}

// A portal change breaks every account of the portal: support hears of it
// once a day, not once per account.
func TestSupportAlertOncePerPortal(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var mu sync.Mutex
	var alerts []Alert
	cfg := e.config()
	cfg.Alert = func(_ context.Context, a Alert) {
		mu.Lock()
		alerts = append(alerts, a)
		mu.Unlock()
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		user := fmt.Sprintf("pc%d", i)
		acc := e.account(t, user)
		e.portal.setMode(user, "changed")
		task, _ := NewFetchTask(FetchPayload{AccountID: acc.ID, RunID: twofetch.NewID("run")})
		if err := s.Handler().ProcessTask(ctx, task); err != nil {
			t.Fatalf("a run that needs support is not retried, got %v", err)
		}
		a, _ := e.store.AccountByID(ctx, acc.ID)
		if a.Status != twofetch.AccountNeedsSupport || a.LastOutcome != twofetch.OutcomePortalChanged {
			t.Fatalf("account %s: %s/%s", user, a.Status, a.LastOutcome)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(alerts) != 1 || alerts[0].Portal != "testportal" || alerts[0].Outcome != twofetch.OutcomePortalChanged {
		t.Fatalf("alerts = %+v, want one for testportal/portal_changed", alerts)
	}
	audit, _ := e.store.ListAudit(ctx, e.tenant.ID, twofetch.Page{})
	n := 0
	for _, a := range audit {
		if a.Action == "support.alert" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d support.alert audit records, want 1", n)
	}
}

// A rejected code is retried once, a TOTP window later, even after the run
// failed for another reason first; a second rejection asks for a new key.
func TestOTPRejectedRetriesOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s, err := NewServer(e.config())
	if err != nil {
		t.Fatal(err)
	}
	acc := e.account(t, "otto")
	task, _ := NewFetchTask(FetchPayload{AccountID: acc.ID, RunID: twofetch.NewID("run")})
	attempt := func(mode string) error {
		e.portal.setMode("otto", mode)
		return s.Handler().ProcessTask(ctx, task)
	}
	var ra *retryAfter
	if err := attempt("down"); !errors.As(err, &ra) || ra.delay != time.Minute {
		t.Fatalf("portal down: %v, want a retry in a minute", err)
	}
	if err := attempt("otp_rejected"); !errors.As(err, &ra) || ra.delay < 30*time.Second || ra.delay > 2*time.Minute {
		t.Fatalf("first rejection: %v, want one retry in the next window", err)
	}
	if err := attempt("otp_rejected"); err != nil {
		t.Fatalf("second rejection: %v, want the run to stop", err)
	}
	a, _ := e.store.AccountByID(ctx, acc.ID)
	if a.Status != twofetch.AccountNeedsEnrollment || a.LastOutcome != twofetch.OutcomeOTPRejected {
		t.Fatalf("account %s/%s, want needs_enrollment/otp_rejected", a.Status, a.LastOutcome)
	}
	var p FetchPayload
	decode(task, &p)
	if r := e.run(t, p.RunID); r.Outcome != twofetch.OutcomeOTPRejected || r.Attempt != 1 {
		// Direct calls carry no asynq retry count; the run still keeps one row.
		t.Fatalf("run %q attempt %d", r.Outcome, r.Attempt)
	}
}

// A portal that refuses the browser itself (a run failing with NoRetry) is
// not tried again within the day: the task ends without a retry, the
// account keeps its next daily run, and support is alerted on the first
// refusal.
func TestBrowserRefusalWaitsForTheNextDay(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var mu sync.Mutex
	var alerts []Alert
	cfg := e.config()
	cfg.Alert = func(_ context.Context, a Alert) {
		mu.Lock()
		alerts = append(alerts, a)
		mu.Unlock()
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	acc := e.account(t, "rita")
	e.portal.setMode("rita", "refused")
	task, _ := NewFetchTask(FetchPayload{AccountID: acc.ID, RunID: twofetch.NewID("run")})
	started := time.Now()
	if err := s.Handler().ProcessTask(ctx, task); err != nil {
		t.Fatalf("the refused run asks for a retry: %v", err)
	}
	a, _ := e.store.AccountByID(ctx, acc.ID)
	if a.Status != twofetch.AccountActive || a.LastOutcome != twofetch.OutcomeBlocked {
		t.Fatalf("account %s/%s, want active/blocked", a.Status, a.LastOutcome)
	}
	// The next daily run is the account's slot half a day on or later.
	if a.NextRunAt == nil || a.NextRunAt.Before(started.Add(DailyInterval/2)) {
		t.Fatalf("next run at %v, want the next daily run (not before %s)", a.NextRunAt, started.Add(DailyInterval/2))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(alerts) != 1 || alerts[0].Outcome != twofetch.OutcomeBlocked {
		t.Fatalf("alerts = %+v, want one for blocked", alerts)
	}
}

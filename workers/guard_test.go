package workers

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
)

// A customer confirms an enrolment while a run waits at the portal's 2FA
// prompt without a key: the run ends otp_missing, yet the account must end
// active with its key, not back at needs_enrollment.
func TestConfirmKeyDuringRun(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testConfirmKeyDuringRun(t, newEnv(t)) })
	t.Run("postgres", func(t *testing.T) { testConfirmKeyDuringRun(t, newEnvOn(t, t.TempDir(), testenv.PostgresURL(t))) })
}

func testConfirmKeyDuringRun(t *testing.T, e *env) {
	ctx := context.Background()
	acc := &twofetch.Account{TenantID: e.tenant.ID, Portal: "testportal", Username: "erin", Status: twofetch.AccountNeedsEnrollment}
	if err := e.store.CreateAccount(ctx, acc); err != nil {
		t.Fatal(err)
	}
	atPrompt := make(chan struct{})
	confirmed := make(chan struct{})
	cfg := e.config()
	cfg.Fetcher = twofetch.FetcherFunc(func(ctx context.Context, job *twofetch.FetchJob) (*twofetch.FetchResult, error) {
		close(atPrompt)
		select {
		case <-confirmed:
		case <-ctx.Done():
		}
		return &twofetch.FetchResult{}, twofetch.Fail(twofetch.OutcomeOTPMissing, "the portal asks for a code and no key is enrolled")
	})
	e.start(t, cfg)
	enq := NewEnqueuer(e.rdb, e.store, nil)
	defer enq.Close()
	run, err := enq.RunNow(ctx, acc, twofetch.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-atPrompt:
	case <-time.After(time.Minute):
		t.Fatalf("the run never started; worker log:\n%s", e.logs.String())
	}
	// What the enrolment flow does when the customer taps Done.
	if _, err := e.store.ConfirmKey(ctx, acc.TenantID, acc.ID); err != nil {
		t.Fatal(err)
	}
	close(confirmed)
	r := e.waitRun(t, run.ID, time.Minute)
	if r.Outcome != twofetch.OutcomeOTPMissing {
		t.Fatalf("run ended %q, want otp_missing", r.Outcome)
	}
	a, err := e.store.AccountByID(ctx, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != twofetch.AccountActive || !a.HasKey {
		t.Fatalf("account after the run: status %s, has key %v; want active with its key", a.Status, a.HasKey)
	}
	if a.LastOutcome != twofetch.OutcomeOTPMissing || a.LastRunAt == nil {
		t.Errorf("account's last run not recorded: %s at %v", a.LastOutcome, a.LastRunAt)
	}
	for _, ev := range e.hooks.ofType("account.needs_enrollment") {
		t.Errorf("account.needs_enrollment sent for an account that has its key: %s", ev.Data)
	}
}

// failingFinish is a store whose FinishRun fails while fail is set, as when
// the database is briefly away at the end of a run.
type failingFinish struct {
	twofetch.Store
	fail bool
}

func (f *failingFinish) FinishRun(ctx context.Context, rf *twofetch.RunFinish) error {
	if f.fail {
		return errors.New("database unavailable")
	}
	return f.Store.FinishRun(ctx, rf)
}

// A result that cannot be recorded fails the task; its retry records the
// result without fetching again.
func TestFinishRetriedWithoutFetching(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	acc := e.account(t, "hugo")
	e.portal.setInvoices("hugo", "H1")
	st := &failingFinish{Store: e.store, fail: true}
	fetches := 0
	cfg := e.config()
	cfg.Store = st
	inner := cfg.Fetcher
	cfg.Fetcher = twofetch.FetcherFunc(func(ctx context.Context, job *twofetch.FetchJob) (*twofetch.FetchResult, error) {
		fetches++
		return inner.Fetch(ctx, job)
	})
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	task, err := NewFetchTask(FetchPayload{AccountID: acc.ID, RunID: twofetch.NewID("run")})
	if err != nil {
		t.Fatal(err)
	}
	var p FetchPayload
	decode(task, &p)
	if err := s.Handler().ProcessTask(ctx, task); err == nil || !strings.Contains(err.Error(), "database unavailable") {
		t.Fatalf("attempt whose result was not recorded returned %v", err)
	}
	if r := e.run(t, p.RunID); r.Outcome != "" {
		t.Fatalf("run recorded as %q although the store refused", r.Outcome)
	}
	st.fail = false
	if err := s.Handler().ProcessTask(ctx, task); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if fetches != 1 {
		t.Fatalf("portal fetched %d times, want once", fetches)
	}
	r := e.run(t, p.RunID)
	if r.Outcome != twofetch.OutcomeOK || r.NewInvoices != 1 {
		t.Fatalf("run after the retry: %q with %d new", r.Outcome, r.NewInvoices)
	}
	a, _ := e.store.AccountByID(ctx, acc.ID)
	if a.LastOutcome != twofetch.OutcomeOK || a.NextRunAt == nil {
		t.Fatalf("account after the retry: %+v", a)
	}
}

// A run whose worker vanished (and whose task is gone with it) is ended as
// transient by the sweeper of any worker and runs again soon.
func TestSweeperEndsLostRuns(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	acc := e.account(t, "ida")
	started := time.Now().Add(-time.Hour)
	lease := started.Add(runLease)
	run := &twofetch.Run{TenantID: acc.TenantID, AccountID: acc.ID, Portal: acc.Portal, Trigger: twofetch.TriggerSchedule}
	if err := e.store.CreateRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	run.Attempt, run.StartedAt, run.LeaseUntil = 1, &started, &lease
	if err := e.store.StartRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(e.config())
	if err != nil {
		t.Fatal(err)
	}
	swept, err := s.SweepRuns(ctx)
	if err != nil || len(swept) != 1 {
		t.Fatalf("SweepRuns = %v, %v", swept, err)
	}
	r := e.run(t, run.ID)
	if r.Outcome != twofetch.OutcomeTransient || r.FinishedAt == nil {
		t.Fatalf("lost run: %q finished %v", r.Outcome, r.FinishedAt)
	}
	a, _ := e.store.AccountByID(ctx, acc.ID)
	if a.NextRunAt == nil || a.NextRunAt.After(time.Now().Add(sweptRetryDelay)) {
		t.Fatalf("account of the lost run runs next at %v", a.NextRunAt)
	}
}

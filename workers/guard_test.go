package workers

import (
	"context"
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

package workers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
)

// healedFetcher stores one invoice after the detector found a moved field.
type healedFetcher struct{}

func (healedFetcher) Fetch(ctx context.Context, job *twofetch.FetchJob) (*twofetch.FetchResult, error) {
	if err := job.Save(ctx, &twofetch.Document{PortalInvoiceID: "H-1", ContentType: "application/pdf", Data: []byte("%PDF-1.4\nhealed\n%%EOF\n")}); err != nil {
		return nil, err
	}
	return &twofetch.FetchResult{ScriptVersion: "0123456789ab", Outcome: twofetch.OutcomeHealed,
		Detail: `the login page changed; found by the detector instead: login/1 (username): "input#email" found nothing, used "#v2-email" (confidence 0.93)`,
		Steps: []twofetch.StepLog{
			{Path: "login/0", Kind: "navigate"},
			{Path: "login/1", Kind: "type", Healed: `"input#email" found nothing, used "#v2-email"`},
			{Path: "documents/0", Kind: "navigate"},
		}}, nil
}

// A healed run keeps the account active and its invoice, records the
// healed step for the health view, and alerts support.
func TestHealedRun(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	acc := e.account(t, "alice")
	cfg := e.config()
	cfg.Fetcher = healedFetcher{}
	alerts := make(chan Alert, 4)
	cfg.Alert = func(_ context.Context, a Alert) { alerts <- a }
	e.start(t, cfg)
	enq := NewEnqueuer(e.rdb, e.store, nil)
	defer enq.Close()
	r, err := enq.RunNow(ctx, acc, twofetch.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	r = e.waitRun(t, r.ID, time.Minute)
	if r.Outcome != twofetch.OutcomeHealed || r.NewInvoices != 1 || !strings.Contains(r.Detail, "#v2-email") {
		t.Fatalf("run: %+v", r)
	}
	a, err := e.store.AccountByID(ctx, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	// A success moves the account to its next daily slot at least half a
	// day on, as an ok run does.
	if a.Status != twofetch.AccountActive || a.NextRunAt == nil || a.NextRunAt.Before(time.Now().Add(11*time.Hour)) {
		t.Fatalf("account after a healed run: status %s, next run %v", a.Status, a.NextRunAt)
	}
	runs, err := e.store.(portalRunsStore).PortalRuns(ctx, acc.TenantID, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].FailedStep != "login/1" {
		t.Fatalf("recorded: %+v", runs)
	}
	select {
	case al := <-alerts:
		if al.Outcome != twofetch.OutcomeHealed || al.RunID != r.ID {
			t.Fatalf("alert %+v", al)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no support alert")
	}
}

package workers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
)

// versionedFetcher plays a script of a known version that fails at a step.
type versionedFetcher struct{}

func (versionedFetcher) Fetch(ctx context.Context, job *twofetch.FetchJob) (*twofetch.FetchResult, error) {
	return &twofetch.FetchResult{ScriptVersion: "0123456789ab", Steps: []twofetch.StepLog{
		{Path: "login/0", Kind: "navigate"},
		{Path: "login/1", Kind: "type", Err: "no element matches input#email"},
	}}, twofetch.Fail(twofetch.OutcomePortalChanged, "the sign-in page changed")
}

func TestRunRecordsScriptVersion(t *testing.T) {
	e := newEnv(t)
	acc := e.account(t, "alice")
	cfg := e.config()
	cfg.Fetcher = versionedFetcher{}
	e.start(t, cfg)
	enq := NewEnqueuer(e.rdb, e.store, nil)
	defer enq.Close()
	r, err := enq.RunNow(context.Background(), acc, twofetch.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	r = e.waitRun(t, r.ID, time.Minute)
	runs, err := e.store.(interface {
		PortalRuns(context.Context, string, time.Time) ([]twofetch.PortalRun, error)
	}).PortalRuns(context.Background(), acc.TenantID, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].ID != r.ID || runs[0].ScriptVersion != "0123456789ab" || runs[0].FailedStep != "login/1" || runs[0].Outcome != twofetch.OutcomePortalChanged {
		t.Fatalf("recorded runs: %+v", runs)
	}
}

// A portal that worked all week and fails today raises one portal.degraded
// event, however many runs fail after.
func TestPortalDegradedOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	acc := e.account(t, "alice")
	now := time.Now()
	for i := 2; i <= 5; i++ {
		fin := now.Add(-time.Duration(i) * 24 * time.Hour)
		r := &twofetch.Run{TenantID: acc.TenantID, AccountID: acc.ID, Portal: acc.Portal, Trigger: twofetch.TriggerSchedule,
			Outcome: twofetch.OutcomeOK, CreatedAt: fin.Add(-time.Minute), FinishedAt: &fin}
		if err := e.store.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	cfg := e.config()
	cfg.Fetcher = versionedFetcher{}
	e.start(t, cfg)
	enq := NewEnqueuer(e.rdb, e.store, nil)
	defer enq.Close()
	degraded := func() int {
		evs, err := e.store.ListEvents(ctx, acc.TenantID, "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range evs {
			if ev.Type == twofetch.EventPortalDegraded {
				n++
				if !strings.Contains(string(ev.Data), `"portal":"testportal"`) || !strings.Contains(string(ev.Data), `"degraded":true`) {
					t.Errorf("event data %s", ev.Data)
				}
			}
		}
		return n
	}
	for i := range 4 {
		a, err := e.store.AccountByID(ctx, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		r, err := enq.RunNow(ctx, a, twofetch.TriggerManual)
		if err != nil {
			t.Fatal(err)
		}
		e.waitRun(t, r.ID, time.Minute)
		// Fewer than three runs today say too little; three failures
		// against a good week are a sharp fall.
		if want := map[bool]int{true: 1, false: 0}[i >= 2]; degraded() != want {
			t.Fatalf("after %d failed runs: %d portal.degraded events, want %d", i+1, degraded(), want)
		}
	}
}

package workers

import (
	"context"
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

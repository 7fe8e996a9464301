package workers

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
)

// An account's first run fetches the last twelve months; later runs reach
// back to shortly before the last run that got through; a run asked for
// with a since date fetches from then, once. The date reaches the fetcher
// through the outbox and the queue as a real run-now does.
func TestFetchWindow(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testFetchWindow(t, newEnv(t)) })
	t.Run("postgres", func(t *testing.T) { testFetchWindow(t, newEnvOn(t, t.TempDir(), testenv.PostgresURL(t))) })
}

func testFetchWindow(t *testing.T, e *env) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 14, 30, 0, 0, time.UTC)
	var since time.Time
	outcome := twofetch.OutcomeNoDocuments
	cfg := e.config()
	cfg.Now = func() time.Time { return now }
	cfg.Fetcher = twofetch.FetcherFunc(func(ctx context.Context, job *twofetch.FetchJob) (*twofetch.FetchResult, error) {
		since = job.Since
		if outcome.Success() {
			return &twofetch.FetchResult{}, nil
		}
		return &twofetch.FetchResult{}, twofetch.Fail(outcome, "the portal is down")
	})
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	enq := NewEnqueuer(e.rdb, e.store, nil)
	defer enq.Close()
	acct := e.account(t, "window@example.com")
	// run queues a run as the API does and handles the task the relay
	// queued for it.
	run := func(t *testing.T, asked time.Time) time.Time {
		t.Helper()
		r, err := enq.RunNowSince(ctx, acct, twofetch.TriggerManual, asked)
		if err != nil {
			t.Fatal(err)
		}
		insp := asynq.NewInspectorFromRedisClient(e.rdb)
		ti, err := insp.GetTaskInfo(QueueCritical, "run:"+r.ID)
		if err != nil {
			t.Fatalf("the run's task is not queued: %v", err)
		}
		var p FetchPayload
		if err := json.Unmarshal(ti.Payload, &p); err != nil {
			t.Fatal(err)
		}
		since = time.Time{}
		if err := s.Handler().ProcessTask(ctx, asynq.NewTask(ti.Type, ti.Payload)); err != nil {
			var ra *retryAfter
			if !errors.As(err, &ra) {
				t.Fatal(err)
			}
		}
		if err := insp.DeleteTask(QueueCritical, ti.ID); err != nil {
			t.Fatal(err)
		}
		return since
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

	outcome = twofetch.OutcomePortalDown
	if got := run(t, time.Time{}); !got.Equal(day(2025, 11, 20)) {
		t.Errorf("first run fetches from %s, want twelve months back, 2025-11-20", got)
	}
	outcome = twofetch.OutcomeNoDocuments
	if got := run(t, time.Time{}); !got.Equal(day(2025, 11, 20)) {
		t.Errorf("a failed run is no first run that got through: since %s", got)
	}
	now = now.Add(24 * time.Hour)
	if got, want := run(t, time.Time{}), day(2026, 8, 22); !got.Equal(want) {
		t.Errorf("later run fetches from %s, want the last good run's start less %s: %s", got, WindowMargin, want)
	}
	if got := run(t, day(2019, 1, 1)); !got.Equal(day(2019, 1, 1)) {
		t.Errorf("a run asked for since 2019-01-01 fetches from %s", got)
	}
	if got, want := run(t, time.Time{}), day(2026, 8, 23); !got.Equal(want) {
		t.Errorf("the run after it is back to the usual window: %s, want %s", got, want)
	}
}

package workers

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
)

// seedAccounts creates n active accounts due at the given times (cycled).
func seedAccounts(t testing.TB, s twofetch.Store, tenantID string, n int, due ...time.Time) []*twofetch.Account {
	t.Helper()
	ctx := context.Background()
	var out []*twofetch.Account
	for i := 0; i < n; i++ {
		at := due[i%len(due)]
		a := &twofetch.Account{TenantID: tenantID, Portal: "testportal", Username: fmt.Sprintf("user%d", i),
			Status: twofetch.AccountActive, NextRunAt: &at}
		if err := s.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func pendingDaily(t *testing.T, rdb redis.UniversalClient) []*asynq.TaskInfo {
	t.Helper()
	insp := asynq.NewInspectorFromRedisClient(rdb)
	var all []*asynq.TaskInfo
	for page := 1; ; page++ {
		ts, err := insp.ListPendingTasks(QueueDaily, asynq.PageSize(500), asynq.Page(page))
		if err != nil {
			return all // the queue does not exist until a task is queued
		}
		all = append(all, ts...)
		if len(ts) < 500 {
			return all
		}
	}
}

func TestSchedulerTick(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testSchedulerTick(t, newEnv(t)) })
	t.Run("postgres", func(t *testing.T) { testSchedulerTick(t, newEnvOn(t, t.TempDir(), testenv.PostgresURL(t))) })
}

func testSchedulerTick(t *testing.T, e *env) {
	ctx := context.Background()
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	due := seedAccounts(t, e.store, e.tenant.ID, 25, now.Add(-time.Minute), now.Add(-72*time.Hour), now)
	seedAccounts(t, e.store, e.tenant.ID, 5, now.Add(time.Hour))
	paused := seedAccounts(t, e.store, e.tenant.ID, 1, now.Add(-time.Hour))[0]
	paused.Status = twofetch.AccountPaused
	if err := e.store.UpdateAccount(ctx, paused); err != nil {
		t.Fatal(err)
	}

	newSched := func() *Scheduler {
		s, err := NewScheduler(SchedulerConfig{Store: e.store, Redis: e.rdb, Batch: 7, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}

	// Two replicas at once, several ticks each.
	var mu sync.Mutex
	enq, dups := 0, 0
	var wg sync.WaitGroup
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func(s *Scheduler) {
			defer wg.Done()
			for i := 0; i < 3; i++ {
				n, d, err := s.Tick(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				enq, dups = enq+n, dups+d
				mu.Unlock()
			}
		}(newSched())
	}
	wg.Wait()
	if enq != len(due) {
		t.Fatalf("replicas enqueued %d tasks (and saw %d duplicates), want %d", enq, dups, len(due))
	}
	tasks := pendingDaily(t, e.rdb)
	if len(tasks) != len(due) {
		t.Fatalf("%d tasks in the daily queue, want %d", len(tasks), len(due))
	}
	perAccount := map[string]int{}
	for _, ti := range tasks {
		var p FetchPayload
		if err := decode(asynq.NewTask(ti.Type, ti.Payload), &p); err != nil {
			t.Fatal(err)
		}
		perAccount[p.AccountID]++
		if p.Trigger != twofetch.TriggerSchedule || ti.Queue != QueueDaily {
			t.Errorf("task %s: trigger %s, queue %s", ti.ID, p.Trigger, ti.Queue)
		}
	}
	for _, a := range due {
		if perAccount[a.ID] != 1 {
			t.Errorf("account %s has %d tasks, want 1", a.ID, perAccount[a.ID])
		}
		got, err := e.store.AccountByID(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Caught up or on time, the next run is the slot a day or so on.
		if got.NextRunAt == nil || got.NextRunAt.Sub(now) < 12*time.Hour || got.NextRunAt.Sub(now) > 36*time.Hour {
			t.Errorf("account %s next run %v, want 12-36 h after now", a.ID, got.NextRunAt)
		}
		if want := NextSlot(a.ID, e.tenant, now.Add(12*time.Hour)); !got.NextRunAt.Equal(want) {
			t.Errorf("account %s next run %s, want its slot %s", a.ID, got.NextRunAt, want)
		}
	}
	if n, _, err := newSched().Tick(ctx); err != nil || n != 0 {
		t.Fatalf("a tick with nothing due enqueued %d (err %v)", n, err)
	}
}

// staleStore answers DueAccounts with a list read earlier, like a replica
// that read the due accounts just before another replica queued them.
type staleStore struct {
	twofetch.Store
	due []*twofetch.Account
}

func (s *staleStore) DueAccounts(ctx context.Context, now time.Time, limit int) ([]*twofetch.Account, error) {
	d := s.due
	if len(d) > limit {
		d = d[:limit]
	}
	s.due = s.due[len(d):]
	return d, nil
}

func TestSchedulerReplicaRace(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	seedAccounts(t, e.store, e.tenant.ID, 12, now.Add(-time.Minute))
	snapshot, err := e.store.DueAccounts(ctx, now, 100)
	if err != nil || len(snapshot) != 12 {
		t.Fatalf("DueAccounts = %d, %v", len(snapshot), err)
	}
	clock := func() time.Time { return now }
	a, _ := NewScheduler(SchedulerConfig{Store: e.store, Redis: e.rdb, Now: clock})
	b, _ := NewScheduler(SchedulerConfig{Store: &staleStore{Store: e.store, due: snapshot}, Redis: e.rdb, Now: clock})
	defer a.Close()
	defer b.Close()
	if n, d, err := a.Tick(ctx); err != nil || n != 12 || d != 0 {
		t.Fatalf("first replica: %d enqueued, %d duplicates, %v", n, d, err)
	}
	if n, d, err := b.Tick(ctx); err != nil || n != 0 || d != 12 {
		t.Fatalf("stale replica: %d enqueued, %d duplicates, %v; want 0 and 12", n, d, err)
	}
	if n := len(pendingDaily(t, e.rdb)); n != 12 {
		t.Fatalf("%d tasks queued, want 12", n)
	}
}

func TestScheduleSoon(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	s, _ := NewScheduler(SchedulerConfig{Store: e.store, Redis: e.rdb, Now: func() time.Time { return now }})
	defer s.Close()
	a := e.account(t, "new")
	a.Status = twofetch.AccountNeedsEnrollment
	if err := s.ScheduleSoon(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, _ := e.store.AccountByID(ctx, a.ID)
	if got.Status != twofetch.AccountActive || got.NextRunAt == nil || !got.NextRunAt.Equal(now.Add(2*time.Minute)) {
		t.Fatalf("after ScheduleSoon: status %s, next %v", got.Status, got.NextRunAt)
	}
	if n, _, _ := s.Tick(ctx); n != 0 {
		t.Fatalf("enqueued before its first run is due")
	}
	now = now.Add(2 * time.Minute)
	if n, _, err := s.Tick(ctx); err != nil || n != 1 {
		t.Fatalf("first run: %d enqueued, %v", n, err)
	}
}

var benchAccounts = flag.Int("accounts", 10000, "accounts in BenchmarkSchedulerTick")

// batchStore adds the one-transaction NextRunSetter to the SQLite store,
// writing the same column the store does, to measure what the scheduler
// gains from it.
type batchStore struct {
	twofetch.Store
	db *sql.DB
}

func (s *batchStore) SetNextRuns(ctx context.Context, next map[string]time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `UPDATE accounts SET next_run_at = ?, updated_at = ? WHERE id = ? AND status = 'active'`)
	if err != nil {
		return err
	}
	now := time.Now().UnixNano()
	for id, t := range next {
		if _, err := st.ExecContext(ctx, t.UnixNano(), now, id); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// seedFast inserts n due accounts in one transaction; CreateAccount's sync
// per row would make seeding 100,000 take minutes.
func seedFast(b *testing.B, db *sql.DB, tenantID string, n int, due time.Time) {
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	st, err := tx.Prepare(`INSERT INTO accounts (id, tenant_id, portal, username, status, next_run_at, created_at, updated_at)
		VALUES (?, ?, 'testportal', ?, 'active', ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if _, err := st.Exec(twofetch.NewID("acc"), tenantID, fmt.Sprintf("user%d", i), due.UnixNano(), due.UnixNano(), due.UnixNano()); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSchedulerTick measures one scheduler tick over every account
// due at once (SQLite, real Redis): the worst case after a long outage.
// Each iteration moves the clock two days on, so all are due again.
func BenchmarkSchedulerTick(b *testing.B) {
	for _, batched := range []bool{false, true} {
		name := "update-per-account"
		if batched {
			name = "batched-next-runs"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			rdb := redis.NewClient(&redis.Options{Addr: testenv.StartRedis(b).Addr})
			defer rdb.Close()
			path := filepath.Join(b.TempDir(), "bench.db")
			var st twofetch.Store = openStore(b, "sqlite:"+path)
			ten := &twofetch.Tenant{Name: "bench", QuietStart: 22, QuietEnd: 6, TimeZone: "Europe/Berlin"}
			if err := st.CreateTenant(ctx, ten); err != nil {
				b.Fatal(err)
			}
			db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			start := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
			seedFast(b, db, ten.ID, *benchAccounts, start.Add(-time.Hour))
			if batched {
				st = &batchStore{Store: st, db: db}
			}
			now := start
			s, _ := NewScheduler(SchedulerConfig{Store: st, Redis: rdb, Batch: 500, Now: func() time.Time { return now }})
			defer s.Close()
			b.ResetTimer()
			total := 0
			for i := 0; i < b.N; i++ {
				now = start.Add(time.Duration(i) * 48 * time.Hour)
				n, _, err := s.Tick(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if n != *benchAccounts {
					b.Fatalf("tick enqueued %d of %d", n, *benchAccounts)
				}
				total += n
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "accounts/s")
		})
	}
}

// The scheduler makes a login due, not each account: the accounts due
// behind one login become one fetch:login task, even when the batch
// boundary splits them, and their next runs fall on the login's slot.
func TestSchedulerLoginTask(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testSchedulerLoginTask(t, newEnv(t)) })
	t.Run("postgres", func(t *testing.T) { testSchedulerLoginTask(t, newEnvOn(t, t.TempDir(), testenv.PostgresURL(t))) })
}

func testSchedulerLoginTask(t *testing.T, e *env) {
	ctx := context.Background()
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	// Two single-account logins first, so a batch of two ends before the
	// shared login's accounts, which are due later and split over batches.
	singles := seedAccounts(t, e.store, e.tenant.ID, 2, now.Add(-3*time.Hour))
	earlier, later := now.Add(-2*time.Hour), now.Add(-time.Minute)
	first := &twofetch.Account{TenantID: e.tenant.ID, Portal: "amazon-de", Username: "family@example.com", Status: twofetch.AccountActive, NextRunAt: &earlier}
	if err := e.store.CreateAccount(ctx, first); err != nil {
		t.Fatal(err)
	}
	var behind []*twofetch.Account
	for i, p := range []string{"amazon-fr", "audible-de"} {
		at := later
		if i == 0 {
			at = earlier
		}
		a := &twofetch.Account{TenantID: e.tenant.ID, LoginID: first.LoginID, Portal: p, Username: "family@example.com", Status: twofetch.AccountActive, NextRunAt: &at}
		if err := e.store.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		behind = append(behind, a)
	}
	// Not due yet: stays out of today's task.
	notYet := now.Add(time.Hour)
	idle := &twofetch.Account{TenantID: e.tenant.ID, LoginID: first.LoginID, Portal: "amazon-sellercentral", Username: "family@example.com", Status: twofetch.AccountActive, NextRunAt: &notYet}
	if err := e.store.CreateAccount(ctx, idle); err != nil {
		t.Fatal(err)
	}
	s, err := NewScheduler(SchedulerConfig{Store: e.store, Redis: e.rdb, Batch: 3, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, dup, err := s.Tick(ctx)
	if err != nil || n != 3 || dup != 0 {
		t.Fatalf("tick queued %d (%d duplicates, err %v), want 3 tasks: two single logins and the shared one", n, dup, err)
	}
	var logins []LoginPayload
	singleTasks := 0
	for _, ti := range pendingDaily(t, e.rdb) {
		switch ti.Type {
		case TypeFetchAccount:
			singleTasks++
		case TypeFetchLogin:
			var p LoginPayload
			if err := decode(asynq.NewTask(ti.Type, ti.Payload), &p); err != nil {
				t.Fatal(err)
			}
			if ti.ID != SlotTaskID(first.LoginID, earlier) {
				t.Errorf("login task id %s, want %s", ti.ID, SlotTaskID(first.LoginID, earlier))
			}
			logins = append(logins, p)
		}
	}
	if singleTasks != len(singles) || len(logins) != 1 {
		t.Fatalf("%d account tasks and %d login tasks, want %d and 1", singleTasks, len(logins), len(singles))
	}
	got := map[string]bool{}
	for _, r := range logins[0].Runs {
		got[r.AccountID] = true
		if r.RunID == "" {
			t.Error("a run without id")
		}
	}
	if logins[0].LoginID != first.LoginID || len(got) != 3 || !got[first.ID] || !got[behind[0].ID] || !got[behind[1].ID] {
		t.Fatalf("login task %+v, want the login's three due accounts", logins[0])
	}
	slot := NextSlot(first.LoginID, e.tenant, now.Add(12*time.Hour))
	for _, a := range append([]*twofetch.Account{first}, behind...) {
		a, err := e.store.AccountByID(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.NextRunAt == nil || !a.NextRunAt.Equal(slot) {
			t.Errorf("account %s next run %v, want the login's slot %s", a.Portal, a.NextRunAt, slot)
		}
	}
	if a, _ := e.store.AccountByID(ctx, idle.ID); !a.NextRunAt.Equal(notYet) {
		t.Errorf("the account not yet due moved to %v", a.NextRunAt)
	}
}

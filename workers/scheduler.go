package workers

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/metrics"
)

// SchedulerConfig configures a Scheduler.
type SchedulerConfig struct {
	Store twofetch.Store
	// Redis is the queue; required for Run and Tick.
	Redis redis.UniversalClient
	// Interval between looks for due accounts. If zero, one minute.
	Interval time.Duration
	// Batch is how many due accounts are read at once. If zero, 500.
	Batch int
	// FirstRunDelay is how soon a new or newly enrolled account runs. If
	// zero, two minutes.
	FirstRunDelay time.Duration
	Logger        *slog.Logger
	Now           func() time.Time
}

// Scheduler enqueues each login with active accounts once per day at a
// time of its own. Several schedulers may run against the same store and
// Redis: the task id fetch:LOGIN:SLOT makes a slot's task unique, so at most one of
// them queues it, and a slot missed while no scheduler ran is queued late
// rather than skipped.
type Scheduler struct {
	cfg    SchedulerConfig
	client *asynq.Client

	mu      sync.Mutex
	tenants map[string]cachedTenant
}

type cachedTenant struct {
	t  *twofetch.Tenant
	at time.Time
}

// NewScheduler returns a scheduler; NextRun works without Redis.
func NewScheduler(cfg SchedulerConfig) (*Scheduler, error) {
	if cfg.Store == nil {
		return nil, errors.New("workers: scheduler needs a Store")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Minute
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 500
	}
	if cfg.FirstRunDelay <= 0 {
		cfg.FirstRunDelay = 2 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Scheduler{cfg: cfg, tenants: map[string]cachedTenant{}}
	if cfg.Redis != nil {
		s.client = asynq.NewClientFromRedisClient(cfg.Redis)
	}
	return s, nil
}

// Run calls Tick every Interval until ctx ends.
func (s *Scheduler) Run(ctx context.Context) error {
	if s.client == nil {
		return errors.New("workers: scheduler needs Redis to run")
	}
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		if n, dup, err := s.Tick(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			s.cfg.Logger.ErrorContext(ctx, "scheduling failed; trying again", "err", err)
		} else if n+dup > 0 {
			s.cfg.Logger.InfoContext(ctx, "accounts scheduled", "enqueued", n, "duplicates", dup)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// enqueueParallelism is how many tasks a tick queues at once: each is a
// Redis round trip, which is latency, not load.
const enqueueParallelism = 8

// Tick enqueues every login with an account due now, batch by batch, and
// moves each due account's next run to its slot tomorrow. A login's task
// runs all its accounts due now in one session, so a login signs in once
// a day however many products stand behind it. It returns how many tasks
// it queued and how many another scheduler had already queued.
func (s *Scheduler) Tick(ctx context.Context) (enqueued, duplicates int, err error) {
	now := s.cfg.Now()
	seen := map[string]bool{}
	for {
		due, err := s.cfg.Store.DueAccounts(ctx, now, s.cfg.Batch)
		if err != nil {
			return enqueued, duplicates, fmt.Errorf("due accounts: %w", err)
		}
		var fresh []*twofetch.Account
		for _, a := range due {
			// An account seen before in this tick failed to move on; it
			// waits for the next tick rather than loop here.
			if !seen[a.ID] {
				seen[a.ID] = true
				fresh = append(fresh, a)
			}
		}
		groups, err := s.byLogin(ctx, fresh, now, seen)
		if err != nil {
			return enqueued, duplicates, err
		}
		n, d, err := s.enqueueBatch(ctx, groups, now)
		enqueued, duplicates = enqueued+n, duplicates+d
		if err != nil {
			return enqueued, duplicates, err
		}
		if len(due) < s.cfg.Batch || len(fresh) == 0 {
			return enqueued, duplicates, nil
		}
	}
}

// byLogin groups due accounts by login, completed with the accounts of
// those logins that are due too but fell into another batch.
func (s *Scheduler) byLogin(ctx context.Context, due []*twofetch.Account, now time.Time, seen map[string]bool) ([][]*twofetch.Account, error) {
	var order []string
	groups := map[string][]*twofetch.Account{}
	for _, a := range due {
		l := a.LoginOrOwnID()
		if _, ok := groups[l]; !ok {
			order = append(order, l)
		}
		groups[l] = append(groups[l], a)
	}
	if len(order) > 0 {
		more, err := s.cfg.Store.DueLoginAccounts(ctx, now, order)
		if err != nil {
			return nil, fmt.Errorf("due accounts of logins: %w", err)
		}
		for _, a := range more {
			if !seen[a.ID] {
				seen[a.ID] = true
				groups[a.LoginOrOwnID()] = append(groups[a.LoginOrOwnID()], a)
			}
		}
	}
	out := make([][]*twofetch.Account, len(order))
	for i, l := range order {
		out[i] = groups[l]
	}
	return out, nil
}

func (s *Scheduler) enqueueBatch(ctx context.Context, batch [][]*twofetch.Account, now time.Time) (enqueued, duplicates int, err error) {
	dup := make([]bool, len(batch))
	errs := make([]error, len(batch))
	sem := make(chan struct{}, enqueueParallelism)
	var wg sync.WaitGroup
	for i, g := range batch {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			dup[i], errs[i] = s.enqueue(ctx, g, now)
		}()
	}
	wg.Wait()
	next := map[string]time.Time{}
	var firstErr error
	for i, g := range batch {
		if errs[i] != nil {
			if firstErr == nil {
				firstErr = errs[i]
			}
			continue
		}
		if dup[i] {
			duplicates++
		} else {
			enqueued++
		}
		for _, a := range g {
			// Half a day ahead: a late (caught-up) run is not followed by
			// another within hours, and an on-time one lands on
			// tomorrow's slot.
			next[a.ID] = s.NextRun(ctx, a, now.Add(DailyInterval/2))
		}
	}
	// What is queued must be recorded even when the scheduler is stopping,
	// or the account stays due and its slot is looked at again on restart.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := s.setNextRuns(bctx, next); err != nil {
		return enqueued, duplicates, err
	}
	return enqueued, duplicates, firstErr
}

func (s *Scheduler) setNextRuns(ctx context.Context, next map[string]time.Time) error {
	if len(next) == 0 {
		return nil
	}
	// One transaction per batch, touching only next_run_at of accounts
	// still active, so a status changed meanwhile is never overwritten.
	if err := s.cfg.Store.SetNextRuns(ctx, next); err != nil {
		return fmt.Errorf("advance next runs: %w", err)
	}
	return nil
}

// enqueue queues the run of a login's due accounts g: a fetch:account
// task for one account (what workers of every version run), a
// fetch:login task for several. Either way the task id names the login
// and its earliest slot, so schedulers that read the login's accounts at
// different moments queue it once.
func (s *Scheduler) enqueue(ctx context.Context, g []*twofetch.Account, now time.Time) (dup bool, err error) {
	slot := now
	for i, a := range g {
		if a.NextRunAt != nil && (i == 0 || a.NextRunAt.Before(slot)) {
			slot = *a.NextRunAt
		}
	}
	login := g[0].LoginOrOwnID()
	opts := []asynq.Option{asynq.TaskID(SlotTaskID(login, slot)),
		// Keeping the finished task keeps its id taken, so a scheduler that
		// read the account before this one moved next_run_at cannot queue
		// the same slot again. That window is one tick long; an hour covers
		// it without keeping a day of finished tasks in Redis.
		asynq.Retention(time.Hour)}
	var t *asynq.Task
	if len(g) == 1 {
		t, err = NewFetchTask(FetchPayload{AccountID: g[0].ID, Trigger: twofetch.TriggerSchedule}, opts...)
	} else {
		p := LoginPayload{LoginID: login, Trigger: twofetch.TriggerSchedule}
		for _, a := range g {
			p.Runs = append(p.Runs, AccountRun{AccountID: a.ID})
		}
		t, err = NewLoginTask(p, opts...)
	}
	if err != nil {
		return false, err
	}
	_, err = s.client.EnqueueContext(ctx, t)
	switch {
	case errors.Is(err, asynq.ErrTaskIDConflict):
		metrics.Scheduled.WithLabelValues("duplicate").Inc()
		return true, nil
	case err != nil:
		return false, fmt.Errorf("queue login %s: %w", login, err)
	}
	metrics.Scheduled.WithLabelValues("enqueued").Inc()
	return false, nil
}

// SlotTaskID names the task of a login's slot. A login made for an
// account has the account's id, so its task keeps the name it had when
// runs were per account.
func SlotTaskID(loginID string, slot time.Time) string {
	return "fetch:" + loginID + ":" + strconv.FormatInt(slot.Unix(), 10)
}

// FirstRun is when a new or newly enrolled account should first run.
func (s *Scheduler) FirstRun() time.Time { return s.cfg.Now().Add(s.cfg.FirstRunDelay).UTC() }

// ScheduleSoon makes an active account run within FirstRunDelay, for
// accounts just created or enrolled (enroll.Config.Confirmed).
func (s *Scheduler) ScheduleSoon(ctx context.Context, a *twofetch.Account) error {
	next := s.FirstRun()
	if err := s.cfg.Store.SetNextRuns(ctx, map[string]time.Time{a.ID: next}); err != nil {
		return err
	}
	a.NextRunAt = &next
	return nil
}

// NextRun is the account's first slot strictly after after, in its
// tenant's time zone and outside its quiet hours and days. The slot is
// its login's, so the accounts behind one login fall due together and
// run in one session.
func (s *Scheduler) NextRun(ctx context.Context, a *twofetch.Account, after time.Time) time.Time {
	return NextSlot(a.LoginOrOwnID(), s.tenant(ctx, a.TenantID), after)
}

func (s *Scheduler) tenant(ctx context.Context, id string) *twofetch.Tenant {
	s.mu.Lock()
	c, ok := s.tenants[id]
	s.mu.Unlock()
	if ok && s.cfg.Now().Sub(c.at) < 5*time.Minute {
		return c.t
	}
	t, err := s.cfg.Store.Tenant(ctx, id)
	if err != nil {
		// Without its settings the account still runs, in UTC with no
		// quiet hours, rather than not at all.
		s.cfg.Logger.WarnContext(ctx, "load tenant for scheduling", "tenant", id, "err", err)
		return nil
	}
	s.mu.Lock()
	s.tenants[id] = cachedTenant{t: t, at: s.cfg.Now()}
	s.mu.Unlock()
	return t
}

// Close releases the queue client.
func (s *Scheduler) Close() error {
	if s.client == nil {
		return nil
	}
	return s.client.Close()
}

// NextSlot returns the account's first daily slot strictly after after.
// The slot's place in the day is a hash of the account id, so runs spread
// evenly and stay put from day to day. Tenant quiet hours [QuietStart,
// QuietEnd) shrink the day to the hours outside them, and quiet days are
// skipped; t may be nil (UTC, no quiet time).
func NextSlot(accountID string, t *twofetch.Tenant, after time.Time) time.Time {
	loc := time.UTC
	qs, qe := 0, 0
	var quietDays [7]bool
	if t != nil {
		if t.TimeZone != "" {
			if l := location(t.TimeZone); l != nil {
				loc = l
			}
		}
		if t.QuietStart >= 0 && t.QuietStart < 24 && t.QuietEnd >= 0 && t.QuietEnd < 24 {
			qs, qe = t.QuietStart, t.QuietEnd
		}
		n := 0
		for _, d := range t.QuietDays {
			if d >= 0 && d < 7 && !quietDays[d] {
				quietDays[d] = true
				n++
			}
		}
		if n == 7 {
			quietDays = [7]bool{} // a week without a day to run in means none was meant
		}
	}
	// The window of the day in which runs may start, from hour qe for
	// window hours.
	windowHours := 24
	startHour := 0
	if qs != qe {
		startHour = qe
		windowHours = (qs - qe + 24) % 24
	}
	window := time.Duration(windowHours) * time.Hour
	// The slot is a wall-clock time, not midnight plus a duration: on the
	// days clocks change, a duration would move every run by an hour and
	// push some into quiet hours.
	wall := startHour*3600 + int(accountHash(accountID)%uint64(window/time.Second))

	local := after.In(loc)
	// Start a day early: a window that crosses midnight may still have
	// yesterday's slot ahead.
	for i := -1; i < 9; i++ {
		slot := wallClock(local.Year(), local.Month(), local.Day()+i, wall, loc)
		if !slot.After(after) || quietDays[slot.Weekday()] {
			continue
		}
		return slot.UTC()
	}
	return after.Add(DailyInterval).UTC()
}

// wallClock is the instant the clocks of loc show secs seconds past
// midnight of the given day (secs may pass into the next day). A time the
// clocks skip, inside a spring-forward gap, becomes the instant the gap
// ends; a time they show twice is the first of the two.
func wallClock(year int, month time.Month, day, secs int, loc *time.Location) time.Time {
	h, m, sec := secs/3600, secs/60%60, secs%60
	t := time.Date(year, month, day, h, m, sec, 0, loc)
	want := time.Date(year, month, day, h, m, sec, 0, time.UTC)
	if shown := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC); !shown.Equal(want) {
		// time.Date resolved the skipped time with the offset of one side
		// of the gap; the gap ends where t's period starts or ends.
		start, end := t.ZoneBounds()
		if shown.After(want) {
			return start
		}
		return end
	}
	// After clocks go back, the wall times of the first period after the
	// change repeat those just before it; take the earlier instant.
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return t
	}
	_, off := t.Zone()
	_, prev := start.Add(-time.Second).Zone()
	if back := time.Duration(prev-off) * time.Second; back > 0 && t.Sub(start) < back {
		return t.Add(-back)
	}
	return t
}

// locations caches loaded time zones: LoadLocation reads the zone file
// each time, and a tick places thousands of accounts.
var locations sync.Map // string -> *time.Location (nil for unknown)

func location(name string) *time.Location {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		l = nil
	}
	locations.Store(name, l)
	return l
}

func accountHash(id string) uint64 {
	h := sha256.Sum256([]byte(id))
	return binary.BigEndian.Uint64(h[:8])
}

package store

import (
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
)

func testEvents(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "events")
	a := newAccount(t, s, tn.ID)
	inv := &twofetch.Invoice{TenantID: tn.ID, AccountID: a.ID, Portal: "example", PortalInvoiceID: "I1", SHA256: "aa"}
	must(t, s.CreateInvoice(ctx, inv))
	// A conflicting invoice writes no event either.
	wantCode(t, s.CreateInvoice(ctx, &twofetch.Invoice{TenantID: tn.ID, AccountID: a.ID, Portal: "example", PortalInvoiceID: "I1", SHA256: "bb"}), twofetch.ECONFLICT)
	e := &twofetch.Enrollment{TenantID: tn.ID, AccountID: a.ID, Status: twofetch.EnrollmentPending, ExpiresAt: time.Now().Add(time.Hour)}
	must(t, s.CreateEnrollment(ctx, e))
	e.Status = twofetch.EnrollmentSMSSent
	must(t, s.UpdateEnrollment(ctx, e))
	e.SMSCount++
	must(t, s.UpdateEnrollment(ctx, e)) // same status: no event
	must(t, s.QueueRun(ctx, &twofetch.Run{TenantID: tn.ID, AccountID: a.ID, Portal: "example", Trigger: twofetch.TriggerManual}))

	evs, err := s.ListEvents(ctx, tn.ID, "", 0)
	must(t, err)
	if len(evs) != 2 || evs[0].Type != twofetch.EventInvoiceCreated || evs[1].Type != "enrollment.sms_sent" {
		t.Fatalf("events %v", evs)
	}
	next, err := s.ListEvents(ctx, tn.ID, evs[0].ID, 0)
	must(t, err)
	if len(next) != 1 || next[0].ID != evs[1].ID {
		t.Fatalf("events after the first: %v", next)
	}
	other, _ := newTenant(t, s, "other")
	if _, err := s.ListEvents(ctx, other.ID, evs[0].ID, 0); twofetch.ErrorCode(err) != twofetch.EINVALID {
		t.Fatalf("another tenant's event as cursor: %v", err)
	}

	// Relays in two processes claim disjoint events; released and expired
	// claims come back; relayed events never do.
	s2 := second(t, s)
	var wg sync.WaitGroup
	claimed := make([][]*twofetch.Event, 2)
	for i, db := range []*DB{s, s2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := db.ClaimEvents(ctx, 10, time.Minute)
			if err != nil {
				t.Error(err)
			}
			claimed[i] = c
		}()
	}
	wg.Wait()
	seen := map[int64]int{}
	for _, c := range claimed {
		for _, e := range c {
			seen[e.Seq]++
		}
	}
	if len(seen) != 3 {
		t.Fatalf("claimed %d distinct events of 3 (internal included): %v", len(seen), seen)
	}
	for seq, n := range seen {
		if n != 1 {
			t.Fatalf("event %d claimed by %d relays", seq, n)
		}
	}
	if c, err := s.ClaimEvents(ctx, 10, time.Minute); err != nil || len(c) != 0 {
		t.Fatalf("claimed events claimed again: %v, %v", c, err)
	}
	all := append(claimed[0], claimed[1]...)
	must(t, s.ReleaseEvents(ctx, []int64{all[0].Seq}))
	must(t, s.MarkRelayed(ctx, []int64{all[1].Seq}))
	c, err := s.ClaimEvents(ctx, 10, -time.Second) // a lease already over
	must(t, err)
	if len(c) != 1 || c[0].Seq != all[0].Seq {
		t.Fatalf("after release: %v", c)
	}
	c, err = s.ClaimEvents(ctx, 10, time.Minute)
	must(t, err)
	if len(c) != 1 || c[0].Seq != all[0].Seq {
		t.Fatalf("after an expired claim: %v", c)
	}
}

func testFinishRun(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "finish")
	a := newAccount(t, s, tn.ID)
	r := &twofetch.Run{TenantID: tn.ID, AccountID: a.ID, Portal: "example"}
	must(t, s.CreateRun(ctx, r))
	started := time.Now()
	lease := started.Add(time.Hour)
	r.Attempt, r.StartedAt, r.LeaseUntil = 1, &started, &lease
	must(t, s.StartRun(ctx, r))

	// The key is confirmed while the run is at the 2FA prompt.
	confirmed, err := s.ConfirmKey(ctx, tn.ID, a.ID)
	must(t, err)
	if !confirmed.HasKey || confirmed.StateVersion == a.StateVersion {
		t.Fatalf("after ConfirmKey: %+v", confirmed)
	}
	fin := started.Add(time.Minute)
	next := started.Add(24 * time.Hour)
	r.Outcome, r.Detail, r.FinishedAt = twofetch.OutcomeOTPMissing, "no key", &fin
	r.Steps = []twofetch.StepLog{{Path: "login/0", Kind: "type", Name: "code", Err: "no key"}}
	r.SessionReused = true
	status, _ := twofetch.NewEvent(tn.ID, "account.needs_enrollment", map[string]string{"account_id": a.ID})
	done, _ := twofetch.NewEvent(tn.ID, twofetch.EventRunFinished, r.EventData())
	f := &twofetch.RunFinish{Run: r, Attempt: 1, Status: twofetch.AccountNeedsEnrollment, StateVersion: a.StateVersion,
		NextRunAt: &next, Events: []*twofetch.Event{done}, StatusEvent: status}
	must(t, s.FinishRun(ctx, f))
	got, err := s.AccountByID(ctx, a.ID)
	must(t, err)
	if got.Status != twofetch.AccountActive || !got.HasKey || got.LastOutcome != twofetch.OutcomeOTPMissing || !got.NextRunAt.Equal(next) {
		t.Fatalf("account after a stale run's finish: %+v", got)
	}
	gr, err := s.RunByID(ctx, r.ID)
	must(t, err)
	if gr.Outcome != twofetch.OutcomeOTPMissing || gr.LeaseUntil != nil || !gr.SessionReused || len(gr.Steps) != 1 || gr.Steps[0].Err != "no key" {
		t.Fatalf("run after finish: %+v", gr)
	}
	// Recording it again (a retry after a lost commit answer) changes nothing.
	done2, _ := twofetch.NewEvent(tn.ID, twofetch.EventRunFinished, r.EventData())
	f.Events = []*twofetch.Event{done2}
	must(t, s.FinishRun(ctx, f))
	evs, err := s.ListEvents(ctx, tn.ID, "", 0)
	must(t, err)
	if len(evs) != 1 || evs[0].ID != done.ID {
		t.Fatalf("events after finishing twice: %v", evs)
	}

	// With the account as the run found it, the status does change.
	r2 := &twofetch.Run{TenantID: tn.ID, AccountID: a.ID, Portal: "example"}
	must(t, s.CreateRun(ctx, r2))
	r2.Attempt, r2.StartedAt = 1, &started
	must(t, s.StartRun(ctx, r2))
	r2.Outcome, r2.FinishedAt = twofetch.OutcomeBadCredentials, &fin
	status2, _ := twofetch.NewEvent(tn.ID, "account.needs_customer", map[string]string{"account_id": a.ID})
	must(t, s.FinishRun(ctx, &twofetch.RunFinish{Run: r2, Attempt: 1, Status: twofetch.AccountNeedsCustomer,
		StateVersion: got.StateVersion, StatusEvent: status2}))
	got, _ = s.AccountByID(ctx, a.ID)
	evs, _ = s.ListEvents(ctx, tn.ID, "", 0)
	if got.Status != twofetch.AccountNeedsCustomer || len(evs) != 2 || evs[1].ID != status2.ID {
		t.Fatalf("account %s, events %v", got.Status, evs)
	}
}

func testSweepRuns(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "sweep")
	a := newAccount(t, s, tn.ID)
	now := time.Now()
	lost := &twofetch.Run{TenantID: tn.ID, AccountID: a.ID, Portal: "example"}
	live := &twofetch.Run{TenantID: tn.ID, AccountID: a.ID, Portal: "example"}
	for i, r := range []*twofetch.Run{lost, live} {
		must(t, s.CreateRun(ctx, r))
		lease := now.Add(time.Duration(2*i-1) * time.Minute)
		r.Attempt, r.StartedAt, r.LeaseUntil = 1, &now, &lease
		must(t, s.StartRun(ctx, r))
	}
	retry := now.Add(5 * time.Minute)
	swept, err := s.SweepRuns(ctx, now, retry)
	must(t, err)
	if len(swept) != 1 || swept[0].ID != lost.ID {
		t.Fatalf("swept %v", swept)
	}
	got, _ := s.RunByID(ctx, lost.ID)
	if got.Outcome != twofetch.OutcomeTransient || got.FinishedAt == nil || got.LeaseUntil != nil {
		t.Fatalf("swept run %+v", got)
	}
	if r, _ := s.RunByID(ctx, live.ID); r.Outcome != "" {
		t.Fatalf("run with a live lease swept: %+v", r)
	}
	acc, _ := s.AccountByID(ctx, a.ID)
	if acc.NextRunAt == nil || !acc.NextRunAt.Equal(utc(retry)) || acc.LastOutcome != twofetch.OutcomeTransient {
		t.Fatalf("account of the swept run: %+v", acc)
	}
	if swept, err := s.SweepRuns(ctx, now, retry); err != nil || len(swept) != 0 {
		t.Fatalf("second sweep: %v, %v", swept, err)
	}
	evs, _ := s.ListEvents(ctx, tn.ID, "", 0)
	if len(evs) != 1 || evs[0].Type != twofetch.EventRunFinished {
		t.Fatalf("events of the sweep: %v", evs)
	}
}

// testEventsCommitOrder has two writers commit their events in the opposite
// order of their ids while a reader pages with after=: the reader must see
// both, or an operator catching up would lose the first for good.
func testEventsCommitOrder(t *testing.T, s *DB) {
	if s.dialect != dialectPostgres {
		t.Skip("SQLite lets one writer at a time begin a transaction, so ids commit in order")
	}
	tn, _ := newTenant(t, s, "order")
	first, _ := twofetch.NewEvent(tn.ID, "account.created", map[string]string{"n": "0"})
	must(t, s.AddEvent(ctx, first))
	slow, _ := twofetch.NewEvent(tn.ID, "account.created", map[string]string{"n": "1"})
	fast, _ := twofetch.NewEvent(tn.ID, "account.created", map[string]string{"n": "2"})

	// The slow writer writes its event, then waits before committing.
	written, commit, slowDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		slowDone <- s.inTx(ctx, func(tx *sql.Tx) error {
			err := s.addEvent(ctx, tx, slow)
			close(written)
			<-commit
			return err
		})
	}()
	<-written
	// The fast writer starts after it and would commit first if nothing
	// held it back.
	pid, fastDone := make(chan int, 1), make(chan error, 1)
	go func() {
		fastDone <- s.inTx(ctx, func(tx *sql.Tx) error {
			var p int
			if err := tx.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&p); err != nil {
				close(pid)
				return err
			}
			pid <- p
			return s.addEvent(ctx, tx, fast)
		})
	}()
	fastPid := <-pid
	// Wait until the fast writer has committed or waits for a lock.
	for waiting := false; !waiting; {
		select {
		case err := <-fastDone:
			must(t, err)
			fastDone <- nil
			waiting = true
		default:
			must(t, s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = $1 AND NOT granted)`,
				fastPid).Scan(&waiting))
			if !waiting {
				time.Sleep(time.Millisecond)
			}
		}
	}

	// A reader catches up now, then once both writers are done.
	seen := map[string]bool{}
	cursor := first.ID
	page := func() {
		evs, err := s.ListEvents(ctx, tn.ID, cursor, 0)
		must(t, err)
		for _, e := range evs {
			seen[e.ID] = true
			cursor = e.ID
		}
	}
	page()
	close(commit)
	must(t, <-slowDone)
	must(t, <-fastDone)
	page()
	if !seen[slow.ID] || !seen[fast.ID] {
		t.Fatalf("reader paging with after= saw slow writer's event %v, fast writer's %v", seen[slow.ID], seen[fast.ID])
	}
}

// testRenameDuringRun renames an account while a run is in flight: the
// run's finish still changes the status it expected, and the new label
// stays.
func testRenameDuringRun(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "rename")
	other, _ := newTenant(t, s, "other")
	a := newAccount(t, s, tn.ID, func(a *twofetch.Account) { a.Label = "cust-1" })
	r := &twofetch.Run{TenantID: tn.ID, AccountID: a.ID, Portal: "example"}
	must(t, s.CreateRun(ctx, r))
	started := time.Now()
	r.Attempt, r.StartedAt = 1, &started
	must(t, s.StartRun(ctx, r))

	renamed, err := s.RenameAccount(ctx, tn.ID, a.ID, "cust-2")
	must(t, err)
	if renamed.Label != "cust-2" || renamed.StateVersion != a.StateVersion || renamed.Status != a.Status {
		t.Fatalf("after RenameAccount: %+v", renamed)
	}
	_, err = s.RenameAccount(ctx, other.ID, a.ID, "stolen")
	wantCode(t, err, twofetch.ENOTFOUND)
	_, err = s.RenameAccount(ctx, tn.ID, "acc_missing", "x")
	wantCode(t, err, twofetch.ENOTFOUND)

	fin := started.Add(time.Minute)
	r.Outcome, r.FinishedAt = twofetch.OutcomeBadCredentials, &fin
	must(t, s.FinishRun(ctx, &twofetch.RunFinish{Run: r, Attempt: 1, Status: twofetch.AccountNeedsCustomer,
		StateVersion: a.StateVersion}))
	got, err := s.Account(ctx, tn.ID, a.ID)
	must(t, err)
	if got.Label != "cust-2" || got.Status != twofetch.AccountNeedsCustomer {
		t.Fatalf("after the run's finish: label %q, status %s", got.Label, got.Status)
	}
}

// testPruneHistory deletes old finished runs once their artifacts are gone
// and old events once relayed, and nothing else.
func testPruneHistory(t *testing.T, s *DB) {
	tn, _ := newTenant(t, s, "prune")
	a := newAccount(t, s, tn.ID)
	now := time.Now()
	old, recent := now.Add(-400*24*time.Hour), now.Add(-time.Hour)
	run := func(finished *time.Time, artifacts string) *twofetch.Run {
		r := &twofetch.Run{TenantID: tn.ID, AccountID: a.ID, Portal: "example", Trigger: twofetch.TriggerSchedule, CreatedAt: old}
		must(t, s.CreateRun(ctx, r))
		r.Outcome, r.FinishedAt, r.Artifacts = twofetch.OutcomeOK, finished, artifacts
		must(t, s.UpdateRun(ctx, r))
		return r
	}
	gone := run(&old, "")
	withArtifacts := run(&old, "artifacts/"+twofetch.NewID("run")+"/")
	fresh := run(&recent, "")
	unfinished := run(nil, "")
	inv := &twofetch.Invoice{TenantID: tn.ID, AccountID: a.ID, RunID: gone.ID, Portal: "example",
		PortalInvoiceID: "I-1", SHA256: fmt.Sprintf("%064d", 1), ContentType: "application/pdf"}
	must(t, s.CreateInvoice(ctx, inv))

	event := func(at time.Time, relay bool) *twofetch.Event {
		ev, err := twofetch.NewEvent(tn.ID, "account.needs_customer", map[string]string{"account_id": a.ID})
		must(t, err)
		ev.CreatedAt = at
		must(t, s.AddEvent(ctx, ev))
		if relay {
			claimed, err := s.ClaimEvents(ctx, 100, time.Minute)
			must(t, err)
			var mine, others []int64
			for _, c := range claimed {
				if c.ID == ev.ID {
					mine = append(mine, c.Seq)
				} else {
					others = append(others, c.Seq)
				}
			}
			must(t, s.MarkRelayed(ctx, mine))
			must(t, s.ReleaseEvents(ctx, others))
		}
		return ev
	}
	oldRelayed := event(old, true)
	oldPending := event(old, false)
	freshRelayed := event(recent, true)

	runs, events, err := s.PruneHistory(ctx, now.Add(-180*24*time.Hour))
	must(t, err)
	if runs != 1 || events != 1 {
		t.Fatalf("pruned %d runs and %d events, want 1 and 1", runs, events)
	}
	_, err = s.RunByID(ctx, gone.ID)
	wantCode(t, err, twofetch.ENOTFOUND)
	for _, r := range []*twofetch.Run{withArtifacts, fresh, unfinished} {
		if _, err := s.RunByID(ctx, r.ID); err != nil {
			t.Errorf("run %s pruned: %v", r.ID, err)
		}
	}
	if _, err := s.Invoice(ctx, tn.ID, inv.ID); err != nil {
		t.Fatalf("the invoice of a pruned run: %v", err)
	}
	evs, err := s.ListEvents(ctx, tn.ID, "", 100)
	must(t, err)
	left := map[string]bool{}
	for _, ev := range evs {
		left[ev.ID] = true
	}
	if left[oldRelayed.ID] || !left[oldPending.ID] || !left[freshRelayed.ID] {
		t.Fatalf("events left: %v", left)
	}
	if runs, events, err := s.PruneHistory(ctx, time.Time{}); err != nil || runs+events != 0 {
		t.Fatalf("a zero time pruned %d runs and %d events: %v", runs, events, err)
	}
}

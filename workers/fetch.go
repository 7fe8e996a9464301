package workers

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/metrics"
)

// loginLockKey names the lock of a login: the accounts behind one sign-in
// never sign in at once, or the second would log the first out or reuse
// its code.
func loginLockKey(id string) string { return "twofetch:lock:login:" + id }

// handleFetch runs one attempt of a fetch:account task: a run of one
// account (run now, enrolled), under its login's lock.
func (s *Server) handleFetch(ctx context.Context, t *asynq.Task) error {
	var p FetchPayload
	if err := decode(t, &p); err != nil {
		return err
	}
	return s.runLogin(ctx, "", p.Trigger, []AccountRun{{AccountID: p.AccountID, RunID: p.RunID, Since: p.Since}})
}

// handleFetchLogin runs one attempt of a fetch:login task: the daily run
// of a login, every account behind it in one browser session.
func (s *Server) handleFetchLogin(ctx context.Context, t *asynq.Task) error {
	var p LoginPayload
	if err := decode(t, &p); err != nil {
		return err
	}
	return s.runLogin(ctx, p.LoginID, p.Trigger, p.Runs)
}

// accountJob is one account's part of an attempt.
type accountJob struct {
	acct    *twofetch.Account
	fields  map[string]string
	runID   string
	since   string
	run     *twofetch.Run
	scratch string
	saved   atomic.Int64
	job     *twofetch.FetchJob
}

// runLogin runs one attempt of the runs of accounts behind one login:
// one sign-in, then each account's documents, each account's result
// recorded on its own run (FinishRun per account). A run whose earlier
// attempt ended for good is not run again when the task is retried for
// another; the task is retried, after the longest delay the policy asks,
// while any run wants another attempt.
func (s *Server) runLogin(ctx context.Context, loginID string, trigger twofetch.Trigger, runs []AccountRun) error {
	log := s.log.With("login", loginID)
	var jobs []*accountJob
	for _, r := range runs {
		acct, err := s.store.AccountByID(ctx, r.AccountID)
		if twofetch.IsNotFound(err) {
			log.InfoContext(ctx, "account no longer exists; run dropped", "account", r.AccountID, "run", r.RunID)
			continue
		}
		if err != nil {
			return fmt.Errorf("load account: %w", err)
		}
		if trigger == twofetch.TriggerSchedule && acct.Status != twofetch.AccountActive {
			// Its status changed after the scheduler queued it.
			continue
		}
		if loginID == "" {
			loginID = acct.LoginOrOwnID()
		} else if acct.LoginOrOwnID() != loginID {
			log.InfoContext(ctx, "account moved to another login; run dropped", "account", acct.ID, "run", r.RunID)
			continue
		}
		jobs = append(jobs, &accountJob{acct: acct, runID: r.RunID, since: r.Since})
	}
	if len(jobs) == 0 {
		return nil
	}
	login, err := s.store.LoginByID(ctx, loginID)
	if err != nil && !twofetch.IsNotFound(err) {
		return fmt.Errorf("load login: %w", err)
	}
	if login != nil {
		for _, j := range jobs {
			j.fields = twofetch.CredentialValues(login, j.acct)
		}
		// The login's own portal signs in: its first account's, whose
		// script the login was made with.
		slices.SortStableFunc(jobs, func(a, b *accountJob) int {
			return cmp.Compare(boolRank(a.acct.Portal != login.Portal), boolRank(b.acct.Portal != login.Portal))
		})
	} else {
		for _, j := range jobs {
			j.fields = twofetch.CredentialValues(nil, j.acct)
		}
	}
	lead := jobs[0].acct
	log = s.log.With("login", loginID, "portal", lead.Portal, "tenant", lead.TenantID)

	lock, err := AcquireLock(ctx, s.rdb, loginLockKey(loginID), s.cfg.LockTTL)
	if errors.Is(err, ErrBusy) {
		return &retryAfter{delay: 30 * time.Second, err: errors.New("the account's login is being used by another worker")}
	}
	if err != nil {
		return err
	}
	ctx, unlock := lock.Hold(ctx)
	defer unlock()

	// The sign-in's portal is the one the session is counted against.
	release, wait, err := s.limits.acquire(ctx, lead.Portal)
	if err != nil {
		return err
	}
	if wait > 0 {
		return &retryAfter{delay: wait, err: fmt.Errorf("portal %s at its limit", lead.Portal)}
	}
	ctx, unslot := release(ctx)
	defer unslot()

	retried, _ := asynq.GetRetryCount(ctx)
	var out outcomeOfTask
	var todo []*accountJob
	for _, j := range jobs {
		if s.settled(ctx, j.runID) {
			continue
		}
		// An earlier attempt that fetched but could not record its result
		// left it here: record it, and do not fetch again now.
		if pf := s.pending(ctx, j.runID); pf != nil {
			log.InfoContext(ctx, "recording the result of an earlier attempt", "run", j.runID)
			out.add(s.record(ctx, pf))
			continue
		}
		todo = append(todo, j)
	}
	if len(todo) > 0 {
		if err := s.fetchAll(ctx, log, todo, trigger, retried, &out); err != nil {
			return err
		}
	}
	return out.result()
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// fetchAll starts the runs of jobs, fetches them in one session and
// records each one's result.
func (s *Server) fetchAll(ctx context.Context, log *slog.Logger, jobs []*accountJob, trigger twofetch.Trigger, retried int, out *outcomeOfTask) error {
	var tenant *twofetch.Tenant
	if t, err := s.store.Tenant(ctx, jobs[0].acct.TenantID); err == nil {
		tenant = t
	}
	fjobs := make([]*twofetch.FetchJob, len(jobs))
	for i, j := range jobs {
		run, err := s.startRun(ctx, j.acct, j.runID, trigger, retried)
		if err != nil {
			return err
		}
		j.run = run
		scratch, err := os.MkdirTemp(s.cfg.DataDir, "run-"+run.ID+"-")
		if err != nil {
			return fmt.Errorf("artifact directory: %w", err)
		}
		defer os.RemoveAll(scratch)
		j.scratch = scratch
		acct := j.acct
		j.job = &twofetch.FetchJob{
			Account:     acct,
			Fields:      j.fields,
			Tenant:      tenant,
			RunID:       run.ID,
			ArtifactDir: scratch,
			Known: func(ctx context.Context, ids []string) (map[string]bool, error) {
				return s.store.KnownInvoiceIDs(ctx, acct.ID, ids)
			},
			Save: func(ctx context.Context, d *twofetch.Document) error {
				isNew, err := s.saveDocument(ctx, acct, run, d)
				if isNew {
					j.saved.Add(1)
				}
				return err
			},
			Logger: log.With("account", acct.ID, "run", run.ID),
		}
		if s.cfg.Secrets != nil {
			j.job.Secrets = s.cfg.Secrets(acct)
		}
		if j.job.Since, err = s.window(ctx, acct, j.since); err != nil {
			return err
		}
		fjobs[i] = j.job
	}
	started := s.now()
	results := make([]*twofetch.FetchResult, len(jobs))
	errs := make([]error, len(jobs))
	if sf, ok := s.fetcher.(twofetch.SessionFetcher); ok && len(jobs) > 1 {
		results, errs = sf.FetchSession(ctx, fjobs)
	} else {
		for i, fj := range fjobs {
			results[i], errs[i] = s.fetcher.Fetch(ctx, fj)
		}
	}
	elapsed := s.now().Sub(started)
	// Bookkeeping must happen even when the task's context is over.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for i, j := range jobs {
		pf := s.settle(ctx, bctx, j, results[i], errs[i], elapsed, retried)
		out.add(s.record(bctx, pf))
	}
	return nil
}

// FirstWindow is how far back an account's first run reaches: a new
// customer's accountant wants the current and the last business year, not
// a portal's whole history, which can be asked for once (run now with a
// since date).
const FirstWindow = 12 // months

// WindowMargin reaches back from the start of the last successful run:
// portals date documents days or weeks before they show them (an invoice
// for last month, a correction), and documents already stored are not
// fetched again anyway.
const WindowMargin = 90 * 24 * time.Hour

// window is the day from which the run fetches documents: the date asked
// for, or FirstWindow months back on an account's first run that gets
// through (no ok or no_documents run before), or the last such run's
// start less WindowMargin.
func (s *Server) window(ctx context.Context, acct *twofetch.Account, asked string) (time.Time, error) {
	if asked != "" {
		t, err := time.Parse(time.DateOnly, asked)
		if err == nil {
			return t, nil
		}
		s.log.WarnContext(ctx, "run asked for an unreadable since date; using the usual window", "account", acct.ID, "since", asked)
	}
	last, err := s.store.LastSuccess(ctx, acct.TenantID, acct.ID)
	if err != nil {
		return time.Time{}, fmt.Errorf("last successful run: %w", err)
	}
	if last.IsZero() {
		y, m, d := s.now().UTC().AddDate(0, -FirstWindow, 0).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	}
	y, m, d := last.Add(-WindowMargin).UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
}

// settle turns one account's fetch result into what its run records.
func (s *Server) settle(ctx, bctx context.Context, j *accountJob, res *twofetch.FetchResult, ferr error, elapsed time.Duration, retried int) *pendingFinish {
	acct, run, log := j.acct, j.run, j.job.Logger
	saved := j.saved.Load()
	outcome := twofetch.OutcomeOf(ferr)
	detail := ""
	var re *twofetch.RunError
	switch {
	case ferr != nil && ctx.Err() != nil:
		// Whatever the fetcher made of it, the run was cut short from
		// outside: its timeout, a shutdown or a lost account lock.
		outcome, detail = twofetch.OutcomeTransient, "the run was interrupted"
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			detail = "the run took too long"
		}
	case errors.As(ferr, &re):
		detail = re.Detail
	case ferr != nil:
		// Not a classified failure: say what happened in general terms;
		// the full error goes to the log only.
		detail = "temporary error"
	case res != nil && res.Outcome != "":
		outcome, detail = res.Outcome, res.Detail
	case saved == 0:
		outcome = twofetch.OutcomeNoDocuments
	}
	if res != nil && detail == "" {
		detail = res.Detail
	}
	decide := Decide
	if re != nil && re.NoRetry {
		decide = DecideNoRetry
	}
	dec := decide(outcome, s.priorOutcomes(bctx, run.ID, outcome, retried))
	now := s.now()
	run.Outcome = outcome
	run.Detail = detail
	run.NewInvoices += int(saved)
	run.FinishedAt = &now
	run.Artifacts = ""
	if res != nil {
		run.Steps, run.SessionReused = res.Steps, res.SessionReused
	}
	if !outcome.Success() {
		run.Artifacts = s.keepArtifacts(bctx, run.ID, j.scratch)
	}
	_ = os.RemoveAll(j.scratch)
	if dec.Action == Retry {
		run.Detail = strings.TrimSpace(detail + fmt.Sprintf(" (retrying at %s)", now.Add(dec.Delay).UTC().Format(time.RFC3339)))
	}
	pf := &pendingFinish{Finish: s.finishOf(bctx, acct, run, dec, now), Alert: dec.Alert}
	if dec.Action == Retry {
		pf.RetryDelay = dec.Delay
		pf.Cause = string(outcome)
		if ferr != nil {
			pf.Cause = ferr.Error()
		}
	}
	if vs, ok := s.store.(scriptStore); ok && res != nil && res.ScriptVersion != "" {
		if err := vs.SetRunScript(bctx, run.TenantID, run.ID, res.ScriptVersion, failedStep(res.Steps)); err != nil {
			log.ErrorContext(ctx, "record the run's script version", "err", err)
		}
	}
	if res != nil {
		elapsed = stepsTook(res.Steps, elapsed)
	}
	metrics.Runs.WithLabelValues(acct.Portal, string(outcome)).Inc()
	metrics.RunDuration.WithLabelValues(acct.Portal).Observe(elapsed.Seconds())
	log.InfoContext(ctx, "run finished", "outcome", outcome, "new", saved, "attempt", run.Attempt,
		"action", dec.Action.String(), "seconds", elapsed.Seconds())
	if ferr != nil && re == nil {
		log.WarnContext(ctx, "run failed", "err", ferr)
	}
	// Before the finish is recorded, so whoever sees the run finished also
	// sees the event it raised.
	if !outcome.Success() {
		s.checkDegraded(bctx, twofetch.PortalRun{ID: run.ID, TenantID: run.TenantID, Portal: acct.Portal, Outcome: outcome, Detail: detail, FinishedAt: now})
	}
	return pf
}

// stepsTook is how long an account's steps took within a session, from
// its first step's start to its last step's end; whole when it has none.
func stepsTook(steps []twofetch.StepLog, whole time.Duration) time.Duration {
	if len(steps) == 0 {
		return whole
	}
	first, last := steps[0].Start, steps[0].Start
	for _, st := range steps {
		if end := st.Start.Add(st.Duration); end.After(last) {
			last = end
		}
	}
	return last.Sub(first)
}

// pendingFinish is the result of an attempt waiting to be recorded. It is
// kept in Redis until the store has it, so that a retry after a failed
// commit redoes only the bookkeeping, keyed on the run id.
type pendingFinish struct {
	Finish     *twofetch.RunFinish
	Alert      bool
	RetryDelay time.Duration
	Cause      string
}

func pendingKey(runID string) string { return "twofetch:run-finish:" + runID }

// settledKey marks a run whose last recorded attempt needs no other: a
// login's task retried for another of its accounts leaves it alone.
func settledKey(runID string) string { return "twofetch:run-settled:" + runID }

// recorded is what recording one account's result asks of the task.
type recorded struct {
	retry time.Duration
	cause string
	err   error
}

// record records pf and reports whether its run wants another attempt,
// or the error that kept the result from the store, so the task is tried
// again and the result recorded then.
func (s *Server) record(ctx context.Context, pf *pendingFinish) recorded {
	run := pf.Finish.Run
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(pf); err == nil {
		if err := s.rdb.Set(ctx, pendingKey(run.ID), buf.Bytes(), 7*24*time.Hour).Err(); err != nil {
			s.log.WarnContext(ctx, "keep run result until recorded", "run", run.ID, "err", err)
		}
	}
	if err := s.store.FinishRun(ctx, pf.Finish); err != nil {
		return recorded{err: fmt.Errorf("record run result: %w", err)}
	}
	if pf.RetryDelay <= 0 {
		// Redis forgetting this costs the account one more attempt, not
		// a lost result.
		_ = s.rdb.Set(ctx, settledKey(run.ID), 1, 7*24*time.Hour).Err()
	}
	_ = s.rdb.Del(ctx, pendingKey(run.ID)).Err()
	s.cfg.Relay.Kick()
	if pf.Alert {
		s.alert(ctx, run, *run.FinishedAt)
	}
	return recorded{retry: pf.RetryDelay, cause: pf.Cause}
}

// outcomeOfTask gathers what the accounts of one attempt ask of the task.
type outcomeOfTask struct {
	retry time.Duration
	cause string
	errs  []error
}

func (o *outcomeOfTask) add(r recorded) {
	if r.err != nil {
		o.errs = append(o.errs, r.err)
	}
	// The longest delay: a portal that asked to be left alone (rate
	// limited, captcha) is the same sign-in for every account.
	if r.retry > o.retry {
		o.retry, o.cause = r.retry, r.cause
	}
}

// result is what the task returns: the error that kept a result from the
// store (retried at once, recording it without fetching), a retry after
// the delay the policy set, or nil.
func (o *outcomeOfTask) result() error {
	if len(o.errs) > 0 {
		return errors.Join(o.errs...)
	}
	if o.retry > 0 {
		return &retryAfter{delay: o.retry, counted: true, err: errors.New(o.cause)}
	}
	return nil
}

// settled reports whether the run needs no further attempt.
func (s *Server) settled(ctx context.Context, runID string) bool {
	n, err := s.rdb.Exists(ctx, settledKey(runID)).Result()
	return err == nil && n > 0
}

// pending returns a result an earlier attempt could not record, if any.
func (s *Server) pending(ctx context.Context, runID string) *pendingFinish {
	b, err := s.rdb.Get(ctx, pendingKey(runID)).Bytes()
	if err != nil {
		// Missing, or Redis cannot say: fetch (again); invoices already
		// stored are not stored twice.
		return nil
	}
	var pf pendingFinish
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&pf); err != nil || pf.Finish == nil || pf.Finish.Run == nil {
		_ = s.rdb.Del(ctx, pendingKey(runID)).Err()
		return nil
	}
	return &pf
}

// priorOutcomes counts how often this run ended in outcome before: the
// policy's limits are per outcome ("otp_rejected retries once"), and an
// earlier attempt that failed for another reason must not use them up. If
// Redis cannot say, the task's retry count stands in.
func (s *Server) priorOutcomes(ctx context.Context, runID string, o twofetch.Outcome, retried int) int {
	key := "twofetch:run-outcomes:" + runID
	pipe := s.rdb.TxPipeline()
	n := pipe.HIncrBy(ctx, key, string(o), 1)
	pipe.Expire(ctx, key, 7*24*time.Hour)
	if _, err := pipe.Exec(ctx); err != nil {
		return retried
	}
	return int(n.Val()) - 1
}

func (s *Server) startRun(ctx context.Context, acct *twofetch.Account, runID string, trigger twofetch.Trigger, retried int) (*twofetch.Run, error) {
	now := s.now()
	run, err := s.store.RunByID(ctx, runID)
	if twofetch.IsNotFound(err) {
		run = &twofetch.Run{
			ID: runID, TenantID: acct.TenantID, AccountID: acct.ID, Portal: acct.Portal,
			Trigger: trigger, CreatedAt: now,
		}
		if err := s.store.CreateRun(ctx, run); err != nil {
			return nil, fmt.Errorf("create run: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("load run: %w", err)
	}
	// The lease outlives the task's timeout: until then the worker may
	// still finish the run itself.
	lease := now.Add(runLease)
	if d, ok := ctx.Deadline(); ok && d.Add(5*time.Minute).After(lease) {
		lease = d.Add(5 * time.Minute)
	}
	run.Attempt = retried + 1
	run.StartedAt = &now
	run.LeaseUntil = &lease
	if err := s.store.StartRun(ctx, run); err != nil {
		return nil, fmt.Errorf("start run: %w", err)
	}
	return run, nil
}

// runLease is how long a started run is left to its worker before the
// sweeper takes it for lost: the task's timeout and a margin.
const runLease = fetchTimeout + 5*time.Minute

// keepArtifacts moves what a failed attempt left in dir to the blob store,
// where every web process can show it, and returns their key prefix, or ""
// if there was nothing (or nothing could be kept).
func (s *Server) keepArtifacts(ctx context.Context, runID, dir string) string {
	prefix := twofetch.ArtifactPrefix(runID)
	kept := 0
	for name, ct := range twofetch.ArtifactFiles {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		if err := s.blobs.Put(ctx, prefix+name, bytes.NewReader(b), int64(len(b)), ct); err != nil {
			s.log.WarnContext(ctx, "keep run artifact", "run", runID, "file", name, "err", err)
			continue
		}
		kept++
	}
	if kept == 0 {
		return ""
	}
	return prefix
}

// saveDocument stores the file under a content-addressed key first, so a
// retry after a crash rewrites the same object, then the row; the row's
// uniqueness on (account, portal id) and (account, sha256) makes a second
// save of the same invoice a no-op.
func (s *Server) saveDocument(ctx context.Context, acct *twofetch.Account, run *twofetch.Run, d *twofetch.Document) (bool, error) {
	if d.PortalInvoiceID == "" {
		return false, errors.New("document without a portal invoice id")
	}
	if len(d.Data) == 0 {
		return false, fmt.Errorf("document %s is empty", d.PortalInvoiceID)
	}
	sum := sha256.Sum256(d.Data)
	d.SHA256 = hex.EncodeToString(sum[:])
	ct := d.ContentType
	if ct == "" {
		ct = "application/pdf"
	}
	key := acct.TenantID + "/" + acct.ID + "/" + d.SHA256 + extension(ct)
	if err := s.blobs.Put(ctx, key, bytes.NewReader(d.Data), int64(len(d.Data)), ct); err != nil {
		return false, fmt.Errorf("store file: %w", err)
	}
	inv := &twofetch.Invoice{
		ID: twofetch.NewID("inv"), TenantID: acct.TenantID, AccountID: acct.ID, RunID: run.ID,
		Portal: acct.Portal, PortalInvoiceID: d.PortalInvoiceID, Kind: d.Kind, Number: d.Number, Date: d.Date,
		Amount: d.Amount, Currency: d.Currency, SHA256: d.SHA256, Size: int64(len(d.Data)),
		ContentType: ct, BlobKey: key, CreatedAt: s.now().UTC(),
	}
	if err := s.store.CreateInvoice(ctx, inv); err != nil {
		if twofetch.IsConflict(err) {
			return false, nil
		}
		return false, fmt.Errorf("record invoice: %w", err)
	}
	metrics.InvoicesStored.WithLabelValues(acct.Portal).Inc()
	// The invoice.created event was written with the row; the relay
	// queues it.
	s.cfg.Fault("invoice-stored")
	s.cfg.Relay.Kick()
	return true, nil
}

func extension(contentType string) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "application/pdf", "":
		return ".pdf"
	case "text/html":
		return ".html"
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	case "application/xml", "text/xml":
		return ".xml"
	}
	return ".bin"
}

// finishOf is what an attempt records: the run, the account's status and
// next run as the decision says, and the events that announce them.
func (s *Server) finishOf(ctx context.Context, acct *twofetch.Account, run *twofetch.Run, dec Decision, now time.Time) *twofetch.RunFinish {
	f := &twofetch.RunFinish{Run: run, Attempt: run.Attempt, StateVersion: acct.StateVersion}
	if ev, err := twofetch.NewEvent(acct.TenantID, twofetch.EventRunFinished, run.EventData()); err == nil {
		ev.CreatedAt = now.UTC()
		f.Events = append(f.Events, ev)
	}
	if dec.Action != Retry {
		f.Status = dec.Status
	}
	if dec.Action == Done {
		next := s.sched.NextRun(ctx, acct, now.Add(dec.NextRun/2))
		f.NextRunAt = &next
	}
	if dec.Action == StopCustomer || dec.Action == StopSupport {
		ev, err := twofetch.NewEvent(acct.TenantID, "account."+string(dec.Status), map[string]any{
			"account_id": acct.ID, "label": acct.Label, "portal": acct.Portal, "status": dec.Status,
			"outcome": run.Outcome, "detail": run.Detail, "run_id": run.ID,
		})
		if err == nil {
			ev.CreatedAt = now.UTC()
			f.StatusEvent = ev
		}
	}
	return f
}

// alert tells support once per portal, outcome and day: a portal change
// breaks every account of that portal at once.
func (s *Server) alert(ctx context.Context, run *twofetch.Run, now time.Time) {
	key := fmt.Sprintf("twofetch:alert:%s:%s:%s", run.Portal, run.Outcome, now.UTC().Format("2006-01-02"))
	first, err := s.rdb.SetNX(ctx, key, run.ID, 48*time.Hour).Result()
	if err != nil {
		s.log.ErrorContext(ctx, "alert dedupe", "err", err)
		first = true // better twice than never
	}
	if !first {
		return
	}
	metrics.Alerts.WithLabelValues(run.Portal, string(run.Outcome)).Inc()
	s.log.WarnContext(ctx, "support alert", "portal", run.Portal, "outcome", run.Outcome,
		"run", run.ID, "account", run.AccountID, "detail", run.Detail, "artifacts", run.Artifacts)
	if err := s.store.Audit(ctx, &twofetch.AuditEvent{
		TenantID: run.TenantID, Actor: "system", Action: "support.alert",
		Object: "run/" + run.ID, Detail: string(run.Outcome) + " on " + run.Portal, At: now.UTC(),
	}); err != nil {
		s.log.ErrorContext(ctx, "audit support alert", "err", err)
	}
	if s.cfg.Alert != nil {
		s.cfg.Alert(ctx, Alert{Portal: run.Portal, Outcome: run.Outcome, RunID: run.ID, AccountID: run.AccountID, Detail: run.Detail})
	}
}

// Alert is a support alert: a portal that needs a script fix or resists
// automation.
type Alert struct {
	Portal    string           `json:"portal"`
	Outcome   twofetch.Outcome `json:"outcome"`
	RunID     string           `json:"run_id"`
	AccountID string           `json:"account_id"`
	Detail    string           `json:"detail,omitempty"`
}

// scriptStore is met by stores that keep which script version each run
// played and where it failed, for the portal health view.
type scriptStore interface {
	SetRunScript(ctx context.Context, tenantID, runID, version, failedStep string) error
}

// failedStep is the path of the last step that failed, or else of the
// last one healed (the step whose selector support must fix), if any.
func failedStep(steps []twofetch.StepLog) string {
	healed := ""
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i].Err != "" {
			return steps[i].Path
		}
		if healed == "" && steps[i].Healed != "" {
			healed = steps[i].Path
		}
	}
	return healed
}

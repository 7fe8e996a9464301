package workers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/metrics"
)

func accountLockKey(id string) string { return "twofetch:lock:account:" + id }

// handleFetch runs one attempt of a fetch:account task.
func (s *Server) handleFetch(ctx context.Context, t *asynq.Task) error {
	var p FetchPayload
	if err := decode(t, &p); err != nil {
		return err
	}
	log := s.log.With("account", p.AccountID, "run", p.RunID)
	acct, err := s.store.AccountByID(ctx, p.AccountID)
	if twofetch.IsNotFound(err) {
		log.InfoContext(ctx, "account no longer exists; run dropped")
		return nil
	}
	if err != nil {
		return fmt.Errorf("load account: %w", err)
	}
	if p.Trigger == twofetch.TriggerSchedule && acct.Status != twofetch.AccountActive {
		// Its status changed after the scheduler queued it.
		return nil
	}
	log = log.With("portal", acct.Portal, "tenant", acct.TenantID)

	lock, err := AcquireLock(ctx, s.rdb, accountLockKey(acct.ID), s.cfg.LockTTL)
	if errors.Is(err, ErrBusy) {
		return &retryAfter{delay: 30 * time.Second, err: errors.New("account is being fetched by another worker")}
	}
	if err != nil {
		return err
	}
	ctx, unlock := lock.Hold(ctx)
	defer unlock()

	release, wait, err := s.limits.acquire(ctx, acct.Portal)
	if err != nil {
		return err
	}
	if wait > 0 {
		return &retryAfter{delay: wait, err: fmt.Errorf("portal %s at its limit", acct.Portal)}
	}
	ctx, unslot := release(ctx)
	defer unslot()

	retried, _ := asynq.GetRetryCount(ctx)
	run, err := s.startRun(ctx, acct, p, retried)
	if err != nil {
		return err
	}
	artifacts := filepath.Join(s.cfg.DataDir, "artifacts", run.ID)
	if err := os.MkdirAll(artifacts, 0o700); err != nil {
		return fmt.Errorf("artifact directory: %w", err)
	}

	var saved atomic.Int64
	job := &twofetch.FetchJob{
		Account:     acct,
		RunID:       run.ID,
		ArtifactDir: artifacts,
		Known: func(ctx context.Context, ids []string) (map[string]bool, error) {
			return s.store.KnownInvoiceIDs(ctx, acct.ID, ids)
		},
		Save: func(ctx context.Context, d *twofetch.Document) error {
			isNew, err := s.saveDocument(ctx, acct, run, d)
			if isNew {
				saved.Add(1)
			}
			return err
		},
		Logger: log,
	}
	if s.cfg.Secrets != nil {
		job.Secrets = s.cfg.Secrets(acct)
	}
	started := s.now()
	res, ferr := s.fetcher.Fetch(ctx, job)
	elapsed := s.now().Sub(started)

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
	case saved.Load() == 0:
		outcome = twofetch.OutcomeNoDocuments
	}
	if res != nil && detail == "" {
		detail = res.Detail
	}
	// Bookkeeping must happen even when the task's context is over.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	dec := Decide(outcome, s.priorOutcomes(bctx, run.ID, outcome, retried))
	now := s.now()
	run.Outcome = outcome
	run.Detail = detail
	run.NewInvoices += int(saved.Load())
	run.FinishedAt = &now
	run.ArtifactDir = ""
	if entries, _ := os.ReadDir(artifacts); !outcome.Success() && len(entries) > 0 {
		run.ArtifactDir = artifacts
	} else {
		_ = os.RemoveAll(artifacts)
	}
	if dec.Action == Retry {
		run.Detail = strings.TrimSpace(detail + fmt.Sprintf(" (retrying at %s)", now.Add(dec.Delay).UTC().Format(time.RFC3339)))
	}
	// The account first: whoever sees the run's outcome must also see the
	// account's status that follows from it.
	s.applyDecision(bctx, acct, run, dec, now)
	if err := s.store.UpdateRun(bctx, run); err != nil {
		log.ErrorContext(ctx, "record run outcome", "err", err)
	}
	if vs, ok := s.store.(scriptStore); ok && res != nil && res.ScriptVersion != "" {
		if err := vs.SetRunScript(bctx, run.TenantID, run.ID, res.ScriptVersion, failedStep(res.Steps)); err != nil {
			log.ErrorContext(ctx, "record the run's script version", "err", err)
		}
	}
	metrics.Runs.WithLabelValues(acct.Portal, string(outcome)).Inc()
	metrics.RunDuration.WithLabelValues(acct.Portal).Observe(elapsed.Seconds())
	log.InfoContext(ctx, "run finished", "outcome", outcome, "new", saved.Load(), "attempt", run.Attempt,
		"action", dec.Action.String(), "seconds", elapsed.Seconds())
	if ferr != nil && re == nil {
		log.WarnContext(ctx, "run failed", "err", ferr)
	}

	if dec.Action == Retry {
		cause := ferr
		if cause == nil {
			cause = errors.New(string(outcome))
		}
		return &retryAfter{delay: dec.Delay, counted: true, err: cause}
	}
	return nil
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

func (s *Server) startRun(ctx context.Context, acct *twofetch.Account, p FetchPayload, retried int) (*twofetch.Run, error) {
	now := s.now()
	run, err := s.store.RunByID(ctx, p.RunID)
	if twofetch.IsNotFound(err) {
		run = &twofetch.Run{
			ID: p.RunID, TenantID: acct.TenantID, AccountID: acct.ID, Portal: acct.Portal,
			Trigger: p.Trigger, CreatedAt: now,
		}
		if err := s.store.CreateRun(ctx, run); err != nil {
			return nil, fmt.Errorf("create run: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("load run: %w", err)
	}
	run.Attempt = retried + 1
	run.StartedAt = &now
	run.FinishedAt = nil
	run.Outcome = ""
	run.Detail = ""
	if err := s.store.UpdateRun(ctx, run); err != nil {
		return nil, fmt.Errorf("start run: %w", err)
	}
	return run, nil
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
		Portal: acct.Portal, PortalInvoiceID: d.PortalInvoiceID, Number: d.Number, Date: d.Date,
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
	// The row is written, so a retry of this run would skip the invoice:
	// the event must be queued now. Redis failing over or restarting takes
	// seconds, so keep trying for a while.
	nctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	var nerr error
	for i := 0; i < 6; i++ {
		if nerr = s.enq.Notify(nctx, acct.TenantID, EventInvoiceCreated, inv); nerr == nil {
			break
		}
		select {
		case <-nctx.Done():
		case <-time.After(time.Duration(1<<i) * 250 * time.Millisecond):
			continue
		}
		break
	}
	if nerr != nil {
		// The invoice is stored and listed by the API; only the push is lost.
		s.log.ErrorContext(ctx, "queue invoice.created webhook", "invoice", inv.ID, "err", nerr)
	}
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

// applyDecision updates the account after an attempt and tells whoever
// must act.
func (s *Server) applyDecision(ctx context.Context, acct *twofetch.Account, run *twofetch.Run, dec Decision, now time.Time) {
	prev := acct.Status
	acct.LastRunAt = &now
	acct.LastOutcome = run.Outcome
	acct.UpdatedAt = now
	if dec.Action != Retry {
		acct.Status = dec.Status
	}
	if dec.Action == Done {
		next := s.sched.NextRun(ctx, acct, now.Add(dec.NextRun/2))
		acct.NextRunAt = &next
	}
	if err := s.store.UpdateAccount(ctx, acct); err != nil {
		s.log.ErrorContext(ctx, "update account after run", "account", acct.ID, "err", err)
	}
	if acct.Status != prev && (dec.Action == StopCustomer || dec.Action == StopSupport) {
		data := map[string]any{
			"account_id": acct.ID, "label": acct.Label, "portal": acct.Portal, "status": acct.Status,
			"outcome": run.Outcome, "detail": run.Detail, "run_id": run.ID,
		}
		if err := s.enq.Notify(ctx, acct.TenantID, "account."+string(acct.Status), data); err != nil {
			s.log.ErrorContext(ctx, "queue account status webhook", "account", acct.ID, "err", err)
		}
	}
	if dec.Alert {
		s.alert(ctx, acct, run, now)
	}
}

// alert tells support once per portal, outcome and day: a portal change
// breaks every account of that portal at once.
func (s *Server) alert(ctx context.Context, acct *twofetch.Account, run *twofetch.Run, now time.Time) {
	key := fmt.Sprintf("twofetch:alert:%s:%s:%s", acct.Portal, run.Outcome, now.UTC().Format("2006-01-02"))
	first, err := s.rdb.SetNX(ctx, key, run.ID, 48*time.Hour).Result()
	if err != nil {
		s.log.ErrorContext(ctx, "alert dedupe", "err", err)
		first = true // better twice than never
	}
	if !first {
		return
	}
	metrics.Alerts.WithLabelValues(acct.Portal, string(run.Outcome)).Inc()
	s.log.WarnContext(ctx, "support alert", "portal", acct.Portal, "outcome", run.Outcome,
		"run", run.ID, "account", acct.ID, "detail", run.Detail, "artifacts", run.ArtifactDir)
	if err := s.store.Audit(ctx, &twofetch.AuditEvent{
		TenantID: acct.TenantID, Actor: "system", Action: "support.alert",
		Object: "run/" + run.ID, Detail: string(run.Outcome) + " on " + acct.Portal, At: now.UTC(),
	}); err != nil {
		s.log.ErrorContext(ctx, "audit support alert", "err", err)
	}
	if s.cfg.Alert != nil {
		s.cfg.Alert(ctx, Alert{Portal: acct.Portal, Outcome: run.Outcome, RunID: run.ID, AccountID: acct.ID, Detail: run.Detail})
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

// failedStep is the path of the last step that failed, if any.
func failedStep(steps []twofetch.StepLog) string {
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i].Err != "" {
			return steps[i].Path
		}
	}
	return ""
}

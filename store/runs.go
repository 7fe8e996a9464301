package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/twofetch/twofetch"
)

const runColumns = `id, tenant_id, account_id, portal, run_trigger, outcome, detail, attempt,
	new_invoices, artifacts, created_at, started_at, finished_at, steps, session_reused, lease_until`

func scanRun(s scanner) (*twofetch.Run, error) {
	var r twofetch.Run
	var created, started, finished, lease sql.NullInt64
	var steps string
	err := s.Scan(&r.ID, &r.TenantID, &r.AccountID, &r.Portal, &r.Trigger, &r.Outcome, &r.Detail,
		&r.Attempt, &r.NewInvoices, &r.Artifacts, &created, &started, &finished, &steps, &r.SessionReused, &lease)
	if err != nil {
		return nil, err
	}
	r.CreatedAt = fromNanos(created)
	r.StartedAt = fromNanosp(started)
	r.FinishedAt = fromNanosp(finished)
	r.LeaseUntil = fromNanosp(lease)
	if steps != "" {
		// A step log that no longer decodes is not worth failing the run's
		// page for; it shows as empty.
		_ = json.Unmarshal([]byte(steps), &r.Steps)
	}
	return &r, nil
}

func stepsJSON(steps []twofetch.StepLog) (string, error) {
	if len(steps) == 0 {
		return "", nil
	}
	b, err := json.Marshal(steps)
	return string(b), err
}

func checkRunTimes(r *twofetch.Run) error {
	for _, c := range []struct {
		name string
		t    *time.Time
	}{{"started_at", r.StartedAt}, {"finished_at", r.FinishedAt}, {"created_at", &r.CreatedAt}} {
		if c.t != nil {
			if err := checkTime(c.name, *c.t); err != nil {
				return err
			}
		}
	}
	return nil
}

// CreateRun inserts r. The account must belong to r.TenantID.
func (db *DB) CreateRun(ctx context.Context, r *twofetch.Run) error {
	if r.TenantID == "" || r.AccountID == "" {
		return twofetch.Errorf(twofetch.EINVALID, "a run needs a tenant and an account")
	}
	if err := checkRunTimes(r); err != nil {
		return err
	}
	if r.ID == "" {
		r.ID = twofetch.NewID("run")
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now()
	}
	r.CreatedAt = utc(r.CreatedAt)
	r.StartedAt = utcp(r.StartedAt)
	r.FinishedAt = utcp(r.FinishedAt)
	return fail("create run", db.insertRun(ctx, db.w, r), "a run with this id already exists", "unknown account")
}

func (db *DB) insertRun(ctx context.Context, x execer, r *twofetch.Run) error {
	steps, err := stepsJSON(r.Steps)
	if err != nil {
		return err
	}
	_, err = x.ExecContext(ctx, db.q(`INSERT INTO runs (`+runColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		r.ID, r.TenantID, r.AccountID, r.Portal, string(r.Trigger), string(r.Outcome), r.Detail, r.Attempt,
		r.NewInvoices, r.Artifacts, nanos(r.CreatedAt), nanosp(r.StartedAt), nanosp(r.FinishedAt),
		steps, r.SessionReused, nanosp(r.LeaseUntil))
	return err
}

// QueueRun inserts r and the internal event that has a relay queue it, in
// one transaction: a run asked for is queued once the queue answers, even
// if it does not now.
func (db *DB) QueueRun(ctx context.Context, r *twofetch.Run) error {
	if r.TenantID == "" || r.AccountID == "" {
		return twofetch.Errorf(twofetch.EINVALID, "a run needs a tenant and an account")
	}
	if r.ID == "" {
		r.ID = twofetch.NewID("run")
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now()
	}
	r.CreatedAt = utc(r.CreatedAt)
	data := map[string]any{"account_id": r.AccountID, "run_id": r.ID, "trigger": r.Trigger}
	if !r.FetchSince.IsZero() {
		data["since"] = r.FetchSince.UTC().Format(time.DateOnly)
	}
	ev, err := twofetch.NewEvent(r.TenantID, twofetch.EventFetchRequested, data)
	if err != nil {
		return err
	}
	ev.Internal = true
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.insertRun(ctx, tx, r); err != nil {
			return err
		}
		return db.addEvent(ctx, tx, ev)
	})
	return fail("queue run", err, "a run with this id already exists", "unknown account")
}

// LastSuccess returns when the account's last run that got through its
// documents (ok or no_documents) started, or the zero time if none did.
func (db *DB) LastSuccess(ctx context.Context, tenantID, accountID string) (time.Time, error) {
	var at sql.NullInt64
	err := db.queryRow(ctx, `SELECT MAX(started_at) FROM runs
		WHERE tenant_id = ? AND account_id = ? AND outcome IN ('ok', 'no_documents')`, tenantID, accountID).Scan(&at)
	if err != nil {
		return time.Time{}, fail("last successful run", err, "", "")
	}
	if !at.Valid {
		return time.Time{}, nil
	}
	return fromNanos(at), nil
}

// StartRun records the start of attempt r.Attempt with its lease.
func (db *DB) StartRun(ctx context.Context, r *twofetch.Run) error {
	if err := checkRunTimes(r); err != nil {
		return err
	}
	r.StartedAt = utcp(r.StartedAt)
	r.LeaseUntil = utcp(r.LeaseUntil)
	r.Outcome, r.Detail, r.FinishedAt = "", "", nil
	res, err := db.exec(ctx, `UPDATE runs SET attempt = ?, started_at = ?, lease_until = ?, outcome = '',
		detail = '', finished_at = NULL WHERE id = ?`, r.Attempt, nanosp(r.StartedAt), nanosp(r.LeaseUntil), r.ID)
	if err == nil {
		err = oneRow(res)
	}
	return fail("start run", err, "", "")
}

// FinishRun records the end of an attempt: the run, the account's last
// outcome, next run and (guarded by its state version) status, and the
// events, in one transaction. Recording an attempt twice changes nothing
// the second time, so a retry after a failed commit can simply redo it.
func (db *DB) FinishRun(ctx context.Context, f *twofetch.RunFinish) error {
	r := f.Run
	if r == nil || r.ID == "" {
		return twofetch.Errorf(twofetch.EINVALID, "finish of no run")
	}
	if r.FinishedAt == nil || r.Outcome == "" {
		return twofetch.Errorf(twofetch.EINVALID, "a finished run needs an outcome and a finish time")
	}
	if err := checkRunTimes(r); err != nil {
		return err
	}
	r.FinishedAt = utcp(r.FinishedAt)
	steps, err := stepsJSON(r.Steps)
	if err != nil {
		return err
	}
	fin := nanosp(r.FinishedAt)
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE runs SET outcome = ?, detail = ?, new_invoices = ?,
			artifacts = ?, finished_at = ?, steps = ?, session_reused = ?, lease_until = NULL
			WHERE id = ? AND attempt = ? AND finished_at IS NULL`),
			string(r.Outcome), r.Detail, r.NewInvoices, r.Artifacts, fin, steps, r.SessionReused, r.ID, f.Attempt)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			var attempt int
			var finished sql.NullInt64
			err := tx.QueryRowContext(ctx, db.q(`SELECT attempt, finished_at FROM runs WHERE id = ?`), r.ID).Scan(&attempt, &finished)
			if err != nil {
				return err
			}
			if attempt == f.Attempt && finished.Valid {
				return errAlreadyDone
			}
			return twofetch.Errorf(twofetch.ECONFLICT, "run %s is at attempt %d, not %d", r.ID, attempt, f.Attempt)
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE accounts SET last_run_at = ?, last_outcome = ?,
			next_run_at = COALESCE(?, next_run_at), updated_at = ? WHERE id = ?`),
			fin, string(r.Outcome), nanosp(f.NextRunAt), fin, r.AccountID); err != nil {
			return err
		}
		events := f.Events
		if f.Status != "" {
			res, err = tx.ExecContext(ctx, db.q(`UPDATE accounts SET status = ?, state_version = state_version + 1
				WHERE id = ? AND state_version = ? AND status <> ?`),
				string(f.Status), r.AccountID, f.StateVersion, string(f.Status))
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			if n > 0 && f.StatusEvent != nil {
				events = append(events[:len(events):len(events)], f.StatusEvent)
			}
		}
		// Events last: addEvent holds the event lock to the commit.
		for _, e := range events {
			if err := db.addEvent(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errAlreadyDone) {
		return nil
	}
	return fail("finish run", err, "", "")
}

var errAlreadyDone = errors.New("already recorded")

// SweepRuns ends runs whose worker is gone: unfinished, their lease over.
// Each is ended only if its lease is still the one read, so two sweepers
// (or a worker finishing late) never both record it.
func (db *DB) SweepRuns(ctx context.Context, at, retryAt time.Time) ([]*twofetch.Run, error) {
	if err := checkTime("now", at); err != nil {
		return nil, err
	}
	var swept []*twofetch.Run
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, db.q(`SELECT `+runColumns+` FROM runs
			WHERE lease_until IS NOT NULL AND lease_until < ? AND finished_at IS NULL ORDER BY lease_until LIMIT ?`),
			nanos(at), expireBatch)
		lost, err := collect(rows, err, scanRun)
		if err != nil {
			return err
		}
		fin := utc(at)
		for _, r := range lost {
			res, err := tx.ExecContext(ctx, db.q(`UPDATE runs SET outcome = ?, detail = ?, finished_at = ?,
				lease_until = NULL WHERE id = ? AND lease_until = ? AND finished_at IS NULL`),
				string(twofetch.OutcomeTransient), "the worker stopped during the run", nanos(fin), r.ID, nanosp(r.LeaseUntil))
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE accounts SET last_run_at = ?, last_outcome = ?,
				next_run_at = CASE WHEN status = 'active' THEN ? ELSE next_run_at END, updated_at = ? WHERE id = ?`),
				nanos(fin), string(twofetch.OutcomeTransient), nanos(retryAt), nanos(fin), r.AccountID); err != nil {
				return err
			}
			r.Outcome, r.Detail, r.FinishedAt, r.LeaseUntil = twofetch.OutcomeTransient, "the worker stopped during the run", &fin, nil
			swept = append(swept, r)
		}
		// The events come after every account update: addEvent holds the
		// event lock to the commit, and must not wait for a row meanwhile.
		for _, r := range swept {
			ev, err := twofetch.NewEvent(r.TenantID, twofetch.EventRunFinished, r.EventData())
			if err != nil {
				return err
			}
			if err := db.addEvent(ctx, tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fail("sweep runs", err, "", "")
	}
	if swept == nil {
		swept = []*twofetch.Run{}
	}
	return swept, nil
}

// UpdateRun writes outcome, detail, attempt, new_invoices, artifacts,
// started_at and finished_at of the run r.ID of tenant r.TenantID.
func (db *DB) UpdateRun(ctx context.Context, r *twofetch.Run) error {
	if err := checkRunTimes(r); err != nil {
		return err
	}
	r.StartedAt = utcp(r.StartedAt)
	r.FinishedAt = utcp(r.FinishedAt)
	res, err := db.exec(ctx, `UPDATE runs SET outcome = ?, detail = ?, attempt = ?, new_invoices = ?,
		artifacts = ?, started_at = ?, finished_at = ? WHERE id = ? AND tenant_id = ?`,
		string(r.Outcome), r.Detail, r.Attempt, r.NewInvoices, r.Artifacts,
		nanosp(r.StartedAt), nanosp(r.FinishedAt), r.ID, r.TenantID)
	if err == nil {
		err = oneRow(res)
	}
	return fail("update run", err, "", "")
}

// Run returns the tenant's run id.
func (db *DB) Run(ctx context.Context, tenantID, id string) (*twofetch.Run, error) {
	r, err := scanRun(db.queryRow(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ? AND tenant_id = ?`, id, tenantID))
	return r, fail("get run", err, "", "")
}

// RunByID returns any tenant's run id.
func (db *DB) RunByID(ctx context.Context, id string) (*twofetch.Run, error) {
	r, err := scanRun(db.queryRow(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id))
	return r, fail("get run", err, "", "")
}

// ListRuns returns a page of runs matching f, newest first. An empty
// f.TenantID lists every tenant's runs (support tools only).
func (db *DB) ListRuns(ctx context.Context, f twofetch.RunFilter) ([]*twofetch.Run, error) {
	var where []string
	var args []any
	var cursorWhere string
	var cursorArgs []any
	if f.TenantID != "" {
		where, args = append(where, "tenant_id = ?"), append(args, f.TenantID)
		cursorWhere, cursorArgs = "tenant_id = ?", []any{f.TenantID}
	}
	if f.AccountID != "" {
		where, args = append(where, "account_id = ?"), append(args, f.AccountID)
	}
	if f.Failed {
		where = append(where, "outcome <> '' AND outcome NOT IN (?, ?)")
		args = append(args, string(twofetch.OutcomeOK), string(twofetch.OutcomeNoDocuments))
	}
	if !f.Since.IsZero() {
		if err := checkTime("since", f.Since); err != nil {
			return nil, err
		}
		where, args = append(where, "created_at >= ?"), append(args, f.Since.UnixNano())
	}
	where, args, err := db.keyset(ctx, "runs", f.Page, cursorWhere, cursorArgs, where, args)
	if err != nil {
		return nil, fail("list runs", err, "", "")
	}
	rows, err := db.query(ctx, `SELECT `+runColumns+` FROM runs`+whereClause(where)+
		` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, limit(f.Limit))...)
	rs, err := collect(rows, err, scanRun)
	return rs, fail("list runs", err, "", "")
}

// expireBatch bounds the rows one ExpireArtifacts transaction touches, so a
// large backlog never holds the SQLite write lock for long.
const expireBatch = 500

// ExpireArtifacts clears the artifacts of runs finished before t and
// returns the blob key prefixes it cleared. A prefix is returned by exactly
// one caller even when several processes expire at once: each row is
// cleared only if it still names the prefix that was read.
func (db *DB) ExpireArtifacts(ctx context.Context, before time.Time) ([]string, error) {
	dirs := []string{}
	if before.IsZero() {
		return dirs, nil
	}
	if err := checkTime("before", before); err != nil {
		return nil, err
	}
	for {
		type candidate struct{ id, dir string }
		var batch []candidate
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, db.q(`SELECT id, artifacts FROM runs
				WHERE artifacts <> '' AND finished_at < ? ORDER BY finished_at, id LIMIT ?`),
				before.UnixNano(), expireBatch)
			if err != nil {
				return err
			}
			for rows.Next() {
				var c candidate
				if err := rows.Scan(&c.id, &c.dir); err != nil {
					rows.Close()
					return err
				}
				batch = append(batch, c)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, c := range batch {
				res, err := tx.ExecContext(ctx, db.q(`UPDATE runs SET artifacts = '' WHERE id = ? AND artifacts = ?`), c.id, c.dir)
				if err != nil {
					return err
				}
				if n, err := res.RowsAffected(); err != nil {
					return err
				} else if n == 1 {
					dirs = append(dirs, c.dir)
				}
			}
			return nil
		})
		if err != nil {
			return nil, fail("expire artifacts", err, "", "")
		}
		if len(batch) < expireBatch {
			return dirs, nil
		}
	}
}

// PruneHistory deletes finished runs and relayed events older than before,
// expireBatch rows per statement so neither engine holds a long lock.
func (db *DB) PruneHistory(ctx context.Context, before time.Time) (runs, events int64, err error) {
	if before.IsZero() {
		return 0, 0, nil
	}
	if err := checkTime("before", before); err != nil {
		return 0, 0, err
	}
	t := before.UnixNano()
	for _, q := range []struct {
		n    *int64
		stmt string
	}{
		// Artifacts are deleted by key first (ExpireArtifacts); a run whose
		// artifacts are still listed waits for that, so no blob outlives
		// the row that names it.
		{&runs, `DELETE FROM runs WHERE id IN (SELECT id FROM runs
			WHERE finished_at IS NOT NULL AND finished_at < ? AND artifacts = '' ORDER BY finished_at LIMIT ?)`},
		// Events are written in seq order, so the old ones come first.
		{&events, `DELETE FROM events WHERE seq IN (SELECT seq FROM events
			WHERE relayed_at IS NOT NULL AND created_at < ? ORDER BY seq LIMIT ?)`},
	} {
		for {
			res, err := db.w.ExecContext(ctx, db.q(q.stmt), t, expireBatch)
			if err != nil {
				return runs, events, fail("prune history", err, "", "")
			}
			k, err := res.RowsAffected()
			if err != nil {
				return runs, events, fail("prune history", err, "", "")
			}
			*q.n += k
			if k < expireBatch {
				break
			}
		}
	}
	return runs, events, nil
}

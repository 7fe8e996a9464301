package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/twofetch/twofetch"
)

const runColumns = `id, tenant_id, account_id, portal, run_trigger, outcome, detail, attempt,
	new_invoices, artifact_dir, created_at, started_at, finished_at`

func scanRun(s scanner) (*twofetch.Run, error) {
	var r twofetch.Run
	var created, started, finished sql.NullInt64
	err := s.Scan(&r.ID, &r.TenantID, &r.AccountID, &r.Portal, &r.Trigger, &r.Outcome, &r.Detail,
		&r.Attempt, &r.NewInvoices, &r.ArtifactDir, &created, &started, &finished)
	if err != nil {
		return nil, err
	}
	r.CreatedAt = fromNanos(created)
	r.StartedAt = fromNanosp(started)
	r.FinishedAt = fromNanosp(finished)
	return &r, nil
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
	_, err := db.exec(ctx, `INSERT INTO runs (`+runColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.TenantID, r.AccountID, r.Portal, string(r.Trigger), string(r.Outcome), r.Detail, r.Attempt,
		r.NewInvoices, r.ArtifactDir, nanos(r.CreatedAt), nanosp(r.StartedAt), nanosp(r.FinishedAt))
	return fail("create run", err, "a run with this id already exists", "unknown account")
}

// UpdateRun writes outcome, detail, attempt, new_invoices, artifact_dir,
// started_at and finished_at of the run r.ID of tenant r.TenantID.
func (db *DB) UpdateRun(ctx context.Context, r *twofetch.Run) error {
	if err := checkRunTimes(r); err != nil {
		return err
	}
	r.StartedAt = utcp(r.StartedAt)
	r.FinishedAt = utcp(r.FinishedAt)
	res, err := db.exec(ctx, `UPDATE runs SET outcome = ?, detail = ?, attempt = ?, new_invoices = ?,
		artifact_dir = ?, started_at = ?, finished_at = ? WHERE id = ? AND tenant_id = ?`,
		string(r.Outcome), r.Detail, r.Attempt, r.NewInvoices, r.ArtifactDir,
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

// ExpireArtifacts clears artifact_dir on runs finished before t and returns
// the directories it cleared. A directory is returned by exactly one caller
// even when several processes expire at once: each row is cleared only if
// it still names the directory that was read.
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
			rows, err := tx.QueryContext(ctx, db.q(`SELECT id, artifact_dir FROM runs
				WHERE artifact_dir <> '' AND finished_at < ? ORDER BY finished_at, id LIMIT ?`),
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
				res, err := tx.ExecContext(ctx, db.q(`UPDATE runs SET artifact_dir = '' WHERE id = ? AND artifact_dir = ?`), c.id, c.dir)
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

package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/twofetch/twofetch"
)

// SetRunScript records the version of the portal script run runID played
// and the step it failed at, if any.
func (db *DB) SetRunScript(ctx context.Context, tenantID, runID, version, failedStep string) error {
	res, err := db.exec(ctx, `UPDATE runs SET script_version = ?, failed_step = ? WHERE id = ? AND tenant_id = ?`,
		version, failedStep, runID, tenantID)
	if err == nil {
		err = oneRow(res)
	}
	return fail("record the run's script", err, "", "")
}

// PortalRuns returns the runs finished since since, of one tenant or, with
// an empty tenantID, of all (operators' health view).
func (db *DB) PortalRuns(ctx context.Context, tenantID string, since time.Time) ([]twofetch.PortalRun, error) {
	if err := checkTime("since", since); err != nil {
		return nil, err
	}
	q := `SELECT id, tenant_id, portal, outcome, detail, finished_at, script_version, failed_step, artifacts
		FROM runs WHERE finished_at >= ? AND outcome <> ''`
	args := []any{since.UnixNano()}
	if tenantID != "" {
		q += ` AND tenant_id = ?`
		args = append(args, tenantID)
	}
	return db.portalRuns(ctx, q, args)
}

// PortalRunsOf returns one portal's runs finished since since, across
// every tenant, read by the (portal, finished_at) index: what the
// operators' degradation check sums.
func (db *DB) PortalRunsOf(ctx context.Context, portal string, since time.Time) ([]twofetch.PortalRun, error) {
	if err := checkTime("since", since); err != nil {
		return nil, err
	}
	return db.portalRuns(ctx, `SELECT id, tenant_id, portal, outcome, detail, finished_at, script_version, failed_step, artifacts
		FROM runs WHERE portal = ? AND finished_at >= ? AND outcome <> ''`, []any{portal, since.UnixNano()})
}

func (db *DB) portalRuns(ctx context.Context, q string, args []any) ([]twofetch.PortalRun, error) {
	rows, err := db.query(ctx, q+` ORDER BY finished_at, id`, args...)
	if err != nil {
		return nil, fail("list portal runs", err, "", "")
	}
	defer rows.Close()
	var out []twofetch.PortalRun
	for rows.Next() {
		var r twofetch.PortalRun
		var finished sql.NullInt64
		var artifacts string
		if err := rows.Scan(&r.ID, &r.TenantID, &r.Portal, &r.Outcome, &r.Detail, &finished, &r.ScriptVersion, &r.FailedStep, &artifacts); err != nil {
			return nil, fail("list portal runs", err, "", "")
		}
		r.FinishedAt = fromNanos(finished)
		r.HasArtifacts = artifacts != ""
		out = append(out, r)
	}
	return out, fail("list portal runs", rows.Err(), "", "")
}

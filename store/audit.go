package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/twofetch/twofetch"
)

const auditColumns = `id, tenant_id, actor, action, object, detail, created_at`

func scanAudit(s scanner) (*twofetch.AuditEvent, error) {
	var e twofetch.AuditEvent
	var at sql.NullInt64
	if err := s.Scan(&e.ID, &e.TenantID, &e.Actor, &e.Action, &e.Object, &e.Detail, &at); err != nil {
		return nil, err
	}
	e.At = fromNanos(at)
	return &e, nil
}

// Audit appends e and sets e.ID (and e.At when zero).
func (db *DB) Audit(ctx context.Context, e *twofetch.AuditEvent) error {
	if e.TenantID == "" || e.Action == "" {
		return twofetch.Errorf(twofetch.EINVALID, "an audit event needs a tenant and an action")
	}
	if err := checkTime("at", e.At); err != nil {
		return err
	}
	if e.At.IsZero() {
		e.At = now()
	}
	e.At = utc(e.At)
	var id int64
	err := db.w.QueryRowContext(ctx, db.q(`INSERT INTO audit_events (tenant_id, actor, action, object, detail, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`),
		e.TenantID, e.Actor, e.Action, e.Object, e.Detail, nanos(e.At)).Scan(&id)
	if err != nil {
		return fail("audit", err, "", "")
	}
	e.ID = id
	return nil
}

// ListAudit returns a page of the tenant's audit log, newest first. The
// log is append-only, so its order is that of the ids; Page.After is the
// decimal id of the last event of the previous page.
func (db *DB) ListAudit(ctx context.Context, tenantID string, p twofetch.Page) ([]*twofetch.AuditEvent, error) {
	q := `SELECT ` + auditColumns + ` FROM audit_events WHERE tenant_id = ?`
	args := []any{tenantID}
	if p.After != "" {
		after, err := strconv.ParseInt(p.After, 10, 64)
		if err != nil {
			return nil, errBadCursor
		}
		var one int
		err = db.queryRow(ctx, `SELECT 1 FROM audit_events WHERE id = ? AND tenant_id = ?`, after, tenantID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errBadCursor
		}
		if err != nil {
			return nil, fail("list audit", err, "", "")
		}
		q += ` AND id < ?`
		args = append(args, after)
	}
	rows, err := db.query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit(p.Limit))...)
	es, err := collect(rows, err, scanAudit)
	return es, fail("list audit", err, "", "")
}

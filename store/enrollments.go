package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/twofetch/twofetch"
)

const enrollmentColumns = `id, tenant_id, account_id, phone, language, status, token_hash, issuer,
	key_account, error_message, sms_count, expires_at, created_at, updated_at, confirmed_at, login_id`

const enrollmentConflict = "an enrolment with this id or link token already exists"

func scanEnrollment(s scanner) (*twofetch.Enrollment, error) {
	var e twofetch.Enrollment
	var expires, created, updated, confirmed sql.NullInt64
	err := s.Scan(&e.ID, &e.TenantID, &e.AccountID, &e.Phone, &e.Language, &e.Status, &e.TokenHash,
		&e.Issuer, &e.KeyAccount, &e.Error, &e.SMSCount, &expires, &created, &updated, &confirmed, &e.LoginID)
	if err != nil {
		return nil, err
	}
	e.ExpiresAt = fromNanos(expires)
	e.CreatedAt = fromNanos(created)
	e.UpdatedAt = fromNanos(updated)
	e.ConfirmedAt = fromNanosp(confirmed)
	return &e, nil
}

func checkEnrollmentTimes(e *twofetch.Enrollment) error {
	if err := checkTime("expires_at", e.ExpiresAt); err != nil {
		return err
	}
	if e.ConfirmedAt != nil {
		if err := checkTime("confirmed_at", *e.ConfirmedAt); err != nil {
			return err
		}
	}
	return checkTime("created_at", e.CreatedAt)
}

// CreateEnrollment inserts e; an empty Status means pending. The account
// must belong to e.TenantID; the enrolment is of the account's login, which
// e.LoginID, if set, must name.
func (db *DB) CreateEnrollment(ctx context.Context, e *twofetch.Enrollment) error {
	if e.TenantID == "" || e.AccountID == "" {
		return twofetch.Errorf(twofetch.EINVALID, "an enrolment needs a tenant and an account")
	}
	if err := checkEnrollmentTimes(e); err != nil {
		return err
	}
	// An account's login never changes, so reading it outside the insert
	// cannot race.
	var login string
	err := db.queryRow(ctx, `SELECT login_id FROM accounts WHERE id = ? AND tenant_id = ?`, e.AccountID, e.TenantID).Scan(&login)
	if errors.Is(err, sql.ErrNoRows) {
		return twofetch.Errorf(twofetch.EINVALID, "unknown account")
	}
	if err != nil {
		return fail("create enrollment", err, "", "")
	}
	if e.LoginID != "" && e.LoginID != login {
		return twofetch.Errorf(twofetch.EINVALID, "account %s does not sign in with login %s", e.AccountID, e.LoginID)
	}
	e.LoginID = login
	if e.ID == "" {
		e.ID = twofetch.NewID("enr")
	}
	if e.Status == "" {
		e.Status = twofetch.EnrollmentPending
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = now()
	}
	e.CreatedAt = utc(e.CreatedAt)
	e.UpdatedAt = e.CreatedAt
	e.ExpiresAt = utc(e.ExpiresAt)
	e.ConfirmedAt = utcp(e.ConfirmedAt)
	_, err = db.exec(ctx, `INSERT INTO enrollments (`+enrollmentColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.TenantID, e.AccountID, e.Phone, e.Language, string(e.Status), bytesOrNull(e.TokenHash),
		e.Issuer, e.KeyAccount, e.Error, e.SMSCount, nanos(e.ExpiresAt), nanos(e.CreatedAt),
		nanos(e.UpdatedAt), nanosp(e.ConfirmedAt), e.LoginID)
	return fail("create enrollment", err, enrollmentConflict, "unknown account")
}

// UpdateEnrollment writes every field of e except its tenant, account and
// creation time, and sets UpdatedAt.
func (db *DB) UpdateEnrollment(ctx context.Context, e *twofetch.Enrollment) error {
	if err := checkEnrollmentTimes(e); err != nil {
		return err
	}
	e.ExpiresAt = utc(e.ExpiresAt)
	e.ConfirmedAt = utcp(e.ConfirmedAt)
	updated := now()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var prev string
		err := tx.QueryRowContext(ctx, db.q(`SELECT status FROM enrollments WHERE id = ? AND tenant_id = ?`),
			e.ID, e.TenantID).Scan(&prev)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE enrollments SET phone = ?, language = ?, status = ?, token_hash = ?,
			issuer = ?, key_account = ?, error_message = ?, sms_count = ?, expires_at = ?, updated_at = ?,
			confirmed_at = ? WHERE id = ? AND tenant_id = ?`),
			e.Phone, e.Language, string(e.Status), bytesOrNull(e.TokenHash), e.Issuer, e.KeyAccount, e.Error,
			e.SMSCount, nanos(e.ExpiresAt), nanos(updated), nanosp(e.ConfirmedAt), e.ID, e.TenantID); err != nil {
			return err
		}
		if prev == string(e.Status) || e.Status == twofetch.EnrollmentPending {
			return nil
		}
		ev, err := twofetch.NewEvent(e.TenantID, "enrollment."+string(e.Status), map[string]any{
			"enrollment_id": e.ID, "account_id": e.AccountID, "status": e.Status})
		if err != nil {
			return err
		}
		return db.addEvent(ctx, tx, ev)
	})
	if err != nil {
		return fail("update enrollment", err, enrollmentConflict, "")
	}
	e.UpdatedAt = updated
	return nil
}

// Enrollment returns the tenant's enrolment id.
func (db *DB) Enrollment(ctx context.Context, tenantID, id string) (*twofetch.Enrollment, error) {
	e, err := scanEnrollment(db.queryRow(ctx, `SELECT `+enrollmentColumns+` FROM enrollments
		WHERE id = ? AND tenant_id = ?`, id, tenantID))
	return e, fail("get enrollment", err, "", "")
}

// EnrollmentByID returns any tenant's enrolment id.
func (db *DB) EnrollmentByID(ctx context.Context, id string) (*twofetch.Enrollment, error) {
	e, err := scanEnrollment(db.queryRow(ctx, `SELECT `+enrollmentColumns+` FROM enrollments WHERE id = ?`, id))
	return e, fail("get enrollment", err, "", "")
}

// EnrollmentByTokenHash finds an enrolment by link token hash. Links of
// revoked tenants are not found: revoking a tenant ends its customers'
// access too. Expiry and status are the caller's to judge.
func (db *DB) EnrollmentByTokenHash(ctx context.Context, hash []byte) (*twofetch.Enrollment, error) {
	if len(hash) == 0 {
		return nil, twofetch.ErrNotFound
	}
	e, err := scanEnrollment(db.queryRow(ctx, `SELECT `+enrollmentColumns+` FROM enrollments
		WHERE token_hash = ? AND tenant_id IN (SELECT id FROM tenants WHERE revoked_at IS NULL)`, hash))
	return e, fail("find enrollment by token", err, "", "")
}

// ListEnrollments returns the tenant's enrolments of one account, or of all
// its accounts when accountID is empty, newest first.
func (db *DB) ListEnrollments(ctx context.Context, tenantID, accountID string) ([]*twofetch.Enrollment, error) {
	q := `SELECT ` + enrollmentColumns + ` FROM enrollments WHERE tenant_id = ?`
	args := []any{tenantID}
	if accountID != "" {
		q += ` AND account_id = ?`
		args = append(args, accountID)
	}
	rows, err := db.query(ctx, q+` ORDER BY created_at DESC, id DESC`, args...)
	es, err := collect(rows, err, scanEnrollment)
	return es, fail("list enrollments", err, "", "")
}

package store

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/twofetch/twofetch"
)

const accountColumns = `id, tenant_id, portal, username, status, label, has_key,
	next_run_at, last_run_at, last_outcome, created_at, updated_at, state_version, login_id, credentials`

func scanAccount(s scanner) (*twofetch.Account, error) {
	var a twofetch.Account
	var next, last, created, updated sql.NullInt64
	var creds string
	err := s.Scan(&a.ID, &a.TenantID, &a.Portal, &a.Username, &a.Status, &a.Label, &a.HasKey,
		&next, &last, &a.LastOutcome, &created, &updated, &a.StateVersion, &a.LoginID, &creds)
	if err != nil {
		return nil, err
	}
	if a.Credentials, err = decodeCredentials(creds); err != nil {
		return nil, err
	}
	a.NextRunAt = fromNanosp(next)
	a.LastRunAt = fromNanosp(last)
	a.CreatedAt = fromNanos(created)
	a.UpdatedAt = fromNanos(updated)
	return &a, nil
}

func checkAccountTimes(a *twofetch.Account) error {
	for _, c := range []struct {
		name string
		t    *time.Time
	}{{"next_run_at", a.NextRunAt}, {"last_run_at", a.LastRunAt}, {"created_at", &a.CreatedAt}} {
		if c.t != nil {
			if err := checkTime(c.name, *c.t); err != nil {
				return err
			}
		}
	}
	return nil
}

// CreateAccount inserts a; an empty Status means active.
func (db *DB) CreateAccount(ctx context.Context, a *twofetch.Account) error {
	if a.TenantID == "" || a.Portal == "" || a.Username == "" {
		return twofetch.Errorf(twofetch.EINVALID, "an account needs a tenant, a portal and a username")
	}
	if err := checkAccountTimes(a); err != nil {
		return err
	}
	if a.ID == "" {
		a.ID = twofetch.NewID("acc")
	}
	if a.Status == "" {
		a.Status = twofetch.AccountActive
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now()
	}
	a.CreatedAt = utc(a.CreatedAt)
	a.UpdatedAt = a.CreatedAt
	a.NextRunAt = utcp(a.NextRunAt)
	a.LastRunAt = utcp(a.LastRunAt)
	a.StateVersion = 0
	creds, err := encodeCredentials(a.Credentials)
	if err != nil {
		return err
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if a.LoginID == "" {
			a.LoginID = a.ID
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO logins (`+loginColumns+`)
				VALUES (?, ?, ?, ?, ?, ?, ?, '')`), a.ID, a.TenantID, a.Portal, a.Username, a.HasKey,
				nanos(a.CreatedAt), nanos(a.CreatedAt)); err != nil {
				return err
			}
		} else {
			// Touching the login's row locks it against a DeleteAccount
			// removing it with its last account meanwhile.
			res, err := tx.ExecContext(ctx, db.q(`UPDATE logins SET updated_at = ? WHERE id = ? AND tenant_id = ?`),
				nanos(a.CreatedAt), a.LoginID, a.TenantID)
			if err != nil {
				return err
			}
			if oneRow(res) != nil {
				return twofetch.Errorf(twofetch.EINVALID, "unknown login %q", a.LoginID)
			}
			if err := tx.QueryRowContext(ctx, db.q(`SELECT has_key FROM logins WHERE id = ?`), a.LoginID).Scan(&a.HasKey); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO accounts (`+accountColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`),
			a.ID, a.TenantID, a.Portal, a.Username, string(a.Status), a.Label, a.HasKey,
			nanosp(a.NextRunAt), nanosp(a.LastRunAt), string(a.LastOutcome), nanos(a.CreatedAt), nanos(a.UpdatedAt), a.LoginID, creds)
		return err
	})
	return fail("create account", err, "an account or login with this id already exists", "unknown tenant")
}

// UpdateAccount writes status, label, has_key, next_run_at, last_run_at and
// last_outcome of the account a.ID of tenant a.TenantID, and sets UpdatedAt.
func (db *DB) UpdateAccount(ctx context.Context, a *twofetch.Account) error {
	if err := checkAccountTimes(a); err != nil {
		return err
	}
	a.NextRunAt = utcp(a.NextRunAt)
	a.LastRunAt = utcp(a.LastRunAt)
	updated := now()
	var version int64
	err := db.w.QueryRowContext(ctx, db.q(`UPDATE accounts SET status = ?, label = ?, has_key = ?, next_run_at = ?,
		last_run_at = ?, last_outcome = ?, updated_at = ?, state_version = state_version + 1
		WHERE id = ? AND tenant_id = ? RETURNING state_version`),
		string(a.Status), a.Label, a.HasKey, nanosp(a.NextRunAt), nanosp(a.LastRunAt),
		string(a.LastOutcome), nanos(updated), a.ID, a.TenantID).Scan(&version)
	if err != nil {
		return fail("update account", err, "", "")
	}
	a.StateVersion = version
	a.UpdatedAt = updated
	return nil
}

// RenameAccount sets the label of the tenant's account id.
func (db *DB) RenameAccount(ctx context.Context, tenantID, id, label string) (*twofetch.Account, error) {
	res, err := db.w.ExecContext(ctx, db.q(`UPDATE accounts SET label = ?, updated_at = ? WHERE id = ? AND tenant_id = ?`),
		label, nanos(now()), id, tenantID)
	if err == nil {
		err = oneRow(res)
	}
	if err != nil {
		return nil, fail("rename account", err, "", "")
	}
	return db.Account(ctx, tenantID, id)
}

// ConfirmKey records an enrolled key of the account's login for the login
// and every account behind it; see ConfirmLoginKey.
func (db *DB) ConfirmKey(ctx context.Context, tenantID, id string) (*twofetch.Account, error) {
	var a *twofetch.Account
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var login string
		err := tx.QueryRowContext(ctx, db.q(`SELECT login_id FROM accounts WHERE id = ? AND tenant_id = ?`),
			id, tenantID).Scan(&login)
		if err != nil {
			return err
		}
		if err := db.confirmLoginKey(ctx, tx, tenantID, login); err != nil {
			return err
		}
		a, err = scanAccount(tx.QueryRowContext(ctx, db.q(`SELECT `+accountColumns+` FROM accounts WHERE id = ?`), id))
		return err
	})
	return a, fail("confirm key", err, "", "")
}

// confirmLoginKey records the login's key. An account that waited for one
// (or whose customer had to re-enrol after rejected codes) becomes active;
// any other status, such as paused, stays. The state versions move, so a
// run that started before cannot put an account back to needs_enrollment.
func (db *DB) confirmLoginKey(ctx context.Context, tx *sql.Tx, tenantID, loginID string) error {
	at := nanos(now())
	res, err := tx.ExecContext(ctx, db.q(`UPDATE logins SET has_key = TRUE, updated_at = ? WHERE id = ? AND tenant_id = ?`),
		at, loginID, tenantID)
	if err != nil {
		return err
	}
	if err := oneRow(res); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, db.q(`UPDATE accounts SET has_key = TRUE,
		status = CASE WHEN status = ? OR (status = ? AND last_outcome IN (?, ?)) THEN ? ELSE status END,
		state_version = state_version + 1, updated_at = ? WHERE login_id = ? AND tenant_id = ?`),
		string(twofetch.AccountNeedsEnrollment), string(twofetch.AccountNeedsCustomer),
		string(twofetch.OutcomeOTPMissing), string(twofetch.OutcomeOTPRejected), string(twofetch.AccountActive),
		at, loginID, tenantID)
	return err
}

// SetNextRuns moves the next run of many accounts in one transaction,
// touching nothing else and only active accounts, so the scheduler pays one
// commit per batch and never overwrites a status changed meanwhile.
func (db *DB) SetNextRuns(ctx context.Context, next map[string]time.Time) error {
	if len(next) == 0 {
		return nil
	}
	updated := nanos(now())
	return fail("set next runs", db.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, db.q(`UPDATE accounts SET next_run_at = ?, updated_at = ?
			WHERE id = ? AND status = 'active'`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		// One order for every writer: two schedulers updating overlapping
		// batches in map order deadlock on PostgreSQL.
		for _, id := range slices.Sorted(maps.Keys(next)) {
			if _, err := stmt.ExecContext(ctx, nanos(next[id]), updated, id); err != nil {
				return err
			}
		}
		return nil
	}), "", "")
}

// Account returns the tenant's account id.
func (db *DB) Account(ctx context.Context, tenantID, id string) (*twofetch.Account, error) {
	a, err := scanAccount(db.queryRow(ctx, `SELECT `+accountColumns+` FROM accounts
		WHERE id = ? AND tenant_id = ?`, id, tenantID))
	return a, fail("get account", err, "", "")
}

// AccountByID returns any tenant's account id.
func (db *DB) AccountByID(ctx context.Context, id string) (*twofetch.Account, error) {
	a, err := scanAccount(db.queryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	return a, fail("get account", err, "", "")
}

// ListAccounts returns a page of the tenant's accounts, newest first.
func (db *DB) ListAccounts(ctx context.Context, tenantID string, p twofetch.Page) ([]*twofetch.Account, error) {
	where, args, err := db.keyset(ctx, "accounts", p, "tenant_id = ?", []any{tenantID},
		[]string{"tenant_id = ?"}, []any{tenantID})
	if err != nil {
		return nil, fail("list accounts", err, "", "")
	}
	rows, err := db.query(ctx, `SELECT `+accountColumns+` FROM accounts`+whereClause(where)+
		` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, limit(p.Limit))...)
	as, err := collect(rows, err, scanAccount)
	return as, fail("list accounts", err, "", "")
}

// DeleteAccount removes the account with its enrolments and runs in one
// transaction, and its login with the login's sealed secrets when no other
// account signs in with it. Its invoices stay: they are the tenant's
// documents, not the login's.
func (db *DB) DeleteAccount(ctx context.Context, tenantID, id string) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var login string
		err := tx.QueryRowContext(ctx, db.q(`SELECT login_id FROM accounts WHERE id = ? AND tenant_id = ?`),
			id, tenantID).Scan(&login)
		if err != nil {
			return err
		}
		// Lock the login first, as CreateAccount does, so an account
		// joining it meanwhile either is counted or finds it gone.
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE logins SET updated_at = ? WHERE id = ?`), nanos(now()), login); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, db.q(`DELETE FROM accounts WHERE id = ? AND tenant_id = ?`), id, tenantID)
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		var others int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM accounts WHERE login_id = ?`), login).Scan(&others); err != nil {
			return err
		}
		if others > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM logins WHERE id = ? AND tenant_id = ?`), login, tenantID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.q(`DELETE FROM secrets WHERE tenant_id = ? AND account_id = ?`), tenantID, login)
		return err
	})
	return fail("delete account", err, "", "")
}

// DueAccounts returns up to limit active accounts due at now, oldest first.
// The literal status in the query lets both engines use the partial index
// accounts_due, so the cost follows limit, not the number of accounts.
func (db *DB) DueAccounts(ctx context.Context, at time.Time, limit int) ([]*twofetch.Account, error) {
	if limit <= 0 || at.IsZero() {
		return []*twofetch.Account{}, nil
	}
	if err := checkTime("now", at); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT `+accountColumns+` FROM accounts
		WHERE status = 'active' AND next_run_at <= ? ORDER BY next_run_at, id LIMIT ?`,
		at.UnixNano(), limit)
	as, err := collect(rows, err, scanAccount)
	return as, fail("due accounts", err, "", "")
}

// DueLoginAccounts returns the active accounts due at now behind any of
// the logins, by login and id, through the accounts_login index: the
// scheduler completes a login's run with accounts that DueAccounts put
// in another batch.
func (db *DB) DueLoginAccounts(ctx context.Context, at time.Time, loginIDs []string) ([]*twofetch.Account, error) {
	if len(loginIDs) == 0 || at.IsZero() {
		return []*twofetch.Account{}, nil
	}
	if err := checkTime("now", at); err != nil {
		return nil, err
	}
	args := make([]any, 0, len(loginIDs)+1)
	for _, id := range loginIDs {
		args = append(args, id)
	}
	args = append(args, at.UnixNano())
	rows, err := db.query(ctx, `SELECT `+accountColumns+` FROM accounts
		WHERE login_id IN (?`+strings.Repeat(", ?", len(loginIDs)-1)+`) AND status = 'active' AND next_run_at <= ?
		ORDER BY login_id, id`, args...)
	as, err := collect(rows, err, scanAccount)
	return as, fail("due login accounts", err, "", "")
}

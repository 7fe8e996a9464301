package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/twofetch/twofetch"
)

const loginColumns = `id, tenant_id, portal, username, has_key, created_at, updated_at, credentials`

func scanLogin(s scanner) (*twofetch.Login, error) {
	var l twofetch.Login
	var created, updated sql.NullInt64
	var creds string
	if err := s.Scan(&l.ID, &l.TenantID, &l.Portal, &l.Username, &l.HasKey, &created, &updated, &creds); err != nil {
		return nil, err
	}
	var err error
	if l.Credentials, err = decodeCredentials(creds); err != nil {
		return nil, err
	}
	l.CreatedAt = fromNanos(created)
	l.UpdatedAt = fromNanos(updated)
	return &l, nil
}

// CreateLogin inserts a login with no account yet; accounts join it with
// CreateAccount.
func (db *DB) CreateLogin(ctx context.Context, l *twofetch.Login) error {
	if l.TenantID == "" || l.Portal == "" || l.Username == "" {
		return twofetch.Errorf(twofetch.EINVALID, "a login needs a tenant, a portal and a username")
	}
	if err := checkTime("created_at", l.CreatedAt); err != nil {
		return err
	}
	if l.ID == "" {
		l.ID = twofetch.NewID("lgn")
	}
	if l.CreatedAt.IsZero() {
		l.CreatedAt = now()
	}
	l.CreatedAt = utc(l.CreatedAt)
	l.UpdatedAt = l.CreatedAt
	creds, err := encodeCredentials(l.Credentials)
	if err != nil {
		return err
	}
	_, err = db.exec(ctx, `INSERT INTO logins (`+loginColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		l.ID, l.TenantID, l.Portal, l.Username, l.HasKey, nanos(l.CreatedAt), nanos(l.UpdatedAt), creds)
	return fail("create login", err, "a login with this id already exists", "unknown tenant")
}

// Login returns the tenant's login id.
func (db *DB) Login(ctx context.Context, tenantID, id string) (*twofetch.Login, error) {
	l, err := scanLogin(db.queryRow(ctx, `SELECT `+loginColumns+` FROM logins WHERE id = ? AND tenant_id = ?`, id, tenantID))
	return l, fail("get login", err, "", "")
}

// LoginByID returns any tenant's login id.
func (db *DB) LoginByID(ctx context.Context, id string) (*twofetch.Login, error) {
	l, err := scanLogin(db.queryRow(ctx, `SELECT `+loginColumns+` FROM logins WHERE id = ?`, id))
	return l, fail("get login", err, "", "")
}

// FindLogins returns the tenant's logins of username at any of portals,
// oldest first.
func (db *DB) FindLogins(ctx context.Context, tenantID, username string, portals []string) ([]*twofetch.Login, error) {
	if len(portals) == 0 {
		return []*twofetch.Login{}, nil
	}
	args := []any{tenantID, username}
	for _, p := range portals {
		args = append(args, p)
	}
	rows, err := db.query(ctx, `SELECT `+loginColumns+` FROM logins WHERE tenant_id = ? AND username = ?
		AND portal IN (?`+strings.Repeat(", ?", len(portals)-1)+`) ORDER BY created_at, id`, args...)
	ls, err := collect(rows, err, scanLogin)
	return ls, fail("find logins", err, "", "")
}

// SetLoginCredentials replaces the login's credential values that are not
// secret.
func (db *DB) SetLoginCredentials(ctx context.Context, tenantID, loginID string, creds map[string]string) error {
	enc, err := encodeCredentials(creds)
	if err != nil {
		return err
	}
	res, err := db.exec(ctx, `UPDATE logins SET credentials = ?, updated_at = ? WHERE id = ? AND tenant_id = ?`,
		enc, nanos(now()), loginID, tenantID)
	if err == nil {
		err = oneRow(res)
	}
	return fail("set login credentials", err, "", "")
}

// encodeCredentials is the stored form of credential values: a JSON
// object, or empty for none.
func encodeCredentials(m map[string]string) (string, error) {
	if len(m) == 0 {
		return "", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", twofetch.Errorf(twofetch.EINVALID, "credentials: %v", err)
	}
	return string(b), nil
}

func decodeCredentials(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("stored credentials unreadable: %w", err)
	}
	return m, nil
}

// LoginAccounts returns the accounts behind the tenant's login, oldest
// first; a login of another tenant has none.
func (db *DB) LoginAccounts(ctx context.Context, tenantID, loginID string) ([]*twofetch.Account, error) {
	rows, err := db.query(ctx, `SELECT `+accountColumns+` FROM accounts WHERE login_id = ? AND tenant_id = ?
		ORDER BY created_at, id`, loginID, tenantID)
	as, err := collect(rows, err, scanAccount)
	return as, fail("login accounts", err, "", "")
}

// ConfirmLoginKey records an enrolled key for the login and every account
// behind it in one transaction, and returns those accounts as they now
// are.
func (db *DB) ConfirmLoginKey(ctx context.Context, tenantID, loginID string) ([]*twofetch.Account, error) {
	var as []*twofetch.Account
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.confirmLoginKey(ctx, tx, tenantID, loginID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, db.q(`SELECT `+accountColumns+` FROM accounts
			WHERE login_id = ? AND tenant_id = ? ORDER BY created_at, id`), loginID, tenantID)
		as, err = collect(rows, err, scanAccount)
		return err
	})
	return as, fail("confirm key", err, "", "")
}

package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/twofetch/twofetch"
)

const tenantColumns = `id, name, token_hash, admin_token_hash, language, webhook_url, webhook_secret,
	quiet_start, quiet_end, quiet_days, time_zone, created_at, revoked_at,
	display_name, support_phone, support_email, support_url`

const tenantConflict = "a tenant with this id or token already exists"

func scanTenant(s scanner) (*twofetch.Tenant, error) {
	var t twofetch.Tenant
	var days string
	var created, revoked sql.NullInt64
	err := s.Scan(&t.ID, &t.Name, &t.TokenHash, &t.AdminTokenHash, &t.Language, &t.WebhookURL,
		&t.WebhookSecret, &t.QuietStart, &t.QuietEnd, &days, &t.TimeZone, &created, &revoked,
		&t.DisplayName, &t.Support.Phone, &t.Support.Email, &t.Support.URL)
	if err != nil {
		return nil, err
	}
	t.QuietDays = parseDays(days)
	t.CreatedAt = fromNanos(created)
	t.RevokedAt = fromNanosp(revoked)
	return &t, nil
}

// formatDays stores weekdays as "0,6" (Sunday, Saturday).
func formatDays(days []time.Weekday) string {
	parts := make([]string, len(days))
	for i, d := range days {
		parts[i] = strconv.Itoa(int(d))
	}
	return strings.Join(parts, ",")
}

func parseDays(s string) []time.Weekday {
	if s == "" {
		return nil
	}
	var out []time.Weekday
	for _, p := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(p); err == nil && n >= 0 && n <= 6 {
			out = append(out, time.Weekday(n))
		}
	}
	return out
}

func checkTenant(t *twofetch.Tenant) error {
	for _, d := range t.QuietDays {
		if d < time.Sunday || d > time.Saturday {
			return twofetch.Errorf(twofetch.EINVALID, "quiet day %d is not a weekday", int(d))
		}
	}
	if t.QuietStart < 0 || t.QuietStart > 23 || t.QuietEnd < 0 || t.QuietEnd > 23 {
		return twofetch.Errorf(twofetch.EINVALID, "quiet hours must be between 0 and 23")
	}
	if t.Name == "" {
		return twofetch.Errorf(twofetch.EINVALID, "tenant name is empty")
	}
	return checkTime("created_at", t.CreatedAt)
}

// CreateTenant inserts t.
func (db *DB) CreateTenant(ctx context.Context, t *twofetch.Tenant) error {
	if err := checkTenant(t); err != nil {
		return err
	}
	if t.ID == "" {
		t.ID = twofetch.NewID("ten")
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now()
	}
	t.CreatedAt = utc(t.CreatedAt)
	t.RevokedAt = utcp(t.RevokedAt)
	_, err := db.exec(ctx, `INSERT INTO tenants (`+tenantColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Name, bytesOrNull(t.TokenHash), bytesOrNull(t.AdminTokenHash), t.Language, t.WebhookURL,
		t.WebhookSecret, t.QuietStart, t.QuietEnd, formatDays(t.QuietDays), t.TimeZone,
		nanos(t.CreatedAt), nanosp(t.RevokedAt),
		t.DisplayName, t.Support.Phone, t.Support.Email, t.Support.URL)
	return fail("create tenant", err, tenantConflict, "")
}

// UpdateTenant writes every field of t except its creation and revocation
// times, which only CreateTenant and RevokeTenant set.
func (db *DB) UpdateTenant(ctx context.Context, t *twofetch.Tenant) error {
	if err := checkTenant(t); err != nil {
		return err
	}
	res, err := db.exec(ctx, `UPDATE tenants SET name = ?, token_hash = ?, admin_token_hash = ?,
		language = ?, webhook_url = ?, webhook_secret = ?, quiet_start = ?, quiet_end = ?,
		quiet_days = ?, time_zone = ?, display_name = ?, support_phone = ?, support_email = ?,
		support_url = ? WHERE id = ?`,
		t.Name, bytesOrNull(t.TokenHash), bytesOrNull(t.AdminTokenHash), t.Language, t.WebhookURL,
		t.WebhookSecret, t.QuietStart, t.QuietEnd, formatDays(t.QuietDays), t.TimeZone,
		t.DisplayName, t.Support.Phone, t.Support.Email, t.Support.URL, t.ID)
	if err == nil {
		err = oneRow(res)
	}
	return fail("update tenant", err, tenantConflict, "")
}

// Tenant returns a tenant, revoked or not.
func (db *DB) Tenant(ctx context.Context, id string) (*twofetch.Tenant, error) {
	t, err := scanTenant(db.queryRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = ?`, id))
	return t, fail("get tenant", err, "", "")
}

// TenantByTokenHash finds a live tenant by API token hash.
func (db *DB) TenantByTokenHash(ctx context.Context, hash []byte) (*twofetch.Tenant, error) {
	return db.tenantByHash(ctx, "token_hash", hash)
}

// TenantByAdminTokenHash finds a live tenant by admin token hash.
func (db *DB) TenantByAdminTokenHash(ctx context.Context, hash []byte) (*twofetch.Tenant, error) {
	return db.tenantByHash(ctx, "admin_token_hash", hash)
}

func (db *DB) tenantByHash(ctx context.Context, column string, hash []byte) (*twofetch.Tenant, error) {
	if len(hash) == 0 {
		return nil, twofetch.ErrNotFound
	}
	t, err := scanTenant(db.queryRow(ctx, `SELECT `+tenantColumns+` FROM tenants
		WHERE `+column+` = ? AND revoked_at IS NULL`, hash))
	return t, fail("find tenant by token", err, "", "")
}

// ListTenants returns every tenant, revoked ones included, oldest first.
func (db *DB) ListTenants(ctx context.Context) ([]*twofetch.Tenant, error) {
	rows, err := db.query(ctx, `SELECT `+tenantColumns+` FROM tenants ORDER BY created_at, id`)
	ts, err := collect(rows, err, scanTenant)
	return ts, fail("list tenants", err, "", "")
}

// RevokeTenant stops the tenant's tokens from authenticating. Revoking a
// revoked tenant keeps the first revocation time.
func (db *DB) RevokeTenant(ctx context.Context, id string, at time.Time) error {
	if at.IsZero() {
		at = now()
	}
	if err := checkTime("revoked_at", at); err != nil {
		return err
	}
	res, err := db.exec(ctx, `UPDATE tenants SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, nanos(at), id)
	if err == nil {
		err = oneRow(res)
	}
	return fail("revoke tenant", err, "", "")
}

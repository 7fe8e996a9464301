package store

import (
	"context"
	"database/sql"

	"github.com/twofetch/twofetch"
)

const secretColumns = `tenant_id, account_id, field, sealed, key_id, version, updated_at`

func scanSecret(s scanner) (*twofetch.Secret, error) {
	var sec twofetch.Secret
	var updated sql.NullInt64
	err := s.Scan(&sec.Ref.TenantID, &sec.Ref.AccountID, &sec.Ref.Field, &sec.Sealed, &sec.KeyID,
		&sec.Version, &updated)
	if err != nil {
		return nil, err
	}
	sec.UpdatedAt = fromNanos(updated)
	return &sec, nil
}

func checkSecret(s *twofetch.Secret) error {
	if s.Ref.TenantID == "" || s.Ref.AccountID == "" || s.Ref.Field == "" {
		return twofetch.Errorf(twofetch.EINVALID, "a secret needs a tenant, an account and a field")
	}
	if len(s.Sealed) == 0 {
		return twofetch.Errorf(twofetch.EINVALID, "a secret needs a sealed value")
	}
	return nil
}

// PutSecret inserts or replaces the secret at s.Ref; the version starts at
// 1 and increases on every replacement. It sets s.Version and s.UpdatedAt.
func (db *DB) PutSecret(ctx context.Context, s *twofetch.Secret) error {
	if err := checkSecret(s); err != nil {
		return err
	}
	updated := now()
	var version int64
	err := db.w.QueryRowContext(ctx, db.q(`INSERT INTO secrets (`+secretColumns+`)
		VALUES (?, ?, ?, ?, ?, 1, ?)
		ON CONFLICT (tenant_id, account_id, field) DO UPDATE SET sealed = excluded.sealed,
			key_id = excluded.key_id, version = secrets.version + 1, updated_at = excluded.updated_at
		RETURNING version`),
		s.Ref.TenantID, s.Ref.AccountID, s.Ref.Field, s.Sealed, s.KeyID, nanos(updated)).Scan(&version)
	if err != nil {
		return fail("put secret", err, "", "")
	}
	s.Version, s.UpdatedAt = version, updated
	return nil
}

// UpdateSecret replaces the secret only if its stored version is still
// s.Version, then increments s.Version. A changed version is ECONFLICT; a
// secret deleted meanwhile is ErrNotFound.
func (db *DB) UpdateSecret(ctx context.Context, s *twofetch.Secret) error {
	if err := checkSecret(s); err != nil {
		return err
	}
	updated := now()
	res, err := db.exec(ctx, `UPDATE secrets SET sealed = ?, key_id = ?, version = version + 1, updated_at = ?
		WHERE tenant_id = ? AND account_id = ? AND field = ? AND version = ?`,
		s.Sealed, s.KeyID, nanos(updated), s.Ref.TenantID, s.Ref.AccountID, s.Ref.Field, s.Version)
	if err != nil {
		return fail("update secret", err, "", "")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fail("update secret", err, "", "")
	}
	if n == 0 {
		var one int
		err := db.w.QueryRowContext(ctx, db.q(`SELECT 1 FROM secrets
			WHERE tenant_id = ? AND account_id = ? AND field = ?`),
			s.Ref.TenantID, s.Ref.AccountID, s.Ref.Field).Scan(&one)
		if err != nil {
			return fail("update secret", err, "", "")
		}
		return twofetch.Errorf(twofetch.ECONFLICT, "the secret %s was changed by someone else", s.Ref)
	}
	s.Version++
	s.UpdatedAt = updated
	return nil
}

// GetSecret returns the secret at ref.
func (db *DB) GetSecret(ctx context.Context, ref twofetch.SecretRef) (*twofetch.Secret, error) {
	s, err := scanSecret(db.queryRow(ctx, `SELECT `+secretColumns+` FROM secrets
		WHERE tenant_id = ? AND account_id = ? AND field = ?`, ref.TenantID, ref.AccountID, ref.Field))
	return s, fail("get secret", err, "", "")
}

// DeleteSecret removes the secret at ref; a missing secret is ErrNotFound.
func (db *DB) DeleteSecret(ctx context.Context, ref twofetch.SecretRef) error {
	res, err := db.exec(ctx, `DELETE FROM secrets WHERE tenant_id = ? AND account_id = ? AND field = ?`,
		ref.TenantID, ref.AccountID, ref.Field)
	if err == nil {
		err = oneRow(res)
	}
	return fail("delete secret", err, "", "")
}

// SecretsNotWrappedBy lists up to limit secrets whose KeyID is not keyID,
// in a stable order so rotation makes progress batch by batch.
func (db *DB) SecretsNotWrappedBy(ctx context.Context, keyID string, limit int) ([]*twofetch.Secret, error) {
	if limit <= 0 {
		return []*twofetch.Secret{}, nil
	}
	rows, err := db.query(ctx, `SELECT `+secretColumns+` FROM secrets WHERE key_id <> ?
		ORDER BY tenant_id, account_id, field LIMIT ?`, keyID, limit)
	ss, err := collect(rows, err, scanSecret)
	return ss, fail("secrets to rewrap", err, "", "")
}

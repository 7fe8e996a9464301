package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/twofetch/twofetch"
)

const invoiceColumns = `id, tenant_id, account_id, run_id, portal, COALESCE(portal_invoice_id, ''), kind,
	invoice_number, invoice_date, amount, currency, sha256, size, content_type, blob_key, created_at`

const invoiceInsertColumns = `id, tenant_id, account_id, run_id, portal, portal_invoice_id, kind,
	invoice_number, invoice_date, amount, currency, sha256, size, content_type, blob_key, created_at`

func scanInvoice(s scanner) (*twofetch.Invoice, error) {
	var inv twofetch.Invoice
	var created sql.NullInt64
	err := s.Scan(&inv.ID, &inv.TenantID, &inv.AccountID, &inv.RunID, &inv.Portal, &inv.PortalInvoiceID,
		&inv.Kind, &inv.Number, &inv.Date, &inv.Amount, &inv.Currency, &inv.SHA256, &inv.Size, &inv.ContentType,
		&inv.BlobKey, &created)
	if err != nil {
		return nil, err
	}
	inv.CreatedAt = fromNanos(created)
	return &inv, nil
}

// CreateInvoice inserts inv. It returns ECONFLICT when the account already
// has an invoice with the same portal invoice id or sha256; an empty portal
// invoice id never conflicts.
func (db *DB) CreateInvoice(ctx context.Context, inv *twofetch.Invoice) error {
	if inv.TenantID == "" || inv.AccountID == "" || inv.SHA256 == "" {
		return twofetch.Errorf(twofetch.EINVALID, "an invoice needs a tenant, an account and a sha256")
	}
	if err := checkTime("created_at", inv.CreatedAt); err != nil {
		return err
	}
	kind, err := twofetch.ParseDocumentKind(string(inv.Kind))
	if err != nil {
		return err
	}
	inv.Kind = kind
	if inv.ID == "" {
		inv.ID = twofetch.NewID("inv")
	}
	if inv.CreatedAt.IsZero() {
		inv.CreatedAt = now()
	}
	inv.CreatedAt = utc(inv.CreatedAt)
	var portalID any
	if inv.PortalInvoiceID != "" {
		portalID = inv.PortalInvoiceID
	}
	ev, err := twofetch.NewEvent(inv.TenantID, twofetch.EventInvoiceCreated, inv)
	if err != nil {
		return err
	}
	ev.CreatedAt = inv.CreatedAt
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO invoices (`+invoiceInsertColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			inv.ID, inv.TenantID, inv.AccountID, inv.RunID, inv.Portal, portalID, inv.Kind, inv.Number, inv.Date,
			inv.Amount, inv.Currency, inv.SHA256, inv.Size, inv.ContentType, inv.BlobKey, nanos(inv.CreatedAt))
		if err != nil {
			return err
		}
		// The event is part of the invoice: if it were written later, a
		// crash in between would lose it for good, since a retried run sees
		// the invoice as already stored.
		return db.addEvent(ctx, tx, ev)
	})
	return fail("create invoice", err, "the account already has this invoice", "unknown tenant")
}

// Invoice returns the tenant's invoice id.
func (db *DB) Invoice(ctx context.Context, tenantID, id string) (*twofetch.Invoice, error) {
	inv, err := scanInvoice(db.queryRow(ctx, `SELECT `+invoiceColumns+` FROM invoices
		WHERE id = ? AND tenant_id = ?`, id, tenantID))
	return inv, fail("get invoice", err, "", "")
}

// ListInvoices returns a page of invoices matching f, newest first. An
// empty f.TenantID lists every tenant's invoices (support tools only).
func (db *DB) ListInvoices(ctx context.Context, f twofetch.InvoiceFilter) ([]*twofetch.Invoice, error) {
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
	if f.Portal != "" {
		where, args = append(where, "portal = ?"), append(args, f.Portal)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if !f.Since.IsZero() {
		if err := checkTime("since", f.Since); err != nil {
			return nil, err
		}
		where, args = append(where, "created_at >= ?"), append(args, f.Since.UnixNano())
	}
	where, args, err := db.keyset(ctx, "invoices", f.Page, cursorWhere, cursorArgs, where, args)
	if err != nil {
		return nil, fail("list invoices", err, "", "")
	}
	rows, err := db.query(ctx, `SELECT `+invoiceColumns+` FROM invoices`+whereClause(where)+
		` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, limit(f.Limit))...)
	is, err := collect(rows, err, scanInvoice)
	return is, fail("list invoices", err, "", "")
}

// knownBatch keeps the number of bound parameters far below both engines'
// limits.
const knownBatch = 500

// KnownInvoiceIDs returns which of ids the account already has.
func (db *DB) KnownInvoiceIDs(ctx context.Context, accountID string, ids []string) (map[string]bool, error) {
	known := make(map[string]bool)
	for start := 0; start < len(ids); start += knownBatch {
		batch := ids[start:min(start+knownBatch, len(ids))]
		args := make([]any, 0, len(batch)+1)
		args = append(args, accountID)
		for _, id := range batch {
			args = append(args, id)
		}
		rows, err := db.query(ctx, `SELECT portal_invoice_id FROM invoices WHERE account_id = ?
			AND portal_invoice_id IN (?`+strings.Repeat(", ?", len(batch)-1)+`)`, args...)
		if err != nil {
			return nil, fail("known invoices", err, "", "")
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fail("known invoices", err, "", "")
			}
			known[id] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fail("known invoices", err, "", "")
		}
	}
	return known, nil
}

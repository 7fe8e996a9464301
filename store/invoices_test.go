package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
)

func TestDocumentKindMigrationSQLite(t *testing.T) {
	testDocumentKindMigration(t, "sqlite:"+filepath.Join(t.TempDir(), "twofetch.db"))
}

func TestDocumentKindMigrationPostgres(t *testing.T) {
	testDocumentKindMigration(t, testenv.PostgresURL(t))
}

// testDocumentKindMigration stores an invoice on the schema before document
// kinds, migrates, and checks that it reads as an invoice, and that an
// insert the way the previous release writes it (without the column) still
// works on the migrated schema.
func testDocumentKindMigration(t *testing.T, dsn string) {
	db, exec := openAtVersion(t, dsn, 6)
	created := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC).UnixNano()
	exec(`INSERT INTO tenants (id, name, created_at) VALUES ('ten_k', 'k', ?)`, created)
	oldInsert := `INSERT INTO invoices (id, tenant_id, account_id, run_id, portal, portal_invoice_id,
		invoice_number, invoice_date, amount, currency, sha256, size, content_type, blob_key, created_at)
		VALUES (?, 'ten_k', 'acc_k', 'run_k', 'github', ?, '', '', '', '', ?, 1, 'application/pdf', ?, ?)`
	exec(oldInsert, "inv_before", "A-1", "sha-before", "k/before", created)

	must(t, Migrate(ctx, db))

	exec(oldInsert, "inv_old_release", "A-2", "sha-old-release", "k/old", created+1)
	for _, id := range []string{"inv_before", "inv_old_release"} {
		inv, err := db.Invoice(ctx, "ten_k", id)
		must(t, err)
		if inv.Kind != twofetch.KindInvoice {
			t.Fatalf("%s reads as kind %q, want invoice", id, inv.Kind)
		}
	}
	st8 := &twofetch.Invoice{TenantID: "ten_k", AccountID: "acc_k", RunID: "run_k", Portal: "etsy",
		PortalInvoiceID: "S-2026-02", Kind: twofetch.KindStatement, SHA256: "sha-statement", Size: 1,
		ContentType: "application/pdf", BlobKey: "k/st"}
	must(t, db.CreateInvoice(ctx, st8))
	got, err := db.ListInvoices(ctx, twofetch.InvoiceFilter{TenantID: "ten_k", Kind: twofetch.KindStatement})
	must(t, err)
	if len(got) != 1 || got[0].ID != st8.ID || got[0].Kind != twofetch.KindStatement {
		t.Fatalf("statements = %+v", got)
	}
}

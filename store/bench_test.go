package store

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
)

func benchOpeners() map[string]func(b *testing.B) *DB {
	return map[string]func(b *testing.B) *DB{
		"sqlite": func(b *testing.B) *DB {
			return benchOpen(b, "sqlite:"+filepath.Join(b.TempDir(), "bench.db"))
		},
		"postgres": func(b *testing.B) *DB { return benchOpen(b, testenv.PostgresURL(b)) },
	}
}

func benchOpen(b *testing.B, dsn string) *DB {
	b.Helper()
	db, err := open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := Migrate(ctx, db); err != nil {
		b.Fatal(err)
	}
	return db
}

// seedAccounts inserts n accounts, a fifth of them not active, with next
// run times spread over a day around now.
func seedAccounts(b *testing.B, db *DB, n int, now time.Time) {
	b.Helper()
	tn := &twofetch.Tenant{Name: "bench"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		b.Fatal(err)
	}
	const batch = 5000
	for start := 0; start < n; start += batch {
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			stmt, err := tx.PrepareContext(ctx, db.q(`INSERT INTO accounts (`+accountColumns+`)
				VALUES (?, ?, ?, ?, ?, '', FALSE, ?, NULL, '', ?, ?)`))
			if err != nil {
				return err
			}
			defer stmt.Close()
			for i := start; i < min(start+batch, n); i++ {
				status := twofetch.AccountActive
				if i%5 == 0 {
					status = twofetch.AccountNeedsCustomer
				}
				next := now.Add(time.Duration(i%86400-43200) * time.Second).UnixNano()
				if _, err := stmt.ExecContext(ctx, fmt.Sprintf("acc_%09d", i), tn.ID, "example",
					fmt.Sprint("u", i), string(status), next, now.UnixNano(), now.UnixNano()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDueAccounts measures one scheduler batch of 500 due accounts out
// of 200,000, half of them due.
func BenchmarkDueAccounts(b *testing.B) {
	for name, open := range benchOpeners() {
		b.Run(name, func(b *testing.B) {
			db := open(b)
			now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
			seedAccounts(b, db, 200_000, now)
			if _, err := db.exec(ctx, "ANALYZE"); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				as, err := db.DueAccounts(ctx, now, 500)
				if err != nil || len(as) != 500 {
					b.Fatalf("%d accounts, %v", len(as), err)
				}
			}
		})
	}
}

// BenchmarkCreateInvoice measures single-row commits, the workers' write
// pattern: one invoice row per downloaded document.
func BenchmarkCreateInvoice(b *testing.B) {
	for name, open := range benchOpeners() {
		b.Run(name, func(b *testing.B) {
			db := open(b)
			tn := &twofetch.Tenant{Name: "bench"}
			if err := db.CreateTenant(ctx, tn); err != nil {
				b.Fatal(err)
			}
			i := 0
			for b.Loop() {
				i++
				inv := &twofetch.Invoice{TenantID: tn.ID, AccountID: "acc_x", Portal: "example",
					PortalInvoiceID: fmt.Sprint(i), SHA256: fmt.Sprint(i), Size: 1000, ContentType: "application/pdf"}
				if err := db.CreateInvoice(ctx, inv); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTenantByTokenHash measures the lookup behind every API call.
func BenchmarkTenantByTokenHash(b *testing.B) {
	for name, open := range benchOpeners() {
		b.Run(name, func(b *testing.B) {
			db := open(b)
			var hash []byte
			for i := 0; i < 1000; i++ {
				_, h := twofetch.NewToken("tft")
				if err := db.CreateTenant(ctx, &twofetch.Tenant{Name: "t", TokenHash: h}); err != nil {
					b.Fatal(err)
				}
				hash = h
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := db.TenantByTokenHash(ctx, hash); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

package store

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
)

// BenchmarkStorageBytes measures what a day of runs leaves in the
// database: the bytes (tables, indexes and TOAST on PostgreSQL; pages of
// the file on SQLite) per finished run, with its step log and run.finished
// event, and per stored invoice, with its invoice.created event. The
// capacity plan in docs/scaling.md is built from these figures.
//
//	go test -run '^$' -bench StorageBytes -benchtime 1x ./store
func BenchmarkStorageBytes(b *testing.B) {
	const n = 5000
	for name, open := range benchOpeners() {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				db := open(b)
				tn := &twofetch.Tenant{Name: "bench"}
				if err := db.CreateTenant(ctx, tn); err != nil {
					b.Fatal(err)
				}
				accounts := make([]*twofetch.Account, 100)
				for i := range accounts {
					accounts[i] = &twofetch.Account{TenantID: tn.ID, Portal: "amazon-de", Username: fmt.Sprintf("user%d@example.com", i),
						Label: fmt.Sprintf("cust-%d", i)}
					if err := db.CreateAccount(ctx, accounts[i]); err != nil {
						b.Fatal(err)
					}
				}
				base := storageBytes(b, db)
				start := time.Now()
				for i := range n {
					a := accounts[i%len(accounts)]
					benchFinishedRun(b, db, a, i)
				}
				afterRuns := storageBytes(b, db)
				for i := range n {
					a := accounts[i%len(accounts)]
					inv := &twofetch.Invoice{TenantID: tn.ID, AccountID: a.ID, RunID: "run_x", Portal: a.Portal,
						PortalInvoiceID: fmt.Sprintf("302-%07d-%07d", i, i*7), Kind: twofetch.KindInvoice,
						Number: fmt.Sprintf("DE%09d", i), Date: "2026-11-14", Amount: "129.99", Currency: "EUR",
						SHA256: fmt.Sprintf("%064x", i), Size: 48_213, ContentType: "application/pdf",
						BlobKey: fmt.Sprintf("%s/%s/%064x.pdf", tn.ID, a.ID, i)}
					if err := db.CreateInvoice(ctx, inv); err != nil {
						b.Fatal(err)
					}
				}
				afterInvoices := storageBytes(b, db)
				b.ReportMetric(float64(afterRuns-base)/n, "B/run")
				b.ReportMetric(float64(afterInvoices-afterRuns)/n, "B/invoice")
				b.ReportMetric(float64(2*n)/time.Since(start).Seconds(), "rows/s")
			}
		})
	}
}

// benchFinishedRun records run i of a as the workers do: created, started,
// finished with a step log of fifteen steps and its run.finished event.
func benchFinishedRun(b *testing.B, db *DB, a *twofetch.Account, i int) {
	b.Helper()
	r := &twofetch.Run{TenantID: a.TenantID, AccountID: a.ID, Portal: a.Portal, Trigger: twofetch.TriggerSchedule}
	if err := db.CreateRun(ctx, r); err != nil {
		b.Fatal(err)
	}
	started := time.Now()
	lease := started.Add(20 * time.Minute)
	r.Attempt, r.StartedAt, r.LeaseUntil = 1, &started, &lease
	if err := db.StartRun(ctx, r); err != nil {
		b.Fatal(err)
	}
	steps := make([]twofetch.StepLog, 15)
	for k := range steps {
		steps[k] = twofetch.StepLog{Path: fmt.Sprintf("login/%d", k), Kind: []string{"navigate", "wait", "type", "click"}[k%4],
			Name: strings.Repeat("x", 12), Start: started.Add(time.Duration(k) * time.Second), Duration: 800 * time.Millisecond}
	}
	fin := started.Add(40 * time.Second)
	r.Outcome, r.Detail, r.FinishedAt, r.NewInvoices, r.Steps = twofetch.OutcomeOK, "2 new documents", &fin, 2, steps
	next := fin.Add(24 * time.Hour)
	ev, err := twofetch.NewEvent(a.TenantID, twofetch.EventRunFinished, r.EventData())
	if err != nil {
		b.Fatal(err)
	}
	if err := db.FinishRun(ctx, &twofetch.RunFinish{Run: r, Attempt: 1, NextRunAt: &next, Events: []*twofetch.Event{ev}}); err != nil {
		b.Fatalf("run %d: %v", i, err)
	}
	if err := db.SetRunScript(ctx, r.TenantID, r.ID, fmt.Sprintf("%064x", 1), ""); err != nil {
		b.Fatal(err)
	}
}

// storageBytes is what the database holds on disk now.
func storageBytes(b *testing.B, db *DB) int64 {
	b.Helper()
	var n int64
	var err error
	if db.dialect == dialectPostgres {
		err = db.w.QueryRowContext(ctx, `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint
			FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
			WHERE s.nspname = current_schema() AND c.relkind = 'r'`).Scan(&n)
	} else {
		if _, err = db.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err == nil {
			err = db.w.QueryRowContext(ctx, `SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()`).Scan(&n)
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	return n
}

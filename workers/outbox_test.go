package workers

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
)

// A worker dies between writing an invoice row and queueing its webhook,
// then Redis is away for a while: the invoice.created event still reaches
// the operator's receiver once Redis is back, exactly once per invoice.
func TestInvoiceEventSurvivesCrashAndRedisOutage(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); testInvoiceEventSurvives(t, newEnv(t)) })
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		testInvoiceEventSurvives(t, newEnvOn(t, t.TempDir(), testenv.PostgresURL(t)))
	})
}

func testInvoiceEventSurvives(t *testing.T, e *env) {
	ctx := context.Background()
	acc := e.account(t, "fred")
	e.portal.setInvoices("fred", "F1", "F2", "F3")

	child := exec.Command(os.Args[0], "-test.run=^TestWorkerProcess$", "-test.v")
	child.Env = append(os.Environ(),
		"TWOFETCH_TEST_WORKER_CHILD=1",
		"TWOFETCH_TEST_FAULT=invoice-stored",
		"TWOFETCH_TEST_REDIS="+e.redis.URL,
		"TWOFETCH_TEST_DSN="+e.dsn,
		"TWOFETCH_TEST_DATA="+e.dataDir,
		"TWOFETCH_TEST_PORTAL="+e.portal.srv.URL,
	)
	var childOut strings.Builder
	child.Stdout, child.Stderr = &childOut, &childOut
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	enq := NewEnqueuer(e.rdb, e.store, nil)
	defer enq.Close()
	run, err := enq.RunNow(ctx, acc, twofetch.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- child.Wait() }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		child.Process.Kill()
		t.Fatalf("the child worker never reached the fault; its output:\n%s", childOut.String())
	}
	invs := e.invoices(t, acc.ID)
	if len(invs) != 1 {
		t.Fatalf("%d invoices stored before the crash, want 1; child output:\n%s", len(invs), childOut.String())
	}

	// Redis goes away. The event waits in the outbox; a relay that tries
	// now fails and loses nothing.
	e.redis.Stop()
	relay := NewRelay(e.rdb, e.store, nil)
	defer relay.Close()
	for i := 0; i < 3; i++ {
		if n, err := relay.Once(ctx); err == nil {
			t.Fatalf("relay queued %d events with Redis stopped", n)
		}
	}
	evs, err := e.store.ListEvents(ctx, e.tenant.ID, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if n := countType(evs, twofetch.EventInvoiceCreated); n != 1 {
		t.Fatalf("%d invoice.created events in the outbox, want 1", n)
	}
	// A run asked for while Redis is away is recorded, and queued later.
	acc2 := e.account(t, "gina")
	e.portal.setInvoices("gina", "G1")
	run2, err := enq.RunNow(ctx, acc2, twofetch.TriggerManual)
	if err != nil {
		t.Fatalf("run now with Redis stopped: %v", err)
	}

	e.redis.Restart(t)
	// The killed worker's task comes back once its lease runs out.
	e.expireLeases(t)
	e.start(t, e.config())
	if r := e.waitRun(t, run.ID, 4*time.Minute); r.Outcome != twofetch.OutcomeOK {
		t.Fatalf("run after the crash: %q (%s)", r.Outcome, r.Detail)
	}
	if r := e.waitRun(t, run2.ID, time.Minute); r.Outcome != twofetch.OutcomeOK {
		t.Fatalf("run asked for while Redis was away: %q (%s)", r.Outcome, r.Detail)
	}
	all := append(e.invoices(t, acc.ID), e.invoices(t, acc2.ID)...)
	if len(all) != 4 {
		t.Fatalf("%d invoices, want 4", len(all))
	}
	waitFor(t, "an invoice.created webhook for every invoice", time.Minute, func() bool {
		return len(e.hooks.ofType(EventInvoiceCreated)) >= len(all)
	})
	got := map[string]int{}
	for _, ev := range e.hooks.ofType(EventInvoiceCreated) {
		var inv twofetch.Invoice
		if err := json.Unmarshal(ev.Data, &inv); err != nil {
			t.Fatal(err)
		}
		got[inv.ID]++
	}
	for _, inv := range all {
		if got[inv.ID] != 1 {
			t.Errorf("invoice %s (%s) announced %d times, want once", inv.ID, inv.PortalInvoiceID, got[inv.ID])
		}
	}
	if len(got) != len(all) {
		t.Errorf("webhooks for %d invoices, want %d", len(got), len(all))
	}
}

func countType(evs []*twofetch.Event, typ string) int {
	n := 0
	for _, ev := range evs {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

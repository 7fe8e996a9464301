package workers

import (
	"context"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/metrics"
)

// A portal failing a little at each of several tenants is one sharp fall
// for operators: too few runs at any one tenant for a tenant's event, one
// portal.degraded for operators across them, however many runs fail after.
func TestPortalDegradedForOperatorsOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	other := &twofetch.Tenant{ID: twofetch.NewID("ten"), Name: "Other Books", Language: "en"}
	if err := e.store.CreateTenant(ctx, other); err != nil {
		t.Fatal(err)
	}
	// The portal's name is this test's own, so counts of earlier tests in
	// the process do not mix in.
	portal := "opsportal" + strings.ToLower(twofetch.NewID("p"))
	var accts []*twofetch.Account
	now := time.Now()
	for i, tenant := range []string{e.tenant.ID, other.ID} {
		a := &twofetch.Account{TenantID: tenant, Portal: portal, Username: "user" + string(rune('a'+i)), Status: twofetch.AccountActive, HasKey: true}
		if err := e.store.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		accts = append(accts, a)
		for d := 2; d <= 4; d++ {
			fin := now.Add(-time.Duration(d) * 24 * time.Hour)
			if err := e.store.CreateRun(ctx, &twofetch.Run{TenantID: tenant, AccountID: a.ID, Portal: portal, Trigger: twofetch.TriggerSchedule,
				Outcome: twofetch.OutcomeOK, CreatedAt: fin.Add(-time.Minute), FinishedAt: &fin}); err != nil {
				t.Fatal(err)
			}
		}
	}
	cfg := e.config()
	cfg.Fetcher = versionedFetcher{}
	e.start(t, cfg)
	enq := NewEnqueuer(e.rdb, e.store, nil)
	defer enq.Close()
	counted := func() float64 {
		var m dto.Metric
		if err := metrics.PortalsDegraded.WithLabelValues(portal).Write(&m); err != nil {
			t.Fatal(err)
		}
		return m.GetCounter().GetValue()
	}
	tenantEvents := func() int {
		n := 0
		for _, a := range accts {
			evs, err := e.store.ListEvents(ctx, a.TenantID, "", 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range evs {
				if ev.Type == twofetch.EventPortalDegraded {
					n++
				}
			}
		}
		return n
	}
	fail := func(a *twofetch.Account) {
		t.Helper()
		a, err := e.store.AccountByID(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		r, err := enq.RunNow(ctx, a, twofetch.TriggerManual)
		if err != nil {
			t.Fatal(err)
		}
		e.waitRun(t, r.ID, time.Minute)
	}
	// Two failures: too few runs today, at the tenant and overall.
	fail(accts[0])
	fail(accts[1])
	if got := counted(); got != 0 {
		t.Fatalf("after two failures: %v operator events", got)
	}
	// The third, at the first tenant: three runs today across tenants, two
	// at that tenant.
	fail(accts[0])
	if got := counted(); got != 1 {
		t.Fatalf("after three failures across two tenants: %v operator events, want 1", got)
	}
	if n := tenantEvents(); n != 0 {
		t.Fatalf("%d tenant events, though no tenant had three runs today", n)
	}
	if logs := e.logs.String(); !strings.Contains(logs, `msg="portal degraded"`) || !strings.Contains(logs, "scope=all") || !strings.Contains(logs, "tenants_24h=2") {
		t.Errorf("no operator log entry:\n%s", e.logs)
	}
	// More failures, at both tenants: still one for operators; the first
	// tenant now has three runs today and hears of its own.
	fail(accts[1])
	fail(accts[0])
	if got := counted(); got != 1 {
		t.Fatalf("after five failures: %v operator events, want 1", got)
	}
	if n := tenantEvents(); n != 1 {
		t.Fatalf("%d tenant events, want the first tenant's one", n)
	}
}

package store

import (
	"testing"
	"time"

	"github.com/twofetch/twofetch"
)

func TestPortalRunsSQLite(t *testing.T)   { testPortalRuns(t, openSQLiteTest(t)) }
func TestPortalRunsPostgres(t *testing.T) { testPortalRuns(t, openPostgresTest(t)) }

func testPortalRuns(t *testing.T, s *DB) {
	t1, _ := newTenant(t, s, "one")
	t2, _ := newTenant(t, s, "two")
	a1 := newAccount(t, s, t1.ID)
	a2 := newAccount(t, s, t2.ID)
	now := time.Now().UTC().Truncate(time.Second)
	mk := func(a *twofetch.Account, o twofetch.Outcome, ago time.Duration, artifacts string) *twofetch.Run {
		fin := now.Add(-ago)
		r := &twofetch.Run{TenantID: a.TenantID, AccountID: a.ID, Portal: a.Portal, Outcome: o, FinishedAt: &fin, Artifacts: artifacts}
		must(t, s.CreateRun(ctx, r))
		return r
	}
	old := mk(a1, twofetch.OutcomeOK, 9*24*time.Hour, "")
	failed := mk(a1, twofetch.OutcomePortalChanged, time.Hour, "/data/artifacts/x")
	mk(a2, twofetch.OutcomeOK, 2*time.Hour, "")
	must(t, s.SetRunScript(ctx, t1.ID, failed.ID, "abcdef123456", "login/2"))
	wantCode(t, s.SetRunScript(ctx, t2.ID, failed.ID, "x", ""), twofetch.ENOTFOUND)

	runs, err := s.PortalRuns(ctx, t1.ID, now.Add(-7*24*time.Hour))
	must(t, err)
	if len(runs) != 1 || runs[0].ID != failed.ID || runs[0].ScriptVersion != "abcdef123456" || runs[0].FailedStep != "login/2" ||
		!runs[0].HasArtifacts || runs[0].Outcome != twofetch.OutcomePortalChanged || !runs[0].FinishedAt.Equal(now.Add(-time.Hour)) {
		t.Fatalf("tenant one's runs: %+v (old run %s must be left out)", runs, old.ID)
	}
	all, err := s.PortalRuns(ctx, "", now.Add(-7*24*time.Hour))
	must(t, err)
	mine := 0
	for _, r := range all {
		if r.TenantID == t1.ID || r.TenantID == t2.ID {
			mine++
		}
	}
	if mine != 2 {
		t.Fatalf("all tenants' runs hold %d of these tenants' recent runs, want 2: %+v", mine, all)
	}
	// One portal across tenants: both tenants' recent runs, nothing older,
	// no other portal.
	other := newAccount(t, s, t2.ID, func(a *twofetch.Account) { a.Portal = "elsewhere"; a.Username = "other@example.com" })
	o := now.Add(-time.Minute)
	must(t, s.CreateRun(ctx, &twofetch.Run{TenantID: t2.ID, AccountID: other.ID, Portal: "elsewhere", Outcome: twofetch.OutcomeOK, FinishedAt: &o}))
	of, err := s.PortalRunsOf(ctx, a1.Portal, now.Add(-7*24*time.Hour))
	must(t, err)
	tenants := map[string]int{}
	for _, r := range of {
		if r.Portal != a1.Portal || r.ID == old.ID {
			t.Fatalf("runs of %s hold %+v", a1.Portal, r)
		}
		tenants[r.TenantID]++
	}
	if tenants[t1.ID] != 1 || tenants[t2.ID] != 1 {
		t.Fatalf("runs of %s by tenant: %v", a1.Portal, tenants)
	}
}

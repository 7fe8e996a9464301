package twofetch

import (
	"testing"
	"time"
)

func TestSumPortalHealth(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	run := func(portal string, o Outcome, ago time.Duration, step string) PortalRun {
		return PortalRun{ID: portal + string(o) + ago.String(), Portal: portal, Outcome: o, FinishedAt: now.Add(-ago), FailedStep: step, ScriptVersion: "v-" + ago.String()}
	}
	runs := []PortalRun{
		// steady: always fine.
		run("steady", OutcomeOK, time.Hour, ""), run("steady", OutcomeNoDocuments, 2*time.Hour, ""),
		// idle: nothing today, half failed this week.
		run("idle", OutcomeOK, 3*24*time.Hour, ""), run("idle", OutcomeCaptcha, 4*24*time.Hour, ""),
		// broken: fine this week, failing today at one step.
		run("broken", OutcomeOK, 5*24*time.Hour, ""), run("broken", OutcomeOK, 6*24*time.Hour, ""),
		run("broken", OutcomeOK, 6*24*time.Hour+time.Hour, ""), run("broken", OutcomeOK, 6*24*time.Hour+2*time.Hour, ""),
		run("broken", OutcomePortalChanged, 3*time.Hour, "login/2"), run("broken", OutcomePortalChanged, 2*time.Hour, "login/2"),
		run("broken", OutcomePortalChanged, time.Hour, "documents/0"),
		// patched: healed twice at one step, once at another; healed runs
		// succeed.
		run("patched", OutcomeHealed, 30*time.Minute, "login/1"), run("patched", OutcomeHealed, 2*24*time.Hour, "login/1"),
		run("patched", OutcomeHealed, 3*24*time.Hour, "login/3"), run("patched", OutcomeOK, 4*24*time.Hour, ""),
		// too old to count.
		run("steady", OutcomeBlocked, 8*24*time.Hour, "login/0"),
	}
	h := SumPortalHealth(runs, now)
	if len(h) != 4 || h[0].Portal != "broken" || h[1].Portal != "idle" || h[2].Portal != "patched" || h[3].Portal != "steady" {
		t.Fatalf("order: %v", portalsOf(h))
	}
	b := h[0]
	if b.Runs24h != 3 || *b.SuccessRate24h != 0 || b.Runs7d != 7 || b.Succeeded7d != 4 || b.FailingStep != "login/2" || !b.Degraded ||
		b.NewestFailure == nil || b.NewestFailure.FinishedAt != now.Add(-time.Hour) || b.ScriptVersion != "v-1h0m0s" ||
		b.LastSuccess == nil || !b.LastSuccess.Equal(now.Add(-5*24*time.Hour)) || b.Outcomes7d[OutcomePortalChanged] != 3 {
		t.Fatalf("broken: %+v", b)
	}
	if i := h[1]; i.SuccessRate24h != nil || *i.SuccessRate7d != 0.5 || i.Degraded {
		t.Fatalf("idle: %+v", i)
	}
	if p := h[2]; p.Runs24h != 1 || *p.SuccessRate24h != 1 || *p.SuccessRate7d != 1 || p.Healed24h != 1 || p.Healed7d != 3 ||
		p.HealedStep != "login/1" || p.FailingStep != "" || p.NewestFailure != nil || p.Degraded || p.Outcomes7d[OutcomeHealed] != 3 {
		t.Fatalf("patched: %+v", p)
	}
	if b.Healed7d != 0 || b.HealedStep != "" {
		t.Fatalf("broken counts healed runs: %+v", b)
	}
	if s := h[3]; s.Runs7d != 2 || *s.SuccessRate24h != 1 || s.NewestFailure != nil || s.FailingStep != "" || s.Outcomes7d[OutcomeBlocked] != 0 {
		t.Fatalf("steady: %+v", s)
	}
}

func portalsOf(h []*PortalHealth) []string {
	var out []string
	for _, p := range h {
		out = append(out, p.Portal)
	}
	return out
}

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
		// too old to count.
		run("steady", OutcomeBlocked, 8*24*time.Hour, "login/0"),
	}
	h := SumPortalHealth(runs, now)
	if len(h) != 3 || h[0].Portal != "broken" || h[1].Portal != "idle" || h[2].Portal != "steady" {
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
	if s := h[2]; s.Runs7d != 2 || *s.SuccessRate24h != 1 || s.NewestFailure != nil || s.FailingStep != "" || s.Outcomes7d[OutcomeBlocked] != 0 {
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

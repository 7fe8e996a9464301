package twofetch

import (
	"slices"
	"strings"
	"time"
)

// PortalRun is what the portal health view needs of one finished run.
type PortalRun struct {
	ID            string
	TenantID      string
	Portal        string
	Outcome       Outcome
	Detail        string
	FinishedAt    time.Time
	ScriptVersion string
	// FailedStep is the path of the step that failed (login/3), if any;
	// for a healed run, the step that was healed.
	FailedStep   string
	HasArtifacts bool
}

// PortalHealth sums up how one portal's runs went.
type PortalHealth struct {
	Portal         string          `json:"portal"`
	Runs24h        int             `json:"runs_24h"`
	Succeeded24h   int             `json:"succeeded_24h"`
	SuccessRate24h *float64        `json:"success_rate_24h"` // null without runs
	Runs7d         int             `json:"runs_7d"`
	Succeeded7d    int             `json:"succeeded_7d"`
	SuccessRate7d  *float64        `json:"success_rate_7d"`
	Outcomes7d     map[Outcome]int `json:"outcomes_7d"`
	// Healed runs count as succeeded (the customer got the documents) and
	// are counted here too: each says the script needs a fix.
	Healed24h int `json:"healed_24h"`
	Healed7d  int `json:"healed_7d"`
	// HealedStep is the step most of the last 7 days' healed runs were
	// healed at.
	HealedStep string `json:"healed_step,omitempty"`
	// FailingStep is the step most of the last 7 days' failures stopped
	// at, empty when they stopped at none (a refused login, a timeout).
	FailingStep string     `json:"failing_step,omitempty"`
	LastSuccess *time.Time `json:"last_success,omitempty"`
	// ScriptVersion is the version the newest run played.
	ScriptVersion string `json:"script_version,omitempty"`
	// NewestFailure is the newest failed run, whose artifacts show why.
	NewestFailure *PortalRunRef `json:"newest_failure,omitempty"`
	// Degraded is set when the last 24 hours went much worse than the week.
	Degraded bool `json:"degraded"`
}

// PortalRunRef points at one run.
type PortalRunRef struct {
	ID           string    `json:"id"`
	Outcome      Outcome   `json:"outcome"`
	Detail       string    `json:"detail,omitempty"`
	FinishedAt   time.Time `json:"finished_at"`
	HasArtifacts bool      `json:"has_artifacts"`
}

// Degradation thresholds: a portal is degraded when its success rate over
// 24 hours is at least DegradedDrop below its 7-day rate, on at least
// DegradedMinRuns runs, so one unlucky run does not alarm anybody.
const (
	DegradedDrop    = 0.3
	DegradedMinRuns = 3
)

// SumPortalHealth sums runs (finished in the 7 days before now) per portal,
// worst first: lowest 24-hour success rate (the 7-day one for portals idle
// today), then most failures.
func SumPortalHealth(runs []PortalRun, now time.Time) []*PortalHealth {
	by := map[string]*PortalHealth{}
	steps := map[string]map[string]int{}
	healedAt := map[string]map[string]int{}
	var out []*PortalHealth
	day := now.Add(-24 * time.Hour)
	week := now.Add(-7 * 24 * time.Hour)
	for _, r := range runs {
		if r.FinishedAt.Before(week) || r.Outcome == "" {
			continue
		}
		h := by[r.Portal]
		if h == nil {
			h = &PortalHealth{Portal: r.Portal, Outcomes7d: map[Outcome]int{}}
			by[r.Portal] = h
			steps[r.Portal] = map[string]int{}
			healedAt[r.Portal] = map[string]int{}
			out = append(out, h)
		}
		ok := r.Outcome.Success()
		healed := r.Outcome == OutcomeHealed
		h.Runs7d++
		h.Outcomes7d[r.Outcome]++
		if healed {
			h.Healed7d++
			if r.FailedStep != "" {
				healedAt[r.Portal][r.FailedStep]++
			}
		}
		if ok {
			h.Succeeded7d++
			if h.LastSuccess == nil || r.FinishedAt.After(*h.LastSuccess) {
				t := r.FinishedAt
				h.LastSuccess = &t
			}
		} else {
			if r.FailedStep != "" {
				steps[r.Portal][r.FailedStep]++
			}
			if h.NewestFailure == nil || r.FinishedAt.After(h.NewestFailure.FinishedAt) {
				h.NewestFailure = &PortalRunRef{ID: r.ID, Outcome: r.Outcome, Detail: r.Detail, FinishedAt: r.FinishedAt, HasArtifacts: r.HasArtifacts}
			}
		}
		if !r.FinishedAt.Before(day) {
			h.Runs24h++
			if ok {
				h.Succeeded24h++
			}
			if healed {
				h.Healed24h++
			}
		}
	}
	latest := map[string]time.Time{}
	for _, r := range runs {
		if r.ScriptVersion != "" && r.FinishedAt.After(latest[r.Portal]) && by[r.Portal] != nil {
			latest[r.Portal] = r.FinishedAt
			by[r.Portal].ScriptVersion = r.ScriptVersion
		}
	}
	for _, h := range out {
		h.SuccessRate24h = rate(h.Succeeded24h, h.Runs24h)
		h.SuccessRate7d = rate(h.Succeeded7d, h.Runs7d)
		h.FailingStep = mostCommon(steps[h.Portal])
		h.HealedStep = mostCommon(healedAt[h.Portal])
		h.Degraded = h.Runs24h >= DegradedMinRuns && *h.SuccessRate24h <= *h.SuccessRate7d-DegradedDrop
	}
	key := func(h *PortalHealth) float64 {
		if h.SuccessRate24h != nil {
			return *h.SuccessRate24h
		}
		return *h.SuccessRate7d
	}
	slices.SortStableFunc(out, func(a, b *PortalHealth) int {
		switch ka, kb := key(a), key(b); {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		if fa, fb := a.Runs7d-a.Succeeded7d, b.Runs7d-b.Succeeded7d; fa != fb {
			return fb - fa
		}
		return strings.Compare(a.Portal, b.Portal)
	})
	return out
}

// mostCommon returns the key counted most, the first in order on a tie.
func mostCommon(counts map[string]int) string {
	best, n := "", 0
	for k, c := range counts {
		if c > n || (c == n && k < best) {
			best, n = k, c
		}
	}
	return best
}

func rate(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	r := float64(n) / float64(of)
	return &r
}

// EventPortalDegraded announces that a portal's success rate fell sharply
// (see PortalHealth.Degraded): to a tenant about its own runs, once a day
// at most per portal, and to operators about all tenants' runs, once a day
// per portal whatever the number of tenants.
const EventPortalDegraded = "portal.degraded"

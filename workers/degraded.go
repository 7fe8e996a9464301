package workers

import (
	"context"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/metrics"
)

// portalRunsStore is met by stores that list finished runs by portal.
type portalRunsStore interface {
	PortalRuns(ctx context.Context, tenantID string, since time.Time) ([]twofetch.PortalRun, error)
	PortalRunsOf(ctx context.Context, portal string, since time.Time) ([]twofetch.PortalRun, error)
}

// degradedEvery is how often one tenant hears that one portal degraded.
const degradedEvery = 24 * time.Hour

// checkDegraded raises portal.degraded for the tenant when a failed run
// leaves the portal's success rate sharply below its week's. A Redis key
// per tenant and portal makes it one event a day across all workers.
// current is the failed run being recorded, not yet in the store.
func (s *Server) checkDegraded(ctx context.Context, current twofetch.PortalRun) {
	tenantID, portal, now := current.TenantID, current.Portal, current.FinishedAt
	st, ok := s.store.(portalRunsStore)
	if !ok {
		return
	}
	runs, err := st.PortalRuns(ctx, tenantID, now.Add(-7*24*time.Hour))
	if err != nil {
		s.log.ErrorContext(ctx, "portal health: list runs", "portal", portal, "err", err)
		return
	}
	defer s.checkDegradedForOperators(ctx, current)
	mine := []twofetch.PortalRun{current}
	for _, r := range runs {
		if r.Portal == portal && r.ID != current.ID {
			mine = append(mine, r)
		}
	}
	h := twofetch.SumPortalHealth(mine, now)
	if len(h) != 1 || !h[0].Degraded {
		return
	}
	first, err := s.rdb.SetNX(ctx, "twofetch:portal-degraded:"+tenantID+":"+portal, now.Unix(), degradedEvery).Result()
	if err != nil || !first {
		if err != nil {
			s.log.ErrorContext(ctx, "portal health: note the degraded event", "portal", portal, "err", err)
		}
		return
	}
	ev, err := twofetch.NewEvent(tenantID, twofetch.EventPortalDegraded, h[0])
	if err == nil {
		err = s.store.AddEvent(ctx, ev)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "portal health: raise portal.degraded", "portal", portal, "err", err)
		return
	}
	s.log.WarnContext(ctx, "portal degraded", "portal", portal, "tenant", tenantID,
		"success_24h", *h[0].SuccessRate24h, "success_7d", *h[0].SuccessRate7d)
}

// degradedForOperatorsKey marks that operators heard today that the portal
// degraded.
func degradedForOperatorsKey(portal string) string {
	return "twofetch:portal-degraded-all:" + portal
}

// checkDegradedForOperators raises portal.degraded for operators when the
// portal's runs across all tenants fall sharply: once a day per portal, not
// once per tenant, as a warning log entry ("portal degraded", scope all)
// and the twofetch_portals_degraded_total counter that alerting rules
// watch. Once raised, the day's other failures skip the query.
func (s *Server) checkDegradedForOperators(ctx context.Context, current twofetch.PortalRun) {
	portal, now := current.Portal, current.FinishedAt
	key := degradedForOperatorsKey(portal)
	if n, err := s.rdb.Exists(ctx, key).Result(); err == nil && n > 0 {
		return
	}
	st, ok := s.store.(portalRunsStore)
	if !ok {
		return
	}
	runs, err := st.PortalRunsOf(ctx, portal, now.Add(-7*24*time.Hour))
	if err != nil {
		s.log.ErrorContext(ctx, "portal health: list the portal's runs", "portal", portal, "err", err)
		return
	}
	all := []twofetch.PortalRun{current}
	tenants := map[string]bool{current.TenantID: true}
	for _, r := range runs {
		if r.ID != current.ID {
			all = append(all, r)
			if !r.FinishedAt.Before(now.Add(-24 * time.Hour)) {
				tenants[r.TenantID] = true
			}
		}
	}
	h := twofetch.SumPortalHealth(all, now)
	if len(h) != 1 || !h[0].Degraded {
		return
	}
	first, err := s.rdb.SetNX(ctx, key, now.Unix(), degradedEvery).Result()
	if err != nil || !first {
		if err != nil {
			s.log.ErrorContext(ctx, "portal health: note the operators' degraded event", "portal", portal, "err", err)
		}
		return
	}
	metrics.PortalsDegraded.WithLabelValues(portal).Inc()
	s.log.WarnContext(ctx, "portal degraded", "event", twofetch.EventPortalDegraded, "scope", "all", "portal", portal,
		"tenants_24h", len(tenants), "runs_24h", h[0].Runs24h, "success_24h", *h[0].SuccessRate24h, "success_7d", *h[0].SuccessRate7d,
		"failing_step", h[0].FailingStep, "script_version", h[0].ScriptVersion)
}

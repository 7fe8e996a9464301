package workers

import (
	"context"
	"time"

	"github.com/twofetch/twofetch"
)

// portalRunsStore is met by stores that list finished runs by portal.
type portalRunsStore interface {
	PortalRuns(ctx context.Context, tenantID string, since time.Time) ([]twofetch.PortalRun, error)
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

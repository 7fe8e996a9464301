package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/twofetch/twofetch"
)

// PortalScripts tells the portal health view which script each portal
// uses now and which script files were refused.
type PortalScripts interface {
	Version(id string) string
	// Origin is "built-in" or the file in the scripts folder.
	Origin(id string) string
	Refused() []RefusedScript
}

// RefusedScript is a scripts-folder file that failed lint.
type RefusedScript struct {
	File     string    `json:"file"`
	Problems []string  `json:"problems"`
	Since    time.Time `json:"since"`
	// InUse is the version used instead; empty when the portal has none.
	InUse string `json:"in_use,omitempty"`
}

// portalRunsStore is met by stores that can list finished runs by portal.
type portalRunsStore interface {
	PortalRuns(ctx context.Context, tenantID string, since time.Time) ([]twofetch.PortalRun, error)
}

const healthWindow = 7 * 24 * time.Hour

// portalHealthRow is one portal of the health view.
type portalHealthRow struct {
	*twofetch.PortalHealth
	Name          string `json:"name"`
	ScriptInUse   string `json:"script_in_use,omitempty"`
	ScriptOrigin  string `json:"script_origin,omitempty"`
	NewestFailURL string `json:"newest_failure_url,omitempty"`
}

type portalHealthView struct {
	Since   time.Time         `json:"since"`
	Scope   string            `json:"scope"` // "tenant" or "all"
	Portals []portalHealthRow `json:"portals"`
	Refused []RefusedScript   `json:"refused_scripts"`
	Queues  bool              `json:"-"`
	Tenant  string            `json:"-"`
}

// MountPortalHealth serves GET /api/v1/portals/health and the support page
// /support/portals. Admins of the QueueTenants (the installation's own
// tenants) see every tenant's runs; everyone else their tenant's.
func (p *Pipeline) MountPortalHealth(s *Server, scripts PortalScripts) {
	h := &portalHealth{p: p, scripts: scripts}
	s.HandleAPI("GET /api/v1/portals/health", http.HandlerFunc(h.api))
	s.Handle("GET /support/portals", pageHeaders(p.admin(http.HandlerFunc(h.page))))
}

type portalHealth struct {
	p       *Pipeline
	scripts PortalScripts
}

func (h *portalHealth) view(r *http.Request) (*portalHealthView, error) {
	t := TenantFrom(r.Context())
	st, ok := h.p.Store.(portalRunsStore)
	if !ok {
		return nil, fmt.Errorf("the store keeps no portal runs")
	}
	now := h.p.now().UTC()
	v := &portalHealthView{Since: now.Add(-healthWindow), Scope: "tenant", Refused: []RefusedScript{}, Queues: h.p.queues, Tenant: t.Name}
	tenant := t.ID
	if len(h.p.QueueTenants) > 0 && slices.Contains(h.p.QueueTenants, t.ID) {
		tenant, v.Scope = "", "all"
	}
	runs, err := st.PortalRuns(r.Context(), tenant, v.Since)
	if err != nil {
		return nil, err
	}
	byID := map[string]twofetch.PortalRun{}
	for _, run := range runs {
		byID[run.ID] = run
	}
	for _, ph := range twofetch.SumPortalHealth(runs, now) {
		row := portalHealthRow{PortalHealth: ph, Name: h.p.portalName(ph.Portal)}
		if h.scripts != nil {
			row.ScriptInUse, row.ScriptOrigin = h.scripts.Version(ph.Portal), h.scripts.Origin(ph.Portal)
		}
		// Another tenant's run is summed, never linked.
		if f := ph.NewestFailure; f != nil && byID[f.ID].TenantID == t.ID {
			row.NewestFailURL = "/support/runs/" + f.ID
		}
		v.Portals = append(v.Portals, row)
	}
	if h.scripts != nil {
		v.Refused = append(v.Refused, h.scripts.Refused()...)
	}
	return v, nil
}

func (h *portalHealth) api(w http.ResponseWriter, r *http.Request) {
	v, err := h.view(r)
	if err != nil {
		h.p.srv.Error(w, r, err)
		return
	}
	if v.Portals == nil {
		v.Portals = []portalHealthRow{}
	}
	h.p.srv.JSON(w, r, http.StatusOK, v)
}

func (h *portalHealth) page(w http.ResponseWriter, r *http.Request) {
	v, err := h.view(r)
	if err != nil {
		h.p.supportError(w, r, err)
		return
	}
	h.p.render(w, r, http.StatusOK, "portals.html", v)
}

func percent(f *float64) string {
	if f == nil {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100**f)
}

// Rate24 and Rate7 are the success rates as the page shows them.
func (r portalHealthRow) Rate24() string { return percent(r.SuccessRate24h) }
func (r portalHealthRow) Rate7() string  { return percent(r.SuccessRate7d) }

// OutcomeList is the 7-day outcomes, most frequent first.
func (r portalHealthRow) OutcomeList() []outcomeCount {
	var out []outcomeCount
	for o, n := range r.Outcomes7d {
		out = append(out, outcomeCount{o, n})
	}
	slices.SortFunc(out, func(a, b outcomeCount) int {
		if a.N != b.N {
			return b.N - a.N
		}
		return cmpString(string(a.Outcome), string(b.Outcome))
	})
	return out
}

type outcomeCount struct {
	Outcome twofetch.Outcome
	N       int
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
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
	// NewestFailTenant names the tenant of the newest failure, in the
	// operators' view only.
	NewestFailTenant string `json:"newest_failure_tenant,omitempty"`
	// Artifacts is where the operators' view finds the newest failure's
	// screenshot, page and step log (the tenant's view links its run page).
	Artifacts string `json:"-"`
}

type portalHealthView struct {
	Since   time.Time         `json:"since"`
	Scope   string            `json:"scope"` // "tenant" or "all"
	Portals []portalHealthRow `json:"portals"`
	Refused []RefusedScript   `json:"refused_scripts"`
	Queues  bool              `json:"-"`
	Tenant  string            `json:"-"`
	// Lang is the page's language: the tenant's, English for the
	// operator's view across tenants.
	Lang string `json:"-"`
}

// MountPortalHealth serves GET /api/v1/portals/health and the support page
// /support/portals. A tenant's token or support session sees the tenant's
// own runs; the operator token (bearer or operator sign-in) sees every
// tenant's, summed per portal, since a portal that breaks breaks for all.
// The operator also reads the newest failure's artifacts, whichever
// tenant's it is, under /support/portals/runs/TENANT/RUN/.
func (p *Pipeline) MountPortalHealth(s *Server, scripts PortalScripts) {
	h := &portalHealth{p: p, scripts: scripts}
	tenantAPI := noStore(s.requireTenant(http.HandlerFunc(h.api), false))
	s.Handle("GET /api/v1/portals/health", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token, ok := bearerToken(r); ok && p.isOperatorToken(token) {
			w.Header().Set("Cache-Control", "no-store")
			h.api(w, r)
			return
		}
		tenantAPI.ServeHTTP(w, r)
	}))
	tenantPage := p.admin(http.HandlerFunc(h.page))
	s.Handle("GET /support/portals", pageHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.operatorRequest(r) {
			w.Header().Set("Cache-Control", "no-store")
			h.page(w, r)
			return
		}
		tenantPage.ServeHTTP(w, r)
	})))
	for _, name := range []string{"screenshot.png", "page.html", "steps.log"} {
		s.Handle("GET /support/portals/runs/{tid}/{rid}/"+name, pageHeaders(p.operator(http.HandlerFunc(h.artifact))))
	}
}

// operatorRequest reports whether r carries the operator token as bearer
// token or comes from an operator's support session.
func (p *Pipeline) operatorRequest(r *http.Request) bool {
	if p.OperatorToken == "" {
		return false
	}
	if r.Header.Get("Authorization") != "" {
		token, ok := bearerToken(r)
		return ok && p.isOperatorToken(token)
	}
	s, _, err := p.currentSession(r.Context(), r)
	return err == nil && s != nil && s.Kind == sessionOperator
}

type portalHealth struct {
	p       *Pipeline
	scripts PortalScripts
}

// view sums the runs r may see: its tenant's, or every tenant's for the
// operator (no tenant in the context).
func (h *portalHealth) view(r *http.Request) (*portalHealthView, error) {
	ctx := r.Context()
	t := TenantFrom(ctx)
	st, ok := h.p.Store.(portalRunsStore)
	if !ok {
		return nil, fmt.Errorf("the store keeps no portal runs")
	}
	now := h.p.now().UTC()
	v := &portalHealthView{Since: now.Add(-healthWindow), Scope: "all", Refused: []RefusedScript{}, Queues: h.p.queues, Tenant: "all tenants", Lang: "en"}
	tenant := ""
	if t != nil {
		v.Scope, v.Tenant, v.Lang, tenant = "tenant", t.Name, supportLanguage(t), t.ID
	}
	runs, err := st.PortalRuns(ctx, tenant, v.Since)
	if err != nil {
		return nil, err
	}
	byID := map[string]twofetch.PortalRun{}
	for _, run := range runs {
		byID[run.ID] = run
	}
	names := map[string]string{}
	for _, ph := range twofetch.SumPortalHealth(runs, now) {
		row := portalHealthRow{PortalHealth: ph, Name: h.p.portalName(ph.Portal)}
		if h.scripts != nil {
			row.ScriptInUse, row.ScriptOrigin = h.scripts.Version(ph.Portal), h.scripts.Origin(ph.Portal)
		}
		if f := ph.NewestFailure; f != nil {
			switch owner := byID[f.ID].TenantID; {
			case t == nil:
				row.NewestFailTenant = h.tenantName(ctx, names, owner)
				if f.HasArtifacts {
					row.Artifacts = supportPrefix + "/portals/runs/" + url.PathEscape(owner) + "/" + url.PathEscape(f.ID) + "/"
					row.NewestFailURL = row.Artifacts + "screenshot.png"
				}
			case owner == t.ID:
				row.NewestFailURL = supportPrefix + "/runs/" + f.ID
			}
		}
		v.Portals = append(v.Portals, row)
	}
	if h.scripts != nil {
		v.Refused = append(v.Refused, h.scripts.Refused()...)
	}
	return v, nil
}

// tenantName names a tenant for the operators' view, falling back to its
// id when it cannot be read.
func (h *portalHealth) tenantName(ctx context.Context, cache map[string]string, id string) string {
	if n, ok := cache[id]; ok {
		return n
	}
	n := id
	if t, err := h.p.Store.Tenant(ctx, id); err == nil && t.Name != "" {
		n = t.Name
	}
	cache[id] = n
	return n
}

// artifact serves one artifact of any tenant's run to the operator: the
// run is looked up under the tenant the path names, then served as the
// tenant's support view serves it.
func (h *portalHealth) artifact(w http.ResponseWriter, r *http.Request) {
	t, err := h.p.Store.Tenant(r.Context(), r.PathValue("tid"))
	if err != nil {
		h.p.supportError(w, r, notFoundOr(err, "artifact"))
		return
	}
	h.p.artifact(w, r.WithContext(twofetch.NewContextWithTenant(r.Context(), t)))
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

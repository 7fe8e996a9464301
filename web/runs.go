package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/blob"
)

// RunStarter records a run of an account and queues it ahead of the daily
// batch. *workers.Enqueuer meets it; the web server needs nothing else of
// the queue.
type RunStarter interface {
	RunNow(ctx context.Context, a *twofetch.Account, trigger twofetch.Trigger) (*twofetch.Run, error)
}

// RunSinceStarter is a RunStarter that can have a run fetch the documents
// dated from a day on, older ones than daily runs reach included.
// *workers.Enqueuer meets it.
type RunSinceStarter interface {
	RunNowSince(ctx context.Context, a *twofetch.Account, trigger twofetch.Trigger, since time.Time) (*twofetch.Run, error)
}

// RunRequest is the optional body of POST /api/v1/accounts/{id}/runs.
type RunRequest struct {
	// Since, a date (YYYY-MM-DD), fetches the documents dated from that
	// day on, this once: a daily run reaches back only to shortly before
	// the last successful one, and a first run twelve months.
	Since string `json:"since,omitempty"`
}

// Pipeline serves what the daily pipeline produces: the runs and invoices
// API, the customer's status page, the support views and the operations
// endpoints. It is separate from Config so that a server without workers
// (tests, an API-only deployment) needs none of it.
type Pipeline struct {
	Store twofetch.Store
	// Runs starts runs on request (API and the support view's re-run).
	Runs RunStarter
	// Blob holds the invoice files, and the screenshot, page HTML and step
	// log of failed runs under artifacts/RUN_ID/, which any web process
	// can thus show.
	Blob blob.Store
	// Portals names a portal id for people ("Deutsche Telekom" for
	// "telekom"). Default: the id itself.
	Portals func(id string) string
	// StatusKey is the server secret from which status-link tokens are
	// derived (see statusToken). At least 16 bytes; empty disables the
	// status pages and their links. Changing it invalidates every link.
	StatusKey []byte
	// BaseURL is the public origin of the server ("https://fetch.example.com"),
	// used to build absolute status links. Default: the request's own host.
	BaseURL string
	// MetricsToken is the bearer token /metrics requires. Without one,
	// /metrics answers 401 unless OpenMetrics is set: its counters (webhook
	// deliveries, SMS, decodes) move with what tenants do, so they are not
	// for everyone who can reach the server.
	MetricsToken string
	// OpenMetrics serves /metrics without a token when MetricsToken is
	// empty, for demos on loopback.
	OpenMetrics bool
	// OperatorToken admits operators to the queue monitor, which shows
	// every tenant's tasks. Empty: the monitor is not served at all.
	OperatorToken string
	// Renew sends the customer of an account a new enrolment link, to
	// the phone of its last enrolment and within enrolment's limits, and
	// returns the last digits of that phone. Nil: status pages offer none.
	Renew func(ctx context.Context, t *twofetch.Tenant, accountID string) (phoneEnding string, err error)
	// Redis keeps support sessions for every web process. Nil: sessions
	// live in this process's memory.
	Redis  redis.UniversalClient
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time

	srv      *Server
	queues   bool // the queue monitor is mounted
	sessions sessionStore
}

func (p *Pipeline) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Pipeline) log() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (p *Pipeline) portalName(id string) string {
	if p.Portals != nil {
		if n := p.Portals(id); n != "" {
			return n
		}
	}
	return id
}

// Mount registers the runs and invoices API, the status pages and the
// support views on s. It panics on a StatusKey shorter than 16 bytes, a
// configuration mistake that would otherwise make links guessable.
func (p *Pipeline) Mount(s *Server) {
	if p.Store == nil || p.Runs == nil || p.Blob == nil {
		panic("web: Pipeline needs Store, Runs and Blob")
	}
	if len(p.StatusKey) > 0 && len(p.StatusKey) < 16 {
		panic("web: Pipeline.StatusKey must be at least 16 bytes")
	}
	p.srv = s
	p.sessions.rdb = p.Redis
	s.HandleAPI("POST /api/v1/accounts/{id}/runs", p.api(p.startRun))
	s.HandleAPI("GET /api/v1/accounts/{id}/runs", p.api(p.listRuns))
	s.HandleAPI("GET /api/v1/accounts/{id}/runs/{rid}", p.api(p.getRun))
	s.HandleAPI("GET /api/v1/invoices", p.api(p.listInvoices))
	s.HandleAPI("GET /api/v1/invoices/{id}", p.api(p.getInvoice))
	s.HandleAPI("GET /api/v1/invoices/{id}/file", LongDeadlines(p.api(p.invoiceFile)))
	s.HandleAPI("GET /api/v1/accounts/{id}/status-link", p.api(p.statusLink))
	s.HandleAPI("GET /api/v1/events", p.api(p.listEvents))
	p.mountPages(s)
}

// apiFunc is a handler that returns its error for the server to render.
type apiFunc func(w http.ResponseWriter, r *http.Request, t *twofetch.Tenant) error

func (p *Pipeline) api(h apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r, TenantFrom(r.Context())); err != nil {
			p.srv.Error(w, r, err)
		}
	})
}

// RunView is the API's picture of a run. Outcome is empty while the run is
// queued or running; State says which.
type RunView struct {
	ID          string           `json:"id"`
	AccountID   string           `json:"account_id"`
	Portal      string           `json:"portal"`
	Trigger     twofetch.Trigger `json:"trigger"`
	State       string           `json:"state"` // queued, running, finished
	Outcome     twofetch.Outcome `json:"outcome"`
	Detail      string           `json:"detail"`
	Attempt     int              `json:"attempt"`
	NewInvoices int              `json:"new_invoices"`
	// SessionReused is true when saved cookies made login unnecessary.
	SessionReused bool `json:"session_reused"`
	// Artifacts reports whether support can see a screenshot, page and
	// step log of this run.
	Artifacts  bool       `json:"artifacts"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
}

// RunList is the body of GET /api/v1/accounts/{id}/runs. Next, when set,
// is the "after" parameter of the next page.
type RunList struct {
	Runs []RunView `json:"runs"`
	Next string    `json:"next,omitempty"`
}

func runState(r *twofetch.Run) string {
	switch {
	case r.Outcome != "":
		return "finished"
	case r.StartedAt != nil:
		return "running"
	}
	return "queued"
}

func viewRun(r *twofetch.Run) RunView {
	return RunView{
		ID: r.ID, AccountID: r.AccountID, Portal: r.Portal, Trigger: r.Trigger,
		State: runState(r), Outcome: r.Outcome, Detail: r.Detail, Attempt: r.Attempt,
		NewInvoices: r.NewInvoices, SessionReused: r.SessionReused, Artifacts: r.Artifacts != "",
		CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
	}
}

// rerun queues a manual run of a, refusing paused accounts: an operator
// paused them on purpose, and a run would log into the portal regardless.
// A non-zero since has it fetch the documents dated from then on.
func (p *Pipeline) rerun(ctx context.Context, a *twofetch.Account, since time.Time) (*twofetch.Run, error) {
	if a.Status == twofetch.AccountPaused {
		return nil, twofetch.Errorf(twofetch.ECONFLICT, "account is paused; resume it before starting a run")
	}
	var run *twofetch.Run
	var err error
	if rs, ok := p.Runs.(RunSinceStarter); ok && !since.IsZero() {
		run, err = rs.RunNowSince(ctx, a, twofetch.TriggerManual, since)
	} else if !since.IsZero() {
		return nil, twofetch.Errorf(twofetch.EINVALID, "this server cannot fetch older documents on request")
	} else {
		run, err = p.Runs.RunNow(ctx, a, twofetch.TriggerManual)
	}
	if err != nil {
		return nil, fmt.Errorf("start run of account %s: %w", a.ID, err)
	}
	return run, nil
}

// runSince reads the optional body of a run request: the day from which
// to fetch, or zero.
func (p *Pipeline) runSince(w http.ResponseWriter, r *http.Request) (time.Time, error) {
	if r.ContentLength == 0 {
		return time.Time{}, nil
	}
	var req RunRequest
	if err := p.srv.DecodeJSON(w, r, &req); err != nil {
		return time.Time{}, err
	}
	if req.Since == "" {
		return time.Time{}, nil
	}
	since, err := time.Parse(time.DateOnly, req.Since)
	switch {
	case err != nil:
		return time.Time{}, twofetch.Errorf(twofetch.EINVALID, "since must be a date as YYYY-MM-DD, not %q", printable(req.Since, 32))
	case since.After(p.srv.cfg.Now()):
		return time.Time{}, twofetch.Errorf(twofetch.EINVALID, "since %s is in the future", req.Since)
	case since.Year() < 1990:
		return time.Time{}, twofetch.Errorf(twofetch.EINVALID, "since %s is before any portal kept documents", req.Since)
	}
	return since, nil
}

func (p *Pipeline) startRun(w http.ResponseWriter, r *http.Request, t *twofetch.Tenant) error {
	a, err := p.Store.Account(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return notFoundOr(err, "account")
	}
	since, err := p.runSince(w, r)
	if err != nil {
		return err
	}
	run, err := p.rerun(r.Context(), a, since)
	if err != nil {
		return err
	}
	detail := "account=" + a.ID
	if !since.IsZero() {
		detail += " since=" + since.Format(time.DateOnly)
	}
	p.audit(r, t, "run.start", run.ID, detail)
	w.Header().Set("Location", "/api/v1/accounts/"+a.ID+"/runs/"+run.ID)
	p.srv.JSON(w, r, http.StatusAccepted, viewRun(run))
	return nil
}

func (p *Pipeline) getRun(w http.ResponseWriter, r *http.Request, t *twofetch.Tenant) error {
	run, err := p.Store.Run(r.Context(), t.ID, r.PathValue("rid"))
	if err == nil && run.AccountID != r.PathValue("id") {
		err = twofetch.ErrNotFound
	}
	if err != nil {
		return notFoundOr(err, "run")
	}
	p.srv.JSON(w, r, http.StatusOK, viewRun(run))
	return nil
}

func (p *Pipeline) listRuns(w http.ResponseWriter, r *http.Request, t *twofetch.Tenant) error {
	pg, err := pageFrom(r)
	if err != nil {
		return err
	}
	a, err := p.Store.Account(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return notFoundOr(err, "account")
	}
	runs, err := p.Store.ListRuns(r.Context(), twofetch.RunFilter{TenantID: t.ID, AccountID: a.ID, Page: pg})
	if err != nil {
		return notFoundOr(err, "runs")
	}
	res := RunList{Runs: make([]RunView, 0, len(runs))}
	for _, run := range runs {
		res.Runs = append(res.Runs, viewRun(run))
	}
	if len(runs) == pg.Limit {
		res.Next = runs[len(runs)-1].ID
	}
	p.srv.JSON(w, r, http.StatusOK, res)
	return nil
}

// audit records an action taken through the pipeline's endpoints. A failed
// audit write is logged rather than undoing an action already taken.
func (p *Pipeline) audit(r *http.Request, t *twofetch.Tenant, action, object, detail string) {
	actor := "api"
	if isSupportPath(r.URL.Path) {
		actor = "support"
	}
	e := &twofetch.AuditEvent{TenantID: t.ID, Actor: actor, Action: action, Object: object, Detail: detail, At: p.now().UTC()}
	if err := p.Store.Audit(r.Context(), e); err != nil {
		p.log().ErrorContext(r.Context(), "write audit event", "action", action, "object", object, "err", err)
	}
}

package web

import (
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/web/catalog"
)

// ---- support views ----

const supportPrefix = "/support"

func isSupportPath(p string) bool {
	return p == supportPrefix || strings.HasPrefix(p, supportPrefix+"/")
}

type loginView struct{ Error string }

func (p *Pipeline) loginPage(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "login.html", &loginView{})
}

// login opens a support session for a tenant's admin token or, where one
// is configured, the operator token; the cookie carries only the session's
// random id.
func (p *Pipeline) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	token := strings.TrimSpace(r.PostFormValue("token"))
	fail := func() {
		p.render(w, r, http.StatusUnauthorized, "login.html", &loginView{Error: "This is not a valid admin token."})
	}
	broken := func(err error) {
		p.log().ErrorContext(r.Context(), "support login", "err", err)
		p.render(w, r, http.StatusInternalServerError, "login.html", &loginView{Error: "Something went wrong on our side. Try again in a minute."})
	}
	if token == "" || len(token) > 200 || strings.ContainsAny(token, " \t\r\n;") {
		fail()
		return
	}
	if p.isOperatorToken(token) {
		if err := p.startSession(w, r, session{Kind: sessionOperator}); err != nil {
			broken(err)
			return
		}
		p.log().InfoContext(r.Context(), "operator signed in to the support views")
		http.Redirect(w, r, QueuesPath+"/", http.StatusSeeOther)
		return
	}
	hash := twofetch.HashToken(token)
	t, err := p.Store.TenantByAdminTokenHash(r.Context(), hash)
	if twofetch.IsNotFound(err) || (err == nil && t.RevokedAt != nil) {
		fail()
		return
	}
	if err != nil {
		broken(err)
		return
	}
	p.endSession(w, r)
	if err := p.startSession(w, r, session{Kind: sessionTenant, TenantID: t.ID, AdminHash: hex.EncodeToString(hash)}); err != nil {
		broken(err)
		return
	}
	http.Redirect(w, r, supportPrefix, http.StatusSeeOther)
}

func (p *Pipeline) logout(w http.ResponseWriter, r *http.Request) {
	p.endSession(w, r)
	http.Redirect(w, r, supportPrefix+"/login", http.StatusSeeOther)
}

// Failures the support home page reads at most; older ones in the window
// are summarised as "more".
const (
	supportWindow   = 7 * 24 * time.Hour
	supportMaxRuns  = 1000
	supportPageSize = 200
)

type failureGroup struct {
	Portal, PortalName string
	Outcome            twofetch.Outcome
	Count              int
	Accounts           int
	Latest             *twofetch.Run
	accounts           map[string]bool
}

type supportHomeView struct {
	Tenant    string
	Since     time.Time
	Groups    []*failureGroup
	Recent    []*twofetch.Run
	Total     int
	Truncated bool
	Queues    bool
}

func (p *Pipeline) supportHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t := TenantFrom(ctx)
	since := p.now().Add(-supportWindow).UTC()
	v := &supportHomeView{Tenant: t.Name, Since: since}
	groups := map[string]*failureGroup{}
	f := twofetch.RunFilter{TenantID: t.ID, Failed: true, Since: since, Page: twofetch.Page{Limit: supportPageSize}}
	for {
		runs, err := p.Store.ListRuns(ctx, f)
		if err != nil {
			p.supportError(w, r, fmt.Errorf("list failed runs: %w", err))
			return
		}
		for _, run := range runs {
			key := run.Portal + "\x00" + string(run.Outcome)
			g := groups[key]
			if g == nil {
				// Runs come newest first, so the first seen is the latest.
				g = &failureGroup{Portal: run.Portal, PortalName: p.portalName(run.Portal), Outcome: run.Outcome, Latest: run, accounts: map[string]bool{}}
				groups[key] = g
				v.Groups = append(v.Groups, g)
			}
			g.Count++
			g.accounts[run.AccountID] = true
			g.Accounts = len(g.accounts)
			if len(v.Recent) < 50 {
				v.Recent = append(v.Recent, run)
			}
			v.Total++
		}
		if len(runs) < f.Limit {
			break
		}
		if v.Total >= supportMaxRuns {
			v.Truncated = true
			break
		}
		f.After = runs[len(runs)-1].ID
	}
	slices.SortStableFunc(v.Groups, func(a, b *failureGroup) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Portal+string(a.Outcome), b.Portal+string(b.Outcome))
	})
	p.render(w, r, http.StatusOK, "support.html", v)
}

type supportRunView struct {
	Queues     bool
	StatusPath string // the customer's status page of the account
	Run        *twofetch.Run
	State      string
	Account    *twofetch.Account
	PortalName string
	Explain    string
	Screenshot bool
	PageHTML   bool
	StepLog    string
	LogCut     bool
	Error      string
}

// Step logs longer than this are cut on the page; the whole file is a
// download away.
const maxInlineLog = 256 << 10

func (p *Pipeline) supportRun(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t := TenantFrom(ctx)
	run, err := p.Store.Run(ctx, t.ID, r.PathValue("rid"))
	if err != nil {
		p.supportError(w, r, notFoundOr(err, "run"))
		return
	}
	v := &supportRunView{Run: run, State: runState(run), PortalName: p.portalName(run.Portal)}
	if len(p.StatusKey) > 0 {
		v.StatusPath = "/s/" + p.statusToken(run.AccountID)
	}
	if run.Outcome != "" {
		v.Explain = catalog.Outcome("en", run.Outcome, "action", v.PortalName)
	}
	if a, err := p.Store.Account(ctx, t.ID, run.AccountID); err == nil {
		v.Account = a
	}
	if run.Artifacts != "" {
		v.Screenshot = p.hasArtifact(ctx, run, "screenshot.png")
		v.PageHTML = p.hasArtifact(ctx, run, "page.html")
	}
	// The step log is kept with every run; a failed run's steps.log
	// artifact is the same log as text, for download.
	if len(run.Steps) > 0 {
		var b strings.Builder
		for _, st := range run.Steps {
			b.WriteString(st.String())
			b.WriteByte('\n')
		}
		log := b.String()
		v.LogCut = len(log) > maxInlineLog && run.Artifacts != ""
		v.StepLog = strings.ToValidUTF8(log[:min(len(log), maxInlineLog)], "\uFFFD")
	} else if f, err := p.openArtifact(ctx, run, "steps.log"); err == nil {
		b, _ := io.ReadAll(io.LimitReader(f, maxInlineLog+1))
		f.Close()
		v.LogCut = len(b) > maxInlineLog
		v.StepLog = strings.ToValidUTF8(string(b[:min(len(b), maxInlineLog)]), "\uFFFD")
	}
	if msg := r.URL.Query().Get("error"); msg == "paused" {
		v.Error = "The account is paused; resume it before starting a run."
	}
	p.render(w, r, http.StatusOK, "support_run.html", v)
}

func (p *Pipeline) supportRerun(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t := TenantFrom(ctx)
	run, err := p.Store.Run(ctx, t.ID, r.PathValue("rid"))
	if err != nil {
		p.supportError(w, r, notFoundOr(err, "run"))
		return
	}
	a, err := p.Store.Account(ctx, t.ID, run.AccountID)
	if err != nil {
		p.supportError(w, r, notFoundOr(err, "account"))
		return
	}
	next, err := p.rerun(ctx, a, time.Time{})
	if twofetch.IsConflict(err) {
		http.Redirect(w, r, supportPrefix+"/runs/"+url.PathEscape(run.ID)+"?error=paused", http.StatusSeeOther)
		return
	}
	if err != nil {
		p.supportError(w, r, err)
		return
	}
	p.audit(r, t, "run.start", next.ID, "account="+a.ID+" rerun_of="+run.ID)
	http.Redirect(w, r, supportPrefix+"/runs/"+url.PathEscape(next.ID), http.StatusSeeOther)
}

type errorView struct {
	Status  int
	Message string
}

// supportError shows err as a page: support staff are in a browser.
func (p *Pipeline) supportError(w http.ResponseWriter, r *http.Request, err error) {
	code := twofetch.ErrorCode(err)
	if code == twofetch.EINTERNAL {
		p.log().ErrorContext(r.Context(), "support page failed", "route", r.Pattern, "err", err)
	}
	status := StatusOf(code)
	p.render(w, r, status, "error.html", &errorView{Status: status, Message: twofetch.ErrorMessage(err)})
}

package web

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
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
	// Lang is the language of the page the group is shown on.
	Lang               string
	Portal, PortalName string
	Outcome            twofetch.Outcome
	// Title is the outcome in words; Support what support does about it.
	Title, Support string
	Count          int
	Accounts       int
	// Members are the accounts of the group still failing now (their
	// latest run ended the same way), each with its latest failed run.
	Members []groupMember
	Latest  *twofetch.Run
	// Rerun: the group's accounts may run again from here (broken portals
	// once the script is fixed); RerunCount of them have no re-run under
	// way.
	Rerun      bool
	RerunCount int
	accounts   map[string]*twofetch.Run
}

type groupMember struct {
	Account *twofetch.Account
	Run     *twofetch.Run
	// CanRerun: a re-run could end otherwise (for a refused password:
	// the password changed since).
	CanRerun bool
	// CanResend: the enrolment SMS can be sent again.
	CanResend bool
	// Pending is a run of the account queued or running after its latest
	// failure (a re-run); PendingState says which.
	Pending      *twofetch.Run
	PendingState string
}

type supportHomeView struct {
	// Lang is the language of the page: the tenant's.
	Lang   string
	Tenant string
	Since  time.Time
	// Customer lists the groups in which each customer must act; Broken
	// the portals broken for many, where support acts; Other the rest
	// (interruptions that retry by themselves).
	Customer, Broken, Other []*failureGroup
	// Fixed counts the failures whose accounts have run well since.
	Fixed     int
	Recent    []*twofetch.Run
	Total     int
	Truncated bool
	Queues    bool
	Notice    string
	// Following: a member's re-run has no outcome yet; the page follows
	// it.
	Following bool
}

// groupOf sorts an outcome into who acts on it.
func groupOf(o twofetch.Outcome) string {
	switch o {
	case twofetch.OutcomeBadCredentials, twofetch.OutcomeOTPMissing, twofetch.OutcomeOTPRejected,
		twofetch.OutcomeUnsupported2FA, twofetch.OutcomeActionNeeded:
		return "customer"
	case twofetch.OutcomePortalChanged, twofetch.OutcomeBlocked, twofetch.OutcomeCaptcha,
		twofetch.OutcomeRateLimited, twofetch.OutcomePortalDown:
		return "broken"
	}
	return "other"
}

func (p *Pipeline) supportHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t := TenantFrom(ctx)
	since := p.now().Add(-supportWindow).UTC()
	lang := supportLanguage(t)
	v := &supportHomeView{Lang: lang, Tenant: t.Name, Since: since, Notice: supportNotice(lang, r.URL.Query())}
	groups, order, err := p.failureGroups(ctx, t, since, v)
	if err != nil {
		p.supportError(w, r, err)
		return
	}
	accounts := map[string]*twofetch.Account{}
	latest := map[string]twofetch.Outcome{}
	pending := map[string]*twofetch.Run{}
	for _, key := range order {
		g := groups[key]
		for id, run := range g.accounts {
			a, ok := accounts[id]
			if !ok {
				a, err = p.Store.Account(ctx, t.ID, id)
				if err != nil && !twofetch.IsNotFound(err) {
					p.supportError(w, r, err)
					return
				}
				accounts[id] = a
				if latest[id], pending[id], err = p.latestRuns(ctx, t.ID, id); err != nil {
					p.supportError(w, r, err)
					return
				}
			}
			// Failing now: the account's latest finished run ended this
			// way. One that ran well since, or was deleted, is not.
			if a == nil || latest[id] != g.Outcome {
				v.Fixed++
				continue
			}
			m := groupMember{Account: a, Run: run, Pending: pending[id]}
			if m.Pending != nil {
				m.PendingState = runState(m.Pending)
				v.Following = true
			}
			switch g.Outcome {
			case twofetch.OutcomeBadCredentials:
				m.CanRerun = p.passwordChanged(ctx, a, run)
			case twofetch.OutcomeOTPMissing, twofetch.OutcomeOTPRejected:
				m.CanResend = p.Renew != nil
			default:
				m.CanRerun = true
			}
			g.Members = append(g.Members, m)
		}
		slices.SortFunc(g.Members, func(a, b groupMember) int { return strings.Compare(a.Account.ID, b.Account.ID) })
		if len(g.Members) == 0 {
			continue
		}
		for _, m := range g.Members {
			if m.Pending == nil {
				g.RerunCount++
			}
		}
		g.Rerun = groupOf(g.Outcome) == "broken" && g.RerunCount > 0
		switch groupOf(g.Outcome) {
		case "customer":
			v.Customer = append(v.Customer, g)
		case "broken":
			v.Broken = append(v.Broken, g)
		default:
			v.Other = append(v.Other, g)
		}
	}
	if r.URL.Query().Get("rerun") != "" && !v.Following {
		v.Notice = catalog.Text(lang, "support.reruns_done")
	}
	for _, list := range [][]*failureGroup{v.Customer, v.Broken, v.Other} {
		slices.SortStableFunc(list, func(a, b *failureGroup) int {
			if len(a.Members) != len(b.Members) {
				return len(b.Members) - len(a.Members)
			}
			return strings.Compare(a.Portal+string(a.Outcome), b.Portal+string(b.Outcome))
		})
	}
	p.render(w, r, http.StatusOK, "support.html", v)
}

// customerLanguage is the language of the account's newest enrolment,
// else the tenant's, else English: the language their status page speaks
// without a browser's preference.
func (p *Pipeline) customerLanguage(ctx context.Context, t *twofetch.Tenant, accountID string) string {
	es, err := p.Store.ListEnrollments(ctx, t.ID, accountID)
	var newest *twofetch.Enrollment
	if err == nil {
		for _, e := range es {
			if newest == nil || e.CreatedAt.After(newest.CreatedAt) {
				newest = e
			}
		}
	}
	switch {
	case newest != nil && knownLanguage(newest.Language):
		return newest.Language
	case knownLanguage(t.Language):
		return t.Language
	}
	return "en"
}

// passwordChanged reports whether a run refused for its password may run
// again: the login's password was set after the run ended. Before that
// the same password would be refused again, and a portal may lock the
// account after a few refusals.
func (p *Pipeline) passwordChanged(ctx context.Context, a *twofetch.Account, run *twofetch.Run) bool {
	sec, err := p.Store.GetSecret(ctx, twofetch.LoginSecret(a, twofetch.FieldPassword))
	return err == nil && run.FinishedAt != nil && sec.UpdatedAt.After(*run.FinishedAt)
}

// latestRuns returns the outcome of an account's newest finished run and
// the newest run queued or running since, if any.
func (p *Pipeline) latestRuns(ctx context.Context, tenantID, accountID string) (twofetch.Outcome, *twofetch.Run, error) {
	runs, err := p.Store.ListRuns(ctx, twofetch.RunFilter{TenantID: tenantID, AccountID: accountID, Page: twofetch.Page{Limit: 5}})
	if err != nil {
		return "", nil, fmt.Errorf("list runs: %w", err)
	}
	var pending *twofetch.Run
	for _, run := range runs {
		if run.Outcome != "" {
			return run.Outcome, pending, nil
		}
		if pending == nil {
			pending = run
		}
	}
	return "", pending, nil
}

// failureGroups reads the tenant's failed runs since since, newest first,
// into groups by portal and outcome.
func (p *Pipeline) failureGroups(ctx context.Context, t *twofetch.Tenant, since time.Time, v *supportHomeView) (map[string]*failureGroup, []string, error) {
	groups := map[string]*failureGroup{}
	var order []string
	f := twofetch.RunFilter{TenantID: t.ID, Failed: true, Since: since, Page: twofetch.Page{Limit: supportPageSize}}
	for {
		runs, err := p.Store.ListRuns(ctx, f)
		if err != nil {
			return nil, nil, fmt.Errorf("list failed runs: %w", err)
		}
		for _, run := range runs {
			key := run.Portal + "\x00" + string(run.Outcome)
			g := groups[key]
			if g == nil {
				// Runs come newest first, so the first seen is the latest.
				g = &failureGroup{Lang: v.Lang, Portal: run.Portal, PortalName: p.portalName(run.Portal), Outcome: run.Outcome, Latest: run,
					Title:    catalog.Outcome(v.Lang, run.Outcome, "title", p.portalName(run.Portal)),
					Support:  catalog.Outcome(v.Lang, run.Outcome, "support", p.portalName(run.Portal)),
					accounts: map[string]*twofetch.Run{}}
				groups[key] = g
				order = append(order, key)
			}
			g.Count++
			if _, seen := g.accounts[run.AccountID]; !seen {
				g.accounts[run.AccountID] = run
			}
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
	return groups, order, nil
}

// supportNotice is what the page says after an action it redirected from.
func supportNotice(lang string, q url.Values) string {
	switch {
	case q.Get("rerun") != "":
		n, _ := strconv.Atoi(q.Get("rerun"))
		return catalog.Plural(lang, "support.queued", n)
	case q.Get("resent") != "":
		return catalog.Text(lang, "support.resent", q.Get("resent"))
	case q.Get("error") == "rate_limited":
		return catalog.Text(lang, "support.resend_limited")
	}
	return ""
}

// supportRerunGroup runs again every account of a group still failing,
// for a broken portal once its script is fixed.
func (p *Pipeline) supportRerunGroup(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t := TenantFrom(ctx)
	portal, outcome := r.PostFormValue("portal"), twofetch.Outcome(r.PostFormValue("outcome"))
	if groupOf(outcome) != "broken" {
		p.supportError(w, r, twofetch.Errorf(twofetch.EINVALID, "only the groups of broken portals are re-run together"))
		return
	}
	v := &supportHomeView{Lang: supportLanguage(t)}
	groups, _, err := p.failureGroups(ctx, t, p.now().Add(-supportWindow).UTC(), v)
	if err != nil {
		p.supportError(w, r, err)
		return
	}
	g := groups[portal+"\x00"+string(outcome)]
	n := 0
	if g != nil {
		for id := range g.accounts {
			a, err := p.Store.Account(ctx, t.ID, id)
			if err != nil {
				continue
			}
			// Failing this way now, and not already running again.
			if o, pending, err := p.latestRuns(ctx, t.ID, id); err != nil || o != outcome || pending != nil {
				continue
			}
			next, err := p.rerun(ctx, a, time.Time{})
			if err != nil {
				continue // paused accounts stay paused
			}
			p.audit(r, t, "run.start", next.ID, "account="+a.ID+" rerun_of_group="+portal+"/"+string(outcome))
			n++
		}
	}
	http.Redirect(w, r, supportPrefix+"?rerun="+strconv.Itoa(n), http.StatusSeeOther)
}

// supportResend sends a customer's enrolment SMS again from the failing
// runs page, through enrolment and its limits.
func (p *Pipeline) supportResend(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t := TenantFrom(ctx)
	a, err := p.Store.Account(ctx, t.ID, r.PathValue("aid"))
	if err != nil {
		p.supportError(w, r, notFoundOr(err, "account"))
		return
	}
	if p.Renew == nil {
		p.supportError(w, r, twofetch.Errorf(twofetch.EUNAVAILABLE, "enrolment is not served here"))
		return
	}
	ending, err := p.Renew(ctx, t, a.ID)
	if twofetch.ErrorCode(err) == twofetch.ERATELIMITED {
		http.Redirect(w, r, supportPrefix+"?error=rate_limited", http.StatusSeeOther)
		return
	}
	if err != nil {
		p.supportError(w, r, err)
		return
	}
	p.audit(r, t, "enrollment.resend", a.ID, "from the failing runs page")
	http.Redirect(w, r, supportPrefix+"?resent="+url.QueryEscape(ending), http.StatusSeeOther)
}

type supportRunView struct {
	// Lang is the language of the page: the tenant's.
	Lang string
	// Refresh is set while the run has no outcome: the page follows it
	// to its end in place (follow.js), or without scripts reloads every
	// Refresh seconds.
	Refresh int
	Title   string
	// SupportText says what support does about the outcome; Explain is
	// what the customer reads.
	SupportText               string
	ScriptVersion, FailedStep string
	Queues                    bool
	StatusPath                string // the customer's status page of the account
	Run                       *twofetch.Run
	State                     string
	Account                   *twofetch.Account
	PortalName                string
	Explain                   string
	Screenshot                bool
	PageHTML                  bool
	StepLog                   string
	LogCut                    bool
	Error                     string
	// CustomerLang is the language the customer reads their pages in;
	// ExplainLocal the customer's text in it when that is not the page's.
	CustomerLang, ExplainLocal string
	// PasswordFirst: the run was refused for its password, which has not
	// changed since; LoginID is the login whose password is set.
	PasswordFirst bool
	LoginID       string
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
	lang := supportLanguage(t)
	v := &supportRunView{Lang: lang, Run: run, State: runState(run), PortalName: p.portalName(run.Portal)}
	if len(p.StatusKey) > 0 {
		v.StatusPath = "/s/" + p.statusToken(run.AccountID)
	}
	if run.Outcome != "" {
		// What the customer reads, in their language, with the page's
		// beside it for support staff who do not read it.
		if v.CustomerLang = p.customerLanguage(ctx, t, run.AccountID); v.CustomerLang != lang {
			v.ExplainLocal = catalog.Outcome(v.CustomerLang, run.Outcome, "action", v.PortalName)
		}
		v.Explain = catalog.Outcome(lang, run.Outcome, "action", v.PortalName)
		v.SupportText = catalog.Outcome(lang, run.Outcome, "support", v.PortalName)
		v.Title = catalog.Outcome(lang, run.Outcome, "title", v.PortalName)
	} else {
		v.Refresh = 3
	}
	if st, ok := p.Store.(portalRunsStore); ok && run.FinishedAt != nil {
		// The run's own row, among the few finished since it.
		if prs, err := st.PortalRuns(ctx, t.ID, *run.FinishedAt); err == nil {
			for _, pr := range prs {
				if pr.ID == run.ID {
					v.ScriptVersion, v.FailedStep = pr.ScriptVersion, pr.FailedStep
				}
			}
		}
	}
	if a, err := p.Store.Account(ctx, t.ID, run.AccountID); err == nil {
		v.Account = a
		v.LoginID = a.LoginOrOwnID()
		v.PasswordFirst = run.Outcome == twofetch.OutcomeBadCredentials && !p.passwordChanged(ctx, a, run)
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
	switch r.URL.Query().Get("error") {
	case "paused":
		v.Error = catalog.Text(lang, "support.err_paused")
	case "password":
		v.Error = catalog.Text(lang, "support.err_password")
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
	if run.Outcome == twofetch.OutcomeBadCredentials && !p.passwordChanged(ctx, a, run) {
		http.Redirect(w, r, supportPrefix+"/runs/"+url.PathEscape(run.ID)+"?error=password", http.StatusSeeOther)
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

package portals

import (
	"context"

	"errors"
	"fmt"
	"github.com/chromedp/cdproto/cdp"
	"html"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals/detect"
)

// Secrets, Document and StepLog are the fetch vocabulary of the root
// package; the runner speaks it so that callers need not import portals.
type (
	Secrets  = twofetch.Secrets
	Document = twofetch.Document
	StepLog  = twofetch.StepLog
)

// CredentialSecrets is implemented by Secrets that hold credentials other
// than the password which the script marks secret (a PIN).
type CredentialSecrets interface {
	Credential(ctx context.Context, name string) (string, error)
}

// Job is one run of one account's portal script.
type Job struct {
	Portal   string
	Username string
	// Fields are the values of the script's other credentials that are not
	// secret (customer_number, shop_domain), by name.
	Fields  map[string]string
	Secrets Secrets
	// Known reports which of ids are already stored, so they are skipped.
	Known func(ctx context.Context, ids []string) (map[string]bool, error)
	// Save is called for each new, checked document.
	Save func(ctx context.Context, d *Document) error
	// ArtifactDir receives screenshot.png, page.html and steps.log when
	// the run fails; empty keeps none.
	ArtifactDir string
	Logger      *slog.Logger
	// Progress, when set, is called after each step (for `portal test`).
	Progress func(StepLog)
	// Login names the sign-in whose browser identity and profile the run
	// uses; runs of one login never overlap. Empty means portal and
	// username.
	Login string
	// Identity is what a new login's identity is drawn from.
	Identity IdentityHints
	// Proxy is the login's (or its tenant's) outbound proxy, http://,
	// https:// or socks5:// with credentials; empty connects directly.
	Proxy string
	// ExtraHosts are hosts the browser may reach besides the script's.
	ExtraHosts []string
	// Since, when set, is the start of the date window: documents dated
	// earlier are not fetched, and {{since}} holds it (YYYY-MM-DD) for
	// listings that filter by date. A first run typically fetches the last
	// twelve months; older documents are fetched on request by a run
	// without Since.
	Since time.Time
}

// Result is how a run went.
type Result struct {
	Outcome twofetch.Outcome
	New     int
	// SessionReused is true when restored cookies made login unnecessary.
	SessionReused bool
	Steps         []StepLog
	// ArtifactDir is where screenshot, HTML and step log were written, if
	// anywhere.
	ArtifactDir string
	// ScriptVersion is the content hash of the script the run played.
	ScriptVersion string
	// Healed lists the login fields found by the detector instead of the
	// script's selectors (scripts with heal: true); a run that succeeds
	// with any ends healed rather than ok.
	Healed []Healing
}

// StepFunc is a step written in Go. ctx is the browser tab's context,
// bounded by the step's timeout, so the function can run chromedp actions.
type StepFunc func(ctx context.Context, sc *StepContext) error

// Steps maps names to Go steps for one runner, next to the global ones.
type Steps map[string]StepFunc

var (
	stepsMu     sync.RWMutex
	globalSteps = map[string]StepFunc{}
)

// RegisterStep makes a Go step available to every script as `go: name`.
// Like http.Handle it panics on an empty name, a nil func or a name
// registered twice: these are programming mistakes found at start-up.
func RegisterStep(name string, fn StepFunc) {
	if name == "" || fn == nil {
		panic("portals: RegisterStep needs a name and a func")
	}
	stepsMu.Lock()
	defer stepsMu.Unlock()
	if _, dup := globalSteps[name]; dup {
		panic("portals: step registered twice: " + name)
	}
	globalSteps[name] = fn
}

// RegisteredSteps lists the names of the global Go steps.
func RegisteredSteps() []string {
	stepsMu.RLock()
	defer stepsMu.RUnlock()
	out := make([]string, 0, len(globalSteps))
	for n := range globalSteps {
		out = append(out, n)
	}
	return out
}

// Runner plays scripts in the pool's browser.
type Runner struct {
	reg   *Registry
	pool  *Pool
	steps map[string]StepFunc
	// StepTimeout is the time limit of a step without its own; default 30s.
	StepTimeout time.Duration
	// SessionTimeout bounds the check for a live session; default 15s.
	SessionTimeout time.Duration
	// MaxDocumentSize refuses larger downloads; default 50 MiB.
	MaxDocumentSize int
	// TypingGap bounds the pause between two keys; default 45–160ms, the
	// range of an ordinary typist.
	TypingGap [2]time.Duration
}

// HumanTypingGap is the range of pauses between keys of an ordinary
// typist, the default of Runner.TypingGap.
var HumanTypingGap = [2]time.Duration{45 * time.Millisecond, 160 * time.Millisecond}

// defaultTypingGap is what NewRunner starts with; tests that do not look at
// typing speed it up.
var defaultTypingGap = HumanTypingGap

// NewRunner returns a runner for reg's scripts. steps add Go steps for this
// runner only; they shadow global steps of the same name.
func NewRunner(reg *Registry, pool *Pool, steps ...Steps) *Runner {
	r := &Runner{reg: reg, pool: pool, steps: map[string]StepFunc{},
		StepTimeout: 30 * time.Second, SessionTimeout: 15 * time.Second, MaxDocumentSize: 50 << 20,
		TypingGap: defaultTypingGap}
	for _, set := range steps {
		for n, f := range set {
			r.steps[n] = f
		}
	}
	return r
}

func (r *Runner) lookupStep(name string) StepFunc {
	if f, ok := r.steps[name]; ok {
		return f
	}
	stepsMu.RLock()
	defer stepsMu.RUnlock()
	return globalSteps[name]
}

// Run plays the job's script: restore the session, log in if needed,
// fetch new documents, keep the cookies. A failed run returns a
// *twofetch.RunError (see twofetch.OutcomeOf) along with the result.
func (r *Runner) Run(ctx context.Context, job *Job) (*Result, error) {
	res, errs := r.RunSession(ctx, []*Job{job})
	return res[0], errs[0]
}

// RunSession plays the jobs of the accounts behind one login in one
// browser session, one after another: the first job's script signs in
// (or finds the saved session alive), then each job's documents flow
// runs. A later job whose script finds itself signed out of the shared
// session (a product on another domain) signs in with its own login
// steps, taking the next code the vault issues. It returns a result and
// an error per job, in order: a failed sign-in of the first job fails
// every job with its outcome; any other failure fails only its job.
//
// The jobs share one login (Job.Login, identity, profile, proxy and
// secrets of the first job); the caller holds the login's lock.
func (r *Runner) RunSession(ctx context.Context, jobs []*Job) ([]*Result, []error) {
	results := make([]*Result, len(jobs))
	errs := make([]error, len(jobs))
	ctx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	typed := &typedValues{}
	var runs []*run
	var idx []int
	for i, job := range jobs {
		res := &Result{ScriptVersion: r.reg.Version(job.Portal)}
		results[i] = res
		s, err := r.script(job.Portal)
		if err != nil {
			errs[i] = err
			res.Outcome = twofetch.OutcomeOf(err)
			continue
		}
		rn := &run{r: r, job: job, s: s, res: res, jobCtx: ctx, abort: abort, saved: map[string]bool{}, fresh: map[string]bool{},
			vars: &vars{v: map[string]any{}}, log: job.Logger, frameTabs: map[cdp.FrameID]context.Context{}, typed: typed}
		if rn.log == nil {
			rn.log = slog.New(slog.DiscardHandler)
		}
		rn.log = rn.log.With("portal", s.ID)
		runs = append(runs, rn)
		idx = append(idx, i)
	}
	if len(runs) == 0 {
		return results, errs
	}
	lead := runs[0]
	for _, rn := range runs[1:] {
		lead.alsoHosts = append(lead.alsoHosts, rn.s.Hosts...)
	}
	err := lead.open()
	for _, rn := range runs[1:] {
		rn.l, rn.login, rn.idle, rn.downloadDir = lead.l, lead.login, lead.idle, lead.downloadDir
	}
	if err == nil {
		err = lead.signIn(true)
	}
	if err != nil {
		// Without a sign-in no product is reached: every job ends as the
		// sign-in did, each with its step log and page.
		for k, rn := range runs {
			errs[idx[k]] = lead.end(err, rn.res, rn.job.ArtifactDir)
		}
	} else {
		for k, rn := range runs {
			if ctx.Err() != nil {
				// An earlier product's run ended the session; this one did
				// not start, and is tried again.
				err := twofetch.FailWith(twofetch.OutcomeTransient, ctx.Err(), "the run was cancelled or ran out of time")
				if lead.blockedURL() != "" {
					err = twofetch.Fail(twofetch.OutcomeTransient, "not run: the session ended when another product's script requested a host it does not list")
				}
				errs[idx[k]], rn.res.Outcome = err, twofetch.OutcomeTransient
				continue
			}
			var err error
			if k > 0 {
				err = rn.signIn(false)
			}
			if err == nil {
				err = rn.documents()
			}
			if rn.signedIn {
				lead.signedIn = true
			}
			errs[idx[k]] = rn.end(err, rn.res, rn.job.ArtifactDir)
			for _, f := range rn.cleanup {
				f()
			}
			rn.cleanup = nil
		}
	}
	for _, f := range lead.cleanup {
		f()
	}
	if lead.l != nil {
		lead.l.release()
	}
	lead.finishLogin()
	if lead.l != nil {
		lead.l.done()
	}
	if lead.downloadDir != "" {
		os.RemoveAll(lead.downloadDir)
	}
	return results, errs
}

// script returns the portal's script, refusing one that calls Go steps
// this runner lacks.
func (r *Runner) script(portal string) (*Script, error) {
	s, ok := r.reg.Get(portal)
	if !ok {
		return nil, twofetch.Fail(twofetch.OutcomePortalChanged, "no script for portal %q", portal)
	}
	var missing []string
	walkAll(s, func(st *Step) {
		if st.Go != nil && r.lookupStep(st.Go.Name) == nil {
			missing = append(missing, st.Go.Name)
		}
	})
	if len(missing) > 0 {
		return nil, twofetch.Fail(twofetch.OutcomePortalChanged, "script %s calls unregistered Go steps %v", s.ID, missing)
	}
	return s, nil
}

// end settles res from err (nil for a run that got through), with this
// run's step log, and keeps the artifacts of a failure in dir; it returns
// the error, classified. A failed sign-in ends every job of the session
// through the run that signed in.
func (rn *run) end(err error, res *Result, dir string) error {
	if err != nil {
		err = rn.classify(err)
		res.Outcome = twofetch.OutcomeOf(err)
		// Debug: the caller (worker or portal test) reports the run.
		rn.log.Debug("run failed", "outcome", res.Outcome, "error", err)
	} else {
		res.Outcome = twofetch.OutcomeNoDocuments
		if res.New > 0 {
			res.Outcome = twofetch.OutcomeOK
		}
		if len(res.Healed) > 0 {
			res.Outcome = twofetch.OutcomeHealed
		}
		rn.log.Debug("run finished", "outcome", res.Outcome, "new", res.New)
	}
	res.Steps = rn.stepLog()
	if err != nil && dir != "" {
		res.ArtifactDir = rn.saveArtifacts(dir)
	}
	return err
}

func walkAll(s *Script, f func(*Step)) {
	walkSteps(s.Login, f)
	walkSteps(s.Documents, f)
}

// run is the state of one Run call.
type run struct {
	r      *Runner
	job    *Job
	s      *Script
	res    *Result
	jobCtx context.Context
	abort  context.CancelCauseFunc
	l      *lease
	login  *loginState
	ptr    pointer
	// signedIn is set once the run is past login: only then is the
	// profile worth sealing.
	signedIn    bool
	downloadDir string
	log         *slog.Logger
	vars        *vars
	idle        *idleTracker

	// alsoHosts are the hosts of the other scripts of the session, which
	// the browser may reach too.
	alsoHosts []string

	mu    sync.Mutex
	steps []StepLog
	// typed holds the secrets typed in the session, shared by its runs.
	typed *typedValues
	// saved are ids stored in this run; fresh are ids Known said are new.
	saved, fresh map[string]bool

	// frames is the chain of iframe selectors steps act in; tabs the
	// popups being followed (the main tab when empty); frameTabs the
	// targets of cross-site iframes attached so far, closed by cleanup.
	frames    []string
	tabs      []context.Context
	frameTabs map[cdp.FrameID]context.Context
	cleanup   []func()
	// lastField is the login field the previous step typed into, so that
	// the click after it may be healed as the submit button.
	lastField detect.Role
}

// open starts the session: the login's browser identity, profile and
// egress proxy, a browser context, the download folder.
func (rn *run) open() error {
	dir, err := os.MkdirTemp("", "twofetch-dl-")
	if err != nil {
		return fmt.Errorf("download directory: %w", err)
	}
	rn.downloadDir = dir
	if err := rn.prepareLogin(); err != nil {
		return err
	}
	l, err := rn.r.pool.acquire(rn.jobCtx, dir, rn.login.setup)
	if err != nil {
		return twofetch.FailWith(twofetch.OutcomeTransient, err, "no browser available")
	}
	rn.l = l
	if rn.idle, err = trackIdle(rn.jobCtx, l.ctx); err != nil {
		return err
	}
	return nil
}

// signIn makes sure the session is signed in to the run's portal: with
// the saved cookies restored first (restore), or as the session already
// is; if its session check fails, by playing its login steps.
func (rn *run) signIn(restore bool) error {
	loggedIn, err := rn.resumeSession(restore)
	if err != nil {
		return err
	}
	if loggedIn {
		rn.res.SessionReused = true
		rn.signedIn = true
		return nil
	}
	if err := rn.runSteps("login", rn.s.Login); err != nil {
		return err
	}
	if err := rn.checkOutcomes(); err != nil {
		return err
	}
	// Keep the fresh session at once: if the documents flow fails, the
	// next run still skips login and 2FA.
	rn.signedIn = true
	rn.keepSession()
	return nil
}

// documents plays the documents flow and keeps the session after it.
func (rn *run) documents() error {
	if err := rn.runSteps("documents", rn.s.Documents); err != nil {
		return err
	}
	if rn.blockedURL() != "" {
		return errBlocked
	}
	rn.keepSession()
	return nil
}

// classify turns any error into a *twofetch.RunError. Outcome rules win
// over a generic failure, because a wrong-password page also lacks the
// element the next step waits for.
func (rn *run) classify(err error) error {
	var re *twofetch.RunError
	isRE := errors.As(err, &re)
	switch {
	case rn.blockedURL() != "":
		return twofetch.Fail(twofetch.OutcomePortalChanged, "the browser requested %s, a host the script does not list; the request was blocked", rn.redact(rn.blockedURL()))
	case rn.jobCtx.Err() != nil:
		return twofetch.FailWith(twofetch.OutcomeTransient, rn.jobCtx.Err(), "the run was cancelled or ran out of time")
	case browserLost(err) || (rn.l != nil && !rn.l.gen.alive()):
		return twofetch.FailWith(twofetch.OutcomeTransient, err, "the browser stopped during the run")
	case isRE && (re.Outcome == twofetch.OutcomePortalChanged || re.Outcome == twofetch.OutcomePortalDown) && rn.l != nil:
		if rule := rn.matchOutcome(); rule != nil {
			return rule.fail(rn.s, err)
		}
		return err
	case isRE:
		return err
	}
	return twofetch.FailWith(twofetch.OutcomeTransient, err, "")
}

// browserLost reports whether err says the browser process went away.
func browserLost(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) || strings.Contains(err.Error(), "lost the connection to the browser")
}

func (o *OutcomeRule) detail(s *Script) string {
	if o.Detail != "" {
		return o.Detail
	}
	return fmt.Sprintf("%s showed a page that means %s", s.Name, o.Outcome)
}

// fail is the run's error when the rule holds; cause is the step failure
// that led to checking the rules, if any.
func (o *OutcomeRule) fail(s *Script, cause error) error {
	return &twofetch.RunError{Outcome: twofetch.Outcome(o.Outcome), Detail: o.detail(s), Err: cause, NoRetry: o.NoRetry}
}

// checkOutcomes fails the run when an outcome rule holds.
func (rn *run) checkOutcomes() error {
	if rule := rn.matchOutcome(); rule != nil {
		return rule.fail(rn.s, nil)
	}
	return nil
}

func (rn *run) matchOutcome() *OutcomeRule {
	if len(rn.s.Outcomes) == 0 || !rn.l.gen.alive() {
		return nil
	}
	ctx, cancel := mergeContexts(context.WithoutCancel(rn.jobCtx), rn.l.ctx, 5*time.Second)
	defer cancel()
	for i := range rn.s.Outcomes {
		ok, err := evalCond(ctx, &rn.s.Outcomes[i].When)
		if err == nil && ok {
			return &rn.s.Outcomes[i]
		}
	}
	return nil
}

func (rn *run) stepLog() []StepLog {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	return append([]StepLog(nil), rn.steps...)
}

// htmlText and htmlAttr escape as the browser serialises text and
// attribute values in outerHTML.
var (
	htmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\u00a0", "&nbsp;")
	htmlAttr = strings.NewReplacer("&", "&amp;", "\"", "&quot;", "\u00a0", "&nbsp;")
)

// typedValues are the secrets typed in a session and the fields they were
// typed into, so that every capture of the session can mask and redact
// them, whichever product's run typed them.
type typedValues struct {
	mu     sync.Mutex
	values []string
	fields []string
}

func (t *typedValues) add(value, field string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.values = append(t.values, value)
	t.fields = append(t.fields, field)
}

func (t *typedValues) list() (values, fields []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.values...), append([]string(nil), t.fields...)
}

// redact replaces every typed secret in s.
func (rn *run) redact(s string) string {
	if rn.typed == nil {
		return s
	}
	values, _ := rn.typed.list()
	for _, v := range values {
		if v == "" {
			continue
		}
		// A page may echo a secret escaped for HTML or for a URL.
		for _, form := range []string{v, html.EscapeString(v), htmlText.Replace(v), htmlAttr.Replace(v), url.QueryEscape(v), url.PathEscape(v)} {
			s = strings.ReplaceAll(s, form, "[redacted]")
		}
	}
	return s
}

// ctxFor returns the context of one step: the tab's chromedp context,
// bounded by the step's timeout and by the job's context.
func (rn *run) ctxFor(st *Step) (context.Context, context.CancelFunc, time.Duration) {
	d := time.Duration(st.Timeout)
	if d <= 0 {
		d = rn.r.StepTimeout
	}
	c, cancel := mergeContexts(rn.jobCtx, rn.tab(), d)
	return c, cancel, d
}

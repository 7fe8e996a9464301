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
	res := &Result{}
	s, ok := r.reg.Get(job.Portal)
	res.ScriptVersion = r.reg.Version(job.Portal)
	if !ok {
		return res, twofetch.Fail(twofetch.OutcomePortalChanged, "no script for portal %q", job.Portal)
	}
	var missing []string
	walkAll(s, func(st *Step) {
		if st.Go != nil && r.lookupStep(st.Go.Name) == nil {
			missing = append(missing, st.Go.Name)
		}
	})
	if len(missing) > 0 {
		return res, twofetch.Fail(twofetch.OutcomePortalChanged, "script %s calls unregistered Go steps %v", s.ID, missing)
	}
	ctx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	rn := &run{r: r, job: job, s: s, res: res, jobCtx: ctx, abort: abort, saved: map[string]bool{}, fresh: map[string]bool{},
		vars: &vars{v: map[string]any{}}, log: job.Logger, frameTabs: map[cdp.FrameID]context.Context{}}
	if rn.log == nil {
		rn.log = slog.New(slog.DiscardHandler)
	}
	rn.log = rn.log.With("portal", s.ID)
	err := rn.play()
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
		rn.log.Debug("run finished", "outcome", res.Outcome, "new", res.New)
	}
	res.Steps = rn.stepLog()
	if err != nil && job.ArtifactDir != "" {
		res.ArtifactDir = rn.saveArtifacts(job.ArtifactDir)
	}
	for _, f := range rn.cleanup {
		f()
	}
	if rn.l != nil {
		rn.l.release()
	}
	rn.finishLogin()
	if rn.l != nil {
		rn.l.done()
	}
	if rn.downloadDir != "" {
		os.RemoveAll(rn.downloadDir)
	}
	return res, err
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

	mu    sync.Mutex
	steps []StepLog
	// typed holds every secret value typed, so captures can redact them;
	// secretFields the selectors they were typed into.
	typed        []string
	secretFields []string
	// saved are ids stored in this run; fresh are ids Known said are new.
	saved, fresh map[string]bool

	// frames is the chain of iframe selectors steps act in; tabs the
	// popups being followed (the main tab when empty); frameTabs the
	// targets of cross-site iframes attached so far, closed by cleanup.
	frames    []string
	tabs      []context.Context
	frameTabs map[cdp.FrameID]context.Context
	cleanup   []func()
}

func (rn *run) play() error {
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
	loggedIn, err := rn.resumeSession()
	if err != nil {
		return err
	}
	if loggedIn {
		rn.res.SessionReused = true
		rn.signedIn = true
	} else {
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
	}
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

// redact replaces every typed secret in s.
func (rn *run) redact(s string) string {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	for _, v := range rn.typed {
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

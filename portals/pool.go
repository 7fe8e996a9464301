package portals

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"
)

// PoolConfig configures the browser pool.
type PoolConfig struct {
	// ChromePath is the Chromium binary; default
	// /usr/lib/chromium/chromium-headless-shell. Ignored with RemoteURL.
	ChromePath string
	// RemoteURL is the ws:// or http:// DevTools endpoint of a browser
	// that runs elsewhere; when set no local browser is started. Downloads
	// started by a click land on the browser's machine, so with a remote
	// browser they need a download directory both machines share; links,
	// base64 and printing work anywhere.
	RemoteURL string
	// ExtraFlags are added to Chromium's command line as "--name" or
	// "--name=value", e.g. the replicas' --host-resolver-rules.
	ExtraFlags []string
	// RecycleAfter restarts the browser after this many jobs, bounding the
	// memory a long-lived Chromium accumulates; 0 never recycles.
	RecycleAfter int
	// StartTimeout bounds starting the browser; default 30s.
	StartTimeout time.Duration
	// Logger receives browser starts, crashes and recycles; default discards.
	Logger *slog.Logger
}

// DefaultChromePath is Debian's headless Chromium.
const DefaultChromePath = "/usr/lib/chromium/chromium-headless-shell"

// Pool shares one browser process among jobs: each job gets its own browser
// context (cookies, storage, downloads) in it, which is far cheaper than a
// process per job. A browser that crashed is replaced on the next job.
type Pool struct {
	cfg    PoolConfig
	log    *slog.Logger
	base   context.Context // never cancelled by callers: outlives jobs
	mu     sync.Mutex
	cur    *generation
	closed bool
	starts int
}

// generation is one browser process and the jobs it has served.
type generation struct {
	allocCancel   context.CancelFunc
	browserCtx    context.Context
	browserCancel context.CancelFunc
	dataDir       string
	jobs          int
	active        int
	retired       bool
}

// NewPool starts the browser. ctx bounds only the start: the browser itself
// lives until Close, whatever happens to ctx.
func NewPool(ctx context.Context, cfg PoolConfig) (*Pool, error) {
	if cfg.ChromePath == "" {
		cfg.ChromePath = DefaultChromePath
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 30 * time.Second
	}
	p := &Pool{cfg: cfg, log: cfg.Logger, base: context.WithoutCancel(ctx)}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	g, err := p.start(ctx)
	if err != nil {
		return nil, err
	}
	p.cur = g
	return p, nil
}

func (p *Pool) allocatorOptions(dataDir string) []chromedp.ExecAllocatorOption {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(p.cfg.ChromePath),
		chromedp.UserDataDir(dataDir),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("no-first-run", true),
	)
	for _, f := range p.cfg.ExtraFlags {
		name, val, hasVal := strings.Cut(strings.TrimLeft(f, "-"), "=")
		if hasVal {
			opts = append(opts, chromedp.Flag(name, val))
		} else {
			opts = append(opts, chromedp.Flag(name, true))
		}
	}
	return opts
}

// start launches (or connects to) a browser. The caller holds p.mu.
func (p *Pool) start(ctx context.Context) (*generation, error) {
	g := &generation{}
	var allocCtx context.Context
	if p.cfg.RemoteURL != "" {
		allocCtx, g.allocCancel = remote.NewAllocator(p.base, p.cfg.RemoteURL)
	} else {
		dir, err := os.MkdirTemp("", "twofetch-chrome-")
		if err != nil {
			return nil, fmt.Errorf("portals: browser profile: %w", err)
		}
		g.dataDir = dir
		allocCtx, g.allocCancel = chromedp.NewExecAllocator(p.base, p.allocatorOptions(dir)...)
	}
	// chromedp logs to the standard logger by default; its messages can
	// quote protocol traffic, so they go to the pool's logger at debug level
	// and are cut short.
	quiet := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
		p.log.Debug("chromedp", "msg", msg)
	}
	g.browserCtx, g.browserCancel = chromedp.NewContext(allocCtx, chromedp.WithBrowserOption(
		chromedp.WithBrowserLogf(quiet), chromedp.WithBrowserErrorf(quiet)))

	// The first Do binds the browser's life to the context it gets, so it
	// runs on the deadline-free browser context; the caller's deadline is
	// applied by waiting for it here instead.
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(g.browserCtx) }()
	timer := time.NewTimer(p.cfg.StartTimeout)
	defer timer.Stop()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		err = ctx.Err()
	case <-timer.C:
		err = fmt.Errorf("no answer within %v", p.cfg.StartTimeout)
	}
	if err != nil {
		g.stop()
		return nil, fmt.Errorf("portals: start browser %s: %w", p.where(), err)
	}
	p.starts++
	p.log.Info("browser started", "browser", p.where(), "pid", g.pid(), "starts", p.starts)
	return g, nil
}

func (p *Pool) where() string {
	if p.cfg.RemoteURL != "" {
		return p.cfg.RemoteURL
	}
	return p.cfg.ChromePath
}

func (g *generation) pid() int {
	if p := chromeProcess(g); p != nil {
		return p.Pid
	}
	return 0
}

// chromeProcess is the local browser process, nil for a remote browser.
func chromeProcess(g *generation) *os.Process {
	c := chromedp.FromContext(g.browserCtx)
	if c == nil || c.Browser == nil {
		return nil
	}
	return c.Browser.Process()
}

func (g *generation) alive() bool { return g.browserCtx.Err() == nil }

func (g *generation) stop() {
	g.browserCancel()
	g.allocCancel()
	if g.dataDir != "" {
		os.RemoveAll(g.dataDir)
	}
}

// lease is one job's browser context and tab.
type lease struct {
	ctx      context.Context // chromedp tab context, no deadline
	cancel   context.CancelFunc
	gen      *generation
	pool     *Pool
	ctxID    cdp.BrowserContextID
	download string
}

// acquire opens a fresh browser context with its own download directory,
// replacing a dead browser and recycling a worn one first.
func (p *Pool) acquire(ctx context.Context, downloadDir string) (*lease, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errors.New("portals: pool is closed")
	}
	g := p.cur
	if g == nil || !g.alive() || (p.cfg.RecycleAfter > 0 && g.jobs >= p.cfg.RecycleAfter) {
		if g != nil {
			if g.alive() {
				p.log.Info("recycling browser", "pid", g.pid(), "jobs", g.jobs)
			} else {
				p.log.Warn("browser died; starting a new one", "pid", g.pid(), "jobs", g.jobs)
			}
			p.retire(g)
		}
		var err error
		if g, err = p.start(ctx); err != nil {
			p.cur = nil
			p.mu.Unlock()
			return nil, err
		}
		p.cur = g
	}
	g.jobs++
	g.active++
	p.mu.Unlock()

	l := &lease{gen: g, pool: p, download: downloadDir}
	l.ctx, l.cancel = chromedp.NewContext(g.browserCtx, chromedp.WithNewBrowserContext())
	// The first Do attaches the tab and ties its event loop to the context
	// it is given, so it gets the deadline-free tab context; the job's
	// deadline is applied by cancelling the tab instead.
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(l.ctx) }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		l.cancel()
		<-done
		err = ctx.Err()
	}
	if err == nil {
		l.ctxID = chromedp.FromContext(l.ctx).BrowserContextID
		// Without a download behaviour bound to this browser context,
		// Chromium silently refuses downloads started by a click.
		err = withDeadlineOf(ctx, l.ctx, 0, func(c context.Context) error {
			_, err := chromedp.CallBrowser(c, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior:         browser.SetDownloadBehaviorBehaviorAllowAndName,
				BrowserContextID: l.ctxID,
				DownloadPath:     downloadDir,
				EventsEnabled:    new(true),
			})
			return err
		})
	}
	if err != nil {
		l.release()
		return nil, fmt.Errorf("portals: open browser context: %w", err)
	}
	return l, nil
}

// retire stops g once its last job ends. The caller holds p.mu.
func (p *Pool) retire(g *generation) {
	g.retired = true
	if g.active == 0 {
		g.stop()
	}
	if p.cur == g {
		p.cur = nil
	}
}

func (l *lease) release() {
	l.cancel()
	p := l.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	if l.gen.active > 0 {
		l.gen.active--
	}
	if l.gen.retired && l.gen.active == 0 {
		l.gen.stop()
	}
}

// Ping checks that the browser answers.
func (p *Pool) Ping(ctx context.Context) error {
	p.mu.Lock()
	g := p.cur
	p.mu.Unlock()
	if g == nil || !g.alive() {
		return errors.New("portals: browser is not running")
	}
	return withDeadlineOf(ctx, g.browserCtx, 0, func(c context.Context) error {
		_, err := chromedp.CallBrowser(c, browser.GetVersion, cdp.Empty{})
		return err
	})
}

// Starts reports how many times a browser was started, for health pages
// and tests of crash recovery.
func (p *Pool) Starts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.starts
}

// Close stops the browser; running jobs fail.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	if p.cur != nil {
		p.cur.active = 0
		p.retire(p.cur)
	}
	return nil
}

// withDeadlineOf runs f with a context that carries chromedp's state from
// tab but ends when job ends or after timeout (0: no extra limit). chromedp
// needs its own context chain; the job's cancellation is grafted onto it.
func withDeadlineOf(job, tab context.Context, timeout time.Duration, f func(context.Context) error) error {
	c, cancel := mergeContexts(job, tab, timeout)
	defer cancel()
	return f(c)
}

func mergeContexts(job, tab context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	var c context.Context
	var cancel context.CancelFunc
	dl, hasDL := job.Deadline()
	switch {
	case timeout > 0 && (!hasDL || time.Until(dl) > timeout):
		c, cancel = context.WithTimeout(tab, timeout)
	case hasDL:
		c, cancel = context.WithDeadline(tab, dl)
	default:
		c, cancel = context.WithCancel(tab)
	}
	stop := context.AfterFunc(job, cancel)
	return c, func() { stop(); cancel() }
}

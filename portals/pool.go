package portals

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"
)

// PoolConfig configures the browser pool.
type PoolConfig struct {
	// ChromePath is the Chromium binary; default /usr/lib/chromium/chromium,
	// Debian's full browser, run in its new headless mode.
	// /usr/lib/chromium/chromium-headless-shell is the lighter alternative
	// that bot checks recognise (see docs/portals.md). Ignored with RemoteURL.
	ChromePath string
	// SharedBrowser runs every job in a browser context of one shared
	// browser instead of a browser process of its own per login. Contexts
	// are cheaper but keep only cookies between runs, and the identity is
	// applied by DevTools overrides; a remote browser always works this way.
	SharedBrowser bool
	// RemoteURL is the ws:// or http:// DevTools endpoint of a browser
	// that runs elsewhere; when set no local browser is started. Files a
	// click downloads are streamed back through DevTools, not saved on the
	// browser's machine.
	RemoteURL string
	// EgressAddr is the IP address the jobs' egress proxies listen on,
	// which the browser must reach; default 127.0.0.1. A remote browser on
	// another machine needs an address of the worker's it can reach (a
	// pod IP); the proxies ask for per-job credentials either way.
	EgressAddr string
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

// DefaultChromePath is Debian's full Chromium; with --headless it runs the
// real browser without a window.
const DefaultChromePath = "/usr/lib/chromium/chromium"

// HeadlessShellPath is Debian's chromium-headless-shell, the old headless
// mode as a separate, lighter binary.
const HeadlessShellPath = "/usr/lib/chromium/chromium-headless-shell"

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
	starts atomic.Int64
	// browserUA is what the browser reports as its user agent, read once,
	// so identities follow the pinned browser.
	browserUA string
	logins    map[string]chan struct{}
	// creds answer the proxy challenges of the jobs' egress proxies.
	creds proxyCreds
	// downloads are the click downloads awaited from a remote browser.
	downloads downloadCaptures
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
	stopOnce      sync.Once
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
	if cfg.RemoteURL != "" {
		cfg.SharedBrowser = true
	}
	if cfg.EgressAddr != "" {
		if ip := net.ParseIP(cfg.EgressAddr); ip == nil || ip.IsUnspecified() {
			return nil, fmt.Errorf("portals: egress address %q: want one IP address the browser reaches the worker at", cfg.EgressAddr)
		}
	}
	p := &Pool{cfg: cfg, log: cfg.Logger, base: context.WithoutCancel(ctx), logins: map[string]chan struct{}{}}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// A browser per login still starts one here: it proves the binary
	// works before the first job, answers Ping and tells the version.
	g, err := p.start(ctx, nil)
	if err != nil {
		return nil, err
	}
	p.cur = g
	v, err := chromedp.CallBrowser(g.browserCtx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		g.stop()
		return nil, fmt.Errorf("portals: browser version: %w", err)
	}
	p.browserUA = v.UserAgent
	return p, nil
}

// BrowserUserAgent is the user agent the running browser reports itself.
func (p *Pool) BrowserUserAgent() string { return p.browserUA }

// allocatorOptions is the command line of a browser: Chromium as a person
// starts it, in headless mode, minus what phones home. chromedp's defaults
// are not used: they include --enable-automation, which sets
// navigator.webdriver, and switches only automation uses.
func (p *Pool) allocatorOptions(dataDir string, ls *loginSetup) []chromedp.ExecAllocatorOption {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(p.cfg.ChromePath),
		chromedp.UserDataDir(dataDir),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.Flag("disable-blink-features", "AutomationControlled"),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("password-store", "basic"),
		// Background services would reach hosts no script lists.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-domain-reliability", true),
		// WebRTC must not send UDP around the proxy.
		chromedp.Flag("force-webrtc-ip-handling-policy", "disable_non_proxied_udp"),
	}
	if ls != nil {
		if ls.identity != nil {
			for k, v := range ls.identity.flags() {
				opts = append(opts, chromedp.Flag(k, v))
			}
			opts = append(opts, chromedp.Env(ls.identity.env()...))
		}
		if ls.proxy != "" {
			opts = append(opts, chromedp.ProxyServer(ls.proxy),
				// Loopback too goes through the proxy: nothing may bypass it.
				chromedp.Flag("proxy-bypass-list", "<-loopback>"))
		}
	}
	for _, f := range p.cfg.ExtraFlags {
		if strings.HasPrefix(strings.TrimLeft(f, "-"), "host-resolver-rules=") {
			// Every job's traffic goes through its egress proxy, which
			// applies these rules; in the browser they would also catch
			// the proxy's own address.
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(f, "-"), "=")
		if hasVal {
			opts = append(opts, chromedp.Flag(name, val))
		} else {
			opts = append(opts, chromedp.Flag(name, true))
		}
	}
	return opts
}

// start launches (or connects to) a browser: the shared one when ls is
// nil, else one for a login, on its profile directory. The caller holds p.mu
// for the shared browser.
func (p *Pool) start(ctx context.Context, ls *loginSetup) (*generation, error) {
	g := &generation{}
	var allocCtx context.Context
	switch {
	case p.cfg.RemoteURL != "":
		allocCtx, g.allocCancel = remote.NewAllocator(p.base, p.cfg.RemoteURL)
	case ls != nil:
		allocCtx, g.allocCancel = chromedp.NewExecAllocator(p.base, p.allocatorOptions(ls.profileDir, ls)...)
	default:
		dir, err := os.MkdirTemp("", "twofetch-chrome-")
		if err != nil {
			return nil, fmt.Errorf("portals: browser profile: %w", err)
		}
		g.dataDir = dir
		allocCtx, g.allocCancel = chromedp.NewExecAllocator(p.base, p.allocatorOptions(dir, nil)...)
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
	if err == nil {
		err = p.interceptRequests(ctx, g)
	}
	if err != nil {
		g.stop()
		return nil, fmt.Errorf("portals: start browser %s: %w", p.where(), err)
	}
	n := p.starts.Add(1)
	if ls == nil {
		p.log.Info("browser started", "browser", p.where(), "pid", g.pid(), "starts", n)
	}
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
	g.stopOnce.Do(func() {
		// A graceful close lets Chromium write its stores (cookies are
		// flushed lazily) before the profile is sealed.
		c, cancel := context.WithTimeout(g.browserCtx, 10*time.Second)
		_ = chromedp.Cancel(c)
		cancel()
		g.browserCancel()
		g.allocCancel()
		if g.dataDir != "" {
			os.RemoveAll(g.dataDir)
		}
	})
}

// lease is one job's browser context and tab.
type lease struct {
	ctx      context.Context // chromedp tab context, no deadline
	cancel   context.CancelFunc
	gen      *generation
	pool     *Pool
	ctxID    cdp.BrowserContextID
	download string
	// own is set when the lease has a browser process of its own.
	own    bool
	unlock func()
}

// loginSetup is what makes a job's browser the login's device: its
// identity, its profile directory (a browser per login) and the job's
// egress proxy.
type loginSetup struct {
	key        string
	identity   *Identity
	profileDir string
	// proxy is the job's egress proxy, which wants proxyAuth (user,
	// password) from the browser.
	proxy     string
	proxyAuth [2]string
	// inspect keeps DevTools' Runtime domain on in the tab, for tools that
	// only read pages with chromedp's queries and Poll, which follow
	// execution contexts through its events. Portal runs and checks leave
	// it off (see quietRuntime).
	inspect bool
}

// lockLogin holds the login's slot in this process until the returned
// func is called: two runs of one login never share its profile.
func (p *Pool) lockLogin(ctx context.Context, key string) (func(), error) {
	if key == "" {
		return func() {}, nil
	}
	for {
		p.mu.Lock()
		ch, busy := p.logins[key]
		if !busy {
			ch = make(chan struct{})
			p.logins[key] = ch
			p.mu.Unlock()
			return func() {
				p.mu.Lock()
				delete(p.logins, key)
				p.mu.Unlock()
				close(ch)
			}, nil
		}
		p.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// acquire opens the job's browser: a process of its own on the login's
// profile, or a fresh context of the shared browser. Either way it gets
// the identity, the egress proxy and its own download directory.
func (p *Pool) acquire(ctx context.Context, downloadDir string, ls *loginSetup) (*lease, error) {
	key := ""
	if ls != nil {
		key = ls.key
	}
	unlock, err := p.lockLogin(ctx, key)
	if err != nil {
		return nil, err
	}
	if ls != nil && ls.proxy != "" {
		// Known before the browser's first request meets the proxy.
		addr := proxyAddr(ls.proxy)
		p.creds.set(addr, ls.proxyAuth[0], ls.proxyAuth[1])
		release := unlock
		unlock = func() { p.creds.remove(addr); release() }
	}
	var l *lease
	if p.cfg.SharedBrowser || ls == nil || ls.profileDir == "" {
		l, err = p.acquireShared(ctx, downloadDir, ls)
	} else {
		l, err = p.acquireOwn(ctx, downloadDir, ls)
	}
	if err == nil && (ls == nil || !ls.inspect) {
		err = withDeadlineOf(ctx, l.ctx, 0, quietRuntime)
		if err != nil {
			l.release()
			err = fmt.Errorf("portals: open browser: %w", err)
		}
	}
	if err != nil {
		unlock()
		return nil, err
	}
	l.unlock = unlock
	return l, nil
}

func proxyAddr(proxy string) string {
	if u, err := url.Parse(proxy); err == nil && u.Host != "" {
		return u.Host
	}
	return proxy
}

// quietRuntime turns DevTools' Runtime domain off in the tab ctx. chromedp
// enables it when it attaches, and while it is on Chromium serialises every
// console call for the client: a page can see that (an Error logged to the
// console has its stack read, which a getter notices; fpscanner's hasCDP and
// other bot checks test exactly this). Evaluating needs no Runtime.enable;
// what does need its events (chromedp's element queries and Poll, which
// follow execution contexts) is not used on such a tab: conditions and
// waits are polled from here by evaluating (scope.go, cond.go). chromedp
// enables the domain before the tab's first page loads, so no page of a
// job sees it on.
func quietRuntime(ctx context.Context) error {
	_, err := chromedp.Call(ctx, runtime.Disable, cdp.Empty{})
	return err
}

func (p *Pool) acquireOwn(ctx context.Context, downloadDir string, ls *loginSetup) (*lease, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errors.New("portals: pool is closed")
	}
	p.mu.Unlock()
	g, err := p.start(ctx, ls)
	if err != nil {
		return nil, err
	}
	g.active = 1
	l := &lease{gen: g, pool: p, download: downloadDir, own: true}
	// The browser's first tab is the job's tab, as in a browser a person
	// opens; the context cancels nothing itself, stop does.
	l.ctx, l.cancel = g.browserCtx, func() {}
	err = withDeadlineOf(ctx, l.ctx, 0, func(c context.Context) error {
		_, err := chromedp.CallBrowser(c, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior:      browser.SetDownloadBehaviorBehaviorAllowAndName,
			DownloadPath:  downloadDir,
			EventsEnabled: new(true),
		})
		return err
	})
	if err == nil && ls.identity != nil {
		// The launch switches set the user agent everywhere, but a
		// user agent given on the command line leaves the high-entropy
		// client hints empty; the override fills them.
		err = withDeadlineOf(ctx, l.ctx, 0, ls.identity.overrideUserAgent)
	}
	if err != nil {
		g.stop()
		return nil, fmt.Errorf("portals: open browser: %w", err)
	}
	return l, nil
}

func (p *Pool) acquireShared(ctx context.Context, downloadDir string, ls *loginSetup) (*lease, error) {
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
		if g, err = p.start(ctx, nil); err != nil {
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
	var opts []chromedp.CreateBrowserContextOption
	if ls != nil && ls.proxy != "" {
		opts = append(opts, func(cp *target.CreateBrowserContextParams) {
			cp.ProxyServer = ls.proxy
			cp.ProxyBypassList = "<-loopback>"
		})
	}
	l.ctx, l.cancel = chromedp.NewContext(g.browserCtx, chromedp.WithNewBrowserContext(opts...))
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
	if err == nil && ls != nil && ls.identity != nil {
		err = withDeadlineOf(ctx, l.ctx, 0, ls.identity.override)
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

// release ends the lease's browser or context; the login stays locked
// until done, so its profile can be sealed first.
func (l *lease) release() {
	if l.own {
		// Leaving the page hands its pending storage writes to the
		// browser, which commits them as it closes.
		c, cancel := context.WithTimeout(l.ctx, 5*time.Second)
		_ = chromedp.Do(c, chromedp.Navigate("about:blank"))
		cancel()
		l.gen.stop()
		return
	}
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

func (l *lease) done() {
	if l.unlock != nil {
		l.unlock()
		l.unlock = nil
	}
}

// Ping checks that the browser answers.
func (p *Pool) Ping(ctx context.Context) error {
	p.mu.Lock()
	g := p.cur
	if !p.cfg.SharedBrowser && !p.closed && (g == nil || !g.alive()) {
		// With a browser per login this one only proves that browsers
		// start; a new one answers for it.
		if g != nil {
			p.retire(g)
		}
		var err error
		if g, err = p.start(ctx, nil); err != nil {
			p.mu.Unlock()
			return err
		}
		p.cur = g
	}
	p.mu.Unlock()
	if g == nil || !g.alive() {
		return errors.New("portals: browser is not running")
	}
	return withDeadlineOf(ctx, g.browserCtx, 0, func(c context.Context) error {
		_, err := chromedp.CallBrowser(c, browser.GetVersion, cdp.Empty{})
		return err
	})
}

// Starts reports how many times a browser was started (the shared one and
// those of logins), for health pages and tests of crash recovery.
func (p *Pool) Starts() int {
	return int(p.starts.Load())
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

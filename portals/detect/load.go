package detect

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// LoadOptions says how to open a page for detection.
type LoadOptions struct {
	// Settle bounds the wait for a page built by script to show its first
	// input; default 5s. Pages with no input at all wait this long.
	Settle time.Duration
	// Load bounds the wait for the page's load event; default 30s.
	Load time.Duration
	// Offline blocks every http and https request: a saved page then shows
	// only what it holds, and never waits on hosts it cannot reach.
	Offline bool
	// NoScripts disables the page's own scripts, for saved pages that
	// were captured without running them.
	NoScripts bool
}

// Target turns a URL or a file name into the URL the browser opens.
func Target(s string) (string, error) {
	if u, err := url.Parse(s); err == nil && (u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "file") {
		return s, nil
	}
	if strings.Contains(s, "://") {
		return "", fmt.Errorf("detect: %q: only http, https and file URLs or a file name", s)
	}
	abs, err := filepath.Abs(s)
	if err != nil {
		return "", err
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String(), nil
}

// Open prepares the tab ctx for Load. Call it once per tab.
func Open(ctx context.Context, opts LoadOptions) error {
	if opts.Offline {
		if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: []*network.BlockPattern{
			{URLPattern: "http://*:*/*", Block: true},
			{URLPattern: "https://*:*/*", Block: true},
		}}); err != nil {
			return fmt.Errorf("detect: block network: %w", err)
		}
	}
	if opts.NoScripts {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			return fmt.Errorf("detect: disable scripts: %w", err)
		}
	}
	return nil
}

// Load opens target (a URL or a file) in the tab ctx, waits until an input
// shows or opts.Settle passes, and detects its fields.
func Load(ctx context.Context, target string, opts LoadOptions) (*Result, error) {
	u, err := Target(target)
	if err != nil {
		return nil, err
	}
	if opts.Settle <= 0 {
		opts.Settle = 5 * time.Second
	}
	if opts.Load <= 0 {
		opts.Load = 30 * time.Second
	}
	// A page whose load event never fires (a frame that hangs) still has
	// its document: read it anyway.
	nctx, cancel := context.WithTimeout(ctx, opts.Load)
	err = chromedp.Do(nctx, chromedp.Navigate(u))
	cancel()
	if err != nil && (ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded)) {
		return nil, fmt.Errorf("detect: open %s: %w", target, err)
	}
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](
		`!!Array.from(document.querySelectorAll("input:not([type=hidden])")).find(e => e.getClientRects().length)`,
		chromedp.WithPollingTimeout(opts.Settle), chromedp.WithPollingInterval(100*time.Millisecond)))
	if err != nil && !errors.Is(err, chromedp.ErrPollingTimeout) {
		return nil, fmt.Errorf("detect: %s: %w", target, err)
	}
	return Detect(ctx)
}

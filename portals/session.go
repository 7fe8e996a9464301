package portals

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
	"github.com/twofetch/twofetch"
)

// savedCookie is the stored form of one cookie; a format of our own so a
// protocol upgrade cannot make sealed sessions unreadable.
type savedCookie struct {
	Name     string  `json:"name"`
	Value    string  `json:"value"`
	Domain   string  `json:"domain"`
	Path     string  `json:"path"`
	Expires  float64 `json:"expires,omitempty"` // seconds since epoch; 0 = session cookie
	Secure   bool    `json:"secure,omitempty"`
	HTTPOnly bool    `json:"http_only,omitempty"`
	SameSite string  `json:"same_site,omitempty"`
}

// resumeSession reports whether the session is signed in to the run's
// portal: with the cookies of the last successful run restored first
// (restore), or as the browser context already is, when an earlier
// product of the same login signed it in.
func (rn *run) resumeSession(restore bool) (bool, error) {
	sess := rn.s.Session
	if sess == nil || !sess.Keep() || rn.job.Secrets == nil {
		return false, nil
	}
	ctx, cancel := mergeContexts(rn.jobCtx, rn.l.ctx, rn.r.SessionTimeout)
	defer cancel()
	if restore {
		if ok, err := rn.restoreCookies(ctx); !ok || err != nil {
			return false, err
		}
	}
	st := &Step{Name: "session check", Navigate: &NavigateStep{URL: sess.URL}}
	if err := rn.step("session/0", st); err != nil {
		return false, err
	}
	want := Cond{Any: []Cond{sess.LoggedIn}}
	if sess.LoggedOut != nil {
		want.Any = append(want.Any, *sess.LoggedOut)
	}
	start := time.Now()
	// A page that shows neither state within the limit is treated as logged
	// out: logging in again is always safe.
	if err := waitCond(ctx, &want); err != nil && rn.jobCtx.Err() != nil {
		return false, rn.jobCtx.Err()
	}
	in, err := evalCond(ctx, &sess.LoggedIn)
	if err != nil {
		return false, nil
	}
	rn.record(StepLog{Path: "session/1", Kind: "wait", Name: "logged in?", Detail: fmt.Sprintf("logged in: %v", in),
		Start: start, Duration: time.Since(start)})
	return in, nil
}

// restoreCookies puts the saved cookies into the browser context and
// reports whether there were any.
func (rn *run) restoreCookies(ctx context.Context) (bool, error) {
	raw, err := rn.job.Secrets.Cookies(ctx)
	if twofetch.IsNotFound(err) || (err == nil && len(raw) == 0) {
		return false, nil
	}
	if err != nil {
		// A vault hiccup costs a login, not the run.
		rn.log.Warn("could not read saved cookies", "error", err)
		return false, nil
	}
	var saved []savedCookie
	if err := json.Unmarshal(raw, &saved); err != nil {
		rn.log.Warn("saved cookies unreadable; logging in", "error", err)
		return false, nil
	}
	params := make([]*network.CookieParam, 0, len(saved))
	now := float64(time.Now().Unix())
	for _, c := range saved {
		if c.Expires != 0 && c.Expires < now {
			continue
		}
		params = append(params, &network.CookieParam{
			Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path, Secure: c.Secure,
			HTTPOnly: c.HTTPOnly, SameSite: network.CookieSameSite(c.SameSite), Expires: cdp.TimeSinceEpoch(c.Expires),
		})
	}
	if len(params) == 0 {
		return false, nil
	}
	if _, err := chromedp.CallBrowser(ctx, storage.SetCookies, storage.SetCookiesParams{Cookies: params, BrowserContextID: rn.l.ctxID}); err != nil {
		return false, err
	}
	return true, nil
}

// keepSession seals the browser context's cookies for the next run.
func (rn *run) keepSession() {
	if !rn.s.Session.Keep() || rn.job.Secrets == nil {
		return
	}
	ctx, cancel := mergeContexts(rn.jobCtx, rn.l.ctx, 10*time.Second)
	defer cancel()
	res, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: rn.l.ctxID})
	if err != nil {
		rn.log.Warn("could not read cookies to keep the session", "error", err)
		return
	}
	out := make([]savedCookie, 0, len(res.Cookies))
	for _, c := range res.Cookies {
		sc := savedCookie{Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path,
			Secure: c.Secure, HTTPOnly: c.HTTPOnly, SameSite: string(c.SameSite)}
		if !c.Session {
			sc.Expires = c.Expires
		}
		out = append(out, sc)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return
	}
	if err := rn.job.Secrets.SaveCookies(ctx, b); err != nil {
		rn.log.Warn("could not save cookies", "error", err)
	}
}

// idleTracker follows the main frame's lifecycle events, so waiting for
// network idle is waiting for an event rather than for time to pass.
type idleTracker struct {
	mu   sync.Mutex
	idle bool
	ch   chan struct{}
}

func trackIdle(job, tab context.Context) (*idleTracker, error) {
	t := &idleTracker{idle: true, ch: make(chan struct{})}
	c := chromedp.FromContext(tab)
	if c == nil || c.Target == nil {
		return nil, fmt.Errorf("tab not attached")
	}
	frame := cdp.FrameID(c.Target.TargetID)
	events := chromedp.Events(tab, page.LifecycleEvent)
	err := withDeadlineOf(job, tab, 10*time.Second, func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, page.SetLifecycleEventsEnabled, page.SetLifecycleEventsEnabledParams{Enabled: true})
		return err
	})
	if err != nil {
		return nil, err
	}
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			if ev.FrameID != frame {
				continue
			}
			t.mu.Lock()
			switch ev.Name {
			case "init":
				t.idle = false
			case "networkIdle":
				if !t.idle {
					t.idle = true
					close(t.ch)
					t.ch = make(chan struct{})
				}
			}
			t.mu.Unlock()
		}
	}()
	return t, nil
}

func (t *idleTracker) wait(ctx context.Context) error {
	for {
		t.mu.Lock()
		idle, ch := t.idle, t.ch
		t.mu.Unlock()
		if idle {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// maskJS empties password fields and the fields secrets were typed into
// before anything of the page is captured.
const maskJS = `((sels) => {
	const clear = (e) => { if ('value' in e) e.value = ''; e.removeAttribute('value'); };
	document.querySelectorAll('input[type=password]').forEach(clear);
	for (const s of sels || []) { try { document.querySelectorAll(s).forEach(clear); } catch (e) {} }
	return true;
})`

// saveArtifacts writes what support needs to see why a run failed. Secrets
// are masked in the page before capture and redacted from the text after.
func (rn *run) saveArtifacts(dir string) string {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		rn.log.Warn("could not create artifact directory", "error", err)
		return ""
	}
	var log strings.Builder
	for _, s := range rn.stepLog() {
		log.WriteString(s.String())
		log.WriteByte('\n')
	}
	if rn.l != nil && rn.l.gen.alive() {
		ctx, cancel := mergeContexts(context.Background(), rn.l.ctx, 10*time.Second)
		defer cancel()
		var fields []string
		if rn.typed != nil {
			_, fields = rn.typed.list()
		}
		sels, _ := json.Marshal(fields)
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](maskJS+"("+string(sels)+")"))
		if err == nil {
			if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
				_ = os.WriteFile(filepath.Join(dir, "screenshot.png"), png, 0o600)
			}
			if html, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.outerHTML")); err == nil {
				_ = os.WriteFile(filepath.Join(dir, "page.html"), []byte(rn.redact(html)), 0o600)
			}
			if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
				fmt.Fprintf(&log, "page: %s\n", rn.redact(loc))
			}
		} else {
			fmt.Fprintf(&log, "page not captured: %v\n", err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "steps.log"), []byte(rn.redact(log.String())), 0o600); err != nil {
		rn.log.Warn("could not write step log", "error", err)
	}
	return dir
}

package portals

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

//go:embed checkpage/check.html
var checkPage []byte

// CheckHandler serves the browser check page. It tells the page the
// identity it should find (nil: none) and echoes request headers, so the
// page compares what the server receives with what scripts see. detectors
// is an optional script defining window.twofetchDetectors (the tests build
// one from BotD and fpscanner).
func CheckHandler(id *Identity, detectors []byte) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		// Ask for the high-entropy client hints, as portals' bot managers do.
		w.Header().Set("Accept-CH", "Sec-CH-UA-Full-Version-List, Sec-CH-UA-Platform-Version, Sec-CH-UA-Arch, Sec-CH-UA-Bitness, Sec-CH-UA-Model")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(checkPage)
	})
	mux.HandleFunc("GET /expect.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		if id == nil {
			w.Write([]byte("window.twofetchExpect = {};\n"))
			return
		}
		b, _ := json.Marshal(map[string]any{
			"userAgent": id.UserAgent, "languages": id.Languages, "acceptLanguage": id.AcceptLanguage(),
			"timeZone": id.TimeZone, "screen": []int{id.ScreenWidth, id.ScreenHeight},
			"window": []int{id.WindowWidth, id.WindowHeight}, "deviceScaleFactor": id.DeviceScaleFactor,
		})
		fmt.Fprintf(w, "window.twofetchExpect = %s;\n", b)
	})
	mux.HandleFunc("GET /detectors.js", func(w http.ResponseWriter, r *http.Request) {
		if detectors == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/javascript")
		w.Write(detectors)
	})
	mux.HandleFunc("GET /headers", func(w http.ResponseWriter, r *http.Request) {
		h := map[string]string{}
		for k := range r.Header {
			h[k] = r.Header.Get(k)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(h)
	})
	return mux
}

// CheckResult is what the check page reports (window.twofetchCheck).
type CheckResult map[string]any

// OK reports whether the page found no problem.
func (c CheckResult) OK() bool { ok, _ := c["ok"].(bool); return ok }

// CheckJob opens pageURL in a browser set up exactly as a worker sets up a
// job for the login (identity, profile, egress proxy admitting only the
// page's host), types into #probe and clicks #probe-button the way runs do
// when the page has them, and returns window.twofetchCheck. An empty
// pageURL serves the check page on loopback, told the login's identity;
// detectors is served with it (see CheckHandler).
func (r *Runner) CheckJob(ctx context.Context, job *Job, pageURL string, detectors []byte) (CheckResult, error) {
	// The check page is served on a loopback port of its own, but the
	// browser asks for http://localhost/ (a secure context, and one origin
	// on every run, so its storage persists) and the job's proxy maps it.
	own := pageURL == ""
	if own {
		pageURL = "http://localhost/"
	}
	u, err := url.Parse(pageURL)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("check URL %q: want an absolute URL", pageURL)
	}
	s := &Script{ID: "browser-check", Name: "Browser check", Hosts: []string{u.Hostname()}}
	ctx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	rn := &run{r: r, job: job, s: s, res: &Result{}, jobCtx: ctx, abort: abort, saved: map[string]bool{}, fresh: map[string]bool{},
		vars: &vars{v: map[string]any{}}, log: job.Logger, typed: &typedValues{}}
	if rn.log == nil {
		rn.log = slog.New(slog.DiscardHandler)
	}
	dir, err := os.MkdirTemp("", "twofetch-dl-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := rn.prepareLogin(); err != nil {
		return nil, err
	}
	// The check page's own marks are worth keeping: the next check shows
	// whether the profile came back.
	rn.signedIn = true
	if own {
		served, stop, err := ServeCheck(rn.login.setup.identity, detectors)
		if err != nil {
			return nil, err
		}
		defer stop()
		rn.login.egress.rules = append([]resolveRule{{pattern: "localhost", target: strings.TrimSuffix(strings.TrimPrefix(served, "http://"), "/")}}, rn.login.egress.rules...)
	}
	l, err := r.pool.acquire(ctx, dir, rn.login.setup)
	if err != nil {
		return nil, err
	}
	rn.l = l
	defer l.done() // after finishLogin sealed the profile
	defer rn.finishLogin()
	defer l.release()
	c, cancel := mergeContexts(ctx, l.ctx, 0)
	defer cancel()
	if err := chromedp.Do(c, chromedp.Navigate(pageURL)); err != nil {
		return nil, err
	}
	probe, _ := evalCond(c, &Cond{Selector: "#probe"})
	if probe {
		if err := rn.ptr.click(c, "#probe"); err != nil {
			return nil, err
		}
		if err := typeText(c, "twofetch", r.TypingGap[0], r.TypingGap[1]); err != nil {
			return nil, err
		}
		if err := rn.ptr.click(c, "#probe-button"); err != nil {
			return nil, err
		}
	}
	var res CheckResult
	for {
		res, err = chromedp.Run(c, chromedp.Evaluate[CheckResult]("window.twofetchCheck || null"))
		if err != nil && !errors.Is(err, chromedp.ErrJSNull) {
			return nil, err
		}
		if res != nil {
			break
		}
		select {
		case <-c.Done():
			return nil, fmt.Errorf("the page did not set window.twofetchCheck: %w", context.Cause(c))
		case <-time.After(100 * time.Millisecond):
		}
	}
	if u := rn.blockedURL(); u != "" {
		return res, fmt.Errorf("the page requested %s, outside %s", u, s.Hosts[0])
	}
	return res, nil
}

// ServeCheck starts the check page on a loopback port and returns its URL.
func ServeCheck(id *Identity, detectors []byte) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: CheckHandler(id, detectors), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/", func() { srv.Close() }, nil
}

package portals

import (
	"context"
	"fmt"
	"mime"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	cdpio "github.com/chromedp/cdproto/io"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// proxyCreds are the credentials of the jobs' egress proxies by the
// host:port the browser reaches them at. A browser cannot be given proxy
// credentials on its command line; it asks when the proxy answers 407, and
// the pool answers from here.
type proxyCreds struct {
	mu sync.Mutex
	m  map[string][2]string
}

func (c *proxyCreds) set(addr, user, password string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string][2]string{}
	}
	c.m[addr] = [2]string{user, password}
}

func (c *proxyCreds) remove(addr string) {
	c.mu.Lock()
	delete(c.m, addr)
	c.mu.Unlock()
}

func (c *proxyCreds) lookup(origin string) (string, string, bool) {
	addr := origin
	if u, err := url.Parse(origin); err == nil && u.Host != "" {
		addr = u.Host
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[addr]
	return v[0], v[1], ok
}

// interceptRequests makes the browser of g ask the pool for proxy
// credentials. Fetch is enabled on the browser's own session, which covers
// every tab, frame, worker and download of every browser context, and which
// pages cannot see. Fetch hands over every request to answer its auth
// challenges, so each paused request is let go unchanged at once.
//
// A remote browser also pauses documents at their response, so a file a
// click downloads is streamed to the worker (see downloadCaptures) instead
// of being written on the browser's machine.
func (p *Pool) interceptRequests(ctx context.Context, g *generation) error {
	bctx := g.browserCtx
	remote := p.cfg.RemoteURL != ""
	if err := chromedp.ListenBrowser(bctx, func(ev any) {
		switch ev := ev.(type) {
		case *fetch.EventRequestPaused:
			if remote && ev.ResponseStatusCode != 0 {
				if c := p.downloads.claim(ev); c != nil {
					go c.stream(bctx, ev)
					return
				}
			}
			go chromedp.CallBrowser(bctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		case *fetch.EventAuthRequired:
			// Default leaves a challenge to the next client of the browser
			// (a remote browser may serve several workers) or, with none,
			// fails the request as it would without credentials.
			res := &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseDefault}
			if ev.AuthChallenge != nil && ev.AuthChallenge.Source == fetch.AuthChallengeSourceProxy {
				if user, pw, ok := p.creds.lookup(ev.AuthChallenge.Origin); ok {
					res = &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseProvideCredentials, Username: user, Password: pw}
				}
			}
			go chromedp.CallBrowser(bctx, fetch.ContinueWithAuth, fetch.ContinueWithAuthParams{RequestID: ev.RequestID, AuthChallengeResponse: res})
		}
	}); err != nil {
		return err
	}
	params := fetch.EnableParams{HandleAuthRequests: new(true)}
	if remote {
		params.Patterns = []*fetch.RequestPattern{
			{URLPattern: "*", RequestStage: fetch.RequestStageRequest},
			{URLPattern: "*", ResourceType: network.ResourceTypeDocument, RequestStage: fetch.RequestStageResponse},
		}
	}
	return withDeadlineOf(ctx, bctx, 0, func(c context.Context) error {
		_, err := chromedp.CallBrowser(c, fetch.Enable, params)
		return err
	})
}

// downloadCaptures are the click downloads jobs on a remote browser wait
// for, by the frame (a tab's main frame id is its target id) that starts
// them.
type downloadCaptures struct {
	mu sync.Mutex
	m  map[cdp.FrameID]*capture
}

// capture is one awaited download: the first document response of the
// frame that is a file rather than a page.
type capture struct {
	max  int
	done chan capturedFile
}

type capturedFile struct {
	data []byte
	err  error
}

// expect arms a capture for frame until the returned func is called.
func (d *downloadCaptures) expect(frame cdp.FrameID, max int) (*capture, func()) {
	c := &capture{max: max, done: make(chan capturedFile, 1)}
	d.mu.Lock()
	if d.m == nil {
		d.m = map[cdp.FrameID]*capture{}
	}
	d.m[frame] = c
	d.mu.Unlock()
	return c, func() {
		d.mu.Lock()
		if d.m[frame] == c {
			delete(d.m, frame)
		}
		d.mu.Unlock()
	}
}

// claim returns the capture a paused response answers, taking it, or nil.
func (d *downloadCaptures) claim(ev *fetch.EventRequestPaused) *capture {
	if ev.ResponseStatusCode < 200 || ev.ResponseStatusCode > 299 || !isFileResponse(ev.ResponseHeaders) {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.m[ev.FrameID]
	if c != nil {
		delete(d.m, ev.FrameID)
	}
	return c
}

// isFileResponse tells a file the browser would save from a page it would
// show: an attachment, or a type other than HTML. A PDF shown inline is a
// file too: the step asked for a download.
func isFileResponse(headers []*fetch.HeaderEntry) bool {
	ct := ""
	for _, h := range headers {
		switch strings.ToLower(h.Name) {
		case "content-disposition":
			if strings.HasPrefix(strings.ToLower(strings.TrimSpace(h.Value)), "attachment") {
				return true
			}
		case "content-type":
			ct = h.Value
		}
	}
	mt, _, _ := mime.ParseMediaType(ct)
	return mt != "" && mt != "text/html" && mt != "application/xhtml+xml"
}

// stream reads the paused response's body through DevTools' IO domain and
// then fails the request, so the browser never saves the file itself.
func (c *capture) stream(bctx context.Context, ev *fetch.EventRequestPaused) {
	var f capturedFile
	f.data, f.err = readResponse(bctx, ev.RequestID, c.max)
	chromedp.CallBrowser(bctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonAborted})
	c.done <- f
}

func readResponse(bctx context.Context, id fetch.RequestID, max int) ([]byte, error) {
	ctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	defer cancel()
	s, err := chromedp.CallBrowser(ctx, fetch.TakeResponseBodyAsStream, fetch.TakeResponseBodyAsStreamParams{RequestID: id})
	if err != nil {
		return nil, fmt.Errorf("download stream: %w", err)
	}
	defer chromedp.CallBrowser(ctx, cdpio.Close, cdpio.CloseParams{Handle: s.Stream})
	var data []byte
	for {
		chunk, err := chromedp.CallBrowser(ctx, cdpio.Read, cdpio.ReadParams{Handle: s.Stream, Size: 1 << 20})
		if err != nil {
			return nil, fmt.Errorf("download stream: %w", err)
		}
		// cdproto decodes base64 chunks itself.
		data = append(data, chunk.Data...)
		if max > 0 && len(data) > max {
			return nil, fmt.Errorf("document larger than %d bytes", max)
		}
		if chunk.EOF {
			return data, nil
		}
	}
}

package portals

import (
	"context"
	"net/url"
	"sync"

	"github.com/chromedp/cdproto/fetch"
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

// answerProxyAuth makes the browser of g ask the pool for proxy
// credentials. Fetch is enabled on the browser's own session, which covers
// every tab, frame, worker and download of every browser context, and which
// pages cannot see. Fetch hands over every request to answer its auth
// challenges, so each paused request is let go unchanged at once.
func (p *Pool) answerProxyAuth(ctx context.Context, g *generation) error {
	bctx := g.browserCtx
	if err := chromedp.ListenBrowser(bctx, func(ev any) {
		switch ev := ev.(type) {
		case *fetch.EventRequestPaused:
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
	return withDeadlineOf(ctx, bctx, 0, func(c context.Context) error {
		_, err := chromedp.CallBrowser(c, fetch.Enable, fetch.EnableParams{HandleAuthRequests: new(true)})
		return err
	})
}

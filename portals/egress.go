package portals

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// egress is one job's proxy. The job's browser sends all its traffic here
// (pages, frames, workers, downloads), and it lets through only requests to
// the hosts the script lists, chained to the login's own proxy when it has
// one. A request to any other host is refused and reported, so a script
// (or a page) cannot carry a password or a session elsewhere.
type egress struct {
	ln       net.Listener
	srv      *http.Server
	allow    []string
	upstream *url.URL
	rules    []resolveRule
	log      *slog.Logger
	onBlock  func(target string)
	dialer   net.Dialer
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	closed   bool
	allowAll bool
	// user and password are the job's proxy credentials, random per job
	// and given only to its browser: the proxy listens on loopback, where
	// any local process could otherwise borrow it.
	user, password string
}

// egressConfig configures a job's proxy.
type egressConfig struct {
	// Allow are host names, or "*.example.com" for every name under it.
	Allow []string
	// AllowAll admits every host, for tools that read any page.
	AllowAll bool
	// Upstream is the login's proxy: http://, https:// or socks5://, with
	// user:password when it needs them; empty connects directly.
	Upstream string
	// Resolve are Chromium-style host-resolver rules ("MAP host
	// target", "MAP * ~NOTFOUND", "EXCLUDE host"), applied when the proxy
	// connects directly: with every request through the proxy, the
	// browser resolves nothing itself.
	Resolve []string
	Logger  *slog.Logger
	// OnBlock is called with the URL (or host:port of a tunnel) of every
	// refused request.
	OnBlock func(target string)
	// ListenIP is the address the proxy listens on and the browser reaches
	// it at; default 127.0.0.1 (see PoolConfig.EgressAddr).
	ListenIP string
}

// ParseProxyURL checks a proxy URL as operators give it.
func ParseProxyURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("proxy URL: %w", err)
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return nil, fmt.Errorf("proxy URL: want http://, https:// or socks5://, got %q", u.Scheme)
	}
	if u.Hostname() == "" || u.Port() == "" {
		return nil, errors.New("proxy URL: want HOST:PORT")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, errors.New("proxy URL: want no path or query")
	}
	return u, nil
}

func startEgress(cfg egressConfig) (*egress, error) {
	e := &egress{allow: cfg.Allow, allowAll: cfg.AllowAll, log: cfg.Logger, onBlock: cfg.OnBlock, conns: map[net.Conn]struct{}{},
		dialer: net.Dialer{Timeout: 20 * time.Second, KeepAlive: 30 * time.Second}}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Upstream != "" {
		u, err := ParseProxyURL(cfg.Upstream)
		if err != nil {
			return nil, err
		}
		e.upstream = u
	}
	for _, r := range cfg.Resolve {
		rules, err := parseResolveRules(r)
		if err != nil {
			return nil, err
		}
		e.rules = append(e.rules, rules...)
	}
	e.user, e.password = "job-"+randomHex(6), randomHex(24)
	ip := cmp.Or(cfg.ListenIP, "127.0.0.1")
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return nil, fmt.Errorf("portals: egress proxy: %w", err)
	}
	e.ln = ln
	e.srv = &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil}
	go e.srv.Serve(ln)
	return e, nil
}

// URL is the address the browser is told to use as its proxy. Chromium
// takes no credentials in --proxy-server; it is given them when the proxy
// asks (see proxyAuth).
func (e *egress) URL() string { return "http://" + e.ln.Addr().String() }

// Addr is the proxy's host:port, which a browser's proxy challenge names.
func (e *egress) Addr() string { return e.ln.Addr().String() }

// authorized reports whether r carries the job's credentials.
func (e *egress) authorized(r *http.Request) bool {
	user, pw, ok := parseBasic(r.Header.Get("Proxy-Authorization"))
	// Both compared whatever the first gives: no early answer to time.
	u := subtle.ConstantTimeCompare([]byte(user), []byte(e.user))
	p := subtle.ConstantTimeCompare([]byte(pw), []byte(e.password))
	return ok && u&p == 1
}

func parseBasic(h string) (user, password string, ok bool) {
	scheme, enc, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(b), ":")
}

// Close stops the proxy and every tunnel through it.
func (e *egress) Close() {
	e.mu.Lock()
	e.closed = true
	for c := range e.conns {
		c.Close()
	}
	e.mu.Unlock()
	e.srv.Close()
}

func (e *egress) track(c net.Conn) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	e.conns[c] = struct{}{}
	return true
}

func (e *egress) untrack(c net.Conn) {
	e.mu.Lock()
	delete(e.conns, c)
	e.mu.Unlock()
	c.Close()
}

// allowed reports whether host is one the script lists.
func (e *egress) allowed(host string) bool {
	if e.allowAll {
		return true
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, a := range e.allow {
		a = strings.ToLower(a)
		if a == host {
			return true
		}
		if rest, ok := strings.CutPrefix(a, "*."); ok && strings.HasSuffix(host, "."+rest) {
			return true
		}
	}
	return false
}

func (e *egress) block(w http.ResponseWriter, target, host string) {
	// The URL may carry what a script tried to smuggle out: the run
	// reports it redacted; the log names only the host.
	if browserService(host) {
		e.log.Debug("blocked a browser service", "host", host)
	} else {
		e.log.Warn("blocked a request to a host the script does not list", "host", host)
		if e.onBlock != nil {
			e.onBlock(target)
		}
	}
	http.Error(w, "twofetch: host not allowed for this portal", http.StatusForbidden)
}

func (e *egress) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !e.authorized(r) {
		// A browser asks without credentials first and answers the
		// challenge; anything else asking is not the job's browser.
		if r.Header.Get("Proxy-Authorization") != "" {
			e.log.Warn("egress proxy: refused wrong credentials", "from", r.RemoteAddr)
		}
		w.Header().Set("Proxy-Authenticate", `Basic realm="twofetch job"`)
		http.Error(w, "twofetch: proxy credentials required", http.StatusProxyAuthRequired)
		return
	}
	if r.Method == http.MethodConnect {
		e.tunnel(w, r)
		return
	}
	if !r.URL.IsAbs() || r.URL.Scheme != "http" {
		http.Error(w, "twofetch: not a proxy request", http.StatusBadRequest)
		return
	}
	target := r.URL.String()
	if !e.allowed(r.URL.Hostname()) {
		e.block(w, target, r.URL.Hostname())
		return
	}
	// Plain HTTP is relayed over a tunnel of its own, through the same
	// dialling as HTTPS, so the upstream proxy sees it too.
	port := r.URL.Port()
	if port == "" {
		port = "80"
	}
	conn, err := e.dial(r.Context(), net.JoinHostPort(r.URL.Hostname(), port))
	if err != nil {
		http.Error(w, "twofetch: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer conn.Close()
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.Header.Del("Proxy-Connection")
	out.Header.Del("Proxy-Authorization")
	out.Close = true
	if err := out.Write(conn); err != nil {
		http.Error(w, "twofetch: "+err.Error(), http.StatusBadGateway)
		return
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), out)
	if err != nil {
		http.Error(w, "twofetch: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

func (e *egress) tunnel(w http.ResponseWriter, r *http.Request) {
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		http.Error(w, "twofetch: bad CONNECT target", http.StatusBadRequest)
		return
	}
	target := "https://" + host + "/"
	if port != "443" {
		target = "https://" + r.Host + "/"
	}
	if !e.allowed(host) {
		e.block(w, target, host)
		return
	}
	up, err := e.dial(r.Context(), r.Host)
	if err != nil {
		e.log.Debug("egress dial failed", "host", r.Host, "error", err)
		http.Error(w, "twofetch: could not connect", http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		up.Close()
		http.Error(w, "twofetch: cannot tunnel", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
	down, rw, err := hj.Hijack()
	if err != nil {
		up.Close()
		return
	}
	if !e.track(down) || !e.track(up) {
		down.Close()
		up.Close()
		return
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		// Bytes the client sent after the CONNECT are in rw's buffer.
		if n := rw.Reader.Buffered(); n > 0 {
			b, _ := rw.Reader.Peek(n)
			up.Write(b)
		}
		io.Copy(up, down)
		closeWrite(up)
	})
	io.Copy(down, up)
	closeWrite(down)
	wg.Wait()
	e.untrack(up)
	e.untrack(down)
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		tc.CloseWrite()
	} else {
		c.Close()
	}
}

// dial connects to addr (host:port) through the upstream proxy, or
// directly after the resolver rules.
func (e *egress) dial(ctx context.Context, addr string) (net.Conn, error) {
	if e.upstream == nil {
		mapped, err := e.resolve(addr)
		if err != nil {
			return nil, err
		}
		return e.dialer.DialContext(ctx, "tcp", mapped)
	}
	proxyAddr := e.upstream.Host
	conn, err := e.dialer.DialContext(ctx, "tcp", proxyAddr)
	if err != nil {
		return nil, fmt.Errorf("proxy %s: %w", e.upstream.Redacted(), err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	} else {
		conn.SetDeadline(time.Now().Add(30 * time.Second))
	}
	switch e.upstream.Scheme {
	case "socks5", "socks5h":
		err = socks5Connect(conn, e.upstream.User, addr)
	default:
		err = httpConnect(conn, e.upstream, addr)
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("proxy %s: %w", e.upstream.Redacted(), err)
	}
	conn.SetDeadline(time.Time{})
	return conn, nil
}

func httpConnect(conn net.Conn, u *url.URL, addr string) error {
	req := "CONNECT " + addr + " HTTP/1.1\r\nHost: " + addr + "\r\n"
	if u.User != nil {
		pw, _ := u.User.Password()
		req += "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pw)) + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		return err
	}
	// Read the answer's head byte by byte: a 200 to CONNECT has no body,
	// and whatever follows it belongs to the tunnel.
	var head []byte
	var b [1]byte
	for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
		if len(head) > 16<<10 {
			return errors.New("proxy answer too long")
		}
		if _, err := io.ReadFull(conn, b[:]); err != nil {
			return err
		}
		head = append(head, b[0])
	}
	status, _, _ := strings.Cut(string(head), "\r\n")
	if f := strings.Fields(status); len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/1.") || f[1] != "200" {
		return fmt.Errorf("CONNECT %s: %s", addr, status)
	}
	return nil
}

// socks5Connect speaks RFC 1928 (with RFC 1929 user/password when given);
// the host name goes to the proxy unresolved, as Chromium sends it.
func socks5Connect(conn net.Conn, user *url.Userinfo, addr string) error {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || len(host) > 255 {
		return fmt.Errorf("bad address %q", addr)
	}
	methods := []byte{5, 1, 0}
	if user != nil {
		methods = []byte{5, 1, 2}
	}
	if _, err := conn.Write(methods); err != nil {
		return err
	}
	var rep [2]byte
	if _, err := io.ReadFull(conn, rep[:]); err != nil {
		return err
	}
	if rep[0] != 5 || rep[1] != methods[2] {
		return errors.New("SOCKS5 proxy refused the authentication method")
	}
	if user != nil {
		pw, _ := user.Password()
		name := user.Username()
		if len(name) > 255 || len(pw) > 255 {
			return errors.New("SOCKS5 credentials too long")
		}
		msg := append([]byte{1, byte(len(name))}, name...)
		msg = append(append(msg, byte(len(pw))), pw...)
		if _, err := conn.Write(msg); err != nil {
			return err
		}
		if _, err := io.ReadFull(conn, rep[:]); err != nil {
			return err
		}
		if rep[1] != 0 {
			return errors.New("SOCKS5 proxy refused the credentials")
		}
	}
	req := []byte{5, 1, 0}
	if ip := net.ParseIP(host); ip != nil && ip.To4() != nil {
		req = append(append(req, 1), ip.To4()...)
	} else if ip != nil {
		req = append(append(req, 4), ip.To16()...)
	} else {
		req = append(append(req, 3, byte(len(host))), host...)
	}
	req = binary.BigEndian.AppendUint16(req, uint16(port))
	if _, err := conn.Write(req); err != nil {
		return err
	}
	var head [4]byte
	if _, err := io.ReadFull(conn, head[:]); err != nil {
		return err
	}
	if head[1] != 0 {
		return fmt.Errorf("SOCKS5 proxy could not connect (reply %d)", head[1])
	}
	skip := 0
	switch head[3] {
	case 1:
		skip = 4
	case 4:
		skip = 16
	case 3:
		var n [1]byte
		if _, err := io.ReadFull(conn, n[:]); err != nil {
			return err
		}
		skip = int(n[0])
	default:
		return errors.New("SOCKS5 proxy sent a bad reply")
	}
	_, err = io.ReadFull(conn, make([]byte, skip+2))
	return err
}

// browserServices are the hosts Chromium itself calls (component and
// time updates, autofill predictions, account sign-in probes): blocked like
// every host a script does not list, but no sign that the portal changed.
var browserServices = []string{"update.googleapis.com", "clients1.google.com", "clients2.google.com",
	"clientservices.googleapis.com", "content-autofill.googleapis.com", "accounts.google.com",
	"optimizationguide-pa.googleapis.com", "safebrowsing.googleapis.com", "redirector.gvt1.com",
	"edgedl.me.gvt1.com", "android.clients.google.com", "passwordsleakcheck-pa.googleapis.com"}

func browserService(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, h := range browserServices {
		if host == h {
			return true
		}
	}
	return false
}

// resolveRule is one rule of Chromium's --host-resolver-rules.
type resolveRule struct {
	pattern string
	target  string // "" for EXCLUDE; "~NOTFOUND" refuses
}

// parseResolveRules reads a --host-resolver-rules flag (or its value).
func parseResolveRules(s string) ([]resolveRule, error) {
	s = strings.TrimPrefix(strings.TrimLeft(s, "-"), "host-resolver-rules=")
	var out []resolveRule
	for part := range strings.SplitSeq(s, ",") {
		f := strings.Fields(part)
		switch {
		case len(f) == 0:
		case len(f) == 3 && strings.EqualFold(f[0], "MAP"):
			out = append(out, resolveRule{pattern: strings.ToLower(f[1]), target: f[2]})
		case len(f) == 2 && strings.EqualFold(f[0], "EXCLUDE"):
			out = append(out, resolveRule{pattern: strings.ToLower(f[1])})
		default:
			return nil, fmt.Errorf("portals: host resolver rule %q", part)
		}
	}
	return out, nil
}

// resolve applies the rules to host:port; without a matching rule the
// address is dialled as it is.
func (e *egress) resolve(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	host = strings.ToLower(host)
	if net.ParseIP(host) != nil {
		// Chromium's rules never apply to address literals either.
		return addr, nil
	}
	// As in Chromium, an EXCLUDE wins over every MAP.
	for _, r := range e.rules {
		if ok, _ := path.Match(r.pattern, host); ok && r.target == "" {
			return addr, nil
		}
	}
	for _, r := range e.rules {
		if ok, _ := path.Match(r.pattern, host); !ok || r.target == "" {
			continue
		}
		switch {
		case r.target == "~NOTFOUND":
			return "", fmt.Errorf("%s: no such host", host)
		}
		if _, _, err := net.SplitHostPort(r.target); err == nil {
			return r.target, nil
		}
		return net.JoinHostPort(r.target, port), nil
	}
	return addr, nil
}

// resolverFlags picks the host-resolver rules out of extra Chromium flags:
// with every request going through the job's proxy, the proxy applies them.
func resolverFlags(flags []string) []string {
	var out []string
	for _, f := range flags {
		if strings.HasPrefix(strings.TrimLeft(f, "-"), "host-resolver-rules=") {
			out = append(out, f)
		}
	}
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Package replica serves local replicas of the portals twofetch has scripts
// for: one HTTPS server on loopback answers for every portal's real host
// names, so the scripts run unchanged in a Chrome whose host resolver points
// those names here. Each replica follows its portal's login, 2FA and billing
// pages as publicly known and can misbehave on demand (see Mode).
package replica

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options configure Start.
type Options struct {
	// Portals limits the server to these replica ids. If empty, every
	// replica is served.
	Portals []string
	// Now is the clock the 2FA checks use. If nil, time.Now.
	Now func() time.Time
	// Logger receives one line per request at debug level. If nil, nothing
	// is logged.
	Logger *slog.Logger
}

// Server is the running HTTPS server of the replicas.
type Server struct {
	addr    string
	ca      *testCA
	srv     *http.Server
	portals map[string]*Portal
	byHost  map[string]*Portal
	mux     *http.ServeMux
	hosts   []string
	log     *slog.Logger
}

// Start listens on 127.0.0.1:0 with a freshly generated CA and serves the
// replicas until Close.
func Start(opts Options) (*Server, error) {
	ids := opts.Portals
	if len(ids) == 0 {
		ids = IDs()
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{portals: map[string]*Portal{}, byHost: map[string]*Portal{}, mux: http.NewServeMux(), log: log}
	// What the replicas of this server share through their routes (the
	// Atlassian sign-in of Atlassian and Bitbucket).
	var common sync.Map
	claim := func(h string, p *Portal) error {
		if other, dup := s.byHost[h]; dup {
			return fmt.Errorf("replica: host %s claimed by %s and %s", h, other.spec.ID, p.spec.ID)
		}
		s.byHost[h] = p
		s.hosts = append(s.hosts, h)
		return nil
	}
	// A portal served by another's replica, or signing in on another's
	// pages, brings that replica along.
	for _, id := range slices.Clone(ids) {
		sp, ok := specByID(id)
		if !ok {
			continue
		}
		for _, need := range append([]string{sp.Of}, sp.With...) {
			if need != "" && !slices.Contains(ids, need) {
				ids = append(ids, need)
			}
		}
	}
	var aliases []*spec
	var fams []*family
	for _, id := range ids {
		sp, ok := specByID(id)
		if !ok {
			return nil, fmt.Errorf("replica: no replica %q (have %s)", id, strings.Join(IDs(), ", "))
		}
		if sp.Of != "" {
			aliases = append(aliases, sp)
			continue
		}
		var fam *family
		if sp.Family != "" {
			i := slices.IndexFunc(fams, func(f *family) bool { return f.spec.Name == sp.Family })
			if i < 0 {
				fams = append(fams, &family{spec: families[sp.Family], id: newIdentity()})
				i = len(fams) - 1
			}
			fam = fams[i]
		}
		var shared *identity
		if fam != nil {
			shared = fam.id
		}
		p := newPortal(sp, now, shared)
		if fam != nil {
			fam.portals = append(fam.portals, p)
		}
		s.portals[id] = p
		for _, h := range sp.ownHosts() {
			if err := claim(h, p); err != nil {
				return nil, err
			}
		}
		p.routes(s.mux, &common)
	}
	for _, sp := range aliases {
		s.portals[sp.ID] = s.portals[sp.Of]
	}
	// A family's sign-in is served once, whichever of its portals are
	// served; its hosts answer with the first portal's delay and outage
	// modes.
	for _, f := range fams {
		for _, h := range f.spec.Hosts {
			if err := claim(h, f.portals[0]); err != nil {
				return nil, err
			}
		}
		f.spec.Pages(f, &Routes{p: f.portals[0], mux: s.mux, seen: map[string]bool{}, shared: &common})
	}
	slices.Sort(s.hosts)
	ca, err := newTestCA(s.hosts)
	if err != nil {
		return nil, err
	}
	s.ca = ca
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("replica: listen: %w", err)
	}
	s.addr = l.Addr().String()
	s.srv = &http.Server{
		Handler:           s,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{ca.leaf}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	go func() {
		if err := s.srv.ServeTLS(l, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("replica server stopped", "err", err)
		}
	}()
	return s, nil
}

// ServeHTTP picks the portal by Host header, applies its delay and outage
// modes, then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	p, ok := s.byHost[host]
	if !ok {
		http.Error(w, "no replica serves "+host, http.StatusMisdirectedRequest)
		return
	}
	s.log.Debug("replica request", "portal", p.spec.ID, "method", r.Method, "host", host, "path", r.URL.Path)
	p.mu.Lock()
	delay, mode := p.delay, p.mode
	p.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			// Returning would send an empty 200 that a racing client
			// could still read; a slow portal that was given up on
			// never answered.
			panic(http.ErrAbortHandler)
		}
	}
	if p.spec.Refuse != nil && p.spec.Refuse(w, r, mode) {
		return
	}
	for _, refusal := range refusals {
		if mode&refusal.mode != 0 {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			if refusal.status != http.StatusForbidden {
				w.Header().Set("Retry-After", "120")
			}
			w.WriteHeader(refusal.status)
			fmt.Fprintf(w, "<!doctype html><title>%[1]s</title><h1>%[2]d %[1]s</h1><p>%[3]s</p>",
				http.StatusText(refusal.status), refusal.status, fmt.Sprintf(refusal.text, p.spec.Name))
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// refusals are the modes in which a portal answers every request with an
// error page instead of its own.
var refusals = []struct {
	mode   Mode
	status int
	text   string
}{
	{Down, http.StatusServiceUnavailable, "%s is temporarily unavailable. Please try again later."},
	{RateLimited, http.StatusTooManyRequests, "Too many requests to %s. Please wait a few minutes and try again."},
	{Blocked, http.StatusForbidden, "Access denied. Your request to %s was blocked by our security service."},
}

// Addr is the server's loopback address, host:port.
func (s *Server) Addr() string { return s.addr }

// Hosts lists every real host name the server answers for.
func (s *Server) Hosts() []string { return slices.Clone(s.hosts) }

// ChromeFlags returns the command-line flags that make Chrome reach every
// replica by its real host name: the host resolver maps each name to this
// server (the port in the rule is honoured), every other name fails to
// resolve so nothing leaks to the live portals, and the leaf certificate is
// accepted by its public-key hash. The SPKI list is only honoured with a
// user data directory, which chromedp always sets.
func (s *Server) ChromeFlags() []string {
	rules := make([]string, 0, len(s.hosts)+2)
	for _, h := range s.hosts {
		rules = append(rules, "MAP "+h+" "+s.addr)
	}
	rules = append(rules, "MAP * ~NOTFOUND", "EXCLUDE localhost")
	return []string{
		"--host-resolver-rules=" + strings.Join(rules, ", "),
		"--ignore-certificate-errors-spki-list=" + s.ca.leafSPKI,
	}
}

// CertPool returns a pool holding the server's CA, for Go clients.
func (s *Server) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(s.ca.cert)
	return pool
}

// Client returns an HTTP client with its own cookie jar that reaches the
// replicas by their real host names over verified TLS.
func (s *Server) Client() *http.Client {
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Jar: jar,
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: s.CertPool()},
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				host, _, err := net.SplitHostPort(addr)
				if err != nil {
					return nil, err
				}
				if _, ok := s.byHost[host]; !ok {
					return nil, fmt.Errorf("replica client: %s is not a replica host", host)
				}
				return d.DialContext(ctx, network, s.addr)
			},
		},
	}
}

// Portal returns the replica with the id, or nil when the server does not
// serve it.
func (s *Server) Portal(id string) *Portal { return s.portals[id] }

// Close stops the server.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		return s.srv.Close()
	}
	return nil
}

// Package web is twofetch's HTTP front: the JSON API v1 for operators, the
// health endpoints, and the mux on which the customer and support pages are
// mounted. Every response passes through the same middleware (panic
// recovery, request log, security headers), and every error leaves as
// {"error":{"code","message"}} with a code from package twofetch.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/netguard"
)

// Sealer is the part of the vault the API needs: it seals a portal password
// under its record binding and removes an account's secrets. The API never
// opens secrets, so it is given nothing that could.
type Sealer interface {
	Seal(ctx context.Context, ref twofetch.SecretRef, plaintext []byte) error
	Delete(ctx context.Context, ref twofetch.SecretRef) error
}

// PortalCatalog says which portal ids accounts may be created for. The
// registry of portal scripts meets it; tests and embedders may pass a
// PortalList.
type PortalCatalog interface {
	Has(id string) bool
}

// PortalFamilies is met by catalogs that know which portals share a
// sign-in: Amazon.de and Audible.de are both of the family "amazon".
// Without it every portal is its own family.
type PortalFamilies interface {
	// Family names the sign-in the portal uses.
	Family(portal string) string
	// Portals lists the portals of a family.
	Portals(family string) []string
}

// PortalFamilyList is a fixed catalog of portals and their families.
type PortalFamilyList map[string]string

// Has reports whether id is in the list.
func (l PortalFamilyList) Has(id string) bool { _, ok := l[id]; return ok }

// Family is the portal's family.
func (l PortalFamilyList) Family(portal string) string { return l[portal] }

// Portals lists the portals of family, sorted.
func (l PortalFamilyList) Portals(family string) []string {
	var out []string
	for p, f := range l {
		if f == family {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// familyOf is the portal's family in c; a portal is its own family in a
// catalog that knows none.
func familyOf(c PortalCatalog, portal string) string {
	if f, ok := c.(PortalFamilies); ok {
		if fam := f.Family(portal); fam != "" {
			return fam
		}
	}
	return portal
}

// familyPortals lists the portals of family in c.
func familyPortals(c PortalCatalog, family string) []string {
	if f, ok := c.(PortalFamilies); ok {
		return f.Portals(family)
	}
	if c.Has(family) {
		return []string{family}
	}
	return nil
}

// PortalList is a fixed PortalCatalog.
type PortalList []string

// Has reports whether id is in the list.
func (l PortalList) Has(id string) bool {
	for _, p := range l {
		if p == id {
			return true
		}
	}
	return false
}

// Checker is one dependency /readyz asks: it is ready when Check returns nil.
type Checker struct {
	Name  string
	Check func(ctx context.Context) error
}

// Config configures a Server.
type Config struct {
	Store   twofetch.Store
	Vault   Sealer
	Portals PortalCatalog
	// Logger receives the request log and internal errors. Default: discard.
	Logger *slog.Logger
	// Checks are what /readyz asks; with none, /readyz is 200 as soon as the
	// server serves.
	Checks []Checker
	// CheckTimeout bounds each readiness check. Default 3s.
	CheckTimeout time.Duration
	// MaxBodyBytes caps JSON request bodies. Default 64 KiB: API bodies are
	// small, and a cap stops a client from holding memory hostage.
	MaxBodyBytes int64
	// ShutdownTimeout is how long Serve waits for in-flight requests after
	// its context ends before closing connections. Default 15s.
	ShutdownTimeout time.Duration
	// ReadHeaderTimeout cuts off a client that has not sent its request
	// headers by then (slowloris). Default 5s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included, and
	// WriteTimeout writing its response. Routes that move files extend
	// their own deadlines (LongDeadlines). Defaults 30s and 60s.
	ReadTimeout, WriteTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle this long. Default 2m.
	IdleTimeout time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Outbound decides which webhook URLs a tenant may set. Default: public
	// https addresses only.
	Outbound *netguard.Policy
}

// Server is the HTTP server. Build it with New, mount further handlers with
// Handle, HandleAPI and HandleAdmin before serving, then call Serve.
type Server struct {
	cfg Config
	log *slog.Logger
	mux *http.ServeMux
	// routes lists every pattern mounted, because http.ServeMux cannot
	// enumerate its own: the API document's test compares against it.
	patterns []string
}

// New checks cfg and returns a Server with the API and health routes mounted.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("web: Config.Store is required")
	}
	if cfg.Vault == nil {
		return nil, errors.New("web: Config.Vault is required")
	}
	if cfg.Portals == nil {
		return nil, errors.New("web: Config.Portals is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.CheckTimeout <= 0 {
		cfg.CheckTimeout = 3 * time.Second
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 10
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 15 * time.Second
	}
	if cfg.ReadHeaderTimeout <= 0 {
		cfg.ReadHeaderTimeout = 5 * time.Second
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 30 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 60 * time.Second
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 2 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Outbound == nil {
		cfg.Outbound = &netguard.Policy{}
	}
	for _, c := range cfg.Checks {
		if c.Name == "" || c.Check == nil {
			return nil, errors.New("web: every Checker needs a Name and a Check")
		}
	}
	s := &Server{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux()}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	s.Handle("GET /healthz", http.HandlerFunc(s.healthz))
	s.Handle("GET /readyz", http.HandlerFunc(s.readyz))
	s.Handle("GET /api/v1/openapi.json", http.HandlerFunc(serveOpenAPI))

	s.HandleAPI("POST /api/v1/accounts", http.HandlerFunc(s.createAccount))
	s.HandleAPI("GET /api/v1/accounts", http.HandlerFunc(s.listAccounts))
	s.HandleAPI("GET /api/v1/accounts/{id}", http.HandlerFunc(s.getAccount))
	s.HandleAPI("PATCH /api/v1/accounts/{id}", http.HandlerFunc(s.patchAccount))
	s.HandleAPI("DELETE /api/v1/accounts/{id}", http.HandlerFunc(s.deleteAccount))
	s.HandleAPI("GET /api/v1/logins/{id}", http.HandlerFunc(s.getLogin))
	s.HandleAPI("PATCH /api/v1/logins/{id}", http.HandlerFunc(s.patchLogin))
	s.HandleAPI("GET /api/v1/tenant", http.HandlerFunc(s.getTenant))
	s.HandleAPI("PATCH /api/v1/tenant", http.HandlerFunc(s.patchTenant))
	s.HandleAPI("POST /api/v1/tenant/admin-token", http.HandlerFunc(s.rotateAdminToken))
	for _, base := range []string{"/api/v1/tenant/proxy", "/api/v1/logins/{id}/proxy"} {
		s.HandleAPI("GET "+base, http.HandlerFunc(s.getProxy))
		s.HandleAPI("PUT "+base, http.HandlerFunc(s.putProxy))
		s.HandleAPI("DELETE "+base, http.HandlerFunc(s.deleteProxy))
	}
	// Anything else under /api/ answers in JSON rather than the mux's
	// plain-text 404, so clients always get a stable error code. It sits
	// behind authentication so that unauthenticated callers learn nothing
	// about which routes exist.
	s.HandleAPI("/api/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Error(w, r, twofetch.Errorf(twofetch.ENOTFOUND, "no such API endpoint"))
	}))
}

// Handle mounts a public handler, such as the customer's enrolment page,
// with http.ServeMux pattern syntax. It panics on a conflicting pattern, as
// ServeMux does, because that is a programming mistake.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.patterns = append(s.patterns, pattern)
	s.mux.Handle(pattern, h)
}

// Routes returns the patterns mounted so far, in the order they were mounted.
func (s *Server) Routes() []string { return append([]string(nil), s.patterns...) }

// HandleAPI mounts a handler that requires a tenant's API bearer token;
// the handler finds the tenant with TenantFrom.
func (s *Server) HandleAPI(pattern string, h http.Handler) {
	s.patterns = append(s.patterns, pattern)
	s.mux.Handle(pattern, noStore(s.requireTenant(h, false)))
}

// HandleAdmin mounts a handler that requires a tenant's admin bearer token
// (support views); the handler finds the tenant with TenantFrom.
func (s *Server) HandleAdmin(pattern string, h http.Handler) {
	s.patterns = append(s.patterns, pattern)
	s.mux.Handle(pattern, noStore(s.requireTenant(h, true)))
}

// TransferTimeout is the deadline of routes that move files: photo uploads
// from phones on slow networks, invoice and artifact downloads.
const TransferTimeout = 10 * time.Minute

// LongDeadlines gives a file-moving route TransferTimeout to read its
// request and write its response instead of the server's short defaults.
func LongDeadlines(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		until := time.Now().Add(TransferTimeout)
		// Errors mean the connection cannot take deadlines (an in-memory
		// recorder in tests); the server's own then stay.
		_ = rc.SetReadDeadline(until)
		_ = rc.SetWriteDeadline(until)
		next.ServeHTTP(w, r)
	})
}

// Handler returns the complete handler with middleware, for tests and for
// embedding in another server.
func (s *Server) Handler() http.Handler {
	return s.logRequests(s.recoverPanics(securityHeaders(s.mux)))
}

// Serve serves on l until ctx ends, then stops accepting connections and
// waits up to ShutdownTimeout for in-flight requests. It returns nil after a
// clean shutdown.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		// Requests keep running through shutdown, so they must not inherit
		// ctx: its end is the signal to stop accepting, not to abort.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	select {
	case err := <-errc:
		return fmt.Errorf("web: serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("web server shutting down; waiting for in-flight requests", "timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("web: serve: %w", serr)
	}
	if err != nil {
		_ = hs.Close()
		return fmt.Errorf("web: shutdown: %w", err)
	}
	s.log.Info("web server stopped")
	return nil
}

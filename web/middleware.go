package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/twofetch/twofetch"
)

type ctxKey int

const infoKey ctxKey = iota

// reqInfo carries what inner handlers learn back out to the request log.
type reqInfo struct{ tenant string }

// TenantFrom returns the tenant whose token authenticated the request, or
// nil outside HandleAPI and HandleAdmin routes. It is
// twofetch.TenantFromContext, so mounted handlers need not import web.
func TenantFrom(ctx context.Context) *twofetch.Tenant { return twofetch.TenantFromContext(ctx) }

// requireTenant authenticates the bearer token. Every failure gives the
// same 401, so a caller cannot tell a revoked token from a mistyped one, or
// an API token from an admin token.
func (s *Server) requireTenant(next http.Handler, admin bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r)
		if !ok {
			s.Error(w, r, twofetch.Errorf(twofetch.EUNAUTHORIZED, "missing or invalid bearer token"))
			return
		}
		lookup := s.cfg.Store.TenantByTokenHash
		if admin {
			lookup = s.cfg.Store.TenantByAdminTokenHash
		}
		t, err := lookup(r.Context(), twofetch.HashToken(token))
		if twofetch.IsNotFound(err) || (err == nil && t.RevokedAt != nil) {
			s.Error(w, r, twofetch.Errorf(twofetch.EUNAUTHORIZED, "missing or invalid bearer token"))
			return
		}
		if err != nil {
			s.Error(w, r, fmt.Errorf("look up tenant by token: %w", err))
			return
		}
		if info, ok := r.Context().Value(infoKey).(*reqInfo); ok {
			info.tenant = t.ID
		}
		next.ServeHTTP(w, r.WithContext(twofetch.NewContextWithTenant(r.Context(), t)))
	})
}

func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	// Tokens are short; refusing long values keeps hashing cheap and logs clean.
	if token == "" || len(token) > 200 {
		return "", false
	}
	return token, true
}

// securityHeaders sets conservative defaults; a page handler that needs
// more (images, scripts of its own) overrides them with Header().Set.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// PageHeaders wraps the customer-facing HTML pages (enrolment, status):
// their own Content-Security-Policy and Permissions-Policy, and no caching
// of pages whose URL carries a token. The server-wide headers
// (nosniff, DENY framing, no-referrer) come from the Server itself.
func PageHeaders(csp, permissions string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Security-Policy", csp)
			h.Set("Permissions-Policy", permissions)
			h.Set("Cache-Control", "no-store")
			next.ServeHTTP(w, r)
		})
	}
}

// noStore keeps authenticated responses out of shared caches.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panicking handler into a 500 with the stack in the
// log, so one bad request does not take the process down.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // net/http's own signal to drop the connection quietly
			}
			s.log.ErrorContext(r.Context(), "handler panicked", "route", r.Pattern, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if rec, ok := w.(*statusRecorder); ok && rec.status != 0 {
				return // the response has started; nothing sensible to add
			}
			var body ErrorBody
			body.Error.Code = twofetch.EINTERNAL
			body.Error.Message = "internal error"
			s.JSON(w, r, http.StatusInternalServerError, body)
		}()
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flush, deadlines).
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs one line per request. It logs the matched route pattern,
// never the raw path or query, because customer links carry their token in
// the path.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = twofetch.NewID("req")
		}
		w.Header().Set("X-Request-Id", id)
		rec := &statusRecorder{ResponseWriter: w}
		info := &reqInfo{}
		r = r.WithContext(context.WithValue(r.Context(), infoKey, info))
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		level := slog.LevelInfo
		if r.Pattern == "GET /healthz" || r.Pattern == "GET /readyz" || r.Pattern == "GET /metrics" {
			level = slog.LevelDebug // probes and scrapes every few seconds would drown the log
		}
		if rec.status >= 500 {
			level = slog.LevelError
		}
		attrs := []any{
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("request_id", id),
		}
		if info.tenant != "" {
			attrs = append(attrs, slog.String("tenant", info.tenant))
		}
		s.log.Log(r.Context(), level, "http request", attrs...)
	})
}

// validRequestID accepts a caller's request id only if it is short and
// plain, so it cannot forge log lines.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

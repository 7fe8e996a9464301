package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/twofetch/twofetch"
)

// SessionCookie names the support session cookie. The __Host- prefix makes
// browsers refuse it unless it is Secure, has Path=/ and no Domain, so no
// subdomain and no plain-HTTP page can plant or overwrite it. Browsers treat
// http://localhost as secure, so development without TLS still works there.
const SessionCookie = "__Host-twofetch_session"

// SessionTTL is how long a support sign-in lasts; there is no sliding
// renewal, so a stolen cookie is worth at most this long.
const SessionTTL = 12 * time.Hour

// Who a support session speaks for.
const (
	sessionTenant   = "tenant"
	sessionOperator = "operator"
)

// session is what the server keeps for a support sign-in. The cookie holds
// only a random id; the record is found by the id's hash, so a read of the
// session store does not yield usable cookies.
type session struct {
	Kind     string `json:"kind"`
	TenantID string `json:"tenant_id,omitempty"`
	// AdminHash is the tenant's admin token hash at sign-in: rotating the
	// token ends every session opened with the old one.
	AdminHash string    `json:"admin_hash,omitempty"`
	Expires   time.Time `json:"expires"`
}

// sessionStore keeps sessions in Redis, shared by every web process, or in
// memory when the Pipeline has no Redis (one process only).
type sessionStore struct {
	rdb redis.UniversalClient
	mu  sync.Mutex
	mem map[string]session
}

func sessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return "twofetch:support-session:" + hex.EncodeToString(sum[:])
}

func (st *sessionStore) put(ctx context.Context, id string, s session, ttl time.Duration) error {
	if st.rdb == nil {
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.mem == nil {
			st.mem = map[string]session{}
		}
		st.mem[sessionKey(id)] = s
		return nil
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return st.rdb.Set(ctx, sessionKey(id), b, ttl).Err()
}

func (st *sessionStore) get(ctx context.Context, id string) (session, bool, error) {
	if st.rdb == nil {
		st.mu.Lock()
		defer st.mu.Unlock()
		s, ok := st.mem[sessionKey(id)]
		return s, ok, nil
	}
	b, err := st.rdb.Get(ctx, sessionKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return session{}, false, nil
	}
	if err != nil {
		return session{}, false, fmt.Errorf("read support session: %w", err)
	}
	var s session
	if err := json.Unmarshal(b, &s); err != nil {
		return session{}, false, nil
	}
	return s, true, nil
}

func (st *sessionStore) delete(ctx context.Context, id string) error {
	if st.rdb == nil {
		st.mu.Lock()
		defer st.mu.Unlock()
		delete(st.mem, sessionKey(id))
		return nil
	}
	return st.rdb.Del(ctx, sessionKey(id)).Err()
}

func newSessionID() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func sessionCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: SessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode}
}

// sessionID returns the request's session cookie value when it is
// well-formed.
func sessionID(r *http.Request) string {
	c, err := r.Cookie(SessionCookie)
	if err != nil || len(c.Value) != 43 {
		return ""
	}
	return c.Value
}

// startSession records a session and sets its cookie.
func (p *Pipeline) startSession(w http.ResponseWriter, r *http.Request, s session) error {
	id := newSessionID()
	s.Expires = p.now().Add(SessionTTL).UTC()
	if err := p.sessions.put(r.Context(), id, s, SessionTTL); err != nil {
		return err
	}
	http.SetCookie(w, sessionCookie(id, int(SessionTTL/time.Second)))
	return nil
}

// endSession forgets the request's session, wherever it came from.
func (p *Pipeline) endSession(w http.ResponseWriter, r *http.Request) {
	if id := sessionID(r); id != "" {
		if err := p.sessions.delete(r.Context(), id); err != nil {
			p.log().ErrorContext(r.Context(), "end support session", "err", err)
		}
	}
	http.SetCookie(w, sessionCookie("", -1))
}

// currentSession returns the live session of the request. A session whose
// time is up, whose tenant was revoked or whose tenant rotated the admin
// token is ended here.
func (p *Pipeline) currentSession(ctx context.Context, r *http.Request) (*session, *twofetch.Tenant, error) {
	id := sessionID(r)
	if id == "" {
		return nil, nil, nil
	}
	s, ok, err := p.sessions.get(ctx, id)
	if err != nil || !ok {
		return nil, nil, err
	}
	end := func() (*session, *twofetch.Tenant, error) {
		_ = p.sessions.delete(ctx, id)
		return nil, nil, nil
	}
	if !p.now().Before(s.Expires) {
		return end()
	}
	switch s.Kind {
	case sessionOperator:
		if p.OperatorToken == "" {
			return end()
		}
		return &s, nil, nil
	case sessionTenant:
		t, err := p.Store.Tenant(ctx, s.TenantID)
		if twofetch.IsNotFound(err) {
			return end()
		}
		if err != nil {
			return nil, nil, err
		}
		if t.RevokedAt != nil || subtle.ConstantTimeCompare([]byte(hex.EncodeToString(t.AdminTokenHash)), []byte(s.AdminHash)) != 1 {
			return end()
		}
		return &s, t, nil
	}
	return end()
}

// admin authenticates a support request by the admin bearer token or by a
// tenant's support session. A browser without one is sent to the login
// page, and a dead session cookie is cleared.
func (p *Pipeline) admin(h http.Handler) http.Handler {
	bearer := noStore(p.srv.requireTenant(h, true))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			bearer.ServeHTTP(w, r)
			return
		}
		s, t, err := p.currentSession(r.Context(), r)
		if err != nil {
			p.supportError(w, r, err)
			return
		}
		if s == nil || t == nil {
			if sessionID(r) != "" {
				http.SetCookie(w, sessionCookie("", -1))
			}
			http.Redirect(w, r, supportPrefix+"/login", http.StatusSeeOther)
			return
		}
		if info, ok := r.Context().Value(infoKey).(*reqInfo); ok {
			info.tenant = t.ID
		}
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r.WithContext(twofetch.NewContextWithTenant(r.Context(), t)))
	})
}

// operator admits the holder of the operator token, as a bearer token or
// through an operator session. Tenants' tokens and sessions never pass:
// what it guards (the queue monitor) shows every tenant's work.
func (p *Pipeline) operator(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if auth := r.Header.Get("Authorization"); auth != "" {
			if p.isOperatorToken(strings.TrimSpace(strings.TrimPrefix(auth, "Bearer "))) && strings.HasPrefix(auth, "Bearer ") {
				h.ServeHTTP(w, r)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="operator"`)
			p.supportError(w, r, twofetch.Errorf(twofetch.EUNAUTHORIZED, "this page needs the operator token"))
			return
		}
		s, _, err := p.currentSession(r.Context(), r)
		if err != nil {
			p.supportError(w, r, err)
			return
		}
		if s == nil {
			http.Redirect(w, r, supportPrefix+"/login", http.StatusSeeOther)
			return
		}
		if s.Kind != sessionOperator {
			p.supportError(w, r, twofetch.Errorf(twofetch.EFORBIDDEN, "the queue monitor is for operators; sign in with the operator token"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (p *Pipeline) isOperatorToken(token string) bool {
	return p.OperatorToken != "" && token != "" &&
		subtle.ConstantTimeCompare([]byte(token), []byte(p.OperatorToken)) == 1
}

package portals

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
)

// The tests share one browser and one HTTPS test portal. Every test gets
// its own host name under .portal.test (mapped to the server by Chrome's
// host-resolver rules), and the portal keeps separate state per host, so
// tests cannot see each other's users or sessions.

var (
	shared struct {
		once sync.Once
		srv  *httptest.Server
		pool *Pool
		// sharedPool runs jobs in contexts of one browser, as with a
		// remote browser.
		sharedOnce sync.Once
		sharedPool *Pool
		sharedErr  error
		err        error
		mu         sync.Mutex
		site       map[string]*site
		skip       string
	}
)

func TestMain(m *testing.M) {
	// Keys still arrive one by one with uneven gaps, only faster than a
	// person types; TestBrowserCheck types at the human pace.
	defaultTypingGap = [2]time.Duration{time.Millisecond, 4 * time.Millisecond}
	code := m.Run()
	if shared.pool != nil {
		shared.pool.Close()
	}
	if shared.sharedPool != nil {
		shared.sharedPool.Close()
	}
	if shared.srv != nil {
		shared.srv.Close()
	}
	os.Exit(code)
}

// testPool returns the shared pool, starting the browser and the test
// portal on first use.
func testPool(t testing.TB) *Pool {
	t.Helper()
	chrome := testenv.ChromePath(t)
	shared.once.Do(func() {
		shared.site = map[string]*site{}
		shared.srv = httptest.NewTLSServer(http.HandlerFunc(serveSite))
		_, port, _ := net.SplitHostPort(shared.srv.Listener.Addr().String())
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		shared.pool, shared.err = NewPool(ctx, PoolConfig{
			ChromePath: chrome,
			ExtraFlags: []string{
				"--host-resolver-rules=MAP *.portal.test 127.0.0.1:" + port + ", MAP *.thirdparty.test 127.0.0.1:" + port,
				"--ignore-certificate-errors",
			},
		})
	})
	if shared.err != nil {
		t.Fatalf("start browser: %v", shared.err)
	}
	return shared.pool
}

// testSharedPool is a pool whose jobs share one browser, each in a
// browser context of its own.
func testSharedPool(t testing.TB) *Pool {
	t.Helper()
	p := testPool(t)
	shared.sharedOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cfg := p.cfg
		cfg.SharedBrowser = true
		shared.sharedPool, shared.sharedErr = NewPool(ctx, cfg)
	})
	if shared.sharedErr != nil {
		t.Fatalf("start browser: %v", shared.sharedErr)
	}
	return shared.sharedPool
}

// site is the state of one test portal host.
type site struct {
	mu       sync.Mutex
	password string
	code     string // the code the portal accepts; "" means no 2FA
	mode     string // "", captcha, push, terms, changed, echo, slow
	invoices []invoice
	sessions map[string]bool
	hits     map[string]int
	slowHit  chan struct{}
}

type invoice struct{ ID, Date, Amount string }

func (i invoice) pdf() []byte {
	return []byte("%PDF-1.4\n% invoice " + i.ID + "\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
}

// newSite registers a fresh portal host for t and returns its name.
func newSite(t testing.TB) (string, *site) {
	t.Helper()
	var b [4]byte
	rand.Read(b[:])
	host := fmt.Sprintf("t%x.portal.test", b)
	s := &site{password: "correct horse", sessions: map[string]bool{}, hits: map[string]int{},
		slowHit:  make(chan struct{}, 1),
		invoices: []invoice{{"INV-1001", "2026-10-01", "12.50"}, {"INV-1002", "2026-11-01", "99.00"}}}
	shared.mu.Lock()
	shared.site[host] = s
	shared.mu.Unlock()
	return host, s
}

func (s *site) hit(path string) {
	s.mu.Lock()
	s.hits[path]++
	s.mu.Unlock()
}

func (s *site) hitCount(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html><html><head><title>Test portal</title></head><body>{{end}}
{{define "login"}}{{template "head"}}
<h1>Sign in</h1>
{{if .Error}}<p class="login-error">{{.Error}}</p>{{end}}
{{if .Echo}}<p class="echo">You typed {{.Echo}}</p>{{end}}
<form method="post" action="/login">
<input name="email" type="email">
<input name="password" type="password">
{{if not .NoButton}}<button id="signin" type="submit">Sign in</button>{{end}}
</form></body></html>{{end}}
{{define "2fa"}}{{template "head"}}
<h1>Two-factor authentication</h1>
{{if .Error}}<p class="otp-error">{{.Error}}</p>{{end}}
<form method="post" action="/2fa">
<input name="otp" type="text" autocomplete="one-time-code">
<label><input name="remember" type="checkbox"> Remember this device</label>
<button type="submit">Verify</button>
</form></body></html>{{end}}
{{define "invoices"}}{{template "head"}}
<h1>Invoices</h1>
<select id="year"><option value="2025">Year 2025</option><option value="2026">Year 2026</option></select>
<p id="total">Total: EUR 111.50</p>
<table id="invoices"><tbody>
{{range .}}<tr><td class="number">{{.ID}}</td><td class="date">{{.Date}}</td><td class="amount">EUR {{.Amount}}</td>
<td><a class="pdf" href="/pdf/{{.ID}}">PDF</a> <a class="dl" href="/pdf/{{.ID}}?attach=1">Download</a> <a class="print" href="/print/{{.ID}}">View</a></td></tr>
{{end}}</tbody></table></body></html>{{end}}
{{define "print"}}{{template "head"}}<h1>Invoice {{.ID}}</h1><p>Amount: {{.Amount}}</p></body></html>{{end}}
`))

func serveSite(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	if strings.HasPrefix(r.URL.Path, "/steps/") {
		serveStepPage(w, r)
		return
	}
	shared.mu.Lock()
	s := shared.site[host]
	shared.mu.Unlock()
	if s == nil {
		http.NotFound(w, r)
		return
	}
	s.hit(r.URL.Path)
	s.mu.Lock()
	mode, password, code := s.mode, s.password, s.code
	s.mu.Unlock()
	loggedIn := func() bool {
		c, err := r.Cookie("sid")
		if err != nil {
			return false
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.sessions[c.Value]
	}
	startSession := func() {
		var b [16]byte
		rand.Read(b[:])
		sid := base64.RawURLEncoding.EncodeToString(b[:])
		s.mu.Lock()
		s.sessions[sid] = true
		s.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, Path: "/", Secure: true, HttpOnly: true,
			Expires: time.Now().Add(time.Hour)})
	}
	render := func(name string, data any) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		pages.ExecuteTemplate(w, name, data)
	}
	type loginData struct {
		Error, Echo string
		NoButton    bool
	}
	switch {
	case r.URL.Path == "/login" && r.Method == http.MethodGet:
		render("login", loginData{NoButton: mode == "changed-login"})
	case r.URL.Path == "/login":
		r.ParseForm()
		switch {
		case mode == "echo":
			render("login", loginData{Echo: r.PostForm.Get("password")})
		case strings.HasPrefix(mode, "status-"):
			code, _ := strconv.Atoi(strings.TrimPrefix(mode, "status-"))
			w.WriteHeader(code)
			fmt.Fprint(w, `<!doctype html><html><body><p>Please come back later.</p></body></html>`)
		case r.PostForm.Get("password") != password:
			render("login", loginData{Error: "Wrong e-mail address or password."})
		case mode == "captcha":
			fmt.Fprint(w, `<!doctype html><html><body><iframe src="/captcha"></iframe></body></html>`)
		case mode == "push":
			fmt.Fprint(w, `<!doctype html><html><body><p id="approve-on-phone">Approve the sign-in on your phone</p></body></html>`)
		case mode == "terms":
			http.Redirect(w, r, "/terms/accept", http.StatusSeeOther)
		case code != "":
			http.SetCookie(w, &http.Cookie{Name: "pre", Value: "1", Path: "/"})
			http.Redirect(w, r, "/2fa", http.StatusSeeOther)
		default:
			startSession()
			http.Redirect(w, r, "/invoices", http.StatusSeeOther)
		}
	case r.URL.Path == "/terms/accept":
		fmt.Fprint(w, `<!doctype html><html><body><p>Please accept our new terms.</p></body></html>`)
	case r.URL.Path == "/2fa" && r.Method == http.MethodGet:
		render("2fa", loginData{})
	case r.URL.Path == "/2fa":
		r.ParseForm()
		if r.PostForm.Get("otp") != code {
			render("2fa", loginData{Error: "Invalid code, try again."})
			return
		}
		startSession()
		http.Redirect(w, r, "/invoices", http.StatusSeeOther)
	case r.URL.Path == "/slow":
		select {
		case s.slowHit <- struct{}{}:
		default:
		}
		fmt.Fprint(w, `<!doctype html><html><body><p>Loading…</p></body></html>`)
	case strings.HasPrefix(r.URL.Path, "/public/"):
		// A file host on another origin that sends no CORS headers.
		for _, inv := range s.invoices {
			if "/public/"+inv.ID == r.URL.Path {
				w.Header().Set("Content-Type", pdfType)
				w.Write(inv.pdf())
				return
			}
		}
		http.NotFound(w, r)
	case !loggedIn():
		if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/pdf/") {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	case r.URL.Path == "/invoices":
		if mode == "changed" {
			fmt.Fprint(w, `<!doctype html><html><body><div class="new-billing">Billing moved</div></body></html>`)
			return
		}
		render("invoices", s.invoices)
	case r.URL.Path == "/api/invoices":
		type item struct {
			ID     string `json:"id"`
			Date   string `json:"date"`
			Amount string `json:"amount"`
			PDF    string `json:"pdf"`
		}
		var out []item
		for _, inv := range s.invoices {
			out = append(out, item{inv.ID, inv.Date, inv.Amount, base64.StdEncoding.EncodeToString(inv.pdf())})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	case strings.HasPrefix(r.URL.Path, "/pdf/"):
		for _, inv := range s.invoices {
			if "/pdf/"+inv.ID == r.URL.Path {
				w.Header().Set("Content-Type", pdfType)
				if r.URL.Query().Get("attach") != "" {
					w.Header().Set("Content-Disposition", `attachment; filename="`+inv.ID+`.pdf"`)
				}
				w.Write(inv.pdf())
				return
			}
		}
		http.NotFound(w, r)
	case strings.HasPrefix(r.URL.Path, "/print/"):
		for _, inv := range s.invoices {
			if "/print/"+inv.ID == r.URL.Path {
				render("print", inv)
				return
			}
		}
		http.NotFound(w, r)
	default:
		http.NotFound(w, r)
	}
}

// fakeSecrets stands in for the vault: it hands out the values it holds
// and counts what it was asked for.
type fakeSecrets struct {
	mu        sync.Mutex
	password  string
	code      string
	hasKey    bool
	cookies   []byte
	passwords int
	codes     int
}

func (f *fakeSecrets) Password(ctx context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.passwords++
	if f.password == "" {
		return "", twofetch.ErrNotFound
	}
	return f.password, nil
}

func (f *fakeSecrets) Code(ctx context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.codes++
	if !f.hasKey {
		return "", twofetch.ErrNotFound
	}
	return f.code, nil
}

func (f *fakeSecrets) HasKey(ctx context.Context) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hasKey, nil
}

func (f *fakeSecrets) Cookies(ctx context.Context) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cookies == nil {
		return nil, twofetch.ErrNotFound
	}
	return f.cookies, nil
}

func (f *fakeSecrets) SaveCookies(ctx context.Context, b []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cookies = append([]byte(nil), b...)
	return nil
}

func (f *fakeSecrets) counts() (passwords, codes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.passwords, f.codes
}

// memStore is an in-memory invoice store for Job.Known and Job.Save.
type memStore struct {
	mu   sync.Mutex
	docs map[string]*Document
}

func (m *memStore) known(ctx context.Context, ids []string) (map[string]bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]bool{}
	for _, id := range ids {
		if _, ok := m.docs[id]; ok {
			out[id] = true
		}
	}
	return out, nil
}

func (m *memStore) save(ctx context.Context, d *Document) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.docs == nil {
		m.docs = map[string]*Document{}
	}
	m.docs[d.PortalInvoiceID] = d
	return nil
}

func (m *memStore) get(id string) *Document {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.docs[id]
}

// scriptFor parses a script written for the test portal: HOST in src is
// replaced by the test's host name.
func scriptFor(t testing.TB, host, src string) *Registry {
	t.Helper()
	src = strings.ReplaceAll(src, "HOST", host)
	s, err := Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("test script: %v\n%s", err, src)
	}
	reg, err := NewRegistry(s)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// testJob returns a job for the script "test" with a fresh store.
func testJob(t testing.TB, sec *fakeSecrets, st *memStore, logs *testenv.LogLines) *Job {
	j := &Job{Portal: "test", Username: "demo@example.com", Secrets: sec, Known: st.known, Save: st.save,
		ArtifactDir: t.TempDir()}
	if logs != nil {
		j.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return j
}

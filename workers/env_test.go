package workers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/blob"
	"github.com/twofetch/twofetch/internal/netguard"
	"github.com/twofetch/twofetch/internal/signature"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/replica"
	"github.com/twofetch/twofetch/store"
	"github.com/twofetch/twofetch/vault"
)

// env is one test's world: its own Redis, SQLite store, invoice directory,
// a portal on loopback and a webhook receiver.
type env struct {
	redis   *testenv.Redis
	rdb     *redis.Client
	dsn     string
	store   twofetch.Store
	dataDir string
	blobs   blob.Store
	portal  *testPortal
	hooks   *hookReceiver
	tenant  *twofetch.Tenant
	vault   *vault.Vault
	logs    *testenv.LogLines
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	return newEnvOn(t, dir, "sqlite:"+filepath.Join(dir, "twofetch.db"))
}

// newEnvOn is newEnv on the database dsn.
func newEnvOn(t *testing.T, dataDir, dsn string) *env {
	t.Helper()
	r := testenv.StartRedis(t)
	e := newEnvRedis(t, dataDir, dsn, r.URL)
	e.redis = r
	return e
}

// newEnvMiniredis is newEnv on the in-process Redis `twofetch all` runs
// when no Redis is configured.
func newEnvMiniredis(t *testing.T) *env {
	t.Helper()
	mr := miniredis.NewMiniRedis()
	mr.ClockTTL(true)
	if err := mr.StartAddr("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mr.Close)
	dir := t.TempDir()
	return newEnvRedis(t, dir, "sqlite:"+filepath.Join(dir, "twofetch.db"), "redis://"+mr.Addr())
}

func newEnvRedis(t *testing.T, dataDir, dsn, redisURL string) *env {
	t.Helper()
	e := &env{dataDir: dataDir, dsn: dsn, logs: &testenv.LogLines{}}
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	e.rdb = redis.NewClient(opt)
	t.Cleanup(func() { e.rdb.Close() })
	e.store = openStore(t, e.dsn)
	e.blobs, err = blob.NewDir(filepath.Join(e.dataDir, "invoices"))
	if err != nil {
		t.Fatal(err)
	}
	e.portal = newTestPortal(t)
	e.hooks = newHookReceiver(t, "whsec_test")
	kr, err := vault.OpenKeyring(filepath.Join(e.dataDir, "keyring.json"))
	if err != nil {
		t.Fatal(err)
	}
	if e.vault, err = vault.New(vault.Config{Store: e.store, KEK: kr}); err != nil {
		t.Fatal(err)
	}
	e.tenant = &twofetch.Tenant{ID: twofetch.NewID("ten"), Name: "Books Ltd", Language: "en", WebhookURL: e.hooks.srv.URL, WebhookSecret: twofetch.WebhookSealed}
	if err := e.vault.Seal(context.Background(), twofetch.WebhookSecretRef(e.tenant.ID), []byte("whsec_test")); err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateTenant(context.Background(), e.tenant); err != nil {
		t.Fatal(err)
	}
	return e
}

func openStore(t testing.TB, dsn string) twofetch.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := store.Migrate(ctx, s); err != nil {
		t.Fatal(err)
	}
	return s
}

// account creates an active account of the test portal for user.
func (e *env) account(t *testing.T, user string) *twofetch.Account {
	t.Helper()
	a := &twofetch.Account{TenantID: e.tenant.ID, Portal: "testportal", Username: user, Status: twofetch.AccountActive, HasKey: true}
	if err := e.store.CreateAccount(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func (e *env) config() ServerConfig {
	return ServerConfig{
		Redis: e.rdb, Store: e.store, Blobs: e.blobs, DataDir: e.dataDir, Vault: e.vault,
		Fetcher: &httpFetcher{base: e.portal.srv.URL}, Concurrency: 2,
		Logger: slog.New(slog.NewTextHandler(e.logs, nil)),
		// The test's webhook receiver listens on plain-HTTP loopback.
		HTTPClient: netguard.Policy{AllowHTTP: true, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}.Client(30 * time.Second),
	}
}

// start runs a worker until the test ends.
func (e *env) start(t *testing.T, cfg ServerConfig) *Server {
	t.Helper()
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker Run: %v", err)
		}
	})
	return s
}

// waitFor polls cond until it holds; the deadline only bounds a hang.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %s", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *env) run(t *testing.T, id string) *twofetch.Run {
	t.Helper()
	r, err := e.store.RunByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (e *env) waitRun(t *testing.T, id string, d time.Duration) *twofetch.Run {
	t.Helper()
	var r *twofetch.Run
	waitFor(t, "run "+id+" to finish", d, func() bool {
		r = e.run(t, id)
		return r.FinishedAt != nil && r.Outcome != ""
	})
	return r
}

func (e *env) invoices(t *testing.T, accountID string) []*twofetch.Invoice {
	t.Helper()
	inv, err := e.store.ListInvoices(context.Background(), twofetch.InvoiceFilter{TenantID: e.tenant.ID, AccountID: accountID, Page: twofetch.Page{Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// testPortal is a portal on loopback: per user a password state and a list
// of invoices, each a small PDF.
type testPortal struct {
	srv *httptest.Server
	mu  sync.Mutex
	// users maps a username to its state.
	users map[string]*portalUser
}

type portalUser struct {
	mode     string // "", "bad_password", "down"
	invoices []portalInvoice
	// hold, when set, stalls the download of invoice holdID until closed.
	holdID    string
	hold      chan struct{}
	holding   chan struct{} // closed when a download is stalled
	holdOnce  *sync.Once
	downloads map[string]int
}

type portalInvoice struct {
	ID     string `json:"id"`
	Number string `json:"number"`
	Date   string `json:"date"`
	Amount string `json:"amount"`
	Kind   string `json:"kind"`
}

func newTestPortal(t testing.TB) *testPortal {
	p := &testPortal{users: map[string]*portalUser{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/invoices", func(w http.ResponseWriter, r *http.Request) {
		u := p.user(r.URL.Query().Get("user"))
		p.mu.Lock()
		mode, list := u.mode, append([]portalInvoice(nil), u.invoices...)
		p.mu.Unlock()
		switch mode {
		case "bad_password":
			http.Error(w, "wrong password", http.StatusUnauthorized)
			return
		case "down":
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		case "otp_rejected":
			http.Error(w, "invalid code", http.StatusForbidden)
			return
		case "changed":
			fmt.Fprint(w, "<html>our new design</html>")
			return
		case "refused":
			http.Error(w, "this browser may not be secure", http.StatusNotAcceptable)
			return
		}
		json.NewEncoder(w).Encode(list)
	})
	mux.HandleFunc("GET /files/{id}", func(w http.ResponseWriter, r *http.Request) {
		u := p.user(r.URL.Query().Get("user"))
		id := r.PathValue("id")
		p.mu.Lock()
		u.downloads[id]++
		hold, holding, once := u.hold, u.holding, u.holdOnce
		stall := u.holdID == id && hold != nil
		p.mu.Unlock()
		if stall {
			once.Do(func() { close(holding) })
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/pdf")
		fmt.Fprintf(w, "%%PDF-1.4\n%% invoice %s of %s\n%%%%EOF\n", id, r.URL.Query().Get("user"))
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *testPortal) user(name string) *portalUser {
	p.mu.Lock()
	defer p.mu.Unlock()
	u, ok := p.users[name]
	if !ok {
		u = &portalUser{downloads: map[string]int{}}
		p.users[name] = u
	}
	return u
}

func (p *testPortal) setInvoices(user string, ids ...string) {
	u := p.user(user)
	p.mu.Lock()
	defer p.mu.Unlock()
	u.invoices = nil
	for i, id := range ids {
		// Every second document is a receipt, so the kind is seen to
		// travel from the fetcher to the row and the webhook.
		kind := ""
		if i%2 == 1 {
			kind = string(twofetch.KindReceipt)
		}
		u.invoices = append(u.invoices, portalInvoice{ID: id, Number: "N-" + id, Date: fmt.Sprintf("2026-01-%02d", i+1), Amount: "12.50", Kind: kind})
	}
}

func (p *testPortal) setMode(user, mode string) {
	u := p.user(user)
	p.mu.Lock()
	u.mode = mode
	p.mu.Unlock()
}

// stall makes the download of invoice id wait; the returned channel is
// closed once a download is waiting, release lets it go.
func (p *testPortal) stall(user, id string) (waiting <-chan struct{}, release func()) {
	u := p.user(user)
	p.mu.Lock()
	defer p.mu.Unlock()
	u.holdID, u.hold, u.holding, u.holdOnce = id, make(chan struct{}), make(chan struct{}), new(sync.Once)
	hold := u.hold
	var once sync.Once
	return u.holding, func() {
		once.Do(func() {
			p.mu.Lock()
			u.holdID, u.hold = "", nil
			p.mu.Unlock()
			close(hold)
		})
	}
}

func (p *testPortal) downloads(user, id string) int {
	u := p.user(user)
	p.mu.Lock()
	defer p.mu.Unlock()
	return u.downloads[id]
}

// httpFetcher is a Fetcher for the test portal: the same protocol the
// engine follows (list, skip known, download, save), over real HTTP.
type httpFetcher struct {
	base string
}

func (f *httpFetcher) Fetch(ctx context.Context, job *twofetch.FetchJob) (*twofetch.FetchResult, error) {
	user := job.Account.Username
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.base+"/api/invoices?user="+user, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, twofetch.FailWith(twofetch.OutcomePortalDown, err, "portal unreachable")
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		os.WriteFile(filepath.Join(job.ArtifactDir, "page.html"), []byte("<p>wrong password</p>"), 0o600)
		return nil, twofetch.Fail(twofetch.OutcomeBadCredentials, "the portal rejected the password")
	case resp.StatusCode == http.StatusForbidden:
		return nil, twofetch.Fail(twofetch.OutcomeOTPRejected, "the portal rejected the code")
	case resp.StatusCode == http.StatusNotAcceptable:
		// As a script's no_retry rule reports Google refusing the browser.
		return nil, &twofetch.RunError{Outcome: twofetch.OutcomeBlocked, Detail: "the portal refuses this browser", NoRetry: true}
	case resp.StatusCode >= 500:
		return nil, twofetch.Fail(twofetch.OutcomePortalDown, "portal answered %s", resp.Status)
	}
	var list []portalInvoice
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return nil, twofetch.FailWith(twofetch.OutcomePortalChanged, err, "invoice list unreadable")
	}
	ids := make([]string, len(list))
	for i, inv := range list {
		ids[i] = inv.ID
	}
	known, err := job.Known(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, inv := range list {
		if known[inv.ID] {
			continue
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.base+"/files/"+inv.ID+"?user="+user, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, twofetch.FailWith(twofetch.OutcomeTransient, err, "download interrupted")
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, twofetch.FailWith(twofetch.OutcomeTransient, err, "download interrupted")
		}
		if err := job.Save(ctx, &twofetch.Document{PortalInvoiceID: inv.ID, Kind: twofetch.DocumentKind(inv.Kind), Number: inv.Number, Date: inv.Date,
			Amount: inv.Amount, Currency: "EUR", ContentType: resp.Header.Get("Content-Type"), Data: data}); err != nil {
			return nil, err
		}
	}
	return &twofetch.FetchResult{}, nil
}

// hookReceiver is a tenant's webhook endpoint: it checks signatures and
// records events; the first failN requests get a 500.
type hookReceiver struct {
	srv    *httptest.Server
	secret string
	mu     sync.Mutex
	events []Event
	bad    int
	failN  int
}

func newHookReceiver(t testing.TB, secret string) *hookReceiver {
	h := &hookReceiver{secret: secret}
	// Every delivery is held to the webhook schema of its type in the
	// OpenAPI document operators build their receivers from.
	api := testenv.LoadOpenAPI(t, filepath.Join("..", "web", "openapi.json"))
	var schemaErrs []string
	t.Cleanup(func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, e := range schemaErrs {
			t.Errorf("webhook does not match the OpenAPI document: %s", e)
		}
	})
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if err := signature.Verify(h.secret, r.Header.Get(SignatureHeader), body, 5*time.Minute, time.Now()); err != nil {
			h.bad++
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if h.failN > 0 {
			h.failN--
			http.Error(w, "busy", http.StatusInternalServerError)
			return
		}
		var ev Event
		if err := json.Unmarshal(body, &ev); err != nil || r.Header.Get("X-Twofetch-Event") != ev.Type {
			h.bad++
			http.Error(w, "bad event", http.StatusBadRequest)
			return
		}
		var doc map[string]any
		_ = json.Unmarshal(body, &doc)
		if schema := api.WebhookSchema(ev.Type); schema == nil {
			schemaErrs = append(schemaErrs, fmt.Sprintf("no webhook %q", ev.Type))
		} else if errs := api.Check(schema, doc, ev.Type); len(errs) > 0 {
			schemaErrs = append(schemaErrs, strings.Join(errs, "; "))
		}
		h.events = append(h.events, ev)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// ofType returns the received events of a type, sorted by id.
func (h *hookReceiver) ofType(typ string) []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Event
	for _, e := range h.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (h *hookReceiver) badCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.bad
}

// expireLeases moves the clock of asynq's task leases past every lease in
// Redis, as if the time a dead worker's lease needs to run out had passed:
// the next worker to start recovers its tasks at once, instead of after
// asynq's fixed 30 s lease and 30 s of allowance for clock skew, which its
// API offers no way to shorten.
func (e *env) expireLeases(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	keys, err := e.rdb.Keys(ctx, "asynq:{*}:lease").Result()
	if err != nil {
		t.Fatal(err)
	}
	past := float64(time.Now().Add(-2 * time.Minute).Unix())
	n := 0
	for _, k := range keys {
		ids, err := e.rdb.ZRange(ctx, k, 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if err := e.rdb.ZAddXX(ctx, k, redis.Z{Score: past, Member: id}).Err(); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no task holds a lease: nothing was left behind by a dead worker")
	}
}

// codeVault is a vault over the env's keyring that issues codes through
// Redis, replay-safe, as workers' vaults do.
func (e *env) codeVault(t *testing.T) *vault.Vault {
	t.Helper()
	kr, err := vault.OpenKeyring(filepath.Join(e.dataDir, "keyring.json"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(vault.Config{Store: e.store, KEK: kr, Redis: e.rdb})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// startPool starts a browser pool routed to the replicas of rs, closed
// with the test.
func startPool(t *testing.T, chrome string, rs *replica.Server) *portals.Pool {
	t.Helper()
	pool, err := portals.NewPool(context.Background(), portals.PoolConfig{ChromePath: chrome, ExtraFlags: rs.ChromeFlags()})
	if err != nil {
		testenv.Missing(t, "start Chromium: %v", err)
	}
	t.Cleanup(func() { pool.Close() })
	return pool
}

package portals

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/store"
	"github.com/twofetch/twofetch/vault"
	"github.com/twofetch/twofetch/web"
)

// TestProxySetThroughAPI sets a login's proxy through the operator API of
// the real web server and runs the login's job with the vault's secrets,
// as a worker does: the portal is reached through that proxy, with its
// credentials, and through nothing else.
func TestProxySetThroughAPI(t *testing.T) {
	pool := testPool(t)
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "twofetch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := store.Migrate(ctx, st); err != nil {
		t.Fatal(err)
	}
	kr, err := vault.OpenKeyring(filepath.Join(dir, "keyring.json"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(vault.Config{Store: st, KEK: kr, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{Store: st, Vault: v, Portals: web.PortalList{"test"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	token, hash := twofetch.NewToken("tfapi")
	_, adminHash := twofetch.NewToken("tfadm")
	ten := &twofetch.Tenant{ID: twofetch.NewID("ten"), Name: "Proxied", TokenHash: hash, AdminTokenHash: adminHash, Language: "en", CreatedAt: time.Now().UTC()}
	if err := st.CreateTenant(ctx, ten); err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body string) []byte {
		t.Helper()
		req, _ := http.NewRequest(method, hs.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b json.RawMessage
		_ = json.NewDecoder(res.Body).Decode(&b)
		if res.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
		}
		return b
	}
	var acct twofetch.Account
	if err := json.Unmarshal(call("POST", "/api/v1/accounts", `{"portal":"test","username":"demo@example.com","password":"hunter2"}`), &acct); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	seen := map[string]string{} // path -> client address
	origin := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip, _, _ := net.SplitHostPort(r.RemoteAddr)
		mu.Lock()
		seen[r.URL.Path] = ip
		mu.Unlock()
		switch r.URL.Path {
		case "/login":
			fmt.Fprint(w, `<!doctype html><html><body><img src="/img.png"><p id="ready">ready</p></body></html>`)
		default:
			fmt.Fprint(w, "ok")
		}
	}))
	origin.StartTLS()
	defer origin.Close()
	proxy := startLoopbackProxy(t, origin.Listener.Addr().String(), "ada:s3cret")
	call("PUT", "/api/v1/logins/"+acct.LoginOrOwnID()+"/proxy", `{"url":"http://ada:s3cret@`+proxy.addr+`"}`)

	host := fmt.Sprintf("apiproxied%d.portal.test", time.Now().UnixNano()%1e6)
	src := header + "two_factor: []\n" + `
login:
  - navigate: https://HOST/login
  - wait: {selector: "#ready"}
documents: []
`
	job := testJob(t, nil, &memStore{}, nil)
	job.Secrets = vault.SecretsOf(v, &acct)
	if _, err := runJob(t, NewRunner(scriptFor(t, host, src), pool), job); err != nil {
		t.Fatalf("run through the proxy set by the API: %v", err)
	}
	if len(proxy.connects()) == 0 {
		t.Fatal("the proxy set through the API was never used")
	}
	for _, c := range proxy.connects() {
		if c != host+":443" {
			t.Errorf("the proxy was asked for %s, want only %s:443", c, host)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, path := range []string{"/login", "/img.png"} {
		if ip, ok := seen[path]; !ok || ip != "127.0.0.2" {
			t.Errorf("%s: reached the portal from %q, want 127.0.0.2 (through the proxy)", path, ip)
		}
	}
}

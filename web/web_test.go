package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/store"
	"github.com/twofetch/twofetch/vault"
	"github.com/twofetch/twofetch/web"
)

// env is one server on a real store and vault, with its log captured.
type env struct {
	dir   string
	store twofetch.Store
	vault *vault.Vault
	srv   *web.Server
	http  *httptest.Server
	logs  *testenv.LogLines
}

type backend struct {
	name string
	dsn  func(t testing.TB, dir string) string
}

var backends = []backend{
	{"sqlite", func(t testing.TB, dir string) string { return "sqlite:" + filepath.Join(dir, "twofetch.db") }},
	{"postgres", func(t testing.TB, dir string) string { return testenv.PostgresURL(t) }},
}

func newEnv(t testing.TB, dsn string, dir string, checks ...web.Checker) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if err := store.Migrate(ctx, st); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	kr, err := vault.OpenKeyring(filepath.Join(dir, "keyring.json"))
	if err != nil {
		t.Fatal(err)
	}
	logs := &testenv.LogLines{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	v, err := vault.New(vault.Config{Store: st, KEK: kr, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{
		Store:   st,
		Vault:   v,
		Portals: web.PortalList{"demo", "other"},
		Logger:  log,
		Checks:  checks,
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewTLSServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &env{dir: dir, store: st, vault: v, srv: srv, http: hs, logs: logs}
}

func sqliteEnv(t testing.TB, checks ...web.Checker) *env {
	dir := t.TempDir()
	return newEnv(t, backends[0].dsn(t, dir), dir, checks...)
}

// tenant creates a tenant directly in the store and returns it with its
// API and admin tokens.
func (e *env) tenant(t testing.TB, name string) (ten *twofetch.Tenant, api, admin string) {
	t.Helper()
	api, apiHash := twofetch.NewToken("tfapi")
	admin, adminHash := twofetch.NewToken("tfadm")
	ten = &twofetch.Tenant{ID: twofetch.NewID("ten"), Name: name, TokenHash: apiHash, AdminTokenHash: adminHash, Language: "en", CreatedAt: time.Now().UTC()}
	if err := e.store.CreateTenant(context.Background(), ten); err != nil {
		t.Fatalf("create tenant: %v", err)
	}
	return ten, api, admin
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) errorCode(t *testing.T) string {
	t.Helper()
	var b web.ErrorBody
	if err := json.Unmarshal(r.body, &b); err != nil {
		t.Fatalf("error body %q is not JSON: %v", r.body, err)
	}
	if b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("error body %q lacks code or message", r.body)
	}
	return b.Error.Code
}

func (e *env) do(t testing.TB, method, path, token string, body any) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.http.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := e.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (e *env) createAccount(t testing.TB, token, portal, username, password string) *twofetch.Account {
	t.Helper()
	res := e.do(t, "POST", "/api/v1/accounts", token, map[string]string{"portal": portal, "username": username, "password": password})
	if res.status != http.StatusCreated {
		t.Fatalf("create account: status %d, body %s", res.status, res.body)
	}
	var a twofetch.Account
	if err := json.Unmarshal(res.body, &a); err != nil {
		t.Fatal(err)
	}
	return &a
}

// TestAPI runs the account API against both databases.
func TestAPI(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			dir := t.TempDir()
			e := newEnv(t, b.dsn(t, dir), dir)
			t.Run("accounts", func(t *testing.T) { testAccounts(t, e) })
			t.Run("isolation", func(t *testing.T) { testIsolation(t, e) })
			t.Run("pagination", func(t *testing.T) { testPagination(t, e) })
			t.Run("auth", func(t *testing.T) { testAuth(t, e) })
		})
	}
}

func testAccounts(t *testing.T, e *env) {
	ctx := context.Background()
	ten, token, _ := e.tenant(t, "Accounts")
	res := e.do(t, "POST", "/api/v1/accounts", token, map[string]string{"portal": "demo", "username": "alice@example.com", "password": "pw-accounts-1", "label": "cust-17"})
	if res.status != http.StatusCreated {
		t.Fatalf("create: status %d, body %s", res.status, res.body)
	}
	var fields map[string]any
	if err := json.Unmarshal(res.body, &fields); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"portal": "demo", "username": "alice@example.com", "status": "active", "label": "cust-17", "tenant_id": ten.ID} {
		if fields[k] != want {
			t.Errorf("created account %s = %v, want %v", k, fields[k], want)
		}
	}
	if _, ok := fields["password"]; ok || bytes.Contains(res.body, []byte("pw-accounts-1")) {
		t.Errorf("create response reveals the password: %s", res.body)
	}
	id, _ := fields["id"].(string)
	if !strings.HasPrefix(id, "acc_") {
		t.Fatalf("id %q", id)
	}
	if loc := res.header.Get("Location"); loc != "/api/v1/accounts/"+id {
		t.Errorf("Location %q", loc)
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}

	// The password went to the vault, bound to this account.
	pw, err := e.vault.Open(ctx, twofetch.SecretRef{TenantID: ten.ID, AccountID: id, Field: twofetch.FieldPassword})
	if err != nil || string(pw) != "pw-accounts-1" {
		t.Fatalf("vault holds %q, %v", pw, err)
	}

	res = e.do(t, "GET", "/api/v1/accounts/"+id, token, nil)
	if res.status != http.StatusOK || !bytes.Contains(res.body, []byte(`"id":"`+id+`"`)) {
		t.Fatalf("get: %d %s", res.status, res.body)
	}
	res = e.do(t, "GET", "/api/v1/accounts", token, nil)
	var list web.AccountList
	if err := json.Unmarshal(res.body, &list); err != nil || res.status != http.StatusOK {
		t.Fatalf("list: %d %s", res.status, res.body)
	}
	if len(list.Accounts) != 1 || list.Accounts[0].ID != id || list.NextAfter != "" {
		t.Fatalf("list = %s", res.body)
	}

	res = e.do(t, "DELETE", "/api/v1/accounts/"+id, token, nil)
	if res.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.status, res.body)
	}
	for _, m := range []string{"GET", "DELETE"} {
		if res := e.do(t, m, "/api/v1/accounts/"+id, token, nil); res.status != http.StatusNotFound || res.errorCode(t) != twofetch.ENOTFOUND {
			t.Errorf("%s after delete: %d %s", m, res.status, res.body)
		}
	}
	if _, err := e.vault.Open(ctx, twofetch.SecretRef{TenantID: ten.ID, AccountID: id, Field: twofetch.FieldPassword}); !twofetch.IsNotFound(err) {
		t.Errorf("password still in the vault after delete: %v", err)
	}

	events, err := e.store.ListAudit(ctx, ten.ID, twofetch.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range events {
		if ev.Object == id {
			actions = append(actions, ev.Action)
		}
	}
	if !contains(actions, "account.create") || !contains(actions, "account.delete") {
		t.Errorf("audit actions for %s = %v, want account.create and account.delete", id, actions)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func testIsolation(t *testing.T, e *env) {
	_, tokenA, _ := e.tenant(t, "A")
	_, tokenB, _ := e.tenant(t, "B")
	a := e.createAccount(t, tokenA, "demo", "a@example.com", "pw-isolation-a")
	b := e.createAccount(t, tokenB, "demo", "b@example.com", "pw-isolation-b")

	// B asking for A's account must look exactly like asking for one that
	// never existed.
	missing := e.do(t, "GET", "/api/v1/accounts/acc_doesnotexist", tokenB, nil)
	for _, m := range []string{"GET", "DELETE"} {
		res := e.do(t, m, "/api/v1/accounts/"+a.ID, tokenB, nil)
		if res.status != http.StatusNotFound || res.errorCode(t) != twofetch.ENOTFOUND {
			t.Errorf("%s other tenant's account: %d %s", m, res.status, res.body)
		}
		if !bytes.Equal(res.body, missing.body) {
			t.Errorf("%s other tenant's account answers %s, a missing one %s", m, res.body, missing.body)
		}
	}
	res := e.do(t, "GET", "/api/v1/accounts", tokenB, nil)
	var list web.AccountList
	if err := json.Unmarshal(res.body, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Accounts) != 1 || list.Accounts[0].ID != b.ID {
		t.Errorf("B lists %s, want only %s", res.body, b.ID)
	}
	// Paging from A's account id must look like paging from an unknown one.
	fromA := e.do(t, "GET", "/api/v1/accounts?after="+a.ID, tokenB, nil)
	fromNowhere := e.do(t, "GET", "/api/v1/accounts?after=acc_doesnotexist", tokenB, nil)
	if fromA.status != fromNowhere.status || !bytes.Equal(fromA.body, fromNowhere.body) || fromA.status == http.StatusOK && bytes.Contains(fromA.body, []byte(b.ID)) {
		t.Errorf("after=other tenant's id: %d %s; after=unknown id: %d %s", fromA.status, fromA.body, fromNowhere.status, fromNowhere.body)
	}
	// A's account survived B's delete attempt.
	if res := e.do(t, "GET", "/api/v1/accounts/"+a.ID, tokenA, nil); res.status != http.StatusOK {
		t.Errorf("A's account after B's delete: %d %s", res.status, res.body)
	}
}

func testPagination(t *testing.T, e *env) {
	_, token, _ := e.tenant(t, "Pages")
	created := map[string]bool{}
	for i := range 5 {
		a := e.createAccount(t, token, "demo", "user"+string(rune('a'+i))+"@example.com", "pw-page")
		created[a.ID] = true
	}
	seen := map[string]bool{}
	after, pages := "", 0
	for {
		path := "/api/v1/accounts?limit=2"
		if after != "" {
			path += "&after=" + after
		}
		res := e.do(t, "GET", path, token, nil)
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, res.status, res.body)
		}
		var list web.AccountList
		if err := json.Unmarshal(res.body, &list); err != nil {
			t.Fatal(err)
		}
		pages++
		for _, a := range list.Accounts {
			if seen[a.ID] {
				t.Fatalf("account %s on two pages", a.ID)
			}
			seen[a.ID] = true
		}
		if list.NextAfter == "" || pages > 5 {
			break
		}
		after = list.NextAfter
	}
	if len(seen) != len(created) || pages != 3 {
		t.Errorf("paged through %d accounts in %d pages, want %d in 3", len(seen), pages, len(created))
	}
	for _, q := range []string{"limit=0", "limit=201", "limit=x", "limit=-1"} {
		if res := e.do(t, "GET", "/api/v1/accounts?"+q, token, nil); res.status != http.StatusBadRequest || res.errorCode(t) != twofetch.EINVALID {
			t.Errorf("?%s: %d %s", q, res.status, res.body)
		}
	}
}

func testAuth(t *testing.T, e *env) {
	ctx := context.Background()
	ten, token, admin := e.tenant(t, "Auth")
	a := e.createAccount(t, token, "demo", "auth@example.com", "pw-auth")
	revoked, revokedToken, _ := e.tenant(t, "Revoked")
	if err := e.store.RevokeTenant(ctx, revoked.ID, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	_ = ten
	tests := []struct {
		name   string
		header string
	}{
		{"no header", ""},
		{"basic scheme", "Basic " + token},
		{"empty bearer", "Bearer "},
		{"unknown token", "Bearer tfapi_nosuchtoken"},
		{"admin token on the API", "Bearer " + admin},
		{"revoked tenant", "Bearer " + revokedToken},
		{"overlong token", "Bearer " + strings.Repeat("x", 300)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// An existing id and a missing one must give the same 401: no
			// hint about what exists.
			var bodies [][]byte
			for _, path := range []string{"/api/v1/accounts/" + a.ID, "/api/v1/accounts/acc_missing", "/api/v1/accounts", "/api/v1/nosuchroute"} {
				req, _ := http.NewRequest("GET", e.http.URL+path, nil)
				if tt.header != "" {
					req.Header.Set("Authorization", tt.header)
				}
				res, err := e.http.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				r := response{status: res.StatusCode, header: res.Header, body: body}
				if r.status != http.StatusUnauthorized || r.errorCode(t) != twofetch.EUNAUTHORIZED {
					t.Errorf("%s: %d %s", path, r.status, body)
				}
				if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%s: WWW-Authenticate %q", path, res.Header.Get("WWW-Authenticate"))
				}
				bodies = append(bodies, body)
			}
			for _, b := range bodies[1:] {
				if !bytes.Equal(b, bodies[0]) {
					t.Errorf("401 bodies differ: %s vs %s", bodies[0], b)
				}
			}
		})
	}
	t.Run("lower-case scheme", func(t *testing.T) {
		req, _ := http.NewRequest("GET", e.http.URL+"/api/v1/accounts/"+a.ID, nil)
		req.Header.Set("Authorization", "bearer "+token)
		res, err := e.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("status %d", res.StatusCode)
		}
	})
	t.Run("unknown route with a valid token", func(t *testing.T) {
		res := e.do(t, "GET", "/api/v1/nosuchroute", token, nil)
		if res.status != http.StatusNotFound || res.errorCode(t) != twofetch.ENOTFOUND {
			t.Errorf("%d %s", res.status, res.body)
		}
	})
}

func TestCreateAccountValidation(t *testing.T) {
	e := sqliteEnv(t)
	_, token, _ := e.tenant(t, "Validation")
	big := `{"portal":"demo","username":"u","password":"` + strings.Repeat("x", 70<<10) + `"}`
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		code        string
		message     string
	}{
		{"unknown field", "", `{"portal":"demo","username":"u","password":"p","pasword":"x"}`, 400, twofetch.EINVALID, `unknown field "pasword"`},
		{"malformed", "", `{"portal":"demo",`, 400, twofetch.EINVALID, "ends in the middle"},
		{"syntax error", "", `{"portal":demo}`, 400, twofetch.EINVALID, "malformed JSON at byte"},
		{"empty body", "", ``, 400, twofetch.EINVALID, "empty"},
		{"two objects", "", `{"portal":"demo","username":"u","password":"p"}{}`, 400, twofetch.EINVALID, "single JSON object"},
		{"array", "", `[]`, 400, twofetch.EINVALID, "JSON object"},
		{"wrong type", "", `{"portal":"demo","username":"u","password":1234}`, 400, twofetch.EINVALID, `field "password" must be a JSON string`},
		{"too large", "", big, 413, twofetch.ETOOLARGE, "larger than"},
		{"not JSON content type", "text/plain", `{"portal":"demo","username":"u","password":"p"}`, 400, twofetch.EINVALID, "Content-Type"},
		{"multipart", "multipart/form-data; boundary=x", `{"portal":"demo","username":"u","password":"p"}`, 400, twofetch.EINVALID, "Content-Type"},
		{"no portal", "", `{"username":"u","password":"p"}`, 400, twofetch.EINVALID, "portal is required"},
		{"unknown portal", "", `{"portal":"nosuch","username":"u","password":"p"}`, 400, twofetch.EINVALID, `unknown portal "nosuch"`},
		{"no username", "", `{"portal":"demo","username":"  ","password":"p"}`, 400, twofetch.EINVALID, "username is required"},
		{"control in username", "", `{"portal":"demo","username":"a\u0000b","password":"p"}`, 400, twofetch.EINVALID, "control characters"},
		{"no password", "", `{"portal":"demo","username":"u"}`, 400, twofetch.EINVALID, "password is required"},
		{"long password", "", `{"portal":"demo","username":"u","password":"` + strings.Repeat("x", 1025) + `"}`, 400, twofetch.EINVALID, "password is longer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", e.http.URL+"/api/v1/accounts", strings.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+token)
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			res, err := e.http.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			var eb web.ErrorBody
			if err := json.Unmarshal(body, &eb); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if res.StatusCode != tt.status || eb.Error.Code != tt.code || !strings.Contains(eb.Error.Message, tt.message) {
				t.Errorf("got %d %s, want %d %s containing %q", res.StatusCode, body, tt.status, tt.code, tt.message)
			}
		})
	}
	res := e.do(t, "GET", "/api/v1/accounts", token, nil)
	if !bytes.Contains(res.body, []byte(`"accounts":[]`)) {
		t.Errorf("invalid requests created accounts: %s", res.body)
	}

	// What curl -d sends: JSON labelled as a form.
	for _, ct := range []string{"application/x-www-form-urlencoded", "application/json; charset=utf-8", ""} {
		req, _ := http.NewRequest("POST", e.http.URL+"/api/v1/accounts", strings.NewReader(`{"portal":"demo","username":"curl","password":"p"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		res, err := e.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Errorf("Content-Type %q: status %d", ct, res.StatusCode)
		}
	}
}

// TestNoPlaintextPassword creates accounts and then looks for the password
// bytes in every file under the data directory (database, WAL, keyring)
// and in everything logged.
func TestNoPlaintextPassword(t *testing.T) {
	e := sqliteEnv(t)
	ctx := context.Background()
	ten, token, _ := e.tenant(t, "Plaintext")
	passwords := []string{"S3cret-Plaintext-Canary-1", "ZZ-Second-Canary-Password-2"}
	var ids []string
	for i, pw := range passwords {
		a := e.createAccount(t, token, "demo", "canary-user-"+string(rune('a'+i))+"@example.com", pw)
		ids = append(ids, a.ID)
		res := e.do(t, "GET", "/api/v1/accounts/"+a.ID, token, nil)
		if bytes.Contains(res.body, []byte(pw)) {
			t.Errorf("GET reveals the password: %s", res.body)
		}
	}
	// The vault must really hold them, or the scan below proves nothing.
	for i, id := range ids {
		got, err := e.vault.Open(ctx, twofetch.SecretRef{TenantID: ten.ID, AccountID: id, Field: twofetch.FieldPassword})
		if err != nil || string(got) != passwords[i] {
			t.Fatalf("vault.Open(%s) = %q, %v", id, got, err)
		}
	}
	// Scan while the database is open (WAL present) and after closing it
	// (checkpointed).
	scan := func(when string) {
		files := scanDir(t, e.dir, append(stringsToBytes(passwords), []byte("canary-user-a@example.com")))
		if len(files[2]) == 0 {
			t.Fatalf("%s: the scan did not find the username stored in plaintext; it cannot be trusted", when)
		}
		for i := range passwords {
			if len(files[i]) != 0 {
				t.Errorf("%s: password %d found in plaintext in %v", when, i, files[i])
			}
		}
	}
	scan("database open")
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	scan("database closed")
	logs := e.logs.String()
	if !strings.Contains(logs, "http request") {
		t.Fatalf("no request log captured: %q", logs)
	}
	for i, pw := range passwords {
		if strings.Contains(logs, pw) {
			t.Errorf("password %d appears in the log", i)
		}
	}
}

// scanDir returns, for each needle, the files under dir that contain it.
func scanDir(t *testing.T, dir string, needles [][]byte) [][]string {
	t.Helper()
	found := make([][]string, len(needles))
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		for i, needle := range needles {
			if bytes.Contains(b, needle) {
				found[i] = append(found[i], filepath.Base(path))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("no files under %s", dir)
	}
	return found
}

func stringsToBytes(ss []string) [][]byte {
	var out [][]byte
	for _, s := range ss {
		out = append(out, []byte(s))
	}
	return out
}

func TestHealth(t *testing.T) {
	var redisDown error
	e := sqliteEnv(t,
		web.Checker{Name: "database", Check: func(ctx context.Context) error { return nil }},
		web.Checker{Name: "redis", Check: func(ctx context.Context) error { return redisDown }},
	)
	res := e.do(t, "GET", "/healthz", "", nil)
	if res.status != http.StatusOK {
		t.Errorf("healthz: %d %s", res.status, res.body)
	}
	var r web.Readiness
	res = e.do(t, "GET", "/readyz", "", nil)
	if err := json.Unmarshal(res.body, &r); err != nil || res.status != http.StatusOK || r.Status != "ok" || r.Checks["database"] != "ok" || r.Checks["redis"] != "ok" {
		t.Errorf("readyz, all up: %d %s", res.status, res.body)
	}
	redisDown = errors.New("dial tcp 127.0.0.1:1: connection refused")
	res = e.do(t, "GET", "/readyz", "", nil)
	r = web.Readiness{}
	if err := json.Unmarshal(res.body, &r); err != nil || res.status != http.StatusServiceUnavailable || r.Checks["redis"] != "unavailable" || r.Checks["database"] != "ok" {
		t.Errorf("readyz, redis down: %d %s", res.status, res.body)
	}
	if !strings.Contains(e.logs.String(), "connection refused") {
		t.Errorf("the failed check's reason is not logged")
	}
}

func TestReadyzRealStore(t *testing.T) {
	dir := t.TempDir()
	var st twofetch.Store
	e := newEnv(t, backends[0].dsn(t, dir), dir, web.Checker{Name: "database", Check: func(ctx context.Context) error { return st.Ping(ctx) }})
	st = e.store
	if res := e.do(t, "GET", "/readyz", "", nil); res.status != http.StatusOK {
		t.Fatalf("readyz with the store open: %d %s", res.status, res.body)
	}
	e.store.Close()
	if res := e.do(t, "GET", "/readyz", "", nil); res.status != http.StatusServiceUnavailable || !bytes.Contains(res.body, []byte(`"database":"unavailable"`)) {
		t.Errorf("readyz with the store closed: %d %s", res.status, res.body)
	}
}

func TestMiddleware(t *testing.T) {
	e := sqliteEnv(t)
	e.srv.Handle("GET /boom/{token}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("kaboom") }))
	res := e.do(t, "GET", "/boom/secret-link-token", "", nil)
	if res.status != http.StatusInternalServerError || res.errorCode(t) != twofetch.EINTERNAL {
		t.Errorf("panic: %d %s", res.status, res.body)
	}
	if bytes.Contains(res.body, []byte("kaboom")) {
		t.Errorf("panic value leaked to the client: %s", res.body)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
		if got := res.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if res.header.Get("Content-Security-Policy") == "" || res.header.Get("X-Request-Id") == "" {
		t.Errorf("missing CSP or request id: %v", res.header)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "kaboom") || !strings.Contains(logs, `"status":500`) {
		t.Errorf("panic not logged with status 500: %s", logs)
	}
	if strings.Contains(logs, "secret-link-token") {
		t.Errorf("the raw path (which may carry a link token) was logged")
	}
	if !strings.Contains(logs, `"route":"GET /boom/{token}"`) {
		t.Errorf("the route pattern was not logged: %s", logs)
	}
}

func TestServeGracefulShutdown(t *testing.T) {
	e := sqliteEnv(t)
	started, release := make(chan struct{}), make(chan struct{})
	e.srv.Handle("GET /slow", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		w.Write([]byte("done"))
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- e.srv.Serve(ctx, l) }()

	got := make(chan string, 1)
	go func() {
		res, err := http.Get("http://" + l.Addr().String() + "/slow")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		got <- string(b)
	}()
	<-started
	cancel()
	// Once the listener is closed, shutdown has begun; Serve must still be
	// waiting for the in-flight request.
	for {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			break
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v with a request in flight", err)
	default:
	}
	close(release)
	if body := <-got; body != "done" {
		t.Errorf("in-flight request got %q", body)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if _, err := http.Get("http://" + l.Addr().String() + "/healthz"); err == nil {
		t.Errorf("server still accepts connections after shutdown")
	}
}

// TestRenameAccount changes an account's label, and only its own tenant
// can.
func TestRenameAccount(t *testing.T) {
	e := sqliteEnv(t)
	_, token, _ := e.tenant(t, "Renamer")
	_, other, _ := e.tenant(t, "Other")
	a := e.createAccount(t, token, "demo", "rename@example.com", "pw")
	path := "/api/v1/accounts/" + a.ID

	res := e.do(t, "PATCH", path, token, map[string]string{"label": "cust-42"})
	var got twofetch.Account
	if res.status != http.StatusOK || json.Unmarshal(res.body, &got) != nil || got.Label != "cust-42" || got.Status != a.Status {
		t.Fatalf("rename: %d %s", res.status, res.body)
	}
	res = e.do(t, "GET", path, token, nil)
	if !strings.Contains(string(res.body), `"label":"cust-42"`) {
		t.Fatalf("label not kept: %s", res.body)
	}
	if res := e.do(t, "PATCH", path, other, map[string]string{"label": "stolen"}); res.status != http.StatusNotFound {
		t.Fatalf("another tenant renamed the account: %d %s", res.status, res.body)
	}
	for name, body := range map[string]string{
		"nothing to change": `{}`,
		"control":           `{"label":"a\u0007b"}`,
		"too long":          `{"label":"` + strings.Repeat("x", 201) + `"}`,
		"unknown field":     `{"status":"active"}`,
	} {
		if res := e.do(t, "PATCH", path, token, body); res.status != http.StatusBadRequest || res.errorCode(t) != twofetch.EINVALID {
			t.Errorf("%s: %d %s", name, res.status, res.body)
		}
	}
	res = e.do(t, "GET", path, token, nil)
	if !strings.Contains(string(res.body), `"label":"cust-42"`) {
		t.Fatalf("a refused change changed the label: %s", res.body)
	}
}

package web_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/store"
	"github.com/twofetch/twofetch/vault"
	"github.com/twofetch/twofetch/web"
)

// familyEnv is newEnv with portals of two families: amazon-de, amazon-fr
// and audible-de share the Amazon sign-in; github signs in by itself.
func familyEnv(t *testing.T, dsn, dir string) *env {
	t.Helper()
	return catalogEnv(t, dsn, dir, web.PortalFamilyList{
		"amazon-de": "amazon", "amazon-fr": "amazon", "audible-de": "amazon", "github": "github",
	})
}

// catalogEnv is newEnv with the portals of catalog.
func catalogEnv(t *testing.T, dsn, dir string, catalog web.PortalCatalog) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
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
	logs := &testenv.LogLines{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	v, err := vault.New(vault.Config{Store: st, KEK: kr, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{Store: st, Vault: v, Logger: log, Portals: catalog})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &env{dir: dir, store: st, vault: v, srv: srv, http: hs, logs: logs}
}

// TestSharedLoginAPI creates accounts of one family behind one login, by
// login_id and by family and username, on both databases: they open the
// one password sealed for the login, and an enrolled key of the login is
// every account's key.
func TestSharedLoginAPI(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			dir := t.TempDir()
			e := familyEnv(t, b.dsn(t, dir), dir)
			ten, token, _ := e.tenant(t, "Shared")
			_, otherToken, _ := e.tenant(t, "Other")
			ctx := context.Background()
			create := func(tok string, body map[string]string) (response, *twofetch.Account) {
				t.Helper()
				res := e.do(t, "POST", "/api/v1/accounts", tok, body)
				var a twofetch.Account
				if res.status == 201 {
					if err := json.Unmarshal(res.body, &a); err != nil {
						t.Fatal(err)
					}
				}
				return res, &a
			}
			res, de := create(token, map[string]string{"portal": "amazon-de", "username": "ada@example.com", "password": "hunter2"})
			if res.status != 201 || de.LoginID != de.ID {
				t.Fatalf("first account: %d %s", res.status, res.body)
			}
			res, fr := create(token, map[string]string{"portal": "amazon-fr", "username": "ada@example.com", "login_id": de.LoginID})
			if res.status != 201 || fr.LoginID != de.LoginID {
				t.Fatalf("account by login_id: %d %s", res.status, res.body)
			}
			res, au := create(token, map[string]string{"portal": "audible-de", "username": "ada@example.com", "family": "amazon"})
			if res.status != 201 || au.LoginID != de.LoginID {
				t.Fatalf("account by family: %d %s", res.status, res.body)
			}

			for _, c := range []struct {
				name   string
				tok    string
				body   map[string]string
				status int
				code   string
			}{
				{"password with a login", token, map[string]string{"portal": "amazon-fr", "username": "ada@example.com", "login_id": de.LoginID, "password": "x"}, 400, twofetch.EINVALID},
				{"login of another family", token, map[string]string{"portal": "github", "username": "ada@example.com", "login_id": de.LoginID}, 400, twofetch.EINVALID},
				{"login of another username", token, map[string]string{"portal": "amazon-fr", "username": "bob@example.com", "login_id": de.LoginID}, 400, twofetch.EINVALID},
				{"another tenant's login", otherToken, map[string]string{"portal": "amazon-fr", "username": "ada@example.com", "login_id": de.LoginID}, 400, twofetch.EINVALID},
				{"another tenant's family login", otherToken, map[string]string{"portal": "amazon-fr", "username": "ada@example.com", "family": "amazon"}, 400, twofetch.EINVALID},
				{"family of another portal", token, map[string]string{"portal": "github", "username": "ada@example.com", "family": "amazon"}, 400, twofetch.EINVALID},
				{"both", token, map[string]string{"portal": "amazon-fr", "username": "ada@example.com", "family": "amazon", "login_id": de.LoginID}, 400, twofetch.EINVALID},
				{"no password, no login", token, map[string]string{"portal": "amazon-fr", "username": "ada@example.com"}, 400, twofetch.EINVALID},
			} {
				res, _ := create(c.tok, c.body)
				if res.status != c.status || res.errorCode(t) != c.code {
					t.Errorf("%s: %d %s, want %d %s", c.name, res.status, res.body, c.status, c.code)
				}
			}
			// A second Amazon login of the same username makes the family
			// ambiguous.
			if res, _ := create(token, map[string]string{"portal": "amazon-fr", "username": "ada@example.com", "password": "other"}); res.status != 201 {
				t.Fatalf("second login: %d %s", res.status, res.body)
			}
			if res, _ := create(token, map[string]string{"portal": "audible-de", "username": "ada@example.com", "family": "amazon"}); res.status != 409 {
				t.Fatalf("ambiguous family: %d %s, want 409", res.status, res.body)
			}

			res = e.do(t, "GET", "/api/v1/logins/"+de.LoginID, token, nil)
			var view struct {
				ID       string              `json:"id"`
				Family   string              `json:"family"`
				Accounts []*twofetch.Account `json:"accounts"`
			}
			if err := json.Unmarshal(res.body, &view); err != nil || res.status != 200 {
				t.Fatalf("get login: %d %s", res.status, res.body)
			}
			if view.ID != de.LoginID || view.Family != "amazon" || len(view.Accounts) != 3 {
				t.Fatalf("login view: %s", res.body)
			}
			if res := e.do(t, "GET", "/api/v1/logins/"+de.LoginID, otherToken, nil); res.status != 404 {
				t.Fatalf("another tenant reads the login: %d", res.status)
			}

			// Every account opens the login's one password.
			for _, a := range []*twofetch.Account{de, fr, au} {
				got, err := e.vault.Open(ctx, twofetch.LoginSecret(a, twofetch.FieldPassword))
				if err != nil || string(got) != "hunter2" {
					t.Fatalf("account %s opens %q, %v", a.ID, got, err)
				}
			}
			// One confirmed key serves every account behind the login.
			if _, err := e.store.ConfirmKey(ctx, ten.ID, au.ID); err != nil {
				t.Fatal(err)
			}
			for _, a := range []*twofetch.Account{de, fr, au} {
				got, err := e.store.Account(ctx, ten.ID, a.ID)
				if err != nil || !got.HasKey {
					t.Fatalf("account %s after its login's key: %+v %v", a.ID, got, err)
				}
			}

			// Deleting an account keeps the login's secrets for the others;
			// deleting the last removes them.
			for i, a := range []*twofetch.Account{de, fr, au} {
				if res := e.do(t, "DELETE", "/api/v1/accounts/"+a.ID, token, nil); res.status != 204 {
					t.Fatalf("delete %s: %d %s", a.ID, res.status, res.body)
				}
				_, err := e.vault.Open(ctx, twofetch.LoginSecret(a, twofetch.FieldPassword))
				if last := i == 2; last != twofetch.IsNotFound(err) {
					t.Fatalf("after deleting account %d of 3 the login's password: %v", i+1, err)
				}
			}
		})
	}
}

package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/vault"
	"github.com/twofetch/twofetch/web"
)

// TestProxyAPI sets and clears a tenant's and a login's proxy on both
// databases: the URL is sealed, never returned or logged, other tenants
// cannot reach a login's proxy, and the proxy a job's secrets open is the
// one set here.
func TestProxyAPI(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			dir := t.TempDir()
			e := newEnv(t, b.dsn(t, dir), dir)
			ctx := context.Background()
			ten, token, _ := e.tenant(t, "Proxied")
			_, otherToken, _ := e.tenant(t, "Other")
			a := e.createAccount(t, token, "demo", "ada@example.com", "hunter2")
			loginPath := "/api/v1/logins/" + a.LoginOrOwnID() + "/proxy"
			jobProxy := func() string {
				t.Helper()
				got, err := vault.SecretsOf(e.vault, a).Proxy(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
			view := func(path string) web.ProxyView {
				t.Helper()
				res := e.do(t, "GET", path, token, nil)
				var v web.ProxyView
				if res.status != 200 || json.Unmarshal(res.body, &v) != nil {
					t.Fatalf("GET %s: %d %s", path, res.status, res.body)
				}
				if strings.Contains(string(res.body), "s3cret") {
					t.Errorf("GET %s shows the password: %s", path, res.body)
				}
				return v
			}

			if v := view("/api/v1/tenant/proxy"); v.Set {
				t.Fatalf("fresh tenant has a proxy: %+v", v)
			}
			const tenantURL = "socks5://team:s3cret@10.0.0.1:1080"
			res := e.do(t, "PUT", "/api/v1/tenant/proxy", token, map[string]string{"url": tenantURL})
			if res.status != 200 || strings.Contains(string(res.body), "s3cret") {
				t.Fatalf("set tenant proxy: %d %s", res.status, res.body)
			}
			if v := view("/api/v1/tenant/proxy"); !v.Set || v.Endpoint != "socks5://10.0.0.1:1080" {
				t.Errorf("tenant proxy: %+v", v)
			}
			if v := view(loginPath); !v.Set || !v.Inherited || v.Endpoint != "socks5://10.0.0.1:1080" {
				t.Errorf("login without its own proxy: %+v, want the tenant's, inherited", v)
			}
			if got := jobProxy(); got != tenantURL {
				t.Errorf("job proxy %q, want the tenant's %q", got, tenantURL)
			}

			const loginURL = "http://ada:s3cret@proxy.example:3128"
			if res := e.do(t, "PUT", loginPath, token, map[string]string{"url": loginURL}); res.status != 200 {
				t.Fatalf("set login proxy: %d %s", res.status, res.body)
			}
			if v := view(loginPath); !v.Set || v.Inherited || v.Endpoint != "http://proxy.example:3128" {
				t.Errorf("login proxy: %+v", v)
			}
			if got := jobProxy(); got != loginURL {
				t.Errorf("job proxy %q, want the login's %q", got, loginURL)
			}
			// Sealed, not stored as given.
			sec, err := e.store.GetSecret(ctx, twofetch.SecretRef{TenantID: ten.ID, AccountID: a.LoginOrOwnID(), Field: twofetch.FieldProxy})
			if err != nil || strings.Contains(string(sec.Sealed), "s3cret") || strings.Contains(string(sec.Sealed), "proxy.example") {
				t.Errorf("stored proxy secret: %v, plaintext visible: %q", err, sec.Sealed)
			}

			for _, c := range []struct{ name, body, want string }{
				{"no url", `{}`, "url is required"},
				{"ftp", `{"url":"ftp://u:s3cret@h:21"}`, "want http://, https:// or socks5://"},
				{"no scheme", `{"url":"h:3128"}`, "want http://, https:// or socks5://"},
				{"no port", `{"url":"http://u:s3cret@h"}`, "port"},
				{"bad port", `{"url":"http://u:s3cret@h:99999"}`, "port"},
				{"no host", `{"url":"http://u:s3cret@:3128"}`, "host is missing"},
				{"path", `{"url":"http://u:s3cret@h:3128/x"}`, "no path"},
				{"not JSON", `url=http://h:1`, ""},
			} {
				res := e.do(t, "PUT", loginPath, token, c.body)
				if res.status != 400 || !strings.Contains(string(res.body), c.want) || strings.Contains(string(res.body), "s3cret") {
					t.Errorf("%s: %d %s, want 400 %q without the password", c.name, res.status, res.body, c.want)
				}
			}
			if got := jobProxy(); got != loginURL {
				t.Errorf("a refused update changed the proxy to %q", got)
			}

			// Another tenant sees no such login and changes nothing.
			for _, m := range []string{"GET", "PUT", "DELETE"} {
				res := e.do(t, m, loginPath, otherToken, map[string]string{"url": "http://evil:1@10.9.9.9:8080"})
				if res.status != 404 {
					t.Errorf("%s another tenant's login proxy: %d %s, want 404", m, res.status, res.body)
				}
			}
			if res := e.do(t, "PUT", "/api/v1/logins/nosuchlogin/proxy", token, map[string]string{"url": loginURL}); res.status != 404 {
				t.Errorf("unknown login: %d, want 404", res.status)
			}
			if got := jobProxy(); got != loginURL {
				t.Errorf("after another tenant's attempts the job proxy is %q", got)
			}

			if res := e.do(t, "DELETE", loginPath, token, nil); res.status != 204 {
				t.Fatalf("clear login proxy: %d %s", res.status, res.body)
			}
			if got := jobProxy(); got != tenantURL {
				t.Errorf("after clearing the login's proxy the job uses %q, want the tenant's", got)
			}
			if res := e.do(t, "DELETE", "/api/v1/tenant/proxy", token, nil); res.status != 204 {
				t.Fatalf("clear tenant proxy: %d %s", res.status, res.body)
			}
			if res := e.do(t, "DELETE", "/api/v1/tenant/proxy", token, nil); res.status != 204 {
				t.Errorf("clearing twice: %d, want 204", res.status)
			}
			if got := jobProxy(); got != "" {
				t.Errorf("after clearing both the job uses %q, want a direct connection", got)
			}
			if v := view(loginPath); v.Set {
				t.Errorf("login proxy after clearing: %+v", v)
			}

			events, err := e.store.ListAudit(ctx, ten.ID, twofetch.Page{})
			if err != nil {
				t.Fatal(err)
			}
			counts := map[string]int{}
			for _, ev := range events {
				counts[ev.Action]++
				if strings.Contains(ev.Detail, "s3cret") {
					t.Errorf("audit %s holds the password: %q", ev.Action, ev.Detail)
				}
			}
			if counts["proxy.set"] != 2 || counts["proxy.clear"] != 3 {
				t.Errorf("audit counts %v, want 2 proxy.set and 3 proxy.clear", counts)
			}
			for _, l := range e.logs.Lines() {
				if strings.Contains(l, "s3cret") {
					t.Errorf("log line holds the password: %s", l)
				}
			}
		})
	}
}

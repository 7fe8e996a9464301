package web_test

// Each test here performs an attack against the real server (real store,
// real Redis) and asserts that it is refused.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/twofetch/twofetch/web"
)

// A tenant's admin must not reach the queue monitor: it lists, deletes and
// pauses every tenant's tasks and shows their errors.
func TestAttackTenantAdminOpensQueueMonitor(t *testing.T) {
	pe := newPipeEnv(t)
	if res := pe.do(t, "POST", "/api/v1/accounts/"+pe.bAcct.ID+"/runs", pe.bAPI, nil); res.status != http.StatusAccepted {
		t.Fatal(res.status)
	}
	c := pe.browser(t)
	c.login(t, pe.aAdmin)
	for _, path := range []string{web.QueuesPath + "/", web.QueuesPath + "/api/queues", web.QueuesPath + "/api/queues/critical/pending_tasks"} {
		if res := c.get(t, path); res.status == http.StatusOK {
			t.Errorf("tenant admin session opened %s: %d", path, res.status)
		}
		req, _ := http.NewRequest("GET", pe.http.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+pe.aAdmin)
		if res := c.send(t, req); res.status == http.StatusOK {
			t.Errorf("tenant admin bearer opened %s: %d", path, res.status)
		}
	}
	req, _ := http.NewRequest("DELETE", pe.http.URL+web.QueuesPath+"/api/queues/critical", nil)
	req.Header.Set("Authorization", "Bearer "+pe.aAdmin)
	if res := c.send(t, req); res.status/100 == 2 {
		t.Errorf("tenant admin deleted a queue: %d", res.status)
	}
}

// The support cookie must be a random session id, not the admin token, in
// a __Host- cookie that only travels over TLS.
func TestAttackSupportCookieCarriesToken(t *testing.T) {
	pe := newPipeEnv(t)
	c := pe.browser(t)
	res := c.post(t, "/support/login", url.Values{"token": {pe.aAdmin}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("login: %d", res.status)
	}
	ck := res.header.Get("Set-Cookie")
	if strings.Contains(ck, pe.aAdmin) {
		t.Errorf("support cookie holds the admin token: %q", ck)
	}
	for _, want := range []string{"__Host-", "Path=/;", "Secure", "HttpOnly", "SameSite=Strict", "Max-Age="} {
		if !strings.Contains(ck+";", want) {
			t.Errorf("support cookie %q lacks %s", ck, want)
		}
	}
}

// A cookie copied before logout must be dead after it.
func TestAttackSupportCookieReplayAfterLogout(t *testing.T) {
	pe := newPipeEnv(t)
	c := pe.browser(t)
	c.login(t, pe.aAdmin)
	u, _ := url.Parse(pe.http.URL + "/support")
	stolen := c.c.Jar.Cookies(u)
	if len(stolen) == 0 {
		t.Fatal("no cookie after login")
	}
	if res := c.post(t, "/support/logout", nil); res.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.status)
	}
	thief := pe.browser(t)
	thief.c.Jar.SetCookies(u, stolen)
	if res := thief.get(t, "/support"); res.status == http.StatusOK {
		t.Errorf("a cookie copied before logout still opens /support")
	}
}

// A tenant whose admin token leaked rotates it: the old token and every
// session opened with it stop working, the tenant itself stays.
func TestAttackLeakedAdminToken(t *testing.T) {
	pe := newPipeEnv(t)
	thief := pe.browser(t)
	thief.login(t, pe.aAdmin)

	res := pe.do(t, "POST", "/api/v1/tenant/admin-token", pe.aAPI, nil)
	if res.status != http.StatusOK {
		t.Fatalf("rotate admin token: %d %s", res.status, res.body)
	}
	var out struct {
		AdminToken string `json:"admin_token"`
	}
	if err := json.Unmarshal(res.body, &out); err != nil || out.AdminToken == "" || out.AdminToken == pe.aAdmin {
		t.Fatalf("rotate admin token answered %s", res.body)
	}
	if res := thief.get(t, "/support"); res.status == http.StatusOK {
		t.Errorf("a session opened with the old admin token survives rotation")
	}
	if res := pe.do(t, "GET", "/support", pe.aAdmin, nil); res.status != http.StatusUnauthorized {
		t.Errorf("old admin token after rotation: %d", res.status)
	}
	if res := pe.do(t, "GET", "/support", out.AdminToken, nil); res.status != http.StatusOK {
		t.Errorf("new admin token: %d", res.status)
	}
	if res := pe.do(t, "GET", "/api/v1/tenant", pe.aAPI, nil); res.status != http.StatusOK {
		t.Errorf("API token after admin rotation: %d", res.status)
	}
	c := pe.browser(t)
	c.login(t, out.AdminToken)
	if res := c.get(t, "/support"); res.status != http.StatusOK {
		t.Errorf("session with the new admin token: %d", res.status)
	}
	// The other tenant is untouched.
	if res := pe.do(t, "GET", "/support", pe.bAdmin, nil); res.status != http.StatusOK {
		t.Errorf("other tenant's admin token: %d", res.status)
	}
}

// /metrics counts webhook deliveries and failures; open to anyone, it
// tells a tenant what its webhook reached. Without a token it is closed.
func TestAttackMetricsOpenByDefault(t *testing.T) {
	pe := newPipeEnv(t)
	if res := pe.do(t, "GET", "/metrics", "", nil); res.status != http.StatusUnauthorized {
		t.Errorf("/metrics without a configured token: %d, want 401", res.status)
	}
}

// A tenant points its webhook at the machine's own network: loopback,
// private ranges, the cloud metadata service. Each is refused when set,
// with one message whatever listens there.
func TestAttackWebhookURLToPrivateAddress(t *testing.T) {
	pe := newPipeEnv(t)
	listening := strings.TrimPrefix(pe.http.URL, "https://") // a port that is open
	var messages []string
	for _, u := range []string{
		"https://" + listening + "/hook",
		"https://127.0.0.1:1/hook", // a port that is closed
		"https://localhost/hook",   // a name that resolves to loopback
		"https://169.254.169.254/latest/meta-data/",
		"https://10.0.0.1/hook",
		"https://192.168.1.1/hook",
		"https://172.16.0.1/hook",
		"https://100.64.0.1/hook",
		"https://[::1]/hook",
		"https://[fd00::1]/hook",
		"https://[fe80::1]/hook",
		"https://[::ffff:127.0.0.1]/hook",
		"https://0.0.0.0/hook",
		"https://224.0.0.1/hook",
	} {
		res := pe.do(t, "PATCH", "/api/v1/tenant", pe.aAPI, map[string]string{"webhook_url": u})
		if res.status != http.StatusBadRequest {
			t.Errorf("webhook_url %s accepted: %d %s", u, res.status, res.body)
			continue
		}
		var b web.ErrorBody
		_ = json.Unmarshal(res.body, &b)
		if !strings.Contains(b.Error.Message, "refused: private address") {
			t.Errorf("webhook_url %s: message %q lacks the refusal", u, b.Error.Message)
		}
		messages = append(messages, b.Error.Message)
	}
	for _, m := range messages {
		if m != messages[0] {
			t.Errorf("refusals differ (%q vs %q): they must not tell open from closed ports", messages[0], m)
		}
	}
	res := pe.do(t, "PATCH", "/api/v1/tenant", pe.aAPI, map[string]string{"webhook_url": "http://hooks.example.com/x"})
	if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "https") {
		t.Errorf("plain http webhook accepted: %d %s", res.status, res.body)
	}
	if res := pe.do(t, "PATCH", "/api/v1/tenant", pe.aAPI, map[string]string{"webhook_url": "https://hooks.example.com/x"}); res.status != http.StatusOK {
		t.Errorf("public https webhook refused: %d %s", res.status, res.body)
	}
}

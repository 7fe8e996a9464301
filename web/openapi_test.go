package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/enroll"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/sms"
	"github.com/twofetch/twofetch/web"
)

// openAPIEnv mounts every API route the twofetch binary mounts and fetches
// the served document, without a token.
func openAPIEnv(t *testing.T) (*pipeEnv, map[string]any) {
	t.Helper()
	pe := newPipeEnv(t)
	pe.pipe.MountPortalHealth(pe.srv, fakeScripts{})
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	en, err := enroll.New(enroll.Config{
		Store: pe.store, Vault: pe.vault, Redis: rdb, PublicURL: pe.http.URL,
		Sender: sms.SenderFunc(func(context.Context, string, string) error { return nil }),
	})
	if err != nil {
		t.Fatal(err)
	}
	en.Mount(pe.srv)
	res := pe.do(t, "GET", "/api/v1/openapi.json", "", nil)
	if res.status != http.StatusOK {
		t.Fatalf("GET openapi.json without a token: %d %s", res.status, res.body)
	}
	var doc map[string]any
	if err := json.Unmarshal(res.body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi = %v", doc["openapi"])
	}
	return pe, doc
}

func TestOpenAPIMatchesRouter(t *testing.T) {
	pe, doc := openAPIEnv(t)
	served := map[string]bool{}
	for _, p := range pe.srv.Routes() {
		method, path, ok := strings.Cut(p, " ")
		if !ok || !strings.HasPrefix(path, "/api/v1/") {
			continue // the JSON 404 catch-all has no method
		}
		served[strings.ToLower(method)+" "+path] = true
	}
	documented := map[string]bool{}
	for path, item := range doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			if method != "parameters" {
				documented[method+" "+path] = true
			}
		}
	}
	if len(served) < 20 {
		t.Fatalf("only %d API routes seen: %v", len(served), served)
	}
	var missing, extra []string
	for r := range served {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for r := range documented {
		if !served[r] {
			extra = append(extra, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("served but not documented: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("documented but not served: %v", extra)
	}
}

func TestOpenAPIResponsesMatchHandlers(t *testing.T) {
	pe, doc := openAPIEnv(t)
	ctx := context.Background()
	inv := pe.storeInvoice(t, pe.aAcct, "R-1", pdf(1), time.Now())
	if err := pe.store.CreateInvoice(ctx, &twofetch.Invoice{TenantID: pe.a.ID, AccountID: pe.aAcct.ID, Portal: "demo",
		PortalInvoiceID: "E1", SHA256: fmt.Sprintf("%064d", 1), ContentType: "application/pdf"}); err != nil {
		t.Fatal(err)
	}
	a := pe.aAcct.ID
	run := pe.do(t, "POST", "/api/v1/accounts/"+a+"/runs", pe.aAPI, nil)
	var rv web.RunView
	_ = json.Unmarshal(run.body, &rv)
	pe.finish(t, pe.a.ID, rv.ID, twofetch.OutcomeOK, "done", 1)
	// A number of its own keeps the per-phone SMS limit in shared Redis
	// from carrying over between runs.
	phone := fmt.Sprintf("+4915%09d", time.Now().UnixNano()%1e9)
	enr := pe.do(t, "POST", "/api/v1/accounts/"+a+"/enrollments", pe.aAPI, map[string]string{"phone": phone, "language": "de"})
	var ev struct{ ID string }
	_ = json.Unmarshal(enr.body, &ev)
	cases := []struct {
		method, path, docPath, status string
		body                          any
		res                           response
	}{
		{method: "post", docPath: "/api/v1/accounts", status: "201", res: pe.do(t, "POST", "/api/v1/accounts", pe.aAPI, map[string]string{"portal": "other", "username": "u@example.com", "password": "pw-for-the-other-portal"})},
		{method: "get", docPath: "/api/v1/accounts", status: "200", res: pe.do(t, "GET", "/api/v1/accounts", pe.aAPI, nil)},
		{method: "get", docPath: "/api/v1/accounts/{id}", status: "200", res: pe.do(t, "GET", "/api/v1/accounts/"+a, pe.aAPI, nil)},
		{method: "get", docPath: "/api/v1/accounts/{id}", status: "404", res: pe.do(t, "GET", "/api/v1/accounts/"+pe.bAcct.ID, pe.aAPI, nil)},
		{method: "patch", docPath: "/api/v1/accounts/{id}", status: "200", res: pe.do(t, "PATCH", "/api/v1/accounts/"+a, pe.aAPI, map[string]string{"label": "cust-7"})},
		{method: "patch", docPath: "/api/v1/accounts/{id}", status: "400", res: pe.do(t, "PATCH", "/api/v1/accounts/"+a, pe.aAPI, map[string]string{"label": "a\u0007"})},
		{method: "get", docPath: "/api/v1/accounts", status: "401", res: pe.do(t, "GET", "/api/v1/accounts", "wrong", nil)},
		{method: "post", docPath: "/api/v1/accounts", status: "400", res: pe.do(t, "POST", "/api/v1/accounts", pe.aAPI, map[string]string{"portal": "nope"})},
		{method: "get", docPath: "/api/v1/logins/{id}", status: "200", res: pe.do(t, "GET", "/api/v1/logins/"+pe.aAcct.LoginID, pe.aAPI, nil)},
		{method: "get", docPath: "/api/v1/tenant", status: "200", res: pe.do(t, "GET", "/api/v1/tenant", pe.aAPI, nil)},
		{method: "patch", docPath: "/api/v1/tenant", status: "200", res: pe.do(t, "PATCH", "/api/v1/tenant", pe.aAPI, map[string]any{"quiet_start": 22, "quiet_end": 6})},
		{method: "put", docPath: "/api/v1/tenant/proxy", status: "200", res: pe.do(t, "PUT", "/api/v1/tenant/proxy", pe.aAPI, map[string]string{"url": "socks5://u:p@10.0.0.1:1080"})},
		{method: "put", docPath: "/api/v1/tenant/proxy", status: "400", res: pe.do(t, "PUT", "/api/v1/tenant/proxy", pe.aAPI, map[string]string{"url": "ftp://10.0.0.1:21"})},
		{method: "get", docPath: "/api/v1/logins/{id}/proxy", status: "200", res: pe.do(t, "GET", "/api/v1/logins/"+pe.aAcct.LoginID+"/proxy", pe.aAPI, nil)},
		{method: "get", docPath: "/api/v1/logins/{id}/proxy", status: "404", res: pe.do(t, "GET", "/api/v1/logins/"+pe.bAcct.LoginID+"/proxy", pe.aAPI, nil)},
		{method: "post", docPath: "/api/v1/accounts/{id}/runs", status: "202", res: run},
		{method: "get", docPath: "/api/v1/accounts/{id}/runs", status: "200", res: pe.do(t, "GET", "/api/v1/accounts/"+a+"/runs", pe.aAPI, nil)},
		{method: "get", docPath: "/api/v1/accounts/{id}/runs/{rid}", status: "200", res: pe.do(t, "GET", "/api/v1/accounts/"+a+"/runs/"+rv.ID, pe.aAPI, nil)},
		{method: "get", docPath: "/api/v1/invoices", status: "200", res: pe.do(t, "GET", "/api/v1/invoices", pe.aAPI, nil)},
		{method: "get", docPath: "/api/v1/invoices/{id}", status: "200", res: pe.do(t, "GET", "/api/v1/invoices/"+inv.ID, pe.aAPI, nil)},
		{method: "get", docPath: "/api/v1/events", status: "200", res: pe.do(t, "GET", "/api/v1/events", pe.aAPI, nil)},
		{method: "get", docPath: "/api/v1/portals/health", status: "200", res: pe.do(t, "GET", "/api/v1/portals/health", pe.aAPI, nil)},
		{method: "post", docPath: "/api/v1/accounts/{id}/enrollments", status: "201", res: enr},
		{method: "get", docPath: "/api/v1/accounts/{id}/enrollments/{eid}", status: "200", res: pe.do(t, "GET", "/api/v1/accounts/"+a+"/enrollments/"+ev.ID, pe.aAPI, nil)},
		{method: "post", docPath: "/api/v1/logins/{id}/enrollments", status: "201", res: pe.do(t, "POST", "/api/v1/logins/"+pe.aAcct.LoginID+"/enrollments", pe.aAPI, map[string]string{"phone": phone, "language": "de"})},
		{method: "post", docPath: "/api/v1/tenant/admin-token", status: "200", res: pe.do(t, "POST", "/api/v1/tenant/admin-token", pe.aAPI, nil)},
	}
	v := testenv.OpenAPI{Doc: doc}
	for _, c := range cases {
		name := c.method + " " + c.docPath + " " + c.status
		if got := fmt.Sprint(c.res.status); got != c.status {
			t.Errorf("%s: answered %s %s", name, got, c.res.body)
			continue
		}
		schema := v.ResponseSchema(t, c.method, c.docPath, c.status)
		var body any
		if err := json.Unmarshal(c.res.body, &body); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if errs := v.Check(schema, body, "$"); len(errs) > 0 {
			t.Errorf("%s: body %s does not match the document:\n%s", name, c.res.body, strings.Join(errs, "\n"))
		}
	}
	// Every event the operator can read is what its webhook promises.
	var evs struct{ Events []map[string]any }
	if err := json.Unmarshal(pe.do(t, "GET", "/api/v1/events", pe.aAPI, nil).body, &evs); err != nil {
		t.Fatal(err)
	}
	if len(evs.Events) == 0 {
		t.Fatal("no events to check against the webhook schemas")
	}
	for _, ev := range evs.Events {
		typ, _ := ev["type"].(string)
		schema := v.WebhookSchema(typ)
		if schema == nil {
			t.Errorf("event type %q has no webhook in the document", typ)
			continue
		}
		if errs := v.Check(schema, ev, "$"); len(errs) > 0 {
			t.Errorf("%s event does not match its webhook:\n%s", typ, strings.Join(errs, "\n"))
		}
	}
	// The check must be able to fail: a body missing a required property
	// or carrying an undocumented one is refused.
	acct := v.Resolve(map[string]any{"$ref": "#/components/schemas/Account"})
	if len(v.Check(acct, map[string]any{"id": "x"}, "$")) == 0 {
		t.Error("an account without its required properties passed")
	}
	if len(v.Check(acct, map[string]any{"password": 1}, "$")) == 0 {
		t.Error("an undocumented property passed")
	}
}

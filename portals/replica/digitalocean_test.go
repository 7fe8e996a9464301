package replica

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func init() { ownSignIn["digitalocean"] = doSignIn }

func doSignIn(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	t.Helper()
	v := post(t, c, doBase+"/login", url.Values{"email": {email}, "password": {pw}})
	if !strings.Contains(v.body, `class="tfa-form"`) || !strings.Contains(v.body, `id="code" name="otp"`) {
		t.Fatalf("want the code form, at %s:\n%s", v.url, v.body)
	}
	v = post(t, c, doBase+"/login", url.Values{"otp": {otp}})
	if v.url == doBase+"/projects" {
		v = get(t, c, doBase+"/account/billing/history")
	}
	return v
}

func doGQL(t *testing.T, c *http.Client, op string, vars map[string]any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"operationName": op, "variables": vars, "query": "query " + op})
	res, err := c.Post(doBase+"/graphql", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func TestDigitalOceanGraphQLAndPDF(t *testing.T) {
	s := server(t)
	p := s.Portal("digitalocean")
	email, pw, k := newUser(t, p)
	c := s.Client()
	if v := get(t, c, doBase+"/login"); !strings.Contains(v.body, `iframe class="truste_popframe"`) {
		t.Error("no TrustArc pop-up on a first visit")
	}
	if v := get(t, c, "https://consent-pref.trustarc.com/?type=digitalocean_v2&layout=gdpr&site=digitalocean.com"); !strings.Contains(v.body, `class="acceptAllButtonLower"`) {
		t.Error("the pop-up has no accept button")
	}
	if code, _ := doGQL(t, c, "listBillingHistory", nil); code != http.StatusUnauthorized {
		t.Errorf("GraphQL without a session: %d", code)
	}
	v := doSignIn(t, c, p.spec, email, pw, currentCode(t, k, time.Now()))
	if v.url != p.spec.Billing.URL || !strings.Contains(v.body, `aria-label="User Menu"`) {
		t.Fatalf("after the code: at %s", v.url)
	}
	_, me := doGQL(t, c, "getMe", nil)
	team := me["data"].(map[string]any)["getMe"].(map[string]any)["current_context"].(map[string]any)["uuid"].(string)
	_, list := doGQL(t, c, "listBillingHistory", map[string]any{"listBillingHistoryRequest": map[string]any{"page": 1, "per_page": 100}})
	items := list["data"].(map[string]any)["listBillingHistory"].(map[string]any)["billing_history"].([]any)
	want := p.Invoices(email)
	var invoices []map[string]any
	for _, it := range items {
		if m := it.(map[string]any); m["invoice_id"] != "" {
			invoices = append(invoices, m)
		}
	}
	if len(items) != 6 || len(invoices) != 3 || invoices[0]["invoice_uuid"] != want[0].ID || !strings.HasPrefix(invoices[0]["date"].(string), want[0].Date.Format(time.DateOnly)) {
		t.Fatalf("history %v, want 3 invoices and 3 payments, newest %s", items, want[0].ID)
	}
	res, err := c.Get(doBase + "/v2/customers/do:team:" + team + "/invoices/" + want[0].ID + "/pdf")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF-")) {
		t.Errorf("PDF: %s %s", res.Status, res.Header.Get("Content-Type"))
	}
	if res, err := c.Get(doBase + "/v2/customers/do:team:other/invoices/" + want[0].ID + "/pdf"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("another team's path: %v %v", res.Status, err)
	}
	_, pdf := doGQL(t, c, "getInvoicePDF", map[string]any{"request": map[string]any{"invoice_uuid": want[1].ID}})
	data, _ := base64.StdEncoding.DecodeString(pdf["data"].(map[string]any)["getInvoicePDF"].(map[string]any)["data"].(string))
	if !bytes.HasPrefix(data, []byte("%PDF-")) || !bytes.Contains(data, []byte(want[1].Number)) {
		t.Errorf("getInvoicePDF: %.40q", data)
	}
}

func TestDigitalOceanRefusals(t *testing.T) {
	s := server(t)
	p := s.Portal("digitalocean")
	email, pw, _ := newUser(t, p)
	if v := post(t, s.Client(), doBase+"/login", url.Values{"email": {email}, "password": {pw + "x"}}); !strings.Contains(v.body, "Incorrect email or password") || strings.Contains(v.body, "tfa-form") {
		t.Errorf("wrong password:\n%s", v.body)
	}
	c := s.Client()
	post(t, c, doBase+"/login", url.Values{"email": {email}, "password": {pw}})
	if v := post(t, c, doBase+"/login", url.Values{"otp": {"000000"}}); !strings.Contains(v.body, "Incorrect code") || !strings.Contains(v.body, "tfa-form") {
		t.Errorf("refused code:\n%s", v.body)
	}
	if v := get(t, c, p.spec.Billing.URL); v.url == p.spec.Billing.URL {
		t.Error("billing reachable without the code")
	}
}

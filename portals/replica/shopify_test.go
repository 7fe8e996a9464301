package replica

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func init() { ownSignIn["shopify"] = shopifySignIn }

func shopifySignIn(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	t.Helper()
	v := post(t, c, shopifyAccounts+"/store-login", url.Values{"account[email]": {email}})
	if !strings.Contains(v.body, `name="account[password]"`) {
		t.Fatalf("want the password form:\n%s", v.body)
	}
	v = post(t, c, shopifyAccounts+"/store-login", url.Values{"account[email]": {email}, "account[password]": {pw}})
	if !strings.HasSuffix(v.url, "/two-factor/app") || !strings.Contains(v.body, `name="tfa_code"`) {
		t.Fatalf("want the code form, at %s:\n%s", v.url, v.body)
	}
	post(t, c, shopifyAccounts+"/two-factor/app", url.Values{"tfa_code": {otp}})
	return get(t, c, shopifyStoreURL+"/settings/billing")
}

func shopifyCall(t *testing.T, c *http.Client, csrf, op, typ string, vars map[string]any) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"operationName": op, "variables": vars, "query": "…"})
	req, _ := http.NewRequest("POST", shopifyAdmin+"/api/shopify/"+ShopifyStore+"?operation="+op+"&type="+typ, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Csrf-Token", csrf)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	data, _ := out["data"].(map[string]any)
	return res.StatusCode, data
}

func TestShopifySignInAndBills(t *testing.T) {
	s := server(t)
	p := s.Portal("shopify")
	email, pw, k := newUser(t, p)

	if v := post(t, s.Client(), shopifyAccounts+"/store-login", url.Values{"account[email]": {"nobody@example.com"}}); !strings.HasSuffix(v.url, "/signup") {
		t.Errorf("an unknown address: at %s", v.url)
	}
	c := s.Client()
	post(t, c, shopifyAccounts+"/store-login", url.Values{"account[email]": {email}})
	post(t, c, shopifyAccounts+"/store-login", url.Values{"account[email]": {email}, "account[password]": {pw}})
	if v := post(t, c, shopifyAccounts+"/two-factor/app", url.Values{"tfa_code": {"000000"}}); !strings.Contains(v.body, `name="tfa_code"`) {
		t.Fatalf("a refused code did not bring the form back:\n%s", v.body)
	}
	v := post(t, c, shopifyAccounts+"/two-factor/app", url.Values{"tfa_code": {currentCode(t, k, time.Now())}})
	if v.url != shopifyStoreURL || !strings.Contains(v.body, `id="AppFrameNav"`) {
		t.Fatalf("after the code: at %s", v.url)
	}
	m := regexp.MustCompile(`data-serialized-id="server-data">\{"csrfToken":"([0-9a-f]+)"\}`).FindStringSubmatch(v.body)
	if m == nil {
		t.Fatalf("no CSRF token in the server data:\n%s", v.body)
	}
	if st, _ := shopifyCall(t, c, "wrong", "BillingHistory", "query", nil); st != http.StatusUnauthorized {
		t.Errorf("a wrong CSRF token: %d", st)
	}

	// Two bills a page: the cursor leads to the third.
	want := p.Invoices(email)
	var ids []string
	var after any
	for range 3 {
		vars := map[string]any{"firstAmount": 2}
		if after != nil {
			vars["cursorAfter"] = after
		}
		_, data := shopifyCall(t, c, m[1], "BillingHistory", "query", vars)
		inv := data["billingAccount"].(map[string]any)["invoices"].(map[string]any)
		edges := inv["edges"].([]any)
		for _, e := range edges {
			ids = append(ids, e.(map[string]any)["node"].(map[string]any)["id"].(string))
			after = e.(map[string]any)["cursor"]
		}
		if !inv["pageInfo"].(map[string]any)["hasNextPage"].(bool) {
			break
		}
	}
	if len(ids) != 3 || ids[0] != "gid://shopify/BillingInvoice/"+want[0].ID {
		t.Fatalf("bills %v, want 3 starting with %s", ids, want[0].ID)
	}

	pdfURL := shopifyStoreURL + "/invoices/" + want[0].ID + "/pdf_download.pdf?document_type=INVOICE"
	_, data := shopifyCall(t, c, m[1], "BillingDocumentDownload", "mutation", map[string]any{"id": ids[0], "documentType": "INVOICE"})
	job := data["billingDocumentDownload"].(map[string]any)["job"].(map[string]any)["id"].(string)
	if _, data := shopifyCall(t, c, m[1], "JobPoller", "query", map[string]any{"id": job}); data["job"].(map[string]any)["done"] != true {
		t.Errorf("job %s not done: %v", job, data)
	}
	res, err := c.Get(pdfURL)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte(want[0].Number)) {
		t.Errorf("PDF %s: %.40q", res.Status, pdf)
	}

	p.SetMode(Captcha)
	defer p.SetMode(0)
	if v := get(t, s.Client(), shopifyAccounts+"/store-login"); !strings.Contains(v.body, `<div id="h-captcha"><iframe src="https://newassets.hcaptcha.com/`) || !strings.Contains(v.body, " disabled>") {
		t.Errorf("captcha mode:\n%s", v.body)
	}
}

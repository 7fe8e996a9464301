package replica

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func init() { ownSignIn["slack"] = slackSignIn }

func slackPassword(t *testing.T, c *http.Client, email, pw string) visit {
	t.Helper()
	v := get(t, c, slackBase+"/admin/billing/history")
	if !strings.HasPrefix(v.url, slackBase+"/sign_in_with_password?redir=") || !strings.Contains(v.body, `<form id="signin_form"`) {
		t.Fatalf("billing without a session: at %s", v.url)
	}
	return post(t, c, slackBase+"/sign_in_with_password", url.Values{"email": {email}, "password": {pw}, "redir": {"/admin/billing/history"}})
}

func slackSignIn(t *testing.T, c *http.Client, _ *spec, email, pw, otp string) visit {
	t.Helper()
	v := slackPassword(t, c, email, pw)
	if strings.Count(v.body, `inputmode="numeric" maxlength="1"`) != 6 || !strings.Contains(v.body, `name="2fa_code"`) {
		t.Fatalf("want six digit boxes, at %s:\n%s", v.url, v.body)
	}
	return post(t, c, slackBase+"/sign_in_with_password", url.Values{"2fa_code": {otp}, "redir": {"/admin/billing/history"}})
}

func slackAPI(t *testing.T, c *http.Client, token string) map[string]any {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("token", token)
	_ = mw.WriteField("limit", "50")
	mw.Close()
	res, err := c.Post(slackBase+"/api/payments.billing.history.list", mw.FormDataContentType(), &b)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSlackBillingAndHostedInvoices(t *testing.T) {
	s := server(t)
	p := s.Portal("slack")
	email, pw, k := newUser(t, p)
	c := s.Client()
	v := slackSignIn(t, c, p.spec, email, pw, currentCode(t, k, time.Now()))
	if v.url != p.spec.Billing.URL {
		t.Fatalf("after the code: at %s", v.url)
	}
	m := regexp.MustCompile(`var boot_data = \{api_token: "(xoxc-[0-9a-f]+)"\}`).FindStringSubmatch(v.body)
	if m == nil {
		t.Fatalf("no boot token:\n%s", v.body)
	}
	if out := slackAPI(t, c, "xoxc-wrong"); out["ok"] != false || out["error"] != "invalid_auth" {
		t.Errorf("wrong token: %v", out)
	}
	out := slackAPI(t, c, m[1])
	items, _ := out["billing_items"].([]any)
	want := p.Invoices(email)
	if out["ok"] != true || len(items) != 3 {
		t.Fatalf("history: %v", out)
	}
	hosted := items[0].(map[string]any)["invoice"].(map[string]any)["hosted_url"].(string)
	if !strings.HasPrefix(hosted, "https://invoice.stripe.com/i/acct_") || !strings.HasSuffix(hosted, "/"+want[0].ID) {
		t.Fatalf("hosted_url %q, want the invoice %s", hosted, want[0].ID)
	}
	// The hosted page opens without the Slack session, as a link does.
	page := get(t, s.Client(), hosted)
	pdf := regexp.MustCompile(`href="(https://pay\.stripe\.com/invoice/[^"]+/pdf)"`).FindStringSubmatch(page.body)
	if pdf == nil {
		t.Fatalf("no PDF link on the hosted invoice:\n%s", page.body)
	}
	res, err := s.Client().Get(pdf[1])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.Header.Get("Content-Type") != "application/pdf" || !bytes.Contains(b, []byte(want[0].Number)) {
		t.Errorf("PDF: %s %.30q", res.Status, b)
	}
	if res, err := s.Client().Get("https://invoice.stripe.com/i/acct_NOPE/" + want[0].ID); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("another account's invoice: %v %v", res.Status, err)
	}
}

func TestSlackRefusals(t *testing.T) {
	s := server(t)
	p := s.Portal("slack")
	email, pw, _ := newUser(t, p)
	if v := slackPassword(t, s.Client(), email, pw+"x"); !strings.Contains(v.body, `role="alert"`) || strings.Contains(v.body, "2fa_code") {
		t.Errorf("wrong password:\n%s", v.body)
	}
	c := s.Client()
	slackPassword(t, c, email, pw)
	if v := post(t, c, slackBase+"/sign_in_with_password", url.Values{"2fa_code": {"000000"}}); !strings.Contains(v.body, `role="alert"`) || !strings.Contains(v.body, "2fa_code") {
		t.Errorf("refused code:\n%s", v.body)
	}
	if out := slackAPI(t, c, ""); out["ok"] != false {
		t.Errorf("API before the code: %v", out)
	}
}

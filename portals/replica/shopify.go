package replica

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ShopifyStore is the one store the Shopify replica serves; a merchant's
// own store handle takes its place on the real admin.
const ShopifyStore = "twofetch-demo"

// Shopify's store sign-in and the admin's billing history, as these public
// sources show them (read 2026-12-06):
//
//   - vishal00074/automationTestingScript sample_automation_scripts/
//     shopify.php (modified 2025-03-11): https://accounts.shopify.com/store-login;
//     input[type=email][name="account[email]"], then
//     input[name="account[password]"][type=password], each sent by
//     button[name=commit]; an unknown address lands on /signup; hCaptcha
//     (#h-captcha iframe[src*=hcaptcha]) keeps the button disabled until
//     solved; the second factor under /two-factor/… (web_authn, passkey,
//     app, sms, recovery-code, reached through a[href*="/two-factor/app"]),
//     the code in input[name=tfa_code] sent by button[name=commit] and
//     asked again after a refused code; the security-settings reminder
//     a.remind-me-later-link[href*="confirm_security_settings/confirm?prompt_later=true"];
//     signed in when #AppFrameNav a[href*="/settings"] shows; billing at
//     https://admin.shopify.com/store/<store>/settings/billing.
//   - Andreii-Davydenko/Verzamel-test providers/shopify.provider.js: the
//     admin at https://admin.shopify.com/store/<store> (#AppFrame); the
//     admin's GraphQL at POST /api/shopify/<store>?operation=…&type=query|mutation
//     with an X-Csrf-Token; BillingHistory (billingAccount.invoices with
//     first/after, filters.status, pageInfo.hasNextPage, edges.cursor,
//     node id/createdAt/description); BillingDocumentDownload(id,
//     documentType: INVOICE) answering job.id; JobPoller(id) answering
//     job.done; then the PDF at /store/<store>/invoices/<n>/pdf_download.pdf?document_type=INVOICE,
//     n being the last segment of the invoice's id; "Bill #n" when a bill
//     has no description; the cookies koa.sid and koa.sid.sig.
//   - Public admin scripts in the code index (repositories not named): the
//     admin page keeps its CSRF token in the JSON of
//     [data-serialized-id="server-data"] (csrfToken), sent as X-CSRF-Token
//     with shopify-proxy-api-enable and apollographql-client-name: core.
//   - help.shopify.com (managing your bills): Settings › Billing › past
//     bills, each exportable as PDF or CSV; bills mostly in USD.
//
// Not in any source, and marked where the page shows it: every label and
// text of the sign-in pages, where its forms post (here back to
// /store-login and to the two-factor page), what a wrong password or a
// refused code shows (here the form again, the field empty), the
// two-factor page's address beyond "/two-factor/app", the markup of the
// admin around #AppFrame and of the billing page (the replica shows the
// bills plainly), the BillingHistory node's other fields (no amount is
// read), the shape of ids (gid://shopify/BillingInvoice/<n> here), and
// how long a download job takes (here done at once).
var (
	shopifyAccounts = "https://accounts.shopify.com"
	shopifyAdmin    = "https://admin.shopify.com"
	shopifyStoreURL = shopifyAdmin + "/store/" + ShopifyStore
)

func init() {
	register(&spec{
		ID: "shopify", Name: "Shopify", Color: "#008060",
		SessionCookie: "koa.sid",
		// The sign-in on accounts.shopify.com leads into admin.shopify.com.
		CookieDomain: "shopify.com",
		Login:        loginSpec{URL: shopifyAccounts + "/store-login"},
		Billing:      billingSpec{URL: shopifyStoreURL + "/settings/billing"},
		// Shopify ID's security settings (help.shopify.com); the replica
		// serves the key at an address of its own.
		Settings: shopifyAccounts + "/accounts/security",
		Terms:    shopifyAccounts + "/confirm_security_settings",
		Hosts:    []string{"newassets.hcaptcha.com"},
		Mint: func(sum []byte, seq int) (string, string) {
			n := strconv.Itoa(270000000 + int(sum[0])*1000 + seq)
			return n, n
		},
		Pages: shopifyPages,
	})
}

type shopify struct {
	p     *Portal
	pages pageSet

	mu   sync.Mutex
	jobs map[string]bool // download jobs started
}

type shopifyData struct {
	V, Email, Error string
	Captcha         bool
	CSRF            string
	Bills           []invoiceView
}

func shopifyPages(p *Portal, rs *Routes) {
	s := &shopify{p: p, pages: newPageSet(shopifyLayout, shopifyPageSources, nil), jobs: map[string]bool{}}
	rs.Handle("GET", shopifyAccounts+"/store-login", s.storeLogin)
	rs.Handle("POST", shopifyAccounts+"/store-login", s.storeLoginPost)
	rs.Handle("GET", shopifyAccounts+"/signup", s.signup)
	rs.Handle("GET", shopifyAccounts+"/two-factor/app", s.twoFactor)
	rs.Handle("POST", shopifyAccounts+"/two-factor/app", s.twoFactorPost)
	rs.Handle("GET", p.spec.Terms, s.securityReminder)
	rs.Handle("GET", p.spec.Terms+"/confirm", s.securityLater)
	rs.Handle("GET", shopifyStoreURL, s.admin)
	rs.Handle("GET", shopifyStoreURL+"/settings/billing", s.admin)
	rs.Handle("POST", shopifyAdmin+"/api/shopify/"+ShopifyStore, s.graphql)
	rs.Handle("GET", shopifyStoreURL+"/invoices/{n}/pdf_download.pdf", s.pdf)
	rs.Handle("GET", "https://newassets.hcaptcha.com/captcha/v1/static/hcaptcha.html", s.hcaptcha)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

func (s *shopify) data() *shopifyData { return &shopifyData{V: s.p.layoutPrefix()} }

func (s *shopify) storeLogin(w http.ResponseWriter, r *http.Request) {
	d := s.data()
	d.Captcha = s.p.currentMode()&Captcha != 0
	s.pages.render(w, http.StatusOK, "email", d)
}

// storeLoginPost takes the e-mail address, then the password, each from
// its own form posted to the sign-in page.
func (s *shopify) storeLoginPost(w http.ResponseWriter, r *http.Request) {
	p := s.p
	_ = r.ParseForm()
	d := s.data()
	if p.currentMode()&Captcha != 0 {
		// The button stays disabled until the captcha is solved; a post
		// without it gets the captcha again.
		d.Captcha = true
		s.pages.render(w, http.StatusOK, "email", d)
		return
	}
	d.Email = strings.TrimSpace(r.PostForm.Get("account[email]"))
	u := p.lookup(d.Email)
	if u == nil {
		http.Redirect(w, r, shopifyAccounts+"/signup", http.StatusFound)
		return
	}
	pw, ok := r.PostForm["account[password]"]
	if !ok {
		s.pages.render(w, http.StatusOK, "password", d)
		return
	}
	if !p.passwordOK(u, strings.Join(pw, "")) {
		// What the real page says is not in the sources.
		d.Error = "Incorrect email or password."
		s.pages.render(w, http.StatusOK, "password", d)
		return
	}
	if _, st := p.signIn(w, r, u, true); st == stageIn {
		http.Redirect(w, r, shopifyStoreURL, http.StatusFound)
		return
	}
	http.Redirect(w, r, shopifyAccounts+"/two-factor/app", http.StatusFound)
}

func (s *shopify) signup(w http.ResponseWriter, r *http.Request) {
	s.pages.render(w, http.StatusOK, "signup", s.data())
}

func (s *shopify) twoFactor(w http.ResponseWriter, r *http.Request) {
	if ss, st := s.p.session(r); ss == nil || st != stage2FA {
		http.Redirect(w, r, shopifyAccounts+"/store-login", http.StatusFound)
		return
	}
	s.pages.render(w, http.StatusOK, "code", s.data())
}

func (s *shopify) twoFactorPost(w http.ResponseWriter, r *http.Request) {
	ss, st := s.p.session(r)
	if ss == nil || st != stage2FA {
		http.Redirect(w, r, shopifyAccounts+"/store-login", http.StatusFound)
		return
	}
	_ = r.ParseForm()
	d := s.data()
	if !s.p.verifyCode(ss, r.PostForm.Get(d.V+"tfa_code")) {
		s.pages.render(w, http.StatusOK, "code", d)
		return
	}
	s.p.enter(w, r, ss, shopifyStoreURL)
}

// securityReminder is the prompt to review the security settings that
// may follow the sign-in (mode Terms); "remind me later" goes on.
func (s *shopify) securityReminder(w http.ResponseWriter, r *http.Request) {
	if ss, _ := s.p.session(r); ss == nil {
		http.Redirect(w, r, shopifyAccounts+"/store-login", http.StatusFound)
		return
	}
	s.pages.render(w, http.StatusOK, "reminder", s.data())
}

func (s *shopify) securityLater(w http.ResponseWriter, r *http.Request) {
	ss, _ := s.p.session(r)
	if ss == nil {
		http.Redirect(w, r, shopifyAccounts+"/store-login", http.StatusFound)
		return
	}
	s.p.mu.Lock()
	if ss.stage == stageTerms {
		ss.stage = stageIn
	}
	s.p.mu.Unlock()
	http.Redirect(w, r, shopifyStoreURL, http.StatusFound)
}

func (s *shopify) authed(r *http.Request) *session {
	if ss, st := s.p.session(r); ss != nil && st == stageIn {
		return ss
	}
	return nil
}

// csrf is the session's CSRF token, which the admin page hands its
// scripts and the GraphQL endpoint requires.
func shopifyCSRF(ss *session) string {
	sum := sha256.Sum256([]byte("shopify csrf/" + ss.user.email))
	return hex.EncodeToString(sum[:16])
}

func (s *shopify) admin(w http.ResponseWriter, r *http.Request) {
	ss := s.authed(r)
	if ss == nil {
		http.Redirect(w, r, shopifyAccounts+"/store-login", http.StatusFound)
		return
	}
	d := s.data()
	d.CSRF = shopifyCSRF(ss)
	d.Bills = s.p.invoiceViews(ss.user)
	s.pages.render(w, http.StatusOK, "admin", d)
}

func (s *shopify) graphql(w http.ResponseWriter, r *http.Request) {
	ss := s.authed(r)
	if ss == nil || r.Header.Get("X-Csrf-Token") != shopifyCSRF(ss) {
		writeJSON(w, http.StatusUnauthorized, []byte(`{"errors":[{"message":"Unauthorized"}]}`))
		return
	}
	var req struct {
		OperationName string                     `json:"operationName"`
		Variables     map[string]json.RawMessage `json:"variables"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil || req.OperationName != r.URL.Query().Get("operation") {
		writeJSON(w, http.StatusBadRequest, []byte(`{"errors":[{"message":"Bad request"}]}`))
		return
	}
	str := func(k string) string {
		var v string
		_ = json.Unmarshal(req.Variables[k], &v)
		return v
	}
	var out any
	switch req.OperationName {
	case "BillingHistory":
		out = s.history(ss, str("cursorAfter"), req.Variables["firstAmount"])
	case "BillingDocumentDownload":
		n := strings.TrimPrefix(str("id"), "gid://shopify/BillingInvoice/")
		if s.p.invoice(ss.user, n) == nil || str("documentType") != "INVOICE" {
			out = map[string]any{"billingDocumentDownload": map[string]any{"job": nil,
				"userErrors": []any{map[string]any{"field": []string{"id"}, "message": "Bill not found"}}}}
			break
		}
		job := "gid://shopify/Job/" + n + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		s.mu.Lock()
		s.jobs[job] = true
		s.mu.Unlock()
		out = map[string]any{"billingDocumentDownload": map[string]any{"job": map[string]any{"id": job}, "userErrors": []any{}}}
	case "JobPoller":
		s.mu.Lock()
		done := s.jobs[str("id")]
		s.mu.Unlock()
		out = map[string]any{"job": map[string]any{"id": str("id"), "done": done}}
	default:
		writeJSON(w, http.StatusBadRequest, []byte(`{"errors":[{"message":"Unknown operation"}]}`))
		return
	}
	b, _ := json.Marshal(map[string]any{"data": out})
	writeJSON(w, http.StatusOK, b)
}

// history pages through the bills, newest first, with cursors.
func (s *shopify) history(ss *session, after string, first json.RawMessage) any {
	n := 10
	_ = json.Unmarshal(first, &n)
	bills := s.p.invoiceViews(ss.user)
	start := 0
	for i, b := range bills {
		if "c:"+b.ID == after {
			start = i + 1
		}
	}
	end := min(start+max(n, 1), len(bills))
	edges := []any{}
	for _, b := range bills[start:end] {
		edges = append(edges, map[string]any{"cursor": "c:" + b.ID, "node": map[string]any{
			"id": "gid://shopify/BillingInvoice/" + b.ID, "createdAt": b.ISODate + "T09:00:00Z", "description": nil}})
	}
	return map[string]any{"billingAccount": map[string]any{"invoices": map[string]any{
		"pageInfo": map[string]any{"hasNextPage": end < len(bills), "hasPreviousPage": start > 0},
		"edges":    edges}}}
}

func (s *shopify) pdf(w http.ResponseWriter, r *http.Request) {
	ss := s.authed(r)
	if ss == nil {
		http.Redirect(w, r, shopifyAccounts+"/store-login", http.StatusFound)
		return
	}
	inv := s.p.invoice(ss.user, r.PathValue("n"))
	if inv == nil || r.URL.Query().Get("document_type") != "INVOICE" {
		http.NotFound(w, r)
		return
	}
	s.p.servePDF(w, ss.user, inv, fmt.Sprintf("Shopify Bill #%s", inv.Number))
}

// hcaptcha stands in for the challenge frame: nothing in it can be solved.
func (s *shopify) hcaptcha(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(`<!doctype html><title>hCaptcha</title><p>Please verify you are human.</p>`))
}

const shopifyLayout = `{{define "layout"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shopify</title>
<style>
body{font-family:-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f1f1f1;color:#303030}
.login-card{max-width:400px;margin:60px auto;background:#fff;border-radius:12px;padding:32px;box-shadow:0 1px 4px #0002}
input{display:block;width:100%;padding:10px;margin:8px 0 16px;font-size:16px;box-sizing:border-box;border:1px solid #8a8a8a;border-radius:8px}
button{width:100%;padding:11px;font-size:15px;background:#303030;color:#fff;border:0;border-radius:8px}
button[disabled]{opacity:.4}
.error{color:#8e1f0b}
#AppFrame{display:flex}#AppFrameNav{width:220px;background:#ebebeb;min-height:100vh;padding:16px}
#AppFrameMain{padding:24px;flex:1}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:8px;text-align:left}
</style></head>
<body>{{template "content" .}}</body></html>{{end}}`

var shopifyPageSources = map[string]string{
	"email": `{{define "content"}}<div class="login-card"><div class="login-card__content">
<h1>Log in</h1><p>Continue to Shopify</p>
<form method="post" action="/store-login">
<input type="email" name="account[email]" autocomplete="email" placeholder="Email">
{{if .Captcha}}<div id="h-captcha"><iframe src="https://newassets.hcaptcha.com/captcha/v1/static/hcaptcha.html#frame=checkbox&amp;sitekey=replica" title="Widget containing checkbox for hCaptcha security challenge" width="300" height="78"></iframe></div>
<button type="submit" name="commit" data-bind-disabled="captchaDisabled" disabled>Continue with email</button>
{{else}}<button type="submit" name="commit">Continue with email</button>{{end}}
</form></div></div>{{end}}`,

	"password": `{{define "content"}}<div class="login-card"><div class="login-card__content">
<h1>Log in</h1>
<form method="post" action="/store-login">
<input type="email" name="account[email]" value="{{.Email}}" readonly>
{{with .Error}}<p class="error">{{.}}</p>{{end}}
<div><input type="password" name="{{.V}}account[password]" autocomplete="current-password" placeholder="Password"></div>
<button type="submit" name="commit">Log in</button>
</form></div></div>{{end}}`,

	"signup": `{{define "content"}}<div class="login-card"><h1>Create a Shopify account</h1></div>{{end}}`,

	"code": `{{define "content"}}<div class="login-card"><div class="login-card__content">
<h1>Two-step authentication</h1>
<p class="stack-paragraph">Enter the 6-digit code from your authentication app.</p>
<form method="post" action="/two-factor/app">
<input type="text" name="{{.V}}tfa_code" inputmode="numeric" autocomplete="one-time-code">
<button type="submit" name="commit">Log in</button>
</form>
<p><a href="/two-factor/sms">Use SMS instead</a> · <a href="/two-factor/recovery-code">Use a recovery code</a></p>
</div></div>{{end}}`,

	"reminder": `{{define "content"}}<div class="login-card"><div class="login-card__content">
<h1>Review your security settings</h1>
<p><a class="remind-me-later-link" href="/confirm_security_settings/confirm?prompt_later=true">Remind me later</a></p>
</div></div>{{end}}`,

	"admin": `{{define "content"}}<script type="application/json" data-serialized-id="server-data">{"csrfToken":{{.CSRF}}}</script>
<div id="AppFrame"><nav id="AppFrameNav"><a href="/store/` + ShopifyStore + `">Home</a><br><a href="/store/` + ShopifyStore + `/settings">Settings</a></nav>
<main id="AppFrameMain"><h1>Billing</h1><h2>Past bills</h2>
<table id="{{.V}}bills"><thead><tr><th>Bill</th><th>Date</th></tr></thead><tbody>
{{range .Bills}}<tr><td>Bill #{{.Number}}</td><td>{{.ShownDate}}</td></tr>{{end}}
</tbody></table></main></div>{{end}}`,
}

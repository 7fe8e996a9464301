package replica

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// OVHcloud's sign-in at www.ovh.com/auth/ and the Control Panel's billing
// API, as these public sources show them (read 2026-12-06):
//
//   - vishal00074/automationTestingScript sample_automation_scripts/ovh.php
//     (modified 2025-05-12): the sign-in at
//     https://www.ovh.com/auth/?action=disconnect&onsuccess=<page>,
//     input#account, input#password, button#login-submit; the refusal
//     "Invalid Account ID or password" in div.error; the second factor in
//     .mfa-container, a method chosen from div[data-mfa-type*=…] tiles
//     (totp, sms, mail, staticOTP) or, behind a security key,
//     a#other-method-link; the code in form input#totp (input#codeSMS,
//     input#staticOTP, input#emailCode for the others), sent by
//     form button[id*="Submit"]; the same field shown again after a refused
//     code; PDFs linked as …/order/bill.pdf; the billing history at
//     /manager/dedicated/index.html#/billing/history.
//   - rbignon/woob modules/ovh/{browser,pages}.py (older pages): the form is
//     form#login-form and the names of input#account and input#password
//     change on every load; div.already-logged-content on /auth/ for a
//     signed-in browser; "Two-Factor authentication" as the title of the
//     second factor, the code going into the field named after the method
//     with otpMethod; the check of a new device, input#emailCode, asked
//     before the user's own second factor, with a div.control-group that
//     mentions the e-mail.
//   - The Control Panel's source (ovh/manager, file not named by the code
//     index): the app calls the API through /engine/apiv6 on www.ovh.com
//     with the session, and sends a 401 to
//     /auth?action=disconnect&onsuccess=<page>.
//   - The OVHcloud API's bill (api.ovh.com /me/bill; the TypeScript types
//     @datatr-ux/ovhcloud-types Bill and node-ovh-ts BillingBill, the Perl
//     Webservice::OVH::Me::Bill): GET /me/bill lists bill ids, GET
//     /me/bill/{billId} answers billId, category, date, orderId, password,
//     pdfUrl, priceWithTax / priceWithoutTax / tax (currencyCode, text,
//     value) and url; GET /me/refund and /me/refund/{refundId} answer a
//     refund (a credit note) with refundId, originalBillId, date, orderId,
//     password, pdfUrl, the same prices and url; woob reads refunds beside
//     bills and signs their amounts negative; bill ids read FRxxxxxxxx;
//     older downloaders fetch
//     /cgi-bin/order/facture.pdf?reference=…&passwd=… (the bill's password).
//
// Not in any source, and marked where the page shows it: the wording of
// the code prompt and of the e-mail check, where the forms post (here back
// to /auth/), the submit button's full id (one containing "Submit"), the
// method tiles and the security-key page (a customer whose first method is
// the authenticator sees the code form at once, which is all the replica
// shows), the markup of the Control Panel (a single-page app; the
// replica's page lists the bills plainly), the query of a bill's PDF link
// (here reference and passwd, as on the older facture.pdf), the shape of
// refund ids (AFR… here) and whether refunds share the bills' PDF address
// (here they do), and the body
// of the API's 401. The newer sign-in host auth.eu.ovhcloud.com that
// www.ovh.com/auth/ may redirect to is not modelled: only its field ids
// are known, and they match.
const (
	ovhHost       = "https://www.ovh.com"
	ovhLoginURL   = ovhHost + "/auth/"
	ovhManagerURL = ovhHost + "/manager/dedicated/index.html"
)

func init() {
	register(&spec{
		ID: "ovh", Name: "OVHcloud", Currency: "EUR", Color: "#000e9c",
		SessionCookie: "SESSION",
		Login:         loginSpec{URL: ovhLoginURL},
		Billing:       billingSpec{URL: ovhManagerURL},
		// The Control Panel route #/account/useraccount/security (OVHcloud's
		// 2FA guide) is a fragment; the replica serves the key under a path
		// of its own.
		Settings: ovhHost + "/manager/account/useraccount/security",
		Mint: func(sum []byte, seq int) (string, string) {
			id := fmt.Sprintf("FR%08d", 41000000+int(sum[0])*1000+seq)
			return id, id
		},
		Pages: ovhPages,
	})
}

type ovh struct {
	p     *Portal
	pages pageSet

	mu sync.Mutex
	// names maps the random field names handed out with the sign-in form
	// to the field they stand for ("account" or "password").
	names map[string]string
	// refunds are the credit notes issued to each user (OVHAddRefund).
	refunds map[string][]ovhRefund
}

// ovhRefund is a refund of one bill, which OVHcloud issues as a credit
// note with its own PDF.
type ovhRefund struct {
	ID, BillID, ISODate string
	Cents               int64
}

type ovhData struct {
	V                     string
	Error                 string
	AccountName, PassName string
	LoggedIn              bool
}

func ovhPages(p *Portal, rs *Routes) {
	o := &ovh{p: p, pages: newPageSet(ovhLayout, ovhPageSources, nil), names: map[string]string{}, refunds: map[string][]ovhRefund{}}
	ovhReplicas.Store(p, o)
	rs.Handle("GET", ovhLoginURL, o.signin)
	rs.Handle("POST", ovhLoginURL, o.signinPost)
	rs.Handle("GET", ovhManagerURL, o.manager)
	rs.Handle("GET", ovhHost+"/engine/apiv6/me/bill", o.bills)
	rs.Handle("GET", ovhHost+"/engine/apiv6/me/bill/{id}", o.bill)
	rs.Handle("GET", ovhHost+"/engine/apiv6/me/refund", o.refundIDs)
	rs.Handle("GET", ovhHost+"/engine/apiv6/me/refund/{id}", o.refund)
	rs.Handle("GET", ovhHost+"/cgi-bin/order/bill.pdf", o.pdf)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

// fieldName hands out a fresh random name for one of the sign-in fields,
// as the real form does on every load.
func (o *ovh) fieldName(role string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := hex.EncodeToString(b)
	o.mu.Lock()
	o.names[name] = role
	o.mu.Unlock()
	return name
}

func (o *ovh) signinData() *ovhData {
	return &ovhData{V: o.p.layoutPrefix(), AccountName: o.fieldName("account"), PassName: o.fieldName("password")}
}

// onsuccess is where a completed sign-in goes: the page named in the
// query, when it is OVHcloud's own, else the Control Panel.
func ovhOnSuccess(r *http.Request) string {
	if next := r.URL.Query().Get("onsuccess"); strings.HasPrefix(next, ovhHost+"/") {
		return next
	}
	return ovhManagerURL
}

// signin shows the form; action=disconnect (the link the Control Panel
// and the GetMyInvoices script open) ends the current session first.
func (o *ovh) signin(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("action") == "disconnect" {
		o.p.signOut(w, r)
	} else if s, st := o.p.session(r); s != nil && st == stageIn {
		o.pages.render(w, http.StatusOK, "signin", &ovhData{LoggedIn: true})
		return
	}
	o.pages.render(w, http.StatusOK, "signin", o.signinData())
}

// signinPost takes the credentials and, on the same address, the forms
// that follow them: the e-mail check and the authenticator code.
func (o *ovh) signinPost(w http.ResponseWriter, r *http.Request) {
	p := o.p
	_ = r.ParseForm()
	v := p.layoutPrefix()
	s, st := p.session(r)
	switch {
	case s != nil && st == stage2FA && r.PostForm.Has(v+"totp"):
		if !p.verifyCode(s, r.PostForm.Get(v+"totp")) {
			// What the real form says after a refused code is not known:
			// it comes back with the field empty, as the GetMyInvoices
			// script expects.
			o.pages.render(w, http.StatusOK, "mfa", &ovhData{V: v})
			return
		}
		http.Redirect(w, r, ovhOnSuccess(r), http.StatusFound)
		return
	case s != nil && st == stageNewDevice && r.PostForm.Has("emailCode"):
		// The replica sends no e-mail, so no code it could check exists:
		// every answer is refused and the check stays.
		o.pages.render(w, http.StatusOK, "emailcode", &ovhData{V: v, Error: "Invalid code"})
		return
	}
	var account, password string
	o.mu.Lock()
	for name, vals := range r.PostForm {
		switch o.names[name] {
		case "account":
			account = strings.Join(vals, "")
		case "password":
			password = strings.Join(vals, "")
		}
		delete(o.names, name)
	}
	o.mu.Unlock()
	u := p.lookup(account)
	if !p.passwordOK(u, password) {
		d := o.signinData()
		d.Error = "Invalid Account ID or password."
		o.pages.render(w, http.StatusOK, "signin", d)
		return
	}
	_, st = p.signIn(w, r, u, false)
	switch st {
	case stageNewDevice:
		o.pages.render(w, http.StatusOK, "emailcode", &ovhData{V: v})
	case stageIn:
		http.Redirect(w, r, ovhOnSuccess(r), http.StatusFound)
	default:
		o.pages.render(w, http.StatusOK, "mfa", &ovhData{V: v})
	}
}

func (o *ovh) authed(r *http.Request) *session {
	if s, st := o.p.session(r); s != nil && st == stageIn {
		return s
	}
	return nil
}

func (o *ovh) manager(w http.ResponseWriter, r *http.Request) {
	if o.authed(r) == nil {
		http.Redirect(w, r, ovhLoginURL+"?action=disconnect&onsuccess="+url.QueryEscape(ovhManagerURL), http.StatusFound)
		return
	}
	o.pages.render(w, http.StatusOK, "manager", &ovhData{})
}

func (o *ovh) bills(w http.ResponseWriter, r *http.Request) {
	s := o.authed(r)
	if s == nil {
		writeJSON(w, http.StatusUnauthorized, []byte(`{}`))
		return
	}
	ids := []string{}
	for _, v := range o.p.invoiceViews(s.user) {
		ids = append(ids, v.ID)
	}
	b, _ := json.Marshal(ids)
	writeJSON(w, http.StatusOK, b)
}

// ovhPassword is the bill's password, which its PDF link carries.
func ovhPassword(id string) string {
	sum := sha256.Sum256([]byte("ovh bill/" + id))
	return hex.EncodeToString(sum[:6])
}

type ovhPrice struct {
	CurrencyCode string  `json:"currencyCode"`
	Text         string  `json:"text"`
	Value        float64 `json:"value"`
}

func (o *ovh) bill(w http.ResponseWriter, r *http.Request) {
	s := o.authed(r)
	if s == nil {
		writeJSON(w, http.StatusUnauthorized, []byte(`{}`))
		return
	}
	inv := o.p.invoice(s.user, r.PathValue("id"))
	if inv == nil {
		writeJSON(w, http.StatusNotFound, []byte(`{}`))
		return
	}
	var cents int64
	_, _ = fmt.Sscanf(strings.Replace(inv.Decimal, ".", "", 1), "%d", &cents)
	price := func(c int64) ovhPrice {
		return ovhPrice{CurrencyCode: inv.Currency, Value: float64(c) / 100,
			Text: fmt.Sprintf("%d.%02d €", c/100, c%100)}
	}
	net := cents * 100 / 120
	pdf := ovhHost + "/cgi-bin/order/bill.pdf?reference=" + inv.ID + "&passwd=" + ovhPassword(inv.ID)
	date, _ := time.Parse(time.DateOnly, inv.ISODate)
	var order int
	_, _ = fmt.Sscanf(strings.TrimPrefix(inv.ID, "FR"), "%d", &order)
	b, _ := json.Marshal(map[string]any{
		"billId": inv.ID, "category": "autorenew", "date": date.Format("2006-01-02T15:04:05-07:00"),
		"orderId": 100000000 + order, "password": ovhPassword(inv.ID),
		"pdfUrl": pdf, "url": strings.Replace(pdf, "bill.pdf", "bill.cgi", 1),
		"priceWithTax": price(cents), "priceWithoutTax": price(net), "tax": price(cents - net),
	})
	writeJSON(w, http.StatusOK, b)
}

// ovhReplicas finds a server's OVHcloud pages from its portal, for
// OVHAddRefund.
var ovhReplicas sync.Map // *Portal → *ovh

// OVHAddRefund issues the user a refund of their newest bill, a credit
// note for a tenth of its amount dated today, and returns its id.
// Customers have none until then, so the shared script tests see bills
// only.
func (p *Portal) OVHAddRefund(email string) (string, error) {
	v, ok := ovhReplicas.Load(p)
	if !ok {
		return "", fmt.Errorf("replica %s: not OVHcloud", p.spec.ID)
	}
	o := v.(*ovh)
	u := p.lookup(email)
	if u == nil {
		return "", fmt.Errorf("replica ovh: no user %s", email)
	}
	bills := p.invoiceViews(u)
	if len(bills) == 0 {
		return "", fmt.Errorf("replica ovh: %s has no bill to refund", email)
	}
	var cents int64
	_, _ = fmt.Sscanf(strings.Replace(bills[0].Decimal, ".", "", 1), "%d", &cents)
	o.mu.Lock()
	defer o.mu.Unlock()
	key := strings.ToLower(email)
	id := fmt.Sprintf("AFR%07d", 3100000+len(o.refunds[key])+1)
	o.refunds[key] = append(o.refunds[key], ovhRefund{ID: id, BillID: bills[0].ID,
		ISODate: p.now().UTC().Format(time.DateOnly), Cents: cents / 10})
	return id, nil
}

func (o *ovh) refundsOf(u *user) []ovhRefund {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]ovhRefund(nil), o.refunds[strings.ToLower(u.email)]...)
}

func (o *ovh) refundIDs(w http.ResponseWriter, r *http.Request) {
	s := o.authed(r)
	if s == nil {
		writeJSON(w, http.StatusUnauthorized, []byte(`{}`))
		return
	}
	ids := []string{}
	for _, rf := range o.refundsOf(s.user) {
		ids = append(ids, rf.ID)
	}
	b, _ := json.Marshal(ids)
	writeJSON(w, http.StatusOK, b)
}

func (o *ovh) refund(w http.ResponseWriter, r *http.Request) {
	s := o.authed(r)
	if s == nil {
		writeJSON(w, http.StatusUnauthorized, []byte(`{}`))
		return
	}
	for _, rf := range o.refundsOf(s.user) {
		if rf.ID != r.PathValue("id") {
			continue
		}
		price := func(c int64) ovhPrice {
			return ovhPrice{CurrencyCode: "EUR", Value: float64(c) / 100, Text: fmt.Sprintf("%d.%02d €", c/100, c%100)}
		}
		net := rf.Cents * 100 / 120
		date, _ := time.Parse(time.DateOnly, rf.ISODate)
		pdf := ovhHost + "/cgi-bin/order/bill.pdf?reference=" + rf.ID + "&passwd=" + ovhPassword(rf.ID)
		b, _ := json.Marshal(map[string]any{
			"refundId": rf.ID, "originalBillId": rf.BillID, "date": date.Format("2006-01-02T15:04:05-07:00"),
			"orderId": 0, "password": ovhPassword(rf.ID), "pdfUrl": pdf,
			"url":          strings.Replace(pdf, "bill.pdf", "bill.cgi", 1),
			"priceWithTax": price(rf.Cents), "priceWithoutTax": price(net), "tax": price(rf.Cents - net),
		})
		writeJSON(w, http.StatusOK, b)
		return
	}
	writeJSON(w, http.StatusNotFound, []byte(`{}`))
}

// pdf serves a bill or a refund to whoever holds its reference and
// password, as the links of the API do.
func (o *ovh) pdf(w http.ResponseWriter, r *http.Request) {
	ref, pw := r.URL.Query().Get("reference"), r.URL.Query().Get("passwd")
	if pw != ovhPassword(ref) {
		http.NotFound(w, r)
		return
	}
	o.p.mu.Lock()
	var users []*user
	for _, u := range o.p.users {
		users = append(users, u)
	}
	o.p.mu.Unlock()
	for _, u := range users {
		if inv := o.p.invoice(u, ref); inv != nil {
			o.p.servePDF(w, u, inv, "OVH SAS Facture")
			return
		}
		for _, rf := range o.refundsOf(u) {
			if rf.ID == ref {
				date, _ := time.Parse(time.DateOnly, rf.ISODate)
				o.p.servePDF(w, u, &invoiceView{ID: rf.ID, Number: rf.ID, ISODate: rf.ISODate,
					ShownDate: formatDate("", date), Currency: "EUR",
					Shown: "-" + formatAmount("", rf.Cents, "EUR")}, "OVH SAS Avoir")
				return
			}
		}
	}
	http.NotFound(w, r)
}

const ovhLayout = `{{define "layout"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OVHcloud</title>
<style>
body{font-family:"Source Sans Pro",Arial,sans-serif;margin:0;background:#f5f7fa;color:#00185e}
header{background:#000e9c;color:#fff;padding:14px 24px;font-weight:700}
.box{max-width:420px;margin:48px auto;background:#fff;padding:28px 32px;border-radius:8px;box-shadow:0 2px 8px #0002}
label{display:block;margin:14px 0 4px}
input[type=text],input[type=password],input[type=email],select{width:100%;padding:9px;font-size:16px;box-sizing:border-box}
button{margin-top:18px;width:100%;padding:10px;font-size:16px;background:#000e9c;color:#fff;border:0;border-radius:4px}
.error{color:#c60025;margin:8px 0}
.mfa-title{font-size:22px;font-weight:700;margin-bottom:12px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:8px;text-align:left}
main{max-width:900px;margin:30px auto}
</style></head>
<body><header>OVHcloud</header>{{template "content" .}}</body></html>{{end}}`

var ovhPageSources = map[string]string{
	"signin": `{{define "content"}}<div class="box">
{{if .LoggedIn}}<div class="already-logged-content"><p>You are already logged in.</p>
<p><a href="/manager/dedicated/index.html">Go to the Control Panel</a></p></div>
{{else}}<h1>Log in</h1>
<form id="{{.V}}login-form" method="POST">
{{with .Error}}<div class="error">{{.}}</div>{{end}}
<label for="{{.V}}account">Account ID or email address</label>
<input type="text" id="{{.V}}account" name="{{.AccountName}}" autocomplete="username">
<label for="{{.V}}password">Password</label>
<input type="password" id="{{.V}}password" name="{{.PassName}}" autocomplete="current-password">
<button type="submit" id="{{.V}}login-submit">Log in</button>
</form>{{end}}
</div>{{end}}`,

	"mfa": `{{define "content"}}<div class="box mfa-container">
<div class="mfa-title">Two-Factor authentication</div>
<form method="POST">
<div class="control-group">Enter the code generated by your mobile application.</div>
<input type="text" id="{{.V}}totp" name="{{.V}}totp" inputmode="numeric" autocomplete="one-time-code">
<input type="hidden" name="otpMethod" value="totp">
<button type="submit" id="{{.V}}totpSubmit">Confirm</button>
</form></div>{{end}}`,

	"emailcode": `{{define "content"}}<div class="box">
<form method="POST">
<div class="control-group">For your security, we have sent a code to your email address. Enter it to confirm this new device.</div>
{{with .Error}}<div class="error">{{.}}</div>{{end}}
<input type="text" id="emailCode" name="emailCode">
<button type="submit" id="emailCodeSubmit">Confirm</button>
</form></div>{{end}}`,

	"manager": `{{define "content"}}<main><h1>My bills</h1>
<table id="billing-history"><thead><tr><th>Reference</th><th>Date</th><th>Amount</th><th></th></tr></thead><tbody></tbody></table>
<script>
// The Control Panel reads the bills through /engine/apiv6 with the session.
(async () => {
  const ids = await (await fetch('/engine/apiv6/me/bill')).json();
  const body = document.querySelector('#billing-history tbody');
  for (const id of ids) {
    const b = await (await fetch('/engine/apiv6/me/bill/' + encodeURIComponent(id))).json();
    const tr = document.createElement('tr');
    tr.innerHTML = '<td></td><td></td><td></td><td><a>PDF</a></td>';
    tr.cells[0].textContent = b.billId;
    tr.cells[1].textContent = b.date.slice(0, 10);
    tr.cells[2].textContent = b.priceWithTax.text;
    tr.querySelector('a').href = b.pdfUrl;
    body.appendChild(tr);
  }
})();
</script></main>{{end}}`,
}

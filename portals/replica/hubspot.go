package replica

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// HubSpot's own pages. Sources (read 2026-12-06):
//   - A GetMyInvoices-style HubSpot script (Server-Portal-ID 6452, last
//     modified 2025-01-27; in the code index without a repository name):
//     app.hubspot.com/login with input#username and button#loginBtn, then
//     input#password and button#loginBtn again; the remember-me box
//     div[data-test-id="remember-me"] input[type=checkbox]; refusals
//     div[data-error-type="INVALID_USER"] and
//     div[data-error-type="INVALID_PASSWORD"]; the code in
//     "#hs-login input#code" sent with "#hs-login button[type=submit]",
//     div.private-checkbox.remember-device input to remember the device;
//     the HubSpot app's approval [data-key="login.twoFactor.headerHubspotApp"];
//     signed in when a#signout, .account-picker a or
//     [data-portal-hook="account-menu"] exists; the accounts from
//     GET https://api.hubspot.com/accounts/v1/accounts/ (with credentials,
//     {"accounts": [{"id"}]}); each account's
//     app.hubspot.com/account-and-billing/ID/transactions with rows
//     tr[class*="transactions-table-row"], a[class*="_pdf-url"] whose
//     href holds INVOICE/NAME?…, span.short-date time[datetime]; more rows
//     behind button[data-selenium-test="account-and-billing-ui.detailed-transactions-table.load-more-cta"];
//     only links with "invoice" are invoices.
//   - Public Selenium examples: the page title "HubSpot Login", #username,
//     #password, #loginBtn.
//   - knowledge.hubspot.com "View and download your HubSpot invoices and
//     receipts": Account & Billing → Transactions, newest first, View and
//     Download (a PDF) per document; "How can I set up two-factor
//     authentication": Profile & Preferences → Security, and the refusal
//     "This doesn't look right".
//
// GUESSED, no source shows them: the markup around the refusal of a code
// (a .alert-danger with the evidenced words), the account menu's markup
// beyond its hook, the path of an invoice PDF beyond INVOICE/NAME?, how
// many rows show before "load more" (two here), the text of the HubSpot
// app's approval page, and the replica's key page.

const (
	hubspotApp = "https://app.hubspot.com"
	hubspotAPI = "https://api.hubspot.com"
)

func init() {
	register(&spec{
		ID: "hubspot", Name: "HubSpot", Color: "#ff7a59",
		SessionCookie: "hubspotapi",
		DeviceCookie:  "hs_remember_device",
		CookieDomain:  "hubspot.com",
		Login:         loginSpec{URL: hubspotApp + "/login"},
		Billing:       billingSpec{URL: hubspotApp + "/"},
		Settings:      hubspotApp + "/replica/hubspot/security",
		Hosts:         []string{"api.hubspot.com"},
		Currency:      "EUR",
		Mint: func(sum []byte, seq int) (string, string) {
			n := fmt.Sprintf("INV-%d", 1000000+(int(sum[0])<<8|int(sum[1]))*10+seq%10)
			return n, n
		},
		Pages: hubspotPages,
	})
}

// hubspotPortal is the user's account (hub) id.
func hubspotPortal(u *user) string {
	s := sha256.Sum256([]byte("hubspot portal/" + u.email))
	return fmt.Sprint(10000000 + (int(s[0])<<16|int(s[1])<<8|int(s[2]))%9000000)
}

type hubspotData struct {
	Title, Error, ErrorType, Email, Step, Portal string
	App                                          bool
	Invoices                                     []invoiceView
}

func hubspotPages(p *Portal, rs *Routes) {
	rs.Handle("GET", hubspotApp+"/login", p.hubspotLogin)
	rs.Handle("POST", hubspotApp+"/login", p.hubspotLoginSubmit)
	rs.Handle("GET", hubspotApp+"/", p.hubspotHome)
	rs.Handle("GET", hubspotAPI+"/accounts/v1/accounts/", p.hubspotAccounts)
	rs.Handle("OPTIONS", hubspotAPI+"/accounts/v1/accounts/", p.hubspotAccounts)
	rs.Handle("GET", hubspotApp+"/account-and-billing/{portal}/transactions", p.hubspotTransactions)
	rs.Handle("GET", hubspotApp+"/account-and-billing/{portal}/documents/INVOICE/{id}", p.hubspotPDF)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

func (p *Portal) hubspotAuthed(w http.ResponseWriter, r *http.Request) *session {
	s, st := p.session(r)
	if s != nil && st == stageIn {
		return s
	}
	http.Redirect(w, r, hubspotApp+"/login", http.StatusFound)
	return nil
}

func (p *Portal) hubspotLogin(w http.ResponseWriter, r *http.Request) {
	hubspotPageSet.render(w, http.StatusOK, "login", &hubspotData{Title: "HubSpot Login", Step: "username"})
}

// hubspotLoginSubmit is each step of the sign-in form: the e-mail, the
// password, the code.
func (p *Portal) hubspotLoginSubmit(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f := r.PostForm
	d := &hubspotData{Title: "HubSpot Login", Email: strings.TrimSpace(f.Get("username"))}
	switch {
	case f.Has("code"):
		s, st := p.session(r)
		if s == nil || st != stage2FA {
			http.Redirect(w, r, hubspotApp+"/login", http.StatusFound)
			return
		}
		if p.currentMode()&PushOnly != 0 || !p.verifyCode(s, f.Get("code")) {
			d.Step, d.Error = "code", "This doesn't look right. Please try again."
			hubspotPageSet.render(w, http.StatusOK, "login", d)
			return
		}
		if f.Get("rememberDevice") == "true" {
			p.trustDevice(w, s.user)
		}
		http.Redirect(w, r, hubspotApp+"/", http.StatusFound)
	case f.Has("password"):
		u := p.lookup(d.Email)
		if !p.passwordOK(u, f.Get("password")) {
			d.Step, d.ErrorType, d.Error = "password", "INVALID_PASSWORD", "The password you entered is incorrect." // wording GUESSED
			hubspotPageSet.render(w, http.StatusOK, "login", d)
			return
		}
		if _, st := p.signIn(w, r, u, f.Get("remember") == "true"); st == stageIn {
			http.Redirect(w, r, hubspotApp+"/", http.StatusFound)
			return
		}
		d.Step, d.App = "code", p.currentMode()&PushOnly != 0
		hubspotPageSet.render(w, http.StatusOK, "login", d)
	default:
		d.Step = "password"
		hubspotPageSet.render(w, http.StatusOK, "login", d)
	}
}

func (p *Portal) hubspotHome(w http.ResponseWriter, r *http.Request) {
	s := p.hubspotAuthed(w, r)
	if s == nil {
		return
	}
	hubspotPageSet.render(w, http.StatusOK, "home", &hubspotData{Title: "Home | HubSpot", Email: s.user.email, Portal: hubspotPortal(s.user)})
}

// hubspotAccounts answers the app's cross-origin request with the
// session's cookie, as api.hubspot.com does for app.hubspot.com.
func (p *Portal) hubspotAccounts(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Origin") == hubspotApp {
		w.Header().Set("Access-Control-Allow-Origin", hubspotApp)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Header().Set("Vary", "Origin")
	}
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s, st := p.session(r)
	if s == nil || st != stageIn {
		writeJSON(w, http.StatusUnauthorized, []byte(`{"status":"error","message":"Authentication credentials not found."}`))
		return
	}
	b, _ := json.Marshal(map[string]any{"accounts": []map[string]any{{"id": json.Number(hubspotPortal(s.user))}}})
	writeJSON(w, http.StatusOK, b)
}

func (p *Portal) hubspotTransactions(w http.ResponseWriter, r *http.Request) {
	s := p.hubspotAuthed(w, r)
	if s == nil {
		return
	}
	if r.PathValue("portal") != hubspotPortal(s.user) {
		http.NotFound(w, r)
		return
	}
	hubspotPageSet.render(w, http.StatusOK, "transactions", &hubspotData{Title: "Transactions | HubSpot", Email: s.user.email,
		Portal: hubspotPortal(s.user), Invoices: p.invoiceViews(s.user)})
}

func (p *Portal) hubspotPDF(w http.ResponseWriter, r *http.Request) {
	s := p.hubspotAuthed(w, r)
	if s == nil {
		return
	}
	inv := p.invoice(s.user, r.PathValue("id"))
	if inv == nil || r.PathValue("portal") != hubspotPortal(s.user) {
		http.NotFound(w, r)
		return
	}
	p.servePDF(w, s.user, inv, "HubSpot Invoice")
}

const hubspotLayout = `{{define "layout"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:"Lexend Deca",Helvetica,Arial,sans-serif;margin:0;color:#33475b}
.login{width:400px;margin:60px auto}.login input[type=email],.login input[type=password],.login input[type=text]{display:block;width:100%;box-sizing:border-box;padding:9px;margin:4px 0 14px}
.login button{background:#ff7a59;color:#fff;border:0;padding:10px 20px;border-radius:3px}
.alert-danger,[data-error-type]{background:#fde8e9;color:#d94c53;padding:8px;margin-bottom:12px}
nav.top{display:flex;justify-content:space-between;background:#2d3e50;color:#fff;padding:10px 20px}nav.top a{color:#fff}
table{border-collapse:collapse;width:100%}td,th{padding:8px;border-bottom:1px solid #dfe3eb;text-align:left}
main.page{max-width:960px;margin:24px auto}
</style></head><body>{{template "content" .}}</body></html>{{end}}
{{define "nav"}}<nav class="top"><span>HubSpot</span><div data-portal-hook="account-menu"><span>{{.Email}}</span> · <a id="signout" href="/logout">Sign out</a></div></nav>{{end}}`

var hubspotPageSet = newPageSet(hubspotLayout, map[string]string{
	"login": `{{define "content"}}<main class="login"><div class="UIBox__Box"><h1>{{if eq .Step "code"}}Two-factor authentication{{else}}Log in to your HubSpot account{{end}}</h1>
<form id="hs-login" method="post" action="/login">
{{if .ErrorType}}<div data-error-type="{{.ErrorType}}" role="alert">{{.Error}}</div>{{else if .Error}}<div class="alert-danger" role="alert">{{.Error}}</div>{{end}}
{{if eq .Step "username"}}<label for="username">Email address</label><input id="username" name="username" type="email" autocomplete="username">
<button id="loginBtn" type="submit">Next</button>
{{else if eq .Step "password"}}<input type="hidden" name="username" value="{{.Email}}"><p>{{.Email}}</p>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">
<div data-test-id="remember-me"><label><input type="checkbox" name="remember" value="true"> Remember me</label></div>
<button id="loginBtn" type="submit">Log in</button>
{{else if .App}}<p data-key="login.twoFactor.headerHubspotApp">Approve this login in the HubSpot mobile app.</p>
{{else}}<input type="hidden" name="username" value="{{.Email}}">
<label for="code">Enter the code from your authenticator app</label><input id="code" name="code" type="text" autocomplete="one-time-code" inputmode="numeric">
<div class="private-checkbox remember-device"><label><input type="checkbox" name="rememberDevice" value="true"> Remember me on this device</label></div>
<button type="submit">Log in</button>{{end}}
</form></div></main>{{end}}`,

	"home": `{{define "content"}}{{template "nav" .}}<main class="page"><h1>Home</h1></main>{{end}}`,

	"transactions": `{{define "content"}}{{template "nav" .}}<main class="page"><h1>Account &amp; Billing</h1><h2>Transactions</h2>
<table><thead><tr><th>Date</th><th>Type</th><th>Document</th></tr></thead><tbody>
{{range $i, $inv := .Invoices}}<tr class="transactions-table-row"{{if ge $i 2}} hidden{{end}}><td><span class="short-date"><time datetime="{{$inv.ISODate}}">{{$inv.ShownDate}}</time></span></td>
<td>Invoice</td><td>{{$inv.Number}} · <a class="transactions-table__pdf-url" href="/account-and-billing/{{$.Portal}}/documents/INVOICE/{{$inv.ID}}?download=true">Download</a></td></tr>
{{end}}</tbody></table>
{{if gt (len .Invoices) 2}}<button type="button" data-selenium-test="account-and-billing-ui.detailed-transactions-table.load-more-cta"
onclick="document.querySelectorAll('tr.transactions-table-row[hidden]').forEach(r => r.hidden = false); this.remove();">Load more</button>{{end}}
</main>{{end}}`,
}, nil)

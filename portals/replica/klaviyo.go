package replica

import (
	"net/http"
	"strings"
)

// Klaviyo's own pages. Sources (read 2026-12-06):
//   - A GetMyInvoices-style Klaviyo script (Server-Portal-ID 51030, last
//     modified 2024-10-31; in the code index without a repository name):
//     www.klaviyo.com/login, .form-container form#login-form with
//     input[name=email], input[name=password] and a submit button (a
//     reCAPTCHA on the page); refusals in #errorMsg or ul.errorlist
//     ("Your username and password …"); the code in input[name=mfa_code]
//     (or verification_code), "trust this device" in
//     input#trust_device_checkbox, sent with button[type=submit].btn-primary,
//     the prompt in p.subtitle; signed in when a[href*="/logout"] or
//     .nav-primary a[href="/dashboard"] exists; an account that must first
//     set up two-step authentication sees "two-step authentication is
//     required" with button#mfa_configure_button; the payment history at
//     /account#payment-history-tab, rows of "table > tbody > tr" with at
//     least four cells, the amount in the second (USD), a PDF downloaded by
//     the button in td.DataTable-actionsCell; the next page behind
//     span[data-next="true"]:not([data-disabled="true"]).
//   - help.klaviyo.com "Understanding your billing history" (115005078987):
//     columns Invoice (date, invoice ID, plan summary, link), Amount and
//     Payment status (Draft, Finalized – awaiting payment, Closed and
//     forgiven, Paid, Void); a row's Download.
//   - help.klaviyo.com 360026617692: two-step authentication with an
//     authenticator app only (the 2FA directory agrees).
//
// GUESSED, no source shows them: the layout inside the first cell (here
// date, invoice id and plan on their own lines), the invoice id format,
// the wording of the refusals of a password (Klaviyo's start is
// evidenced) and of a code, the prompt's text, the replica's key page.
// The reCAPTCHA is not reproduced.

const klaviyoBase = "https://www.klaviyo.com"

func init() {
	register(&spec{
		ID: "klaviyo", Name: "Klaviyo", Color: "#232426",
		SessionCookie:   "kl_sessionid",
		DeviceCookie:    "kl_trusted_device",
		Login:           loginSpec{URL: klaviyoBase + "/login"},
		Billing:         billingSpec{URL: klaviyoBase + "/account"},
		Settings:        klaviyoBase + "/replica/klaviyo/two-step",
		Currency:        "USD",
		InvoiceIDPrefix: "KL-",
		Pages:           klaviyoPages,
	})
}

type klaviyoData struct {
	Title, Error, Email string
	Code                bool
	Invoices            []invoiceView
}

func klaviyoPages(p *Portal, rs *Routes) {
	rs.Handle("GET", klaviyoBase+"/login", p.klaviyoLogin)
	rs.Handle("POST", klaviyoBase+"/login", p.klaviyoLoginSubmit)
	rs.Handle("GET", klaviyoBase+"/dashboard", p.klaviyoDashboard)
	rs.Handle("GET", klaviyoBase+"/account", p.klaviyoAccount)
	rs.Handle("GET", klaviyoBase+"/account/invoices/{id}/download", p.klaviyoPDF)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

func (p *Portal) klaviyoAuthed(w http.ResponseWriter, r *http.Request) *session {
	s, st := p.session(r)
	if s != nil && st == stageIn {
		return s
	}
	http.Redirect(w, r, klaviyoBase+"/login?next="+r.URL.Path, http.StatusFound)
	return nil
}

func (p *Portal) klaviyoLogin(w http.ResponseWriter, r *http.Request) {
	klaviyoPageSet.render(w, http.StatusOK, "login", &klaviyoData{Title: "Log in | Klaviyo"})
}

func (p *Portal) klaviyoLoginSubmit(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f := r.PostForm
	d := &klaviyoData{Title: "Log in | Klaviyo", Email: strings.TrimSpace(f.Get("email"))}
	if f.Has("mfa_code") {
		s, st := p.session(r)
		if s == nil || st != stage2FA {
			http.Redirect(w, r, klaviyoBase+"/login", http.StatusFound)
			return
		}
		if !p.verifyCode(s, f.Get("mfa_code")) {
			d.Code, d.Error = true, "The verification code you entered is incorrect." // GUESSED
			klaviyoPageSet.render(w, http.StatusOK, "login", d)
			return
		}
		if f.Get("trust_device") == "true" {
			p.trustDevice(w, s.user)
		}
		http.Redirect(w, r, klaviyoBase+"/dashboard", http.StatusFound)
		return
	}
	u := p.lookup(d.Email)
	if !p.passwordOK(u, f.Get("password")) {
		d.Error = "Your username and password didn't match. Please try again." // the start is evidenced
		klaviyoPageSet.render(w, http.StatusOK, "login", d)
		return
	}
	if _, st := p.signIn(w, r, u, true); st == stageIn {
		http.Redirect(w, r, klaviyoBase+"/dashboard", http.StatusFound)
		return
	}
	d.Code = true
	klaviyoPageSet.render(w, http.StatusOK, "login", d)
}

func (p *Portal) klaviyoDashboard(w http.ResponseWriter, r *http.Request) {
	s := p.klaviyoAuthed(w, r)
	if s == nil {
		return
	}
	klaviyoPageSet.render(w, http.StatusOK, "dashboard", &klaviyoData{Title: "Dashboard | Klaviyo", Email: s.user.email})
}

func (p *Portal) klaviyoAccount(w http.ResponseWriter, r *http.Request) {
	s := p.klaviyoAuthed(w, r)
	if s == nil {
		return
	}
	klaviyoPageSet.render(w, http.StatusOK, "account", &klaviyoData{Title: "Account | Klaviyo", Email: s.user.email,
		Invoices: p.invoiceViews(s.user)})
}

func (p *Portal) klaviyoPDF(w http.ResponseWriter, r *http.Request) {
	s := p.klaviyoAuthed(w, r)
	if s == nil {
		return
	}
	p.serveInvoicePDF(w, r, s.user, r.PathValue("id"), "Klaviyo Invoice")
}

const klaviyoLayout = `{{define "layout"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:Helvetica,Arial,sans-serif;margin:0;color:#232426}
.form-container{width:380px;margin:60px auto}.form-container input[type=email],.form-container input[type=password],.form-container input[type=text]{display:block;width:100%;box-sizing:border-box;padding:9px;margin:4px 0 14px}
.btn-primary{background:#232426;color:#fff;border:0;padding:10px 20px}
#errorMsg,.errorlist{color:#c8102e}
.nav-primary{background:#232426;padding:10px 20px}.nav-primary a{color:#fff;margin-right:16px}
main.page{max-width:960px;margin:24px auto}table{border-collapse:collapse;width:100%}td,th{padding:8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
</style></head><body>{{template "content" .}}</body></html>{{end}}
{{define "nav"}}<nav class="nav-primary"><a href="/dashboard">Home</a><a href="/account">Account</a><a href="/logout">Log out</a></nav>{{end}}`

var klaviyoPageSet = newPageSet(klaviyoLayout, map[string]string{
	"login": `{{define "content"}}<div class="form-container"><form id="login-form" method="post" action="/login">
{{if .Code}}<h1>Two-step authentication</h1><p class="subtitle">Enter the 6-digit code from your authenticator app.</p>
{{with .Error}}<div id="errorMsg">{{.}}</div>{{end}}
<input type="hidden" name="email" value="{{.Email}}">
<input name="mfa_code" type="text" autocomplete="one-time-code" inputmode="numeric">
<label><input id="trust_device_checkbox" type="checkbox" name="trust_device" value="true"> Trust this device</label>
<button type="submit" class="btn-primary">Verify</button>
{{else}}<h1>Log in</h1>{{with .Error}}<ul class="errorlist"><li>{{.}}</li></ul>{{end}}
<label>Email<input name="email" type="email" value="{{.Email}}" autocomplete="username"></label>
<label>Password<input name="password" type="password" autocomplete="current-password"></label>
<button type="submit" class="btn-primary">Log in</button>{{end}}
</form></div>{{end}}`,

	"dashboard": `{{define "content"}}{{template "nav" .}}<main class="page"><h1>Dashboard</h1></main>{{end}}`,

	"account": `{{define "content"}}{{template "nav" .}}<main class="page"><h1>Account</h1><h2 id="payment-history-tab">Payment history</h2>
<table class="DataTable"><thead><tr><th>Invoice</th><th>Amount</th><th>Payment status</th><th></th></tr></thead><tbody>
{{range .Invoices}}<tr><td><div>{{.ShownDate}}</div><div>{{.ID}}</div><div>Email 5,000 contacts</div></td><td>{{.Shown}}</td><td>Paid</td>
<td class="DataTable-actionsCell"><button type="button" onclick="location.href='/account/invoices/{{.ID}}/download'">Download</button></td></tr>
{{end}}</tbody></table></main>{{end}}`,
}, nil)

package replica

import (
	"net/http"
	"strings"
)

// Dropbox (www.dropbox.com) as these public sources show it (read
// 2026-12-06):
//
//   - Chromium's telemetry login helper (page_sets/login_helpers/
//     dropbox_login.py): /login, input[name=login_email],
//     input[name=login_password] and .login-form .login-button on one page;
//   - Dini4ka/dropbox trash.py and Vipul251/ai_saas_automation
//     browsers/playwright_controller.py: the same field names, a submit
//     button holding .signin-text;
//   - help.dropbox.com (two-step verification guide; one-time-code;
//     billing/customize-edit-invoices; billing/change-information) and
//     dropbox.com/guide/admin/account/access-billing-information: a
//     six-digit security code, "Trust this computer", a one-time security
//     code by e-mail after a suspicious sign-in, Billing › Billing history
//     with a Receipt (PDF) and an Edit link per transaction;
//   - dropbox.com/en/help/379: "Your Dropbox password has expired".
//
// The field ids carry a generated suffix, so scripts must find the fields
// by name. Not in any source, and marked where the page shows it: the form
// target (the replica posts back to /login), the texts after a wrong
// password or a refused code, the code page's markup, the e-mail check
// page's markup, the billing history's markup, the receipt URL and the
// date format.
const (
	dropboxHost    = "https://www.dropbox.com"
	dropboxLogin   = dropboxHost + "/login"
	dropboxBilling = dropboxHost + "/account/billing"
)

func init() {
	register(&spec{
		ID: "dropbox", Name: "Dropbox", Color: "#0061fe",
		// Cookie names are not in the sources.
		SessionCookie: "t", DeviceCookie: "trusted_computer",
		Login:    loginSpec{URL: dropboxLogin},
		Billing:  billingSpec{URL: dropboxBilling, Document: dropboxHost + "/account/billing/receipt/{id}"},
		Settings: dropboxHost + "/account/security",
		Terms:    dropboxHost + "/terms/update",
		Text: texts{
			// Unverified: no source quotes these texts.
			BadPassword: "Invalid email or password",
			BadCode:     "Invalid code. Please try again.",
			// Paraphrased from help.dropbox.com/account-access/one-time-code.
			NewDevice: "We detected a suspicious sign-in attempt, so we emailed you a one-time security code.",
		},
		Pages: dropboxPages,
	})
}

type dropbox struct {
	p     *Portal
	pages pageSet
}

type dropboxData struct {
	// Suffix ends every field id; it changes with each page, as the
	// generated ids of the real page do.
	Suffix   string
	Error    string
	Email    string
	Invoices []invoiceView
}

func dropboxPages(p *Portal, rs *Routes) {
	d := &dropbox{p: p, pages: newPageSet(dropboxLayout, dropboxPageSources, nil)}
	rs.Handle("GET", dropboxLogin, d.loginPage)
	rs.Handle("POST", dropboxLogin, d.loginPost)
	rs.Handle("GET", dropboxBilling, d.billing)
	rs.Handle("GET", p.spec.Billing.Document, d.receipt)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
	rs.Handle("GET", p.spec.Terms, p.termsPage)
	rs.Handle("POST", p.spec.Terms, p.termsSubmit)
}

func (d *dropbox) data() *dropboxData {
	return &dropboxData{Suffix: strings.ToLower(token()[:6])}
}

// name is a form field's name, renamed in mode ChangedLayout.
func (d *dropbox) name(n string) string {
	if d.p.currentMode()&ChangedLayout != 0 {
		return "v2_" + n
	}
	return n
}

func (d *dropbox) render(w http.ResponseWriter, page string, data *dropboxData) {
	d.pages.render(w, http.StatusOK, page, struct {
		*dropboxData
		N func(string) string
	}{data, d.name})
}

func (d *dropbox) loginPage(w http.ResponseWriter, r *http.Request) {
	d.render(w, "login", d.data())
}

// loginPost takes the credentials and, on the same URL, the security code.
func (d *dropbox) loginPost(w http.ResponseWriter, r *http.Request) {
	p := d.p
	_ = r.ParseForm()
	data := d.data()
	if s, st := p.session(r); s != nil && st == stage2FA && r.PostForm.Has(d.name("code")) {
		if !p.verifyCode(s, r.PostForm.Get(d.name("code"))) {
			data.Error = p.spec.Text.BadCode
			d.render(w, "code", data)
			return
		}
		if r.PostForm.Get(d.name("trusted")) != "" {
			p.trustDevice(w, s.user)
		}
		p.enter(w, r, s, "")
		return
	}
	data.Email = strings.TrimSpace(r.PostForm.Get(d.name("login_email")))
	u := p.lookup(data.Email)
	if !p.passwordOK(u, r.PostForm.Get(d.name("login_password"))) {
		data.Error = p.spec.Text.BadPassword
		d.render(w, "login", data)
		return
	}
	mode := p.currentMode()
	if mode&Captcha != 0 {
		// No source shows Dropbox's captcha: the shared page stands in.
		p.render(w, http.StatusOK, "captcha", &pageData{S: p.spec, Title: "Sign in"})
		return
	}
	s, st := p.signIn(w, r, u, false)
	switch {
	case st == stageNewDevice:
		d.render(w, "emailcode", data)
	case st == stageIn:
		p.enter(w, r, s, "")
	case mode&PushOnly != 0:
		// Dropbox offers SMS, an app or a security key; no source shows a
		// page the script could not answer, so the shared page stands in.
		p.render(w, http.StatusOK, "push", &pageData{S: p.spec, Title: "Sign in"})
	default:
		d.render(w, "code", data)
	}
}

func (d *dropbox) billing(w http.ResponseWriter, r *http.Request) {
	s := d.authed(w, r)
	if s == nil {
		return
	}
	data := d.data()
	data.Email = s.user.email
	data.Invoices = d.p.invoiceViews(s.user)
	d.render(w, "billing", data)
}

func (d *dropbox) receipt(w http.ResponseWriter, r *http.Request) {
	s := d.authed(w, r)
	if s == nil {
		return
	}
	inv := d.p.invoice(s.user, r.PathValue("id"))
	if inv == nil {
		http.Error(w, "Not found", http.StatusNotFound)
		return
	}
	d.p.servePDF(w, s.user, inv, "Dropbox Receipt")
}

func (d *dropbox) authed(w http.ResponseWriter, r *http.Request) *session {
	s, st := d.p.session(r)
	switch {
	case s != nil && st == stageIn:
		return s
	case s != nil && st == stageTerms:
		http.Redirect(w, r, d.p.spec.Terms, http.StatusFound)
	default:
		http.Redirect(w, r, dropboxLogin, http.StatusFound)
	}
	return nil
}

const dropboxLayout = `{{define "layout"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{block "title" .}}Dropbox{{end}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f7f5f2;color:#1e1919}
header{padding:14px 24px;background:#fff;border-bottom:1px solid #e6e1da;color:#0061fe;font-weight:700;font-size:20px}
main{max-width:720px;margin:32px auto;background:#fff;padding:24px 32px;border-radius:8px}
label{display:block;margin:12px 0 4px}
input[type=email],input[type=password],input[type=text]{width:100%;padding:10px;font-size:16px;box-sizing:border-box}
button{margin-top:16px;padding:10px 20px;font-size:16px;background:#0061fe;color:#fff;border:0;border-radius:4px}
[role=alert]{color:#c00}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e6e1da;padding:8px;text-align:left}
</style></head>
<body><header>Dropbox</header><main>{{template "content" .}}</main></body></html>{{end}}`

var dropboxPageSources = map[string]string{
	// Both fields on one page (as the public scripts fill them); labels and
	// the form target are not in the sources.
	"login": `{{define "title"}}Login - Dropbox{{end}}{{define "content"}}
<h1>Sign in</h1>
<form class="login-form" method="post" action="/login" novalidate>
{{with .Error}}<p role="alert">{{.}}</p>{{end}}
<label for="login_email-{{.Suffix}}">Email</label>
<input type="email" id="login_email-{{.Suffix}}" name="{{call .N "login_email"}}" value="{{.Email}}" autocomplete="username">
<label for="login_password-{{.Suffix}}">Password</label>
<input type="password" id="login_password-{{.Suffix}}" name="{{call .N "login_password"}}" autocomplete="current-password">
<button type="submit" class="login-button"><div class="signin-text">Sign in</div></button>
</form>{{end}}`,

	// The six-digit security code with "Trust this computer" (help pages);
	// the markup and the other texts are not in the sources.
	"code": `{{define "title"}}Two-step verification - Dropbox{{end}}{{define "content"}}
<h1>Two-step verification</h1>
<form method="post" action="/login" novalidate>
<p>Enter the 6-digit security code generated by your mobile app.</p>
{{with .Error}}<p role="alert">{{.}}</p>{{end}}
<label for="code-{{.Suffix}}">Security code</label>
<input type="text" id="code-{{.Suffix}}" name="{{call .N "code"}}" inputmode="numeric" autocomplete="one-time-code" maxlength="6">
<p><input type="checkbox" id="trusted-{{.Suffix}}" name="{{call .N "trusted"}}" value="1"> <label for="trusted-{{.Suffix}}" style="display:inline">Trust this computer</label></p>
<button type="submit">Submit code</button>
</form>{{end}}`,

	// After a suspicious sign-in Dropbox e-mails a one-time security code
	// (help.dropbox.com/account-access/one-time-code); this page's markup is
	// not in the sources.
	"emailcode": `{{define "title"}}Verify it's you - Dropbox{{end}}{{define "content"}}
<h1>Check your email</h1>
<p>We detected a suspicious sign-in attempt, so we emailed you a one-time security code.</p>
<form method="post" action="/login"><label for="otc-{{.Suffix}}">Security code</label><input type="text" id="otc-{{.Suffix}}" name="one_time_code"><button type="button" disabled>Submit</button></form>{{end}}`,

	// Billing › Billing history: one row per transaction with a Receipt
	// link to the PDF (help pages). The table's markup, the receipt URL and
	// the date format are not in the sources.
	"billing": `{{define "title"}}Billing - Dropbox{{end}}{{define "content"}}
<h1>Billing</h1>
<section>
<h2>Billing history</h2>
<table>
<thead><tr><th>Date</th><th>Amount</th><th></th><th></th></tr></thead>
<tbody>
{{range .Invoices}}<tr><td>{{.ShownDate}}</td><td>{{.Shown}}</td><td><a href="/account/billing/receipt/{{.ID}}">Receipt</a></td><td><a href="#">Edit</a></td></tr>
{{end}}</tbody>
</table>
</section>{{end}}`,
}

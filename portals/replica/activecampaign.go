package replica

import (
	"fmt"
	"net/http"
	"strings"
)

// ActiveCampaignAccount is the one account the ActiveCampaign replica
// serves; a customer's own account name takes its place on the real
// ActiveCampaign (NAME in NAME.activehosted.com).
const ActiveCampaignAccount = "twofetch-demo"

// ActiveCampaign's own pages. Sources (read 2026-12-06):
//   - help.activecampaign.com 207341950 "What is my account name?": every
//     account signs in on its own host, ACCOUNT.activehosted.com; cemoh.com
//     ("there is no general login") and wildmail.io's help (the login page
//     at myaccount.activehosted.com/admin/, "Forgot?" in the password
//     field) say the same; public scripts in the code index open
//     ACCOUNT.activehosted.com/admin/ and use /app/contacts, /app/deals and
//     /app/campaigns when signed in.
//   - help.activecampaign.com 360008574740 "Set up multi-factor
//     authentication" (en, de): a six-digit code from an authentication
//     app or by SMS after the username and password; Settings → Security →
//     "Set up for myself"; the QR code appears at the next login, after the
//     password; recovery codes. activepedia.com (copies of the help
//     centre): after "Login" the user picks how to receive the code
//     (authentication app or SMS), types it and clicks "Verify"; "Use
//     Recovery Code".
//   - help.activecampaign.com 6054079826716 "About the login verification
//     process": without MFA, a new or unusual login gets a code by e-mail
//     ("Your ActiveCampaign Verification Code"), unless "Remember me for
//     45 days" was ticked; the code is typed and "Verify" clicked.
//   - help.activecampaign.com 218253648 "How do I view past payments &
//     invoices?" (en, fr): the avatar → "Billing & Upgrade" → the
//     "Invoices" tab lists Date, Order ID, Product, Total and Status, with
//     a View and a Download (PDF) button per invoice; only the primary
//     account admin (or a user with purchase permission) sees the page.
//
// GUESSED, no source shows them: every element's markup (the fields carry
// only the standard autocomplete hints username, current-password and
// one-time-code, refusals are role=alert messages), the wording of every
// refusal and of the e-mail and SMS pages, the page after sign-in (here
// /app/contacts, with the account menu shown open), the addresses of the
// Billing & Upgrade page, of the Invoices tab, of an invoice's view and of
// its PDF, the name of the plan tab, the date format, the look of an order
// ID, the session cookie's name, and the replica's key page. Mode
// NewDevice stands for a login whose multi-factor authentication is off:
// ActiveCampaign then e-mails a verification code. Mode PushOnly stands
// for a user whose factor is SMS: the code goes to a phone.

var acBase = "https://" + ActiveCampaignAccount + ".activehosted.com"

func init() {
	register(&spec{
		ID: "activecampaign", Name: "ActiveCampaign", Color: "#004cff",
		SessionCookie: "ac_session",
		Login:         loginSpec{URL: acBase + "/admin/"},
		Billing:       billingSpec{URL: acBase + "/app/billing/invoices"},
		Settings:      acBase + "/replica/activecampaign/security",
		// The homepage's host, where the real site's Login link asks for
		// the account name.
		Hosts: []string{"www.activecampaign.com"},
		Mint: func(sum []byte, seq int) (string, string) {
			n := fmt.Sprint(30000000 + (int(sum[0])<<16|int(sum[1])<<8|int(sum[2]))%1000000*10 + seq%10)
			return n, n
		},
		Pages: activecampaignPages,
	})
}

type acData struct {
	Title, Error, Step, Initial, Tab string
	Invoices                         []invoiceView
	Invoice                          *invoiceView
}

func activecampaignPages(p *Portal, rs *Routes) {
	rs.Handle("GET", acBase+"/admin/", p.acLogin)
	rs.Handle("POST", acBase+"/admin/", p.acLoginSubmit)
	rs.Handle("GET", acBase+"/app/contacts", p.acApp)
	rs.Handle("GET", acBase+"/app/billing", p.acBilling)
	rs.Handle("GET", acBase+"/app/billing/invoices", p.acBilling)
	rs.Handle("GET", acBase+"/app/billing/invoices/{id}", p.acInvoice)
	rs.Handle("GET", acBase+"/app/billing/invoices/{id}/download", p.acDownload)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

func (p *Portal) acAuthed(w http.ResponseWriter, r *http.Request) *session {
	if s, st := p.session(r); s != nil && st == stageIn {
		return s
	}
	http.Redirect(w, r, acBase+"/admin/", http.StatusFound)
	return nil
}

func (p *Portal) acLogin(w http.ResponseWriter, r *http.Request) {
	if s, st := p.session(r); s != nil && st == stageIn {
		http.Redirect(w, r, acBase+"/app/contacts", http.StatusFound)
		return
	}
	acPageSet.render(w, http.StatusOK, "login", &acData{Title: "Login | ActiveCampaign", Step: "password"})
}

// acLoginSubmit is each step of the sign-in: the password, the choice of
// how the code comes, the code, and the e-mailed verification code.
func (p *Portal) acLoginSubmit(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f := r.PostForm
	d := &acData{Title: "Login | ActiveCampaign"}
	mode := p.currentMode()
	s, st := p.session(r)
	switch {
	case s != nil && st == stageNewDevice && f.Has("verification_code"):
		// The replica sends no e-mail, so no code it could be given is right.
		d.Step, d.Error = "email", "That verification code is not valid."
		acPageSet.render(w, http.StatusOK, "login", d)
		return
	case s != nil && st == stage2FA && f.Has("method"):
		d.Step = "app"
		if f.Get("method") == "sms" || mode&PushOnly != 0 {
			d.Step = "sms"
		}
		acPageSet.render(w, http.StatusOK, "login", d)
		return
	case s != nil && st == stage2FA && f.Has("code"):
		if mode&PushOnly != 0 || !p.verifyCode(s, f.Get("code")) {
			d.Step, d.Error = "app", "The verification code is invalid. Please try again."
			if mode&PushOnly != 0 {
				d.Step = "sms"
			}
			acPageSet.render(w, http.StatusOK, "login", d)
			return
		}
		http.Redirect(w, r, acBase+"/app/contacts", http.StatusFound)
		return
	}
	u := p.lookup(f.Get("user"))
	if !p.passwordOK(u, f.Get("pass")) {
		d.Step, d.Error = "password", "The email address or password you entered is incorrect."
		acPageSet.render(w, http.StatusOK, "login", d)
		return
	}
	// "Remember me for 45 days" spares the e-mailed check, not the
	// multi-factor code; here it keeps the session cookie.
	_, st = p.signIn(w, r, u, f.Get("remember") != "")
	switch {
	case st == stageIn:
		http.Redirect(w, r, acBase+"/app/contacts", http.StatusFound)
	case st == stageNewDevice:
		d.Step = "email"
		acPageSet.render(w, http.StatusOK, "login", d)
	case mode&PushOnly != 0:
		d.Step = "sms"
		acPageSet.render(w, http.StatusOK, "login", d)
	default:
		d.Step = "method"
		acPageSet.render(w, http.StatusOK, "login", d)
	}
}

func (p *Portal) acApp(w http.ResponseWriter, r *http.Request) {
	s := p.acAuthed(w, r)
	if s == nil {
		return
	}
	acPageSet.render(w, http.StatusOK, "app", &acData{Title: "Contacts | ActiveCampaign", Initial: acInitial(s.user)})
}

func acInitial(u *user) string { return strings.ToUpper(u.email[:1]) }

func (p *Portal) acBilling(w http.ResponseWriter, r *http.Request) {
	s := p.acAuthed(w, r)
	if s == nil {
		return
	}
	d := &acData{Title: "Billing & Upgrade | ActiveCampaign", Initial: acInitial(s.user), Tab: "plan"}
	if strings.HasSuffix(r.URL.Path, "/invoices") {
		d.Tab, d.Invoices = "invoices", p.invoiceViews(s.user)
	}
	acPageSet.render(w, http.StatusOK, "billing", d)
}

func (p *Portal) acInvoice(w http.ResponseWriter, r *http.Request) {
	s := p.acAuthed(w, r)
	if s == nil {
		return
	}
	inv := p.invoice(s.user, r.PathValue("id"))
	if inv == nil {
		http.NotFound(w, r)
		return
	}
	acPageSet.render(w, http.StatusOK, "invoice", &acData{Title: "Invoice " + inv.Number, Invoice: inv})
}

func (p *Portal) acDownload(w http.ResponseWriter, r *http.Request) {
	s := p.acAuthed(w, r)
	if s == nil {
		return
	}
	p.serveInvoicePDF(w, r, s.user, r.PathValue("id"), "ActiveCampaign invoice")
}

const acLayout = `{{define "layout"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta name="replica" content="the words are ActiveCampaign's help centre's; the markup of every page is a guess">
<style>
body{font-family:"IBM Plex Sans",Helvetica,Arial,sans-serif;margin:0;color:#1f2129;background:#f5f6fa}
.login{max-width:400px;margin:70px auto;background:#fff;padding:32px;border-radius:6px}
.login input[type=email],.login input[type=password],.login input[type=text]{display:block;width:100%;box-sizing:border-box;padding:9px;margin:4px 0 14px}
.login button{width:100%;padding:10px;background:#004cff;color:#fff;border:0;border-radius:4px;margin-top:8px}
[role=alert]{color:#c0262d;margin:8px 0}
.app{display:flex;min-height:100vh}.sidebar{width:220px;background:#1f2129;color:#fff;padding:16px;display:flex;flex-direction:column}
.sidebar a{color:#fff}.account-menu{margin-top:auto}.avatar{display:inline-block;width:28px;height:28px;border-radius:50%;background:#004cff;text-align:center;line-height:28px}
main{flex:1;padding:24px}table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:8px;border-bottom:1px solid #e3e5ec}
[role=tab][aria-selected=true]{font-weight:bold}
</style></head><body>{{template "content" .}}</body></html>{{end}}`

const acFrame = `{{define "frame"}}<nav class="sidebar"><strong>ActiveCampaign</strong>
<a href="/app/contacts">Contacts</a>
<div class="account-menu"><span class="avatar">{{.Initial}}</span>
<ul><li><a href="/app/billing">Billing &amp; Upgrade</a></li></ul></div></nav>{{end}}`

var acPageSet = newPageSet(acLayout+acFrame, map[string]string{
	"login": `{{define "content"}}<main class="login"><h1>Login</h1>
<form method="post" action="/admin/">
{{with .Error}}<div role="alert">{{.}}</div>{{end}}
{{if eq .Step "password"}}<label>Email<input type="email" name="user" autocomplete="username"></label>
<label>Password <a href="/admin/?action=password_forgot">Forgot?</a><input type="password" name="pass" autocomplete="current-password"></label>
<label><input type="checkbox" name="remember" value="1"> Remember me for 45 days</label>
<button type="submit">Login</button>
{{else if eq .Step "method"}}<p>How would you like to receive your verification code?</p>
<button type="submit" name="method" value="app">Authentication app</button>
<button type="submit" name="method" value="sms">SMS</button>
{{else if eq .Step "app"}}<label>Enter the six-digit verification code from your authentication app
<input type="text" name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="6"></label>
<button type="submit">Verify</button>
<p><a href="/admin/?action=recovery">Use Recovery Code</a></p>
{{else if eq .Step "sms"}}<p>We sent a verification code to your phone by SMS.</p>
<label>Verification code<input type="text" name="sms_code" inputmode="numeric" maxlength="6"></label>
<button type="submit">Verify</button>
{{else}}<p>We sent a login verification code to your email address. Check your inbox for "Your ActiveCampaign Verification Code".</p>
<label>Verification code<input type="text" name="verification_code" inputmode="numeric"></label>
<button type="submit">Verify</button>{{end}}
</form></main>{{end}}`,

	"app": `{{define "content"}}<div class="app">{{template "frame" .}}<main><h1>Contacts</h1></main></div>{{end}}`,

	"billing": `{{define "content"}}<div class="app">{{template "frame" .}}<main><h1>Billing &amp; Upgrade</h1>
<nav role="tablist"><a role="tab" href="/app/billing" aria-selected="{{eq .Tab "plan"}}">Plan</a>
<a role="tab" href="/app/billing/invoices" aria-selected="{{eq .Tab "invoices"}}">Invoices</a></nav>
{{if eq .Tab "invoices"}}<table>
<thead><tr><th>Date</th><th>Order ID</th><th>Product</th><th>Total</th><th>Status</th><th></th></tr></thead>
<tbody>{{range .Invoices}}<tr><td>{{.ShownDate}}</td><td>{{.Number}}</td><td>ActiveCampaign Plus</td><td>{{.Shown}}</td><td>Paid</td>
<td><a href="/app/billing/invoices/{{.ID}}">View</a> <a href="/app/billing/invoices/{{.ID}}/download">Download</a></td></tr>{{end}}</tbody>
</table>{{else}}<p>Your plan: ActiveCampaign Plus</p>{{end}}</main></div>{{end}}`,

	"invoice": `{{define "content"}}{{with .Invoice}}<main><h1>Invoice</h1><p>Order ID {{.Number}}</p><p>Date {{.ShownDate}}</p>
<table><tr><td>ActiveCampaign Plus</td><td>{{.Shown}}</td></tr></table></main>{{end}}{{end}}`,
}, nil)

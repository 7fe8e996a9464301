package replica

import (
	"fmt"
	"net/http"
	"net/url"
)

// Mailchimp's own pages. Sources (read 2026-12-06):
//   - Andreii-Davydenko/Verzamel-test providers/mailchimp.provider.js and
//     mailchimp-multi.provider.js: the account lives on a data-centre host
//     (us10.admin.mailchimp.com, us7…); its /account/billing-history/
//     sends a signed-out browser to the sign-in form with #username,
//     #password and #submit-btn, a refusal shows .error; a second step
//     follows on a URL holding "verify", where .send-email-code-button
//     has a code e-mailed into #email_code, sent with
//     .submit-verification-button; the billing history of the current
//     interface is /i/account/billing-history/: each order an
//     h4[class="!padding--lv0"] > a (the order number; its href is a path
//     under /i) followed by a p[class="!padding--lv0 small-meta"] with
//     the date; a receipt page has #dijit_form_ComboButton_0_label, and
//     its #fallback-back-container is removed before it is printed with
//     the print styles.
//   - A public connector (oneRunner, us4.admin.mailchimp.com): receipts
//     opened one by one from the billing history and saved as PDF.
//   - Public links to https://admin.mailchimp.com/account/billing-history/
//     (without a data centre) and to https://login.mailchimp.com/ for
//     signing in.
//   - Mailchimp's help (kb.mailchimp.com, quickbooks.intuit.com): the
//     printable receipt has "Issued to", "Issued by", Details, Billing
//     Statement, Discounts and Payment; Mailchimp is prepaid and issues
//     receipts, not invoices requesting payment.
//
// GUESSED, no source shows them: the authenticator step (the replica shows
// an input#totp_code on the same verify page, sent with the evidenced
// .submit-verification-button) and its refusal (.error), the verify page's
// path beyond "verify", the path of a receipt (the replica's
// /account/billing-history/receipt?id=…), the date format of the list
// ("Nov 12, 2026"), the receipt's markup beyond its ids and sections, and
// the replica's key page /replica/mailchimp/two-factor. The filter button
// (.dijitButtonContents, menu item 3) the provider clicks is not
// reproduced: what it filters is not known.

const (
	mailchimpLogin = "https://login.mailchimp.com"
	mailchimpAdmin = "https://admin.mailchimp.com"
	// MailchimpDC is the data-centre host of every replica account.
	MailchimpDC = "https://us10.admin.mailchimp.com"
)

func init() {
	register(&spec{
		ID: "mailchimp", Name: "Mailchimp", Color: "#ffe01b",
		SessionCookie: "MCSESSION",
		DeviceCookie:  "mc_trusted_device",
		CookieDomain:  "mailchimp.com",
		Login:         loginSpec{URL: mailchimpLogin + "/"},
		TwoFA:         twoFASpec{URL: mailchimpLogin + "/login/verify/"},
		Billing:       billingSpec{URL: MailchimpDC + "/i/account/billing-history/"},
		Settings:      MailchimpDC + "/replica/mailchimp/two-factor",
		Hosts:         []string{"admin.mailchimp.com"},
		Mint: func(sum []byte, _ int) (string, string) {
			// Order numbers are digits; their length is not known.
			id := fmt.Sprint(10000000 + (int(sum[0])<<16|int(sum[1])<<8|int(sum[2]))%90000000)
			return id, id
		},
		Pages: mailchimpPages,
	})
}

type mailchimpData struct {
	Title, Error, Email string
	EmailCode           bool
	Invoices            []invoiceView
	Invoice             *invoiceView
}

func mailchimpPages(p *Portal, rs *Routes) {
	rs.Handle("GET", mailchimpLogin+"/", p.mailchimpLoginPage)
	rs.Handle("POST", mailchimpLogin+"/login/post/", p.mailchimpLoginSubmit)
	rs.Handle("GET", mailchimpLogin+"/login/verify/", p.mailchimpVerify)
	rs.Handle("POST", mailchimpLogin+"/login/verify/", p.mailchimpVerifySubmit)
	for _, host := range []string{mailchimpAdmin, MailchimpDC} {
		rs.Handle("GET", host+"/account/billing-history/", p.mailchimpOldHistory)
	}
	rs.Handle("GET", MailchimpDC+"/", p.mailchimpDashboard)
	rs.Handle("GET", MailchimpDC+"/i/account/billing-history/", p.mailchimpHistory)
	rs.Handle("GET", MailchimpDC+"/i/account/billing-history/receipt", p.mailchimpReceipt)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

func (p *Portal) mailchimpAuthed(w http.ResponseWriter, r *http.Request) *session {
	s, st := p.session(r)
	if s != nil && st == stageIn {
		return s
	}
	http.Redirect(w, r, mailchimpLogin+"/?referrer="+url.QueryEscape(r.URL.Path), http.StatusFound)
	return nil
}

func (p *Portal) mailchimpLoginPage(w http.ResponseWriter, r *http.Request) {
	mailchimpPageSet.render(w, http.StatusOK, "login", &mailchimpData{Title: "Login | Mailchimp"})
}

func (p *Portal) mailchimpLoginSubmit(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	d := &mailchimpData{Title: "Login | Mailchimp", Email: r.PostForm.Get("username")}
	u := p.lookup(d.Email)
	if !p.passwordOK(u, r.PostForm.Get("password")) {
		d.Error = "Sorry, that password isn't right." // wording GUESSED; .error evidenced
		mailchimpPageSet.render(w, http.StatusOK, "login", d)
		return
	}
	if _, st := p.signIn(w, r, u, false); st == stageIn {
		http.Redirect(w, r, MailchimpDC+"/", http.StatusFound)
		return
	}
	http.Redirect(w, r, mailchimpLogin+"/login/verify/", http.StatusFound)
}

func (p *Portal) mailchimpVerify(w http.ResponseWriter, r *http.Request) {
	s, st := p.session(r)
	if s == nil || (st != stage2FA && st != stageNewDevice) {
		http.Redirect(w, r, mailchimpLogin+"/", http.StatusFound)
		return
	}
	// An unknown device is asked for a code by e-mail (evidenced markup);
	// otherwise the authenticator's code (GUESSED markup).
	mailchimpPageSet.render(w, http.StatusOK, "verify", &mailchimpData{Title: "Verify | Mailchimp", EmailCode: st == stageNewDevice})
}

func (p *Portal) mailchimpVerifySubmit(w http.ResponseWriter, r *http.Request) {
	s, st := p.session(r)
	if s == nil || (st != stage2FA && st != stageNewDevice) {
		http.Redirect(w, r, mailchimpLogin+"/", http.StatusFound)
		return
	}
	_ = r.ParseForm()
	d := &mailchimpData{Title: "Verify | Mailchimp", EmailCode: st == stageNewDevice}
	// The replica e-mails nothing, so no e-mailed code is right.
	if st == stageNewDevice || !p.verifyCode(s, r.PostForm.Get("totp_code")) {
		d.Error = "That code isn't valid." // GUESSED
		mailchimpPageSet.render(w, http.StatusOK, "verify", d)
		return
	}
	http.Redirect(w, r, MailchimpDC+"/", http.StatusFound)
}

// mailchimpOldHistory is the billing history's address without /i, as
// public links name it; without a data centre it leads to the account's.
func (p *Portal) mailchimpOldHistory(w http.ResponseWriter, r *http.Request) {
	if p.mailchimpAuthed(w, r) == nil {
		return
	}
	http.Redirect(w, r, MailchimpDC+"/i/account/billing-history/", http.StatusFound)
}

func (p *Portal) mailchimpDashboard(w http.ResponseWriter, r *http.Request) {
	s := p.mailchimpAuthed(w, r)
	if s == nil {
		return
	}
	mailchimpPageSet.render(w, http.StatusOK, "dashboard", &mailchimpData{Title: "Home | Mailchimp", Email: s.user.email})
}

func (p *Portal) mailchimpHistory(w http.ResponseWriter, r *http.Request) {
	s := p.mailchimpAuthed(w, r)
	if s == nil {
		return
	}
	mailchimpPageSet.render(w, http.StatusOK, "history", &mailchimpData{Title: "Billing history | Mailchimp", Email: s.user.email,
		Invoices: p.invoiceViews(s.user)})
}

func (p *Portal) mailchimpReceipt(w http.ResponseWriter, r *http.Request) {
	s := p.mailchimpAuthed(w, r)
	if s == nil {
		return
	}
	inv := p.invoice(s.user, r.URL.Query().Get("id"))
	if inv == nil {
		http.NotFound(w, r)
		return
	}
	p.mu.Lock()
	p.stats.Downloads++
	p.mu.Unlock()
	mailchimpPageSet.render(w, http.StatusOK, "receipt", &mailchimpData{Title: "Receipt | Mailchimp", Email: s.user.email, Invoice: inv})
}

const mailchimpLayout = `{{define "layout"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:"Graphik Web","Helvetica Neue",Helvetica,Arial,sans-serif;margin:0;color:#241c15}
header{background:#ffe01b;padding:12px 24px;font-weight:600}
.login{width:360px;margin:48px auto}.login input{display:block;width:100%;box-sizing:border-box;padding:8px;margin:4px 0 16px}
.login button,.login input[type=submit]{background:#007c89;color:#fff;border:0;padding:10px 18px}
.error{background:#fbeae5;color:#b42318;padding:8px;margin-bottom:12px}
main.page{max-width:880px;margin:24px auto}
.receipt section{margin:16px 0}
@media print{header{display:none}}
</style></head><body><header>Mailchimp</header>{{template "content" .}}</body></html>{{end}}`

var mailchimpPageSet = newPageSet(mailchimpLayout, map[string]string{
	"login": `{{define "content"}}<main class="login"><h1>Log In</h1>
<form method="post" action="/login/post/">
{{with .Error}}<div class="error" role="alert">{{.}}</div>{{end}}
<label for="username">Username or Email</label><input id="username" name="username" value="{{.Email}}" autocomplete="username">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">
<button id="submit-btn" type="submit">Log In</button>
</form></main>{{end}}`,

	"verify": `{{define "content"}}<main class="login"><h1>Verify it's you</h1>
<form method="post" action="/login/verify/">
{{with .Error}}<div class="error" role="alert">{{.}}</div>{{end}}
{{if .EmailCode}}<p>We need to make sure it's you. We'll send a code to your email address.</p>
<button type="button" class="send-email-code-button">Send code</button>
<label for="email_code">Verification code</label><input id="email_code" name="email_code" autocomplete="one-time-code">
{{else}}<p>Launch your two-factor authenticator app to get your passcode.</p>
<label for="totp_code">Verification code</label><input id="totp_code" name="totp_code" autocomplete="one-time-code" inputmode="numeric">
{{end}}<button type="submit" class="submit-verification-button">Log In</button>
</form></main>{{end}}`,

	"dashboard": `{{define "content"}}<main class="page"><h1>Welcome back</h1><p>{{.Email}}</p></main>{{end}}`,

	"history": `{{define "content"}}<main class="page"><h1>Billing history</h1>
{{range .Invoices}}<div class="order"><h4 class="!padding--lv0"><a href="/account/billing-history/receipt?id={{.ID}}">{{.Number}}</a></h4>
<p class="!padding--lv0 small-meta">{{.ShownDate}}</p></div>
{{else}}<p>You have no billing history.</p>{{end}}</main>{{end}}`,

	"receipt": `{{define "content"}}{{with .Invoice}}<main class="page receipt">
<div id="fallback-back-container"><a href="/i/account/billing-history/">Back to billing history</a></div>
<span id="dijit_form_ComboButton_0_label">Print</span>
<h1>Receipt</h1><p>Order #{{.Number}}</p>
<section><h2>Issued to</h2><p>{{$.Email}}</p></section>
<section><h2>Issued by</h2><p>Mailchimp</p></section>
<section><h2>Details</h2><p>Processed on {{.ShownDate}}</p></section>
<section><h2>Billing Statement</h2><p>Standard plan: {{.Shown}}</p></section>
<section><h2>Discounts</h2><p>None</p></section>
<section><h2>Payment</h2><p>Paid {{.Shown}}</p></section>
</main>{{end}}{{end}}`,
}, nil)

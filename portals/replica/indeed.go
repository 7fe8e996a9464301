package replica

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Indeed's own pages. Sources (read 2026-12-06):
//   - Public sign-in scripts in the code index (Selenium, Playwright,
//     puppeteer and a password manager's autofill tests; repositories not
//     named): https://secure.indeed.com/auth (with ?hl=en&continue=…);
//     form#emailform with input[name=__email] (type email, id
//     ifl-InputFormField-3) and
//     button[data-tn-element="auth-page-email-submit-button"]; then, where
//     Indeed offers a login code or Google first, the link
//     a#auth-page-google-password-fallback (data-tn-element the same) to
//     the password; form#loginform with input[name=__password] and
//     button[data-tn-element="auth-page-sign-in-password-form-submit-button"];
//     an hCaptcha (div.pass-Captcha iframe) inside either form at times;
//     signed in when the browser leaves secure.indeed.com/auth.
//   - 2factorauth/twofactorauth entries/i/indeed.com.json: second factors
//     sms and call only; Indeed's employer help
//     (ca.indeed.com/hire/resources/howtohub/two-factor-authentication):
//     Phone 2FA, a one-time code by text message after the password;
//     support.indeed.com 6501388107021: 2FA is mandatory for employer
//     accounts, and an unusual sign-in gets a code by text or e-mail.
//   - indeedemployers.zendesk.com Billing FAQ ("How do I access my
//     billing receipt(s)?", post-pay charges in USD) and "Connect Users"
//     (the role that may "View/edit billing history and invoices"); public
//     code that links the employer billing portal
//     https://employers.indeed.com/billing, where an invoice PDF (with an
//     invoice number and an issue date) and a CSV transaction report are
//     downloaded per billing period.
//   - Cloudflare in front of indeed.com (Anorov/cloudflare-scrape#450,
//     olindgallet/jobscraperv2#2). Cloudflare's pages as public code shows
//     them: the challenge "Just a moment..." with #challenge-stage and
//     window._cf_chl_opt (hehehai/headless-try src/utils/cfCheck.js and
//     detection code in the index), answered with 403; the block page
//     "Sorry, you have been blocked", "You are unable to access …",
//     "Cloudflare Ray ID:" (keshavRTC/RTCplaywrightFramework, a page
//     snapshot), with #cf-error-details.
//
// GUESSED, no source shows them: the words and markup of the page that
// offers the login code, of the 2-step verification page (here an
// input[autocomplete=one-time-code] after the password), of a refused
// password (a role=alert in the form), the markup and headings of the
// billing page (one table of every invoice here, where the real page picks
// a billing period), the look of an invoice number, the date format, the
// session cookie's name, and the rest of Cloudflare's pages (their
// scripts and the Turnstile frame are left out). Indeed has no
// authenticator app, so the replica has no key page, and by default asks
// for no second factor: mode PushOnly asks for the code Indeed sends by
// text or call (no approval in an app exists at Indeed), mode Captcha
// puts Cloudflare's challenge and mode Blocked its block page in front of
// every page.

const (
	indeedSecure    = "https://secure.indeed.com"
	indeedEmployers = "https://employers.indeed.com"
)

func init() {
	register(&spec{
		ID: "indeed", Name: "Indeed", Color: "#2557a7",
		SessionCookie: "CTK",
		CookieDomain:  "indeed.com",
		Login:         loginSpec{URL: indeedSecure + "/auth"},
		Billing:       billingSpec{URL: indeedEmployers + "/billing"},
		Mint: func(sum []byte, seq int) (string, string) {
			n := fmt.Sprintf("%d", 600000000+(int(sum[0])<<16|int(sum[1])<<8|int(sum[2]))%10000000*10+seq%10)
			return n, n
		},
		Pages:  indeedPages,
		Refuse: indeedCloudflare,
	})
}

type indeedData struct {
	Title, Error, Email, Step, Continue string
	Invoices                            []invoiceView
}

func indeedPages(p *Portal, rs *Routes) {
	rs.Handle("GET", indeedSecure+"/auth", p.indeedAuth)
	rs.Handle("POST", indeedSecure+"/auth", p.indeedAuthSubmit)
	rs.Handle("GET", indeedEmployers+"/billing", p.indeedBilling)
	rs.Handle("GET", indeedEmployers+"/billing/invoices/{id}/pdf", p.indeedPDF)
}

// indeedContinue is where the sign-in goes afterwards: an Indeed address
// from the continue parameter, else the billing page.
func indeedContinue(r *http.Request) string {
	c := r.FormValue("continue")
	if u, err := url.Parse(c); err == nil && u.Scheme == "https" && strings.HasSuffix(u.Host, ".indeed.com") {
		return c
	}
	return indeedEmployers + "/billing"
}

func (p *Portal) indeedAuth(w http.ResponseWriter, r *http.Request) {
	d := &indeedData{Title: "Sign In | Indeed Accounts", Step: "email", Continue: indeedContinue(r)}
	if s, st := p.session(r); s != nil && st == stageIn {
		http.Redirect(w, r, d.Continue, http.StatusFound)
		return
	}
	if e := r.URL.Query().Get("email"); e != "" && r.URL.Query().Get("method") == "password" {
		d.Step, d.Email = "password", e
	}
	indeedPageSet.render(w, http.StatusOK, "auth", d)
}

// indeedAuthSubmit takes the e-mail address (and offers the login code,
// with the way to the password) or the password.
func (p *Portal) indeedAuthSubmit(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f := r.PostForm
	d := &indeedData{Title: "Sign In | Indeed Accounts", Email: strings.TrimSpace(f.Get("__email")), Continue: indeedContinue(r)}
	if !f.Has("__password") {
		d.Step = "code-offer"
		indeedPageSet.render(w, http.StatusOK, "auth", d)
		return
	}
	u := p.lookup(d.Email)
	if !p.passwordOK(u, f.Get("__password")) {
		d.Step, d.Error = "password", "Incorrect password. Try again or sign in with a login code."
		indeedPageSet.render(w, http.StatusOK, "auth", d)
		return
	}
	s, _ := p.signIn(w, r, u, true)
	if p.currentMode()&PushOnly != 0 {
		// The session waits at the code Indeed sent to the phone, which no
		// script can read.
		d.Step = "2sv"
		indeedPageSet.render(w, http.StatusOK, "auth", d)
		return
	}
	// Indeed asks for no second factor here (no authenticator exists at
	// Indeed; its text or call codes are mode PushOnly).
	p.setStage(s, stageIn)
	http.Redirect(w, r, d.Continue, http.StatusFound)
}

func (p *Portal) indeedAuthed(w http.ResponseWriter, r *http.Request) *session {
	if s, st := p.session(r); s != nil && st == stageIn {
		return s
	}
	http.Redirect(w, r, indeedSecure+"/auth?hl=en&continue="+url.QueryEscape(indeedEmployers+r.URL.Path), http.StatusFound)
	return nil
}

func (p *Portal) indeedBilling(w http.ResponseWriter, r *http.Request) {
	s := p.indeedAuthed(w, r)
	if s == nil {
		return
	}
	indeedPageSet.render(w, http.StatusOK, "billing", &indeedData{Title: "Billing | Indeed for Employers", Email: s.user.email,
		Invoices: p.invoiceViews(s.user)})
}

func (p *Portal) indeedPDF(w http.ResponseWriter, r *http.Request) {
	s := p.indeedAuthed(w, r)
	if s == nil {
		return
	}
	p.serveInvoicePDF(w, r, s.user, r.PathValue("id"), "Indeed billing receipt")
}

// indeedCloudflare answers modes Captcha and Blocked with Cloudflare's
// challenge and block pages, on every host of the replica.
func indeedCloudflare(w http.ResponseWriter, r *http.Request, m Mode) bool {
	page := ""
	switch {
	case m&Blocked != 0:
		page = "cf-blocked"
	case m&Captcha != 0:
		page = "cf-challenge"
		w.Header().Set("cf-mitigated", "challenge")
	default:
		return false
	}
	w.Header().Set("Server", "cloudflare")
	indeedPageSet.render(w, http.StatusForbidden, page, &indeedData{Email: r.Host})
	return true
}

const indeedLayout = `{{define "layout"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:"Noto Sans",Helvetica,Arial,sans-serif;margin:0;color:#2d2d2d}
.auth{max-width:420px;margin:60px auto}.auth input{display:block;width:100%;box-sizing:border-box;padding:10px;margin:6px 0 16px}
.auth button{width:100%;padding:11px;background:#2557a7;color:#fff;border:0;border-radius:8px}
[role=alert]{color:#a9252b;margin:8px 0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:8px;border-bottom:1px solid #e4e2e0}
</style></head><body>{{template "content" .}}</body></html>{{end}}`

var indeedPageSet = newPageSet(indeedLayout, map[string]string{
	"auth": `{{define "content"}}<main class="auth">
{{if eq .Step "email"}}<h1>Ready to take the next step?</h1>
<form id="emailform" method="post" action="/auth"><input type="hidden" name="continue" value="{{.Continue}}">
<label for="ifl-InputFormField-3">Email address</label>
<input id="ifl-InputFormField-3" type="email" name="__email" autocomplete="email">
<button type="submit" data-tn-element="auth-page-email-submit-button">Continue</button></form>
{{else if eq .Step "code-offer"}}<h1>Welcome back</h1><p>{{.Email}}</p>
<p>We can send a login code to your email address.</p>
<form method="post" action="/auth"><button type="button" disabled>Sign in with login code</button></form>
<p><a id="auth-page-google-password-fallback" data-tn-element="auth-page-google-password-fallback"
 href="/auth?hl=en&amp;method=password&amp;email={{.Email}}&amp;continue={{.Continue}}">Log in with a password instead</a></p>
{{else if eq .Step "password"}}<h1>Enter your password</h1><p>{{.Email}}</p>
<form id="loginform" method="post" action="/auth"><input type="hidden" name="continue" value="{{.Continue}}">
<input type="hidden" name="__email" value="{{.Email}}">
{{with .Error}}<div role="alert">{{.}}</div>{{end}}
<label for="ifl-InputFormField-156">Password</label>
<input id="ifl-InputFormField-156" type="password" name="__password" autocomplete="current-password">
<button type="submit" data-tn-element="auth-page-sign-in-password-form-submit-button">Sign in</button></form>
{{else}}<h1>2-step verification</h1>
<p>Enter the code we sent to your phone by text message.</p>
<form method="post" action="/auth/2sv"><label for="verification-code">Verification code</label>
<input id="verification-code" name="code" inputmode="numeric" autocomplete="one-time-code">
<button type="submit">Verify</button></form>
<p><a href="#call">Call me instead</a></p>{{end}}
</main>{{end}}`,

	"billing": `{{define "content"}}<main><h1>Billing</h1><p>{{.Email}}</p>
<table id="invoices"><thead><tr><th>Invoice number</th><th>Issue date</th><th>Amount</th><th></th></tr></thead>
<tbody>{{range .Invoices}}<tr><td>{{.Number}}</td><td>{{.ShownDate}}</td><td>{{.Shown}}</td>
<td><a href="/billing/invoices/{{.ID}}/pdf">Invoice PDF</a> <a href="/billing/invoices/{{.ID}}/csv">Transaction report (CSV)</a></td></tr>{{end}}</tbody>
</table></main>{{end}}`,

	"cf-challenge": `{{define "layout"}}<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta name="robots" content="noindex,nofollow"></head><body>
<div class="main-wrapper" role="main"><div class="main-content"><h1 class="zone-name-title h1">{{.Email}}</h1>
<div id="challenge-stage"><p>Verify you are human by completing the action below.</p></div>
<p id="challenge-body-text">{{.Email}} needs to review the security of your connection before proceeding.</p>
<form id="challenge-form" action="/?__cf_chl_f_tk=replica" method="POST"></form></div></div>
<script>window._cf_chl_opt = {cvId: '3', cZone: '{{.Email}}', cType: 'managed'};</script>
</body></html>{{end}}`,

	"cf-blocked": `{{define "layout"}}<!DOCTYPE html><html lang="en-US"><head><title>Attention Required! | Cloudflare</title></head><body>
<div id="cf-wrapper"><div id="cf-error-details" class="cf-error-details-wrapper">
<h1>Sorry, you have been blocked</h1><h2>You are unable to access indeed.com</h2>
<h2>Why have I been blocked?</h2><p>This website is using a security service to protect itself from online attacks.</p>
<p>Cloudflare Ray ID: <strong>8f2a1c0d9e3b4a57</strong> • Performance &amp; security by Cloudflare</p>
</div></div></body></html>{{end}}`,
}, nil)

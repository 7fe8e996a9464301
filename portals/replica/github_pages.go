package replica

import (
	"net/http"
	"net/url"
	"strings"
)

// GitHub's own pages. Sources (read 2026-12-06):
//   - vishal00074/automationTestingScript
//     sample_automation_scripts/old_Scripts/github.php (GetMyInvoices-style,
//     2025-04): start at /account/billing/history; input[name=login],
//     input[name=password], input[name=commit]; wrong password in
//     "#login .flash-error"; signed in when "header notification-indicator"
//     exists; the code in input[name*=otp] on a form[action*="/two-factor"]
//     whose ".mt-3" holds the instructions, submitted by
//     button[type=submit].btn-primary; GitHub Mobile's
//     #github-mobile-authenticate-prompt; device verification on
//     form[action*="/verified-device"]; the two-factor checkup interstitial
//     form[action="/settings/two_factor_checkup"] and its
//     ".../delay" form; receipts as ".payment-history li" with ".id",
//     ".date", ".amount" and ".receipt a".
//   - TomasHubelbauer/scrape-github-invoices index.mjs (older UI):
//     #login_field and #password on the login page.
//
// Not found in any source, and marked where used: the exact id and name of
// the code field (the GMI script only says its name contains "otp"), the
// wording of the refusals and prompts, the date and amount formats of the
// payment history, and the receipt URL (the script reads it from the
// link). Organisation billing (GMI walks /settings/organizations) is not
// modelled.

const githubBase = "https://github.com"

type githubData struct {
	Title, Error, Email, Return string
	Signed                      bool
	Invoices                    []invoiceView
}

func githubPages(p *Portal, rs *Routes) {
	rs.Handle("GET", githubBase+"/login", p.githubLogin)
	rs.Handle("POST", githubBase+"/session", p.githubSession)
	rs.Handle("GET", githubBase+"/sessions/two-factor/app", p.githubTwoFactor)
	rs.Handle("POST", githubBase+"/sessions/two-factor", p.githubTwoFactorSubmit)
	rs.Handle("GET", githubBase+"/sessions/two-factor/mobile", p.githubMobile)
	rs.Handle("GET", githubBase+"/sessions/verified-device", p.githubVerifiedDevice)
	rs.Handle("POST", githubBase+"/sessions/verified-device", p.githubVerifiedDevice)
	rs.Handle("GET", githubBase+"/settings/two_factor_checkup", p.githubCheckup)
	rs.Handle("POST", githubBase+"/settings/two_factor_checkup", p.githubCheckupVerify)
	rs.Handle("POST", githubBase+"/settings/two_factor_checkup/delay", p.githubCheckupDelay)
	rs.Handle("GET", githubBase+"/account/billing/history", p.githubHistory)
	rs.Handle("GET", githubBase+"/account/receipts/{id}", p.githubReceipt)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

func (p *Portal) githubReturn(r *http.Request) string {
	ret := r.FormValue("return_to")
	if strings.HasPrefix(ret, "/") && !strings.HasPrefix(ret, "//") {
		ret = githubBase + ret
	}
	if ret == "" || !p.ownURL(ret) {
		return p.spec.Billing.URL
	}
	return ret
}

// githubAuthed returns the signed-in session; a session at the checkup
// goes there, anyone else to /login?return_to=<path>.
func (p *Portal) githubAuthed(w http.ResponseWriter, r *http.Request) *session {
	s, st := p.session(r)
	switch {
	case s != nil && st == stageIn:
		return s
	case s != nil && st == stageTerms:
		http.Redirect(w, r, p.spec.Terms+"?return_to="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
	default:
		http.Redirect(w, r, githubBase+"/login?return_to="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
	}
	return nil
}

func (p *Portal) githubPending(w http.ResponseWriter, r *http.Request) *session {
	s, st := p.session(r)
	if s == nil || st != stage2FA {
		http.Redirect(w, r, githubBase+"/login", http.StatusFound)
		return nil
	}
	return s
}

func withGitHubReturn(path, ret string) string {
	return githubBase + path + "?return_to=" + url.QueryEscape(strings.TrimPrefix(ret, githubBase))
}

func (p *Portal) githubLogin(w http.ResponseWriter, r *http.Request) {
	githubPageSet.render(w, http.StatusOK, "login", &githubData{Title: "Sign in to GitHub · GitHub", Return: strings.TrimPrefix(p.githubReturn(r), githubBase)})
}

func (p *Portal) githubSession(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	ret := p.githubReturn(r)
	d := &githubData{Title: "Sign in to GitHub · GitHub", Email: r.PostForm.Get("login"), Return: strings.TrimPrefix(ret, githubBase)}
	u := p.lookup(d.Email)
	if !p.passwordOK(u, r.PostForm.Get("password")) {
		// The GMI script looks for "passwor" in the error; this wording is
		// the replica's.
		d.Error = "Incorrect username or password."
		githubPageSet.render(w, http.StatusOK, "login", d)
		return
	}
	_, st := p.signIn(w, r, u, false)
	switch {
	case st == stageNewDevice:
		http.Redirect(w, r, withGitHubReturn("/sessions/verified-device", ret), http.StatusFound)
	case st == stageIn:
		http.Redirect(w, r, ret, http.StatusFound)
	case p.currentMode()&PushOnly != 0:
		http.Redirect(w, r, withGitHubReturn("/sessions/two-factor/mobile", ret), http.StatusFound)
	default:
		http.Redirect(w, r, withGitHubReturn("/sessions/two-factor/app", ret), http.StatusFound)
	}
}

func (p *Portal) githubTwoFactor(w http.ResponseWriter, r *http.Request) {
	if p.githubPending(w, r) == nil {
		return
	}
	githubPageSet.render(w, http.StatusOK, "twofactor", &githubData{Title: "Two-factor authentication · GitHub", Return: strings.TrimPrefix(p.githubReturn(r), githubBase)})
}

func (p *Portal) githubTwoFactorSubmit(w http.ResponseWriter, r *http.Request) {
	s := p.githubPending(w, r)
	if s == nil {
		return
	}
	_ = r.ParseForm()
	ret := p.githubReturn(r)
	if p.currentMode()&PushOnly != 0 || !p.verifyCode(s, r.PostForm.Get("app_otp")) {
		githubPageSet.render(w, http.StatusOK, "twofactor", &githubData{Title: "Two-factor authentication · GitHub",
			Return: strings.TrimPrefix(ret, githubBase), Error: "Two-factor authentication failed."})
		return
	}
	_, st := p.session(r)
	if st == stageTerms {
		http.Redirect(w, r, withGitHubReturn("/settings/two_factor_checkup", ret), http.StatusFound)
		return
	}
	http.Redirect(w, r, ret, http.StatusFound)
}

func (p *Portal) githubMobile(w http.ResponseWriter, r *http.Request) {
	if p.githubPending(w, r) == nil {
		return
	}
	githubPageSet.render(w, http.StatusOK, "mobile", &githubData{Title: "Two-factor authentication · GitHub"})
}

// githubVerifiedDevice asks for the code GitHub e-mails for an unknown
// device; the replica sends none, so every answer is refused.
func (p *Portal) githubVerifiedDevice(w http.ResponseWriter, r *http.Request) {
	s, st := p.session(r)
	if s == nil || st != stageNewDevice {
		http.Redirect(w, r, githubBase+"/login", http.StatusFound)
		return
	}
	d := &githubData{Title: "Device verification · GitHub", Email: s.user.email, Return: strings.TrimPrefix(p.githubReturn(r), githubBase)}
	if r.Method == http.MethodPost {
		d.Error = "Incorrect verification code provided."
	}
	githubPageSet.render(w, http.StatusOK, "verified-device", d)
}

func (p *Portal) githubCheckup(w http.ResponseWriter, r *http.Request) {
	s, st := p.session(r)
	if s == nil || st != stageTerms {
		http.Redirect(w, r, p.githubReturn(r), http.StatusFound)
		return
	}
	githubPageSet.render(w, http.StatusOK, "checkup", &githubData{Title: "Verify your two-factor authentication settings · GitHub",
		Return: strings.TrimPrefix(p.githubReturn(r), githubBase), Signed: true})
}

// githubCheckupVerify asks for a code again, as "verify 2FA now" does.
func (p *Portal) githubCheckupVerify(w http.ResponseWriter, r *http.Request) {
	s, st := p.session(r)
	if s == nil || st != stageTerms {
		http.Redirect(w, r, githubBase+"/login", http.StatusFound)
		return
	}
	p.setStage(s, stage2FA)
	http.Redirect(w, r, withGitHubReturn("/sessions/two-factor/app", p.githubReturn(r)), http.StatusFound)
}

func (p *Portal) githubCheckupDelay(w http.ResponseWriter, r *http.Request) {
	s, st := p.session(r)
	if s == nil || st != stageTerms {
		http.Redirect(w, r, githubBase+"/login", http.StatusFound)
		return
	}
	p.setStage(s, stageIn)
	http.Redirect(w, r, p.githubReturn(r), http.StatusFound)
}

func (p *Portal) githubHistory(w http.ResponseWriter, r *http.Request) {
	s := p.githubAuthed(w, r)
	if s == nil {
		return
	}
	githubPageSet.render(w, http.StatusOK, "history", &githubData{Title: "Payment history · GitHub", Signed: true,
		Email: s.user.email, Invoices: p.invoiceViews(s.user)})
}

func (p *Portal) githubReceipt(w http.ResponseWriter, r *http.Request) {
	s := p.githubAuthed(w, r)
	if s == nil {
		return
	}
	p.serveInvoicePDF(w, r, s.user, r.PathValue("id"), "GitHub Receipt")
}

const githubLayout = `{{define "layout"}}<!DOCTYPE html>
<html lang="en" data-color-mode="auto"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;background:#f6f8fa;color:#1f2328;font-size:14px}
.AppHeader{background:#24292f;color:#fff;padding:14px 24px;display:flex;justify-content:space-between}
.auth-form{width:340px;margin:40px auto}
.auth-form-header h1{font-weight:300;font-size:24px;text-align:center}
.auth-form-body{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:16px}
.form-control{display:block;width:100%;box-sizing:border-box;padding:5px 12px;font-size:14px;border:1px solid #d0d7de;border-radius:6px;margin:4px 0 16px}
.btn{padding:5px 16px;border:1px solid #1f232826;border-radius:6px;background:#f6f8fa;cursor:pointer;font-size:14px}
.btn-primary{background:#1f883d;color:#fff}.btn-block{display:block;width:100%}
.flash-error{background:#ffebe9;border:1px solid #ff818266;border-radius:6px;padding:12px;margin-bottom:16px}
.container{max-width:880px;margin:24px auto}
.payment-history ul{list-style:none;margin:0;padding:0;border:1px solid #d0d7de;border-radius:6px;background:#fff}
.payment-history li{display:flex;gap:24px;padding:12px 16px;border-top:1px solid #d0d7de}.payment-history li:first-child{border-top:0}
</style></head><body>
{{if .Signed}}<header class="AppHeader"><span>GitHub</span><notification-indicator data-indicator-mode="none"><a href="/notifications" aria-label="You have no unread notifications">Inbox</a></notification-indicator></header>{{end}}
{{template "content" .}}
</body></html>{{end}}
{{define "flash"}}{{with .Error}}<div id="js-flash-container"><div class="flash flash-full flash-error" role="alert"><div class="px-2">{{.}}</div></div></div>{{end}}{{end}}`

var githubPageSet = newPageSet(githubLayout, map[string]string{
	"login": `{{define "content"}}<div id="login" class="auth-form px-3">
<form action="/session" accept-charset="UTF-8" method="post">
<div class="auth-form-header p-0"><h1>Sign in to GitHub</h1></div>
{{template "flash" .}}
<div class="auth-form-body mt-3">
<input type="hidden" name="return_to" value="{{.Return}}">
<label for="login_field">Username or email address</label>
<input type="text" name="login" id="login_field" value="{{.Email}}" class="form-control input-block js-login-field" autocapitalize="off" autocorrect="off" autocomplete="username" autofocus>
<label for="password">Password</label>
<input type="password" name="password" id="password" class="form-control form-control input-block js-password-field" autocomplete="current-password">
<input type="submit" name="commit" value="Sign in" class="btn btn-primary btn-block js-sign-in-button">
</div></form></div>{{end}}`,

	"twofactor": `{{define "content"}}<div class="auth-form px-3">
<form action="/sessions/two-factor" accept-charset="UTF-8" method="post">
<div class="auth-form-header p-0"><h1>Two-factor authentication</h1></div>
{{template "flash" .}}
<div class="auth-form-body mt-3">
<input type="hidden" name="return_to" value="{{.Return}}">
<div class="mt-3">Open your two-factor authenticator (TOTP) app or browser extension to view your authentication code.</div>
<label for="app_totp">Authentication code</label>
<input type="text" name="app_otp" id="app_totp" class="form-control input-block" autocomplete="one-time-code" inputmode="numeric" maxlength="6" autofocus>
<button type="submit" class="btn btn-primary btn-block">Verify</button>
</div></form></div>{{end}}`,

	"mobile": `{{define "content"}}<div class="auth-form px-3"><div class="auth-form-header p-0"><h1>Two-factor authentication</h1></div>
<div class="auth-form-body mt-3" id="github-mobile-authenticate-prompt">
<p>Open GitHub Mobile and approve this sign-in request to continue.</p></div></div>{{end}}`,

	"verified-device": `{{define "content"}}<div class="auth-form px-3">
<form action="/sessions/verified-device" accept-charset="UTF-8" method="post">
<div class="auth-form-header p-0"><h1>Device verification</h1></div>
{{template "flash" .}}
<div class="auth-form-body mt-3">
<input type="hidden" name="return_to" value="{{.Return}}">
<div class="mt-3">We just sent your authentication code via email to {{.Email}}. The code will expire soon.</div>
<label for="otp">Device Verification Code</label>
<input type="text" name="otp" id="otp" class="form-control input-block" autocomplete="one-time-code">
<button type="submit" class="btn btn-primary btn-block">Verify</button>
</div></form></div>{{end}}`,

	"checkup": `{{define "content"}}<div class="auth-form px-3"><div class="auth-form-header p-0"><h1>Verify your two-factor authentication (2FA) settings</h1></div>
<div class="auth-form-body mt-3">
<form action="/settings/two_factor_checkup" accept-charset="UTF-8" method="post"><input type="hidden" name="return_to" value="{{.Return}}"><button type="submit" class="btn btn-primary btn-block">Verify 2FA now</button></form>
<form action="/settings/two_factor_checkup/delay" accept-charset="UTF-8" method="post" class="mt-3"><input type="hidden" name="return_to" value="{{.Return}}"><button type="submit" class="btn btn-block">Remind me later</button></form>
</div></div>{{end}}`,

	"history": `{{define "content"}}<div class="container"><h2>Payment history</h2>
<div class="payment-history"><ul>
{{range .Invoices}}<li class="Box-row"><span class="date">{{.ISODate}}</span><span class="id">{{.Number}}</span><span class="amount">{{.Shown}}</span><span class="receipt"><a href="/account/receipts/{{.ID}}">Download receipt</a></span></li>
{{else}}<li class="Box-row">No payments yet.</li>{{end}}
</ul></div></div>{{end}}`,
}, nil)

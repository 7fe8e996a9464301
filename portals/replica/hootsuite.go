package replica

import (
	"net/http"
	"strings"
)

// Hootsuite's sign-in. Sources (read 2026-12-06):
//   - A public Playwright suite of Hootsuite's own staging site
//     (staging.hootsuite.com/login): the title "Hootsuite - Login",
//     #loginEmailInput (labelled "Please enter a valid email address"),
//     #loginPasswordInput, a button "Sign in", and once signed in the
//     dashboard with [data-test-id="global-nav-account-button"].
//   - Microsoft Entra's Hootsuite SSO guide: the sign-on URL
//     https://hootsuite.com/login.
//   - help.hootsuite.com "About login verification" (1260804251790): a
//     sign-in from a new location or IP address gets the "Verify your
//     account" page: "Send to" the account's e-mail address, paste the
//     code, "Submit"; "Resend".
//   - help.hootsuite.com "Manage Google Authenticator" and "Set up
//     multi-factor authentication" (1260804307989): 2-step verification
//     with an authenticator app, asked at each sign-in or only when the
//     location changes; the code goes into "Code", then Submit or Enter;
//     it can only be set up on the web.
//   - help.hootsuite.com 1260804305749: invoices of Professional and Team
//     plans under Account → Plan and billing → Billing info → View
//     invoice, to be printed to PDF. No source shows that page's markup,
//     so the replica has none and the script fetches nothing.
//
// GUESSED, no source shows them: every element of the code page and of
// the verify page beyond their words (the replica asks on the sign-in
// page itself, with an input#code labelled "Code"), the refusals ([role=alert])
// and their wording, the form posting to /login (the real page is an app),
// and the replica's key page.

const hootsuiteBase = "https://hootsuite.com"

func init() {
	register(&spec{
		ID: "hootsuite", Name: "Hootsuite", Color: "#143059",
		SessionCookie: "hs_session",
		DeviceCookie:  "hs_location_verified",
		Login:         loginSpec{URL: hootsuiteBase + "/login"},
		Billing:       billingSpec{URL: hootsuiteBase + "/dashboard"},
		Settings:      hootsuiteBase + "/replica/hootsuite/security",
		Pages:         hootsuitePages,
	})
}

type hootsuiteData struct {
	Title, Error, Email, Step string
}

func hootsuitePages(p *Portal, rs *Routes) {
	rs.Handle("GET", hootsuiteBase+"/login", p.hootsuiteLogin)
	rs.Handle("POST", hootsuiteBase+"/login", p.hootsuiteLoginSubmit)
	rs.Handle("GET", hootsuiteBase+"/dashboard", p.hootsuiteDashboard)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

func (p *Portal) hootsuiteLogin(w http.ResponseWriter, r *http.Request) {
	hootsuitePageSet.render(w, http.StatusOK, "login", &hootsuiteData{Title: "Hootsuite - Login", Step: "password"})
}

func (p *Portal) hootsuiteLoginSubmit(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f := r.PostForm
	d := &hootsuiteData{Title: "Hootsuite - Login", Email: strings.TrimSpace(f.Get("email"))}
	s, st := p.session(r)
	switch {
	case f.Has("verificationCode"):
		// The replica e-mails no code, so none is right.
		d.Step, d.Error = "verify", "That code is not valid."
	case f.Has("code"):
		if s == nil || st != stage2FA {
			http.Redirect(w, r, hootsuiteBase+"/login", http.StatusFound)
			return
		}
		if !p.verifyCode(s, f.Get("code")) {
			d.Step, d.Error = "code", "Invalid code. Please try again."
			break
		}
		http.Redirect(w, r, hootsuiteBase+"/dashboard", http.StatusFound)
		return
	default:
		u := p.lookup(d.Email)
		if !p.passwordOK(u, f.Get("password")) {
			d.Step, d.Error = "password", "The email or password you entered is incorrect."
			break
		}
		switch _, st := p.signIn(w, r, u, true); st {
		case stageIn:
			http.Redirect(w, r, hootsuiteBase+"/dashboard", http.StatusFound)
			return
		case stageNewDevice:
			d.Step = "verify"
		default:
			d.Step = "code"
		}
	}
	hootsuitePageSet.render(w, http.StatusOK, "login", d)
}

func (p *Portal) hootsuiteDashboard(w http.ResponseWriter, r *http.Request) {
	s, st := p.session(r)
	if s == nil || st != stageIn {
		http.Redirect(w, r, hootsuiteBase+"/login", http.StatusFound)
		return
	}
	hootsuitePageSet.render(w, http.StatusOK, "dashboard", &hootsuiteData{Title: "Hootsuite", Email: s.user.email})
}

const hootsuiteLayout = `{{define "layout"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:"Source Sans Pro",Helvetica,Arial,sans-serif;margin:0;color:#1c1c1c}
.login{width:380px;margin:60px auto}.login input{display:block;width:100%;box-sizing:border-box;padding:9px;margin:4px 0 14px}
.login button{background:#143059;color:#fff;border:0;padding:10px 20px}
[role=alert]{color:#c32f27;margin-bottom:12px}
nav{background:#143059;color:#fff;padding:10px 20px;display:flex;justify-content:space-between}
</style></head><body>{{template "content" .}}</body></html>{{end}}`

var hootsuitePageSet = newPageSet(hootsuiteLayout, map[string]string{
	"login": `{{define "content"}}<main class="login"><form method="post" action="/login">
{{if eq .Step "password"}}<h1>Log in to Hootsuite</h1>{{with .Error}}<div role="alert">{{.}}</div>{{end}}
<input id="loginEmailInput" name="email" type="email" aria-label="Please enter a valid email address" value="{{.Email}}" autocomplete="username">
<input id="loginPasswordInput" name="password" type="password" aria-label="Password" autocomplete="current-password">
<button type="submit">Sign in</button>
{{else if eq .Step "code"}}<h1>2-Step Verification</h1>{{with .Error}}<div role="alert">{{.}}</div>{{end}}
<input type="hidden" name="email" value="{{.Email}}">
<label for="code">Code</label><input id="code" name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="6">
<button type="submit">Submit</button>
{{else}}<h1>Verify your account</h1>{{with .Error}}<div role="alert">{{.}}</div>{{end}}
<input type="hidden" name="email" value="{{.Email}}">
<button type="button" class="send-code">Send to {{.Email}}</button>
<input id="verificationCode" name="verificationCode" aria-label="Confirmation code">
<button type="submit">Submit</button> <button type="button">Resend</button>{{end}}
</form></main>{{end}}`,

	"dashboard": `{{define "content"}}<nav><span>Hootsuite</span><button data-test-id="global-nav-account-button" aria-label="Account">{{.Email}}</button></nav>
<main><h1>Home</h1></main>{{end}}`,
}, nil)

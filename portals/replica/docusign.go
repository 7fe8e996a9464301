package replica

import (
	"net/http"
	"strings"
)

// DocuSign's sign-in, as public sources show it (read 2026-12-06):
//
//   - A public Selenium controller for DocuSign in the code index
//     (repository not named there): the app at
//     https://apps.docusign.com/send/documents sends a browser without a
//     session to the sign-in, which asks for the e-mail address first
//     (input[data-qa=username], button[data-qa=submit-username]) and the
//     password next (input[data-qa=password], button[data-qa=submit-password]).
//   - support.docusign.com and help pages on two-step verification: My
//     Preferences › Privacy & Security › Two-Step Verification; verification
//     methods phone, e-mail and "Authentication App" (SET UP APP, a QR
//     code, then a verification code); at sign-in a one-time passcode is
//     asked after the password; a new device without two-step verification
//     is asked for a code sent by e-mail instead.
//   - developers.docusign.com: billing invoices exist only in the eSignature
//     REST API (GET /restapi/v2.1/accounts/{accountId}/billing_invoices),
//     which needs an OAuth token, not the web session.
//
// Not in any source, and marked where the page shows it: the sign-in's
// host (here account.docusign.com, the address DocuSign's help pages send
// people to), where its forms post (here back to /login), every text, the
// refusals (here the form again with a role=alert message), the markup of
// the code page (here one field with autocomplete="one-time-code", the
// standard hint for a one-time code, and a submit button), and every page
// after sign-in: the replica lands on a bare apps.docusign.com page. No
// page lists DocuSign's own invoices to the account in any source.
const (
	docusignAccount = "https://account.docusign.com"
	docusignApps    = "https://apps.docusign.com/send/documents"
)

func init() {
	register(&spec{
		ID: "docusign", Name: "Docusign", Color: "#4c00ff",
		SessionCookie: "ds_session",
		CookieDomain:  "docusign.com",
		Login:         loginSpec{URL: docusignAccount + "/login"},
		Billing:       billingSpec{URL: docusignApps},
		// My Preferences › Privacy & Security (help pages); the replica
		// serves the key at an address of its own.
		Settings: docusignAccount + "/security",
		Pages:    docusignPages,
	})
}

type docusign struct {
	p     *Portal
	pages pageSet
}

type docusignData struct {
	V, Email, Error string
	Step            string // "username", "password" or "code"
}

func docusignPages(p *Portal, rs *Routes) {
	d := &docusign{p: p, pages: newPageSet(docusignLayout, docusignPageSources, nil)}
	rs.Handle("GET", docusignAccount+"/login", d.login)
	rs.Handle("POST", docusignAccount+"/login", d.loginPost)
	rs.Handle("GET", docusignApps, d.apps)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

func (d *docusign) login(w http.ResponseWriter, r *http.Request) {
	d.pages.render(w, http.StatusOK, "login", &docusignData{V: d.p.layoutPrefix(), Step: "username"})
}

// loginPost takes the e-mail address, the password and the code, each
// posted to the sign-in page.
func (d *docusign) loginPost(w http.ResponseWriter, r *http.Request) {
	p := d.p
	_ = r.ParseForm()
	data := &docusignData{V: p.layoutPrefix(), Email: strings.TrimSpace(r.PostForm.Get("username"))}
	if s, st := p.session(r); s != nil && st == stage2FA && r.PostForm.Has(data.V+"otp") {
		if !p.verifyCode(s, r.PostForm.Get(data.V+"otp")) {
			data.Step, data.Error = "code", "The code you entered is incorrect."
			d.pages.render(w, http.StatusOK, "login", data)
			return
		}
		http.Redirect(w, r, docusignApps, http.StatusFound)
		return
	}
	u := p.lookup(data.Email)
	pw, hasPassword := r.PostForm[data.V+"password"]
	switch {
	case !hasPassword:
		data.Step = "password"
	case !p.passwordOK(u, strings.Join(pw, "")):
		data.Step, data.Error = "password", "Your email address or password is incorrect."
	default:
		if _, st := p.signIn(w, r, u, false); st == stageIn {
			http.Redirect(w, r, docusignApps, http.StatusFound)
			return
		}
		data.Step = "code"
	}
	d.pages.render(w, http.StatusOK, "login", data)
}

func (d *docusign) apps(w http.ResponseWriter, r *http.Request) {
	if s, st := d.p.session(r); s == nil || st != stageIn {
		http.Redirect(w, r, docusignAccount+"/login", http.StatusFound)
		return
	}
	d.pages.render(w, http.StatusOK, "apps", &docusignData{})
}

const docusignLayout = `{{define "layout"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Docusign</title>
<style>
body{font-family:"Maven Pro",Helvetica,Arial,sans-serif;margin:0;color:#130032}
.card{max-width:380px;margin:60px auto;padding:32px}
input{display:block;width:100%;padding:10px;margin:6px 0 18px;font-size:16px;box-sizing:border-box;border:1px solid #888;border-radius:2px}
button{width:100%;padding:11px;font-size:15px;background:#4c00ff;color:#fff;border:0;border-radius:2px}
[role=alert]{color:#c9081c;margin-bottom:12px}
</style></head>
<body>{{template "content" .}}</body></html>{{end}}`

var docusignPageSources = map[string]string{
	"login": `{{define "content"}}<div class="card"><h1>Log in to Docusign</h1>
<form method="post" action="/login">
{{with .Error}}<div role="alert">{{.}}</div>{{end}}
{{if eq .Step "username"}}<label>Email<input type="email" name="username" data-qa="{{.V}}username" autocomplete="username"></label>
<button type="submit" data-qa="{{.V}}submit-username">Next</button>
{{else if eq .Step "password"}}<input type="hidden" name="username" value="{{.Email}}">
<p>{{.Email}}</p>
<label>Password<input type="password" name="{{.V}}password" data-qa="{{.V}}password" autocomplete="current-password"></label>
<button type="submit" data-qa="{{.V}}submit-password">Log In</button>
{{else}}<p>Enter the code from your authentication app.</p>
<label>Code<input type="text" name="{{.V}}otp" inputmode="numeric" autocomplete="one-time-code"></label>
<button type="submit">Continue</button>{{end}}
</form></div>{{end}}`,

	"apps": `{{define "content"}}<div class="card"><p>Docusign eSignature</p></div>{{end}}`,
}

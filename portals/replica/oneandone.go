package replica

import (
	"net/http"
	"strings"
)

// 1&1's Control-Center sign-in (www.1und1.de/login) and customer area
// (mein.1und1.de), as these public sources show it (read 2026-12-06):
//
//   - public 1&1 DNS-update scripts in the code index whose repositories
//     are not named there (Selenium, several versions): https://www.1und1.de/login
//     with the form "loginform", the fields name="oaologin.username" and
//     name="oaologin.password" on one page, the button
//     #ct-btn-submitbutton-lead, then the customer area on mein.1und1.de;
//   - a public list of login addresses: https://login.1und1.de for the
//     "1&1 Control-Center" (the script keeps the scripts' address, which
//     shows the form);
//   - 1&1's help pages (hilfe-center.1und1.de, help.1and1.com): the user
//     name is the customer number (Kundennummer) or the contact e-mail
//     address; two-factor authentication for the Control Panel with an
//     authenticator app (scan the QR code, enter it "under Your 6-digit
//     code", note the recovery code), a 6-digit code at every later login.
//
// Not in any source, and marked where the pages show it: the code page
// (the replica's has one visible field in a form, labelled after the
// English help's "Your 6-digit code", and nothing the script keys on), every
// refusal's wording and markup (a refused password or code shows the same
// form again, empty), where the forms post, the sources' age (the scripts
// are years old; the sign-in may have moved to login.1und1.de with another
// shape), and the customer area's markup (a bare page here). Modes
// Captcha, PushOnly, NewDevice and Terms change nothing.
const (
	oneLogin = "https://www.1und1.de/login"
	oneMein  = "https://mein.1und1.de/"
)

func init() {
	register(&spec{
		ID: "1und1", Name: "1&1", Lang: "de", Currency: "EUR", Color: "#003d8f",
		// Cookie names are not in the sources.
		SessionCookie: "replica-1und1-session", CookieDomain: "1und1.de",
		DeviceCookie: "replica-1und1-device",
		Login:        loginSpec{URL: oneLogin},
		Billing:      billingSpec{URL: oneMein},
		Pages:        oneAndOnePages,
	})
}

type oneData struct {
	Step    string
	Refused bool
	Email   string
}

func oneAndOnePages(p *Portal, rs *Routes) {
	rs.Handle("GET", oneLogin, func(w http.ResponseWriter, r *http.Request) {
		if s, st := p.session(r); s != nil && st == stageIn {
			http.Redirect(w, r, oneMein, http.StatusFound)
			return
		}
		onePageSet.render(w, http.StatusOK, "login", &oneData{})
	})
	rs.Handle("POST", oneLogin, func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f := r.PostForm
		switch f.Get("step") {
		case "":
			// The customer number or the contact address names the same
			// account; the replica's users are known by their address.
			u := p.lookup(strings.TrimSpace(f.Get("oaologin.username")))
			if !p.passwordOK(u, f.Get("oaologin.password")) {
				onePageSet.render(w, http.StatusOK, "login", &oneData{Refused: true})
				return
			}
			if _, st := p.signIn(w, r, u, true); st == stageIn {
				http.Redirect(w, r, oneMein, http.StatusFound)
				return
			}
			onePageSet.render(w, http.StatusOK, "code", &oneData{})
		case "code":
			s, st := p.session(r)
			if s == nil || st != stage2FA {
				http.Redirect(w, r, oneLogin, http.StatusFound)
				return
			}
			if !p.verifyCode(s, f.Get("code")) {
				onePageSet.render(w, http.StatusOK, "code", &oneData{Refused: true})
				return
			}
			p.setStage(s, stageIn)
			http.Redirect(w, r, oneMein, http.StatusFound)
		default:
			http.Error(w, "unknown step", http.StatusBadRequest)
		}
	})
	rs.Handle("GET", oneMein, func(w http.ResponseWriter, r *http.Request) {
		s, st := p.session(r)
		if s == nil || st != stageIn {
			http.Redirect(w, r, oneLogin, http.StatusFound)
			return
		}
		onePageSet.render(w, http.StatusOK, "mein", &oneData{Email: s.user.email})
	})
}

const oneLayout = `{{define "layout"}}<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>1&amp;1 Control-Center</title>
<style>
body{font-family:Arial,sans-serif;margin:0;background:#f4f7fa;color:#001b41}
main{max-width:440px;margin:48px auto;background:#fff;padding:32px;border-radius:8px}
input{width:100%;box-sizing:border-box;padding:10px;font-size:16px;margin:8px 0}
button{width:100%;padding:10px;font-size:16px;background:#003d8f;color:#fff;border:0;border-radius:4px}
</style></head><body><main>{{template "content" .}}</main></body></html>{{end}}`

// onePageSet: the sign-in form as the sources show it; the code page and
// the customer area are the replica's own stand-ins, every heading and
// label assumed.
var onePageSet = newPageSet(oneLayout, map[string]string{
	"login": `{{define "content"}}<h1>Login</h1>
<form name="loginform" id="loginform" method="post" action="/login">
{{if .Refused}}<p role="alert">Die Anmeldung ist fehlgeschlagen.</p>{{end}}
<label>Kundennummer oder E-Mail-Adresse<input type="text" name="oaologin.username" autocomplete="username"></label>
<label>Passwort<input type="password" name="oaologin.password" autocomplete="current-password"></label>
<button type="submit" id="ct-btn-submitbutton-lead">Login</button></form>{{end}}`,

	"code": `{{define "content"}}<h1>Zwei-Faktor-Authentifizierung</h1>
<form method="post" action="/login"><input type="hidden" name="step" value="code">
<p>Ihr 6-stelliger Code</p>
{{if .Refused}}<p role="alert">Der Code ist nicht korrekt.</p>{{end}}
<input name="code" type="text" inputmode="numeric" maxlength="6">
<button type="submit">Login</button></form>{{end}}`,

	"mein": `{{define "content"}}<h1>1&amp;1 Control-Center</h1><p>Angemeldet als {{.Email}}.</p>
<p>Die Seiten nach dem Login sind nicht öffentlich beschrieben; dieses Replikat zeigt keine davon.</p>{{end}}`,
}, nil)

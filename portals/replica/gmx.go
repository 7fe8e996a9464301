package replica

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// GMX's own sign-in (auth.gmx.net) and mailbox (navigator.gmx.net), as
// these public sources show it (read 2026-12-06):
//
//   - public GMX automations in the code index whose repositories are not
//     named there: https://login.gmx.net/ as the sign-in's address, which
//     leads to auth.gmx.net; the address field input#email
//     (name="username"), the button "Weiter", then input[type=password]
//     and the button "Login"; a finished sign-in lands on
//     navigator.gmx.net/mail?sid=<hex>, and opening
//     https://navigator.gmx.net/mail with a live session lands there too;
//     a second login page on verify.login.gmx.net asking for a CAPTCHA;
//   - notes of an open-source GMX client: the login page's JSON flow at
//     login.gmx.net/rest/login-flow, run from the origin auth.gmx.net;
//   - GMX's help pages (hilfe.gmx.net 2FA, gmx.net/mail/sicherheit,
//     newsroom.gmx.net 2019-06-12): after the password, a 6-digit
//     "Sicherheitscode" from an OTP app; set up under Mein Account →
//     Sicherheit → Zwei-Faktor-Authentifizierung aktivieren, with an SMS
//     verification of the mobile number first.
//
// Not in any source, and marked where the pages show it: the code page's
// markup (the replica's has one visible field in a form, the wording
// "Sicherheitscode" from the help pages, and nothing else the script may
// key on), every refusal's wording and markup (a refused password or code
// shows the same form again, empty), the address's path on auth.gmx.net,
// the page on verify.login.gmx.net beyond its host, how the JSON flow
// moves between the steps (each step here is a page posted back to
// auth.gmx.net), and the mailbox's markup (the replica shows a bare page).
// An unknown address goes on to the password step and is refused there.
// Modes PushOnly, NewDevice and Terms change nothing: GMX offers no app
// approval, and no source shows a device check or terms page.
const (
	gmxLogin  = "https://login.gmx.net"
	gmxAuth   = "https://auth.gmx.net"
	gmxVerify = "https://verify.login.gmx.net"
	gmxMail   = "https://navigator.gmx.net/mail"
)

func init() {
	register(&spec{
		ID: "gmx", Name: "GMX", Lang: "de", Currency: "EUR", Color: "#1c449b",
		// Cookie names are not in the sources.
		SessionCookie: "replica-gmx-session", CookieDomain: "gmx.net",
		DeviceCookie: "replica-gmx-device",
		Login:        loginSpec{URL: gmxAuth + "/login"},
		Billing:      billingSpec{URL: gmxMail},
		Hosts:        []string{"login.gmx.net", "verify.login.gmx.net"},
		Pages:        gmxPages,
	})
}

type gmxData struct {
	Email, Step string
	Refused     bool
}

// gmxSID is the mailbox's session id in the address, hex as the sources
// show it; derived from the session so each session keeps its own.
func gmxSID(s *session) string {
	sum := sha256.Sum256([]byte("gmx sid/" + s.user.email))
	return hex.EncodeToString(sum[:]) + hex.EncodeToString(sum[:])
}

func gmxPages(p *Portal, rs *Routes) {
	rs.Handle("GET", gmxLogin+"/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, gmxAuth+"/login", http.StatusFound)
	})
	rs.Handle("GET", gmxAuth+"/login", func(w http.ResponseWriter, r *http.Request) {
		if s, st := p.session(r); s != nil && st == stageIn {
			http.Redirect(w, r, gmxMail+"?sid="+gmxSID(s), http.StatusFound)
			return
		}
		gmxPageSet.render(w, http.StatusOK, "address", &gmxData{})
	})
	rs.Handle("POST", gmxAuth+"/login", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f := r.PostForm
		d := &gmxData{Email: strings.TrimSpace(f.Get("username"))}
		switch f.Get("step") {
		case "username":
			if d.Email == "" {
				gmxPageSet.render(w, http.StatusOK, "address", d)
				return
			}
			gmxPageSet.render(w, http.StatusOK, "password", d)
		case "password":
			u := p.lookup(d.Email)
			if !p.passwordOK(u, f.Get("password")) {
				d.Refused = true
				gmxPageSet.render(w, http.StatusOK, "password", d)
				return
			}
			if p.currentMode()&Captcha != 0 {
				http.Redirect(w, r, gmxVerify+"/", http.StatusFound)
				return
			}
			s, st := p.signIn(w, r, u, true)
			if st == stageIn {
				http.Redirect(w, r, gmxMail+"?sid="+gmxSID(s), http.StatusFound)
				return
			}
			gmxPageSet.render(w, http.StatusOK, "code", d)
		case "code":
			s, st := p.session(r)
			if s == nil || st != stage2FA {
				http.Redirect(w, r, gmxAuth+"/login", http.StatusFound)
				return
			}
			if !p.verifyCode(s, f.Get("code")) {
				d.Refused = true
				gmxPageSet.render(w, http.StatusOK, "code", d)
				return
			}
			p.setStage(s, stageIn)
			http.Redirect(w, r, gmxMail+"?sid="+gmxSID(s), http.StatusFound)
		default:
			http.Error(w, "unknown step", http.StatusBadRequest)
		}
	})
	// The page on verify.login.gmx.net is known by its host only.
	rs.Handle("GET", gmxVerify+"/", func(w http.ResponseWriter, r *http.Request) {
		gmxPageSet.render(w, http.StatusOK, "verify", &gmxData{})
	})
	rs.Handle("GET", gmxMail, func(w http.ResponseWriter, r *http.Request) {
		s, st := p.session(r)
		if s == nil || st != stageIn {
			http.Redirect(w, r, gmxAuth+"/login", http.StatusFound)
			return
		}
		if r.URL.Query().Get("sid") != gmxSID(s) {
			http.Redirect(w, r, gmxMail+"?sid="+gmxSID(s), http.StatusFound)
			return
		}
		gmxPageSet.render(w, http.StatusOK, "mail", &gmxData{Email: s.user.email})
	})
}

const gmxLayout = `{{define "layout"}}<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GMX Login</title>
<style>
body{font-family:Arial,sans-serif;margin:0;background:#f2f4f8;color:#1c2022}
main{max-width:420px;margin:48px auto;background:#fff;padding:32px;border-radius:8px}
input{width:100%;box-sizing:border-box;padding:10px;font-size:16px;margin:8px 0}
button{width:100%;padding:10px;font-size:16px;background:#1c449b;color:#fff;border:0;border-radius:4px}
</style></head><body><main>{{template "content" .}}</main></body></html>{{end}}`

// gmxPageSet: the address and password steps as the sources show them;
// the code page, the verify page and the mailbox are the replica's own
// stand-ins (see the comment above), and every heading is assumed.
var gmxPageSet = newPageSet(gmxLayout, map[string]string{
	"address": `{{define "content"}}<h1>Login</h1>
<form method="post" action="/login"><input type="hidden" name="step" value="username">
<input id="email" name="username" type="email" autocomplete="username" value="{{.Email}}">
<button type="submit">Weiter</button></form>{{end}}`,

	"password": `{{define "content"}}<h1>Login</h1>
<form method="post" action="/login"><input type="hidden" name="step" value="password">
<input type="hidden" name="username" value="{{.Email}}"><p>{{.Email}}</p>
{{if .Refused}}<p role="alert">Die Anmeldung ist fehlgeschlagen.</p>{{end}}
<input name="password" type="password" autocomplete="current-password">
<button type="submit">Login</button></form>{{end}}`,

	"code": `{{define "content"}}<h1>Zwei-Faktor-Authentifizierung</h1>
<form method="post" action="/login"><input type="hidden" name="step" value="code">
<p>Bitte geben Sie den 6-stelligen Sicherheitscode aus Ihrer OTP-App ein.</p>
{{if .Refused}}<p role="alert">Der Sicherheitscode ist nicht korrekt.</p>{{end}}
<input name="code" type="text" inputmode="numeric" maxlength="6">
<button type="submit">Login</button></form>{{end}}`,

	"verify": `{{define "content"}}<h1>Sicherheitsabfrage</h1>
<p>Bitte bestätigen Sie, dass Sie kein Roboter sind.</p>{{end}}`,

	"mail": `{{define "content"}}<h1>GMX Postfach</h1><p>Angemeldet als {{.Email}}.</p>
<p>Die Seiten nach dem Login sind nicht öffentlich beschrieben; dieses Replikat zeigt keine davon.</p>{{end}}`,
}, nil)

package replica

import (
	"net/http"
	"strings"

	"github.com/twofetch/twofetch/otpauth"
)

// Smart Workplace, from the source document
// portals/sources/004-smart-workplace.txt ("How to do the self-enrollment
// of Safenet MobilePASS?", English with a German login page):
//   - self-enrolment: an e-mail link opens a website whose link imports the
//     token string into the MobilePASS app; the app then asks for a token
//     name and a PIN (which only unlocks the app) and shows the first
//     passcode, six digits (482303 in the example);
//   - the login page, at an address the customer's contact person gives:
//     "Smart Workplace", "Willkommen", "Bitte melden Sie sich an.",
//     "Benutzername:", "Token Code:", "Kennwort:", "Anmelden": the passcode
//     goes into the same form as the username and the password.
//
// MobilePASS tokens of this kind are event-based (RFC 4226 HOTP with
// HMAC-SHA256, see otpauth.MobilePassKey): the server accepts a code of a
// counter at or a little past the one it expects and never one it already
// accepted. Assumed: the host smart-workplace.example, the field ids, the
// look-ahead window (mobilePassLookAhead). Not modelled: the self-enrolment
// website (the document does not show it; tests take the token string from
// AddMobilePassUser or DemoKey), error texts (none are shown: a refused
// login brings the form back empty), the pages after login.
func init() {
	register(&spec{
		ID: "smart-workplace", Name: "Smart Workplace (SafeNet MobilePASS)", Lang: "de", Currency: "EUR", Color: "#5a2d82",
		SessionCookie: "SWSESSION",
		Login:         loginSpec{URL: smartWorkplaceBase + "/"},
		Billing:       billingSpec{URL: smartWorkplaceBase + "/"},
		DemoToken:     demoMobilePass("smart-workplace"),
		Pages:         smartWorkplacePages,
	})
}

const smartWorkplaceBase = "https://smart-workplace.example"

var smartWorkplaceSet = newPageSet(`{{define "layout"}}<!doctype html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Smart Workplace</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#efedf3;color:#222}
header{background:#5a2d82;color:#fff;padding:14px 24px;font-weight:600;font-size:18px}
main{max-width:420px;margin:48px auto;background:#fff;padding:24px 32px;border-radius:6px;box-shadow:0 1px 4px #0002}
label{display:block;margin:12px 0 4px}input{width:100%;padding:8px;font-size:16px;box-sizing:border-box}
button{margin-top:18px;padding:9px 24px;font-size:16px}
</style></head><body><header>Smart Workplace</header><main>
{{template "content" .}}
</main></body></html>{{end}}`, map[string]string{
	"login": `{{define "content"}}
<h1>Willkommen</h1>
<p>Bitte melden Sie sich an.</p>
<form method="post" action="/" id="login-form" autocomplete="off">
<label for="benutzername">Benutzername:</label>
<input type="text" id="benutzername" name="benutzername" autocomplete="username">
<label for="tokencode">Token Code:</label>
<input type="text" id="tokencode" name="tokencode" inputmode="numeric" autocomplete="one-time-code">
<label for="kennwort">Kennwort:</label>
<input type="password" id="kennwort" name="kennwort" autocomplete="current-password">
<button type="submit" id="anmelden">Anmelden</button>
</form>{{end}}`,
	"in": signedInPage,
}, nil)

func smartWorkplacePages(p *Portal, rs *Routes) {
	rs.Handle("GET", smartWorkplaceBase+"/", func(w http.ResponseWriter, r *http.Request) {
		if _, st := p.session(r); st == stageIn {
			smartWorkplaceSet.render(w, http.StatusOK, "in", p.spec)
			return
		}
		smartWorkplaceSet.render(w, http.StatusOK, "login", nil)
	})
	rs.Handle("POST", smartWorkplaceBase+"/", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		u := p.lookup(r.PostForm.Get("benutzername"))
		if !p.passwordOK(u, r.PostForm.Get("kennwort")) {
			smartWorkplaceSet.render(w, http.StatusOK, "login", nil)
			return
		}
		p.mu.Lock()
		mobilePass := u.key != nil && u.key.Type == otpauth.MobilePass
		p.mu.Unlock()
		ok := mobilePass && p.checkMobilePass(u, strings.TrimSpace(r.PostForm.Get("tokencode")))
		p.mu.Lock()
		if ok {
			p.stats.CodesAccepted++
		} else {
			p.stats.CodesRefused++
		}
		p.mu.Unlock()
		if !ok {
			smartWorkplaceSet.render(w, http.StatusOK, "login", nil)
			return
		}
		s, _ := p.signIn(w, r, u, false)
		p.setStage(s, stageIn)
		http.Redirect(w, r, smartWorkplaceBase+"/", http.StatusFound)
	})
}

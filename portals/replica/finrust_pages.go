package replica

import (
	"encoding/base32"
	"html/template"
	"net/http"
	"strings"

	"github.com/twofetch/twofetch/otpauth"
)

// FinRust (mijnfinrust.nl), from the source document
// portals/sources/002-finrust.txt ("Activatie tweestapsverificatie",
// Dutch):
//   - "Ga naar mijnfinrust.nl en log in met je account";
//   - right after login, where the organisation made it mandatory: "Uw
//     organisatie heeft ingesteld dat tweestapsverificatie verplicht is om in
//     te loggen. Gebruik onderstaand formulier om tweestapsverificatie
//     eenmalig in te stellen.", the sections "Download een authenticator
//     app" and "Scan de QR-code of voer de code in" with their texts, the
//     QR code, "Activatiecode:" followed by the key in lower-case groups of
//     four (ajjb tz5c qxsw l4f2 uo77 uxyf fv54 wmb6), the field
//     "Twee-staps-verificatiecode *" and an arrow to go on;
//   - then a screen of recovery codes ("herstelcodes") with an arrow to go
//     on; from then on every login in Mijn FinRust uses the code.
//
// Assumed: the login form (the document does not show it: labels
// "Gebruikersnaam" and "Wachtwoord", button "Inloggen"), the code prompt of
// later logins (the set-up field's label "Twee-staps-verificatiecode"), the
// paths, field ids, the number and form of the recovery codes, the heading
// of the recovery screen. Not modelled: error texts (none are shown: a
// refused password or code brings the form back empty), where recovery
// codes are entered (the replica only counts any submitted as a code), the
// pages of Mijn FinRust after login.
func init() {
	register(&spec{
		ID: "finrust", Name: "FinRust", Lang: "nl", Currency: "EUR", Color: "#1f3a5f",
		SessionCookie: "finrust_session",
		Login:         loginSpec{URL: finRustBase + "/"},
		Billing:       billingSpec{URL: finRustBase + "/"},
		Pages:         finRustPages,
	})
}

const finRustBase = "https://mijnfinrust.nl"

type finRustView struct {
	Name     string
	QR       template.URL
	Key      string
	Recovery []string
}

var finRustSet = newPageSet(`{{define "layout"}}<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mijn FinRust</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f3f5f8;color:#1b2430}
header{background:#1f3a5f;color:#fff;padding:12px 24px;font-weight:600}
main{max-width:640px;margin:32px auto;background:#fff;padding:24px 32px;border-radius:6px;box-shadow:0 1px 4px #0002}
label{display:block;margin:14px 0 4px}input{width:100%;padding:8px;font-size:16px;box-sizing:border-box}
button{margin-top:16px;padding:8px 20px;font-size:18px}
.notice{background:#fff6e0;border:1px solid #e8c66a;padding:10px 12px}
code{font-size:18px;letter-spacing:.05em}.codes li{font-family:monospace;font-size:16px}
</style></head><body><header>FinRust</header><main>
{{template "content" .}}
</main></body></html>{{end}}`, map[string]string{
	"login": `{{define "content"}}
<h1>Inloggen</h1>
<form method="post" action="/" id="login-form">
<label for="username">Gebruikersnaam</label>
<input type="text" id="username" name="username" autocomplete="username">
<label for="password">Wachtwoord</label>
<input type="password" id="password" name="password" autocomplete="current-password">
<button type="submit" id="login">Inloggen</button>
</form>{{end}}`,
	"setup": `{{define "content"}}
<h1>Tweestapsverificatie</h1>
<p class="notice" id="mandatory">Uw organisatie heeft ingesteld dat tweestapsverificatie verplicht is om in te loggen. Gebruik onderstaand formulier om tweestapsverificatie eenmalig in te stellen.</p>
<h2>Download een authenticator app</h2>
<p>Er zijn verschillende applicaties voor je mobiele telefoon die controlecodes kunnen genereren waarmee je kan inloggen. Een gegenereerde code is een beperkte tijd geldig, daarna zal een nieuwe code gegenereerd worden. Installeer bijvoorbeeld Google Authenticator of Microsoft Authenticator .</p>
<h2>Scan de QR-code of voer de code in</h2>
<p>Scan de QR-code of voer de code handmatig in bij de door jou gekozen app. Voer daarna de wachtwoordcode in die weergegeven wordt in de app.</p>
<p><img id="qr" alt="QR-code" src="{{.QR}}"></p>
<p>Activatiecode:<br><code id="activation-code">{{.Key}}</code></p>
<form method="post" action="/tweestapsverificatie" id="setup">
<label for="code">Twee-staps-verificatiecode *</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
<button type="submit" id="verify" aria-label="Verder">&rarr;</button>
</form>{{end}}`,
	"recovery": `{{define "content"}}
<h1>Herstelcodes</h1>
<ul class="codes" id="recovery-codes">{{range .Recovery}}<li>{{.}}</li>{{end}}</ul>
<form method="get" action="/"><button type="submit" id="continue" aria-label="Verder">&rarr;</button></form>{{end}}`,
	"code": `{{define "content"}}
<h1>Tweestapsverificatie</h1>
<form method="post" action="/tweestapsverificatie" id="verification">
<label for="code">Twee-staps-verificatiecode *</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
<button type="submit" id="verify" aria-label="Verder">&rarr;</button>
</form>{{end}}`,
	"in": signedInPage,
}, nil)

// finRustKey is the key as the set-up page prints it after
// "Activatiecode:": base32 in lower-case groups of four.
func finRustKey(k *otpauth.Key) string {
	s := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(k.Secret))
	var groups []string
	for len(s) > 4 {
		groups = append(groups, s[:4])
		s = s[4:]
	}
	return strings.Join(append(groups, s), " ")
}

func finRustPages(p *Portal, rs *Routes) {
	p.addUserToSetUp()
	rs.Handle("GET", finRustBase+"/", func(w http.ResponseWriter, r *http.Request) {
		if _, st := p.session(r); st == stageIn {
			finRustSet.render(w, http.StatusOK, "in", finRustView{Name: "Mijn FinRust"})
			return
		}
		finRustSet.render(w, http.StatusOK, "login", nil)
	})
	rs.Handle("POST", finRustBase+"/", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		u := p.lookup(r.PostForm.Get("username"))
		if !p.passwordOK(u, r.PostForm.Get("password")) {
			finRustSet.render(w, http.StatusOK, "login", nil)
			return
		}
		next := "/tweestapsverificatie"
		if _, st := p.signIn(w, r, u, false); st == stageIn {
			next = "/"
		}
		http.Redirect(w, r, finRustBase+next, http.StatusFound)
	})
	rs.Handle("GET", finRustBase+"/tweestapsverificatie", func(w http.ResponseWriter, r *http.Request) {
		s := p.pending(w, r)
		if s == nil {
			return
		}
		status, name, data := p.finRustCodePage(s.user)
		finRustSet.render(w, status, name, data)
	})
	rs.Handle("POST", finRustBase+"/tweestapsverificatie", func(w http.ResponseWriter, r *http.Request) {
		s := p.pending(w, r)
		if s == nil {
			return
		}
		_ = r.ParseForm()
		code := r.PostForm.Get("code")
		p.usedRecoveryCode(code)
		setUp := p.needsSetUp(s.user)
		if !p.verifyCode(s, code) {
			status, name, data := p.finRustCodePage(s.user)
			finRustSet.render(w, status, name, data)
			return
		}
		if !setUp {
			http.Redirect(w, r, finRustBase+"/", http.StatusFound)
			return
		}
		p.markSetUp(s.user, true)
		finRustSet.render(w, http.StatusOK, "recovery", finRustView{Recovery: p.newRecoveryCodes(s.user)})
	})
}

// finRustCodePage is the set-up form for a user without the second factor,
// the code prompt otherwise.
func (p *Portal) finRustCodePage(u *user) (int, string, any) {
	if !p.needsSetUp(u) {
		return http.StatusOK, "code", nil
	}
	qr, err := p.setUpQR(u)
	if err != nil {
		return http.StatusInternalServerError, "code", nil
	}
	return http.StatusOK, "setup", finRustView{QR: qr, Key: finRustKey(u.key)}
}

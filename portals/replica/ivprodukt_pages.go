package replica

import (
	"html/template"
	"net/http"
)

// IV Produkt Cloud, from the source document
// portals/sources/001-iv-produkt-cloud.txt ("Zweistufige Authentifizierung
// – IV Produkt Cloud", German):
//   - the start page: "Deutsch (Deutschland)", "IV Produkt Cloud",
//     "Herzlich Willkommen!", the sentence about ventilation units, and
//     "Registrieren" / "Anmelden";
//   - sign-in: "< Abbrechen", "IV PRODUKT", "Mit E-Mail-Adresse anmelden",
//     "Passwort", "Kennwort vergessen?", "Anmelden", "Anweisungen zur
//     Anmeldung";
//   - at the next login of an account without two-step authentication, a
//     window asks to install the authenticator app (the document calls it
//     Google Authenticator there and Microsoft Authenticator everywhere
//     else) with "Fortsetzen", which shows the QR code, then "Weiter";
//   - the code page: "Geben Sie den Verifizierungscode aus Ihrer
//     Authenticator-App ein.", "Einmaliges Passwort", "Weiter", "Anweisungen
//     zur Anmeldung", "Einmal-Passwort zurücksetzend" (sic).
//
// Assumed: the host iv-produkt-cloud.example and every path, field ids, the
// label "E-Mail-Adresse" of the e-mail field (the document says "Mit
// E-Mail-Adresse anmelden"), the wording of the install window (the
// document describes it without quoting it). Not modelled: registration,
// the reset form, error texts (none are shown: a refused password or code
// brings the form back empty), the pages after sign-in.
func init() {
	register(&spec{
		ID: "iv-produkt-cloud", Name: "IV Produkt Cloud", Lang: "de", Currency: "EUR", Color: "#0f5e9c",
		SessionCookie: "ivp_session",
		Login:         loginSpec{URL: ivProduktBase + "/anmelden"},
		Billing:       billingSpec{URL: ivProduktBase + "/"},
		Pages:         ivProduktPages,
	})
}

const ivProduktBase = "https://iv-produkt-cloud.example"

type ivProduktView struct {
	Name string
	QR   template.URL
}

var ivProduktSet = newPageSet(`{{define "layout"}}<!doctype html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>IV Produkt Cloud</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f4f6f8;color:#1c2630}
main{max-width:440px;margin:48px auto;background:#fff;padding:24px 32px;border-radius:6px;box-shadow:0 1px 4px #0002}
.brand{font-weight:700;letter-spacing:.08em;color:#0f5e9c}label{display:block;margin:14px 0 4px}
input{width:100%;padding:8px;font-size:16px;box-sizing:border-box}
button,.button{display:inline-block;margin-top:18px;padding:10px 22px;font-size:16px;background:#0f5e9c;color:#fff;border:0;border-radius:4px;text-decoration:none}
.links a{margin-right:14px}
</style></head><body><main>
{{template "content" .}}
</main></body></html>{{end}}`, map[string]string{
	"start": `{{define "content"}}
<p class="lang"><select aria-label="Sprache"><option selected>Deutsch (Deutschland) ▾</option></select></p>
<h1>IV Produkt Cloud</h1>
<p>Herzlich Willkommen!</p>
<p>Mit IV Produkt Cloud können Sie Ihre Lüftungsgeräte von jedem beliebigen Ort aus steuern und überwachen.</p>
<p><a class="button" href="#" id="registrieren">Registrieren</a> <a class="button" href="/anmelden" id="anmelden">Anmelden</a></p>{{end}}`,
	"signin": `{{define "content"}}
<p><a href="/" id="cancel">&lt; Abbrechen</a></p>
<p class="brand">IV PRODUKT</p>
<h1>Mit E-Mail-Adresse anmelden</h1>
<form method="post" action="/anmelden" id="localAccountForm">
<label for="email">E-Mail-Adresse</label>
<input type="email" id="email" name="email" autocomplete="username">
<label for="password">Passwort</label>
<input type="password" id="password" name="password" autocomplete="current-password">
<p><a href="#" id="forgotPassword">Kennwort vergessen?</a></p>
<button type="submit" id="next">Anmelden</button>
</form>
<p class="links"><a href="#" id="instructions">Anweisungen zur Anmeldung</a></p>{{end}}`,
	"install": `{{define "content"}}
<p class="brand">IV PRODUKT</p>
<p>Für die zweistufige Authentifizierung installieren Sie bitte die Microsoft Authenticator-App auf Ihrem Mobiltelefon.</p>
<form method="get" action="/anmelden/qr"><button type="submit" id="fortsetzen">Fortsetzen</button></form>{{end}}`,
	"qr": `{{define "content"}}
<p class="brand">IV PRODUKT</p>
<p><img id="qrCode" alt="QR-Code" src="{{.QR}}"></p>
<form method="get" action="/anmelden/code"><button type="submit" id="weiter">Weiter</button></form>{{end}}`,
	"code": `{{define "content"}}
<p><a href="/" id="cancel">&lt; Abbrechen</a></p>
<p class="brand">IV PRODUKT</p>
<p>Geben Sie den Verifizierungscode aus Ihrer Authenticator-App ein.</p>
<form method="post" action="/anmelden/code" id="otpForm">
<label for="otpCode">Einmaliges Passwort</label>
<input type="text" id="otpCode" name="otpCode" inputmode="numeric" autocomplete="one-time-code">
<button type="submit" id="continue">Weiter</button>
</form>
<p class="links"><a href="#" id="instructions">Anweisungen zur Anmeldung</a> <a href="#" id="resetOtp">Einmal-Passwort zurücksetzend</a></p>{{end}}`,
	"in": signedInPage,
}, nil)

func ivProduktPages(p *Portal, rs *Routes) {
	p.addUserToSetUp()
	rs.Handle("GET", ivProduktBase+"/", func(w http.ResponseWriter, r *http.Request) {
		if _, st := p.session(r); st == stageIn {
			ivProduktSet.render(w, http.StatusOK, "in", ivProduktView{Name: p.spec.Name})
			return
		}
		ivProduktSet.render(w, http.StatusOK, "start", nil)
	})
	rs.Handle("GET", ivProduktBase+"/anmelden", func(w http.ResponseWriter, r *http.Request) {
		ivProduktSet.render(w, http.StatusOK, "signin", nil)
	})
	rs.Handle("POST", ivProduktBase+"/anmelden", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		u := p.lookup(r.PostForm.Get("email"))
		if !p.passwordOK(u, r.PostForm.Get("password")) {
			ivProduktSet.render(w, http.StatusOK, "signin", nil)
			return
		}
		next := "/anmelden/code"
		if p.needsSetUp(u) {
			next = "/anmelden/einrichten"
		}
		if _, st := p.signIn(w, r, u, false); st == stageIn {
			next = "/"
		}
		http.Redirect(w, r, ivProduktBase+next, http.StatusFound)
	})
	rs.Handle("GET", ivProduktBase+"/anmelden/einrichten", func(w http.ResponseWriter, r *http.Request) {
		if p.pending(w, r) == nil {
			return
		}
		ivProduktSet.render(w, http.StatusOK, "install", nil)
	})
	rs.Handle("GET", ivProduktBase+"/anmelden/qr", func(w http.ResponseWriter, r *http.Request) {
		s := p.pending(w, r)
		if s == nil {
			return
		}
		qr, err := p.setUpQR(s.user)
		if err != nil {
			http.Error(w, "QR code: "+err.Error(), http.StatusInternalServerError)
			return
		}
		ivProduktSet.render(w, http.StatusOK, "qr", ivProduktView{QR: qr})
	})
	rs.Handle("GET", ivProduktBase+"/anmelden/code", func(w http.ResponseWriter, r *http.Request) {
		if p.pending(w, r) == nil {
			return
		}
		ivProduktSet.render(w, http.StatusOK, "code", nil)
	})
	rs.Handle("POST", ivProduktBase+"/anmelden/code", func(w http.ResponseWriter, r *http.Request) {
		s := p.pending(w, r)
		if s == nil {
			return
		}
		_ = r.ParseForm()
		if !p.verifyCode(s, r.PostForm.Get("otpCode")) {
			ivProduktSet.render(w, http.StatusOK, "code", nil)
			return
		}
		p.markSetUp(s.user, true)
		http.Redirect(w, r, ivProduktBase+"/", http.StatusFound)
	})
}

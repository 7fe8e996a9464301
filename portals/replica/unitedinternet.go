package replica

import (
	"net/http"
	"strings"
)

// uiLogin is the identifier-first sign-in of a United Internet brand as a
// public GetMyInvoices-style IONOS script shows it (Server-Portal-ID 86018,
// modified 2025-01-27, found by exact-string search; the index does not
// name the repository), read 2026-12-06:
//
//   - the identifier field (name="identifier") in form#login-form, then the
//     password field (name="password"), each sent by the form's
//     button[type=submit] (#button--with-loader);
//   - errors in p.input-byline--error beneath a .form-input-group--error,
//     "Kein IONOS Konto mit dieser E-Mail-Adresse gefunden" for an unknown
//     address;
//   - a consent manager (div.consent-manager, #preferences_prompt_submit_all);
//   - the code step on a URL containing /totp: input#passcode (classed
//     input-text--error after a refused code), its message in a section's
//     p.stripe__element;
//   - the app approval step: img.mobilepush-animation and
//     form button.btn-primary;
//   - a locked sign-in in iframe[src*="/account-locked"] offering a
//     reCAPTCHA (input[name="recaptcha.enableCaptcha"]) or an unlock e-mail
//     (input[name="email.sendUnlockEmail"]);
//   - an e-mail confirmation of a new device (#button_submit_emailconfirmation).
//
// 1&1 and GMX belong to the same group but sign in differently as far as
// public sources show (gmx.go, oneandone.go), so only IONOS uses it. Not
// in the sources, and marked where the page shows it: the labels, button
// texts and messages other than the one quoted above, the forms' targets
// (the replica posts each step back to the page's own URL), the consent
// banner's texts, and the pages' other markup.
type uiLogin struct {
	p     *Portal
	pages pageSet
	// host is the sign-in host ("https://login.ionos.de"); after is where a
	// finished sign-in goes.
	host, after string
	brand       string
	// unknownUser is the brand's text for an address without an account.
	unknownUser string
}

type uiData struct {
	Brand      string
	V          string // prefixes field names and ids in mode ChangedLayout
	Identifier string
	Error      string
	// Field names the field in error: "identifier", "password", "passcode".
	Field string
	// Consent shows the consent banner (until the browser accepted it).
	Consent bool
}

// uiConsentCookie remembers the consent choice; its name is not in the
// sources.
const uiConsentCookie = "consentmanager"

func (l *uiLogin) routes(rs *Routes) {
	rs.Handle("GET", l.host+"/", l.identifierPage)
	rs.Handle("POST", l.host+"/", l.identifierPost)
	rs.Handle("POST", l.host+"/password", l.passwordPost)
	rs.Handle("GET", l.host+"/totp", l.totpPage)
	rs.Handle("POST", l.host+"/totp", l.totpPost)
	rs.Handle("GET", l.host+"/account-locked", l.lockedFrame)
}

func (l *uiLogin) data(r *http.Request) *uiData {
	d := &uiData{Brand: l.brand, V: l.p.layoutPrefix()}
	if _, err := r.Cookie(uiConsentCookie); err != nil {
		d.Consent = true
	}
	return d
}

func (l *uiLogin) identifierPage(w http.ResponseWriter, r *http.Request) {
	if s, st := l.p.session(r); s != nil && st == stageIn {
		http.Redirect(w, r, l.after, http.StatusFound)
		return
	}
	l.pages.render(w, http.StatusOK, "identifier", l.data(r))
}

func (l *uiLogin) identifierPost(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	d := l.data(r)
	d.Identifier = strings.TrimSpace(r.PostForm.Get(d.V + "identifier"))
	if l.p.lookup(d.Identifier) == nil {
		d.Error, d.Field = l.unknownUser, "identifier"
		l.pages.render(w, http.StatusOK, "identifier", d)
		return
	}
	l.pages.render(w, http.StatusOK, "password", d)
}

func (l *uiLogin) passwordPost(w http.ResponseWriter, r *http.Request) {
	p := l.p
	_ = r.ParseForm()
	d := l.data(r)
	d.Identifier = strings.TrimSpace(r.PostForm.Get(d.V + "identifier"))
	u := p.lookup(d.Identifier)
	if !p.passwordOK(u, r.PostForm.Get(d.V+"password")) {
		d.Error, d.Field = p.spec.Text.BadPassword, "password"
		l.pages.render(w, http.StatusOK, "password", d)
		return
	}
	mode := p.currentMode()
	if mode&Captcha != 0 {
		l.pages.render(w, http.StatusOK, "locked", d)
		return
	}
	s, st := p.signIn(w, r, u, false)
	switch {
	case st == stageNewDevice:
		l.pages.render(w, http.StatusOK, "confirm", d)
	case st == stageIn:
		p.enter(w, r, s, l.after)
	case mode&PushOnly != 0:
		l.pages.render(w, http.StatusOK, "push", d)
	default:
		http.Redirect(w, r, l.host+"/totp", http.StatusFound)
	}
}

func (l *uiLogin) totpPage(w http.ResponseWriter, r *http.Request) {
	if s, st := l.p.session(r); s == nil || st != stage2FA {
		http.Redirect(w, r, l.host+"/", http.StatusFound)
		return
	}
	l.pages.render(w, http.StatusOK, "totp", l.data(r))
}

func (l *uiLogin) totpPost(w http.ResponseWriter, r *http.Request) {
	s, st := l.p.session(r)
	if s == nil || st != stage2FA {
		http.Redirect(w, r, l.host+"/", http.StatusFound)
		return
	}
	_ = r.ParseForm()
	d := l.data(r)
	if !l.p.verifyCode(s, r.PostForm.Get(d.V+"passcode")) {
		d.Error, d.Field = l.p.spec.Text.BadCode, "passcode"
		l.pages.render(w, http.StatusOK, "totp", d)
		return
	}
	l.p.enter(w, r, s, l.after)
}

// lockedFrame is the page inside the locked sign-in's iframe.
func (l *uiLogin) lockedFrame(w http.ResponseWriter, r *http.Request) {
	l.pages.render(w, http.StatusOK, "lockedframe", l.data(r))
}

// uiLayout frames every United Internet page; .Consent adds the consent
// banner, which covers the page until a choice is made.
const uiLayout = `{{define "layout"}}<!doctype html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{block "title" .}}{{.Brand}}{{end}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f4f7fa;color:#001b41}
.page-header{background:#fff;padding:14px 24px;border-bottom:1px solid #dbe2e8;font-weight:700;color:#003d8f}
.content{max-width:560px;margin:40px auto;background:#fff;padding:24px 32px;border-radius:8px}
label{display:block;margin:12px 0 4px}
.input-text{width:100%;padding:10px;font-size:16px;box-sizing:border-box;border:1px solid #97a3b4;border-radius:4px}
.input-text--error,.form-input-group--error .input-text{border-color:#c8102e}
.input-byline--error{color:#c8102e;margin:4px 0}
.button{margin-top:16px;padding:10px 24px;font-size:16px;border:0;border-radius:4px;background:#003d8f;color:#fff}
.consent-manager{position:fixed;inset:0;background:#0008;display:flex;align-items:center;justify-content:center}
.consent-manager .dialog{background:#fff;padding:24px;max-width:480px;border-radius:8px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #dbe2e8;padding:8px;text-align:left}
</style></head>
<body><header class="page-header">{{.Brand}}</header>
<div class="content">{{template "content" .}}</div>
{{if .Consent}}<div class="consent-manager" role="dialog" aria-modal="true"><div class="dialog">
<p>Wir verwenden Cookies und ähnliche Technologien. Mit „Alle akzeptieren“ stimmen Sie der Nutzung zu.</p>
<button type="button" id="preferences_prompt_submit_all" class="button">Alle akzeptieren</button>
</div></div>
<script>
document.getElementById('preferences_prompt_submit_all').addEventListener('click', () => {
  document.cookie = '` + uiConsentCookie + `=all; path=/; max-age=31536000; secure; samesite=lax; domain=' + location.hostname.split('.').slice(-2).join('.');
  document.querySelector('.consent-manager').remove();
});
</script>{{end}}
</body></html>{{end}}`

// uiPageSources are the sign-in steps. Texts other than the unknown-user
// message are not in the sources.
var uiPageSources = map[string]string{
	"identifier": `{{define "title"}}Login - {{.Brand}}{{end}}{{define "content"}}
<h1>Login</h1>
<form id="{{.V}}login-form" method="post" action="/">
<div class="form-input-group{{if eq .Field "identifier"}} form-input-group--error{{end}}">
<label for="{{.V}}login-form-identifier">E-Mail-Adresse oder Kundennummer</label>
<input type="text" class="input-text" id="{{.V}}login-form-identifier" name="{{.V}}identifier" value="{{.Identifier}}" autocomplete="username">
{{if eq .Field "identifier"}}<p class="input-byline input-byline--error">{{.Error}}</p>{{end}}
</div>
<button type="submit" id="button--with-loader" class="button button--primary">Weiter</button>
</form>{{end}}`,

	"password": `{{define "title"}}Login - {{.Brand}}{{end}}{{define "content"}}
<h1>Login</h1>
<form id="{{.V}}login-form" method="post" action="/password">
<p>{{.Identifier}}</p>
<input type="hidden" name="{{.V}}identifier" value="{{.Identifier}}">
<div class="form-input-group{{if eq .Field "password"}} form-input-group--error{{end}}">
<label for="{{.V}}login-form-password">Passwort</label>
<input type="password" class="input-text" id="{{.V}}login-form-password" name="{{.V}}password" autocomplete="current-password">
{{if eq .Field "password"}}<p class="input-byline input-byline--error">{{.Error}}</p>{{end}}
</div>
<button type="submit" id="button--with-loader" class="button button--primary">Login</button>
</form>{{end}}`,

	"totp": `{{define "title"}}Zwei-Faktor-Authentifizierung - {{.Brand}}{{end}}{{define "content"}}
<section><h1>Zwei-Faktor-Authentifizierung</h1>
<p class="stripe__element">Bitte geben Sie den 6-stelligen Code aus Ihrer Authenticator-App ein.</p></section>
<form id="{{.V}}login-form" method="post" action="/totp">
<div class="form-input-group{{if eq .Field "passcode"}} form-input-group--error{{end}}">
<label for="{{.V}}passcode">Code</label>
<input type="text" class="input-text{{if eq .Field "passcode"}} input-text--error{{end}}" id="{{.V}}passcode" name="{{.V}}passcode" inputmode="numeric" autocomplete="one-time-code">
{{if eq .Field "passcode"}}<p class="input-byline input-byline--error">{{.Error}}</p>{{end}}
</div>
<button type="submit" class="button button--primary">Bestätigen</button>
</form>{{end}}`,

	"push": `{{define "title"}}Zwei-Faktor-Authentifizierung - {{.Brand}}{{end}}{{define "content"}}
<section><h1>Zwei-Faktor-Authentifizierung</h1>
<p class="stripe__element">Bitte bestätigen Sie die Anmeldung in der {{.Brand}} App auf Ihrem Smartphone.</p></section>
<div><img class="mobilepush-animation" alt="" width="120" height="120" src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"></div>
<form method="post" action="/totp"><button type="submit" class="button btn-primary">Weiter</button></form>{{end}}`,

	"locked": `{{define "title"}}Login - {{.Brand}}{{end}}{{define "content"}}
<h1>Login</h1>
<iframe src="/account-locked?reason=recaptcha" title="Anmeldung gesperrt" width="100%" height="220" style="border:0"></iframe>{{end}}`,

	"lockedframe": `{{define "layout"}}<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Anmeldung gesperrt</title></head><body>
<form method="post" action="/account-locked">
<p>Zu Ihrer Sicherheit wurde die Anmeldung vorübergehend gesperrt. Bestätigen Sie, dass Sie kein Roboter sind.</p>
<input type="hidden" name="recaptcha.enableCaptcha" value="true">
<div><button type="submit">Weiter</button></div>
</form></body></html>{{end}}{{define "content"}}{{end}}`,

	"confirm": `{{define "title"}}Login - {{.Brand}}{{end}}{{define "content"}}
<section><h1>Bestätigung erforderlich</h1>
<p class="stripe__element">Bitte bestätigen Sie die Anmeldung über den Link, den wir Ihnen per E-Mail senden.</p></section>
<form method="post" action="/"><button type="button" id="button_submit_emailconfirmation" class="button button--primary">E-Mail senden</button></form>{{end}}`,
}

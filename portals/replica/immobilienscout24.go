package replica

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ImmobilienScout24, German, as these public sources show it (read
// 2026-12-06):
//
//   - Public sign-in automations (a Playwright session module of 2026, a
//     Selenium flat-hunting bot, puppeteer and requests scrapers, all
//     found by the address): the sign-in at
//     sso.immobilienscout24.de/sso/login?appName=is24main in two steps,
//     the user name (#username, button #submit), then the password
//     (#password in form#loginForm, button #submit or, in older copies,
//     #loginOrRegistration); a hidden input whose id contains "token"
//     travels with the user name; sso_return / returnUrl lead back to
//     www.immobilienscout24.de/geschlossenerbereich/start.html; signed
//     in, the pages link to "Mein Konto" (a[href*=meinkonto]).
//   - A requests scraper of the sign-in (ImmoScout24 integration): after
//     the password the SSO hands over to login.immobilienscout24.de, an
//     Okta sign-in (okta-signin-widget 7.8, the authn API with a
//     stateToken), where the second factor is verified with a passCode
//     and rememberDevice.
//   - vishal00074/automationTestingScript sample_automation_scripts/
//     vermietet.php (GetMyInvoices, 2025-02), for vermietet.de, an
//     ImmobilienScout24 product on the same sign-in: input#username,
//     input#password, button#submit / button#loginOrRegistration; the
//     code in input[name="answer"][type="tel"] with input[type="submit"],
//     the e-mail factor at …verify/okta/email with div[class*=mfa-email];
//     a refused password in div.status-message.status-error > p ("Bitte
//     geben Sie ein gültiges Passwort ein."); the invoices at
//     www.immobilienscout24.de/rechnungsuebersicht/uebersicht as
//     table tbody tr: date (d. F Y) in cell 1, number in cell 2, amount
//     in cell 4, a button in cell 6 that downloads the PDF; the next page
//     behind button[class*=next]:not([disabled]).
//   - invoice-collector/invoice-collector src/collectors/sketch/
//     immobilienscout24/immobilienscout24.ts: the invoices' entry
//     address …/rechnungsuebersicht/uebersicht.html.
//   - okta/okta-signin-widget src/v1/views/mfa-verify/TOTPForm.js and
//     login_de.properties: the classic code form (form.mfa-verify-totp,
//     data-se=factor-totp, input name=answer type=tel in
//     .auth-passcode, the rememberDevice checkbox, the submit
//     "Bestätigen", title the factor's name, "Ihren {0}-Passcode
//     eingeben", "Code eingeben"), errors in
//     .o-form-error-container.o-form-has-errors
//     .okta-form-infobox-error.
//   - 2factorauth/twofactorauth entries/i/immobilienscout24.de.json: sms
//     and totp; SMS only for commercial real estate providers.
//
// GUESSED, no source shows them: that ImmobilienScout24's Okta offers the
// authenticator as the "Google Authenticator" factor and at the widget's
// route /signin/verify/google/token:software:totp (the replica posts a
// form there; the widget posts JSON to /api/v1/authn/factors/…/verify);
// the German text of a refused code ("Ungültiger Passcode/ungültige
// Antwort", Okta's E0000068 translated) and of the remember-device box;
// the name of the token field; the page after sign-in beyond its "Mein
// Konto" link; cells 3 and 5 of an invoice row, the page size (10), the
// address the download button opens (/rechnungsuebersicht/rechnung/{id}.pdf)
// and the next-page button's markup; where the settings show the
// authenticator's QR code (the replica's /meinkonto/sicherheit); the
// cookie names.
// A refused unknown user name is not modelled: the replica asks every
// name for a password.
const (
	is24WWW      = "https://www.immobilienscout24.de"
	is24SSO      = "https://sso.immobilienscout24.de"
	is24Okta     = "https://login.immobilienscout24.de"
	is24Login    = is24SSO + "/sso/login"
	is24Start    = is24WWW + "/geschlossenerbereich/start.html"
	is24Invoices = is24WWW + "/rechnungsuebersicht/uebersicht.html"
	is24TOTP     = is24Okta + "/signin/verify/google/token:software:totp"
	is24Email    = is24Okta + "/signin/verify/okta/email"
	is24PageSize = 10
)

func init() {
	register(&spec{
		ID: "immobilienscout24", Name: "ImmobilienScout24", Lang: "de", Currency: "EUR", Color: "#00d9b1",
		SessionCookie: "is24_sso_session", CookieDomain: "immobilienscout24.de",
		DeviceCookie: "is24_trusted_device",
		Login:        loginSpec{URL: is24Login},
		Billing:      billingSpec{URL: is24Invoices},
		Settings:     is24WWW + "/meinkonto/sicherheit",
		Mint: func(_ []byte, seq int) (string, string) {
			// The number is all a row names, so it is the id too; its
			// shape is the replica's own.
			n := fmt.Sprintf("RE%d%06d", 2026, 310000+seq)
			return n, n
		},
		Hosts: []string{"login.immobilienscout24.de"},
		Pages: is24Pages,
	})
}

type is24 struct {
	p     *Portal
	pages pageSet
}

type is24Data struct {
	V, Title, Error, Username, Token string
	Step                             string // "username", "password"
	Invoices                         []invoiceView
	Prev, Next                       int
}

func is24Pages(p *Portal, rs *Routes) {
	x := &is24{p: p, pages: newPageSet(is24Layout, is24PageSources, template24Funcs)}
	rs.Handle("GET", is24Login, x.login)
	rs.Handle("POST", is24Login, x.loginPost)
	rs.Handle("GET", is24TOTP, x.totp)
	rs.Handle("POST", is24TOTP, x.totpPost)
	rs.Handle("GET", is24Email, x.email)
	rs.Handle("GET", is24Start, x.start)
	rs.Handle("GET", is24Invoices, x.invoices)
	rs.Handle("GET", is24WWW+"/rechnungsuebersicht/rechnung/{file}", x.pdf)
	rs.Handle("GET", is24WWW+"/sso/logout", x.logout)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

var template24Funcs = map[string]any{
	// The list writes its dates the way the source parses them (d. F Y).
	"langdate": func(iso string) string {
		t, err := time.Parse(time.DateOnly, iso)
		if err != nil {
			return iso
		}
		months := []string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"}
		return fmt.Sprintf("%d. %s %d", t.Day(), months[t.Month()-1], t.Year())
	},
}

func (x *is24) data(title string) *is24Data {
	return &is24Data{V: x.p.layoutPrefix(), Title: title}
}

// returnTo is the page a sign-in goes back to: the sso_return the link
// carried, on ImmobilienScout24's own hosts only.
func is24ReturnTo(r *http.Request) string {
	ret := r.URL.Query().Get("sso_return")
	if u, err := url.Parse(ret); err == nil && u.Scheme == "https" && strings.HasSuffix(u.Host, "immobilienscout24.de") {
		return ret
	}
	return is24Start
}

func is24LoginFor(back string) string {
	return is24Login + "?appName=is24main&sso_return=" + url.QueryEscape(back)
}

func (x *is24) signedIn(w http.ResponseWriter, r *http.Request) *session {
	if s, st := x.p.session(r); s != nil && st == stageIn {
		return s
	}
	http.Redirect(w, r, is24LoginFor(is24WWW+r.URL.RequestURI()), http.StatusFound)
	return nil
}

func (x *is24) login(w http.ResponseWriter, r *http.Request) {
	if s, st := x.p.session(r); s != nil && st == stageIn {
		http.Redirect(w, r, is24ReturnTo(r), http.StatusFound)
		return
	}
	d := x.data("Anmelden | ImmoScout24")
	d.Step, d.Token = "username", token()
	x.pages.render(w, http.StatusOK, "sso", d)
}

// loginPost takes the user name, then (with the password) signs in and
// hands over to the second factor on login.immobilienscout24.de.
func (x *is24) loginPost(w http.ResponseWriter, r *http.Request) {
	p := x.p
	_ = r.ParseForm()
	d := x.data("Anmelden | ImmoScout24")
	d.Username = strings.TrimSpace(r.PostForm.Get(d.V + "username"))
	pw, hasPassword := r.PostForm[d.V+"password"]
	if !hasPassword {
		d.Step = "password"
		x.pages.render(w, http.StatusOK, "sso", d)
		return
	}
	u := p.lookup(d.Username)
	if !p.passwordOK(u, strings.Join(pw, "")) {
		d.Step, d.Error = "password", "Bitte geben Sie ein gültiges Passwort ein."
		x.pages.render(w, http.StatusOK, "sso", d)
		return
	}
	back := is24ReturnTo(r)
	_, st := p.signIn(w, r, u, true)
	switch st {
	case stageIn:
		http.Redirect(w, r, back, http.StatusFound)
	case stageNewDevice:
		http.Redirect(w, r, is24Email, http.StatusFound)
	default:
		http.Redirect(w, r, is24TOTP+"?sso_return="+url.QueryEscape(back), http.StatusFound)
	}
}

type is24OktaData struct {
	V, Title, Error, Return string
}

func (x *is24) okta() *is24OktaData {
	return &is24OktaData{V: x.p.layoutPrefix(), Title: "ImmoScout24 - Anmelden"}
}

func (x *is24) totp(w http.ResponseWriter, r *http.Request) {
	if s, st := x.p.session(r); s == nil || st != stage2FA {
		http.Redirect(w, r, is24Login, http.StatusFound)
		return
	}
	d := x.okta()
	d.Return = is24ReturnTo(r)
	x.pages.render(w, http.StatusOK, "totp", d)
}

func (x *is24) totpPost(w http.ResponseWriter, r *http.Request) {
	p := x.p
	s, st := p.session(r)
	if s == nil || st != stage2FA {
		http.Redirect(w, r, is24Login, http.StatusFound)
		return
	}
	_ = r.ParseForm()
	d := x.okta()
	d.Return = is24ReturnTo(r)
	if !p.verifyCode(s, r.PostForm.Get(d.V+"answer")) {
		d.Error = "Ungültiger Passcode/ungültige Antwort"
		x.pages.render(w, http.StatusOK, "totp", d)
		return
	}
	if r.PostForm.Get("rememberDevice") != "" {
		p.trustDevice(w, s.user)
	}
	http.Redirect(w, r, d.Return, http.StatusFound)
}

// email is Okta's e-mail factor, which a browser meets instead of the
// authenticator in mode NewDevice: the code goes to a mailbox.
func (x *is24) email(w http.ResponseWriter, r *http.Request) {
	if s, st := x.p.session(r); s == nil || st != stageNewDevice {
		http.Redirect(w, r, is24Login, http.StatusFound)
		return
	}
	x.pages.render(w, http.StatusOK, "email", x.okta())
}

func (x *is24) start(w http.ResponseWriter, r *http.Request) {
	if x.signedIn(w, r) == nil {
		return
	}
	x.pages.render(w, http.StatusOK, "start", x.data("Mein Bereich | ImmoScout24"))
}

func (x *is24) invoices(w http.ResponseWriter, r *http.Request) {
	s := x.signedIn(w, r)
	if s == nil {
		return
	}
	// Newest first, as an overview of bills is read (GUESSED order).
	all := x.p.invoiceViews(s.user)
	page, _ := strconv.Atoi(r.URL.Query().Get("seite"))
	page = max(page, 1)
	from := min((page-1)*is24PageSize, len(all))
	to := min(from+is24PageSize, len(all))
	d := x.data("Rechnungsübersicht | ImmoScout24")
	d.Invoices = all[from:to]
	if to < len(all) {
		d.Next = page + 1
	}
	x.pages.render(w, http.StatusOK, "invoices", d)
}

func (x *is24) pdf(w http.ResponseWriter, r *http.Request) {
	s := x.signedIn(w, r)
	if s == nil {
		return
	}
	x.p.serveInvoicePDF(w, r, s.user, strings.TrimSuffix(r.PathValue("file"), ".pdf"), "Immobilien Scout GmbH Rechnung")
}

func (x *is24) logout(w http.ResponseWriter, r *http.Request) {
	x.p.signOut(w, r)
	http.Redirect(w, r, is24WWW+"/", http.StatusFound)
}

const is24Layout = `{{define "layout"}}<!doctype html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:"Make It Sans",Arial,sans-serif;margin:0;color:#333;background:#f4f4f4}
header{background:#fff;border-bottom:3px solid #00d9b1;padding:12px 24px;display:flex;justify-content:space-between}
main{max-width:720px;margin:40px auto;background:#fff;padding:24px 32px}
input[type=text],input[type=password],input[type=tel]{display:block;width:100%;padding:10px;margin:6px 0 16px;font-size:16px;box-sizing:border-box}
button,input[type=submit]{padding:10px 20px;font-size:15px;background:#00d9b1;border:0;cursor:pointer}
.status-message.status-error{color:#c30;border-left:4px solid #c30;padding:4px 12px;margin-bottom:12px}
.okta-form-infobox-error{color:#c30;border:1px solid #c30;padding:8px;margin-bottom:12px}
table{width:100%;border-collapse:collapse}td,th{padding:8px;border-bottom:1px solid #ddd;text-align:left}
</style></head>
<body>{{template "content" .}}</body></html>{{end}}`

var is24PageSources = map[string]string{
	// The SSO's two steps, one address.
	"sso": `{{define "content"}}<header><span>ImmoScout24</span></header><main>
<h1>Anmelden</h1>
{{if eq .Step "username"}}<form id="{{.V}}usernameForm" method="post">
<input type="hidden" id="loginToken" name="token" value="{{.Token}}">
<label for="{{.V}}username">E-Mail-Adresse oder Benutzername</label>
<input type="text" id="{{.V}}username" name="{{.V}}username" autocomplete="username">
<button type="submit" id="{{.V}}submit">Weiter</button>
</form>
{{else}}<form id="{{.V}}loginForm" method="post">
{{with .Error}}<div class="status-message status-error margin-bottom"><p>{{.}}</p></div>{{end}}
<input type="hidden" name="{{.V}}username" value="{{.Username}}"><p>{{.Username}}</p>
<label for="{{.V}}password">Passwort</label>
<input type="password" id="{{.V}}password" name="{{.V}}password" autocomplete="current-password">
<button type="submit" id="{{.V}}submit">Anmelden</button>
</form>{{end}}
</main>{{end}}`,

	// Okta's classic code form (okta-signin-widget TOTPForm.js).
	"totp": `{{define "content"}}<main id="okta-sign-in" class="auth-container main-container">
<form method="post" action="?sso_return={{.Return}}" class="mfa-verify-totp o-form o-form-edit-mode" data-se="factor-totp">
<h2 class="okta-form-title o-form-head">Google Authenticator</h2>
<p class="okta-form-subtitle o-form-explain">Ihren Google Authenticator-Passcode eingeben</p>
<div class="o-form-error-container{{if .Error}} o-form-has-errors{{end}}" data-se="o-form-error-container" role="alert">
{{with .Error}}<div><div class="okta-form-infobox-error infobox infobox-error" role="alert"><span class="icon error-16"></span><p>{{.}}</p></div></div>{{end}}</div>
<div class="o-form-fieldset o-form-label-top auth-passcode"><label for="input-answer">Code eingeben</label>
<input type="tel" id="input-answer" name="{{.V}}answer" autocomplete="off"></div>
<div class="o-form-fieldset margin-btm-0"><input type="checkbox" id="input-rememberDevice" name="rememberDevice" value="true">
<label for="input-rememberDevice">Ich möchte auf diesem Gerät nicht mehr überprüft werden</label></div>
<div class="o-form-button-bar"><input class="button button-primary" type="submit" value="Bestätigen" data-type="save"></div>
</form></main>{{end}}`,

	"email": `{{define "content"}}<main id="okta-sign-in" class="auth-container main-container">
<form method="post" class="mfa-verify-email o-form" data-se="factor-email">
<h2 class="okta-form-title o-form-head">Mit E-Mail-Authentifizierung verifizieren</h2>
<div class="mfa-email-sent-content">Ein Verifizierungscode wurde gesendet an Ihre E-Mail-Adresse. Überprüfen Sie Ihren E-Mail-Posteingang und geben Sie den Code unten ein.</div>
<div class="o-form-fieldset o-form-label-top auth-passcode"><label>Verifizierungscode</label><input type="tel" name="{{.V}}answer"></div>
<div class="o-form-button-bar"><input class="button button-primary" type="submit" value="Bestätigen"></div>
</form></main>{{end}}`,

	"start": `{{define "content"}}<header><span>ImmoScout24</span><span><a href="/meinkonto/">Mein Konto</a> · <a href="/sso/logout">Abmelden</a></span></header>
<main><h1>Mein Bereich</h1><p><a href="/rechnungsuebersicht/uebersicht.html">Rechnungen</a></p></main>{{end}}`,

	"invoices": `{{define "content"}}<header><span>ImmoScout24</span><span><a href="/meinkonto/">Mein Konto</a> · <a href="/sso/logout">Abmelden</a></span></header>
<main><h1>Rechnungsübersicht</h1>
<table id="{{.V}}rechnungen"><thead><tr><th>Datum</th><th>Rechnungsnummer</th><th></th><th>Betrag</th><th></th><th></th></tr></thead>
<tbody>{{range .Invoices}}<tr><td>{{langdate .ISODate}}</td><td>{{.Number}}</td><td></td><td>{{.Shown}}</td><td></td>
<td><button type="button" aria-label="Rechnung herunterladen" onclick="location.href='/rechnungsuebersicht/rechnung/{{.ID}}.pdf'">PDF</button></td></tr>{{end}}</tbody></table>
<nav><button type="button" class="pagination-next"{{if .Next}} onclick="location.href='/rechnungsuebersicht/uebersicht.html?seite={{.Next}}'"{{else}} disabled{{end}}>Weiter</button></nav>
</main>{{end}}`,
}

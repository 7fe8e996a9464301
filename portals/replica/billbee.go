package replica

import (
	"fmt"
	"net/http"
	"strings"
)

// Billbee (app.billbee.io), German, as these public sources show it (read
// 2026-12-06):
//
//   - vishal00074/automationTestingScript sample_automation_scripts/
//     10-09-2025/billbee.php (2025-09): the app at
//     https://app.billbee.io/app_v2/, the sign-in at /app_v2/sign-in inside
//     bb-membership-frame with input[name=UserName], input[name=Password],
//     button[name=RememberMe] and the primary button; the Cookiebot banner
//     (#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll); refusals in
//     div.validation-summary-errors ("Benutzername oder Passwort sind …");
//     signed in when a logout link (a[href*="/logout"]) shows; the code in
//     a bb-request-2fa-dialog (.mat-dialog-content > p explaining it, form
//     input[name=Otp], its button that does not close the dialog); a
//     refused code titled "Falscher 2FA Code" ([id*=mat-dialog-title]) with
//     a button in mat-dialog-actions leading back; the invoices at
//     /app_v2/account/invoices-and-payment behind a link to
//     …/invoices-and-payment/invoices, as rows
//     table > tbody > tr[ng-repeat*=invoices] whose first cell is the
//     number, second the date (d.m.Y), fourth the amount, eleventh an
//     a[ng-click*=download] that starts the PDF download (eleven cells).
//   - hilfe.billbee.io article 841 (Zwei-Faktor-Authentifizierung):
//     username (top right) → Benutzerkonto → tab "Sicherheit" → set up
//     two-factor authentication; a QR code, the field "Code", the button
//     "Verbinden"; afterwards the sign-in asks for the code after the
//     credentials.
//
// Not in any source, and marked where the page shows it: the labels and
// the words after "sind", the dialog's title and hint, how the Angular app
// sends the code (the replica posts a form to /app_v2/sign-in), the other
// seven cells of an invoice row (left empty), the address the download
// fetches (the replica's own /app_v2/replica-invoices/{id}.pdf), the cookie
// names, and a new-device, captcha or terms page (none is modelled).
const (
	billbeeHost     = "https://app.billbee.io"
	billbeeApp      = billbeeHost + "/app_v2/"
	billbeeSignIn   = billbeeHost + "/app_v2/sign-in"
	billbeeInvoices = billbeeHost + "/app_v2/account/invoices-and-payment/invoices"
)

func init() {
	register(&spec{
		ID: "billbee", Name: "Billbee", Lang: "de", Currency: "EUR", Color: "#f6a800",
		SessionCookie: "bb_session",
		Login:         loginSpec{URL: billbeeSignIn},
		Billing:       billingSpec{URL: billbeeInvoices},
		// Benutzerkonto › Sicherheit (help article 841); the app's address
		// for it is not known.
		Settings: billbeeHost + "/app_v2/account/security",
		// The invoice number is all a row shows, so it is the id too.
		Mint: func(_ []byte, seq int) (string, string) {
			n := fmt.Sprintf("BB-%d-%05d", 2026, 40000+seq)
			return n, n
		},
		Pages: billbeePages,
	})
}

type billbee struct {
	p     *Portal
	pages pageSet
}

type billbeeData struct {
	V        string
	Error    string
	Code     bool
	BadCode  bool
	Invoices []invoiceView
}

func billbeePages(p *Portal, rs *Routes) {
	b := &billbee{p: p, pages: newPageSet(billbeeLayout, billbeePageSources, nil)}
	rs.Handle("GET", billbeeApp, b.app)
	rs.Handle("GET", billbeeSignIn, b.signin)
	rs.Handle("POST", billbeeSignIn, b.signinPost)
	rs.Handle("GET", billbeeHost+"/app_v2/logout", b.logout)
	rs.Handle("GET", billbeeHost+"/app_v2/account/invoices-and-payment", b.account)
	rs.Handle("GET", billbeeInvoices, b.invoices)
	rs.Handle("GET", billbeeHost+"/app_v2/replica-invoices/{file}", b.pdf)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

func (b *billbee) data() *billbeeData { return &billbeeData{V: b.p.layoutPrefix()} }

func (b *billbee) authed(w http.ResponseWriter, r *http.Request) *session {
	if s, st := b.p.session(r); s != nil && st == stageIn {
		return s
	}
	http.Redirect(w, r, billbeeSignIn, http.StatusFound)
	return nil
}

func (b *billbee) app(w http.ResponseWriter, r *http.Request) {
	if b.authed(w, r) == nil {
		return
	}
	b.pages.render(w, http.StatusOK, "app", b.data())
}

func (b *billbee) signin(w http.ResponseWriter, r *http.Request) {
	b.pages.render(w, http.StatusOK, "signin", b.data())
}

// signinPost takes the credentials and, at the same address, the code of
// the dialog that follows them.
func (b *billbee) signinPost(w http.ResponseWriter, r *http.Request) {
	p := b.p
	_ = r.ParseForm()
	d := b.data()
	if s, st := p.session(r); s != nil && st == stage2FA && r.PostForm.Has(d.V+"Otp") {
		d.Code = true
		if !p.verifyCode(s, r.PostForm.Get(d.V+"Otp")) {
			d.BadCode = true
			b.pages.render(w, http.StatusOK, "signin", d)
			return
		}
		http.Redirect(w, r, billbeeApp, http.StatusFound)
		return
	}
	u := p.lookup(r.PostForm.Get(d.V + "UserName"))
	if !p.passwordOK(u, r.PostForm.Get(d.V+"Password")) {
		d.Error = "Benutzername oder Passwort sind falsch."
		b.pages.render(w, http.StatusOK, "signin", d)
		return
	}
	if _, st := p.signIn(w, r, u, r.PostForm.Get("RememberMe") == "true"); st == stageIn {
		http.Redirect(w, r, billbeeApp, http.StatusFound)
		return
	}
	d.Code = true
	b.pages.render(w, http.StatusOK, "signin", d)
}

func (b *billbee) logout(w http.ResponseWriter, r *http.Request) {
	b.p.signOut(w, r)
	http.Redirect(w, r, billbeeSignIn, http.StatusFound)
}

func (b *billbee) account(w http.ResponseWriter, r *http.Request) {
	if b.authed(w, r) == nil {
		return
	}
	b.pages.render(w, http.StatusOK, "account", b.data())
}

func (b *billbee) invoices(w http.ResponseWriter, r *http.Request) {
	s := b.authed(w, r)
	if s == nil {
		return
	}
	d := b.data()
	d.Invoices = b.p.invoiceViews(s.user)
	b.pages.render(w, http.StatusOK, "invoices", d)
}

func (b *billbee) pdf(w http.ResponseWriter, r *http.Request) {
	s := b.authed(w, r)
	if s == nil {
		return
	}
	b.p.serveInvoicePDF(w, r, s.user, strings.TrimSuffix(r.PathValue("file"), ".pdf"), "Billbee GmbH Rechnung")
}

const billbeeLayout = `{{define "layout"}}<!doctype html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Billbee</title>
<style>
body{font-family:Roboto,"Helvetica Neue",sans-serif;margin:0;background:#f5f5f5;color:#222}
mat-toolbar{display:flex;justify-content:space-between;background:#f6a800;color:#fff;padding:12px 24px}
mat-toolbar a{color:#fff}
bb-membership-frame,main{display:block;max-width:420px;margin:48px auto;background:#fff;padding:24px 32px;border-radius:4px}
main{max-width:1000px}
input{display:block;width:100%;padding:9px;margin:6px 0 14px;font-size:16px;box-sizing:border-box}
button{padding:9px 18px;font-size:15px;border:0;border-radius:4px;cursor:pointer}
.mat-primary{background:#f6a800;color:#fff}
.validation-summary-errors{color:#c62828;margin-bottom:12px}
bb-request-2fa-dialog{display:block;position:fixed;top:20%;left:50%;transform:translateX(-50%);background:#fff;padding:24px;box-shadow:0 4px 20px #0004;min-width:340px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:6px;text-align:left}
#CybotCookiebotDialog{position:fixed;bottom:0;left:0;right:0;background:#fff;padding:16px 24px;box-shadow:0 -2px 10px #0003}
</style></head>
<body>{{template "content" .}}</body></html>{{end}}`

var billbeePageSources = map[string]string{
	"signin": `{{define "content"}}<bb-membership-frame>
<h1>Anmelden</h1>
<form method="post" action="/app_v2/sign-in">
{{with .Error}}<div class="validation-summary-errors">{{.}}</div>{{end}}
<label>Benutzername<input type="text" name="{{.V}}UserName" autocomplete="username"></label>
<label>Passwort<input type="password" name="{{.V}}Password" autocomplete="current-password"></label>
<input type="hidden" name="RememberMe" value="false">
<button type="button" name="RememberMe" onclick="this.form.elements.RememberMe[0].value='true';this.setAttribute('aria-pressed','true')">Angemeldet bleiben</button>
<button type="submit" class="mdc-button mat-primary">Anmelden</button>
</form></bb-membership-frame>
{{if .Code}}<bb-request-2fa-dialog>
{{if .BadCode}}<h2 class="mat-dialog-title" id="mat-dialog-title-1">Falscher 2FA Code</h2>
<mat-dialog-actions><button type="button" onclick="location.href='/app_v2/sign-in'">OK</button></mat-dialog-actions>
{{else}}<h2 class="mat-dialog-title" id="mat-dialog-title-0">Zwei-Faktor-Authentifizierung</h2>
<form method="post" action="/app_v2/sign-in">
<div class="mat-dialog-content"><p>Bitte gib den Code aus deiner Authenticator-App ein.</p>
<input type="text" name="{{.V}}Otp" inputmode="numeric" autocomplete="one-time-code"></div>
<mat-dialog-actions><button type="button" mat-dialog-close class="mat-mdc-button-base" onclick="location.href='/app_v2/sign-in'">Abbrechen</button>
<button type="submit" class="mat-mdc-button-base mat-primary">Bestätigen</button></mat-dialog-actions>
</form>{{end}}
</bb-request-2fa-dialog>{{end}}
<div id="CybotCookiebotDialog">Diese Webseite verwendet Cookies.
<button id="CybotCookiebotDialogBodyButtonDecline" onclick="document.getElementById('CybotCookiebotDialog').remove()">Ablehnen</button>
<button id="CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll" onclick="document.getElementById('CybotCookiebotDialog').remove()">Alle zulassen</button>
</div>{{end}}`,

	"app": `{{define "content"}}<mat-toolbar><span>Billbee</span><span><mat-icon class="fa-user"></mat-icon> <a href="/app_v2/logout">Abmelden</a></span></mat-toolbar>
<main><p>Willkommen bei Billbee.</p><p><a href="/app_v2/account/invoices-and-payment">Rechnungen und Zahlung</a></p></main>{{end}}`,

	"account": `{{define "content"}}<mat-toolbar><span>Billbee</span><a href="/app_v2/logout">Abmelden</a></mat-toolbar>
<main><h1>Rechnungen und Zahlung</h1><p><a href="/app_v2/account/invoices-and-payment/invoices">Rechnungen</a></p></main>{{end}}`,

	"invoices": `{{define "content"}}<mat-toolbar><span>Billbee</span><a href="/app_v2/logout">Abmelden</a></mat-toolbar>
<main><h1>Rechnungen</h1>
<table id="{{.V}}invoices"><thead><tr><th>Rechnungsnummer</th><th>Datum</th><th></th><th>Betrag</th><th></th><th></th><th></th><th></th><th></th><th></th><th></th></tr></thead>
<tbody>{{range .Invoices}}<tr ng-repeat="invoice in {{$.V}}invoices"><td>{{.Number}}</td><td>{{.ShownDate}}</td><td></td><td>{{.Shown}}</td><td></td><td></td><td></td><td></td><td></td><td></td>
<td><a ng-click="download(invoice)" href="/app_v2/replica-invoices/{{.ID}}.pdf" download>PDF</a></td></tr>{{end}}</tbody></table>
</main>{{end}}`,
}

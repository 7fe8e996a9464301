package replica

import (
	"net/http"
)

// IONOS (login.ionos.de, mein.ionos.de), German, as these public sources
// show it (read 2026-12-06):
//
//   - the sign-in: see uiLogin (a public GetMyInvoices-style IONOS script);
//   - invoiceradar/plugins, plugins/ionos.json: the sign-in at
//     https://login.ionos.de/, #oao-customer once signed in, the invoices at
//     mein.ionos.de/account/billing/invoices in
//     table.table.table--responsive.table--has-toolbar#table__0, a page-size
//     select #invoice-pagination (50), the date in the first cell, the
//     amount in the second cell's p, the PDF link in the fifth cell with the
//     invoice's reference after "ref=", relative to mein.ionos.de;
//   - the same GetMyInvoices-style script: mein.ionos.de/invoices,
//     .oao-navi-navigation .oao-navi-flyout-notification and
//     a[data-action="sign-out"] once signed in, the invoice number in the
//     fourth cell, a link containing "download", dates as d.m.Y, amounts in
//     EUR, #invoices-pagination a.next-item to page;
//   - ionos.com help (set up two-factor authentication, the IONOS mobile
//     app, the recovery code): an authenticator app or app approval, a
//     6-digit code, a 16-digit recovery code; My Account › Login & Account
//     Security › Two-Step Verification.
//
// Not in any source, and marked where the page shows it: the third
// column, the download path before "?ref=", the page-size select's
// options, the navigation's other markup, the account-security path.
const (
	ionosLogin    = "https://login.ionos.de"
	ionosMein     = "https://mein.ionos.de"
	ionosInvoices = ionosMein + "/account/billing/invoices"
	ionosDownload = ionosInvoices + "/download"
)

func init() {
	register(&spec{
		ID: "ionos", Name: "IONOS", Lang: "de", Currency: "EUR", Color: "#003d8f",
		// Cookie names are not in the sources; the session spans both hosts.
		SessionCookie: "SSOSESSION", CookieDomain: "ionos.de",
		Login:    loginSpec{URL: ionosLogin + "/"},
		Billing:  billingSpec{URL: ionosInvoices, Document: ionosDownload},
		Settings: ionosMein + "/account/security",
		Terms:    ionosMein + "/agb",
		Text: texts{
			// From the sources.
			UnknownUser: "Kein IONOS Konto mit dieser E-Mail-Adresse gefunden",
			// Unverified: no source quotes these texts (the script matches
			// the French "Le mot de passe" and "passwor").
			BadPassword: "Das Passwort ist nicht korrekt.",
			BadCode:     "Der Code ist nicht korrekt.",
		},
		InvoiceIDPrefix: "", InvoiceNumberPrefix: "DRP",
		Pages: ionosPages,
	})
}

type ionos struct {
	p     *Portal
	pages pageSet
}

type ionosData struct {
	uiData
	Email    string
	Invoices []invoiceView
}

func ionosPages(p *Portal, rs *Routes) {
	(&uiLogin{p: p, pages: newPageSet(uiLayout, uiPageSources, nil),
		host: ionosLogin, after: ionosMein + "/", brand: "IONOS",
		unknownUser: p.spec.Text.UnknownUser}).routes(rs)
	i := &ionos{p: p, pages: newPageSet(uiLayout, ionosPageSources, nil)}
	rs.Handle("GET", ionosMein+"/", i.overview)
	rs.Handle("GET", ionosMein+"/account-overview", i.overview)
	rs.Handle("GET", ionosMein+"/invoices", i.shortcut)
	rs.Handle("GET", ionosInvoices, i.invoices)
	rs.Handle("GET", ionosDownload, i.download)
	rs.Handle("GET", ionosMein+"/logout", i.logout)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
	rs.Handle("GET", p.spec.Terms, p.termsPage)
	rs.Handle("POST", p.spec.Terms, p.termsSubmit)
}

func (i *ionos) data(r *http.Request, s *session) *ionosData {
	d := &ionosData{uiData: uiData{Brand: "IONOS"}, Email: s.user.email}
	d.V = i.p.layoutPrefix()
	if _, err := r.Cookie(uiConsentCookie); err != nil {
		d.Consent = true
	}
	return d
}

func (i *ionos) overview(w http.ResponseWriter, r *http.Request) {
	s := i.authed(w, r)
	if s == nil {
		return
	}
	i.pages.render(w, http.StatusOK, "overview", i.data(r, s))
}

// shortcut is the address the GetMyInvoices script opens; it leads to the
// invoice list the plugin opens.
func (i *ionos) shortcut(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, ionosInvoices, http.StatusFound)
}

func (i *ionos) invoices(w http.ResponseWriter, r *http.Request) {
	s := i.authed(w, r)
	if s == nil {
		return
	}
	d := i.data(r, s)
	d.Invoices = i.p.invoiceViews(s.user)
	i.pages.render(w, http.StatusOK, "invoices", d)
}

func (i *ionos) download(w http.ResponseWriter, r *http.Request) {
	s := i.authed(w, r)
	if s == nil {
		return
	}
	inv := i.p.invoice(s.user, r.URL.Query().Get("ref"))
	if inv == nil {
		http.Error(w, "Rechnung nicht gefunden", http.StatusNotFound)
		return
	}
	i.p.servePDF(w, s.user, inv, "IONOS SE Rechnung")
}

func (i *ionos) logout(w http.ResponseWriter, r *http.Request) {
	i.p.signOut(w, r)
	http.Redirect(w, r, ionosLogin+"/", http.StatusFound)
}

func (i *ionos) authed(w http.ResponseWriter, r *http.Request) *session {
	s, st := i.p.session(r)
	switch {
	case s != nil && st == stageIn:
		return s
	case s != nil && st == stageTerms:
		http.Redirect(w, r, i.p.spec.Terms, http.StatusFound)
	default:
		http.Redirect(w, r, ionosLogin+"/", http.StatusFound)
	}
	return nil
}

var ionosPageSources = map[string]string{
	"overview": `{{define "title"}}Kundenkonto - IONOS{{end}}{{define "content"}}` + ionosNavi + `
<h1>Übersicht</h1>
<p><a href="/account/billing/invoices">Rechnungen</a></p>{{end}}`,

	// The invoice list. The third column's content, the page-size options
	// and the download path before "?ref=" are not in the sources; the
	// replica's few invoices fit one page, so #invoices-pagination has no
	// next item.
	"invoices": `{{define "title"}}Rechnungen - IONOS{{end}}{{define "content"}}` + ionosNavi + `
<nav><a class="breadcrumb__item" href="/account-overview">Mein Konto</a> › Rechnungen</nav>
<h1>Rechnungen</h1>
<label for="invoice-pagination">Einträge pro Seite</label>
<select id="invoice-pagination"><option value="10">10</option><option value="25" selected>25</option><option value="50">50</option></select>
<table id="{{.V}}table__0" class="table table--responsive table--has-toolbar">
<thead><tr><th>Datum</th><th>Betrag</th><th></th><th>Rechnungsnummer</th><th></th></tr></thead>
<tbody>
{{range .Invoices}}<tr><td>{{.ShownDate}}</td><td><p>{{.Shown}}</p></td><td>—</td><td>{{.Number}}</td><td><a href="/account/billing/invoices/download?ref={{.ID}}">PDF</a></td></tr>
{{end}}</tbody></table>
<div id="invoices-pagination"></div>{{end}}`,
}

// ionosNavi is the account navigation with the marks the sources check for
// a live session.
const ionosNavi = `
<div class="oao-navi-navigation"><span id="oao-customer">{{.Email}}</span>
<span class="oao-navi-flyout-notification"></span>
<a data-action="sign-out" href="/logout">Abmelden</a></div>`

package replica

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Heroku (id.heroku.com, dashboard.heroku.com, particleboard.heroku.com)
// as these public sources show it (read 2026-12-06):
//
//   - invoiceradar/plugins, plugins/heroku.json: login at
//     id.heroku.com/login, the billing page's .invoices list of
//     .invoice-row, a button.show-more for older rows, each row's
//     .invoice-title form (its action ends in the invoice id; a hidden
//     token; a submit input whose value is the month billed, the invoice
//     dated a month later) and .invoice-total; the invoice is the HTML the
//     form's action answers to a POST of the token, printed to PDF;
//   - a public TypeScript billing fetcher (HerokuFetcher; the index does
//     not name the repository): dashboard.heroku.com/account/billing, a URL
//     with /login or /verify before the session is complete, the form
//     actions at https://particleboard.heroku.com/account/invoices/<digits>,
//     the total in the row's second cell, amounts in USD, the submit input
//     classed .bn and opening in a new tab;
//   - a public Playwright test of the Heroku login (index does not name
//     the repository): fields labelled "Email address" and "Password", a
//     "Log In" button, then a "Verification Code" field and "Verify";
//   - help.heroku.com DZFUP53P and FMZU2CVT: monthly HTML invoices; the
//     invoice issued in February covers January.
//
// Not in any source, and marked where the page shows it: the field names
// and the form targets, the 2FA page's path beyond "verify", the texts
// after a wrong password or a refused code, how many rows show before
// "show more", what the token is, and the invoice page's markup.
const (
	herokuID        = "https://id.heroku.com"
	herokuLogin     = herokuID + "/login"
	herokuVerify    = herokuID + "/login/verify"
	herokuDashboard = "https://dashboard.heroku.com"
	herokuBilling   = herokuDashboard + "/account/billing"
	herokuInvoices  = "https://particleboard.heroku.com/account/invoices/"
	// herokuRowsShown rows show before "show more" (not in the sources).
	herokuRowsShown = 3
)

func init() {
	register(&spec{
		ID: "heroku", Name: "Heroku", Color: "#79589f",
		// Cookie names are not in the sources; the session spans the
		// heroku.com hosts.
		SessionCookie: "heroku_session", CookieDomain: "heroku.com",
		Login:    loginSpec{URL: herokuLogin},
		Billing:  billingSpec{URL: herokuBilling, Document: herokuInvoices + "{id}"},
		Settings: herokuDashboard + "/account",
		Terms:    herokuDashboard + "/terms",
		Text: texts{
			// Unverified: no source quotes these texts.
			BadPassword: "There was a problem with your login.",
			BadCode:     "Invalid verification code.",
		},
		// The invoice id is a number (the fetcher matches \d+).
		Mint: func(sum []byte, seq int) (string, string) {
			id := fmt.Sprint(10000000 + (int(sum[0])<<16|int(sum[1])<<8|int(sum[2]))%90000000)
			return id, id
		},
		Hosts: []string{"particleboard.heroku.com"},
		Pages: herokuPages,
	})
}

type heroku struct {
	p     *Portal
	pages pageSet

	mu     sync.Mutex
	tokens map[*session]string // the token each session's invoice forms carry
}

type herokuRow struct {
	ID, Month, Total, Token string
	Hidden                  bool
}

type herokuData struct {
	V       string // prefixes field names in mode ChangedLayout
	Error   string
	Email   string
	Rows    []herokuRow
	More    bool
	Invoice *invoiceView
	Month   string
}

func herokuPages(p *Portal, rs *Routes) {
	h := &heroku{p: p, pages: newPageSet(herokuLayout, herokuPageSources, nil), tokens: map[*session]string{}}
	rs.Handle("GET", herokuLogin, h.loginPage)
	rs.Handle("POST", herokuLogin, h.loginPost)
	rs.Handle("GET", herokuVerify, h.verifyPage)
	rs.Handle("POST", herokuVerify, h.verifyPost)
	rs.Handle("GET", herokuDashboard+"/", h.dashboard)
	rs.Handle("GET", herokuBilling, h.billing)
	rs.Handle("POST", p.spec.Billing.Document, h.invoice)
	rs.Handle("OPTIONS", p.spec.Billing.Document, h.preflight)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
	rs.Handle("GET", p.spec.Terms, p.termsPage)
	rs.Handle("POST", p.spec.Terms, p.termsSubmit)
}

func (h *heroku) data() *herokuData {
	return &herokuData{V: h.p.layoutPrefix()}
}

func (h *heroku) loginPage(w http.ResponseWriter, r *http.Request) {
	h.pages.render(w, http.StatusOK, "login", h.data())
}

func (h *heroku) loginPost(w http.ResponseWriter, r *http.Request) {
	p := h.p
	_ = r.ParseForm()
	d := h.data()
	d.Email = strings.TrimSpace(r.PostForm.Get(d.V + "email"))
	u := p.lookup(d.Email)
	if !p.passwordOK(u, r.PostForm.Get(d.V+"password")) {
		d.Error = p.spec.Text.BadPassword
		h.pages.render(w, http.StatusOK, "login", d)
		return
	}
	if p.currentMode()&Captcha != 0 {
		// No source shows Heroku's captcha: the shared page stands in.
		p.render(w, http.StatusOK, "captcha", &pageData{S: p.spec, Title: "Log in"})
		return
	}
	s, st := p.signIn(w, r, u, false)
	switch st {
	case stageNewDevice:
		p.render(w, http.StatusOK, "newdevice", &pageData{S: p.spec, Title: "Log in"})
	case stageIn:
		p.enter(w, r, s, herokuDashboard+"/")
	default:
		http.Redirect(w, r, herokuVerify, http.StatusFound)
	}
}

func (h *heroku) verifyPage(w http.ResponseWriter, r *http.Request) {
	if s, st := h.p.session(r); s == nil || st != stage2FA {
		http.Redirect(w, r, herokuLogin, http.StatusFound)
		return
	}
	if h.p.currentMode()&PushOnly != 0 {
		// Salesforce Authenticator approval; its page is not in the
		// sources, the shared one stands in.
		h.p.render(w, http.StatusOK, "push", &pageData{S: h.p.spec, Title: "Log in"})
		return
	}
	h.pages.render(w, http.StatusOK, "verify", h.data())
}

func (h *heroku) verifyPost(w http.ResponseWriter, r *http.Request) {
	s, st := h.p.session(r)
	if s == nil || st != stage2FA {
		http.Redirect(w, r, herokuLogin, http.StatusFound)
		return
	}
	_ = r.ParseForm()
	d := h.data()
	if !h.p.verifyCode(s, r.PostForm.Get(d.V+"code")) {
		d.Error = h.p.spec.Text.BadCode
		h.pages.render(w, http.StatusOK, "verify", d)
		return
	}
	h.p.enter(w, r, s, herokuDashboard+"/")
}

func (h *heroku) dashboard(w http.ResponseWriter, r *http.Request) {
	s := h.authed(w, r)
	if s == nil {
		return
	}
	d := h.data()
	d.Email = s.user.email
	h.pages.render(w, http.StatusOK, "dashboard", d)
}

func (h *heroku) billing(w http.ResponseWriter, r *http.Request) {
	s := h.authed(w, r)
	if s == nil {
		return
	}
	d := h.data()
	d.Email = s.user.email
	for i, v := range h.p.invoiceViews(s.user) {
		d.Rows = append(d.Rows, herokuRow{ID: v.ID, Month: herokuMonth(v.ISODate), Total: v.Shown,
			Token: h.token(s), Hidden: i >= herokuRowsShown})
	}
	d.More = len(d.Rows) > herokuRowsShown
	h.pages.render(w, http.StatusOK, "billing", d)
}

// herokuMonth is the month an invoice bills: the one before its date.
func herokuMonth(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.AddDate(0, -1, 0).Format("January 2006")
}

// token is the token the billing page hands each invoice form: one per
// session, so an invoice opens only for the session that listed it.
func (h *heroku) token(s *session) string {
	live := map[*session]bool{}
	h.p.mu.Lock()
	for _, x := range h.p.sessions {
		live[x] = true
	}
	h.p.mu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	for x := range h.tokens {
		if !live[x] {
			delete(h.tokens, x) // the session expired or logged out
		}
	}
	t, ok := h.tokens[s]
	if !ok {
		t = strings.ToLower(token())
		h.tokens[s] = t
	}
	return t
}

// bearer returns the logged-in session whose token this is, or nil.
func (h *heroku) bearer(tok string) *session {
	h.mu.Lock()
	var s *session
	for cand, t := range h.tokens {
		if t == tok {
			s = cand
		}
	}
	h.mu.Unlock()
	if s == nil {
		return nil
	}
	h.p.mu.Lock()
	defer h.p.mu.Unlock()
	for _, live := range h.p.sessions {
		if live == s && s.stage == stageIn {
			return s
		}
	}
	return nil
}

// invoice answers the invoice form's POST with the HTML invoice. The
// dashboard fetches it from another origin without cookies, so the token
// is what authorises it, and CORS lets the dashboard read it.
func (h *heroku) invoice(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", herokuDashboard)
	_ = r.ParseForm()
	s := h.bearer(r.PostForm.Get("token"))
	if s == nil || r.PostForm.Get("token") == "" {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	inv := h.p.invoice(s.user, r.PathValue("id"))
	if inv == nil {
		http.Error(w, "Not found", http.StatusNotFound)
		return
	}
	h.p.mu.Lock()
	h.p.stats.Downloads++
	h.p.mu.Unlock()
	d := h.data()
	d.Email, d.Invoice, d.Month = s.user.email, inv, herokuMonth(inv.ISODate)
	h.pages.render(w, http.StatusOK, "invoice", d)
}

func (h *heroku) preflight(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", herokuDashboard)
	w.Header().Set("Access-Control-Allow-Methods", "POST")
	w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
	w.WriteHeader(http.StatusNoContent)
}

func (h *heroku) authed(w http.ResponseWriter, r *http.Request) *session {
	s, st := h.p.session(r)
	switch {
	case s != nil && st == stageIn:
		return s
	case s != nil && st == stageTerms:
		http.Redirect(w, r, h.p.spec.Terms, http.StatusFound)
	case s != nil && st == stage2FA:
		http.Redirect(w, r, herokuVerify, http.StatusFound)
	default:
		http.Redirect(w, r, herokuLogin, http.StatusFound)
	}
	return nil
}

const herokuLayout = `{{define "layout"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{block "title" .}}Heroku{{end}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f7f8fb;color:#3f3f44}
header{background:#79589f;color:#fff;padding:12px 24px;font-weight:600}
main{max-width:760px;margin:32px auto;background:#fff;padding:24px 32px;border-radius:6px}
label{display:block;margin:12px 0 4px}
input[type=email],input[type=password],input[type=text]{width:100%;padding:8px;font-size:16px;box-sizing:border-box}
button,input[type=submit]{margin-top:16px;padding:8px 20px;font-size:16px;cursor:pointer}
.alert{color:#c00}
table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #eee;padding:8px}
.bn{margin:0;background:none;border:0;color:#79589f;text-decoration:underline}
</style></head>
<body><header>Heroku</header><main>{{template "content" .}}</main></body></html>{{end}}`

var herokuPageSources = map[string]string{
	// Labels and button texts from the public Playwright test; names and
	// the form target are not in the sources.
	"login": `{{define "title"}}Heroku | Login{{end}}{{define "content"}}
<h1>Log in to your account</h1>
<form method="post" action="/login">
{{with .Error}}<p class="alert" role="alert">{{.}}</p>{{end}}
<label for="{{.V}}email">Email address</label>
<input type="email" id="{{.V}}email" name="{{.V}}email" value="{{.Email}}" autocomplete="username">
<label for="{{.V}}password">Password</label>
<input type="password" id="{{.V}}password" name="{{.V}}password" autocomplete="current-password">
<button type="submit">Log In</button>
</form>{{end}}`,

	"verify": `{{define "title"}}Heroku | Verify{{end}}{{define "content"}}
<h1>Multi-factor authentication</h1>
<form method="post" action="/login/verify">
{{with .Error}}<p class="alert" role="alert">{{.}}</p>{{end}}
<label for="{{.V}}code">Verification Code</label>
<input type="text" id="{{.V}}code" name="{{.V}}code" inputmode="numeric" autocomplete="one-time-code">
<button type="submit">Verify</button>
</form>{{end}}`,

	"dashboard": `{{define "title"}}Personal apps | Heroku{{end}}{{define "content"}}
<h1>Personal</h1><p>{{.Email}}</p><p><a href="/account/billing">Billing</a></p>{{end}}`,

	// The dashboard renders after load, as the single-page app does. The
	// list's classes and the forms follow the sources; the table's other
	// markup is not in them.
	"billing": `{{define "title"}}Billing | Heroku{{end}}{{define "content"}}
<h1>Billing</h1>
<div id="ember-app"></div>
<template id="billing-view">
<div class="invoices">
<h2>Invoices</h2>
<table><tbody>
{{range .Rows}}<tr class="invoice-row"{{if .Hidden}} hidden{{end}}>
<td class="invoice-title"><form action="https://particleboard.heroku.com/account/invoices/{{.ID}}" method="post" target="_blank"><input type="hidden" name="token" value="{{.Token}}"><input type="submit" class="bn" value="{{.Month}}"></form></td>
<td class="invoice-total">{{.Total}}</td>
</tr>
{{end}}</tbody></table>
{{if .More}}<button type="button" class="show-more">Show more</button>{{end}}
</div>
</template>
<script>
setTimeout(() => {
  const app = document.getElementById('ember-app');
  app.appendChild(document.getElementById('billing-view').content.cloneNode(true));
  const more = app.querySelector('button.show-more');
  if (more) more.addEventListener('click', () => {
    app.querySelectorAll('.invoice-row[hidden]').forEach(r => r.hidden = false);
    more.remove();
  });
}, 150);
</script>{{end}}`,

	// The HTML invoice: its markup is not in the sources beyond being a
	// monthly summary of charges.
	"invoice": `{{define "title"}}Heroku Invoice{{end}}{{define "content"}}{{with .Invoice}}
<div class="heroku-invoice">
<h1>Invoice for {{$.Month}}</h1>
<p>Invoice {{.Number}}, issued {{.ShownDate}}, to {{$.Email}}</p>
<table><tr><td>Summary of charges</td><td>{{.Shown}}</td></tr>
<tr><td><strong>Total</strong></td><td class="total">{{.Shown}}</td></tr></table>
</div>{{end}}{{end}}`,
}

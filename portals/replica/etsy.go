package replica

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Etsy's sign-in and a seller's monthly statements, as these public sources
// show them (read 2026-12-06):
//
//   - vishal00074/automationTestingScript sample_automation_scripts/etsy.php
//     (modified 2025-03-04): https://www.etsy.com/signin with
//     input[name=email], input[name=password] and
//     form#join-neu-form button[type=submit]; a refusal marks the fields
//     aria-invalid="true"; .wt-alert when the account cannot be used; the
//     code in input[name=twofactor_token] under form > .wt-grid > div > p,
//     sent by form button[value=handle_twofactor] (button[value=resend_twofactor]
//     beside it) and asked again after a refused code; signed in when a
//     logout link ([role=menu] a[href*="/logout.php"]) shows; the account
//     at /your/account; the statements at /your/account/payments as rows
//     [data-key=totals-by-month-row] whose link
//     a[href*="/payments/monthly-statement?month"] names month and year
//     (older: table#totals-by-month); each statement page's
//     a[href*="vat_statement.php"] downloads its PDF; DataDome's challenge
//     as iframe[src*="captcha-delivery.com/captcha"].
//   - help.etsy.com article 115015747228 (your payment account, monthly
//     statements); facts of the portal list: DataDome (geo.captcha-delivery.com).
//
// Not in any source, and marked where the page shows it: every text of the
// pages, where the code form posts (here /signin), the cells of a month's
// row besides its link, the rest of the statement page, the address of
// vat_statement.php (here under /your/account/payments/), the status of the
// DataDome page (here 403, as bot walls answer) and its frame's content,
// and the GDPR banner (not shown).
const (
	etsyHost      = "https://www.etsy.com"
	etsyPayments  = etsyHost + "/your/account/payments"
	etsyStatement = etsyPayments + "/monthly-statement"
)

func init() {
	register(&spec{
		ID: "etsy", Name: "Etsy", Currency: "USD", Color: "#f1641e",
		SessionCookie: "session-key-www",
		Login:         loginSpec{URL: etsyHost + "/signin"},
		Billing:       billingSpec{URL: etsyPayments},
		// Account settings › Security (help.etsy.com 115015569567); the
		// replica serves the key at an address of its own.
		Settings: etsyHost + "/your/account/security",
		Hosts:    []string{"geo.captcha-delivery.com"},
		// A monthly statement is named by its month and year, as its link.
		MintDated: func(d time.Time) (string, string) {
			id := fmt.Sprintf("%d-%d", int(d.Month()), d.Year())
			return id, id
		},
		Pages: etsyPages,
	})
}

type etsy struct {
	p     *Portal
	pages pageSet
}

type etsyData struct {
	V, Email   string
	Invalid    bool
	Statements []etsyMonth
	Month      *etsyMonth
}

type etsyMonth struct {
	Month, Year int
	Label, ID   string
}

func etsyPages(p *Portal, rs *Routes) {
	e := &etsy{p: p, pages: newPageSet(etsyLayout, etsyPageSources, nil)}
	rs.Handle("GET", etsyHost+"/signin", e.signin)
	rs.Handle("POST", etsyHost+"/signin", e.signinPost)
	rs.Handle("GET", etsyHost+"/your/account", e.account)
	rs.Handle("GET", etsyPayments, e.payments)
	rs.Handle("GET", etsyStatement, e.statement)
	rs.Handle("GET", etsyPayments+"/vat_statement.php", e.pdf)
	rs.Handle("GET", etsyHost+"/logout.php", e.logout)
	rs.Handle("GET", "https://geo.captcha-delivery.com/captcha/", e.datadome)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

func (e *etsy) data() *etsyData { return &etsyData{V: e.p.layoutPrefix()} }

func (e *etsy) signin(w http.ResponseWriter, r *http.Request) {
	if e.p.currentMode()&Captcha != 0 {
		e.pages.render(w, http.StatusForbidden, "datadome", e.data())
		return
	}
	e.pages.render(w, http.StatusOK, "signin", e.data())
}

// signinPost takes the credentials and, at the same address, the code.
func (e *etsy) signinPost(w http.ResponseWriter, r *http.Request) {
	p := e.p
	_ = r.ParseForm()
	d := e.data()
	if s, st := p.session(r); s != nil && st == stage2FA && r.PostForm.Has(d.V+"twofactor_token") {
		if r.PostForm.Get("submit_attempt") == "handle_twofactor" && p.verifyCode(s, r.PostForm.Get(d.V+"twofactor_token")) {
			http.Redirect(w, r, etsyHost+"/your/account", http.StatusFound)
			return
		}
		e.pages.render(w, http.StatusOK, "code", d)
		return
	}
	d.Email = strings.TrimSpace(r.PostForm.Get(d.V + "email"))
	u := p.lookup(d.Email)
	if !p.passwordOK(u, r.PostForm.Get(d.V+"password")) {
		d.Invalid = true
		e.pages.render(w, http.StatusOK, "signin", d)
		return
	}
	if _, st := p.signIn(w, r, u, true); st == stageIn {
		http.Redirect(w, r, etsyHost+"/your/account", http.StatusFound)
		return
	}
	e.pages.render(w, http.StatusOK, "code", d)
}

func (e *etsy) authed(w http.ResponseWriter, r *http.Request) *session {
	if s, st := e.p.session(r); s != nil && st == stageIn {
		return s
	}
	http.Redirect(w, r, etsyHost+"/signin", http.StatusFound)
	return nil
}

func (e *etsy) logout(w http.ResponseWriter, r *http.Request) {
	e.p.signOut(w, r)
	http.Redirect(w, r, etsyHost+"/", http.StatusFound)
}

func (e *etsy) account(w http.ResponseWriter, r *http.Request) {
	if e.authed(w, r) == nil {
		return
	}
	e.pages.render(w, http.StatusOK, "account", e.data())
}

func (e *etsy) months(u *user) []etsyMonth {
	var out []etsyMonth
	for _, v := range e.p.invoiceViews(u) {
		t, _ := time.Parse(time.DateOnly, v.ISODate)
		out = append(out, etsyMonth{Month: int(t.Month()), Year: t.Year(), Label: t.Format("January 2006"), ID: v.ID})
	}
	return out
}

func (e *etsy) payments(w http.ResponseWriter, r *http.Request) {
	s := e.authed(w, r)
	if s == nil {
		return
	}
	d := e.data()
	d.Statements = e.months(s.user)
	e.pages.render(w, http.StatusOK, "payments", d)
}

func (e *etsy) find(u *user, r *http.Request) *etsyMonth {
	m, _ := strconv.Atoi(r.URL.Query().Get("month"))
	y, _ := strconv.Atoi(r.URL.Query().Get("year"))
	for _, s := range e.months(u) {
		if s.Month == m && s.Year == y {
			return &s
		}
	}
	return nil
}

func (e *etsy) statement(w http.ResponseWriter, r *http.Request) {
	s := e.authed(w, r)
	if s == nil {
		return
	}
	d := e.data()
	if d.Month = e.find(s.user, r); d.Month == nil {
		http.NotFound(w, r)
		return
	}
	e.pages.render(w, http.StatusOK, "statement", d)
}

func (e *etsy) pdf(w http.ResponseWriter, r *http.Request) {
	s := e.authed(w, r)
	if s == nil {
		return
	}
	m := e.find(s.user, r)
	if m == nil {
		http.NotFound(w, r)
		return
	}
	e.p.servePDF(w, s.user, e.p.invoice(s.user, m.ID), "Etsy monthly statement "+m.Label)
}

// datadome stands in for the challenge frame: nothing in it can be solved.
func (e *etsy) datadome(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(`<!doctype html><title>DataDome</title><p>Slide right to complete the puzzle.</p>`))
}

const etsyLayout = `{{define "layout"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Etsy</title>
<style>
body{font-family:"Graphik Webfont",-apple-system,Helvetica,Arial,sans-serif;margin:0;color:#222}
header{display:flex;justify-content:space-between;padding:12px 24px;border-bottom:1px solid #ddd}
header .logo{color:#f1641e;font-size:28px;font-family:Georgia,serif}
.wt-card{max-width:420px;margin:48px auto;padding:24px 32px;border-radius:12px;box-shadow:0 1px 6px #0003}
main{max-width:900px;margin:24px auto}
input{display:block;width:100%;padding:10px;margin:6px 0 16px;font-size:16px;box-sizing:border-box;border:1px solid #949494;border-radius:6px}
input[aria-invalid=true]{border-color:#b81a0a}
button{padding:10px 20px;font-size:15px;border-radius:24px;border:0;background:#222;color:#fff}
.wt-grid{display:flex;flex-wrap:wrap;gap:12px}
[data-key=totals-by-month-row]{padding:10px 0;border-bottom:1px solid #eee}
iframe.dd{border:0;width:100%;height:500px}
</style></head>
<body>{{template "content" .}}</body></html>{{end}}`

var etsyPageSources = map[string]string{
	"signin": `{{define "content"}}<header><span class="logo">Etsy</span></header>
<div class="wt-card"><h1>Sign in</h1>
<form id="join-neu-form" method="post" action="/signin">
<label>Email address<input type="email" name="{{.V}}email" value="{{.Email}}" autocomplete="email"{{if .Invalid}} aria-invalid="true"{{end}}></label>
<label>Password<input type="password" name="{{.V}}password" autocomplete="current-password"{{if .Invalid}} aria-invalid="true"{{end}}></label>
{{if .Invalid}}<p class="wt-text-caption">Password was incorrect</p>{{end}}
<button type="submit">Sign in</button>
</form></div>{{end}}`,

	"code": `{{define "content"}}<header><span class="logo">Etsy</span></header>
<div class="wt-card">
<form method="post" action="/signin">
<div class="wt-grid"><div><p>Enter the code from your authentication app.</p></div></div>
<input type="text" name="{{.V}}twofactor_token" inputmode="numeric" autocomplete="one-time-code">
<button type="submit" name="submit_attempt" value="handle_twofactor">Verify</button>
<button type="submit" name="submit_attempt" value="resend_twofactor">Resend</button>
</form></div>{{end}}`,

	"datadome": `{{define "content"}}<iframe class="dd" src="https://geo.captcha-delivery.com/captcha/?initialCid=replica&amp;hash=replica&amp;cid=replica" title="DataDome CAPTCHA"></iframe>{{end}}`,

	"account": `{{define "content"}}<header><span class="logo">Etsy</span>
<div role="menu"><a href="/your/account/payments">Payment account</a> · <a href="/logout.php">Sign out</a></div></header>
<main><h1>Your account</h1></main>{{end}}`,

	"payments": `{{define "content"}}<header><span class="logo">Etsy</span>
<div role="menu"><a href="/your/account">Your account</a> · <a href="/logout.php">Sign out</a></div></header>
<main><h1>Payment account</h1><h2>Monthly statements</h2>
<div id="{{.V}}totals-by-month">{{range .Statements}}<div data-key="{{$.V}}totals-by-month-row" class="wt-grid">
<div class="wt-grid__item-xs-6"><a href="/your/account/payments/monthly-statement?month={{.Month}}&amp;year={{.Year}}">{{.Label}}</a></div>
</div>{{end}}</div></main>{{end}}`,

	"statement": `{{define "content"}}<header><span class="logo">Etsy</span>
<div role="menu"><a href="/logout.php">Sign out</a></div></header>
{{with .Month}}<main><h1>Monthly statement: {{.Label}}</h1>
<p><a href="/your/account/payments/vat_statement.php?month={{.Month}}&amp;year={{.Year}}" download>Download PDF</a></p></main>{{end}}{{end}}`,
}

package replica

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Hetzner Accounts (accounts.hetzner.com), German, as these public sources
// show it (read 2026-12-06):
//
//   - vishal00074/automationTestingScript, sample_automation_scripts/
//     old_Scripts/hetzner.php (modified 2025-03-06): login form ids, the
//     error paragraph and its text, the 2FA form ids, the loading circle,
//     the invoice list (.invoice-list .row, a.btn-download, span.invoice-*),
//     dates as d.m.Y, the logout link as the logged-in marker;
//   - invoiceradar/plugins, plugins/hetzner.json: /login, /invoice,
//     .link-logout, .invoice-container .invoice-list li with a link ending
//     in "pdf", relative to the host;
//   - docs.hetzner.com/accounts-panel/accounts/login-otp (2025-09-09): a
//     new device gets a 6-digit code by e-mail unless 2FA is on.
//
// Not known from any source, and marked where the page shows it: the
// labels and the hint texts, the field names (taken to equal the ids, as
// in a Symfony login form), the code form's submit target (the replica
// posts it back to /login), the text after a refused code, the PDF link's
// path before its "pdf" ending, the amount format, the page the login
// lands on, and the e-mail device check page (the shared page stands in).
const (
	hetznerHost     = "https://accounts.hetzner.com"
	hetznerLoginURL = hetznerHost + "/login"
	hetznerListURL  = hetznerHost + "/invoice"
	// hetznerPageSize invoices show on a page of the list. The real page
	// size is not in the sources; a small one makes the scripts' paging
	// run on the replica's few invoices.
	hetznerPageSize = 2
)

func init() {
	register(&spec{
		ID: "hetzner", Name: "Hetzner", Lang: "de", Currency: "EUR", Color: "#d50c2d",
		// The session cookie's name is not in the sources.
		SessionCookie: "PHPSESSID",
		Login:         loginSpec{URL: hetznerLoginURL},
		Billing: billingSpec{URL: hetznerListURL,
			Document: hetznerHost + "/invoice/{id}/pdf"},
		// Settings › Two-factor authentication (token2.com's guide); the
		// path is not in the sources. The key page and the terms page are
		// the shared ones: no source shows Hetzner's.
		Settings:            hetznerHost + "/account/security",
		Terms:               hetznerHost + "/legal/agb",
		InvoiceNumberPrefix: "R0",
		Text: texts{
			BadPassword: "Fehlerhafte Zugangsdaten",
			// Unverified: no source quotes the text after a refused code.
			BadCode: "Der eingegebene Code ist ungültig.",
		},
		Pages: hetznerPages,
	})
}

type hetznerData struct {
	// V prefixes every id and field name in mode ChangedLayout.
	V        string
	Error    string
	Username string
	Email    string
	Invoices []invoiceView
	// Prev and Next link the neighbouring pages of the list ("" at an end).
	Prev, Next string
}

type hetzner struct {
	p     *Portal
	pages pageSet
}

func hetznerPages(p *Portal, rs *Routes) {
	h := &hetzner{p: p, pages: newPageSet(hetznerLayout, hetznerPageSources, nil)}
	rs.Handle("GET", hetznerHost+"/", h.root)
	rs.Handle("GET", hetznerLoginURL, h.loginPage)
	rs.Handle("POST", hetznerLoginURL, h.loginPost)
	rs.Handle("GET", hetznerHost+"/logout", h.logout)
	rs.Handle("GET", hetznerListURL, h.list)
	rs.Handle("GET", p.spec.Billing.Document, h.pdf)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
	rs.Handle("GET", p.spec.Terms, p.termsPage)
	rs.Handle("POST", p.spec.Terms, p.termsSubmit)
}

func (h *hetzner) data() *hetznerData {
	return &hetznerData{V: h.p.layoutPrefix()}
}

// root is where the GetMyInvoices script starts: the login page for a
// browser without a session, an account page (here the invoice list) with
// the logout link otherwise.
func (h *hetzner) root(w http.ResponseWriter, r *http.Request) {
	if s, st := h.p.session(r); s != nil && st == stageIn {
		http.Redirect(w, r, hetznerListURL, http.StatusFound)
		return
	}
	http.Redirect(w, r, hetznerLoginURL, http.StatusFound)
}

func (h *hetzner) loginPage(w http.ResponseWriter, r *http.Request) {
	h.pages.render(w, http.StatusOK, "login", h.data())
}

// loginPost takes the credentials and, on the same URL, the code of the
// form that follows them.
func (h *hetzner) loginPost(w http.ResponseWriter, r *http.Request) {
	p := h.p
	_ = r.ParseForm()
	d := h.data()
	if s, st := p.session(r); s != nil && st == stage2FA && r.PostForm.Has(d.V+"input-verify-code") {
		h.code(w, r, s, d)
		return
	}
	d.Username = strings.TrimSpace(r.PostForm.Get(d.V + "_username"))
	u := p.lookup(d.Username)
	if !p.passwordOK(u, r.PostForm.Get(d.V+"_password")) {
		d.Error = p.spec.Text.BadPassword
		h.pages.render(w, http.StatusOK, "login", d)
		return
	}
	mode := p.currentMode()
	if mode&Captcha != 0 {
		// The sources show a Cloudflare check before the page, not its
		// markup: the shared captcha page stands in.
		p.render(w, http.StatusOK, "captcha", &pageData{S: p.spec, Title: "Login"})
		return
	}
	s, st := p.signIn(w, r, u, false)
	switch {
	case st == stageNewDevice:
		p.render(w, http.StatusOK, "newdevice", &pageData{S: p.spec, Title: "Login"})
	case st == stageIn:
		p.enter(w, r, s, "")
	case mode&PushOnly != 0:
		// Hetzner offers an app code or a Yubico key, no push approval;
		// the shared page stands for a second factor the script cannot give.
		p.render(w, http.StatusOK, "push", &pageData{S: p.spec, Title: "Login"})
	default:
		h.pages.render(w, http.StatusOK, "otp", d)
	}
}

func (h *hetzner) code(w http.ResponseWriter, r *http.Request, s *session, d *hetznerData) {
	if !h.p.verifyCode(s, r.PostForm.Get(d.V+"input-verify-code")) {
		d.Error = h.p.spec.Text.BadCode
		h.pages.render(w, http.StatusOK, "otp", d)
		return
	}
	h.p.enter(w, r, s, "")
}

func (h *hetzner) logout(w http.ResponseWriter, r *http.Request) {
	h.p.signOut(w, r)
	http.Redirect(w, r, hetznerLoginURL, http.StatusFound)
}

func (h *hetzner) list(w http.ResponseWriter, r *http.Request) {
	s := h.authed(w, r)
	if s == nil {
		return
	}
	d := h.data()
	d.Email = s.user.email
	all := h.p.invoiceViews(s.user)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	from := min((page-1)*hetznerPageSize, len(all))
	to := min(from+hetznerPageSize, len(all))
	d.Invoices = all[from:to]
	if page > 1 {
		d.Prev = fmt.Sprintf("/invoice?page=%d", page-1)
	}
	if to < len(all) {
		d.Next = fmt.Sprintf("/invoice?page=%d", page+1)
	}
	h.pages.render(w, http.StatusOK, "invoices", d)
}

func (h *hetzner) pdf(w http.ResponseWriter, r *http.Request) {
	s := h.authed(w, r)
	if s == nil {
		return
	}
	inv := h.p.invoice(s.user, r.PathValue("id"))
	if inv == nil {
		http.Error(w, "Rechnung nicht gefunden", http.StatusNotFound)
		return
	}
	h.p.servePDF(w, s.user, inv, "Hetzner Online GmbH Rechnung")
}

// authed returns the logged-in session or sends the browser to the login
// page (the sources do not show whether it carries the page it came from).
func (h *hetzner) authed(w http.ResponseWriter, r *http.Request) *session {
	s, st := h.p.session(r)
	switch {
	case s != nil && st == stageIn:
		return s
	case s != nil && st == stageTerms:
		http.Redirect(w, r, h.p.spec.Terms, http.StatusFound)
	default:
		http.Redirect(w, r, hetznerLoginURL, http.StatusFound)
	}
	return nil
}

const hetznerLayout = `{{define "layout"}}<!doctype html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hetzner Accounts</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f4f4f4;color:#222}
.topbar{background:#d50c2d;color:#fff;padding:12px 24px;display:flex;justify-content:space-between}
.topbar a{color:#fff}
.box{max-width:720px;margin:32px auto;background:#fff;padding:24px 32px;border-radius:4px}
label{display:block;margin:12px 0 4px}
input[type=text],input[type=password]{width:100%;padding:8px;font-size:16px;box-sizing:border-box}
input[type=submit]{margin-top:16px;padding:8px 20px;font-size:16px;background:#d50c2d;color:#fff;border:0}
.invalid-message{color:#d50c2d}
.loading-circle{width:32px;height:32px;margin:48px auto;border:4px solid #ddd;border-top-color:#d50c2d;border-radius:50%}
.invoice-list{list-style:none;padding:0}.invoice-list .row{display:flex;gap:24px;padding:8px 0;border-bottom:1px solid #ddd}
</style></head>
<body>{{template "content" .}}</body></html>{{end}}`

var hetznerPageSources = map[string]string{
	// The form appears once the page's script has run, after a loading
	// circle (the GetMyInvoices script waits for div.loading-circle to go).
	// Labels are not in the sources.
	"login": `{{define "content"}}
<div class="topbar"><span>Hetzner Accounts</span></div>
<div class="box">
<div class="loading-circle"></div>
<form id="{{.V}}login-form" method="post" action="/login" hidden>
<h1>Login</h1>
{{with .Error}}<p class="invalid-message">{{.}}</p>{{end}}
<label for="{{.V}}_username">Benutzername oder E-Mail-Adresse</label>
<input type="text" id="{{.V}}_username" name="{{.V}}_username" value="{{.Username}}" autocomplete="username">
<label for="{{.V}}_password">Passwort</label>
<input type="password" id="{{.V}}_password" name="{{.V}}_password" autocomplete="current-password">
<input type="submit" id="{{.V}}submit-login" value="Login">
</form>
<script>
window.addEventListener('load', () => setTimeout(() => {
  document.querySelector('.loading-circle').remove();
  document.querySelector('form').hidden = false;
}, 150));
</script>
</div>{{end}}`,

	// The code form: its ids and a leading paragraph are in the sources,
	// its texts and its submit target are not.
	"otp": `{{define "content"}}
<div class="topbar"><span>Hetzner Accounts</span></div>
<div class="box">
<form id="{{.V}}otp_form" method="post" action="/login">
<p>Bitte geben Sie den Code aus Ihrer Authenticator-App ein.</p>
{{with .Error}}<p class="invalid-message">{{.}}</p>{{end}}
<input type="text" id="{{.V}}input-verify-code" name="{{.V}}input-verify-code" inputmode="numeric" autocomplete="one-time-code" autofocus>
<input type="submit" id="{{.V}}btn-submit" value="Bestätigen">
</form>
</div>{{end}}`,

	// The list: one li.row per invoice in .invoice-container .invoice-list,
	// its link ending in "pdf" relative to the host, paged through
	// .pagination-control a[rel="next"]. The page parameter's name is not in
	// the sources.
	"invoices": `{{define "content"}}
<div class="topbar"><span>Hetzner Accounts</span><span>{{.Email}} <a class="link-logout" href="/logout">Logout</a></span></div>
<div class="box">
<h1>Rechnungen</h1>
<div class="{{.V}}invoice-container">
<ul class="{{.V}}invoice-list">
{{range .Invoices}}<li class="row">
<span class="invoice-number">{{.Number}}</span>
<span class="invoice-date">{{.ShownDate}}</span>
<span class="invoice-value">{{.Shown}}</span>
<a class="btn-download" href="/invoice/{{.ID}}/pdf">PDF</a>
</li>
{{end}}</ul>
</div>
<div class="pagination-control">{{with .Prev}}<a rel="prev" href="{{.}}">«</a>{{end}} {{with .Next}}<a rel="next" href="{{.}}">»</a>{{end}}</div>
</div>{{end}}`,
}

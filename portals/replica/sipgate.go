package replica

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// sipgate's sign-in at login.sipgate.com and the invoices of its web app
// at app.sipgate.com, as these public sources show them (read 2026-12-06):
//
//   - vishal00074/automationTestingScript sample_automation_scripts/
//     sipgate.php and sipgate_init.php (a GetMyInvoices script, Server-Portal-ID
//     3179, a copy modified 2025-06-11): the sign-in at
//     https://login.sipgate.com/ asks for the user first (input#username in
//     form.flex-container, input#rememberMe) and the password after it
//     (input#password), each sent with button#kc-login; "Invalid username
//     or email." after an unknown user and "Invalid password." in
//     div.login div.alert--error after a wrong password; then either the
//     e-mailed code (input[name="emailCode"], sent by
//     input[type=submit].login__submit) followed by
//     input[name="trust-device"].trust_device__submit, or the
//     authenticator code in form#loginform input#otp with
//     form#loginform div.otpMessage above it and form#loginform
//     button#kc-login below; "Invalid confirmation code." after a refused
//     code; signed in when body[data-tracking-email*="@"] or
//     [data-test-selector="app-web-authenticated"] or a link to /logout
//     shows; the app at https://app.sipgate.com/{w}/… (w0 for the first
//     account, /connections/phonelines/p0 its phone lines); the invoices of
//     the administration at
//     https://app.sipgate.com/administration/invoices/settings/invoices as
//     rows of tbody.hyphens whose second cell is the date ("d. F Y", the
//     German long date), fourth the invoice number, sixth the amount and
//     seventh a button that downloads the PDF; an older copy of the page
//     labels that button aria-label="Rechnung herunterladen" and shows the
//     date as d.m.Y; older team pages linked each PDF under …/download/….
//   - help.sipgate.de "How do I log in with my access data?": the sign-in
//     at https://login.sipgate.com/ with the e-mail address or the customer
//     number and the sipgate password, "Sign in with Google", "Sign in with
//     email"; a new user gets a code by e-mail "for security reasons" and
//     then decides whether to trust the browser.
//   - help.sipgate.de "What do I do if I have received a verification code
//     by email?": the code is a second factor sent at sign-in.
//   - help.sipgate.de / teamhelp.sipgate.co.uk 2FA articles: an
//     authenticator app only (no SMS); User settings → the gear icon
//     (German: "Ändern") next to Two-factor authentication; a QR code or a
//     numeric key; the app's code and a device name; "Complete activation".
//   - teamhelp.sipgate.co.uk 204123752 and help.sipgate.de "Alle Infos zu
//     Abrechnungen": the invoices as PDFs under Administration → Account &
//     Bills → Invoices (German: Accountverwaltung → Konto & Rechnungen),
//     visible to administrators only.
//
// GUESSED, no source shows them: the labels, headings and hints of the
// sign-in pages (the hints use the help pages' words), where the forms post
// (here back to https://login.sipgate.com/), how the user and "remember
// me" reach the password step (hidden fields here), the wording of the
// e-mail code page, the cookie that carries the session from
// login.sipgate.com to app.sipgate.com (one cookie on sipgate.com here; the
// real sign-in hands the app a token), the app's landing page after the
// code (its phone lines here), its markup beyond the markers above, the
// first, third and fifth cells of an invoice row (left empty), the invoice
// numbers' format, what the download button fetches (here
// /administration/invoices/download/{number}, after the older team
// pages' links), the logout address, and the replica's key page. The
// invisible reCAPTCHA the GetMyInvoices script meets on one variant of the
// button, the year picker of older copies and the "Neu ausstellen" dialog
// it sometimes clicks after a download are not modelled; nor is the
// sipgate basic web app at app.sipgatebasic.de/account, whose invoice
// links (/app/de.sipgate.balance/singleinvoice?invoice=…&number=…) older
// basic accounts show.
const (
	sipgateLogin    = "https://login.sipgate.com/"
	sipgateApp      = "https://app.sipgate.com"
	sipgateLanding  = sipgateApp + "/w0/connections/phonelines/p0"
	sipgateInvoices = sipgateApp + "/administration/invoices/settings/invoices"
)

func init() {
	register(&spec{
		ID: "sipgate", Name: "sipgate", Lang: "de", Currency: "EUR", Color: "#0b2c4a",
		SessionCookie: "sipgate_session",
		DeviceCookie:  "sipgate_trusted_browser",
		CookieDomain:  "sipgate.com",
		Login:         loginSpec{URL: sipgateLogin},
		Billing:       billingSpec{URL: sipgateInvoices},
		Settings:      sipgateApp + "/replica/sipgate/two-factor",
		// The number is all a row names an invoice by, so it is the id too.
		Mint: func(sum []byte, seq int) (string, string) {
			n := fmt.Sprintf("%d%05d", 2026, (int(sum[0])<<8|int(sum[1]))%50000+seq)
			return n, n
		},
		Pages: sipgatePages,
	})
}

type sipgate struct {
	p     *Portal
	pages pageSet
}

type sipgateData struct {
	Step         string // "username", "password", "otp" or "emailcode"
	Error        string
	User         string
	Remember     bool
	Email        string
	Invoices     []sipgateRow
	InvoicesPath string
}

type sipgateRow struct {
	invoiceView
	LongDate string
}

func sipgatePages(p *Portal, rs *Routes) {
	s := &sipgate{p: p, pages: newPageSet(sipgateLayout, sipgatePageSources, nil)}
	rs.Handle("GET", sipgateLogin, s.login)
	rs.Handle("POST", sipgateLogin, s.loginPost)
	rs.Handle("GET", sipgateApp+"/", s.root)
	rs.Handle("GET", sipgateLanding, s.landing)
	rs.Handle("GET", sipgateInvoices, s.invoices)
	rs.Handle("GET", sipgateApp+"/administration/invoices/download/{id}", s.pdf)
	rs.Handle("GET", sipgateApp+"/logout", s.logout)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

func (s *sipgate) authed(w http.ResponseWriter, r *http.Request) *session {
	if ss, st := s.p.session(r); ss != nil && st == stageIn {
		return ss
	}
	http.Redirect(w, r, sipgateLogin, http.StatusFound)
	return nil
}

// login shows the first step; a browser still signed in goes on to the app.
func (s *sipgate) login(w http.ResponseWriter, r *http.Request) {
	if ss, st := s.p.session(r); ss != nil && st == stageIn {
		http.Redirect(w, r, sipgateLanding, http.StatusFound)
		return
	}
	s.pages.render(w, http.StatusOK, "login", &sipgateData{Step: "username"})
}

// loginPost takes each step of the sign-in at the same address: the user,
// the password, the authenticator code or the e-mailed code.
func (s *sipgate) loginPost(w http.ResponseWriter, r *http.Request) {
	p := s.p
	_ = r.ParseForm()
	f := r.PostForm
	d := &sipgateData{User: strings.TrimSpace(f.Get("username")), Remember: f.Get("rememberMe") == "on"}
	ss, st := p.session(r)
	switch {
	case f.Has("otp"):
		if ss == nil || st != stage2FA {
			http.Redirect(w, r, sipgateLogin, http.StatusFound)
			return
		}
		if !p.verifyCode(ss, f.Get("otp")) {
			d.Step, d.Error = "otp", "Invalid confirmation code."
			s.pages.render(w, http.StatusOK, "login", d)
			return
		}
		http.Redirect(w, r, sipgateLanding, http.StatusFound)
	case f.Has("emailCode"):
		// The replica sends no e-mail, so no code it could check exists.
		d.Step, d.Error = "emailcode", "Invalid confirmation code."
		s.pages.render(w, http.StatusOK, "login", d)
	case f.Has("password"):
		u := p.lookup(d.User)
		if !p.passwordOK(u, f.Get("password")) {
			d.Step, d.Error = "password", "Invalid password."
			s.pages.render(w, http.StatusOK, "login", d)
			return
		}
		switch _, st := p.signIn(w, r, u, d.Remember); st {
		case stageIn:
			http.Redirect(w, r, sipgateLanding, http.StatusFound)
		case stageNewDevice:
			d.Step = "emailcode"
			s.pages.render(w, http.StatusOK, "login", d)
		default:
			d.Step = "otp"
			s.pages.render(w, http.StatusOK, "login", d)
		}
	default:
		d.Step = "password"
		if p.lookup(d.User) == nil {
			d.Step, d.Error = "username", "Invalid username or email."
		}
		s.pages.render(w, http.StatusOK, "login", d)
	}
}

func (s *sipgate) root(w http.ResponseWriter, r *http.Request) {
	if s.authed(w, r) != nil {
		http.Redirect(w, r, sipgateLanding, http.StatusFound)
	}
}

func (s *sipgate) landing(w http.ResponseWriter, r *http.Request) {
	ss := s.authed(w, r)
	if ss == nil {
		return
	}
	s.pages.render(w, http.StatusOK, "landing", &sipgateData{Email: ss.user.email})
}

func (s *sipgate) invoices(w http.ResponseWriter, r *http.Request) {
	ss := s.authed(w, r)
	if ss == nil {
		return
	}
	d := &sipgateData{Email: ss.user.email}
	for _, v := range s.p.invoiceViews(ss.user) {
		t, _ := time.Parse(time.DateOnly, v.ISODate)
		d.Invoices = append(d.Invoices, sipgateRow{invoiceView: v, LongDate: germanLongDate(t)})
	}
	s.pages.render(w, http.StatusOK, "invoices", d)
}

func (s *sipgate) pdf(w http.ResponseWriter, r *http.Request) {
	ss := s.authed(w, r)
	if ss == nil {
		return
	}
	s.p.serveInvoicePDF(w, r, ss.user, r.PathValue("id"), "sipgate GmbH Rechnung")
}

func (s *sipgate) logout(w http.ResponseWriter, r *http.Request) {
	s.p.signOut(w, r)
	http.Redirect(w, r, sipgateLogin, http.StatusFound)
}

const sipgateLayout = `{{define "layout"}}<!doctype html>
<html lang="{{if .Email}}de{{else}}en{{end}}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sipgate</title>
<style>
body{font-family:"Source Sans Pro",Arial,sans-serif;margin:0;background:#f4f6f8;color:#0b2c4a}
.login{max-width:420px;margin:60px auto;background:#fff;padding:28px 32px;border-radius:6px;box-shadow:0 2px 10px #0002}
.login label{display:block;margin:12px 0 4px}
.login input[type=text],.login input[type=password],.login input[type=email]{width:100%;padding:9px;font-size:16px;box-sizing:border-box}
.login button,.login input[type=submit]{margin-top:16px;width:100%;padding:10px;font-size:16px;background:#0b2c4a;color:#fff;border:0;border-radius:4px}
.alert--error{background:#fdecea;color:#b3261e;padding:8px;margin:8px 0}
.social{display:block;text-align:center;margin-top:14px}
header{display:flex;justify-content:space-between;background:#0b2c4a;color:#fff;padding:12px 24px}header a{color:#fff;margin-left:16px}
main{max-width:1000px;margin:24px auto;background:#fff;padding:20px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #dde3e8;padding:8px;text-align:left}
</style></head>
<body{{with .Email}} data-tracking-email="{{.}}"{{end}}>{{template "content" .}}</body></html>{{end}}
{{define "app"}}<div data-test-selector="app-web-authenticated"></div>
<header><span>sipgate</span><nav><a href="/w0/connections/phonelines/p0">Telefonie</a><a href="/administration/invoices/settings/invoices">Konto &amp; Rechnungen</a><a href="/logout">Abmelden</a></nav></header>{{end}}`

var sipgatePageSources = map[string]string{
	"login": `{{define "content"}}<div class="login"><div class="login__body">
{{if eq .Step "username"}}<h1>Sign in</h1>
{{with .Error}}<div class="alert alert--error">{{.}}</div>{{end}}
<form class="flex-container" method="post" action="/">
<label for="username">Email address or customer number</label>
<input type="text" id="username" name="username" value="{{.User}}" autocomplete="username">
<label><input type="checkbox" id="rememberMe" name="rememberMe"> Remember me</label>
<button type="submit" id="kc-login">Sign in with email</button>
</form>
<a class="social" href="/broker/google/login">Sign in with Google</a>
{{else if eq .Step "password"}}<h1>Sign in</h1>
{{with .Error}}<div class="alert alert--error">{{.}}</div>{{end}}
<form class="flex-container" method="post" action="/">
<input type="hidden" name="username" value="{{.User}}">{{if .Remember}}<input type="hidden" name="rememberMe" value="on">{{end}}
<p>{{.User}}</p>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password">
<button type="submit" id="kc-login">Sign in</button>
</form>
{{else if eq .Step "otp"}}<h1>Two-factor authentication</h1>
{{with .Error}}<div class="alert alert--error">{{.}}</div>{{end}}
<form id="loginform" method="post" action="/">
<div class="otpMessage">Enter the six-digit code from your authenticator app.</div>
<input type="text" id="otp" name="otp" autocomplete="one-time-code" inputmode="numeric">
<button type="submit" id="kc-login">Sign in</button>
</form>
{{else}}<h1>Confirm your email address</h1>
{{with .Error}}<div class="alert alert--error">{{.}}</div>{{end}}
<form id="loginform" method="post" action="/">
<div class="otpMessage">For security reasons we have sent a code to your email address. Enter it here.</div>
<input type="text" name="emailCode" autocomplete="one-time-code">
<input type="submit" class="login__submit" value="Confirm">
</form>{{end}}
</div></div>{{end}}`,

	"landing": `{{define "content"}}{{template "app" .}}<main><h1>Telefonie</h1><p>Ihre Anschlüsse</p></main>{{end}}`,

	"invoices": `{{define "content"}}{{template "app" .}}<main><h1>Rechnungen</h1>
<table><thead><tr><th></th><th>Datum</th><th></th><th>Rechnungsnummer</th><th></th><th>Betrag</th><th></th></tr></thead>
<tbody class="hyphens">{{range .Invoices}}<tr><td></td><td>{{.LongDate}}</td><td></td><td>{{.Number}}</td><td></td><td>{{.Shown}}</td>
<td><button type="button" aria-label="Rechnung herunterladen" onclick="location.href='/administration/invoices/download/{{.ID}}'">PDF</button></td></tr>
{{end}}</tbody></table></main>{{end}}`,
}

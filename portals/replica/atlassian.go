package replica

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// The Atlassian account's sign-in on id.atlassian.com, shared by Atlassian
// (the admin hub, admin.atlassian.com) and Bitbucket (bitbucket.org), as
// these public sources show it (read 2026-12-06):
//
//   - ismapac/Cypress (Sample3/.../testScriptThree.spec.js) and
//     skapxd/deploy-to-google-play-console (src/loginJira/step_01…,
//     step_02…): #username, then #password, each step sent by
//     #login-submit;
//   - public test suites in the code index whose repositories are not
//     named there: form[data-testid=form-login], the fields'
//     data-testid="username" / "password" and name="username" /
//     "password", the button's data-testid="login-submit-idf-testid", the
//     placeholders "Enter your email" and "Enter password", the buttons
//     "Continue" and "Log in", the refusal box
//     [data-testid="form-error--content"], the code field
//     #two-step-verification-otp-code-input labelled "6-digit verification
//     code" and #two-step-verification-submit, an unknown address sent on
//     to id.atlassian.com/signup, home.atlassian.com after a plain sign-in,
//     and login URLs carrying application=jira|trello|bitbucket and
//     continue=<the product's page>;
//   - invoiceradar/plugins plugins/atlassian.json: admin.atlassian.com
//     sends a signed-out browser to the sign-in and back; the organisations
//     from /gateway/api/adminhub/organization/my3 (id, name); the billing
//     at /o/<org>/billing-preview with [data-test=manage-subscription-link],
//     [data-testid="navigation-link.billingHistory"], the table
//     [data-testid="invoicesTable--table"] whose rows hold the invoice
//     number (td 1, div div), the date (td 2), the total (td 3) and
//     [data-testid=downloadInvoiceButton] linking the PDF;
//   - support.atlassian.com (manage two-step verification): the security
//     settings at id.atlassian.com/manage-profile/security, "Manage
//     two-step verification", the authenticator app's QR code, and the
//     session cookie cloud.session.token.
//
// Not in any source, and marked where the pages show it: how the single
// page moves between the address, password and code steps (here each step
// is a page posted to /login, with hidden fields of the replica's own), the
// wording of the refusals and of the code page other than its label, the
// pages after a refused code, the address the subscription link and the
// billing-history link lead to, the PDF's address, date and amount
// formats, how a product other than the admin hub takes over the session
// (bitbucket.org gets it here through a hand-over address of the
// replica's own), and every page of Bitbucket after sign-in. Modes
// Captcha, PushOnly, NewDevice and Terms change nothing: no source shows
// Atlassian's pages for them.
const (
	atlID    = "https://id.atlassian.com"
	atlAdmin = "https://admin.atlassian.com"
	atlBB    = "https://bitbucket.org"
	// atlHandover is where the replica hands a finished sign-in to
	// bitbucket.org; the real exchange is not publicly described.
	atlHandover = atlBB + "/replica-handover"
)

func init() {
	register(&spec{
		ID: "atlassian", Name: "Atlassian", Lang: "en", Currency: "USD", Color: "#0052cc",
		SessionCookie: "cloud.session.token", CookieDomain: "atlassian.com",
		DeviceCookie: "replica-atlassian-device",
		Login:        loginSpec{URL: atlID + "/login"},
		Billing:      billingSpec{URL: atlAdmin + "/"},
		Settings:     atlID + "/manage-profile/security",
		Mint:         atlassianNumber,
		Pages:        atlassianPages,
	})
	register(&spec{
		ID: "bitbucket", Name: "Bitbucket", Lang: "en", Currency: "USD", Color: "#0052cc",
		// The name is the replica's own: bitbucket.org's session cookie is
		// not in the sources.
		SessionCookie: "replica-bitbucket-session",
		DeviceCookie:  "replica-bitbucket-device",
		Billing:       billingSpec{URL: atlBB + "/"},
		With:          []string{"atlassian"},
		Pages:         bitbucketPages,
	})
}

// atlassianNumber makes an invoice number; its format is the replica's own,
// and the admin hub's table shows it as the invoice's id.
func atlassianNumber(sum []byte, seq int) (string, string) {
	n := fmt.Sprintf("IN-%03d-%06d", int(sum[0])%1000, 100000+seq)
	return n, n
}

// atlSignin is id.atlassian.com for one replica server: the products
// signing in there, by the application parameter ("" is the admin hub).
type atlSignin struct {
	mu       sync.Mutex
	products map[string]*Portal
}

// atlSigninFor returns the server's one id.atlassian.com, which the
// products' replicas share.
func atlSigninFor(rs *Routes) *atlSignin {
	a, _ := rs.shared.LoadOrStore("id.atlassian.com", &atlSignin{products: map[string]*Portal{}})
	return a.(*atlSignin)
}

func (a *atlSignin) product(app string) *Portal {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.products[app]
}

// atlHandovers are the one-time codes with which a finished sign-in is
// handed to bitbucket.org.
var atlHandovers = struct {
	sync.Mutex
	m map[string]*session
}{m: map[string]*session{}}

type atlData struct {
	Title, Email, Error, App, Continue string
	Step                               string // "username", "password", "code"
	V                                  string // prefix of ids and test ids in mode ChangedLayout
	Orgs                               []atlOrg
	Org                                atlOrg
	Invoices                           []invoiceView
	QR                                 template.URL
	SetupKey                           string
}

type atlOrg struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// atlOrgOf is the one organisation a replica user administers; its id is
// derived from the address (the real ids are UUIDs).
func atlOrgOf(u *user) atlOrg {
	sum := sha256.Sum256([]byte("atlassian org/" + strings.ToLower(u.email)))
	h := hex.EncodeToString(sum[:16])
	return atlOrg{ID: h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], Name: "Demo organisation"}
}

func atlassianPages(p *Portal, rs *Routes) {
	a := atlSigninFor(rs)
	a.mu.Lock()
	a.products[""] = p
	a.mu.Unlock()
	rs.Handle("GET", atlID+"/login", a.page)
	rs.Handle("POST", atlID+"/login", a.post)
	rs.Handle("GET", atlID+"/signup", func(w http.ResponseWriter, r *http.Request) {
		atlPages.render(w, http.StatusOK, "signup", &atlData{Title: "Sign up", Email: r.URL.Query().Get("email")})
	})
	rs.Handle("GET", p.spec.Settings, func(w http.ResponseWriter, r *http.Request) {
		s, st := p.session(r)
		if s == nil || st != stageIn {
			http.Redirect(w, r, atlID+"/login?continue="+url.QueryEscape(p.spec.Settings), http.StatusFound)
			return
		}
		qr, key, err := p.keyQR(s.user)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		atlPages.render(w, http.StatusOK, "security", &atlData{Title: "Security", Email: s.user.email, QR: qr, SetupKey: key})
	})

	rs.Handle("GET", atlAdmin+"/", func(w http.ResponseWriter, r *http.Request) {
		if s := atlAuthed(p, w, r); s != nil {
			atlPages.render(w, http.StatusOK, "admin", &atlData{Title: "Atlassian Administration", Email: s.user.email})
		}
	})
	rs.Handle("GET", atlAdmin+"/gateway/api/adminhub/organization/my3", func(w http.ResponseWriter, r *http.Request) {
		s, st := p.session(r)
		if s == nil || st != stageIn {
			writeJSON(w, http.StatusUnauthorized, []byte(`{"message":"Unauthorized"}`))
			return
		}
		b, _ := json.Marshal([]atlOrg{atlOrgOf(s.user)})
		writeJSON(w, http.StatusOK, b)
	})
	billing := func(page string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			s := atlAuthed(p, w, r)
			if s == nil {
				return
			}
			org := atlOrgOf(s.user)
			if r.PathValue("org") != org.ID {
				http.Error(w, "Organization not found", http.StatusNotFound)
				return
			}
			d := &atlData{Title: "Billing", Email: s.user.email, Org: org, V: p.layoutPrefix()}
			if page == "history" {
				d.Invoices = p.invoiceViews(s.user)
			}
			atlPages.render(w, http.StatusOK, page, d)
		}
	}
	rs.Handle("GET", atlAdmin+"/o/{org}/billing-preview", billing("preview"))
	rs.Handle("GET", atlAdmin+"/o/{org}/billing-preview/subscription", billing("subscription"))
	rs.Handle("GET", atlAdmin+"/o/{org}/billing-preview/billing-history", billing("history"))
	rs.Handle("GET", atlAdmin+"/o/{org}/billing-preview/invoices/{id}/download", func(w http.ResponseWriter, r *http.Request) {
		s := atlAuthed(p, w, r)
		if s == nil {
			return
		}
		inv := p.invoice(s.user, r.PathValue("id"))
		if inv == nil || r.PathValue("org") != atlOrgOf(s.user).ID {
			http.Error(w, "Invoice not found", http.StatusNotFound)
			return
		}
		p.servePDF(w, s.user, inv, "Atlassian Invoice")
	})
}

func bitbucketPages(p *Portal, rs *Routes) {
	a := atlSigninFor(rs)
	a.mu.Lock()
	a.products["bitbucket"] = p
	a.mu.Unlock()
	rs.Handle("GET", atlHandover, func(w http.ResponseWriter, r *http.Request) {
		code := r.URL.Query().Get("code")
		atlHandovers.Lock()
		s := atlHandovers.m[code]
		delete(atlHandovers.m, code)
		atlHandovers.Unlock()
		if s == nil {
			http.Redirect(w, r, atlID+"/login?application=bitbucket", http.StatusFound)
			return
		}
		p.startSession(w, s, true)
		http.Redirect(w, r, atlBB+"/", http.StatusFound)
	})
	// The pages of Bitbucket after sign-in are not publicly described in
	// markup: the replica shows a bare page that holds none of them.
	rs.Handle("GET", atlBB+"/", func(w http.ResponseWriter, r *http.Request) {
		s, st := p.session(r)
		if s == nil || st != stageIn {
			http.Redirect(w, r, atlID+"/login?application=bitbucket&continue="+url.QueryEscape(atlBB+"/"), http.StatusFound)
			return
		}
		atlPages.render(w, http.StatusOK, "bitbucket", &atlData{Title: "Bitbucket", Email: s.user.email})
	})
}

// atlAuthed returns the admin hub's signed-in session, or sends the
// browser to the sign-in with the page to come back to.
func atlAuthed(p *Portal, w http.ResponseWriter, r *http.Request) *session {
	s, st := p.session(r)
	if s != nil && st == stageIn {
		return s
	}
	http.Redirect(w, r, atlID+"/login?continue="+url.QueryEscape("https://"+r.Host+r.URL.RequestURI()), http.StatusFound)
	return nil
}

// page shows the address step, or sends a browser already signed in to
// the product on to where it was going.
func (a *atlSignin) page(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := a.product(q.Get("application"))
	if p == nil {
		http.Error(w, "unknown application", http.StatusBadRequest)
		return
	}
	d := &atlData{Title: "Log in to continue", App: q.Get("application"), Continue: atlContinue(p, q.Get("continue")), Step: "username", V: p.layoutPrefix()}
	if s, st := p.session(r); s != nil && st == stageIn {
		a.finish(w, r, p, d)
		return
	}
	atlPages.render(w, http.StatusOK, "login", d)
}

// atlContinue keeps a continue address on the product's own hosts.
func atlContinue(p *Portal, raw string) string {
	if raw != "" && p.ownURL(raw) {
		return raw
	}
	return p.spec.Billing.URL
}

// post answers each step of the sign-in.
func (a *atlSignin) post(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f := r.PostForm
	p := a.product(f.Get("application"))
	if p == nil {
		http.Error(w, "unknown application", http.StatusBadRequest)
		return
	}
	v := p.layoutPrefix()
	d := &atlData{Title: "Log in to continue", App: f.Get("application"), Continue: atlContinue(p, f.Get("continue")),
		Email: strings.TrimSpace(f.Get("username")), V: v}
	switch f.Get("step") {
	case "username":
		if d.Email == "" {
			d.Step = "username"
			atlPages.render(w, http.StatusOK, "login", d)
			return
		}
		if p.lookup(d.Email) == nil {
			http.Redirect(w, r, atlID+"/signup?email="+url.QueryEscape(d.Email), http.StatusFound)
			return
		}
		d.Step = "password"
		atlPages.render(w, http.StatusOK, "login", d)
	case "password":
		u := p.lookup(d.Email)
		if !p.passwordOK(u, f.Get("password")) {
			d.Step, d.Error = "password", "Incorrect email address and / or password."
			atlPages.render(w, http.StatusOK, "login", d)
			return
		}
		if _, st := p.signIn(w, r, u, true); st == stageIn {
			a.finish(w, r, p, d)
			return
		}
		d.Step = "code"
		atlPages.render(w, http.StatusOK, "code", d)
	case "code":
		s, st := p.session(r)
		if s == nil || st != stage2FA {
			http.Redirect(w, r, atlID+"/login", http.StatusFound)
			return
		}
		d.Email = s.user.email
		if !p.verifyCode(s, f.Get("otp")) {
			d.Step, d.Error = "code", "That code didn't work. Try again."
			atlPages.render(w, http.StatusOK, "code", d)
			return
		}
		p.setStage(s, stageIn)
		a.finish(w, r, p, d)
	default:
		http.Error(w, "unknown step", http.StatusBadRequest)
	}
}

// finish sends a signed-in browser on: the admin hub shares the session
// cookie of atlassian.com; Bitbucket receives it through a hand-over.
func (a *atlSignin) finish(w http.ResponseWriter, r *http.Request, p *Portal, d *atlData) {
	if d.App != "bitbucket" {
		http.Redirect(w, r, d.Continue, http.StatusFound)
		return
	}
	s, _ := p.session(r)
	code := token()
	atlHandovers.Lock()
	atlHandovers.m[code] = s
	atlHandovers.Unlock()
	http.Redirect(w, r, atlHandover+"?code="+code, http.StatusFound)
}

const atlLayout = `{{define "layout"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#fafbfc;color:#172b4d}
#root{max-width:400px;margin:48px auto;background:#fff;padding:32px 40px;box-shadow:0 0 10px rgba(0,0,0,.1);border-radius:3px}
.wide{max-width:860px}
h1{font-size:16px;text-align:center;color:#5e6c84}
input{width:100%;box-sizing:border-box;padding:8px;font-size:14px;border:2px solid #dfe1e6;border-radius:3px;margin:6px 0}
button{width:100%;padding:8px;font-size:14px;background:#0052cc;color:#fff;border:0;border-radius:3px;margin-top:12px}
.error{background:#ffebe6;color:#bf2600;padding:8px;margin:8px 0}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #dfe1e6;padding:8px;text-align:left}
a{color:#0052cc}
</style></head>
<body><section id="root"{{if .Invoices}} class="wide"{{end}}>
{{template "content" .}}
</section></body></html>{{end}}`

// atlPages are the sign-in and admin-hub pages. Texts not quoted in the
// package comment (the headings, the refusals, "Verify") are assumed.
var atlPages = newPageSet(atlLayout, map[string]string{
	"login": `{{define "content"}}<h1>{{.Title}}</h1>
<form data-testid="{{.V}}form-login" id="{{.V}}form-login" method="post" action="/login" novalidate>
<input type="hidden" name="step" value="{{.Step}}">
<input type="hidden" name="application" value="{{.App}}">
<input type="hidden" name="continue" value="{{.Continue}}">
{{with .Error}}<div data-testid="form-error--content" class="error" role="alert">{{.}}</div>{{end}}
<input id="{{.V}}username" name="username" data-testid="{{.V}}username" type="email" placeholder="Enter your email" autocomplete="username" value="{{.Email}}"{{if eq .Step "password"}} readonly{{end}}>
{{if eq .Step "password"}}<input id="{{.V}}password" name="password" data-testid="{{.V}}password" type="password" placeholder="Enter password" autocomplete="current-password">
<button id="{{.V}}login-submit" data-testid="{{.V}}login-submit-idf-testid" type="submit">Log in</button>
{{else}}<button id="{{.V}}login-submit" data-testid="{{.V}}login-submit-idf-testid" type="submit">Continue</button>{{end}}
</form>{{end}}`,

	"code": `{{define "content"}}<h1>Two-step verification</h1>
<form id="{{.V}}two-step-verification-form" method="post" action="/login">
<input type="hidden" name="step" value="code">
<input type="hidden" name="application" value="{{.App}}">
<input type="hidden" name="continue" value="{{.Continue}}">
<p>{{.Email}}</p>
{{with .Error}}<div class="error" role="alert">{{.}}</div>{{end}}
<label for="{{.V}}two-step-verification-otp-code-input">6-digit verification code</label>
<input id="{{.V}}two-step-verification-otp-code-input" name="otp" type="text" inputmode="numeric" maxlength="6" placeholder="6-digit verification code" autocomplete="one-time-code">
<button id="{{.V}}two-step-verification-submit" type="submit">Verify</button>
</form>{{end}}`,

	"signup": `{{define "content"}}<h1>Sign up to continue</h1>
<p>No Atlassian account uses {{.Email}}.</p>{{end}}`,

	"security": `{{define "content"}}<h1>Security</h1>
<h2>Two-step verification</h2>
<p>Manage two-step verification: authenticator app.</p>
<img id="totp-qr" alt="QR code for your authenticator app" width="256" height="256" src="{{.QR}}">
<details id="cant-scan"><summary>Can't scan the code?</summary><p>Setup key: <code id="setup-key">{{.SetupKey}}</code></p></details>{{end}}`,

	// The admin hub's overview is not described by any source; it holds
	// nothing of the real page.
	"admin": `{{define "content"}}<h1>{{.Title}}</h1><p>Signed in as {{.Email}}.</p>{{end}}`,

	"preview": `{{define "content"}}<h1>Billing</h1><p>{{.Org.Name}}</p>
<a data-test="{{.V}}manage-subscription-link" href="/o/{{.Org.ID}}/billing-preview/subscription">Manage subscription</a>{{end}}`,

	"subscription": `{{define "content"}}<h1>Billing</h1>
<nav><a data-testid="{{.V}}navigation-link.billingHistory" href="/o/{{.Org.ID}}/billing-preview/billing-history">Billing history</a></nav>{{end}}`,

	"history": `{{define "content"}}<h1>Billing history</h1>
<table data-testid="{{.V}}invoicesTable--table"><thead><tr><th>Invoice</th><th>Date</th><th>Total</th><th></th></tr></thead>
<tbody>{{range .Invoices}}<tr><td><div><div>{{.Number}}</div></div></td><td><div>{{.ShownDate}}</div></td><td><div>{{.Shown}}</div></td>
<td><a data-testid="downloadInvoiceButton" href="/o/{{$.Org.ID}}/billing-preview/invoices/{{.ID}}/download">Download</a></td></tr>
{{end}}</tbody></table>{{end}}`,

	"bitbucket": `{{define "content"}}<h1>Bitbucket</h1><p>Signed in as {{.Email}}.</p>
<p>The pages after sign-in are not publicly described in markup; this replica shows none of them.</p>{{end}}`,
}, nil)

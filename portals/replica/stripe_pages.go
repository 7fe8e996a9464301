package replica

import (
	"net/http"
	"net/url"
	"strings"
)

// The Stripe Dashboard's own pages. Sources (read 2026-12-06):
//   - vishal00074/automationTestingScript
//     sample_automation_scripts/old_Scripts/stripe.php (GetMyInvoices-style,
//     2025-05): /login with input[name=email], input[name=password],
//     input[name=remember], form button[type=submit]; refusals in
//     "form .Text-color--red" ("Incorrect email or password"); the code in
//     ".CodePuncher-controlInput[type=tel]" under
//     [data-testid=login-challenge-header]; the security-key prompt
//     ("[role=main] ... .ContentState .Spinner"); the e-mail link
//     verification ("Send verification", div.Dialog-content p, a link to
//     "how-do-i-complete-the-email-link-verification"); signed in when
//     button.db-UserMenu or a[href*="/settings"] shows; documents at
//     /account/documents as "tbody > tr" with a[href*=download], named by
//     the link's last path segment.
//   - a public Selenium page object (code index, repository not named):
//     input.CodePuncher-controlInput for the code.
//
// Not found in any source, and marked where used: the wording of a refused
// code, where the code form posts (here /login), how the digit boxes
// advance (here the next box takes the focus), the documents table's other
// columns and the download URL's shape (the script reads the link).
// Misbehaviour modes without a Stripe page (captcha, terms) change nothing;
// ChangedLayout renames the digit boxes' class, as a redesign would.

const stripeBase = "https://dashboard.stripe.com"

type stripeData struct {
	Title, Error, Email string
	Step                string // "", "code", "key", "verify"
	Changed, Signed     bool
	Invoices            []invoiceView
}

func stripePages(p *Portal, rs *Routes) {
	rs.Handle("GET", stripeBase+"/login", p.stripeLogin)
	rs.Handle("POST", stripeBase+"/login", p.stripeLoginSubmit)
	rs.Handle("GET", stripeBase+"/account/documents", p.stripeDocuments)
	rs.Handle("GET", stripeBase+"/account/documents/download/{id}", p.stripeDownload)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

func (p *Portal) stripeAuthed(w http.ResponseWriter, r *http.Request) *session {
	s, st := p.session(r)
	if s != nil && (st == stageIn || st == stageTerms) {
		return s
	}
	http.Redirect(w, r, stripeBase+"/login?redirect="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
	return nil
}

func stripeRedirect(r *http.Request) string {
	ret := r.FormValue("redirect")
	if !strings.HasPrefix(ret, "/") || strings.HasPrefix(ret, "//") {
		ret = "/account/documents"
	}
	return ret
}

func (p *Portal) stripeLogin(w http.ResponseWriter, r *http.Request) {
	stripePageSet.render(w, http.StatusOK, "login", &stripeData{Title: "Stripe: Sign in", Email: stripeRedirect(r)})
}

func (p *Portal) stripeLoginSubmit(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	ret := stripeRedirect(r)
	d := &stripeData{Title: "Stripe: Sign in", Email: ret, Changed: p.currentMode()&ChangedLayout != 0}
	if code, ok := r.PostForm["code"]; ok {
		s, st := p.session(r)
		if s == nil || st != stage2FA {
			http.Redirect(w, r, stripeBase+"/login", http.StatusFound)
			return
		}
		d.Step = "code"
		if !p.verifyCode(s, strings.Join(code, "")) {
			d.Error = "The code you entered is not valid."
			stripePageSet.render(w, http.StatusOK, "login", d)
			return
		}
		p.setStage(s, stageIn)
		http.Redirect(w, r, stripeBase+ret, http.StatusFound)
		return
	}
	u := p.lookup(r.PostForm.Get("email"))
	if !p.passwordOK(u, r.PostForm.Get("password")) {
		d.Error = "Incorrect email or password"
		stripePageSet.render(w, http.StatusOK, "login", d)
		return
	}
	_, st := p.signIn(w, r, u, r.PostForm.Get("remember") != "")
	switch {
	case st == stageIn:
		http.Redirect(w, r, stripeBase+ret, http.StatusFound)
		return
	case st == stageNewDevice:
		d.Step = "verify"
	case p.currentMode()&PushOnly != 0:
		d.Step = "key"
	default:
		d.Step = "code"
	}
	stripePageSet.render(w, http.StatusOK, "login", d)
}

func (p *Portal) stripeDocuments(w http.ResponseWriter, r *http.Request) {
	s := p.stripeAuthed(w, r)
	if s == nil {
		return
	}
	stripePageSet.render(w, http.StatusOK, "documents", &stripeData{Title: "Documents – Stripe", Signed: true, Invoices: p.invoiceViews(s.user)})
}

func (p *Portal) stripeDownload(w http.ResponseWriter, r *http.Request) {
	s := p.stripeAuthed(w, r)
	if s == nil {
		return
	}
	p.serveInvoicePDF(w, r, s.user, r.PathValue("id"), "Stripe Invoice")
}

const stripeLayout = `{{define "layout"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f9fc;color:#1a1f36;font-size:14px}
.db-Login-root{width:420px;margin:60px auto;background:#fff;border-radius:6px;box-shadow:0 15px 35px #3c42571f;padding:40px}
label{display:block;margin:14px 0 6px;font-weight:500}
input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:8px;border:1px solid #e3e8ee;border-radius:4px;font-size:15px}
.CodePuncher,.CodeInput{display:flex;gap:8px;margin:16px 0}
.CodePuncher input,.CodeInput input{width:44px;height:52px;text-align:center;font-size:22px;border:1px solid #e3e8ee;border-radius:4px}
button{margin-top:20px;width:100%;padding:9px;background:#635bff;color:#fff;border:0;border-radius:4px;font-size:15px;cursor:pointer}
.Text-color--red{color:#df1b41;display:block;margin-top:12px}
.db-Header{background:#fff;border-bottom:1px solid #e3e8ee;padding:12px 24px;display:flex;justify-content:space-between}
.db-UserMenu{width:auto;margin:0;background:none;color:#635bff}
main{max-width:960px;margin:24px auto;background:#fff;border-radius:6px;padding:24px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e3e8ee;padding:8px;text-align:left}
</style></head><body>
{{if .Signed}}<header class="db-Header"><strong>Stripe</strong><nav><a href="/settings">Settings</a> <button class="db-UserMenu" type="button">Account</button></nav></header>{{end}}
<div role="main">{{template "content" .}}</div>
</body></html>{{end}}`

var stripePageSet = newPageSet(stripeLayout, map[string]string{
	"login": `{{define "content"}}<div class="db-Login-root"><div><div><div>
{{if eq .Step "code"}}<form method="post" action="/login">
<input type="hidden" name="redirect" value="{{.Email}}">
<h1 data-testid="login-challenge-header">Enter the 6-digit code from your authenticator app</h1>
<div class="{{if .Changed}}CodeInput{{else}}CodePuncher{{end}}">{{range $i := 6}}<input class="{{if $.Changed}}CodeInput-field{{else}}CodePuncher-controlInput{{end}}" type="tel" maxlength="1" inputmode="numeric" autocomplete="{{if eq $i 0}}one-time-code{{else}}off{{end}}" aria-label="Digit {{$i}}">{{end}}</div>
<input type="hidden" name="code" value="">
{{with .Error}}<span class="Text-color--red">{{.}}</span>{{end}}
<button type="submit">Continue</button></form>
<script>
// One box per digit: a typed digit moves the focus to the next box, and
// the boxes together make the code the form posts.
(() => {
  const boxes = [...document.querySelectorAll('.CodePuncher input, .CodeInput input')];
  const form = boxes[0].form;
  boxes.forEach((box, i) => box.addEventListener('input', () => {
    box.value = box.value.replace(/\D/g, '').slice(-1);
    if (box.value && boxes[i + 1]) boxes[i + 1].focus();
  }));
  form.addEventListener('submit', () => { form.elements.code.value = boxes.map(b => b.value).join(''); });
})();
</script>
{{else if eq .Step "key"}}<div class="ContentState"><h1 data-testid="login-challenge-header">Use your security key</h1><p>Insert your security key and follow the instructions of your browser.</p><div class="Spinner" aria-label="Waiting for your security key"></div></div>
{{else if eq .Step "verify"}}<div class="Dialog-content"><p>To continue, verify your sign-in with the link we email you.</p>
<button type="button">Send verification</button>
<p><a href="https://support.stripe.com/questions/how-do-i-complete-the-email-link-verification">How do I complete the email link verification?</a></p></div>
{{else}}<h1>Sign in to your account</h1>
<form method="post" action="/login">
<input type="hidden" name="redirect" value="{{.Email}}">
<label>Email <input type="email" name="email" autocomplete="username"></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<label><input type="checkbox" name="remember" value="true"> Remember me on this device</label>
{{with .Error}}<span class="Text-color--red">{{.}}</span>{{end}}
<button type="submit">Sign in</button></form>{{end}}
</div></div></div></div>{{end}}`,

	"documents": `{{define "content"}}<main><h1>Documents</h1>
<table><thead><tr><th>Document</th><th>Date</th><th></th></tr></thead><tbody>
{{range .Invoices}}<tr><td>Invoice {{.Number}}</td><td>{{.ShownDate}}</td><td><a href="/account/documents/download/{{.ID}}">Download</a></td></tr>
{{else}}<tr><td colspan="3">No documents</td></tr>{{end}}
</tbody></table></main>{{end}}`,
}, nil)

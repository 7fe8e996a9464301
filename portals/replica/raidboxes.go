package replica

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// The Raidboxes dashboard (dashboard.raidboxes.de), German, as these
// public sources show it (read 2026-12-06):
//
//   - vishal00074/automationTestingScript sample_automation_scripts/
//     old_Scripts/raidboxes.php and raidboxes_init.php (a GetMyInvoices
//     script, Server-Portal-ID 19653, modified 2024-02-15): the invoices at
//     https://dashboard.raidboxes.de/rechnungen, which asks a browser
//     without a session to sign in; input[name="login"] / input#login and
//     input[name="password"] / input#password, sent with
//     #checkUserCredentials (or a form button[type="button"]); a refusal
//     in .toast-message, div.sm-padding-bottom or #login_form_errors whose
//     text names the password; the second factor in a modal,
//     #two_factor_verification_modal, its words in .modal_text_container,
//     the code in #user_entered_token (or
//     input[id="user-entered-token[otp_attempt]"]), sent with the modal's
//     button#submit; the Usercentrics banner (#usercentrics-root, its
//     uc-accept-all-button inside the shadow root); signed in when a link
//     to logout shows; the invoices as rows of #data table > tbody > tr,
//     the invoice number in the third cell, the amount (EUR) in the fifth,
//     a link whose address holds /rechnungen or /invoices that downloads
//     the PDF.
//   - helpcenter.raidboxes.de article 4277000 (two-factor authentication):
//     codes by app, e-mail or SMS (SMS only for paid accounts); the person
//     icon at the top right → Settings; for the Raidboxes account only, not
//     WordPress.
//   - helpcenter.raidboxes.de / intercom.help/raidboxes article 2513335:
//     the account menu at the top right (Verträge, Zahlarten); "Verträge &
//     Rechnungen" as the help centre's collection.
//   - portals/consent.go's sources: Usercentrics' uc-deny-all-button and
//     uc-accept-all-button in the open shadow root of #usercentrics-root.
//
// GUESSED, no source shows them: where a browser without a session is sent
// (here /login, the form posting its checks as JSON to /login/check and
// /login/two-factor), the labels and headings, the words of the password
// refusal (German, naming the password, in #login_form_errors) and of a
// refused code (in a .toast-message), the modal's text, the first, second
// and fourth cells of an invoice row (empty here; no source shows the
// invoice date), the invoice numbers' format, the download address
// (/rechnungen/{number}/pdf), the logout address, the banner's markup
// beyond its root, buttons and shadow root, the cookie names, and the
// replica's key page. What the modal asks when the account chose codes by
// e-mail or SMS is not known and not modelled.
const (
	raidboxesHost     = "https://dashboard.raidboxes.de"
	raidboxesInvoices = raidboxesHost + "/rechnungen"
	raidboxesLogin    = raidboxesHost + "/login"
)

func init() {
	register(&spec{
		ID: "raidboxes", Name: "Raidboxes", Lang: "de", Currency: "EUR", Color: "#2b2f8f",
		SessionCookie: "rb_session",
		Login:         loginSpec{URL: raidboxesLogin},
		Billing:       billingSpec{URL: raidboxesInvoices},
		Settings:      raidboxesHost + "/replica/raidboxes/two-factor",
		// The number is all a row names an invoice by, so it is the id too.
		Mint: func(sum []byte, seq int) (string, string) {
			n := fmt.Sprintf("RB-%d-%06d", 2026, (int(sum[0])<<8|int(sum[1]))%100000+seq)
			return n, n
		},
		Pages: raidboxesPages,
	})
}

type raidboxes struct {
	p     *Portal
	pages pageSet
}

type raidboxesData struct {
	Email    string
	Invoices []invoiceView
}

func raidboxesPages(p *Portal, rs *Routes) {
	rb := &raidboxes{p: p, pages: newPageSet(raidboxesLayout, raidboxesPageSources, nil)}
	rs.Handle("GET", raidboxesLogin, rb.login)
	rs.Handle("POST", raidboxesHost+"/login/check", rb.check)
	rs.Handle("POST", raidboxesHost+"/login/two-factor", rb.twoFactor)
	rs.Handle("GET", raidboxesInvoices, rb.invoices)
	rs.Handle("GET", raidboxesInvoices+"/{id}/pdf", rb.pdf)
	rs.Handle("GET", raidboxesHost+"/logout", rb.logout)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

func (rb *raidboxes) authed(w http.ResponseWriter, r *http.Request) *session {
	if s, st := rb.p.session(r); s != nil && st == stageIn {
		return s
	}
	http.Redirect(w, r, raidboxesLogin, http.StatusFound)
	return nil
}

func (rb *raidboxes) login(w http.ResponseWriter, r *http.Request) {
	if s, st := rb.p.session(r); s != nil && st == stageIn {
		http.Redirect(w, r, raidboxesInvoices, http.StatusFound)
		return
	}
	rb.pages.render(w, http.StatusOK, "login", &raidboxesData{})
}

// raidboxesAnswer is what the sign-in's checks answer the page's script.
type raidboxesAnswer struct {
	Status  string `json:"status"` // "ok", "two_factor" or "error"
	Message string `json:"message,omitempty"`
	Next    string `json:"next,omitempty"`
}

func raidboxesJSON(w http.ResponseWriter, a raidboxesAnswer) {
	b, _ := json.Marshal(a)
	writeJSON(w, http.StatusOK, b)
}

// check takes the credentials: signed in, on to the second factor, or
// refused.
func (rb *raidboxes) check(w http.ResponseWriter, r *http.Request) {
	p := rb.p
	_ = r.ParseForm()
	u := p.lookup(r.PostForm.Get("login"))
	if !p.passwordOK(u, r.PostForm.Get("password")) {
		raidboxesJSON(w, raidboxesAnswer{Status: "error", Message: "E-Mail-Adresse oder Passwort ist falsch."})
		return
	}
	if _, st := p.signIn(w, r, u, false); st == stageIn {
		raidboxesJSON(w, raidboxesAnswer{Status: "ok", Next: raidboxesInvoices})
		return
	}
	raidboxesJSON(w, raidboxesAnswer{Status: "two_factor"})
}

func (rb *raidboxes) twoFactor(w http.ResponseWriter, r *http.Request) {
	p := rb.p
	_ = r.ParseForm()
	s, st := p.session(r)
	if s == nil || st != stage2FA {
		raidboxesJSON(w, raidboxesAnswer{Status: "error", Message: "Bitte melde dich erneut an."})
		return
	}
	if !p.verifyCode(s, r.PostForm.Get("user[otp_attempt]")) {
		raidboxesJSON(w, raidboxesAnswer{Status: "error", Message: "Der Code ist ungültig."})
		return
	}
	raidboxesJSON(w, raidboxesAnswer{Status: "ok", Next: raidboxesInvoices})
}

func (rb *raidboxes) invoices(w http.ResponseWriter, r *http.Request) {
	s := rb.authed(w, r)
	if s == nil {
		return
	}
	rb.pages.render(w, http.StatusOK, "invoices", &raidboxesData{Email: s.user.email, Invoices: rb.p.invoiceViews(s.user)})
}

func (rb *raidboxes) pdf(w http.ResponseWriter, r *http.Request) {
	s := rb.authed(w, r)
	if s == nil {
		return
	}
	rb.p.serveInvoicePDF(w, r, s.user, r.PathValue("id"), "Raidboxes GmbH Rechnung")
}

func (rb *raidboxes) logout(w http.ResponseWriter, r *http.Request) {
	rb.p.signOut(w, r)
	http.Redirect(w, r, raidboxesLogin, http.StatusFound)
}

// raidboxesBanner is a Usercentrics banner in the open shadow root of
// #usercentrics-root; either button closes it for the rest of the visit.
const raidboxesBanner = `<div id="usercentrics-root"></div>
<script>
(() => {
  if (document.cookie.includes('uc_replica=')) { document.getElementById('usercentrics-root').remove(); return; }
  const root = document.getElementById('usercentrics-root').attachShadow({mode: 'open'});
  root.innerHTML = '<div style="position:fixed;bottom:0;left:0;right:0;background:#fff;padding:14px 24px;box-shadow:0 -2px 10px #0003">' +
    '<p>Wir verwenden Cookies.</p>' +
    '<button data-testid="uc-deny-all-button">Ablehnen</button> <button data-testid="uc-accept-all-button">Alle akzeptieren</button></div>';
  for (const b of root.querySelectorAll('button')) b.addEventListener('click', () => {
    document.cookie = 'uc_replica=' + b.dataset.testid + '; path=/';
    document.getElementById('usercentrics-root').remove();
  });
})();
</script>`

const raidboxesLayout = `{{define "layout"}}<!doctype html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Raidboxes Dashboard</title>
<style>
body{font-family:Inter,Arial,sans-serif;margin:0;background:#f3f4f9;color:#1d1f4e}
.card{max-width:420px;margin:60px auto;background:#fff;padding:28px 32px;border-radius:8px;box-shadow:0 2px 10px #0002}
.card label{display:block;margin:12px 0 4px}
.card input{width:100%;padding:9px;font-size:16px;box-sizing:border-box}
.card button,#two_factor_verification_modal button{margin-top:16px;width:100%;padding:10px;font-size:16px;background:#2b2f8f;color:#fff;border:0;border-radius:4px}
#login_form_errors{color:#b3261e;margin:8px 0}
#two_factor_verification_modal{position:fixed;top:18%;left:50%;transform:translateX(-50%);background:#fff;padding:24px;min-width:360px;box-shadow:0 4px 24px #0005;border-radius:8px}
.toast-message{position:fixed;top:16px;right:16px;background:#b3261e;color:#fff;padding:10px 16px;border-radius:4px}
header{display:flex;justify-content:space-between;background:#2b2f8f;color:#fff;padding:12px 24px}header a{color:#fff}
main{max-width:1000px;margin:24px auto;background:#fff;padding:20px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e1e3ef;padding:8px;text-align:left}
</style></head>
<body>{{template "content" .}}` + raidboxesBanner + `</body></html>{{end}}`

var raidboxesPageSources = map[string]string{
	"login": `{{define "content"}}<div class="card"><h1>Anmelden</h1>
<form id="login_form" onsubmit="return false">
<div id="login_form_errors" hidden></div>
<label for="login">E-Mail-Adresse</label>
<input type="email" id="login" name="login" autocomplete="username">
<label for="password">Passwort</label>
<input type="password" id="password" name="password" autocomplete="current-password">
<button type="button" id="checkUserCredentials">Anmelden</button>
</form></div>
<div id="two_factor_verification_modal" hidden>
<div class="modal_text_container"><p>Bitte gib den Code aus deiner Authenticator-App ein.</p></div>
<input type="text" id="user_entered_token" name="user[otp_attempt]" autocomplete="one-time-code" inputmode="numeric">
<button type="button" id="submit">Bestätigen</button>
</div>
<script>
(() => {
  const post = async (path, body) => (await fetch(path, {method: 'POST', body: new URLSearchParams(body)})).json();
  const toast = (text) => {
    for (const t of document.querySelectorAll('.toast-message')) t.remove();
    const t = document.createElement('div');
    t.className = 'toast-message';
    t.textContent = text;
    document.body.appendChild(t);
  };
  const modal = document.getElementById('two_factor_verification_modal');
  document.getElementById('checkUserCredentials').addEventListener('click', async () => {
    const a = await post('/login/check', {login: document.getElementById('login').value, password: document.getElementById('password').value});
    const errors = document.getElementById('login_form_errors');
    errors.hidden = true;
    if (a.status === 'ok') { location.href = a.next; return; }
    if (a.status === 'two_factor') { modal.hidden = false; document.getElementById('user_entered_token').focus(); return; }
    errors.textContent = a.message;
    errors.hidden = false;
  });
  document.getElementById('submit').addEventListener('click', async () => {
    const field = document.getElementById('user_entered_token');
    const a = await post('/login/two-factor', {'user[otp_attempt]': field.value});
    if (a.status === 'ok') { location.href = a.next; return; }
    field.value = '';
    toast(a.message);
  });
})();
</script>{{end}}`,

	"invoices": `{{define "content"}}<header><span>Raidboxes</span><span>{{.Email}} · <a href="/logout">Abmelden</a></span></header>
<main><h1>Rechnungen</h1>
<div id="data"><table><thead><tr><th></th><th></th><th>Rechnungsnummer</th><th></th><th>Betrag</th><th></th></tr></thead>
<tbody>{{range .Invoices}}<tr><td></td><td></td><td>{{.Number}}</td><td></td><td>{{.Shown}}</td><td><a href="/rechnungen/{{.ID}}/pdf">PDF</a></td></tr>
{{end}}</tbody></table></div></main>{{end}}`,
}

package replica

import (
	"net/http"
	"strconv"
	"strings"
)

// DonDominio (MrDomain in English), the Spanish domain registrar. What
// public sources show (read 2026-12-06):
//
//   - A public Selenium script in the code index (repository not named
//     there) signs in at https://www.dondominio.com/admin/: the user name
//     goes into the custom element dd-input[name="user"] and the password
//     into dd-password[name="password"], each holding the real <input> in
//     an open shadow root; then button[type=submit]. When a second step is
//     asked, the page has an element of class input-2fa-code and six
//     one-digit inputs named code-sub-1 … code-sub-6, sent with
//     button.btn.btn-dark.btn-lg.btn-block[type=submit]. Signed in, the
//     domain list is at https://www.dondominio.com/admin/domains/list/ with
//     a filter input[name=filterName]. That script reads the code from an
//     e-mail sent by info@dondominio.com.
//   - aegis-icons issue 766 (2022-12): DonDominio's two-step sign-in works
//     with an authenticator app, citing dondominio.blog's announcement
//     "autenticación en dos pasos ya disponible" (not itself in the corpora).
//   - dondominio/sdk-php: the customer area lives under /admin/ (the API
//     settings at /admin/account/api/); the API's modules (account,
//     contact, domain, service, ssl, tool, user) hold no invoices.
//
// GUESSED, no source shows them: that a code from the authenticator app
// is asked on the same six-box page as the e-mailed one; where the forms
// post (back to /admin/ here) and how the values typed into the shadow
// inputs reach the server (copied into hidden fields here); every text
// (title, headings, labels, buttons); the refusals (a Bootstrap alert with
// role=alert) and their wording; that a browser signed in lands on the
// domain list; the session cookie's name; the replica's key page. No
// source shows where DonDominio's own invoices to the account are, so the
// replica has none to list.
const dondominioBase = "https://www.dondominio.com"

func init() {
	register(&spec{
		ID: "dondominio", Name: "DonDominio", Color: "#0a2240", Lang: "es", Currency: "EUR",
		SessionCookie: "dd_session",
		Login:         loginSpec{URL: dondominioBase + "/admin/"},
		Billing:       billingSpec{URL: dondominioBase + "/admin/domains/list/"},
		Settings:      dondominioBase + "/replica/dondominio/security",
		Pages:         dondominioPages,
	})
}

type dondominio struct {
	p     *Portal
	pages pageSet
}

type dondominioData struct {
	V, Error string
	Step     string // "password" or "code"
	Boxes    []int
}

func dondominioPages(p *Portal, rs *Routes) {
	d := &dondominio{p: p, pages: newPageSet(dondominioLayout, dondominioPageSources, nil)}
	rs.Handle("GET", dondominioBase+"/admin/", d.admin)
	rs.Handle("POST", dondominioBase+"/admin/", d.adminPost)
	rs.Handle("GET", dondominioBase+"/admin/domains/list/", d.domains)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

func (d *dondominio) data(step, msg string) *dondominioData {
	return &dondominioData{V: d.p.layoutPrefix(), Step: step, Error: msg, Boxes: []int{1, 2, 3, 4, 5, 6}}
}

func (d *dondominio) admin(w http.ResponseWriter, r *http.Request) {
	if s, st := d.p.session(r); s != nil && st == stageIn {
		http.Redirect(w, r, dondominioBase+"/admin/domains/list/", http.StatusFound)
		return
	}
	d.pages.render(w, http.StatusOK, "admin", d.data("password", ""))
}

// adminPost takes the user name and password, and then the code typed one
// digit per box.
func (d *dondominio) adminPost(w http.ResponseWriter, r *http.Request) {
	p := d.p
	_ = r.ParseForm()
	v := p.layoutPrefix()
	if s, st := p.session(r); s != nil && st == stage2FA && r.PostForm.Has(v+"code-sub-1") {
		var code strings.Builder
		for i := 1; i <= 6; i++ {
			code.WriteString(r.PostForm.Get(v + "code-sub-" + strconv.Itoa(i)))
		}
		if !p.verifyCode(s, code.String()) {
			d.pages.render(w, http.StatusOK, "admin", d.data("code", "El código introducido no es válido."))
			return
		}
		http.Redirect(w, r, dondominioBase+"/admin/domains/list/", http.StatusFound)
		return
	}
	u := p.lookup(r.PostForm.Get("user"))
	if !p.passwordOK(u, r.PostForm.Get("password")) {
		d.pages.render(w, http.StatusOK, "admin", d.data("password", "Usuario o contraseña incorrectos."))
		return
	}
	if _, st := p.signIn(w, r, u, false); st == stageIn {
		http.Redirect(w, r, dondominioBase+"/admin/domains/list/", http.StatusFound)
		return
	}
	d.pages.render(w, http.StatusOK, "admin", d.data("code", ""))
}

func (d *dondominio) domains(w http.ResponseWriter, r *http.Request) {
	if s, st := d.p.session(r); s == nil || st != stageIn {
		http.Redirect(w, r, dondominioBase+"/admin/", http.StatusFound)
		return
	}
	d.pages.render(w, http.StatusOK, "domains", d.data("", ""))
}

const dondominioLayout = `{{define "layout"}}<!doctype html>
<html lang="es"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>DonDominio</title>
<meta name="replica" content="the sign-in's fields and code boxes are those a public script uses; texts, refusals and page layout are guesses">
<style>
body{font-family:Helvetica,Arial,sans-serif;margin:0;color:#222}
.card{max-width:400px;margin:60px auto;padding:32px;border:1px dashed #999}
.input-2fa-code{display:flex;gap:8px;margin:12px 0 20px}
.input-2fa-code input{width:40px;font-size:22px;text-align:center}
.btn-block{width:100%;padding:11px;font-size:15px;background:#222;color:#fff;border:0}
.alert-danger{color:#b00020;margin-bottom:12px}
</style></head>
<body>{{template "content" .}}</body></html>{{end}}`

var dondominioPageSources = map[string]string{
	"admin": `{{define "content"}}<div class="card">
{{if eq .Step "password"}}<h1>Acceso clientes</h1>
<form method="post" action="/admin/" id="login">
{{with .Error}}<div class="alert alert-danger" role="alert">{{.}}</div>{{end}}
<label>Usuario <dd-input name="{{.V}}user"></dd-input></label>
<label>Contraseña <dd-password name="{{.V}}password"></dd-password></label>
<input type="hidden" name="user"><input type="hidden" name="password">
<button type="submit" class="btn btn-dark btn-lg btn-block">Acceder</button>
</form>
<script>
for (const [tag, type, hint] of [['dd-input', 'text', 'username'], ['dd-password', 'password', 'current-password']]) {
  customElements.define(tag, class extends HTMLElement {
    constructor() {
      super();
      const input = document.createElement('input');
      input.type = type;
      input.autocomplete = hint;
      this.attachShadow({mode: 'open'}).appendChild(input);
    }
    get value() { return this.shadowRoot.querySelector('input').value; }
  });
}
document.getElementById('login').addEventListener('submit', (e) => {
  e.target.elements.user.value = document.querySelector('dd-input').value;
  e.target.elements.password.value = document.querySelector('dd-password').value;
});
</script>
{{else}}<h1>Verificación en dos pasos</h1>
<form method="post" action="/admin/">
{{with .Error}}<div class="alert alert-danger" role="alert">{{.}}</div>{{end}}
<p>Introduce el código de verificación.</p>
<div class="input-2fa-code">{{range .Boxes}}<input type="text" name="{{$.V}}code-sub-{{.}}" maxlength="1" inputmode="numeric" autocomplete="off">{{end}}</div>
<button type="submit" class="btn btn-dark btn-lg btn-block">Verificar</button>
</form>{{end}}
</div>{{end}}`,

	"domains": `{{define "content"}}<div class="card"><h1>Dominios</h1>
<form method="get"><input type="text" name="filterName" placeholder="Buscar dominio"></form>
<p>No hay dominios.</p></div>{{end}}`,
}

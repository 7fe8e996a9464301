package replica

import (
	"fmt"
	"html/template"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
)

// Microsoft's sign-in, shared by Office 365 (work accounts on
// login.microsoftonline.com, then the Microsoft 365 admin center) and
// Microsoft Ads (Microsoft accounts on login.live.com, then
// ads.microsoft.com). One implementation of the converged sign-in pages
// serves both login hosts; each portal keeps its own users and sessions.
//
// Sources (read 2026-12-06):
//   - embulldogs99/RapidfireGG mscheck.py: login.live.com/login.srf, the
//     username field #i0116, the password field #i0118, and #idSIButton9
//     as the button of both steps;
//   - Sachin7013/Sample-RPA-tool- mfa_check.py: login.microsoftonline.com
//     with #i0116 and #idSIButton9; the second-step texts "Approve sign in
//     request" and "Enter code";
//   - enjesl/PA locators/admin/MicrosoftLoginLocators.ts: the code field
//     input[name="otc"], "Stay signed in?" answered by input#idSIButton9
//     (yes) or input#idBtn_Back (no), #idDiv_SAOTCAS_Title on the
//     app-approval page;
//   - TheNetsky/Microsoft-Rewards-Script src/functions/Login.ts: the
//     number to match shown while Microsoft waits for the Authenticator
//     app (#displaySign on the newer login.live.com pages), the "Stay
//     signed in?" page after the second step;
//   - sensepost/ctf-challenges (a saved copy of the Office 365 sign-in,
//     hackthebox/.../phish_templates/microsoft/template.php): form f1
//     (#i0281), the heading "Sign in", the placeholder "Email, phone, or
//     Skype", the hand-back to www.office.com as response_mode=form_post
//     with response_type=code+id_token;
//   - open-source scrapers in the code index whose repositories are not
//     named there: name="loginfmt" and name="passwd";
//     #passwordError "Your account or password is incorrect. If you don't
//     remember your password, reset it now."; #idA_PWD_ForgotPassword;
//     a#signInAnotherWay "I can't use my Microsoft Authenticator app right
//     now"; the "Verify your identity" list #idDiv_SAOTCS_Proofs with tiles
//     [data-value="PhoneAppNotification"] ("Approve a request on my
//     Microsoft Authenticator app") and [data-value="PhoneAppOTP"] ("Use a
//     verification code from my mobile app"); #idTxtBx_SAOTCC_OTC,
//     #idSubmit_SAOTCC_Continue ("Verify"), the refusal "You didn't enter
//     the expected verification code." in #idSpan_SAOTCC_Error_OTC; the
//     number to match in #idRichContext_DisplaySign; #KmsiCheckboxField.
//
// Assumed wording, found in no source: the password view's heading "Enter
// password", "Forgot my password", the placeholders "Password" and "Code",
// the label "Don't show this again".
//
// How the real pages move between these views is not reproduced: they are
// one script-driven page that asks GetCredentialType.srf and the SAS
// endpoints in the background; here each view is a page of its own, posted
// to the sign-in path with a field "view" that is the replica's own. Not
// modelled, for want of evidence: the unknown-account message (an unknown
// address goes on to the password view and is refused there), the "don't
// ask again" box of the code view, passkey and passwordless prompts, the
// newer login.live.com markup (data-testid attributes, button[type=submit])
// that Microsoft is rolling out, work accounts signing in to Microsoft Ads
// (login.microsoftonline.com belongs to the Office 365 replica), the pages
// after sign-in: neither the admin center's Billing > Bills & payments nor
// Microsoft Advertising's billing pages are publicly described in markup,
// so the replica shows a bare landing page and no documents. Modes
// Captcha, NewDevice, Terms and ChangedLayout change nothing here.
func init() {
	register(&spec{
		ID: "office365", Name: "Office 365", Lang: "en", Currency: "EUR", Color: "#0078d4",
		SessionCookie: "replica-session",
		DeviceCookie:  "replica-device",
		Login:         loginSpec{URL: office365Login.base + office365Login.path},
		Billing:       billingSpec{URL: office365Login.app + "/"},
		Pages:         func(p *Portal, rs *Routes) { office365Login.routes(p, rs) },
	})
	register(&spec{
		ID: "microsoft-ads", Name: "Microsoft Ads", Lang: "en", Currency: "EUR", Color: "#0078d4",
		SessionCookie: "replica-session",
		DeviceCookie:  "replica-device",
		Login:         loginSpec{URL: msAdsLogin.base + msAdsLogin.path},
		Billing:       billingSpec{URL: msAdsLogin.app + "/"},
		Pages:         func(p *Portal, rs *Routes) { msAdsLogin.routes(p, rs) },
	})
}

// msSignin is one login host of the shared sign-in and the product it
// hands the browser back to.
type msSignin struct {
	base, path string // the sign-in page
	app        string // the product's origin, where the sign-in posts back
	product    string // the product's page title
}

var (
	office365Login = &msSignin{base: "https://login.microsoftonline.com", path: "/common/oauth2/v2.0/authorize",
		app: "https://admin.microsoft.com", product: "Microsoft 365 admin center"}
	msAdsLogin = &msSignin{base: "https://login.live.com", path: "/login.srf",
		app: "https://ads.microsoft.com", product: "Microsoft Advertising"}
)

// msHandoffs are the one-time codes the sign-in posts to the product, as
// Microsoft's form_post hands back a code and id_token.
var msHandoffs = struct {
	sync.Mutex
	m map[string]msHandoff
}{m: map[string]msHandoff{}}

type msHandoff struct {
	p    *Portal
	s    *session
	keep bool
}

type msView struct {
	Title, Email, Error, Number, Product, Action, App, Code string
	Other                                                   bool // "I can't use my Microsoft Authenticator app right now"
}

func (m *msSignin) routes(p *Portal, rs *Routes) {
	rs.Handle("GET", m.base+m.path, func(w http.ResponseWriter, r *http.Request) {
		msPages.render(w, http.StatusOK, "username", m.view(""))
	})
	rs.Handle("POST", m.base+m.path, func(w http.ResponseWriter, r *http.Request) { m.post(p, w, r) })
	rs.Handle("GET", m.app+"/", func(w http.ResponseWriter, r *http.Request) { m.landing(p, w, r) })
	rs.Handle("POST", m.app+"/", func(w http.ResponseWriter, r *http.Request) { m.handBack(p, w, r) })
}

func (m *msSignin) view(email string) *msView {
	return &msView{Title: "Sign in to your account", Email: email, Action: m.path, Product: m.product, App: m.app}
}

// post answers each view's form.
func (m *msSignin) post(p *Portal, w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f := r.PostForm
	d := m.view(strings.TrimSpace(f.Get("loginfmt")))
	switch f.Get("view") {
	case "", "username":
		if d.Email == "" {
			msPages.render(w, http.StatusOK, "username", d)
			return
		}
		msPages.render(w, http.StatusOK, "password", d)
	case "password":
		u := p.lookup(d.Email)
		if !p.passwordOK(u, f.Get("passwd")) {
			d.Error = "Your account or password is incorrect. If you don't remember your password, reset it now."
			msPages.render(w, http.StatusOK, "password", d)
			return
		}
		if _, st := p.signIn(w, r, u, false); st == stageIn {
			m.kmsi(w, d)
			return
		}
		// The Authenticator notification is the default second step; an
		// account with no other method has no way around it.
		d.Number = fmt.Sprint(10 + rand.IntN(90))
		d.Other = p.currentMode()&PushOnly == 0
		msPages.render(w, http.StatusOK, "push", d)
	case "proof":
		if m.pending(p, w, r, d) == nil {
			return
		}
		if f.Get("proof") != "PhoneAppOTP" {
			d.Number = fmt.Sprint(10 + rand.IntN(90))
			d.Other = p.currentMode()&PushOnly == 0
			msPages.render(w, http.StatusOK, "push", d)
			return
		}
		msPages.render(w, http.StatusOK, "code", d)
	case "code":
		s := m.pending(p, w, r, d)
		if s == nil {
			return
		}
		if !p.verifyCode(s, f.Get("otc")) {
			d.Error = "You didn't enter the expected verification code."
			msPages.render(w, http.StatusOK, "code", d)
			return
		}
		p.setStage(s, stageIn)
		m.kmsi(w, d)
	case "kmsi":
		s, st := p.session(r)
		if s == nil || st != stageIn {
			http.Redirect(w, r, m.base+m.path, http.StatusFound)
			return
		}
		code := token()
		msHandoffs.Lock()
		msHandoffs.m[code] = msHandoff{p: p, s: s, keep: f.Get("kmsi") == "yes"}
		msHandoffs.Unlock()
		d.Code = code
		msPages.render(w, http.StatusOK, "handback", d)
	default:
		http.Error(w, "unknown view", http.StatusBadRequest)
	}
}

func (m *msSignin) kmsi(w http.ResponseWriter, d *msView) {
	msPages.render(w, http.StatusOK, "kmsi", d)
}

// pending returns the session waiting for its second step, or starts the
// sign-in again.
func (m *msSignin) pending(p *Portal, w http.ResponseWriter, r *http.Request, d *msView) *session {
	s, st := p.session(r)
	if s == nil || st != stage2FA {
		msPages.render(w, http.StatusOK, "username", m.view(""))
		return nil
	}
	d.Email = s.user.email
	return s
}

// handBack receives the sign-in's form_post on the product's origin and
// opens the product's session there; "Stay signed in?" answered yes makes
// it outlast the browser.
func (m *msSignin) handBack(p *Portal, w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	code := r.PostForm.Get("code")
	msHandoffs.Lock()
	h, ok := msHandoffs.m[code]
	delete(msHandoffs.m, code)
	msHandoffs.Unlock()
	if !ok || h.p != p {
		http.Redirect(w, r, m.base+m.path, http.StatusFound)
		return
	}
	p.startSession(w, h.s, h.keep)
	http.Redirect(w, r, m.app+"/", http.StatusFound)
}

// landing is the product's first page after sign-in. Its real markup is
// not publicly described, so it holds no element of the real product.
func (m *msSignin) landing(p *Portal, w http.ResponseWriter, r *http.Request) {
	s, st := p.session(r)
	if s == nil || st != stageIn {
		http.Redirect(w, r, m.base+m.path, http.StatusFound)
		return
	}
	d := m.view(s.user.email)
	d.Title = m.product
	msPages.render(w, http.StatusOK, "landing", d)
}

const msLayout = `{{define "layout"}}<!DOCTYPE html>
<html dir="ltr" class="" lang="en"><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>{{.Title}}</title><meta name="robots" content="none">
<meta name="viewport" content="width=device-width, initial-scale=1.0, maximum-scale=2.0, user-scalable=yes">
<style>
body{font-family:"Segoe UI","Helvetica Neue",Arial,sans-serif;margin:0;background:#f2f2f2;color:#1b1b1b;font-size:15px}
.inner{max-width:440px;margin:60px auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
.logo{font-weight:600;color:#737373;margin-bottom:16px}
.text-title{font-size:24px;font-weight:600;margin:16px 0 12px}
.form-control{width:100%;box-sizing:border-box;border:0;border-bottom:1px solid #666;padding:6px 0;font-size:15px;margin:12px 0}
.win-button{min-width:108px;padding:6px 12px;border:0;font-size:15px;cursor:pointer}
.button_primary{background:#0067b8;color:#fff}
.error{color:#e81123;margin:8px 0}
.table{display:block;border-top:1px solid #ddd;padding:12px 0;cursor:pointer}
.displaySign{font-size:40px;font-weight:600;text-align:center;margin:16px 0}
a{color:#0067b8}
.buttons{display:flex;justify-content:flex-end;gap:8px;margin-top:24px}
</style></head>
<body class="cb"><div class="inner"><div class="logo">Microsoft</div>
{{template "content" .}}
</div></body></html>{{end}}`

var msPages = newPageSet(msLayout, map[string]string{
	"username": `{{define "content"}}<form name="f1" id="i0281" method="post" action="{{.Action}}" autocomplete="off">
<input type="hidden" name="view" value="username">
<div class="row text-title" id="loginHeader" role="heading"><div aria-level="1">Sign in</div></div>
<div role="alert" aria-live="assertive"></div>
<input type="email" name="loginfmt" id="i0116" maxlength="113" class="form-control ltr_override" aria-describedby="usernameError loginHeader" aria-required="true" placeholder="Email, phone, or Skype" aria-label="Enter your email, phone, or Skype." value="{{.Email}}">
<div class="buttons"><input type="submit" id="idSIButton9" class="win-button button_primary" value="Next"></div>
</form>{{end}}`,

	"password": `{{define "content"}}<form name="f1" id="i0281" method="post" action="{{.Action}}" autocomplete="off">
<input type="hidden" name="view" value="password">
<input type="hidden" name="loginfmt" value="{{.Email}}">
<div id="displayName" class="identity">{{.Email}}</div>
<div class="row text-title" id="loginHeader" role="heading"><div aria-level="1">Enter password</div></div>
<div role="alert" aria-live="assertive">{{with .Error}}<div id="passwordError" class="error">{{.}}</div>{{end}}</div>
<input name="passwd" type="password" id="i0118" autocomplete="off" class="form-control" aria-required="true" placeholder="Password" aria-label="Enter the password for {{.Email}}">
<div><a id="idA_PWD_ForgotPassword" role="link" href="#">Forgot my password</a></div>
<div class="buttons"><input type="submit" id="idSIButton9" class="win-button button_primary" value="Sign in"></div>
</form>{{end}}`,

	"push": `{{define "content"}}<form name="f1" id="i0281" method="post" action="{{.Action}}">
<input type="hidden" name="view" value="proof"><input type="hidden" name="proof" value="">
<div id="idDiv_SAOTCAS_View">
<div id="displayName" class="identity">{{.Email}}</div>
<div id="idDiv_SAOTCAS_Title" class="row text-title" role="heading" aria-level="1">Approve sign in request</div>
<div id="idRichContext_DisplaySign" class="displaySign">{{.Number}}</div>
{{if .Other}}<div><a id="signInAnotherWay" href="#">I can't use my Microsoft Authenticator app right now</a></div>{{end}}
</div>
{{if .Other}}<div id="idDiv_SAOTCS_View" style="display:none">
<div class="row text-title" role="heading" aria-level="1">Verify your identity</div>
<div id="idDiv_SAOTCS_Proofs">
<div class="table" role="button" tabindex="0" data-value="PhoneAppNotification"><div class="table-row"><div class="table-cell text-left content"><div>Approve a request on my Microsoft Authenticator app</div></div></div></div>
<div class="table" role="button" tabindex="0" data-value="PhoneAppOTP"><div class="table-row"><div class="table-cell text-left content"><div>Use a verification code from my mobile app</div></div></div></div>
</div></div>
<script>
document.getElementById('signInAnotherWay').addEventListener('click', ev => {
  ev.preventDefault();
  document.getElementById('idDiv_SAOTCAS_View').style.display = 'none';
  document.getElementById('idDiv_SAOTCS_View').style.display = '';
});
document.querySelectorAll('#idDiv_SAOTCS_Proofs [data-value]').forEach(tile => tile.addEventListener('click', () => {
  const f = document.forms.f1;
  f.proof.value = tile.dataset.value;
  f.submit();
}));
</script>{{end}}
</form>{{end}}`,

	"code": `{{define "content"}}<form name="f1" id="i0281" method="post" action="{{.Action}}" autocomplete="off">
<input type="hidden" name="view" value="code">
<div id="displayName" class="identity">{{.Email}}</div>
<div id="idDiv_SAOTCC_Title" class="row text-title" role="heading" aria-level="1">Enter code</div>
{{with .Error}}<div id="idSpan_SAOTCC_Error_OTC" class="error" role="alert">{{.}}</div>{{end}}
<input name="otc" type="tel" id="idTxtBx_SAOTCC_OTC" class="form-control" maxlength="6" autocomplete="off" aria-label="Code" placeholder="Code">
<div class="buttons"><input type="submit" id="idSubmit_SAOTCC_Continue" class="win-button button_primary" value="Verify"></div>
</form>{{end}}`,

	"kmsi": `{{define "content"}}<form name="f1" id="i0281" method="post" action="{{.Action}}">
<input type="hidden" name="view" value="kmsi"><input type="hidden" name="kmsi" value="">
<div id="displayName" class="identity">{{.Email}}</div>
<div class="row text-title" role="heading" aria-level="1">Stay signed in?</div>
<label><input type="checkbox" id="KmsiCheckboxField"> Don't show this again</label>
<div class="buttons">
<input type="button" id="idBtn_Back" class="win-button" value="No" onclick="this.form.kmsi.value='no'; this.form.submit()">
<input type="submit" id="idSIButton9" class="win-button button_primary" value="Yes" onclick="this.form.kmsi.value='yes'">
</div>
</form>{{end}}`,

	"handback": `{{define "content"}}<form name="hiddenform" method="post" action="{{.App}}/">
<input type="hidden" name="code" value="{{.Code}}">
<noscript><input type="submit" value="Continue"></noscript>
</form>
<script>document.forms.hiddenform.submit();</script>{{end}}`,

	"landing": `{{define "content"}}<div id="replica-landing">
<p>{{.Product}}: signed in as {{.Email}}.</p>
<p>The pages after sign-in are not publicly described in markup; this replica shows none of them.</p>
</div>{{end}}`,
}, template.FuncMap{})

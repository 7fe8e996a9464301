package replica

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// Zoom's web portal (zoom.us) as these public sources show it (read
// 2026-12-06):
//
//   - invoiceradar/plugins, plugins/zoom.json: sign-in at /signin#/login
//     (a single-page app), #avator-profile on /myhome once signed in, the
//     payment history at /billing/report with .ph-invoice-table, the
//     invoice number as a button in the second column, the date in the
//     third, the total in the fifth, and the PDF at
//     /billing/payment-history/v1/invoicepdf?invoiceNumber=…; the plugin
//     uses a per-account cluster host (us06web.zoom.us), the replica
//     serves zoom.us;
//   - a public Zoom automation's config.py and zoom_login.py (found by
//     exact-string search; the index does not name the repository): #email,
//     #password, #js_btn_login (enabled once both are filled), errors in
//     div.zm-message.zm-message--error ("An error with reCAPTCHA occured"),
//     /profile or /dashboard once signed in, and the unusual-sign-in code
//     page at /signin/otp/verify_help;
//   - Be3751/KRManager access.py: #login-form > div:nth-child(4) > div >
//     div.signin > button;
//   - support.zoom.com KB0063038 and support.zoom.us 207276556: Payment
//     History lists invoices by number (always starting with INV), with a
//     checkbox, a status (Open, Collected) and a PDF per invoice;
//   - corporatemeetinghelp.com: Zoom asks for a one-time code after an
//     unusual sign-in (new device or country).
//
// Not in any source, and marked where the page shows it: the endpoint the
// sign-in form posts to and its answers, the two-factor view's markup and
// texts, the text after a wrong password or a refused code, the place of
// the status column, the date format, the unusual-sign-in page's markup.
// Zoom offers no push approval (the 2FA directory lists SMS and TOTP), so
// mode PushOnly changes nothing here.
const (
	zoomHost    = "https://zoom.us"
	zoomSignIn  = zoomHost + "/signin"
	zoomHome    = zoomHost + "/myhome"
	zoomReport  = zoomHost + "/billing/report"
	zoomPDF     = zoomHost + "/billing/payment-history/v1/invoicepdf"
	zoomOTPHelp = zoomHost + "/signin/otp/verify_help"
)

func init() {
	register(&spec{
		ID: "zoom", Name: "Zoom", Color: "#0b5cff",
		// Cookie names from a public sign-in helper's list of Zoom's
		// session cookies (_zm_ssid, zm_aid).
		SessionCookie: "_zm_ssid", DeviceCookie: "zm_aid", CookieDomain: "zoom.us",
		Login:    loginSpec{URL: zoomSignIn},
		Billing:  billingSpec{URL: zoomReport, Document: zoomPDF},
		Settings: zoomHost + "/profile",
		Terms:    zoomHost + "/terms",
		Text: texts{
			// Unverified: no source quotes these two.
			BadPassword: "Incorrect email or password.",
			BadCode:     "Invalid verification code. Please try again.",
			Captcha:     "An error with reCAPTCHA occured",
		},
		// Invoice numbers start with INV and are how the page names and
		// fetches an invoice.
		Mint: func(_ []byte, seq int) (string, string) {
			n := fmt.Sprintf("INV%08d", 10000+seq)
			return n, n
		},
		Pages: zoomPages,
	})
}

type zoom struct {
	p     *Portal
	pages pageSet
}

type zoomData struct {
	Email    string
	Invoices []invoiceView
	// Rows is the payment history as the page's script receives it.
	Rows string
}

func zoomPages(p *Portal, rs *Routes) {
	z := &zoom{p: p, pages: newPageSet(zoomLayout, zoomPageSources, nil)}
	rs.Handle("GET", zoomSignIn, z.signInPage)
	rs.Handle("POST", zoomSignIn, z.signInPost)
	rs.Handle("GET", zoomOTPHelp, z.otpHelp)
	rs.Handle("GET", zoomHome, z.home)
	rs.Handle("GET", zoomReport, z.report)
	rs.Handle("GET", zoomPDF, z.pdf)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
	rs.Handle("GET", p.spec.Terms, p.termsPage)
	rs.Handle("POST", p.spec.Terms, p.termsSubmit)
}

func (z *zoom) signInPage(w http.ResponseWriter, r *http.Request) {
	if s, st := z.p.session(r); s != nil && st == stageIn {
		http.Redirect(w, r, zoomHome, http.StatusFound)
		return
	}
	z.pages.render(w, http.StatusOK, "signin", &zoomData{})
}

// signInPost answers the sign-in app's requests: the password first, then
// the code. The app follows "next" or shows "message".
func (z *zoom) signInPost(w http.ResponseWriter, r *http.Request) {
	p := z.p
	_ = r.ParseForm()
	type answer struct {
		Status  string `json:"status"`
		Next    string `json:"next,omitempty"`
		Message string `json:"message,omitempty"`
	}
	reply := func(a answer) {
		b, _ := json.Marshal(a)
		writeJSON(w, http.StatusOK, b)
	}
	if code := r.PostForm.Get("code"); code != "" || r.PostForm.Has("code") {
		s, st := p.session(r)
		if s == nil || st != stage2FA {
			reply(answer{Status: "error", Next: zoomSignIn})
			return
		}
		if !p.verifyCode(s, code) {
			reply(answer{Status: "error", Message: p.spec.Text.BadCode})
			return
		}
		reply(answer{Status: "ok", Next: z.after(s)})
		return
	}
	u := p.lookup(r.PostForm.Get("email"))
	if !p.passwordOK(u, r.PostForm.Get("password")) {
		reply(answer{Status: "error", Message: p.spec.Text.BadPassword})
		return
	}
	if p.currentMode()&Captcha != 0 {
		reply(answer{Status: "error", Message: p.spec.Text.Captcha})
		return
	}
	s, st := p.signIn(w, r, u, false)
	switch st {
	case stageNewDevice:
		reply(answer{Status: "ok", Next: zoomOTPHelp + "?" + url.Values{"email": {u.email}}.Encode()})
	case stageIn:
		reply(answer{Status: "ok", Next: z.after(s)})
	default:
		reply(answer{Status: "2fa"})
	}
}

// after is where a finished sign-in goes: the terms page when pending,
// else the home page.
func (z *zoom) after(s *session) string {
	z.p.mu.Lock()
	defer z.p.mu.Unlock()
	if s.stage == stageTerms {
		return z.p.spec.Terms
	}
	return zoomHome
}

func (z *zoom) otpHelp(w http.ResponseWriter, r *http.Request) {
	z.pages.render(w, http.StatusOK, "otphelp", &zoomData{Email: r.URL.Query().Get("email")})
}

func (z *zoom) home(w http.ResponseWriter, r *http.Request) {
	s := z.authed(w, r)
	if s == nil {
		return
	}
	z.pages.render(w, http.StatusOK, "home", &zoomData{Email: s.user.email})
}

func (z *zoom) report(w http.ResponseWriter, r *http.Request) {
	s := z.authed(w, r)
	if s == nil {
		return
	}
	type row struct {
		Number string `json:"invoiceNumber"`
		Date   string `json:"invoiceDate"`
		Status string `json:"status"`
		Total  string `json:"total"`
	}
	rows := []row{}
	for _, v := range z.p.invoiceViews(s.user) {
		rows = append(rows, row{v.Number, v.ShownDate, "Collected", v.Shown})
	}
	b, _ := json.Marshal(rows)
	z.pages.render(w, http.StatusOK, "report", &zoomData{Email: s.user.email, Rows: string(b)})
}

func (z *zoom) pdf(w http.ResponseWriter, r *http.Request) {
	s := z.authed(w, r)
	if s == nil {
		return
	}
	inv := z.p.invoice(s.user, r.URL.Query().Get("invoiceNumber"))
	if inv == nil {
		http.Error(w, "Invoice not found", http.StatusNotFound)
		return
	}
	z.p.servePDF(w, s.user, inv, "Zoom Video Communications, Inc. Invoice")
}

func (z *zoom) authed(w http.ResponseWriter, r *http.Request) *session {
	s, st := z.p.session(r)
	switch {
	case s != nil && st == stageIn:
		return s
	case s != nil && st == stageTerms:
		http.Redirect(w, r, z.p.spec.Terms, http.StatusFound)
	default:
		http.Redirect(w, r, zoomSignIn+"#/login", http.StatusFound)
	}
	return nil
}

const zoomLayout = `{{define "layout"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{block "title" .}}Zoom{{end}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#fff;color:#232333}
.zm-header{display:flex;justify-content:space-between;align-items:center;padding:12px 24px;border-bottom:1px solid #eee}
.zm-logo{color:#0b5cff;font-weight:700;font-size:22px}
main{max-width:760px;margin:32px auto;padding:0 24px}
label{display:block;margin:12px 0 4px}
input[type=email],input[type=password],input[type=text]{width:100%;padding:10px;font-size:16px;box-sizing:border-box;border:1px solid #ccc;border-radius:8px}
.zm-button{margin-top:16px;padding:10px 24px;font-size:16px;border:0;border-radius:8px;background:#0b5cff;color:#fff}
.zm-button.is-disabled{opacity:.5}
.zm-message--error{background:#fdecea;color:#c00;padding:8px 12px;margin-top:12px;border-radius:6px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:8px;text-align:left}
#avator-profile{width:32px;height:32px;border-radius:50%;background:#0b5cff;color:#fff;display:inline-flex;align-items:center;justify-content:center}
</style></head>
<body><header class="zm-header"><span class="zm-logo">zoom</span>{{block "avatar" .}}{{end}}</header>
<main>{{template "content" .}}</main></body></html>{{end}}`

var zoomPageSources = map[string]string{
	// The sign-in app renders its view after load from the hash route. The
	// sign-in form's structure follows the public scripts; its labels and
	// the JSON endpoint it posts to are not in the sources, nor is any of
	// the two-factor view (its texts and markup are placeholders).
	"signin": `{{define "title"}}Sign In | Zoom{{end}}{{define "content"}}
<div id="app"></div>
<script>
(() => {
  const app = document.getElementById('app');
  const post = async (body) => {
    const res = await fetch('/signin', {method: 'POST', credentials: 'include',
      headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: new URLSearchParams(body)});
    return res.json();
  };
  const fail = (form, message) => {
    const box = form.querySelector('.zm-message--error');
    box.textContent = message; box.hidden = false;
  };
  const twoFactor = () => {
    app.innerHTML = '<h1>Two-Factor Authentication</h1>' +
      '<form novalidate><p>Enter the 6-digit code from your authentication app</p>' +
      '<input type="text" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" aria-label="Verification code">' +
      '<div class="zm-message zm-message--error" role="alert" hidden></div>' +
      '<button type="submit" class="zm-button zm-button--primary">Verify</button></form>';
    const form = app.querySelector('form');
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const a = await post({code: form.code.value});
      if (a.next) { location.href = a.next; return; }
      fail(form, a.message);
    });
  };
  const login = () => {
    app.innerHTML = '<h1>Sign In</h1><form id="login-form" novalidate>' +
      '<div class="form-group"><label for="email">Email Address</label><input type="email" id="email" name="email" autocomplete="username"></div>' +
      '<div class="form-group"><label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password"></div>' +
      '<div class="zm-message zm-message--error" role="alert" hidden></div>' +
      '<div><div><div class="signin"><button type="submit" id="js_btn_login" class="zm-button zm-button--primary is-disabled" disabled>Sign In</button></div></div></div>' +
      '</form>';
    const form = app.querySelector('form'), btn = document.getElementById('js_btn_login');
    form.addEventListener('input', () => {
      const ready = form.email.value !== '' && form.password.value !== '';
      btn.disabled = !ready; btn.classList.toggle('is-disabled', !ready);
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      btn.classList.add('is-loading');
      const a = await post({email: form.email.value, password: form.password.value});
      btn.classList.remove('is-loading');
      if (a.status === '2fa') { twoFactor(); return; }
      if (a.next) { location.href = a.next; return; }
      fail(form, a.message);
    });
  };
  const route = () => { if (location.hash === '' || location.hash === '#/login') login(); };
  window.addEventListener('hashchange', route);
  setTimeout(route, 100);
})();
</script>{{end}}`,

	// The unusual-sign-in check: the URL is in the sources, the page's
	// markup and text are not.
	"otphelp": `{{define "title"}}Verify Your Sign In | Zoom{{end}}{{define "content"}}
<h1>Verify your sign in</h1>
<p>We noticed an unusual sign-in to {{.Email}}. Enter the code we sent to your email address to continue.</p>
<form><input type="text" name="otp" inputmode="numeric" aria-label="Code"><button type="button" class="zm-button" disabled>Verify</button></form>{{end}}`,

	"home": `{{define "title"}}My Home | Zoom{{end}}{{define "avatar"}}<a id="avator-profile" href="/profile" title="{{.Email}}">{{slice .Email 0 1}}</a>{{end}}{{define "content"}}
<h1>Home</h1>
<p><a href="/billing/report">Payment History</a></p>{{end}}`,

	// Payment History: the page's script builds the table after load.
	// The status column's place and the date format are not in the sources.
	"report": `{{define "title"}}Payment History | Zoom{{end}}{{define "avatar"}}<a id="avator-profile" href="/profile" title="{{.Email}}">{{slice .Email 0 1}}</a>{{end}}{{define "content"}}
<h1>Payment History</h1>
<script>
(() => {
  const rows = {{.Rows}};
  setTimeout(() => {
    const table = document.createElement('table');
    table.className = 'ph-invoice-table';
    table.innerHTML = '<thead><tr><th></th><th>Invoice Number</th><th>Invoice Date</th><th>Status</th><th>Total</th></tr></thead><tbody></tbody>';
    for (const r of JSON.parse(rows)) {
      const tr = document.createElement('tr');
      tr.innerHTML = '<td><input type="checkbox" aria-label="Select"></td><td><button type="button" class="zm-button--link"></button></td><td></td><td></td><td></td>';
      tr.children[1].firstChild.textContent = r.invoiceNumber;
      tr.children[2].textContent = r.invoiceDate;
      tr.children[3].textContent = r.status;
      tr.children[4].textContent = r.total;
      tr.children[1].firstChild.addEventListener('click', () => {
        location.href = '/billing/payment-history/v1/invoicepdf?invoiceNumber=' + encodeURIComponent(r.invoiceNumber);
      });
      table.tBodies[0].appendChild(tr);
    }
    document.querySelector('main').appendChild(table);
  }, 150);
})();
</script>{{end}}`,
}

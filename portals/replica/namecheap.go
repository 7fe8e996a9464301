package replica

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Namecheap (www.namecheap.com, ap.www.namecheap.com) as these public
// sources show it (read 2026-12-06):
//
//   - invoiceradar/plugins, plugins/namecheap.json: /myaccount/login/ with
//     .loginBox, fields named LoginUserName and LoginPassword, body.loggedin
//     once signed in; the orders at ap.www.namecheap.com/profile/billing/
//     orders, a date range picker (a.show-calendar,
//     .daterangepicker_start_input input, .range_inputs .applyBtn) whose
//     default leaves older orders out, rows in .AjaxPageCall tbody with a
//     link starting /profile/billing/orders/downloadpdf, the order number
//     in the first cell's p, the date in the third's, the amount ($) in the
//     fifth;
//   - a public Playwright script for Namecheap (the index does not name the
//     repository; it holds credentials, which are not used): the username
//     field named "Your username", the password field twice on the page
//     (the last one is the page's own form), a "Sign in" button, the
//     dashboard after login;
//   - namecheap.com knowledgebase 10333 (marking a device as trusted): a
//     code e-mailed for a new device, a "Verification Code" field, a
//     Submit button, "Didn't get the code"; 10073 and 9253: TOTP, U2F and
//     SMS (with OneTouch) second factors; 10172: the documents are order
//     receipts, not invoices;
//   - wiki.snafucon.com, Namecheap books process: Profile › Billing ›
//     Orders, the calendar's date range, Download PDF in the menu next to
//     Details.
//
// Not in any source, and marked where the page shows it: the forms'
// targets, the TOTP page's markup and texts, the text after a wrong
// password or a refused code, the default date range's length, the second
// and fourth columns, the date format, the PDF link's path after
// downloadpdf, and the page-size menu (the replica's lists fit one page).
const (
	namecheapWWW    = "https://www.namecheap.com"
	namecheapLogin  = namecheapWWW + "/myaccount/login/"
	namecheapAP     = "https://ap.www.namecheap.com"
	namecheapOrders = namecheapAP + "/profile/billing/orders"
	namecheapPDF    = namecheapAP + "/profile/billing/orders/downloadpdf/{id}"
	// namecheapWindow is how far back the orders page looks before the
	// range is changed (the length is not in the sources).
	namecheapWindow = 30 * 24 * time.Hour
)

func init() {
	register(&spec{
		ID: "namecheap", Name: "Namecheap", Color: "#de3723",
		// Cookie names are not in the sources; the session spans both hosts.
		SessionCookie: ".ncauth", DeviceCookie: "nc_trusted", CookieDomain: "namecheap.com",
		Login:    loginSpec{URL: namecheapLogin},
		Billing:  billingSpec{URL: namecheapOrders, Document: namecheapPDF},
		Settings: namecheapAP + "/profile/security",
		Terms:    namecheapWWW + "/legal/universal/universal-tos/",
		Text: texts{
			// Unverified: no source quotes these texts.
			BadPassword: "Invalid username or password",
			BadCode:     "The verification code is incorrect",
			// From knowledgebase 10333.
			NewDevice: "Didn't get the code",
		},
		// The order number identifies a receipt.
		Mint: func(sum []byte, seq int) (string, string) {
			n := fmt.Sprint(150000000 + (int(sum[0])<<16|int(sum[1])<<8|int(sum[2]))%9000000 + seq)
			return n, n
		},
		Hosts: []string{"www.namecheap.com", "ap.www.namecheap.com"},
		Pages: namecheapPages,
	})
}

type namecheap struct {
	p     *Portal
	pages pageSet
}

type namecheapData struct {
	V        string // prefixes field names in mode ChangedLayout
	Error    string
	User     string
	LoggedIn bool
	// Orders is the order list as the page's script receives it, and
	// Since the start of its default date range (MM/DD/YYYY).
	Orders, Since, Until string
}

func namecheapPages(p *Portal, rs *Routes) {
	n := &namecheap{p: p, pages: newPageSet(namecheapLayout, namecheapPageSources, nil)}
	rs.Handle("GET", namecheapLogin, n.loginPage)
	rs.Handle("POST", namecheapLogin, n.loginPost)
	rs.Handle("GET", namecheapAP+"/dashboard", n.dashboard)
	rs.Handle("GET", namecheapOrders, n.orders)
	rs.Handle("GET", namecheapPDF, n.pdf)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
	rs.Handle("GET", p.spec.Terms, p.termsPage)
	rs.Handle("POST", p.spec.Terms, p.termsSubmit)
}

func (n *namecheap) data() *namecheapData {
	d := &namecheapData{}
	if n.p.currentMode()&ChangedLayout != 0 {
		d.V = "v2"
	}
	return d
}

func (n *namecheap) loginPage(w http.ResponseWriter, r *http.Request) {
	d := n.data()
	if s, st := n.p.session(r); s != nil && st == stageIn {
		d.LoggedIn, d.User = true, s.user.email
	}
	n.pages.render(w, http.StatusOK, "login", d)
}

// loginPost takes the credentials and, on the same URL, the code that
// follows them.
func (n *namecheap) loginPost(w http.ResponseWriter, r *http.Request) {
	p := n.p
	_ = r.ParseForm()
	d := n.data()
	if s, st := p.session(r); s != nil && st == stage2FA && r.PostForm.Has(d.V+"VerificationCode") {
		if !p.verifyCode(s, r.PostForm.Get(d.V+"VerificationCode")) {
			d.Error = p.spec.Text.BadCode
			n.pages.render(w, http.StatusOK, "totp", d)
			return
		}
		p.enter(w, r, s, namecheapAP+"/dashboard")
		return
	}
	d.User = strings.TrimSpace(r.PostForm.Get(d.V + "LoginUserName"))
	u := p.lookup(d.User)
	if !p.passwordOK(u, r.PostForm.Get(d.V+"LoginPassword")) {
		d.Error = p.spec.Text.BadPassword
		n.pages.render(w, http.StatusOK, "login", d)
		return
	}
	mode := p.currentMode()
	if mode&Captcha != 0 {
		// No source shows Namecheap's captcha: the shared page stands in.
		p.render(w, http.StatusOK, "captcha", &pageData{S: p.spec, Title: "Sign In"})
		return
	}
	s, st := p.signIn(w, r, u, false)
	switch {
	case st == stageNewDevice:
		n.pages.render(w, http.StatusOK, "trusted", d)
	case st == stageIn:
		p.enter(w, r, s, namecheapAP+"/dashboard")
	case mode&PushOnly != 0:
		// OneTouch approval (knowledgebase 9253); its page is not in the
		// sources, the shared one stands in.
		p.render(w, http.StatusOK, "push", &pageData{S: p.spec, Title: "Sign In"})
	default:
		n.pages.render(w, http.StatusOK, "totp", d)
	}
}

func (n *namecheap) dashboard(w http.ResponseWriter, r *http.Request) {
	s := n.authed(w, r)
	if s == nil {
		return
	}
	d := n.data()
	d.LoggedIn, d.User = true, s.user.email
	n.pages.render(w, http.StatusOK, "dashboard", d)
}

func (n *namecheap) orders(w http.ResponseWriter, r *http.Request) {
	s := n.authed(w, r)
	if s == nil {
		return
	}
	type order struct {
		Number string `json:"number"`
		Date   string `json:"date"`
		Amount string `json:"amount"`
		PDF    string `json:"pdf"`
	}
	list := []order{}
	for _, v := range n.p.invoiceViews(s.user) {
		t, _ := time.Parse(time.DateOnly, v.ISODate)
		list = append(list, order{v.Number, t.Format("01/02/2006"), v.Shown, "/profile/billing/orders/downloadpdf/" + v.ID})
	}
	b, _ := json.Marshal(list)
	now := n.p.now()
	d := n.data()
	d.LoggedIn, d.User, d.Orders = true, s.user.email, string(b)
	d.Since, d.Until = now.Add(-namecheapWindow).Format("01/02/2006"), now.Format("01/02/2006")
	n.pages.render(w, http.StatusOK, "orders", d)
}

func (n *namecheap) pdf(w http.ResponseWriter, r *http.Request) {
	s := n.authed(w, r)
	if s == nil {
		return
	}
	inv := n.p.invoice(s.user, r.PathValue("id"))
	if inv == nil {
		http.Error(w, "Order not found", http.StatusNotFound)
		return
	}
	n.p.servePDF(w, s.user, inv, "Namecheap Order Receipt")
}

func (n *namecheap) authed(w http.ResponseWriter, r *http.Request) *session {
	s, st := n.p.session(r)
	switch {
	case s != nil && st == stageIn:
		return s
	case s != nil && st == stageTerms:
		http.Redirect(w, r, n.p.spec.Terms, http.StatusFound)
	default:
		http.Redirect(w, r, namecheapLogin, http.StatusFound)
	}
	return nil
}

const namecheapLayout = `{{define "layout"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{block "title" .}}Namecheap{{end}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f5f5f5;color:#333}
header{background:#de3723;color:#fff;padding:12px 24px;display:flex;justify-content:space-between}
header a{color:#fff}
.header-login{display:none}
main{max-width:860px;margin:32px auto;background:#fff;padding:24px 32px}
label{display:block;margin:12px 0 4px}
input[type=text],input[type=password]{width:100%;padding:8px;font-size:16px;box-sizing:border-box}
button{margin-top:16px;padding:8px 20px;font-size:16px;text-transform:uppercase;cursor:pointer}
.error{color:#c00}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:8px;text-align:left}
.daterangepicker{display:none;border:1px solid #ccc;padding:8px;margin:8px 0}.daterangepicker.show{display:block}
</style></head>
<body class="{{if .LoggedIn}}loggedin{{end}}">
<header><span>Namecheap</span>
{{if .LoggedIn}}<span>{{.User}}</span>{{else}}<form class="header-login" method="post" action="https://www.namecheap.com/myaccount/login/">
<input type="text" name="LoginUserName" aria-label="Username"><input type="password" name="LoginPassword" aria-label="Password"><button type="submit">Sign in</button></form>{{end}}
</header>
<main>{{template "content" .}}</main></body></html>{{end}}`

var namecheapPageSources = map[string]string{
	// The header carries a second, hidden sign-in form (the public script
	// takes the page's last password field); the page's own form is in
	// .loginBox. The form target is not in the sources.
	"login": `{{define "title"}}Sign In - Namecheap{{end}}{{define "content"}}
{{if .LoggedIn}}<p>You are signed in as {{.User}}. <a href="https://ap.www.namecheap.com/dashboard">Dashboard</a></p>{{else}}
<div class="loginBox">
<h1>Sign In</h1>
<form method="post" action="/myaccount/login/">
{{with .Error}}<p class="error" role="alert">{{.}}</p>{{end}}
<input type="text" name="{{.V}}LoginUserName" value="{{.User}}" aria-label="Your username" placeholder="Username" autocomplete="username">
<input type="password" name="{{.V}}LoginPassword" aria-label="Your password" placeholder="Password" autocomplete="current-password">
<button type="submit">Sign in</button>
</form>
</div>{{end}}{{end}}`,

	// The TOTP step: not in the sources; it borrows the device check's
	// wording ("Verification Code", Submit).
	"totp": `{{define "title"}}Sign In - Namecheap{{end}}{{define "content"}}
<div class="loginBox">
<h1>Two-Factor Authentication</h1>
<form method="post" action="/myaccount/login/">
<p>Enter the code from your authentication app.</p>
{{with .Error}}<p class="error" role="alert">{{.}}</p>{{end}}
<label for="{{.V}}VerificationCode">Verification Code</label>
<input type="text" id="{{.V}}VerificationCode" name="{{.V}}VerificationCode" inputmode="numeric" autocomplete="one-time-code">
<button type="submit">Submit</button>
</form>
</div>{{end}}`,

	// The new-device check (knowledgebase 10333): texts from the article,
	// markup not in the sources.
	"trusted": `{{define "title"}}Sign In - Namecheap{{end}}{{define "content"}}
<div class="loginBox">
<h1>Mark this device as trusted</h1>
<p>We've sent a verification code to the email address associated with your Namecheap account.</p>
<form method="post" action="/myaccount/login/">
<label for="DeviceCode">Verification Code</label>
<input type="text" id="DeviceCode" name="DeviceCode">
<button type="button" disabled>Submit</button>
<p><a href="#">Didn't get the code?</a></p>
</form>
</div>{{end}}`,

	"dashboard": `{{define "title"}}Dashboard - Namecheap{{end}}{{define "content"}}
<h1>Dashboard</h1><p><a href="/profile/billing/orders">Billing › Orders</a></p>{{end}}`,

	// The orders: the page's script renders the orders of its date range
	// into .AjaxPageCall; the range starts at namecheapWindow before today
	// until the calendar sets another. The second and fourth columns and
	// the date format are not in the sources.
	"orders": `{{define "title"}}Orders - Namecheap{{end}}{{define "content"}}
<h1>Billing › Orders</h1>
<p><a href="#" class="show-calendar">{{.Since}} - {{.Until}}</a></p>
<div class="daterangepicker">
<div class="daterangepicker_start_input"><label>From</label><input type="text" value="{{.Since}}"></div>
<div class="daterangepicker_end_input"><label>To</label><input type="text" value="{{.Until}}"></div>
<div class="range_inputs"><button type="button" class="applyBtn">Apply</button></div>
</div>
<div class="AjaxPageCall"><table><thead><tr><th>Order</th><th></th><th>Date</th><th></th><th>Amount</th><th></th></tr></thead><tbody></tbody></table></div>
<script>
(() => {
  const orders = JSON.parse({{.Orders}});
  const picker = document.querySelector('.daterangepicker');
  const start = picker.querySelector('.daterangepicker_start_input input');
  const end = picker.querySelector('.daterangepicker_end_input input');
  const day = s => { const [m, d, y] = s.split('/').map(Number); return Date.UTC(y, m - 1, d); };
  const render = () => {
    const body = document.querySelector('.AjaxPageCall tbody');
    body.innerHTML = '';
    for (const o of orders) {
      if (day(o.date) < day(start.value) || day(o.date) > day(end.value)) continue;
      const tr = document.createElement('tr');
      tr.innerHTML = '<td><p></p></td><td>—</td><td><p></p></td><td>—</td><td></td>' +
        '<td><div class="dropdown"><a href="#">Details</a><div class="dropdown-content"><a>Download PDF</a></div></div></td>';
      tr.children[0].firstChild.textContent = o.number;
      tr.children[2].firstChild.textContent = o.date;
      tr.children[4].textContent = o.amount;
      tr.querySelector('.dropdown-content a').setAttribute('href', o.pdf);
      body.appendChild(tr);
    }
  };
  document.querySelector('a.show-calendar').addEventListener('click', e => { e.preventDefault(); picker.classList.add('show'); });
  picker.querySelector('.applyBtn').addEventListener('click', () => {
    picker.classList.remove('show');
    document.querySelector('a.show-calendar').textContent = start.value + ' - ' + end.value;
    render();
  });
  render();
})();
</script>{{end}}`,
}

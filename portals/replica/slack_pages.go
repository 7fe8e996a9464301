package replica

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// SlackWorkspace is the one workspace the Slack replica serves; a
// customer's own workspace name takes its place on the real Slack.
const SlackWorkspace = "twofetch-demo"

// Slack's own pages. Sources (read 2026-12-06):
//   - public sign-in scripts in the code index (puppeteer, Selenium and
//     Playwright; repositories not named):
//     https://<workspace>.slack.com/sign_in_with_password (?redir=…),
//     form#signin_form, #email, #password, #signin_btn
//     (button[type=submit], data-qa=signin_button); after the sign-in
//     /ssb/redirect or /client; the two-factor code in
//     input[name="2fa_code"] / input[autocomplete=one-time-code], or as six
//     input[inputmode=numeric] boxes, sent by button[type=submit].
//   - invoiceradar/plugins plugins/slack.json: billing history at
//     https://<workspace>.slack.com/admin/billing/history; the page's
//     window.boot_data.api_token; POST /api/payments.billing.history.list
//     with token and limit (50 at most) answering {ok, billing_items}; each
//     item's invoice.hosted_url is a Stripe-hosted invoice; "Only …
//     workspace owners can view this page" for other members.
//   - Stripe's Invoice object (hosted_invoice_url: the page where the
//     customer views and pays an invoice; invoice_pdf), as client libraries
//     document it (pub.dev stripe_updated messages/Invoice).
//
// Not found in any source, and marked where used: the wording of the
// refusals, where the code form posts (here the sign-in page), the other
// fields of a billing item and of its invoice, the markup of the
// Stripe-hosted invoice page and the address of its PDF (the script takes
// the link from the page). Misbehaviour modes other than the wrong
// password and refused code change nothing here.

var slackBase = "https://" + SlackWorkspace + ".slack.com"

type slackData struct {
	Title, Error, Redir, Token string
	Code                       bool
	Invoice                    *invoiceView
	Account, PDF               string
}

func slackPages(p *Portal, rs *Routes) {
	rs.Handle("GET", slackBase+"/sign_in_with_password", p.slackSignin)
	rs.Handle("POST", slackBase+"/sign_in_with_password", p.slackSigninSubmit)
	rs.Handle("GET", slackBase+"/ssb/redirect", p.slackRedirect)
	rs.Handle("GET", slackBase+"/admin/billing/history", p.slackHistory)
	rs.Handle("POST", slackBase+"/api/payments.billing.history.list", p.slackHistoryAPI)
	rs.Handle("GET", "https://invoice.stripe.com/i/{acct}/{id}", p.slackHostedInvoice)
	rs.Handle("GET", "https://pay.stripe.com/invoice/{acct}/{id}/pdf", p.slackInvoicePDF)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

func slackRedir(r *http.Request) string {
	ret := r.FormValue("redir")
	if !strings.HasPrefix(ret, "/") || strings.HasPrefix(ret, "//") {
		return ""
	}
	return ret
}

func (p *Portal) slackSignin(w http.ResponseWriter, r *http.Request) {
	slackPageSet.render(w, http.StatusOK, "signin", &slackData{Title: "Sign in | Slack", Redir: slackRedir(r)})
}

func (p *Portal) slackAfter(w http.ResponseWriter, r *http.Request, redir string) {
	if redir == "" {
		http.Redirect(w, r, slackBase+"/ssb/redirect", http.StatusFound)
		return
	}
	http.Redirect(w, r, slackBase+redir, http.StatusFound)
}

func (p *Portal) slackSigninSubmit(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	d := &slackData{Title: "Sign in | Slack", Redir: slackRedir(r)}
	if code, ok := r.PostForm["2fa_code"]; ok {
		s, st := p.session(r)
		if s == nil || st != stage2FA {
			http.Redirect(w, r, slackBase+"/sign_in_with_password", http.StatusFound)
			return
		}
		d.Code = true
		if !p.verifyCode(s, strings.Join(code, "")) {
			d.Error = "Sorry, that code didn't work. Please try again."
			slackPageSet.render(w, http.StatusOK, "signin", d)
			return
		}
		p.setStage(s, stageIn)
		p.slackAfter(w, r, d.Redir)
		return
	}
	u := p.lookup(r.PostForm.Get("email"))
	if !p.passwordOK(u, r.PostForm.Get("password")) {
		d.Error = "Sorry, you entered an incorrect email address or password."
		slackPageSet.render(w, http.StatusOK, "signin", d)
		return
	}
	if _, st := p.signIn(w, r, u, true); st != stage2FA {
		p.slackAfter(w, r, d.Redir)
		return
	}
	d.Code = true
	slackPageSet.render(w, http.StatusOK, "signin", d)
}

func (p *Portal) slackAuthed(w http.ResponseWriter, r *http.Request) *session {
	s, st := p.session(r)
	if s != nil && (st == stageIn || st == stageTerms) {
		return s
	}
	http.Redirect(w, r, slackBase+"/sign_in_with_password?redir="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
	return nil
}

func (p *Portal) slackRedirect(w http.ResponseWriter, r *http.Request) {
	if p.slackAuthed(w, r) == nil {
		return
	}
	slackPageSet.render(w, http.StatusOK, "redirect", &slackData{Title: "Redirecting… | Slack"})
}

// slackToken is the session's API token: the page hands it to its
// scripts in boot_data, and the API accepts only it.
func slackToken(s *session) string {
	sum := sha256.Sum256([]byte("xoxc/" + s.user.email))
	return "xoxc-" + hex.EncodeToString(sum[:12])
}

func (p *Portal) slackHistory(w http.ResponseWriter, r *http.Request) {
	s := p.slackAuthed(w, r)
	if s == nil {
		return
	}
	slackPageSet.render(w, http.StatusOK, "history", &slackData{Title: "Billing History | Slack", Token: slackToken(s)})
}

func slackAccount(u *user) string {
	sum := sha256.Sum256([]byte("acct/" + u.email))
	return "acct_" + strings.ToUpper(hex.EncodeToString(sum[:8]))
}

func (p *Portal) slackHistoryAPI(w http.ResponseWriter, r *http.Request) {
	s, st := p.session(r)
	_ = r.ParseMultipartForm(1 << 16)
	if s == nil || st != stageIn || r.FormValue("token") != slackToken(s) {
		writeJSON(w, http.StatusOK, []byte(`{"ok":false,"error":"invalid_auth"}`))
		return
	}
	type invoice struct {
		ID        string `json:"id"`
		Number    string `json:"number"`
		HostedURL string `json:"hosted_url"`
	}
	type item struct {
		Date     int64   `json:"date"`
		Amount   string  `json:"amount"`
		Currency string  `json:"currency"`
		Invoice  invoice `json:"invoice"`
	}
	out := struct {
		OK    bool   `json:"ok"`
		Items []item `json:"billing_items"`
	}{OK: true, Items: []item{}}
	for _, v := range p.invoiceViews(s.user) {
		t, _ := time.Parse(time.DateOnly, v.ISODate)
		out.Items = append(out.Items, item{Date: t.Unix(), Amount: v.Decimal, Currency: v.Currency,
			Invoice: invoice{ID: v.ID, Number: v.Number, HostedURL: "https://invoice.stripe.com/i/" + slackAccount(s.user) + "/" + v.ID}})
	}
	b, _ := json.Marshal(out)
	writeJSON(w, http.StatusOK, b)
}

// slackHostedInvoice is the Stripe-hosted invoice page. Anyone with the
// link may open it, as with Stripe's hosted invoices; the replica finds
// the invoice by its account and id.
func (p *Portal) slackHostedInvoice(w http.ResponseWriter, r *http.Request) {
	u, inv := p.slackFindHosted(r.PathValue("acct"), r.PathValue("id"))
	if inv == nil {
		http.NotFound(w, r)
		return
	}
	slackPageSet.render(w, http.StatusOK, "hosted", &slackData{Title: "Invoice " + inv.Number, Invoice: inv,
		PDF: "https://pay.stripe.com/invoice/" + slackAccount(u) + "/" + inv.ID + "/pdf"})
}

func (p *Portal) slackInvoicePDF(w http.ResponseWriter, r *http.Request) {
	u, inv := p.slackFindHosted(r.PathValue("acct"), r.PathValue("id"))
	if inv == nil {
		http.NotFound(w, r)
		return
	}
	p.servePDF(w, u, inv, "Slack Invoice")
}

func (p *Portal) slackFindHosted(acct, id string) (*user, *invoiceView) {
	p.mu.Lock()
	var users []*user
	for _, u := range p.users {
		users = append(users, u)
	}
	p.mu.Unlock()
	for _, u := range users {
		if slackAccount(u) == acct {
			return u, p.invoice(u, id)
		}
	}
	return nil, nil
}

const slackLayout = `{{define "layout"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:Lato,"Helvetica Neue",Arial,sans-serif;margin:0;color:#1d1c1d;font-size:15px;background:#fff}
.p-signin{width:400px;margin:60px auto}
h1{font-size:36px;font-weight:900;text-align:center}
input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:11px 12px;border:1px solid #868686;border-radius:4px;font-size:17px;margin-bottom:16px}
.c-digits{display:flex;gap:8px;justify-content:center;margin:20px 0}
.c-digits input{width:48px;height:56px;text-align:center;font-size:26px;border:1px solid #868686;border-radius:4px}
button{width:100%;padding:12px;background:#611f69;color:#fff;border:0;border-radius:4px;font-size:17px;font-weight:700;cursor:pointer}
.c-alert{background:#fdf2f2;border-left:4px solid #e01e5a;padding:10px 14px;margin-bottom:16px}
main{max-width:900px;margin:30px auto}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:8px;text-align:left}
</style></head><body>{{template "content" .}}</body></html>{{end}}`

var slackPageSet = newPageSet(slackLayout, map[string]string{
	"signin": `{{define "content"}}<div class="p-signin">
{{if .Code}}<h1>Two-factor authentication</h1>
<form id="signin_form" method="post" action="/sign_in_with_password">
<input type="hidden" name="redir" value="{{.Redir}}">
<p>Enter the 6-digit code from your authentication app.</p>
{{with .Error}}<div class="c-alert" role="alert">{{.}}</div>{{end}}
<div class="c-digits">{{range $i := 6}}<input type="text" inputmode="numeric" maxlength="1" aria-label="Digit {{$i}}" autocomplete="{{if eq $i 0}}one-time-code{{else}}off{{end}}">{{end}}</div>
<input type="hidden" name="2fa_code" value="">
<button type="submit" id="signin_btn" data-qa="signin_button">Sign In</button></form>
<script>
// Six boxes: a typed digit moves the focus on; the form posts them as one
// 2fa_code.
(() => {
  const boxes = [...document.querySelectorAll('.c-digits input')];
  const form = document.getElementById('signin_form');
  boxes.forEach((box, i) => box.addEventListener('input', () => {
    box.value = box.value.replace(/\D/g, '').slice(-1);
    if (box.value && boxes[i + 1]) boxes[i + 1].focus();
  }));
  form.addEventListener('submit', () => { form.elements['2fa_code'].value = boxes.map(b => b.value).join(''); });
})();
</script>
{{else}}<h1>Sign in to {{"` + SlackWorkspace + `"}}</h1>
<form id="signin_form" method="post" action="/sign_in_with_password">
<input type="hidden" name="redir" value="{{.Redir}}">
{{with .Error}}<div class="c-alert" role="alert">{{.}}</div>{{end}}
<input type="email" id="email" name="email" placeholder="name@work-email.com" autocomplete="username">
<input type="password" id="password" name="password" placeholder="Your password" autocomplete="current-password">
<button type="submit" id="signin_btn" data-qa="signin_button">Sign In</button></form>{{end}}
</div>{{end}}`,

	"redirect": `{{define "content"}}<main><p>Opening Slack…</p></main>{{end}}`,

	"history": `{{define "content"}}<main><h1>Billing History</h1>
<table id="billing-history"><thead><tr><th>Date</th><th>Amount</th><th>Invoice</th></tr></thead><tbody></tbody></table>
<script>
var boot_data = {api_token: {{.Token}}};
// The page reads its history from the Web API with the boot token.
(async () => {
  const form = new FormData();
  form.append('token', boot_data.api_token);
  form.append('limit', 50);
  const res = await fetch('/api/payments.billing.history.list', {method: 'POST', body: form});
  const data = await res.json();
  const body = document.querySelector('#billing-history tbody');
  for (const item of data.billing_items || []) {
    const tr = document.createElement('tr');
    tr.innerHTML = '<td></td><td></td><td><a target="_blank"></a></td>';
    tr.cells[0].textContent = new Date(item.date * 1000).toISOString().slice(0, 10);
    tr.cells[1].textContent = item.amount + ' ' + item.currency;
    const a = tr.querySelector('a'); a.href = item.invoice.hosted_url; a.textContent = 'View invoice';
    body.appendChild(tr);
  }
})();
</script></main>{{end}}`,

	"hosted": `{{define "content"}}{{with .Invoice}}<main>
<h1>Invoice {{.Number}}</h1>
<p>Paid {{.ShownDate}}</p><p>{{.Shown}}</p>
<p><a href="{{$.PDF}}" download>Download invoice</a></p>
</main>{{end}}{{end}}`,
}, nil)

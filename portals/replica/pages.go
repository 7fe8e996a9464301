package replica

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"
)

type pageData struct {
	S        *spec
	Title    string
	Error    string
	Email    string
	Return   string
	Invoices []invoiceView
	Invoice  *invoiceView
	QR       template.URL
	SetupKey string
}

type invoiceView struct {
	ID, Number, Currency string
	ISODate, ShownDate   string
	Decimal, Shown       string
	URL                  string
}

func (p *Portal) invoiceViews(u *user) []invoiceView {
	sp := p.spec
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]invoiceView, 0, len(p.invoices[u]))
	for _, inv := range slices.Backward(p.invoices[u]) {
		out = append(out, invoiceView{
			ID: inv.ID, Number: inv.Number, Currency: inv.Currency,
			ISODate: inv.Date.Format(time.DateOnly), ShownDate: formatDate(sp.Lang, inv.Date),
			Decimal: fmt.Sprintf("%d.%02d", inv.Amount/100, inv.Amount%100),
			Shown:   formatAmount(sp.Lang, inv.Amount, inv.Currency),
			URL:     strings.Replace(sp.Billing.Document, "{id}", inv.ID, 1),
		})
	}
	return out
}

func formatDate(lang string, t time.Time) string {
	if lang == "de" {
		return t.Format("02.01.2006")
	}
	return t.Format("Jan 2, 2006")
}

func formatAmount(lang string, minor int64, currency string) string {
	sym := map[string]string{"EUR": "€", "USD": "$", "GBP": "£"}[currency]
	if sym == "" {
		sym = currency + " "
	}
	if lang == "de" || lang == "fr" {
		return fmt.Sprintf("%d,%02d %s", minor/100, minor%100, sym)
	}
	return fmt.Sprintf("%s%d.%02d", sym, minor/100, minor%100)
}

// german holds the few shared labels German portals show in German.
var german = map[string]string{
	"Invoice": "Rechnung", "Date": "Datum", "Amount": "Betrag", "Signed in as": "Angemeldet als",
	"Download PDF": "PDF herunterladen", "No invoices yet.": "Noch keine Rechnungen.",
}

func translate(lang, s string) string {
	if t, ok := german[s]; ok && lang == "de" {
		return t
	}
	return s
}

func (p *Portal) render(w http.ResponseWriter, status int, name string, d *pageData) {
	var b bytes.Buffer
	if err := pages[name].ExecuteTemplate(&b, "layout", d); err != nil {
		http.Error(w, "template "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

const layout = `{{define "layout"}}<!doctype html>
<html lang="{{or .S.Lang "en"}}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} | {{.S.Name}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#222}
header{background:{{.S.Color | css}};color:#fff;padding:12px 24px;font-weight:600;font-size:18px}
main{max-width:760px;margin:32px auto;background:#fff;padding:24px 32px;border-radius:8px;box-shadow:0 1px 3px #0002}
label{display:block;margin:12px 0 4px}
input[type=text],input[type=email],input[type=password],input[type=tel]{width:100%;padding:8px;font-size:16px;box-sizing:border-box}
button{margin-top:16px;padding:8px 20px;font-size:16px;cursor:pointer}
.error{background:#fde8e8;border:1px solid #e0a0a0;color:#900;padding:8px 12px;margin:8px 0}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:6px 8px;text-align:left}
.check label{display:inline}
@media print{header,.no-print{display:none}main{box-shadow:none;margin:0}}
</style></head>
<body><header>{{.S.Name}}</header><main>
<h1>{{.Title}}</h1>
{{with .Error}}<div class="error" role="alert" id="auth-error">{{.}}</div>{{end}}
{{template "content" .}}
</main></body></html>{{end}}`

var pageSources = map[string]string{
	"login": `{{define "content"}}{{$l := .S.Login}}
<form method="post" action="{{$l.URL}}" name="signIn" id="login-form">
<input type="hidden" name="return_to" value="{{.Return}}">
<label for="{{$l.Email.ID}}">{{$l.Email.Label}}</label>
<input type="email" id="{{$l.Email.ID}}" name="{{$l.Email.Name}}" value="{{.Email}}" autocomplete="username" autofocus>
{{if not $l.PasswordURL}}
<label for="{{$l.Password.ID}}">{{$l.Password.Label}}</label>
<input type="password" id="{{$l.Password.ID}}" name="{{$l.Password.Name}}" autocomplete="current-password">
{{if $l.Remember.Name}}<div class="check"><input type="checkbox" id="{{$l.Remember.ID}}" name="{{$l.Remember.Name}}" value="true"> <label for="{{$l.Remember.ID}}">{{$l.Remember.Label}}</label></div>{{end}}
<button type="submit" id="{{$l.Submit.ID}}">{{$l.Submit.Label}}</button>
{{else}}
<button type="submit" id="{{$l.Next.ID}}">{{$l.Next.Label}}</button>
{{end}}
</form>{{end}}`,

	"password": `{{define "content"}}{{$l := .S.Login}}
<p class="identity">{{.Email}} <a href="{{$l.URL}}" id="change-account">Change</a></p>
<form method="post" action="{{$l.PasswordURL}}" name="signIn" id="password-form">
<input type="hidden" name="return_to" value="{{.Return}}">
<input type="hidden" name="{{$l.Email.Name}}" value="{{.Email}}">
<label for="{{$l.Password.ID}}">{{$l.Password.Label}}</label>
<input type="password" id="{{$l.Password.ID}}" name="{{$l.Password.Name}}" autocomplete="current-password" autofocus>
{{if $l.Remember.Name}}<div class="check"><input type="checkbox" id="{{$l.Remember.ID}}" name="{{$l.Remember.Name}}" value="true"> <label for="{{$l.Remember.ID}}">{{$l.Remember.Label}}</label></div>{{end}}
<button type="submit" id="{{$l.Submit.ID}}">{{$l.Submit.Label}}</button>
</form>{{end}}`,

	"picker": `{{define "content"}}{{$p := .S.Picker}}
<form method="post" action="{{$p.URL}}" id="method-picker">
<input type="hidden" name="return_to" value="{{.Return}}">
{{range $p.Others}}<div class="check"><input type="radio" name="{{$p.Name}}" id="{{$p.IDPrefix}}{{.}}" value="{{.}}"> <label for="{{$p.IDPrefix}}{{.}}">{{.}}</label></div>{{end}}
<div class="check"><input type="radio" name="{{$p.Name}}" id="{{$p.IDPrefix}}{{$p.App}}" value="{{$p.App}}"> <label for="{{$p.IDPrefix}}{{$p.App}}">Authenticator app</label></div>
<button type="submit" id="{{$p.Submit.ID}}">{{$p.Submit.Label}}</button>
</form>{{end}}`,

	"twofa": `{{define "content"}}{{$t := .S.TwoFA}}
<p>{{$t.Hint}}</p>
<form method="post" action="{{$t.URL}}" id="otp-form">
<input type="hidden" name="return_to" value="{{.Return}}">
<label for="{{$t.Code.ID}}">{{$t.Code.Label}}</label>
<input type="text" id="{{$t.Code.ID}}" name="{{$t.Code.Name}}" inputmode="numeric" autocomplete="one-time-code" maxlength="8" autofocus>
{{if $t.Remember.Name}}<div class="check"><input type="checkbox" id="{{$t.Remember.ID}}" name="{{$t.Remember.Name}}" value="true"> <label for="{{$t.Remember.ID}}">{{$t.Remember.Label}}</label></div>{{end}}
<button type="submit" id="{{$t.Submit.ID}}">{{$t.Submit.Label}}</button>
</form>{{end}}`,

	"push": `{{define "content"}}
<div id="push-challenge" class="push-wait"><p>{{.S.Text.Push}}</p><p>Waiting for approval…</p></div>{{end}}`,

	"captcha": `{{define "content"}}
<div id="captcha-container" class="g-recaptcha" data-sitekey="replica"><p>{{.S.Text.Captcha}}</p>
<img alt="captcha" id="captcha-image" width="200" height="70" src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7">
<form method="post" action="{{.S.Login.URL}}"><input type="text" name="captcha_guess" id="captchacharacters"><button type="submit">Continue</button></form></div>{{end}}`,

	"newdevice": `{{define "content"}}
<div id="device-verification"><p>{{.S.Text.NewDevice}}</p>
<form method="post" action="{{.S.Login.URL}}"><label for="email-code">Verification code</label><input type="text" id="email-code" name="email_code"><button type="submit">Verify</button></form></div>{{end}}`,

	"terms": `{{define "content"}}
<div id="terms-update"><p>{{.S.Text.Terms}}</p>
<form method="post" action="{{.S.Terms}}"><button type="submit" id="accept-terms">Accept and continue</button></form></div>{{end}}`,

	"billing": `{{define "content"}}{{$b := .S.Billing}}
<p class="account">{{tr .S.Lang "Signed in as"}} <span id="account-email">{{.Email}}</span></p>
{{if eq $b.Style.Kind "api"}}<table id="{{$b.TableID}}" data-src="{{$b.API}}"><thead><tr><th>{{tr $.S.Lang "Invoice"}}</th><th>{{tr $.S.Lang "Date"}}</th><th>{{tr $.S.Lang "Amount"}}</th><th></th></tr></thead><tbody></tbody></table>
<p id="loading">Loading invoices…</p>
<script>
(async () => {
  const table = document.querySelector('table[data-src]');
  const res = await fetch(table.dataset.src, {credentials: 'include'});
  const body = await res.json();
  for (const inv of body.data) {
    const tr = document.createElement('tr');
    tr.className = 'invoice-row';
    tr.dataset.invoiceId = inv.id;
    for (const [cls, text] of [['number', inv.number], ['date', inv.date], ['amount', inv.amount + ' ' + inv.currency]]) {
      const td = document.createElement('td'); td.className = cls; td.textContent = text; tr.appendChild(td);
    }
    const td = document.createElement('td'); const a = document.createElement('a');
    a.className = 'download'; a.href = inv.pdf_url; a.textContent = 'Download PDF'; td.appendChild(a); tr.appendChild(td);
    table.tBodies[0].appendChild(tr);
  }
  document.getElementById('loading').remove();
  table.dataset.loaded = 'true';
})();
</script>
{{else}}<table id="{{$b.TableID}}"><thead><tr><th>{{tr $.S.Lang "Invoice"}}</th><th>{{tr $.S.Lang "Date"}}</th><th>{{tr $.S.Lang "Amount"}}</th><th></th></tr></thead><tbody>
{{range .Invoices}}<tr class="invoice-row" data-invoice-id="{{.ID}}"><td class="number">{{.Number}}</td><td class="date" data-date="{{.ISODate}}">{{.ShownDate}}</td><td class="amount" data-amount="{{.Decimal}}" data-currency="{{.Currency}}">{{.Shown}}</td>
<td>{{if eq $b.Style.Kind "buttons"}}<form method="post" action="{{$b.Document}}"><input type="hidden" name="id" value="{{.ID}}"><button type="submit" class="download">Download</button></form>
{{else if eq $b.Style.Kind "print"}}<a class="view" href="{{.URL}}">View invoice</a>{{else}}<a class="download" href="{{.URL}}">{{tr $.S.Lang "Download PDF"}}</a>{{end}}</td></tr>
{{else}}<tr><td colspan="4" id="no-invoices">{{tr $.S.Lang "No invoices yet."}}</td></tr>{{end}}
</tbody></table>{{end}}{{end}}`,

	"invoice": `{{define "content"}}{{with .Invoice}}
<div id="invoice" class="printable" data-invoice-id="{{.ID}}">
<p>Invoice number: <span id="invoice-number">{{.Number}}</span></p>
<p>Invoice date: <span id="invoice-date" data-date="{{.ISODate}}">{{.ShownDate}}</span></p>
<p>Billed to: {{$.Email}}</p>
<table><tr><th>Description</th><th>{{tr $.S.Lang "Amount"}}</th></tr><tr><td>Platform usage</td><td id="invoice-amount" data-amount="{{.Decimal}}" data-currency="{{.Currency}}">{{.Shown}}</td></tr></table>
<p class="no-print"><button onclick="window.print()" id="print-invoice">Print</button></p>
</div>{{end}}{{end}}`,

	"settings": `{{define "content"}}
<p>Scan this QR code with your authenticator app.</p>
<img id="totp-qr" alt="QR code for your authenticator app" width="256" height="256" src="{{.QR}}">
<details id="cant-scan"><summary>Can't scan the code?</summary>
<p>Enter this setup key in your app: <code id="setup-key">{{.SetupKey}}</code></p>
<p>Account: {{.Email}}, issuer: {{.S.Name}}, time-based, 6 digits.</p></details>{{end}}`,
}

var pages = func() map[string]*template.Template {
	base := template.Must(template.New("layout").Funcs(template.FuncMap{
		"css": func(s string) template.CSS { return template.CSS(s) },
		"tr":  translate,
	}).Parse(layout))
	m := map[string]*template.Template{}
	for name, src := range pageSources {
		m[name] = template.Must(template.Must(base.Clone()).Parse(src))
	}
	return m
}()

package replica

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// DigitalOcean's own pages. Sources (read 2026-12-06):
//   - Andreii-Davydenko/Verzamel-test providers/digital-ocean.provider.js:
//     login at /login with #email, #password and the button "Log In";
//     "Incorrect email or password"; the code in #code with the button
//     "Verify Code"; "Incorrect code"; /projects after login; the TrustArc
//     consent pop-up (iframe.truste_popframe from consent-pref.trustarc.com
//     ?type=digitalocean_v2&layout=gdpr&site=digitalocean.com, buttons
//     a.acceptAllButtonLower and a.close); GraphQL at /graphql with
//     listBillingHistory (billing_history: description, amount, invoice_id,
//     invoice_uuid, date, type, memo_id, receipt_id; meta.total) and
//     getInvoicePDF (content_type, filename, data in base64).
//   - invoiceradar/plugins plugins/digital-ocean.json: signed in when
//     "nav .account,[aria-label='User Menu']" shows; getMe with
//     current_context and organizations (teams; ?i=<team> selects one);
//     only history items with an invoice_id are invoices.
//   - vishal00074/automationTestingScript
//     sample_automation_scripts/old_Scripts/digitalocean.php (2024-09):
//     form[class*=tfa-form] input[name=otp]; the history page
//     /account/billing/history with div[data-testid=billing-history-entry-row]
//     rows and div[data-label=Date|Amount|Invoice] cells.
//   - /work/shared facts (from an earlier invoiceradar plugin version): PDFs
//     at /v2/customers/do:team:<team>/invoices/<invoice_uuid>/pdf.
//
// Not found in any source, and marked where used: the URLs the login and
// code forms post to (the real panel posts from a single-page app; here
// both post to /login), the layout of the TrustArc pop-up's content, the
// wording of the history's descriptions, and whether the /v2 PDF path
// needs the x-context-id headers the old plugin sent (here the session
// suffices). DigitalOcean's SMS second factor, captcha and device checks
// are not modelled; misbehaviour modes other than the wrong password and
// refused code, and the portal-wide refusals, change nothing here.

const doBase = "https://cloud.digitalocean.com"

type doData struct {
	Title, Error, Email string
	TwoFactor, Consent  bool
	Signed              bool
}

func digitaloceanPages(p *Portal, rs *Routes) {
	rs.Handle("GET", doBase+"/login", p.doLogin)
	rs.Handle("POST", doBase+"/login", p.doLoginSubmit)
	rs.Handle("GET", doBase+"/projects", p.doProjects)
	rs.Handle("GET", doBase+"/account/billing/history", p.doHistory)
	rs.Handle("GET", doBase+"/account/billing", p.doHistory)
	rs.Handle("POST", doBase+"/graphql", p.doGraphQL)
	rs.Handle("GET", doBase+"/v2/customers/{team}/invoices/{uuid}/pdf", p.doPDF)
	rs.Handle("GET", "https://consent-pref.trustarc.com/", p.doConsent)
	rs.Handle("GET", p.spec.Settings, p.settingsPage)
}

// doConsentGiven reports whether the TrustArc pop-up was answered in this
// browser; the pop-up sets a cookie on the panel's host.
func doConsentGiven(r *http.Request) bool {
	_, err := r.Cookie("notice_gdpr_prefs")
	return err == nil
}

func (p *Portal) doAuthed(w http.ResponseWriter, r *http.Request) *session {
	s, st := p.session(r)
	if s != nil && (st == stageIn || st == stageTerms) {
		return s
	}
	http.Redirect(w, r, doBase+"/login", http.StatusFound)
	return nil
}

func (p *Portal) doLogin(w http.ResponseWriter, r *http.Request) {
	doPageSet.render(w, http.StatusOK, "login", &doData{Title: "DigitalOcean - Log In", Consent: !doConsentGiven(r)})
}

func (p *Portal) doLoginSubmit(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	d := &doData{Title: "DigitalOcean - Log In", Consent: !doConsentGiven(r)}
	if otp, ok := r.PostForm["otp"]; ok {
		s, st := p.session(r)
		if s == nil || st != stage2FA {
			http.Redirect(w, r, doBase+"/login", http.StatusFound)
			return
		}
		d.TwoFactor = true
		if !p.verifyCode(s, strings.Join(otp, "")) {
			d.Error = "Incorrect code"
			doPageSet.render(w, http.StatusOK, "login", d)
			return
		}
		p.setStage(s, stageIn)
		http.Redirect(w, r, doBase+"/projects", http.StatusFound)
		return
	}
	d.Email = r.PostForm.Get("email")
	u := p.lookup(d.Email)
	if !p.passwordOK(u, r.PostForm.Get("password")) {
		d.Error = "Incorrect email or password"
		doPageSet.render(w, http.StatusOK, "login", d)
		return
	}
	if _, st := p.signIn(w, r, u, false); st != stage2FA {
		http.Redirect(w, r, doBase+"/projects", http.StatusFound)
		return
	}
	d.TwoFactor = true
	doPageSet.render(w, http.StatusOK, "login", d)
}

func (p *Portal) doProjects(w http.ResponseWriter, r *http.Request) {
	if p.doAuthed(w, r) == nil {
		return
	}
	doPageSet.render(w, http.StatusOK, "projects", &doData{Title: "Projects - DigitalOcean", Signed: true})
}

func (p *Portal) doHistory(w http.ResponseWriter, r *http.Request) {
	if p.doAuthed(w, r) == nil {
		return
	}
	doPageSet.render(w, http.StatusOK, "history", &doData{Title: "Billing - DigitalOcean", Signed: true})
}

// doTeam is the user's team uuid, stable per user.
func doTeam(u *user) string {
	sum := sha256.Sum256([]byte("team/" + u.email))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

type doGraphQLRequest struct {
	OperationName string                     `json:"operationName"`
	Variables     map[string]json.RawMessage `json:"variables"`
}

func (p *Portal) doGraphQL(w http.ResponseWriter, r *http.Request) {
	s, st := p.session(r)
	if s == nil || st != stageIn {
		writeJSON(w, http.StatusUnauthorized, []byte(`{"errors":[{"message":"unauthorized"}]}`))
		return
	}
	var req doGraphQLRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, []byte(`{"errors":[{"message":"bad request"}]}`))
		return
	}
	var data any
	switch req.OperationName {
	case "getMe":
		team := map[string]any{"id": 1, "uuid": doTeam(s.user), "name": "My Team", "__typename": "Organization"}
		data = map[string]any{"getMe": map[string]any{"email": s.user.email, "uuid": doTeam(s.user),
			"current_context": team, "current_context_urn": "do:team:" + doTeam(s.user),
			"organizations": []any{team}, "tfa_enabled": s.user.key != nil, "__typename": "User"}}
	case "listBillingHistory":
		var items []map[string]any
		for _, v := range p.invoiceViews(s.user) {
			t, _ := time.Parse(time.DateOnly, v.ISODate)
			// A payment follows each invoice; only invoices carry an
			// invoice_id.
			items = append(items,
				map[string]any{"description": "Payment (Credit Card)", "amount": "-" + v.Decimal, "invoice_id": "",
					"invoice_uuid": "", "date": t.AddDate(0, 0, 1).Format(time.RFC3339), "type": "Payment",
					"memo_id": "", "receipt_id": v.Number, "account_urn": "do:team:" + doTeam(s.user), "__typename": "BillingHistory"},
				map[string]any{"description": "Invoice for " + t.AddDate(0, -1, 0).Format("January 2006"), "amount": v.Decimal,
					"invoice_id": v.Number, "invoice_uuid": v.ID, "date": t.Format(time.RFC3339), "type": "Invoice",
					"memo_id": "", "receipt_id": "", "account_urn": "do:team:" + doTeam(s.user), "__typename": "BillingHistory"})
		}
		data = map[string]any{"listBillingHistory": map[string]any{"billing_history": items,
			"meta": map[string]any{"total": len(items), "__typename": "Meta"}, "__typename": "ListBillingHistoryResponse"}}
	case "getInvoicePDF":
		var vars struct {
			InvoiceUUID string `json:"invoice_uuid"`
		}
		for _, raw := range req.Variables {
			_ = json.Unmarshal(raw, &vars)
		}
		inv := p.invoice(s.user, vars.InvoiceUUID)
		if inv == nil {
			writeJSON(w, http.StatusOK, []byte(`{"data":{"getInvoicePDF":null},"errors":[{"message":"invoice not found"}]}`))
			return
		}
		rec := &pdfRecorder{header: http.Header{}}
		p.servePDF(rec, s.user, inv, "DigitalOcean Invoice")
		data = map[string]any{"getInvoicePDF": map[string]any{"content_type": "application/pdf",
			"filename": "DigitalOcean Invoice " + inv.Number + ".pdf", "data": base64.StdEncoding.EncodeToString(rec.body),
			"__typename": "InvoicePDF"}}
	default:
		writeJSON(w, http.StatusOK, []byte(`{"errors":[{"message":"unknown operation"}]}`))
		return
	}
	b, _ := json.Marshal(map[string]any{"data": data})
	writeJSON(w, http.StatusOK, b)
}

// pdfRecorder keeps what servePDF writes, for answers that carry the PDF
// inside JSON.
type pdfRecorder struct {
	header http.Header
	body   []byte
}

func (r *pdfRecorder) Header() http.Header         { return r.header }
func (r *pdfRecorder) WriteHeader(int)             {}
func (r *pdfRecorder) Write(b []byte) (int, error) { r.body = append(r.body, b...); return len(b), nil }

func (p *Portal) doPDF(w http.ResponseWriter, r *http.Request) {
	s, st := p.session(r)
	if s == nil || st != stageIn {
		writeJSON(w, http.StatusUnauthorized, []byte(`{"id":"unauthorized","message":"Unable to authenticate you."}`))
		return
	}
	inv := p.invoice(s.user, r.PathValue("uuid"))
	if r.PathValue("team") != "do:team:"+doTeam(s.user) || inv == nil {
		writeJSON(w, http.StatusNotFound, []byte(`{"id":"not_found","message":"The resource you were accessing could not be found."}`))
		return
	}
	p.servePDF(w, s.user, inv, "DigitalOcean Invoice")
}

// doConsent is the TrustArc pop-up's document: agreeing sets the
// preference cookie on the panel and closes the pop-up.
func (p *Portal) doConsent(w http.ResponseWriter, r *http.Request) {
	doPageSet.render(w, http.StatusOK, "consent", &doData{Title: "TrustArc Cookie Consent Manager"})
}

const doLayout = `{{define "layout"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:Inter,Helvetica,Arial,sans-serif;margin:0;background:#f3f5f9;color:#031b4e;font-size:14px}
nav{background:#fff;border-bottom:1px solid #e5e8ed;padding:12px 24px;display:flex;justify-content:space-between;color:#0069ff;font-weight:600}
.card{width:380px;margin:48px auto;background:#fff;border-radius:8px;padding:32px;box-shadow:0 1px 3px #0002}
label{display:block;margin:12px 0 4px;font-weight:600}
input[type=email],input[type=password],input[type=text]{width:100%;box-sizing:border-box;padding:10px;border:1px solid #c9d1de;border-radius:4px;font-size:14px}
button{margin-top:20px;width:100%;padding:10px;background:#0069ff;color:#fff;border:0;border-radius:4px;font-size:15px;cursor:pointer}
.error{color:#d8000c;margin-top:12px}
main{max-width:960px;margin:24px auto;background:#fff;border-radius:8px;padding:24px}
[data-testid=billing-history-entry-row]{display:flex;gap:24px;padding:10px 0;border-bottom:1px solid #e5e8ed}
[data-testid=billing-history-entry-row] div{flex:1}
.truste_popframe{position:fixed;left:50%;top:20%;transform:translateX(-50%);width:520px;height:260px;border:0;box-shadow:0 0 0 9999px #0006;background:#fff;z-index:9}
</style></head><body>
{{if .Signed}}<nav><span>DigitalOcean</span><div class="account" aria-label="User Menu">Account</div></nav>{{end}}
{{template "content" .}}
</body></html>{{end}}`

var doPageSet = newPageSet(doLayout, map[string]string{
	"login": `{{define "content"}}<div class="card" id="root">
{{if .TwoFactor}}<h1>Two-factor authentication</h1>
<form method="post" action="/login" class="tfa-form">
<label for="code">Enter the code from your authenticator app</label>
<input type="text" id="code" name="otp" inputmode="numeric" autocomplete="one-time-code" autofocus>
{{with .Error}}<p class="error" role="alert">{{.}}</p>{{end}}
<button type="submit">Verify Code</button></form>
{{else}}<h1>Log in to DigitalOcean</h1>
<form method="post" action="/login">
<label for="email">Email</label><input type="email" id="email" name="email" value="{{.Email}}" autocomplete="username">
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password">
{{with .Error}}<p class="error" role="alert">{{.}}</p>{{end}}
<button type="submit">Log In</button></form>{{end}}
</div>
{{if .Consent}}<iframe class="truste_popframe" title="TrustArc Cookie Consent Manager" src="https://consent-pref.trustarc.com/?type=digitalocean_v2&amp;layout=gdpr&amp;site=digitalocean.com"></iframe>
<script>
// The pop-up tells the page what was chosen; the cookie's name and value
// are the replica's own (no source shows TrustArc's).
window.addEventListener('message', (ev) => {
  if (ev.origin !== 'https://consent-pref.trustarc.com') return;
  if (ev.data === 'truste-accept') document.cookie = 'notice_gdpr_prefs=0,1,2; path=/; max-age=31536000; secure';
  if (ev.data === 'truste-accept' || ev.data === 'truste-close') document.querySelector('.truste_popframe')?.remove();
});
</script>{{end}}{{end}}`,

	"consent": `{{define "content"}}<div style="padding:20px">
<p>We use cookies to make our site work and to improve it. Choose which cookies you accept.</p>
<a href="#" class="acceptAllButtonLower" onclick="accept(); return false;">Accept all</a>
<a href="#" class="close" onclick="parent.postMessage('truste-close', '*'); return false;">Close</a>
<script>
function accept() { parent.postMessage('truste-accept', '*'); }
</script></div>{{end}}`,

	"projects": `{{define "content"}}<main><h1>Projects</h1><p>Your resources appear here.</p></main>{{end}}`,

	"history": `{{define "content"}}<main><h1>Billing history</h1>
<div role="table" id="billing-history"><div role="rowgroup"></div></div>
<script>
// The panel renders the history from its GraphQL API after the page loads.
(async () => {
  const res = await fetch('/graphql', {method: 'POST', credentials: 'include', headers: {'content-type': 'application/json'},
    body: JSON.stringify({operationName: 'listBillingHistory', variables: {listBillingHistoryRequest: {page: 1, per_page: 20}},
      query: 'query listBillingHistory($listBillingHistoryRequest: ListBillingHistoryRequest) { listBillingHistory(ListBillingHistoryRequest: $listBillingHistoryRequest) { billing_history { description amount invoice_id invoice_uuid date type } meta { total } } }'})});
  const body = await res.json();
  const group = document.querySelector('#billing-history [role=rowgroup]');
  for (const item of body.data.listBillingHistory.billing_history) {
    const row = document.createElement('div');
    row.setAttribute('role', 'row');
    row.dataset.testid = 'billing-history-entry-row';
    for (const [label, text] of [['Date', item.date.slice(0, 10)], ['Description', item.description], ['Amount', '$' + item.amount.replace('-', '')], ['Invoice', item.invoice_id]]) {
      const cell = document.createElement('div'); cell.dataset.label = label; cell.textContent = text; row.appendChild(cell);
    }
    group.appendChild(row);
  }
})();
</script></main>{{end}}`,
}, nil)

package portals

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
)

// The step test pages each need one construct of real portals: frames,
// shadow roots, popups, one-digit boxes, method pickers, consent banners,
// pagination and billing entities. Static pages live in
// testdata/pages; the pages below are built per request.

type stepInvoice struct{ ID, Date, Amount string }

// stepInvoices are printed the way a German portal prints them.
var stepInvoices = []stepInvoice{
	{"R-2026-11", "12.11.2026", "1.234,56 €"},
	{"R-2026-10", "01.10.2026", "12,00 €"},
	{"R-2026-09", "03.09.2026", "99,90 €"},
	{"R-2025-08", "15.08.2025", "7,50 €"},
	{"R-2025-07", "02.07.2025", "0,99 €"},
}

const stepPageSize = 2

// receiptViews counts the receipt pages served, so a test can tell that
// stored receipts are not opened again.
var receiptViews atomic.Int64

func stepPage(page int) (items []stepInvoice, more bool) {
	from := (page - 1) * stepPageSize
	if page < 1 || from >= len(stepInvoices) {
		return nil, false
	}
	to := min(from+stepPageSize, len(stepInvoices))
	return stepInvoices[from:to], to < len(stepInvoices)
}

// consentBanners reproduce the first layer of each consent manager's
// banner with the ids and attributes its sources show (see consent.go);
// the texts are placeholders, since scripts never rely on them. Each one
// covers the page, so a click under it lands on the banner.
var consentBanners = map[string]string{
	"onetrust": `<div id="onetrust-consent-sdk"><div class="onetrust-pc-dark-filter" style="position:fixed;inset:0;background:rgba(0,0,0,.5)"></div>
<div id="onetrust-banner-sdk" class="otFlat" role="region" aria-label="Cookie banner" style="position:fixed;inset:0;background:#fff">
<div id="onetrust-policy-text">We use cookies.</div>
<div id="onetrust-button-group"><button id="onetrust-accept-btn-handler">Accept All Cookies</button><button id="onetrust-reject-all-handler">Reject All</button></div></div></div>`,
	"cookiebot": `<div id="CybotCookiebotDialog" name="CybotCookiebotDialog" role="dialog" style="position:fixed;inset:0;background:#fff">
<div id="CybotCookiebotDialogBody">This website uses cookies.</div>
<button id="CybotCookiebotDialogBodyButtonDecline">Deny</button>
<button id="CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll">Allow all</button></div>`,
	"usercentrics": `<div id="usercentrics-root"></div>
<script>
  const root = document.getElementById('usercentrics-root').attachShadow({mode: 'open'});
  root.innerHTML = '<div style="position:fixed;inset:0;background:#fff" data-testid="uc-default-banner">' +
    '<button role="button" data-testid="uc-accept-all-button">Accept All</button>' +
    '<button role="button" data-testid="uc-deny-all-button">Deny</button></div>';
  root.querySelector('[data-testid=uc-accept-all-button]').onclick = () => { window.consent = 'accepted'; root.innerHTML = ''; };
  root.querySelector('[data-testid=uc-deny-all-button]').onclick = () => { window.consent = 'rejected'; root.innerHTML = ''; };
</script>`,
	"didomi": `<div id="didomi-host"><div class="didomi-popup-container" style="position:fixed;inset:0;background:#fff">
<div id="didomi-notice" class="didomi-notice-banner">We and our partners use cookies.
<button id="didomi-notice-agree-button">Agree and close</button>
<button id="didomi-notice-disagree-button">Continue without agreeing</button></div></div></div>`,
	"trustarc": `<div id="truste-consent-track" style="position:fixed;inset:0;background:#fff">
<div id="truste-consent-content">This site uses cookies.
<button id="truste-consent-button">Accept all</button>
<button id="truste-consent-required">Required only</button></div></div>`,
}

// consentButtons says which button of each banner rejects.
var consentButtons = map[string][2]string{
	"onetrust":  {"#onetrust-reject-all-handler", "#onetrust-accept-btn-handler"},
	"cookiebot": {"#CybotCookiebotDialogBodyButtonDecline", "#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll"},
	"didomi":    {"#didomi-notice-disagree-button", "#didomi-notice-agree-button"},
	"trustarc":  {"#truste-consent-required", "#truste-consent-button"},
}

func serveStepPage(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/steps/")
	html := func(s string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, s)
	}
	switch {
	case strings.HasPrefix(name, "pdf/"):
		w.Header().Set("Content-Type", pdfType)
		fmt.Fprintf(w, "%%PDF-1.4\n%% invoice %s\n%%%%EOF\n", strings.TrimPrefix(name, "pdf/"))
	case name == "list":
		// A list rendered by the server, one page per URL, with a next link
		// on every page but the last.
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		items, more := stepPage(page)
		var b strings.Builder
		b.WriteString(`<!doctype html><html><body><table id="list"><tbody>`)
		for _, it := range items {
			fmt.Fprintf(&b, `<tr class="inv"><td class="id">%s</td><td class="date">%s</td><td class="amount">%s</td><td><a class="pdf" href="/steps/pdf/%s">PDF</a></td></tr>`, it.ID, it.Date, it.Amount, it.ID)
		}
		b.WriteString(`</tbody></table>`)
		if more {
			fmt.Fprintf(&b, `<a class="next" href="/steps/list?page=%d">Weiter</a>`, page+1)
		} else {
			b.WriteString(`<a class="next" aria-disabled="true">Weiter</a>`)
		}
		b.WriteString(`</body></html>`)
		html(b.String())
	case name == "api/list":
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		items, more := stepPage(page)
		type item struct {
			ID     string `json:"id"`
			Date   string `json:"date"`
			Amount string `json:"amount"`
		}
		out := struct {
			Items []item `json:"items"`
			More  bool   `json:"more"`
		}{Items: []item{}, More: more}
		for _, it := range items {
			out.Items = append(out.Items, item(it))
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	case name == "receipts":
		// Receipts that are web pages: the list links to one page each.
		var b strings.Builder
		b.WriteString(`<!doctype html><html><body><h1>Billing history</h1><table id="receipts"><tbody>`)
		for _, it := range stepInvoices[:3] {
			fmt.Fprintf(&b, `<tr><td class="id">%s</td><td>%s</td><td><a class="view" href="/steps/receipt/%s">View receipt</a></td></tr>`, it.ID, it.Date, it.ID)
		}
		b.WriteString(`</tbody></table></body></html>`)
		html(b.String())
	case strings.HasPrefix(name, "receipt/"):
		id := strings.TrimPrefix(name, "receipt/")
		i := slices.IndexFunc(stepInvoices, func(it stepInvoice) bool { return it.ID == id })
		if i < 0 {
			http.NotFound(w, r)
			return
		}
		receiptViews.Add(1)
		it := stepInvoices[i]
		// The receipt renders after load, as a single-page app's does; it
		// asks for A5 paper and hides the navigation in print, so the PDF
		// shows whether the page's own print styles were kept.
		html(fmt.Sprintf(`<!doctype html><html><head><style>
@page { size: A5; margin: 10mm }
@media print { nav { display: none } }
</style></head><body><nav>Account · Billing · Sign out</nav><div id="back"><a href="/steps/receipts">Back to billing history</a></div><main id="receipt"></main>
<script>
setTimeout(() => {
  document.getElementById('receipt').innerHTML =
    '<h1>Receipt</h1><p class="number">Order # %s</p><p class="date">%s</p><p>Total: <span class="total">%s</span></p>';
}, 20);
</script></body></html>`, it.ID, it.Date, it.Amount))
	case name == "consent":
		cmp := r.URL.Query().Get("cmp")
		banner, ok := consentBanners[cmp]
		if !ok {
			http.NotFound(w, r)
			return
		}
		wire := ""
		if b, ok := consentButtons[cmp]; ok {
			wire = fmt.Sprintf(`<script>
  const close = (v) => () => { window.consent = v; document.querySelector(%q).closest('body > div').remove(); };
  document.querySelector(%q).onclick = close('rejected');
  document.querySelector(%q).onclick = close('accepted');
</script>`, b[0], b[0], b[1])
		}
		html(`<!doctype html><html><body><h1>Sign in</h1><button id="continue">Continue</button><p id="result"></p>
<script>window.consent = 'none'; document.getElementById('continue').onclick = () => { document.getElementById('result').textContent = 'Continued, consent ' + window.consent; };</script>
` + banner + wire + `</body></html>`)
	case name == "orgs":
		// One login, several billing entities: each organisation has its
		// own invoice list.
		html(`<!doctype html><html><body><h1>Your organisations</h1><ul>
<li><a class="org" href="/steps/org/acme">Acme GmbH</a></li>
<li><a class="org" href="/steps/org/globex">Globex Ltd</a></li></ul></body></html>`)
	case strings.HasPrefix(name, "org/"):
		org := strings.TrimPrefix(name, "org/")
		var b strings.Builder
		fmt.Fprintf(&b, `<!doctype html><html><body><h1>Invoices of %s</h1><table id="list"><tbody>`, org)
		for i := 1; i <= 2; i++ {
			fmt.Fprintf(&b, `<tr class="inv"><td class="id">%d</td><td><a class="pdf" href="/steps/pdf/%s-%d">PDF</a></td></tr>`, i, org, i)
		}
		b.WriteString(`</tbody></table></body></html>`)
		html(b.String())
	default:
		if strings.Contains(name, "/") || strings.Contains(name, "..") {
			http.NotFound(w, r)
			return
		}
		data, err := os.ReadFile(filepath.Join("testdata", "pages", name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		html(string(data))
	}
}

package portals

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
)

// stepHeader is the metadata of the step test scripts; they print the
// page they end on, so every script can store something.
const stepHeader = header + `locale: de-DE
`

const printDocuments = `
documents:
  - download: {id: page, print: true}
`

// runSteps plays src against the step test pages and returns the result
// and what was stored.
func runStepScript(t *testing.T, src string, job func(*Job)) (*Result, *memStore, error) {
	t.Helper()
	pool := testPool(t)
	host, _ := newSite(t)
	sec := &fakeSecrets{password: "correct horse", code: "123456", hasKey: true}
	st := &memStore{}
	r := NewRunner(scriptFor(t, host, src), pool)
	r.StepTimeout = 10 * time.Second
	j := testJob(t, sec, st, nil)
	if job != nil {
		job(j)
	}
	res, err := runJob(t, r, j)
	return res, st, err
}

func mustOK(t *testing.T, res *Result, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stepsText(res))
	}
}

// TestFrameStep signs in through a form two iframes deep: a frame of
// another origin on the same site, and in it a frame of another site,
// which Chromium runs in a process of its own.
func TestFrameStep(t *testing.T) {
	// The frames come from other hosts, which the script lists:
	// the browser reaches no host a script does not list.
	src := strings.Replace(stepHeader, "hosts: [HOST]", "hosts: [HOST, login-HOST, id.thirdparty.test]", 1)
	res, _, err := runStepScript(t, src+`two_factor: []
login:
  - navigate: https://HOST/steps/frames.html
  - frame:
      selector: "iframe#outer"
      do:
        - frame:
            selector: "iframe#inner"
            do:
              - type: {selector: "input[name=email]", value: "{{username}}"}
              - type: {selector: "input[name=password]", value: "{{password}}"}
              - click: "button#go"
              - wait: {text: "Signed in as demo@example.com with a password of 13 characters"}
        - wait: {text: "Sign in with your ID"}
  - wait: {selector: "h1"}
`+printDocuments, nil)
	mustOK(t, res, err)
}

// TestShadowRoots types into a field two open shadow roots deep, with a
// credential other than username and password.
func TestShadowRoots(t *testing.T) {
	src := strings.Replace(stepHeader, "credentials: [{name: username}, {name: password}]",
		"credentials: [{name: customer_number, label: Kundennummer}]", 1) + `two_factor: []
login:
  - navigate: https://HOST/steps/shadow.html
  - type: {selector: "acme-login >>> acme-field >>> input[name=customer]", value: "{{customer_number}}"}
  - click: "acme-login >>> button"
  - wait: {visible: "acme-login >>> p.done"}
  - extract: {done: {selector: "acme-login >>> p.done"}}
  - if: {js: "document.querySelector('acme-login').shadowRoot.querySelector('.done').textContent === 'Customer K-12345'"}
    else:
      - fail: {outcome: portal_changed, detail: "the shadow form read {{done}}"}
` + printDocuments
	res, _, err := runStepScript(t, src, func(j *Job) { j.Fields = map[string]string{"customer_number": "K-12345"} })
	mustOK(t, res, err)

	// A credential the account lacks is a clear outcome, not a typo typed.
	_, _, err = runStepScript(t, src, nil)
	if twofetch.OutcomeOf(err) != twofetch.OutcomeBadCredentials || !strings.Contains(err.Error(), "Kundennummer") {
		t.Errorf("without a customer number: %v", err)
	}
}

// TestPopupStep follows an invoice that opens in a new tab, downloads it
// there and goes on in the page that opened it.
func TestPopupStep(t *testing.T) {
	res, st, err := runStepScript(t, stepHeader+`two_factor: []
login:
  - navigate: https://HOST/steps/popup.html
documents:
  - navigate: https://HOST/steps/popup.html
  - popup:
      click: "a#open"
      do:
        - wait: {text: "Invoice INV-7"}
        - extract: {pdf: {selector: "a#pdf", attr: href}}
        - download: {id: INV-7, url: "{{pdf}}"}
  - wait: {selector: "#after"}
`, nil)
	mustOK(t, res, err)
	if d := st.get("INV-7"); d == nil || !strings.Contains(string(d.Data), "invoice INV-7") {
		t.Errorf("the invoice of the new tab was not stored: %+v", d)
	}
}

// TestCodeBoxes types an authenticator code one digit per box.
func TestCodeBoxes(t *testing.T) {
	res, _, err := runStepScript(t, stepHeader+`two_factor: [totp]
login:
  - navigate: https://HOST/steps/boxes.html?code=123456
  - type: {selector: "input.digit", value: "{{otp}}", boxes: true, submit: true}
  - wait: {any: [{text: "Code accepted"}, {text: "Wrong code"}]}
  - if: {text: "Wrong code"}
    then:
      - fail: {outcome: otp_rejected}
`+printDocuments, nil)
	mustOK(t, res, err)
	// The log shows the template, never the code.
	for _, s := range res.Steps {
		if strings.Contains(s.Detail, "123456") && !strings.Contains(s.Detail, "code=123456") {
			t.Errorf("step log holds the code: %s", s)
		}
	}
}

// TestMethodPicker chooses the authenticator app among the second
// factors a portal offers, by the entry's text.
func TestMethodPicker(t *testing.T) {
	res, _, err := runStepScript(t, stepHeader+`two_factor: [totp, sms]
login:
  - navigate: https://HOST/steps/picker.html
  - click: {selector: "button.method", text: "authenticator app"}
  - wait: {visible: "input[name=otp]"}
  - if: {not: {text: "chose totp"}}
    then:
      - fail: {outcome: portal_changed, detail: another method was chosen}
  - type: {selector: "input[name=otp]", value: "{{otp}}"}
`+printDocuments, nil)
	mustOK(t, res, err)
}

// TestConsentBanners dismisses the banners of the common consent
// managers, in their real markup, wherever they appear: the script only
// says consent: reject, and its click lands on the page under the banner.
func TestConsentBanners(t *testing.T) {
	script := func(action string) string {
		return stepHeader + "consent: " + action + "\ntwo_factor: []\n" + `login:
  - navigate: https://HOST/steps/consent?cmp=CMP
  - click: "#continue"
  - wait: {text: "Continued, consent"}
  - extract: {result: {selector: "#result"}}
  - if: {not: {text: "Continued, consent WANT"}}
    then:
      - fail: {outcome: portal_changed, detail: "{{result}}"}
` + printDocuments
	}
	for _, tc := range []struct{ cmp, action, want string }{
		{"onetrust", "reject", "rejected"},
		{"cookiebot", "reject", "rejected"},
		{"usercentrics", "reject", "rejected"},
		{"didomi", "reject", "rejected"},
		{"trustarc", "reject", "rejected"},
		{"onetrust", "accept", "accepted"},
		{"usercentrics", "accept", "accepted"},
	} {
		t.Run(tc.cmp+" "+tc.action, func(t *testing.T) {
			src := strings.NewReplacer("CMP", tc.cmp, "WANT", tc.want).Replace(script(tc.action))
			res, _, err := runStepScript(t, src, nil)
			mustOK(t, res, err)
		})
	}
	t.Run("without consent the banner is in the way", func(t *testing.T) {
		src := strings.NewReplacer("CMP", "onetrust", "WANT", "rejected", "consent: reject\n", "").Replace(script("reject"))
		res, _, err := runStepScript(t, src, nil)
		if twofetch.OutcomeOf(err) != twofetch.OutcomePortalChanged {
			t.Fatalf("outcome %v; the click should have hit the banner\n%s", err, stepsText(res))
		}
	})
}

const listDocs = `
        - for_each:
            rows: "tr.inv"
            fields:
              id: {selector: td.id}
              date: {selector: td.date}
              amount: {selector: td.amount}
              pdf: {selector: a.pdf, attr: href}
            id: "{{row.id}}"
            date: "{{row.date}}"
            do:
              - download: {id: "{{row.id}}", date: "{{row.date}}", amount: "{{row.amount}}", url: "{{row.pdf}}"}
`

// TestPaginate reads a list of five invoices, two per page, printed the
// German way, in each kind of pagination, and stores them with ISO dates
// and decimal amounts.
func TestPaginate(t *testing.T) {
	all := []string{"R-2025-07", "R-2025-08", "R-2026-09", "R-2026-10", "R-2026-11"}
	for _, tc := range []struct {
		name, steps string
		since       time.Time
		want        []string
	}{
		{"next button", `
  - navigate: https://HOST/steps/list?page=1
  - paginate:
      next: "a.next"
      do:` + listDocs, time.Time{}, all},
		{"next button with max", `
  - navigate: https://HOST/steps/list?page=1
  - paginate:
      next: "a.next"
      max: 2
      do:` + listDocs, time.Time{}, all[1:]},
		{"load more", `
  - navigate: https://HOST/steps/list-more.html
  - wait: {selector: "tr.inv"}
  - paginate:
      more: "#more"
      do:` + listDocs, time.Time{}, all},
		{"page parameter", `
  - paginate:
      url: "https://HOST/steps/list?page={{page}}"
      stop: {not: {selector: "tr.inv"}}
      do:` + listDocs, time.Time{}, all},
		{"date window", `
  - navigate: https://HOST/steps/list?page=1
  - paginate:
      next: "a.next"
      do:` + listDocs, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), all[2:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, st, err := runStepScript(t, stepHeader+"two_factor: []\nlogin:\n  - navigate: https://HOST/steps/list?page=1\ndocuments:"+tc.steps, func(j *Job) { j.Since = tc.since })
			mustOK(t, res, err)
			var got []string
			for id := range st.docs {
				got = append(got, id)
			}
			sort.Strings(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("stored %v, want %v\n%s", got, tc.want, stepsText(res))
			}
			d := st.get("R-2026-11")
			if d.Date != "2026-11-12" || d.Amount != "1234.56" || d.Currency != "EUR" {
				t.Errorf("R-2026-11 stored as %s, %s %s; want 2026-11-12, 1234.56 EUR", d.Date, d.Amount, d.Currency)
			}
		})
	}
}

// TestBillingEntities fetches the invoices of every organisation behind
// one login, keeping their ids apart.
func TestBillingEntities(t *testing.T) {
	res, st, err := runStepScript(t, stepHeader+`two_factor: []
login:
  - navigate: https://HOST/steps/orgs
documents:
  - navigate: https://HOST/steps/orgs
  - for_each:
      rows: "a.org"
      fields:
        name: {}
        href: {attr: href}
      do:
        - set: {org: "{{row.name}}"}
        - navigate: "{{row.href}}"
        - for_each:
            rows: "tr.inv"
            fields:
              id: {selector: td.id}
              pdf: {selector: a.pdf, attr: href}
            id: "{{org}}/{{row.id}}"
            do:
              - download: {id: "{{org}}/{{row.id}}", url: "{{row.pdf}}"}
`, nil)
	mustOK(t, res, err)
	var got []string
	for id, d := range st.docs {
		got = append(got, fmt.Sprintf("%s=%s", id, strings.Fields(string(d.Data))[3]))
	}
	sort.Strings(got)
	want := []string{"Acme GmbH/1=acme-1", "Acme GmbH/2=acme-2", "Globex Ltd/1=globex-1", "Globex Ltd/2=globex-2"}
	if !slices.Equal(got, want) {
		t.Errorf("stored %v, want %v", got, want)
	}
}

// TestPrintStep stores receipts that are web pages: each is opened from
// the list in the run's tab, printed with its own print styles once it has
// rendered, its number, date and amount read from the page, and the tab
// goes back to the list. A second run opens no receipt page at all.
func TestPrintStep(t *testing.T) {
	pool := testPool(t)
	host, _ := newSite(t)
	r := NewRunner(scriptFor(t, host, stepHeader+`two_factor: []
login:
  - navigate: https://HOST/steps/receipts
documents:
  - navigate: https://HOST/steps/receipts
  - for_each:
      rows: "table#receipts tbody tr"
      fields: {id: {selector: td.id}, view: {selector: a.view, attr: href}}
      id: "{{row.id}}"
      do:
        - print:
            id: "{{row.id}}"
            url: "{{row.view}}"
            ready: {selector: "#receipt .total"}
            extract:
              number: {selector: "#receipt .number", regex: "#\\s*(\\S+)"}
              issued: {selector: "#receipt .date"}
              total: {selector: "#receipt .total"}
            number: "{{number}}"
            date: "{{issued}}"
            amount: "{{total}}"
        - if: {selector: "table#receipts"}
          else:
            - fail: {outcome: portal_changed, detail: "print did not go back to the list"}
`), pool)
	r.StepTimeout = 10 * time.Second
	st := &memStore{}
	sec := &fakeSecrets{password: "correct horse"}
	before := receiptViews.Load()
	res, err := runJob(t, r, testJob(t, sec, st, nil))
	mustOK(t, res, err)
	if res.New != 3 || receiptViews.Load()-before != 3 {
		t.Fatalf("stored %d receipts from %d receipt pages, want 3 from 3\n%s", res.New, receiptViews.Load()-before, stepsText(res))
	}
	mediaBox := regexp.MustCompile(`/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]`)
	for _, want := range []struct{ id, date, amount string }{
		{"R-2026-11", "2026-11-12", "1234.56"}, {"R-2026-10", "2026-10-01", "12.00"}, {"R-2026-09", "2026-09-03", "99.90"},
	} {
		d := st.get(want.id)
		if d == nil {
			t.Errorf("%s not stored", want.id)
			continue
		}
		if d.Kind != twofetch.KindReceipt || d.Number != want.id || d.Date != want.date || d.Amount != want.amount || d.Currency != "EUR" {
			t.Errorf("%s stored as %s %q %s %s %s, want receipt %s %s %s EUR", want.id, d.Kind, d.Number, d.Date, d.Amount, d.Currency, want.id, want.date, want.amount)
		}
		// The page asks for A5 (148 × 210 mm, 420 × 595 points); the
		// default paper would be A4 (595 × 842).
		m := mediaBox.FindSubmatch(d.Data)
		if !bytes.HasPrefix(d.Data, []byte("%PDF-")) || m == nil {
			t.Errorf("%s: not a PDF with a page size (%q)", want.id, printable(d.Data, 16))
			continue
		}
		if w, _ := strconv.ParseFloat(string(m[1]), 64); w < 415 || w > 425 {
			t.Errorf("%s printed %s points wide, not on the page's A5", want.id, m[1])
		}
	}

	before = receiptViews.Load()
	res, err = runJob(t, r, testJob(t, sec, st, nil))
	mustOK(t, res, err)
	if res.Outcome != twofetch.OutcomeNoDocuments || receiptViews.Load() != before {
		t.Errorf("second run: %s, %d receipt pages opened; want no_documents, none\n%s", res.Outcome, receiptViews.Load()-before, stepsText(res))
	}

	// Without a URL the current page is printed, and stays: what remove
	// names is gone from it.
	res, st2, err := runStepScript(t, stepHeader+`two_factor: []
login:
  - navigate: https://HOST/steps/receipts
documents:
  - navigate: https://HOST/steps/receipt/R-2026-11
  - print: {id: R-2026-11, ready: {selector: "#receipt .total"}, remove: ["#back", "nav"], kind: invoice}
  - if: {selector: "#back, nav"}
    then:
      - fail: {outcome: portal_changed, detail: "remove left the back link"}
`, nil)
	mustOK(t, res, err)
	if d := st2.get("R-2026-11"); d == nil || d.Kind != twofetch.KindInvoice {
		t.Errorf("the current page was not printed as an invoice: %+v", d)
	}
}

package portals

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/twofetch/twofetch"
)

// Paper sizes a print step may ask for where the page sets none.
var printPapers = map[string]chromedp.PaperSize{
	"a4":     chromedp.PaperA4,
	"letter": chromedp.PaperLetter,
}

// print stores a receipt page as the PDF the browser prints of it. The
// receipt's id is checked first, so a stored receipt is never opened; the
// page is printed with its own print styles (@media print, @page size),
// in the tab and session of the run, as a person's Save as PDF would.
func (rn *run) print(ctx context.Context, p *PrintStep) (detail string, err error) {
	id, err := expand(p.ID, rn.lookup)
	if err != nil {
		return p.ID, err
	}
	id = strings.TrimSpace(id)
	if id == "" {
		return id, twofetch.Fail(twofetch.OutcomePortalChanged, "print has an empty receipt id")
	}
	if rn.saved[id] {
		return id + " (already stored in this run)", errSkipped
	}
	if !rn.fresh[id] {
		known, err := rn.known(ctx, []string{id})
		if err != nil {
			return id, err
		}
		if known[id] {
			return id + " (already stored)", errSkipped
		}
	}
	if p.URL != "" {
		from, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			return id, err
		}
		if _, err := rn.navigate(ctx, p.URL); err != nil {
			return id, err
		}
		// The steps after this one go on in the page the receipt was
		// opened from. It is opened again rather than taken from the
		// history: a page restored from the back-forward cache sends no
		// load event to wait for.
		defer func() {
			if err == nil && from != "" && from != "about:blank" {
				_, err = rn.navigate(ctx, from)
			}
		}()
	}
	if p.Ready != nil {
		c, err := expandCond(p.Ready, rn.lookup)
		if err != nil {
			return id, err
		}
		if err := rn.waitCond(ctx, c); err != nil {
			return id, fmt.Errorf("the receipt page never showed %s: %w", condDesc(c), err)
		}
	}
	if len(p.Extract) > 0 {
		vals, err := rn.readFields(ctx, "", p.Extract)
		if err != nil {
			return id, err
		}
		for _, k := range slices.Sorted(maps.Keys(vals[0])) {
			rn.vars.v[k] = vals[0][k]
		}
	}
	doc := &Document{PortalInvoiceID: id, ContentType: pdfType}
	if doc.Kind, err = documentKind(cmp.Or(p.Kind, string(twofetch.KindReceipt)), rn.lookup); err != nil {
		return id, twofetch.FailWith(twofetch.OutcomePortalChanged, err, "receipt "+id)
	}
	for _, f := range []struct {
		dst  *string
		tmpl string
	}{{&doc.Number, p.Number}, {&doc.Date, p.Date}, {&doc.Amount, p.Amount}, {&doc.Currency, p.Currency}} {
		v, err := expand(f.tmpl, rn.lookup)
		if err != nil {
			return id, err
		}
		*f.dst = strings.TrimSpace(v)
	}
	if err := normalizeDocument(doc, cmp.Or(p.Locale, rn.s.Locale, "en")); err != nil {
		return id, twofetch.FailWith(twofetch.OutcomePortalChanged, err, "receipt "+id)
	}
	if !rn.job.Since.IsZero() && doc.Date != "" && doc.Date < rn.job.Since.Format(time.DateOnly) {
		return id + " (before the date window)", errSkipped
	}
	if len(p.Remove) > 0 {
		sels := make([]string, len(p.Remove))
		for i, sel := range p.Remove {
			sels[i] = rn.sel(sel)
		}
		b, _ := json.Marshal(sels)
		if err := rn.eval(ctx, wrapJS(fmt.Sprintf(`((sels) => { for (const s of sels) for (const e of __qa(document, s)) e.remove(); return true; })(%s)`, b)), false, nil); err != nil {
			return id, fmt.Errorf("remove elements before printing: %w", err)
		}
	}
	paper, ok := printPapers[cmp.Or(p.Paper, "a4")]
	if !ok {
		return id, fmt.Errorf("paper %q is not a4 or letter", p.Paper)
	}
	doc.Data, err = chromedp.Run(ctx, chromedp.PrintToPDF(
		chromedp.PDFPaper(paper), chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()))
	if err != nil {
		return id, fmt.Errorf("print the receipt: %w", err)
	}
	if _, err := rn.store(ctx, doc, pdfType); err != nil {
		return id, err
	}
	return fmt.Sprintf("%s (%s, %d bytes)", id, doc.Kind, len(doc.Data)), nil
}

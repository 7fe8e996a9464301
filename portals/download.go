package portals

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	cdpio "github.com/chromedp/cdproto/io"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/twofetch/twofetch"
)

const pdfType = "application/pdf"

// documentKind expands a kind template; empty is an invoice.
func documentKind(tmpl string, lookup func(string) (string, error)) (twofetch.DocumentKind, error) {
	v, err := expand(tmpl, lookup)
	if err != nil {
		return "", err
	}
	return twofetch.ParseDocumentKind(strings.TrimSpace(v))
}

// fetchJS downloads a URL inside the page, so the request carries the
// session's cookies, and returns it base64-encoded.
const fetchJS = `(async (url, max) => {
	const r = await fetch(url, {credentials: 'include'});
	if (!r.ok) throw new Error('HTTP ' + r.status + ' for the document');
	const b = new Uint8Array(await r.arrayBuffer());
	if (b.length > max) throw new Error('document larger than ' + max + ' bytes');
	let s = '';
	for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
	return {type: r.headers.get('content-type') || '', data: btoa(s)};
})`

func (rn *run) download(ctx context.Context, d *DownloadStep) (string, error) {
	doc := &Document{ContentType: d.ContentType}
	var err error
	for _, f := range []struct {
		dst  *string
		tmpl string
	}{{&doc.PortalInvoiceID, d.ID}, {&doc.Number, d.Number}, {&doc.Date, d.Date}, {&doc.Amount, d.Amount}, {&doc.Currency, d.Currency}} {
		v, err := expand(f.tmpl, rn.lookup)
		if err != nil {
			return d.ID, err
		}
		*f.dst = strings.TrimSpace(v)
	}
	id := doc.PortalInvoiceID
	if id == "" {
		return id, twofetch.Fail(twofetch.OutcomePortalChanged, "download has an empty invoice id")
	}
	if doc.Kind, err = documentKind(d.Kind, rn.lookup); err != nil {
		return id, twofetch.FailWith(twofetch.OutcomePortalChanged, err, "invoice "+id)
	}
	if err := normalizeDocument(doc, cmp.Or(d.Locale, rn.s.Locale, "en")); err != nil {
		return id, twofetch.FailWith(twofetch.OutcomePortalChanged, err, "invoice "+id)
	}
	if rn.saved[id] {
		return id + " (already stored in this run)", errSkipped
	}
	if !rn.job.Since.IsZero() && doc.Date != "" && doc.Date < rn.job.Since.Format(time.DateOnly) {
		return id + " (before the date window)", errSkipped
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
	var served string
	switch {
	case d.URL != "":
		doc.Data, served, err = rn.fetchURL(ctx, d.URL)
	case d.Click != "":
		doc.Data, err = rn.clickDownload(ctx, rn.sel(d.Click))
	case d.Base64 != "":
		doc.Data, err = rn.fromBase64(d.Base64)
	case d.Print:
		doc.Data, err = chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPrintBackground()))
		served = pdfType
	}
	if err != nil {
		return id, err
	}
	if _, err := rn.store(ctx, doc, served); err != nil {
		return id, err
	}
	return fmt.Sprintf("%s (%d bytes)", id, len(doc.Data)), nil
}

func (rn *run) fetchURL(ctx context.Context, raw string) ([]byte, string, error) {
	u, err := expand(raw, rn.lookup)
	if err != nil {
		return nil, "", err
	}
	if u, err = rn.resolveURL(ctx, u); err != nil {
		return nil, "", err
	}
	type fetched struct {
		Type string `json:"type"`
		Data string `json:"data"`
	}
	expr := fmt.Sprintf("%s(%s, %d)", fetchJS, jsString(u), rn.r.MaxDocumentSize)
	var f fetched
	if err := rn.eval(ctx, expr, true, &f); err != nil {
		if strings.Contains(err.Error(), "Failed to fetch") {
			// A link to another origin that sends no CORS headers: the
			// browser itself may still load it with the session's cookies.
			return rn.loadResource(ctx, u)
		}
		return nil, "", err
	}
	data, err := base64.StdEncoding.DecodeString(f.Data)
	return data, f.Type, err
}

// loadResource has the browser load a URL for the page's frame, cookies
// included but outside the page's CORS rules, and reads it as a stream.
func (rn *run) loadResource(ctx context.Context, u string) ([]byte, string, error) {
	frame := cdp.FrameID(chromedp.FromContext(rn.l.ctx).Target.TargetID)
	res, err := chromedp.Call(ctx, network.LoadNetworkResource, network.LoadNetworkResourceParams{
		FrameID: frame, URL: u, Options: &network.LoadNetworkResourceOptions{IncludeCredentials: true},
	})
	if err != nil {
		return nil, "", err
	}
	r := res.Resource
	if r == nil || !r.Success {
		status, name := 0.0, ""
		if r != nil {
			status, name = r.HTTPStatusCode, r.NetErrorName
		}
		return nil, "", fmt.Errorf("loading the document failed (HTTP %v %s)", status, name)
	}
	if r.HTTPStatusCode >= 400 {
		return nil, "", fmt.Errorf("HTTP %v for the document", r.HTTPStatusCode)
	}
	defer chromedp.Call(context.WithoutCancel(ctx), cdpio.Close, cdpio.CloseParams{Handle: r.Stream})
	var data []byte
	for {
		chunk, err := chromedp.Call(ctx, cdpio.Read, cdpio.ReadParams{Handle: r.Stream, Size: 1 << 20})
		if err != nil {
			return nil, "", err
		}
		data = append(data, chunk.Data...)
		if len(data) > rn.r.MaxDocumentSize {
			return nil, "", fmt.Errorf("document larger than %d bytes", rn.r.MaxDocumentSize)
		}
		if chunk.EOF {
			break
		}
	}
	ct := ""
	for k, v := range r.Headers {
		if strings.EqualFold(k, "content-type") {
			ct = fmt.Sprint(v)
		}
	}
	return data, ct, nil
}

// clickDownload clicks and waits for the browser download it starts. The
// events come from the whole browser; only a file that appears in this
// job's own download directory is ours.
func (rn *run) clickDownload(ctx context.Context, sel string) ([]byte, error) {
	if rn.r.pool.cfg.RemoteURL != "" {
		return rn.clickDownloadStreamed(ctx, sel)
	}
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	begin := chromedp.BrowserEvents(ctx, browser.DownloadWillBegin)
	ours := map[string]bool{}
	go func() {
		// Frames of this tab start our downloads; remember their ids so a
		// cancelled download of another job is not taken for ours.
		for ev, err := range begin {
			if err != nil {
				return
			}
			rn.mu.Lock()
			ours[ev.GUID] = true
			rn.mu.Unlock()
		}
	}()
	var err error
	if rn.scoped(sel) {
		err = rn.clickScoped(ctx, sel, "", -1)
	} else {
		err = rn.ptr.click(ctx, sel)
	}
	if err != nil {
		return nil, err
	}
	for ev, err := range progress {
		if err != nil {
			return nil, err
		}
		path := filepath.Join(rn.downloadDir, ev.GUID)
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			if _, err := os.Stat(path); err != nil {
				continue // another job's download
			}
			data, err := os.ReadFile(path)
			os.Remove(path)
			if err != nil {
				return nil, err
			}
			return data, nil
		case browser.DownloadProgressStateCanceled:
			rn.mu.Lock()
			mine := ours[ev.GUID]
			rn.mu.Unlock()
			if _, err := os.Stat(path + ".crdownload"); mine || err == nil {
				return nil, twofetch.Fail(twofetch.OutcomePortalDown, "the portal cancelled the download")
			}
		}
	}
	return nil, ctx.Err()
}

// clickDownloadStreamed clicks and takes the file the click makes the tab
// load, streamed from a remote browser through DevTools (a file the browser
// saved would be on its machine, not the worker's).
func (rn *run) clickDownloadStreamed(ctx context.Context, sel string) ([]byte, error) {
	c := chromedp.FromContext(rn.tab())
	if c == nil || c.Target == nil {
		return nil, errors.New("tab not attached")
	}
	capt, cancel := rn.r.pool.downloads.expect(cdp.FrameID(c.Target.TargetID), rn.r.MaxDocumentSize)
	defer cancel()
	var err error
	if rn.scoped(sel) {
		err = rn.clickScoped(ctx, sel, "", -1)
	} else {
		err = rn.ptr.click(ctx, sel)
	}
	if err != nil {
		return nil, err
	}
	select {
	case f := <-capt.done:
		return f.data, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (rn *run) fromBase64(tmpl string) ([]byte, error) {
	s, err := expand(tmpl, rn.lookup)
	if err != nil {
		return nil, err
	}
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "data:") {
		if i := strings.Index(s, ","); i >= 0 {
			s = s[i+1:]
		}
	}
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// store checks a document's type, hashes it and saves it. served is the
// Content-Type the portal sent, if known.
func (rn *run) store(ctx context.Context, d *Document, served ...string) (bool, error) {
	if d.PortalInvoiceID == "" {
		return false, twofetch.Fail(twofetch.OutcomePortalChanged, "document without an invoice id")
	}
	if rn.saved[d.PortalInvoiceID] {
		return false, nil
	}
	if len(d.Data) == 0 {
		return false, twofetch.Fail(twofetch.OutcomePortalChanged, "document %s is empty", d.PortalInvoiceID)
	}
	if len(d.Data) > rn.r.MaxDocumentSize {
		return false, twofetch.Fail(twofetch.OutcomePortalChanged, "document %s is larger than %d bytes", d.PortalInvoiceID, rn.r.MaxDocumentSize)
	}
	want := d.ContentType
	if want == "" {
		want = pdfType
	}
	if err := checkType(d.Data, want, served...); err != nil {
		return false, twofetch.FailWith(twofetch.OutcomePortalChanged, err, "document "+d.PortalInvoiceID)
	}
	d.ContentType = want
	sum := sha256.Sum256(d.Data)
	d.SHA256 = hex.EncodeToString(sum[:])
	if rn.job.Save != nil {
		if err := rn.job.Save(ctx, d); err != nil {
			return false, twofetch.FailWith(twofetch.OutcomeTransient, err, "could not save document "+d.PortalInvoiceID)
		}
	}
	rn.saved[d.PortalInvoiceID] = true
	rn.res.New++
	return true, nil
}

// checkType accepts a PDF only when it starts with the PDF magic (a login
// page served instead of the invoice is the usual failure), and any other
// declared type when the bytes or the server agree with it.
func checkType(data []byte, want string, served ...string) error {
	if want == pdfType {
		if !bytes.HasPrefix(data, []byte("%PDF-")) {
			return fmt.Errorf("is not a PDF (starts with %q)", printable(data, 16))
		}
		return nil
	}
	sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(data))
	if sniffed == want {
		return nil
	}
	for _, s := range served {
		if mt, _, err := mime.ParseMediaType(s); err == nil && mt == want {
			return nil
		}
	}
	return fmt.Errorf("is %s, not the declared %s", sniffed, want)
}

func printable(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return strings.Map(func(r rune) rune {
		if r < 32 || r > 126 {
			return '.'
		}
		return r
	}, string(b))
}

// normalizeDocument turns the date and amount a portal printed into an
// ISO 8601 day and a decimal with an ISO 4217 currency.
func normalizeDocument(d *Document, locale string) error {
	if d.Date != "" {
		iso, err := ParseDate(d.Date, locale)
		if err != nil {
			return err
		}
		d.Date = iso
	}
	if d.Currency != "" && !(len(d.Currency) == 3 && isUpperASCII(d.Currency)) {
		c, err := currencyOf(d.Currency, lookupLocale(locale))
		if err != nil || c == "" {
			return fmt.Errorf("currency %q is not an ISO 4217 code or a known sign", d.Currency)
		}
		d.Currency = c
	}
	if d.Amount != "" {
		a, c, err := ParseAmount(d.Amount, locale)
		if err != nil {
			return err
		}
		if d.Currency != "" && c != "" && c != d.Currency {
			return fmt.Errorf("amount %q is in %s, not %s", d.Amount, c, d.Currency)
		}
		d.Amount = a
		d.Currency = cmp.Or(d.Currency, c)
	}
	return nil
}

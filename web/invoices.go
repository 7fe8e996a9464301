package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/twofetch/twofetch"
)

// InvoiceList is the body of GET /api/v1/invoices. Next, when set, is the
// "after" parameter of the next page.
type InvoiceList struct {
	Invoices []*twofetch.Invoice `json:"invoices"`
	Next     string              `json:"next,omitempty"`
}

// invoiceFilter reads ?account=&portal=&kind=&since=&after=&limit=. since is when
// twofetch fetched the invoice (RFC 3339 or a date, UTC), because the
// portal's own invoice date is not known for every portal.
func invoiceFilter(r *http.Request, tenantID string) (twofetch.InvoiceFilter, error) {
	q := r.URL.Query()
	pg, err := pageFrom(r)
	if err != nil {
		return twofetch.InvoiceFilter{}, err
	}
	f := twofetch.InvoiceFilter{TenantID: tenantID, AccountID: q.Get("account"), Portal: q.Get("portal"), Page: pg}
	if len(f.AccountID) > 64 || hasControl(f.AccountID) {
		return f, twofetch.Errorf(twofetch.EINVALID, "account must be an account id")
	}
	if len(f.Portal) > 64 || hasControl(f.Portal) {
		return f, twofetch.Errorf(twofetch.EINVALID, "portal must be a portal id")
	}
	if v := q.Get("kind"); v != "" {
		k, err := twofetch.ParseDocumentKind(v)
		if err != nil {
			return f, twofetch.Errorf(twofetch.EINVALID, "kind must be one of invoice, receipt, statement, credit_note")
		}
		f.Kind = k
	}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t, err = time.Parse(time.DateOnly, v)
		}
		if err != nil || t.Year() < 2000 || t.Year() > 9999 {
			return f, twofetch.Errorf(twofetch.EINVALID, "since must be a date (2006-01-02) or an RFC 3339 time")
		}
		f.Since = t.UTC()
	}
	return f, nil
}

func (p *Pipeline) listInvoices(w http.ResponseWriter, r *http.Request, t *twofetch.Tenant) error {
	f, err := invoiceFilter(r, t.ID)
	if err != nil {
		return err
	}
	invs, err := p.Store.ListInvoices(r.Context(), f)
	if err != nil {
		return notFoundOr(err, "invoices")
	}
	if f.AccountID != "" && len(invs) == 0 && f.After == "" {
		// Invoices outlive their account, so the account is looked up only
		// when there are none: an unknown or other tenant's account id
		// answers 404, as everywhere, rather than an empty list that would
		// read as "no invoices yet".
		if _, err := p.Store.Account(r.Context(), t.ID, f.AccountID); err != nil {
			return notFoundOr(err, "account")
		}
	}
	res := InvoiceList{Invoices: invs}
	if res.Invoices == nil {
		res.Invoices = []*twofetch.Invoice{}
	}
	if len(invs) == f.Limit {
		res.Next = invs[len(invs)-1].ID
	}
	p.srv.JSON(w, r, http.StatusOK, res)
	return nil
}

func (p *Pipeline) getInvoice(w http.ResponseWriter, r *http.Request, t *twofetch.Tenant) error {
	inv, err := p.Store.Invoice(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return notFoundOr(err, "invoice")
	}
	p.srv.JSON(w, r, http.StatusOK, inv)
	return nil
}

// invoiceFile streams the stored file. The ETag is the content hash, so a
// client that already has the file gets 304 without a read from the blob
// store. Files are always downloads and sandboxed: a portal may hand out
// HTML, which must never run on this origin.
func (p *Pipeline) invoiceFile(w http.ResponseWriter, r *http.Request, t *twofetch.Tenant) error {
	inv, err := p.Store.Invoice(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return notFoundOr(err, "invoice")
	}
	etag := `"` + inv.SHA256 + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": invoiceFilename(inv)}))
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	rc, err := p.Blob.Get(r.Context(), inv.BlobKey)
	if err != nil {
		if twofetch.IsNotFound(err) {
			// The row exists but its file does not: an operator removed it
			// or the bucket lost it. Say so rather than a bare 404.
			p.log().ErrorContext(r.Context(), "invoice file missing", "invoice", inv.ID, "key", inv.BlobKey)
			return twofetch.Errorf(twofetch.ENOTFOUND, "the file of invoice %s is missing from storage", inv.ID)
		}
		return fmt.Errorf("open file of invoice %s: %w", inv.ID, err)
	}
	defer rc.Close()
	ct := inv.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	if rs, ok := rc.(io.ReadSeeker); ok {
		// Local files can seek: ServeContent adds ranges and HEAD for free.
		http.ServeContent(w, r, "", inv.CreatedAt, rs)
		return nil
	}
	if inv.Size > 0 {
		h.Set("Content-Length", strconv.FormatInt(inv.Size, 10))
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	if _, err := io.Copy(w, rc); err != nil && !errors.Is(err, r.Context().Err()) {
		// Headers are gone; all that is left is to log and cut the
		// connection so the client sees a truncated body, not a short file.
		p.log().ErrorContext(r.Context(), "stream invoice file", "invoice", inv.ID, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

func etagMatches(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimSpace(v)
		if v == "*" || strings.TrimPrefix(v, "W/") == etag {
			return true
		}
	}
	return false
}

// fileExtensions are the types portals hand out; anything else is .bin.
var fileExtensions = map[string]string{
	"application/pdf": ".pdf", "text/html": ".html", "application/xml": ".xml", "text/xml": ".xml",
	"text/csv": ".csv", "application/zip": ".zip", "image/png": ".png", "image/jpeg": ".jpg",
	"text/plain": ".txt", "application/json": ".json",
}

// invoiceFilename is "portal-number.pdf" (or the portal's id when there is
// no number), safe as a file name on every desktop system.
func invoiceFilename(inv *twofetch.Invoice) string {
	base := inv.Number
	if base == "" {
		base = inv.PortalInvoiceID
	}
	if base == "" {
		base = inv.ID
	}
	name := safeName(inv.Portal + "-" + base)
	mt, _, _ := mime.ParseMediaType(inv.ContentType)
	ext, ok := fileExtensions[mt]
	if !ok {
		ext = ".bin"
	}
	return name + ext
}

func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		case r > 0x7f && unicode.IsPrint(r) && r != 0xfffd:
			b.WriteRune(r) // FormatMediaType encodes it per RFC 2231
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 100 {
			break
		}
	}
	return strings.Trim(b.String(), ".")
}

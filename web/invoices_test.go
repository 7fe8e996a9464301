package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/blob"
	"github.com/twofetch/twofetch/web"
)

// storeInvoice puts data in the blob store and its row in the database, as
// the fetch handler does.
func (pe *pipeEnv) storeInvoice(t testing.TB, a *twofetch.Account, number string, data []byte, created time.Time, kind ...twofetch.DocumentKind) *twofetch.Invoice {
	t.Helper()
	ctx := context.Background()
	sum := sha256.Sum256(data)
	inv := &twofetch.Invoice{
		ID: twofetch.NewID("inv"), TenantID: a.TenantID, AccountID: a.ID, Portal: a.Portal,
		PortalInvoiceID: "p-" + number, Number: number, Date: "2026-10-01", Amount: "12.34", Currency: "EUR",
		SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)), ContentType: "application/pdf",
		BlobKey: a.TenantID + "/" + a.ID + "/" + hex.EncodeToString(sum[:]) + ".pdf", CreatedAt: created.UTC(),
	}
	if len(kind) > 0 {
		inv.Kind = kind[0]
	}
	if err := pe.blob.Put(ctx, inv.BlobKey, bytes.NewReader(data), int64(len(data)), inv.ContentType); err != nil {
		t.Fatal(err)
	}
	if err := pe.store.CreateInvoice(ctx, inv); err != nil {
		t.Fatal(err)
	}
	return inv
}

func pdf(n int) []byte {
	return []byte("%PDF-1.4\n% invoice " + strconv.Itoa(n) + "\n" + strings.Repeat("x", 1000+n) + "\n%%EOF\n")
}

func TestInvoicesAPI(t *testing.T) { onBackends(t, testInvoicesAPI) }

func testInvoicesAPI(t *testing.T, pe *pipeEnv) {
	base := time.Now().Add(-time.Hour)
	other := pe.createAccount(t, pe.aAPI, "other", "alice-other@example.com", "pw")
	var aInvs []*twofetch.Invoice
	for i := range 3 {
		aInvs = append(aInvs, pe.storeInvoice(t, pe.aAcct, "INV-"+strconv.Itoa(i), pdf(i), base.Add(time.Duration(i)*time.Minute)))
	}
	otherInv := pe.storeInvoice(t, other, "O-1", pdf(10), base.Add(10*time.Minute), twofetch.KindStatement)
	bInv := pe.storeInvoice(t, pe.bAcct, "B-1", pdf(20), base)

	list := func(t *testing.T, query, token string) (web.InvoiceList, response) {
		t.Helper()
		res := pe.do(t, "GET", "/api/v1/invoices"+query, token, nil)
		var l web.InvoiceList
		if res.status == 200 {
			if err := json.Unmarshal(res.body, &l); err != nil {
				t.Fatal(err)
			}
		}
		return l, res
	}
	ids := func(l web.InvoiceList) []string {
		var out []string
		for _, inv := range l.Invoices {
			out = append(out, inv.ID)
		}
		return out
	}

	t.Run("filters", func(t *testing.T) {
		for _, c := range []struct {
			name, query string
			want        []string
		}{
			{"all of the tenant", "", []string{otherInv.ID, aInvs[2].ID, aInvs[1].ID, aInvs[0].ID}},
			{"by account", "?account=" + pe.aAcct.ID, []string{aInvs[2].ID, aInvs[1].ID, aInvs[0].ID}},
			{"by portal", "?portal=other", []string{otherInv.ID}},
			{"since", "?since=" + base.Add(90*time.Second).UTC().Format(time.RFC3339), []string{otherInv.ID, aInvs[2].ID}},
			{"since a date in the future", "?since=2100-01-01", nil},
			{"statements", "?kind=statement", []string{otherInv.ID}},
			{"invoices", "?kind=invoice", []string{aInvs[2].ID, aInvs[1].ID, aInvs[0].ID}},
			{"credit notes of a portal", "?kind=credit_note&portal=other", nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				l, res := list(t, c.query, pe.aAPI)
				if res.status != 200 {
					t.Fatalf("%d %s", res.status, res.body)
				}
				if got := ids(l); strings.Join(got, ",") != strings.Join(c.want, ",") {
					t.Errorf("ids = %v, want %v", got, c.want)
				}
				for _, inv := range l.Invoices {
					want := twofetch.KindInvoice
					if inv.ID == otherInv.ID {
						want = twofetch.KindStatement
					}
					if inv.Kind != want {
						t.Errorf("%s has kind %q, want %q", inv.ID, inv.Kind, want)
					}
				}
				if !bytes.Contains(res.body, []byte(`"invoices":[`)) {
					t.Errorf("body lacks an invoices array: %s", res.body)
				}
				if bytes.Contains(res.body, []byte("blob")) {
					t.Errorf("list shows storage keys: %s", res.body)
				}
			})
		}
	})

	t.Run("pagination", func(t *testing.T) {
		var got []string
		q := "?account=" + pe.aAcct.ID + "&limit=2"
		for pages := 0; ; pages++ {
			if pages > 3 {
				t.Fatal("pagination does not end")
			}
			l, res := list(t, q, pe.aAPI)
			if res.status != 200 {
				t.Fatalf("%d %s", res.status, res.body)
			}
			got = append(got, ids(l)...)
			if l.Next == "" {
				break
			}
			q = "?account=" + pe.aAcct.ID + "&limit=2&after=" + l.Next
		}
		if strings.Join(got, ",") != strings.Join([]string{aInvs[2].ID, aInvs[1].ID, aInvs[0].ID}, ",") {
			t.Errorf("pages gave %v", got)
		}
	})

	t.Run("bad parameters", func(t *testing.T) {
		for _, q := range []string{"?since=yesterday", "?limit=-1", "?after=" + bInv.ID, "?since=0001-01-01", "?kind=bill", "?kind=Invoice"} {
			if _, res := list(t, q, pe.aAPI); res.status != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", q, res.status)
			}
		}
	})

	t.Run("isolation", func(t *testing.T) {
		if _, res := list(t, "?account="+pe.bAcct.ID, pe.aAPI); res.status != http.StatusNotFound {
			t.Errorf("list of another tenant's account: %d", res.status)
		}
		l, _ := list(t, "", pe.bAPI)
		if got := ids(l); len(got) != 1 || got[0] != bInv.ID {
			t.Errorf("tenant B sees %v", got)
		}
		for _, path := range []string{"/api/v1/invoices/" + bInv.ID, "/api/v1/invoices/" + bInv.ID + "/file", "/api/v1/invoices/inv_nosuch/file"} {
			if res := pe.do(t, "GET", path, pe.aAPI, nil); res.status != http.StatusNotFound || res.errorCode(t) != twofetch.ENOTFOUND {
				t.Errorf("%s: %d, want 404", path, res.status)
			}
		}
		if res := pe.do(t, "GET", "/api/v1/invoices/"+aInvs[0].ID+"/file", "", nil); res.status != http.StatusUnauthorized {
			t.Errorf("file without token: %d", res.status)
		}
	})

	t.Run("metadata", func(t *testing.T) {
		res := pe.do(t, "GET", "/api/v1/invoices/"+aInvs[1].ID, pe.aAPI, nil)
		var inv twofetch.Invoice
		if err := json.Unmarshal(res.body, &inv); err != nil || res.status != 200 {
			t.Fatalf("%d %s", res.status, res.body)
		}
		if inv.ID != aInvs[1].ID || inv.SHA256 != aInvs[1].SHA256 || inv.Size != aInvs[1].Size || inv.Number != "INV-1" || inv.Amount != "12.34" {
			t.Errorf("metadata = %+v", inv)
		}
	})

	t.Run("file", func(t *testing.T) {
		inv := aInvs[2]
		path := "/api/v1/invoices/" + inv.ID + "/file"
		res := pe.do(t, "GET", path, pe.aAPI, nil)
		if res.status != 200 || !bytes.Equal(res.body, pdf(2)) {
			t.Fatalf("file: %d, %d bytes", res.status, len(res.body))
		}
		sum := sha256.Sum256(res.body)
		for h, want := range map[string]string{
			"Content-Type":        "application/pdf",
			"Content-Length":      strconv.Itoa(len(pdf(2))),
			"ETag":                `"` + hex.EncodeToString(sum[:]) + `"`,
			"Content-Disposition": `attachment; filename=demo-INV-2.pdf`,
		} {
			if got := res.header.Get(h); got != want {
				t.Errorf("%s = %q, want %q", h, got, want)
			}
		}
		if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
			t.Errorf("file CSP = %q", csp)
		}

		req, _ := http.NewRequest("GET", pe.http.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+pe.aAPI)
		req.Header.Set("If-None-Match", res.header.Get("ETag"))
		r2, err := pe.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r2.Body.Close()
		if r2.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match: %d, want 304", r2.StatusCode)
		}

		req.Header.Del("If-None-Match")
		req.Header.Set("Range", "bytes=0-7")
		r3, err := pe.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var part bytes.Buffer
		part.ReadFrom(r3.Body)
		r3.Body.Close()
		if r3.StatusCode != http.StatusPartialContent || part.String() != "%PDF-1.4" {
			t.Errorf("range: %d %q", r3.StatusCode, part.String())
		}
	})

	t.Run("file missing from storage", func(t *testing.T) {
		if err := pe.blob.Delete(context.Background(), aInvs[0].BlobKey); err != nil {
			t.Fatal(err)
		}
		res := pe.do(t, "GET", "/api/v1/invoices/"+aInvs[0].ID+"/file", pe.aAPI, nil)
		if res.status != http.StatusNotFound || !strings.Contains(string(res.body), "missing from storage") {
			t.Errorf("missing file: %d %s", res.status, res.body)
		}
	})

	t.Run("invoices of a deleted account", func(t *testing.T) {
		if res := pe.do(t, "DELETE", "/api/v1/accounts/"+other.ID, pe.aAPI, nil); res.status != http.StatusNoContent {
			t.Fatal(res.status)
		}
		l, res := list(t, "?account="+other.ID, pe.aAPI)
		if res.status != 200 || len(l.Invoices) != 1 || l.Invoices[0].ID != otherInv.ID {
			t.Errorf("invoices of a deleted account: %d %v", res.status, ids(l))
		}
	})
}

// FuzzInvoiceQuery feeds arbitrary query strings to the invoice list: each
// is answered or refused with a client error, never with another tenant's
// invoices or a server error.
func FuzzInvoiceQuery(f *testing.F) {
	pe := newPipeEnv(f)
	pe.storeInvoice(f, pe.aAcct, "A-1", pdf(1), time.Now().Add(-time.Minute))
	bInv := pe.storeInvoice(f, pe.bAcct, "B-1", pdf(2), time.Now().Add(-time.Minute))
	for _, q := range []string{
		"account=" + pe.aAcct.ID, "account=" + pe.bAcct.ID, "after=" + bInv.ID, "since=2026-01-01&limit=1",
		"since=2026-01-01T00:00:00%2B14:00", "portal=demo&limit=200", "limit=%00", "since=9999-12-31",
	} {
		f.Add(q)
	}
	h := pe.srv.Handler()
	f.Fuzz(func(t *testing.T, query string) {
		req := httptest.NewRequest("GET", "/api/v1/invoices", nil)
		req.URL.RawQuery = query
		req.Header.Set("Authorization", "Bearer "+pe.aAPI)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			var l web.InvoiceList
			if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil {
				t.Fatalf("query %q: %v", query, err)
			}
			for _, inv := range l.Invoices {
				if inv.TenantID != pe.a.ID {
					t.Fatalf("query %q lists another tenant's invoice", query)
				}
			}
		case http.StatusBadRequest, http.StatusNotFound:
		default:
			t.Fatalf("query %q: status %d %s", query, rec.Code, rec.Body)
		}
	})
}

// TestInvoiceFileFromS3 streams from S3 (gofakes3 behind the real SDK),
// whose objects cannot seek, so the handler sets the length itself.
func TestInvoiceFileFromS3(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("invoices"); err != nil {
		t.Fatal(err)
	}
	s3srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer s3srv.Close()
	store, err := blob.Open(context.Background(), "s3://invoices/files?endpoint="+s3srv.URL+"&path_style=true", aws.Config{
		Region: "eu-central-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secrettest", ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	pe := newPipeEnv(t, func(p *web.Pipeline) { p.Blob = store })
	pe.blob = store
	data := pdf(7)
	inv := pe.storeInvoice(t, pe.aAcct, "S3-7", data, time.Now().Add(-time.Minute))
	path := "/api/v1/invoices/" + inv.ID + "/file"

	res := pe.do(t, "GET", path, pe.aAPI, nil)
	if res.status != 200 || !bytes.Equal(res.body, data) {
		t.Fatalf("file from S3: %d, %d bytes", res.status, len(res.body))
	}
	if res.header.Get("Content-Length") != strconv.Itoa(len(data)) || res.header.Get("ETag") != `"`+inv.SHA256+`"` {
		t.Errorf("headers: %v", res.header)
	}
	head := pe.do(t, "HEAD", path, pe.aAPI, nil)
	if head.status != 200 || len(head.body) != 0 || head.header.Get("Content-Length") != strconv.Itoa(len(data)) {
		t.Errorf("HEAD: %d, %d body bytes, length %q", head.status, len(head.body), head.header.Get("Content-Length"))
	}
	if res := pe.do(t, "GET", path, pe.bAPI, nil); res.status != http.StatusNotFound {
		t.Errorf("other tenant: %d", res.status)
	}
}

// BenchmarkInvoiceFile downloads a 1 MiB invoice through the full HTTP
// stack: authentication, tenant check, blob read.
func BenchmarkInvoiceFile(b *testing.B) {
	pe := newPipeEnv(b)
	data := bytes.Repeat([]byte("%PDF-1.4 invoice body "), 1<<20/22)
	inv := pe.storeInvoice(b, pe.aAcct, "BIG-1", data, time.Now().Add(-time.Minute))
	req, _ := http.NewRequest("GET", pe.http.URL+"/api/v1/invoices/"+inv.ID+"/file", nil)
	req.Header.Set("Authorization", "Bearer "+pe.aAPI)
	c := pe.http.Client()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || n != int64(len(data)) {
			b.Fatalf("%d, %d bytes", res.StatusCode, n)
		}
	}
}

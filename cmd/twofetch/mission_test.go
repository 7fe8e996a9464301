package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"
	xdraw "golang.org/x/image/draw"

	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/otpauth"
)

// TestMission is the whole product on its replicas, as an operator and a
// customer meet it: a tenant with a webhook, an account, enrolment through
// the SMS link with a photo of the portal's QR code, a run that brings the
// invoices, a second run that brings nothing, and a wrong password that
// stops and tells the operator. Nothing secret may be left in the data
// directory or the log afterwards.
func TestMission(t *testing.T) {
	chrome := testenv.ChromePath(t)
	const portal = "github"
	// The replica's demo user (portals/replica: DemoEmail, DemoPassword).
	const (
		demoEmail    = "demo@example.com"
		demoPassword = "demo-password"
		phone        = "+4915112345678"
	)
	begun := time.Now()
	bin := buildBinary(t)
	dataDir := t.TempDir()
	hooks := newHookReceiver(t)
	// The webhook receiver is a plain-HTTP loopback server, which outbound
	// requests may reach only when the operator says so.
	p := startAll(t, bin, dataDir, cleanEnv(), "--chrome-path", chrome, "--replicas=true",
		"--outbound-http", "--outbound-allow", "127.0.0.0/8")
	waitReady(t, p.url)
	api := p.url + "/api/v1"

	var (
		token, secret string
		key           *otpauth.Key
		keyURI        string
		issued        []string // codes the test saw issued
		accountID     string
		invoiceIDs    map[string]bool
	)

	t.Run("tenant with a webhook", func(t *testing.T) {
		token = createTenant(t, bin, dataDir, "Mission Books")
		res := call(t, "PATCH", api+"/tenant", token, `{"webhook_url":"`+hooks.srv.URL+`/hook"}`)
		if res.status != http.StatusOK {
			t.Fatalf("PATCH tenant: %d %s", res.status, res.body)
		}
		var ten struct {
			WebhookURL    string `json:"webhook_url"`
			WebhookSecret string `json:"webhook_secret"`
		}
		mustJSON(t, res.body, &ten)
		if ten.WebhookURL != hooks.srv.URL+"/hook" || len(ten.WebhookSecret) < 16 {
			t.Fatalf("PATCH tenant answered %s", res.body)
		}
		secret = ten.WebhookSecret
		hooks.setSecret(secret)
		if res := call(t, "GET", api+"/tenant", token, ""); res.status != http.StatusOK || bytes.Contains(res.body, []byte(secret)) {
			t.Errorf("GET tenant shows the secret again or fails: %d %s", res.status, res.body)
		}
	})
	if token == "" {
		t.FailNow()
	}

	t.Run("account", func(t *testing.T) {
		accountID = createAccount(t, api, token, portal, demoEmail, demoPassword)
	})
	if accountID == "" {
		t.FailNow()
	}

	t.Run("enrol through the SMS link with a QR photo", func(t *testing.T) {
		keyURI = demoKeyURI(t, bin, dataDir, portal)
		keys, err := otpauth.Parse(keyURI)
		if err != nil || len(keys) != 1 {
			t.Fatalf("demo key %q: %v", keyURI, err)
		}
		key = keys[0]

		res := call(t, "POST", api+"/accounts/"+accountID+"/enrollments", token, `{"phone":"`+phone+`","language":"en"}`)
		if res.status != http.StatusCreated {
			t.Fatalf("start enrolment: %d %s", res.status, res.body)
		}
		var en struct{ ID, Status string }
		mustJSON(t, res.body, &en)
		link := waitSMSLink(t, p, phone)

		received := uploadPhoto(t, link, screenPhoto(t, keyURI))
		if received.Issuer != key.Issuer || received.Account != key.Account {
			t.Errorf("photo gave key %q/%q, want %q/%q", received.Issuer, received.Account, key.Issuer, key.Account)
		}
		// The code is the key's for the window ending at ValidUntil.
		want, err := key.CodeAt(received.ValidUntil.Add(-time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if received.Code == "" || received.Code != want {
			t.Errorf("live code %q, the key gives %q for the window ending %s", received.Code, want, received.ValidUntil)
		}
		issued = append(issued, received.Code)

		res = postLink(t, link+"/confirm", "", nil)
		if res.status != http.StatusOK || !bytes.Contains(res.body, []byte(`"confirmed"`)) {
			t.Fatalf("confirm: %d %s", res.status, res.body)
		}
		res = call(t, "GET", api+"/accounts/"+accountID+"/enrollments/"+en.ID, token, "")
		if res.status != http.StatusOK || !bytes.Contains(res.body, []byte(`"status":"confirmed"`)) {
			t.Errorf("enrolment after confirm: %d %s", res.status, res.body)
		}
		var acc struct {
			Status string `json:"status"`
			HasKey bool   `json:"has_key"`
		}
		res = call(t, "GET", api+"/accounts/"+accountID, token, "")
		mustJSON(t, res.body, &acc)
		if !acc.HasKey || acc.Status != "active" {
			t.Errorf("account after enrolment: %s", res.body)
		}
	})
	if key == nil || t.Failed() {
		t.FailNow()
	}

	t.Run("first run brings the invoices with webhooks", func(t *testing.T) {
		run := runNow(t, api, token, accountID)
		if run.Outcome != "ok" || run.NewInvoices != 3 {
			t.Fatalf("first run: outcome %q, %d new invoices, detail %q; want ok with 3", run.Outcome, run.NewInvoices, run.Detail)
		}
		invs := listInvoices(t, api, token, accountID)
		if len(invs) != 3 {
			t.Fatalf("listed %d invoices, want 3", len(invs))
		}
		invoiceIDs = map[string]bool{}
		for _, inv := range invs {
			invoiceIDs[inv.ID] = true
			if inv.AccountID != accountID || inv.Portal != portal || inv.RunID != run.ID || inv.PortalInvoiceID == "" {
				t.Errorf("invoice %s: account %s, portal %s, run %s, portal id %q", inv.ID, inv.AccountID, inv.Portal, inv.RunID, inv.PortalInvoiceID)
			}
			res := call(t, "GET", api+"/invoices/"+inv.ID+"/file", token, "")
			if res.status != http.StatusOK {
				t.Errorf("file of %s: %d %s", inv.ID, res.status, res.body)
				continue
			}
			sum := sha256.Sum256(res.body)
			if !bytes.HasPrefix(res.body, []byte("%PDF-")) {
				t.Errorf("file of %s is not a PDF: %q", inv.ID, res.body[:min(len(res.body), 16)])
			}
			if hex.EncodeToString(sum[:]) != inv.SHA256 || int64(len(res.body)) != inv.Size {
				t.Errorf("file of %s: sha256 %x size %d, metadata says %s size %d", inv.ID, sum, len(res.body), inv.SHA256, inv.Size)
			}
		}
		got := hooks.waitFor(t, func(evs []hookEvent) bool {
			return len(invoiceEvents(evs)) >= len(invoiceIDs)
		})
		evs := invoiceEvents(got)
		seen := map[string]bool{}
		for _, ev := range evs {
			var inv struct {
				ID        string `json:"id"`
				AccountID string `json:"account_id"`
				SHA256    string `json:"sha256"`
			}
			mustJSON(t, ev.Data, &inv)
			if !invoiceIDs[inv.ID] || inv.AccountID != accountID || inv.SHA256 == "" {
				t.Errorf("invoice.created for an invoice not listed: %s", ev.Data)
			}
			seen[inv.ID] = true
		}
		if len(seen) != len(invoiceIDs) {
			t.Errorf("invoice.created events name %d of the %d invoices", len(seen), len(invoiceIDs))
		}
	})
	if invoiceIDs == nil {
		t.FailNow()
	}

	t.Run("second run adds nothing", func(t *testing.T) {
		run := runNow(t, api, token, accountID)
		if run.Outcome != "no_documents" || run.NewInvoices != 0 {
			t.Errorf("second run: outcome %q, %d new, detail %q; want no_documents with 0", run.Outcome, run.NewInvoices, run.Detail)
		}
		invs := listInvoices(t, api, token, accountID)
		if len(invs) != len(invoiceIDs) {
			t.Errorf("after the second run %d invoices are listed, want %d", len(invs), len(invoiceIDs))
		}
		for _, inv := range invs {
			if !invoiceIDs[inv.ID] {
				t.Errorf("new invoice %s after the second run", inv.ID)
			}
		}
	})

	t.Run("wrong password stops and notifies", func(t *testing.T) {
		badID := createAccount(t, api, token, portal, demoEmail, "not-the-"+demoPassword)
		run := runNow(t, api, token, badID)
		if run.Outcome != "bad_credentials" {
			t.Fatalf("run with a wrong password: outcome %q, detail %q; want bad_credentials", run.Outcome, run.Detail)
		}
		res := call(t, "GET", api+"/accounts/"+badID, token, "")
		var acc struct {
			Status      string `json:"status"`
			LastOutcome string `json:"last_outcome"`
		}
		mustJSON(t, res.body, &acc)
		if acc.Status != "needs_customer" || acc.LastOutcome != "bad_credentials" {
			t.Errorf("account after a wrong password: %s", res.body)
		}
		// The customer's status page says what to do, in plain words.
		res = call(t, "GET", api+"/accounts/"+badID+"/status-link", token, "")
		var link struct{ URL string }
		mustJSON(t, res.body, &link)
		if res.status != http.StatusOK || link.URL == "" {
			t.Fatalf("status link: %d %s", res.status, res.body)
		}
		page := call(t, "GET", link.URL+"?lang=en", "", "")
		if page.status != http.StatusOK || !bytes.Contains(page.body, []byte("Password not accepted")) {
			t.Errorf("status page after a wrong password: %d\n%s", page.status, page.body)
		}
		got := hooks.waitFor(t, func(evs []hookEvent) bool {
			for _, ev := range evs {
				if ev.Type == "account.needs_customer" {
					return true
				}
			}
			return false
		})
		var found bool
		for _, ev := range got {
			if ev.Type != "account.needs_customer" {
				continue
			}
			var d struct {
				AccountID string `json:"account_id"`
				Outcome   string `json:"outcome"`
				Status    string `json:"status"`
			}
			mustJSON(t, ev.Data, &d)
			if d.AccountID == badID && d.Outcome == "bad_credentials" && d.Status == "needs_customer" {
				found = true
			} else {
				t.Errorf("account.needs_customer event for the wrong account or outcome: %s", ev.Data)
			}
		}
		if !found {
			t.Errorf("no account.needs_customer event for %s", badID)
		}
		// The second run's events, had there been any, were queued before
		// this one and delivered by now.
		if n := len(invoiceEvents(got)); n != len(invoiceIDs) {
			t.Errorf("%d invoice.created events, want %d (one per invoice, none from the second run)", n, len(invoiceIDs))
		}
	})

	t.Run("nothing secret left behind", func(t *testing.T) {
		p.stop(t)
		if n := hooks.bad(); n != 0 {
			t.Errorf("%d webhook deliveries without a valid signature", n)
		}
		b32 := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key.Secret)
		needles := map[string][]byte{
			"the portal password":      []byte(demoPassword),
			"the TOTP secret":          []byte(b32),
			"the TOTP secret (lower)":  []byte(strings.ToLower(b32)),
			"the TOTP secret (binary)": key.Secret,
			"the otpauth URI":          []byte(keyURI),
		}
		// Every code of the key during the test, the one shown at
		// enrolment and those typed at login, as a number on its own
		// (a longer digit run is a timestamp, not a code).
		codes := map[string]bool{}
		for _, c := range issued {
			codes[c] = true
		}
		for at := begun.Add(-30 * time.Second); at.Before(time.Now().Add(30 * time.Second)); at = at.Add(30 * time.Second) {
			if c, err := key.CodeAt(at); err == nil {
				codes[c] = true
			}
		}
		check := func(where string, b []byte) {
			for what, n := range needles {
				if bytes.Contains(b, n) {
					t.Errorf("%s is in %s", what, where)
				}
			}
			for c := range codes {
				if regexp.MustCompile(`(^|[^0-9])` + c + `([^0-9]|$)`).Match(b) {
					t.Errorf("the code %s is in %s", c, where)
				}
			}
		}
		check("the log", []byte(p.logs.String()))
		scanned := scanFiles(t, dataDir, check)
		// The database, the keyring and the three invoices at least.
		if scanned < 5 {
			t.Errorf("scanned only %d files in the data directory", scanned)
		}
	})
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

func createAccount(t *testing.T, api, token, portal, user, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"portal": portal, "username": user, "password": password})
	res := call(t, "POST", api+"/accounts", token, string(body))
	if res.status != http.StatusCreated || bytes.Contains(res.body, []byte(password)) {
		t.Fatalf("create account: %d %s", res.status, res.body)
	}
	var acc struct{ ID string }
	mustJSON(t, res.body, &acc)
	if acc.ID == "" {
		t.Fatalf("create account answered %s", res.body)
	}
	return acc.ID
}

// demoKeyURI asks the binary for the replica's demo key, as an operator
// trying the quick start would.
func demoKeyURI(t *testing.T, bin, dataDir, portal string) string {
	t.Helper()
	cmd := exec.Command(bin, "portal", "demo-key", portal, "--data-dir", dataDir)
	cmd.Env = cleanEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("portal demo-key: %v\n%s", err, stderr.String())
	}
	uri := strings.TrimSpace(string(out))
	if !strings.HasPrefix(uri, "otpauth://totp/") {
		t.Fatalf("portal demo-key printed %q", out)
	}
	return uri
}

var smsLinkRE = regexp.MustCompile(`https?://[^\s"]+/e/[A-Za-z0-9_\-.~]+`)

// waitSMSLink reads the enrolment link from the SMS the log sender wrote.
func waitSMSLink(t *testing.T, p *process, phone string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range p.logs.Lines() {
			var rec struct {
				Msg  string `json:"msg"`
				To   string `json:"to"`
				Body string `json:"body"`
			}
			if json.Unmarshal([]byte(line), &rec) != nil || rec.Msg != "sms" || rec.To != phone {
				continue
			}
			if link := smsLinkRE.FindString(rec.Body); link != "" {
				return link
			}
			t.Fatalf("SMS without a link: %q", rec.Body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no SMS to %s in the log", phone)
	return ""
}

// screenPhoto is a photo of a laptop screen showing the portal's 2FA
// setup page: the QR code among page furniture, on a larger frame, scaled
// as a phone camera would, with sensor noise, saved as JPEG.
func screenPhoto(t *testing.T, uri string) []byte {
	t.Helper()
	qr, err := qrcode.New(uri, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	code := qr.Image(360)

	screen := image.NewRGBA(image.Rect(0, 0, 1440, 900))
	fill(screen, screen.Bounds(), color.RGBA{246, 248, 250, 255})
	fill(screen, image.Rect(0, 0, 1440, 64), color.RGBA{36, 41, 47, 255})         // header bar
	fill(screen, image.Rect(240, 120, 1200, 860), color.RGBA{255, 255, 255, 255}) // card
	for y := 150; y < 400; y += 28 {                                              // text lines
		fill(screen, image.Rect(280, y, 280+300+(y*37)%400, y+12), color.RGBA{87, 96, 106, 255})
	}
	fill(screen, image.Rect(280, 780, 460, 820), color.RGBA{31, 136, 61, 255}) // button
	xdraw.Draw(screen, image.Rect(700, 420, 700+360, 420+360), code, image.Point{}, xdraw.Src)

	frame := image.NewRGBA(image.Rect(0, 0, 2016, 1512))
	fill(frame, frame.Bounds(), color.RGBA{40, 38, 36, 255}) // desk and bezel
	xdraw.BiLinear.Scale(frame, image.Rect(180, 160, 180+1656, 160+1035), screen, screen.Bounds(), xdraw.Over, nil)
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range frame.Pix {
		if i%4 == 3 {
			continue
		}
		v := int(frame.Pix[i]) + rnd.IntN(17) - 8
		frame.Pix[i] = uint8(max(0, min(255, v)))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, frame, &jpeg.Options{Quality: 82}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	xdraw.Draw(img, r, &image.Uniform{c}, image.Point{}, xdraw.Src)
}

// received is the JSON twin's answer to a photo.
type received struct {
	Issuer     string    `json:"issuer"`
	Account    string    `json:"account"`
	Code       string    `json:"code"`
	ValidUntil time.Time `json:"valid_until"`
}

func uploadPhoto(t *testing.T, link string, photo []byte) received {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("photo", "IMG_0001.jpg")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(photo)
	_ = mw.Close()
	res := postLink(t, link+"/photo", mw.FormDataContentType(), &body)
	if res.status != http.StatusOK {
		t.Fatalf("upload photo: %d %s", res.status, res.body)
	}
	var rec received
	mustJSON(t, res.body, &rec)
	return rec
}

// postLink posts to the customer's link asking for the JSON twin.
func postLink(t *testing.T, u, contentType string, body io.Reader) apiResponse {
	t.Helper()
	req, err := http.NewRequest("POST", u, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return apiResponse{res.StatusCode, b}
}

type runView struct {
	ID          string `json:"id"`
	State       string `json:"state"`
	Outcome     string `json:"outcome"`
	Detail      string `json:"detail"`
	NewInvoices int    `json:"new_invoices"`
}

// runNow starts a run and waits for its final outcome. A retryable
// outcome the workers will try again ("retrying at" in the detail) is not
// final.
func runNow(t *testing.T, api, token, accountID string) runView {
	t.Helper()
	res := call(t, "POST", api+"/accounts/"+accountID+"/runs", token, "")
	if res.status != http.StatusAccepted && res.status != http.StatusCreated {
		t.Fatalf("start run: %d %s", res.status, res.body)
	}
	var run runView
	mustJSON(t, res.body, &run)
	if run.ID == "" {
		t.Fatalf("start run answered %s", res.body)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		res := call(t, "GET", api+"/accounts/"+accountID+"/runs/"+run.ID, token, "")
		if res.status != http.StatusOK {
			t.Fatalf("get run: %d %s", res.status, res.body)
		}
		var v runView
		mustJSON(t, res.body, &v)
		if v.Outcome != "" && !strings.Contains(v.Detail, "retrying at") {
			if v.State != "finished" {
				t.Errorf("run with outcome %q is in state %q", v.Outcome, v.State)
			}
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s has no final outcome after 3 minutes: %s", run.ID, res.body)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

type invoiceView struct {
	ID              string `json:"id"`
	AccountID       string `json:"account_id"`
	RunID           string `json:"run_id"`
	Portal          string `json:"portal"`
	PortalInvoiceID string `json:"portal_invoice_id"`
	SHA256          string `json:"sha256"`
	Size            int64  `json:"size"`
}

func listInvoices(t *testing.T, api, token, accountID string) []invoiceView {
	t.Helper()
	res := call(t, "GET", api+"/invoices?account="+url.QueryEscape(accountID), token, "")
	if res.status != http.StatusOK {
		t.Fatalf("list invoices: %d %s", res.status, res.body)
	}
	var list struct {
		Invoices []invoiceView `json:"invoices"`
		Next     string        `json:"next"`
	}
	mustJSON(t, res.body, &list)
	if list.Next != "" {
		t.Errorf("a next page after %d invoices", len(list.Invoices))
	}
	return list.Invoices
}

// hookEvent is a webhook delivery whose signature checked out.
type hookEvent struct {
	ID   string          `json:"id"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

func invoiceEvents(evs []hookEvent) []hookEvent {
	var out []hookEvent
	for _, ev := range evs {
		if ev.Type == "invoice.created" {
			out = append(out, ev)
		}
	}
	return out
}

// hookReceiver is the operator's webhook endpoint. It checks each
// delivery's signature itself ("t=UNIX,v1=HEX", HMAC-SHA256 of "UNIX." and
// the body) rather than trusting the sender's own verifier, and keeps a
// delivery retried after a lost answer once.
type hookReceiver struct {
	srv *httptest.Server

	mu      sync.Mutex
	secret  string
	events  []hookEvent
	seen    map[string]bool
	invalid int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{seen: map[string]bool{}}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) setSecret(s string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.secret = s
}

func (h *hookReceiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var ev hookEvent
	if r.Method != http.MethodPost || r.URL.Path != "/hook" || !validSignature(h.secret, r.Header.Get("X-Twofetch-Signature"), body) ||
		json.Unmarshal(body, &ev) != nil || ev.Type != r.Header.Get("X-Twofetch-Event") {
		h.invalid++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if !h.seen[ev.ID] {
		h.seen[ev.ID] = true
		h.events = append(h.events, ev)
	}
	w.WriteHeader(http.StatusNoContent)
}

func validSignature(secret, header string, body []byte) bool {
	if secret == "" {
		return false
	}
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%s.", ts)
	m.Write(body)
	want := m.Sum(nil)
	for _, s := range sigs {
		if got, err := hex.DecodeString(s); err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

func (h *hookReceiver) bad() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.invalid
}

// waitFor waits until the events received satisfy done, and returns them.
func (h *hookReceiver) waitFor(t *testing.T, done func([]hookEvent) bool) []hookEvent {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		h.mu.Lock()
		evs := append([]hookEvent(nil), h.events...)
		h.mu.Unlock()
		if done(evs) {
			return evs
		}
		if time.Now().After(deadline) {
			var types []string
			for _, ev := range evs {
				types = append(types, ev.Type)
			}
			t.Fatalf("webhook events so far: %v (%d refused)", types, h.bad())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

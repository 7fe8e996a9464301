package enroll_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/enroll"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/otpauth"
	"github.com/twofetch/twofetch/sms"
	"github.com/twofetch/twofetch/store"
	"github.com/twofetch/twofetch/vault"
	"github.com/twofetch/twofetch/web"
)

const testURI = "otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=GitHub"

// env is a running enrolment service on real SQLite, vault, Redis and HTTP.
type env struct {
	t       *testing.T
	srv     *httptest.Server
	svc     *enroll.Service
	store   twofetch.Store
	vault   *vault.Vault
	tenant  *twofetch.Tenant
	token   string // API token
	account *twofetch.Account
	logs    *testenv.LogLines
	now     func() time.Time
	clock   *clock

	mu   sync.Mutex
	sent []string // SMS bodies
}

type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.offset) }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, func(*enroll.Config) {})
}

// newEnvWith is newEnv with the service's configuration adjusted.
func newEnvWith(t *testing.T, configure func(*enroll.Config)) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, "sqlite:"+dir+"/t.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := store.Migrate(ctx, st); err != nil {
		t.Fatal(err)
	}
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	logs := &testenv.LogLines{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	kr, err := vault.OpenKeyring(dir + "/keyring.json")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: st, logs: logs, clock: &clock{}}
	e.now = e.clock.Now
	v, err := vault.New(vault.Config{Store: st, KEK: kr, Redis: rdb, Logger: logger, Now: e.now})
	if err != nil {
		t.Fatal(err)
	}
	e.vault = v
	cfg := enroll.Config{
		Store: st, Vault: v, Redis: rdb, Logger: logger, Now: e.now,
		PublicURL: "http://enroll.test",
		Sender: sms.SenderFunc(func(ctx context.Context, to, body string) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.sent = append(e.sent, body)
			return nil
		}),
		PortalName: func(id string) string { return map[string]string{"github": "GitHub"}[id] },
		PortalInfo: testPortalInfo,
	}
	configure(&cfg)
	svc, err := enroll.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	// The real web server authenticates the API and carries the pages.
	ws, err := web.New(web.Config{Store: st, Vault: v, Portals: web.PortalList{"github"}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	svc.Mount(ws)
	e.srv = httptest.NewServer(ws.Handler())
	t.Cleanup(e.srv.Close)

	e.tenant, e.token = e.newTenant("Acme Books")
	e.account = e.newAccount(e.tenant, "github")
	return e
}

func (e *env) newTenant(name string) (*twofetch.Tenant, string) {
	tok, hash := twofetch.NewToken("tf")
	tn := &twofetch.Tenant{ID: twofetch.NewID("ten"), Name: name, TokenHash: hash, Language: "en", CreatedAt: time.Now().UTC()}
	if err := e.store.CreateTenant(context.Background(), tn); err != nil {
		e.t.Fatal(err)
	}
	return tn, tok
}

func (e *env) newAccount(tn *twofetch.Tenant, portal string) *twofetch.Account {
	now := time.Now().UTC()
	a := &twofetch.Account{ID: twofetch.NewID("acc"), TenantID: tn.ID, Portal: portal, Username: "octocat@example.com",
		Status: twofetch.AccountNeedsEnrollment, CreatedAt: now, UpdatedAt: now}
	if err := e.store.CreateAccount(context.Background(), a); err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *env) api(method, path, token string, body any) (*http.Response, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	return e.do(req)
}

func (e *env) do(req *http.Request) (*http.Response, map[string]any) {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if m == nil {
		m = map[string]any{"_body": string(b)}
	}
	return resp, m
}

// start creates an enrolment and returns the link path from the SMS.
func (e *env) start(lang string) (id, linkPath string) {
	e.t.Helper()
	resp, m := e.api("POST", "/api/v1/accounts/"+e.account.ID+"/enrollments", e.token, map[string]string{"phone": "+49 151 1234 5678", "language": lang})
	if resp.StatusCode != 201 {
		e.t.Fatalf("create enrolment: %d %v", resp.StatusCode, m)
	}
	if m["status"] != "sms_sent" {
		e.t.Fatalf("status = %v, want sms_sent", m["status"])
	}
	e.mu.Lock()
	body := e.sent[len(e.sent)-1]
	e.mu.Unlock()
	link := regexp.MustCompile(`http://enroll\.test(/e/[A-Za-z0-9_]+)`).FindStringSubmatch(body)
	if link == nil {
		e.t.Fatalf("SMS has no link: %q", body)
	}
	return m["id"].(string), link[1]
}

func qrPNG(t *testing.T, text string) []byte {
	t.Helper()
	b, err := qrcode.Encode(text, qrcode.Medium, 512)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func blankPNG(t *testing.T) []byte {
	img := image.NewGray(image.Rect(0, 0, 640, 480))
	for i := range img.Pix {
		img.Pix[i] = uint8(i % 251)
	}
	img.Set(10, 10, color.White)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (e *env) postPhoto(link string, photo []byte) (*http.Response, map[string]any) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("photo", "photo.png")
	fw.Write(photo)
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+link+"/photo", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	return e.do(req)
}

func (e *env) postForm(link, action string, form url.Values) (*http.Response, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+link+"/"+action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	return e.do(req)
}

// checkCode asserts that code is the key's code for the window ending at validUntil.
func checkCode(t *testing.T, uri string, m map[string]any) {
	t.Helper()
	keys, err := otpauth.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	until, err := time.Parse(time.RFC3339Nano, m["valid_until"].(string))
	if err != nil {
		t.Fatalf("valid_until: %v", err)
	}
	want, _ := keys[0].CodeAt(until.Add(-time.Second))
	if m["code"] != want {
		t.Fatalf("code = %v, want %s (window ending %s)", m["code"], want, until)
	}
	left := m["seconds_left"].(float64)
	if from, ok := m["valid_from"].(string); ok {
		// Issued for the next window, the current one being nearly over.
		start, err := time.Parse(time.RFC3339Nano, from)
		if err != nil || !start.Equal(until.Add(-30*time.Second)) || left > 35 {
			t.Fatalf("valid_from %q with valid_until %s, %v s left", from, until, left)
		}
		return
	}
	if left < 4 || left > 30 {
		t.Fatalf("seconds_left = %v", left)
	}
}

func TestPhotoEnrolmentConfirmsKey(t *testing.T) {
	e := newEnv(t)
	id, link := e.start("de")
	if !strings.Contains(e.sent[0], "GitHub") || !strings.Contains(e.sent[0], "Handy") {
		t.Fatalf("SMS not in German or not naming the portal: %q", e.sent[0])
	}

	resp, m := e.postPhoto(link, qrPNG(t, testURI))
	if resp.StatusCode != 200 {
		t.Fatalf("photo: %d %v", resp.StatusCode, m)
	}
	if m["issuer"] != "GitHub" || m["account"] != "octocat" {
		t.Fatalf("recognised %v/%v", m["issuer"], m["account"])
	}
	checkCode(t, testURI, m)

	resp, m = e.api("GET", "/api/v1/accounts/"+e.account.ID+"/enrollments/"+id, e.token, nil)
	if resp.StatusCode != 200 || m["status"] != "key_received" {
		t.Fatalf("status after photo: %d %v", resp.StatusCode, m)
	}
	// The live code is not a secret the account may use yet.
	a, _ := e.store.Account(context.Background(), e.tenant.ID, e.account.ID)
	if a.HasKey {
		t.Fatal("account has a key before confirmation")
	}

	resp, m = e.postForm(link, "confirm", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("confirm: %d %v", resp.StatusCode, m)
	}
	a, _ = e.store.Account(context.Background(), e.tenant.ID, e.account.ID)
	if !a.HasKey || a.Status != twofetch.AccountActive {
		t.Fatalf("after confirm: has_key=%v status=%s", a.HasKey, a.Status)
	}
	// The confirmed key gives codes from the vault under the account's key field.
	c, err := e.vault.Code(context.Background(), twofetch.SecretRef{TenantID: e.tenant.ID, AccountID: e.account.ID, Field: twofetch.FieldTOTP})
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := otpauth.Parse(testURI)
	if want, _ := keys[0].CodeAt(c.ValidUntil.Add(-time.Second)); c.Value != want {
		t.Fatalf("vault code %s, want %s", c.Value, want)
	}

	if resp, m = e.api("GET", "/api/v1/accounts/"+e.account.ID+"/enrollments/"+id, e.token, nil); resp.StatusCode != 200 || m["status"] != "confirmed" {
		t.Fatalf("status = %v", m["status"])
	}
	req, _ := http.NewRequest("GET", e.srv.URL+link, nil)
	resp, _ = e.do(req)
	if resp.StatusCode != http.StatusGone {
		t.Fatalf("used link answered %d, want 410", resp.StatusCode)
	}
	events, _ := e.store.ListAudit(context.Background(), e.tenant.ID, twofetch.Page{Limit: 50})
	var actions []string
	for _, ev := range events {
		actions = append(actions, ev.Action)
	}
	for _, want := range []string{"enrollment.created", "enrollment.sms_sent", "enrollment.key_received", "enrollment.confirmed"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("audit log lacks %s: %v", want, actions)
		}
	}
}

func TestFailedPhotoKeepsSession(t *testing.T) {
	e := newEnv(t)
	_, link := e.start("en")
	for _, tc := range []struct {
		name   string
		photo  []byte
		status int
		code   string
	}{
		{"no code in photo", blankPNG(t), 422, "no_code_found"},
		{"not an image", []byte("this is not a photo at all"), 422, "photo_unreadable"},
		{"app store QR", qrPNG(t, "https://apps.apple.com/app/google-authenticator/id388497605"), 422, "not_an_authenticator_code"},
		{"microsoft push QR", qrPNG(t, "phonefactor://activate_account?code=123456789&url=https://mobileappcommunicator.auth.microsoft.com/activate/123"), 422, "not_an_authenticator_code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, m := e.postPhoto(link, tc.photo)
			errm, _ := m["error"].(map[string]any)
			if resp.StatusCode != tc.status || errm["code"] != tc.code {
				t.Fatalf("got %d %v, want %d %s", resp.StatusCode, m, tc.status, tc.code)
			}
			if errm["message"] == "" {
				t.Fatal("no message")
			}
		})
	}
	resp, m := e.postPhoto(link, qrPNG(t, testURI))
	if resp.StatusCode != 200 {
		t.Fatalf("retry after failures: %d %v", resp.StatusCode, m)
	}
	checkCode(t, testURI, m)
}

func TestSetupKeyTypedByHand(t *testing.T) {
	e := newEnv(t)
	_, link := e.start("nl")
	resp, m := e.postForm(link, "key", url.Values{"key": {"hello, world"}})
	if errm, _ := m["error"].(map[string]any); resp.StatusCode != 422 || errm["code"] != "invalid_key" {
		t.Fatalf("bad key: %d %v", resp.StatusCode, m)
	}
	resp, m = e.postForm(link, "key", url.Values{"key": {"ajjb tz5c qxsw l4f2 uo77 uxyf fv54 wmb6"}})
	if resp.StatusCode != 200 {
		t.Fatalf("setup key: %d %v", resp.StatusCode, m)
	}
	checkCode(t, "otpauth://totp/x?secret=AJJBTZ5CQXSWL4F2UO77UXYFFV54WMB6", m)
}

func TestPreviousKeyStaysUntilConfirmed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oldURI := "otpauth://totp/GitHub:old?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub"
	old, _ := otpauth.Parse(oldURI)
	ref := twofetch.SecretRef{TenantID: e.tenant.ID, AccountID: e.account.ID, Field: twofetch.FieldTOTP}
	if _, err := e.vault.PutKey(ctx, ref, old[0]); err != nil {
		t.Fatal(err)
	}
	_, link := e.start("en")
	if resp, m := e.postPhoto(link, qrPNG(t, testURI)); resp.StatusCode != 200 {
		t.Fatalf("photo: %d %v", resp.StatusCode, m)
	}
	info, err := e.vault.KeyInfo(ctx, ref)
	if err != nil || info.Account != "old" {
		t.Fatalf("before confirm the account key is %+v, %v; want the old key", info, err)
	}
	if resp, m := e.postForm(link, "confirm", nil); resp.StatusCode != 200 {
		t.Fatalf("confirm: %d %v", resp.StatusCode, m)
	}
	info, err = e.vault.KeyInfo(ctx, ref)
	if err != nil || info.Account != "octocat" {
		t.Fatalf("after confirm the account key is %+v, %v; want the new key", info, err)
	}
}

func TestLinksExpireAndUnknownLinks(t *testing.T) {
	e := newEnv(t)
	id, link := e.start("en")
	req, _ := http.NewRequest("GET", e.srv.URL+"/e/e_doesnotexistatall", nil)
	if resp, _ := e.do(req); resp.StatusCode != 404 {
		t.Fatalf("unknown token answered %d", resp.StatusCode)
	}
	e.clock.Advance(25 * time.Hour)
	req, _ = http.NewRequest("GET", e.srv.URL+link, nil)
	resp, m := e.do(req)
	if body := m["_body"].(string); resp.StatusCode != http.StatusGone || !strings.Contains(body, "This link has expired") || !strings.Contains(body, `id="renew"`) {
		t.Fatalf("expired link answered %d:\n%s", resp.StatusCode, body)
	}
	_, m = e.api("GET", "/api/v1/accounts/"+e.account.ID+"/enrollments/"+id, e.token, nil)
	if m["status"] != "expired" {
		t.Fatalf("status = %v, want expired", m["status"])
	}
}

func TestAPIValidationAndTenantIsolation(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/accounts/" + e.account.ID + "/enrollments"
	for _, tc := range []struct {
		body   map[string]string
		status int
	}{
		{map[string]string{"phone": "0151 1234"}, 400},
		{map[string]string{"phone": "+4915112345678", "language": "xx"}, 400},
	} {
		if resp, m := e.api("POST", path, e.token, tc.body); resp.StatusCode != tc.status {
			t.Errorf("%v: %d %v", tc.body, resp.StatusCode, m)
		}
	}
	id, _ := e.start("en")
	_, otherToken := e.newTenant("Other Books")
	if resp, m := e.api("POST", path, otherToken, map[string]string{"phone": "+4915112345678"}); resp.StatusCode != 404 {
		t.Fatalf("other tenant created an enrolment on a foreign account: %d %v", resp.StatusCode, m)
	}
	if resp, _ := e.api("GET", path+"/"+id, otherToken, nil); resp.StatusCode != 404 {
		t.Fatalf("other tenant read a foreign enrolment: %d", resp.StatusCode)
	}
	// Resend is rate-limited: the SMS was just sent.
	resp, m := e.api("POST", path+"/"+id+"/resend", e.token, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("first resend: %d %v", resp.StatusCode, m)
	}
	if resp, m = e.api("POST", path+"/"+id+"/resend", e.token, nil); resp.StatusCode != 429 {
		t.Fatalf("second resend within a minute: %d %v", resp.StatusCode, m)
	}
}

func TestKeyAttemptsAreRateLimited(t *testing.T) {
	e := newEnv(t)
	_, link := e.start("en")
	var last *http.Response
	for i := 0; i < 25; i++ {
		last, _ = e.postForm(link, "key", url.Values{"key": {"not a key"}})
	}
	if last.StatusCode != 429 {
		t.Fatalf("25th wrong key answered %d, want 429", last.StatusCode)
	}
}

func TestHTMLPageFlow(t *testing.T) {
	e := newEnv(t)
	_, link := e.start("en")
	resp, err := http.Get(e.srv.URL + link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`capture="environment"`, `accept="image/*"`, "Connect GitHub", `action="` + link + `/key"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
		"Cache-Control":           "no-store",
	} {
		if !strings.Contains(resp.Header.Get(h), want) {
			t.Errorf("%s = %q, want %q", h, resp.Header.Get(h), want)
		}
	}

	// A browser's cross-site form post is refused.
	req, _ := http.NewRequest("POST", e.srv.URL+link+"/key", strings.NewReader("key=abc"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, _ := e.do(req); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site post answered %d, want 403", resp.StatusCode)
	}

	// Without JavaScript: the form posts, the server redirects to the code page.
	form := url.Values{"key": {"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}}
	resp, err = http.PostForm(e.srv.URL+link+"/key", form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `id="code"`) ||
		!strings.Contains(string(body), "seconds left") && !strings.Contains(string(body), "Valid in") {
		t.Fatalf("code page: %d %s", resp.StatusCode, body)
	}
	// A reload in the same window shows the same code without waiting.
	code := shownCode.FindSubmatch(body)
	resp2, _ := http.Get(e.srv.URL + link)
	body2, _ := io.ReadAll(resp2.Body)
	resp2.Body.Close()
	if code == nil || !bytes.Contains(body2, code[1]) {
		t.Fatal("reload shows a different code within the same window")
	}
}

func TestNoSecretOrCodeInLogs(t *testing.T) {
	e := newEnv(t)
	_, link := e.start("en")
	_, m := e.postPhoto(link, qrPNG(t, testURI))
	code, _ := m["code"].(string)
	if code == "" {
		t.Fatalf("no code: %v", m)
	}
	e.postForm(link, "recovery", url.Values{"codes": {"rc-1111-2222 rc-3333-4444"}})
	e.postForm(link, "confirm", nil)
	logs := e.logs.String()
	for _, secret := range []string{"JBSWY3DPEHPK3PXP", "jbswy3dpehpk3pxp", code, "rc-1111-2222"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

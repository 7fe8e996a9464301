package replica

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"image"
	_ "image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/twofetch/twofetch/otpauth"
)

var (
	sharedOnce sync.Once
	shared     *Server
	sharedErr  error
	userSeq    atomic.Int64
)

// server returns the replica server shared by the tests of this binary;
// tests use their own users and reset the modes they set.
func server(t *testing.T) *Server {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = Start(Options{}) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		_ = shared.Close()
	}
	os.Exit(code)
}

// newUser adds a user with a fresh key to p.
func newUser(t *testing.T, p *Portal) (email, password string, key *otpauth.Key) {
	t.Helper()
	email = fmt.Sprintf("user%d@example.com", userSeq.Add(1))
	password = "pw-" + email
	key, err := p.AddUser(email, password)
	if err != nil {
		t.Fatal(err)
	}
	return email, password, key
}

// step is one exchange of a browser-less login, with the page it ended on.
type visit struct {
	status int
	url    string
	body   string
}

func get(t *testing.T, c *http.Client, u string) visit {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return read(t, res)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) visit {
	t.Helper()
	res, err := c.PostForm(u, form)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	return read(t, res)
}

func read(t *testing.T, res *http.Response) visit {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return visit{status: res.StatusCode, url: res.Request.URL.String(), body: string(b)}
}

// password submits e-mail and password the way the portal asks for them
// (one page or two) and returns the page after the password.
func password(t *testing.T, c *http.Client, sp *spec, email, pw string) visit {
	t.Helper()
	l := sp.Login
	v := get(t, c, l.URL)
	if !strings.Contains(v.body, `id="`+l.Email.ID+`"`) {
		t.Fatalf("%s: login page has no #%s:\n%s", sp.ID, l.Email.ID, v.body)
	}
	form := url.Values{l.Email.Name: {email}}
	target := l.URL
	if l.PasswordURL != "" {
		v = post(t, c, l.URL, form)
		if !strings.Contains(v.body, `id="`+l.Password.ID+`"`) {
			t.Fatalf("%s: no password page after the e-mail step:\n%s", sp.ID, v.body)
		}
		target = l.PasswordURL
	}
	form.Set(l.Password.Name, pw)
	return post(t, c, target, form)
}

// code passes the method picker (if any) and submits the code.
func code(t *testing.T, c *http.Client, sp *spec, v visit, otp string, remember bool) visit {
	t.Helper()
	if sp.Picker != nil {
		if !strings.Contains(v.body, `value="`+sp.Picker.App+`"`) {
			t.Fatalf("%s: expected the method picker, got %s:\n%s", sp.ID, v.url, v.body)
		}
		v = post(t, c, sp.Picker.URL, url.Values{sp.Picker.Name: {sp.Picker.App}})
	}
	if !strings.Contains(v.body, `id="`+sp.TwoFA.Code.ID+`"`) {
		t.Fatalf("%s: expected the code page, got %s:\n%s", sp.ID, v.url, v.body)
	}
	form := url.Values{sp.TwoFA.Code.Name: {otp}}
	if remember && sp.TwoFA.Remember.Name != "" {
		form.Set(sp.TwoFA.Remember.Name, "true")
	}
	return post(t, c, sp.TwoFA.URL, form)
}

func currentCode(t *testing.T, k *otpauth.Key, at time.Time) string {
	t.Helper()
	c, err := k.CodeAt(at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func login(t *testing.T, s *Server, sp *spec, email, pw string, k *otpauth.Key) (*http.Client, visit) {
	t.Helper()
	c := s.Client()
	v := password(t, c, sp, email, pw)
	v = code(t, c, sp, v, currentCode(t, k, time.Now()), false)
	return c, v
}

// ownSignIn signs in to a replica with its own pages and returns the page
// reached, per portal; each portal's test file fills it in.
var ownSignIn = map[string]func(t *testing.T, c *http.Client, sp *spec, email, pw, otp string) visit{}

func templateSignIn(t *testing.T, c *http.Client, sp *spec, email, pw, otp string) visit {
	t.Helper()
	return code(t, c, sp, password(t, c, sp, email, pw), otp, false)
}

var rowID = regexp.MustCompile(`data-invoice-id="([^"]+)"`)

// listed returns the invoice ids the billing page (or its API) shows.
func listed(t *testing.T, c *http.Client, sp *spec) []string {
	t.Helper()
	v := get(t, c, sp.Billing.URL)
	if v.url != sp.Billing.URL || !strings.Contains(v.body, `id="`+sp.Billing.TableID+`"`) {
		t.Fatalf("%s: billing page not reached (at %s):\n%s", sp.ID, v.url, v.body)
	}
	if sp.Billing.Style != jsonAPI {
		var ids []string
		for _, m := range rowID.FindAllStringSubmatch(v.body, -1) {
			ids = append(ids, m[1])
		}
		return ids
	}
	api := get(t, c, sp.Billing.API)
	var body struct {
		Data []struct {
			ID     string `json:"id"`
			PDFURL string `json:"pdf_url"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(api.body), &body); err != nil {
		t.Fatalf("%s: API answer %q: %v", sp.ID, api.body, err)
	}
	var ids []string
	for _, d := range body.Data {
		ids = append(ids, d.ID)
	}
	return ids
}

func download(t *testing.T, c *http.Client, sp *spec, id string) *http.Response {
	t.Helper()
	var res *http.Response
	var err error
	if sp.Billing.Style == buttonDownload {
		res, err = c.PostForm(sp.Billing.Document, url.Values{"id": {id}})
	} else {
		res, err = c.Get(strings.Replace(sp.Billing.Document, "{id}", id, 1))
	}
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestLoginListDownload(t *testing.T) {
	s := server(t)
	for _, id := range templateIDs() {
		t.Run(id, func(t *testing.T) {
			p := s.Portal(id)
			sp := p.spec
			email, pw, k := newUser(t, p)
			c, v := login(t, s, sp, email, pw, k)
			if v.url != sp.Billing.URL {
				t.Fatalf("after the code: at %s, want %s:\n%s", v.url, sp.Billing.URL, v.body)
			}
			ids := listed(t, c, sp)
			want := p.Invoices(email)
			if len(ids) != 3 || len(want) != 3 {
				t.Fatalf("listed %v, replica has %d invoices, want 3", ids, len(want))
			}
			for i := range ids {
				if ids[i] != want[i].ID {
					t.Errorf("row %d: id %s, want %s (newest first)", i, ids[i], want[i].ID)
				}
			}

			res := download(t, c, sp, want[0].ID)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("download: %s", res.Status)
			}
			if sp.Billing.Style == printPage {
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Errorf("printable invoice served as %q", ct)
				}
				if !strings.Contains(string(body), `id="invoice-number">`+want[0].Number) {
					t.Errorf("invoice page lacks its number %s", want[0].Number)
				}
			} else {
				if ct := res.Header.Get("Content-Type"); ct != "application/pdf" {
					t.Errorf("Content-Type %q", ct)
				}
				if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, want[0].Number) {
					t.Errorf("Content-Disposition %q", cd)
				}
				if !bytes.HasPrefix(body, []byte("%PDF-1.4")) || !bytes.Contains(body, []byte(want[0].Number)) {
					t.Errorf("not a PDF with the invoice number: %.80q", body)
				}
			}

			added, err := p.AddInvoice(email)
			if err != nil {
				t.Fatal(err)
			}
			ids = listed(t, c, sp)
			if len(ids) != 4 || ids[0] != added.ID {
				t.Errorf("after AddInvoice: listed %v, want %s first of 4", ids, added.ID)
			}
			if got := p.Stats(); got.Downloads < 1 || got.CodesAccepted < 1 {
				t.Errorf("stats %+v", got)
			}
		})
	}
}

func TestNotLoggedIn(t *testing.T) {
	s := server(t)
	for _, id := range templateIDs() {
		t.Run(id, func(t *testing.T) {
			sp := s.Portal(id).spec
			c := s.Client()
			v := get(t, c, sp.Billing.URL)
			if !strings.HasPrefix(v.url, sp.Login.URL) || !strings.Contains(v.body, sp.Login.Email.ID) {
				t.Errorf("billing without a session ended at %s, want the login page", v.url)
			}
			res := download(t, c, sp, s.Portal(id).Invoices(DemoEmail)[0].ID)
			res.Body.Close()
			if res.Header.Get("Content-Type") == "application/pdf" {
				t.Error("document served without a session")
			}
		})
	}
}

func TestPasswordRefused(t *testing.T) {
	s := server(t)
	for _, id := range templateIDs() {
		t.Run(id, func(t *testing.T) {
			p := s.Portal(id)
			email, pw, _ := newUser(t, p)
			for _, tc := range []struct {
				name, pw string
				mode     Mode
			}{
				{"wrong password", pw + "x", 0},
				{"empty password", "", 0},
				{"mode RejectPassword", pw, RejectPassword},
			} {
				t.Run(tc.name, func(t *testing.T) {
					p.SetMode(tc.mode)
					defer p.SetMode(0)
					v := password(t, s.Client(), p.spec, email, tc.pw)
					if !strings.Contains(v.body, escaped(p.spec.Text.BadPassword)) {
						t.Errorf("no %q on %s:\n%s", p.spec.Text.BadPassword, v.url, v.body)
					}
					if strings.Contains(v.body, p.spec.TwoFA.Code.ID) {
						t.Error("went on to the code page")
					}
				})
			}
		})
	}
}

// escaped is s as html/template prints it.
func escaped(s string) string {
	return strings.NewReplacer("'", "&#39;", `"`, "&#34;", "&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func TestCodes(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 10, 0, time.UTC)
	var clock atomic.Pointer[time.Time]
	clock.Store(&now)
	s, err := Start(Options{Portals: []string{"example-api", "example-links"}, Now: func() time.Time { return *clock.Load() }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, id := range []string{"example-api", "example-links"} {
		p := s.Portal(id)
		sp := p.spec
		email, pw, k := newUser(t, p)
		attempt := func(t *testing.T, otp string) bool {
			t.Helper()
			c := s.Client()
			v := code(t, c, sp, password(t, c, sp, email, pw), otp, false)
			if v.url == sp.Billing.URL {
				return true
			}
			if !strings.Contains(v.body, escaped(sp.Text.BadCode)) {
				t.Fatalf("refusal without %q:\n%s", sp.Text.BadCode, v.body)
			}
			return false
		}
		step := k.Step(now)
		codeAt := func(s uint64) string { c, _ := k.Code(s); return c }
		for _, tc := range []struct {
			name string
			code string
			mode Mode
			want bool
		}{
			{"current step", codeAt(step), 0, true},
			{"same code again", codeAt(step), 0, false},
			{"previous step", codeAt(step - 1), 0, true},
			{"next step", codeAt(step + 1), 0, true},
			{"two steps back", codeAt(step - 2), 0, false},
			{"two steps ahead", codeAt(step + 2), 0, false},
			{"wrong digits", "000000", 0, false},
			{"letters", "abcdef", 0, false},
			{"empty", "", 0, false},
			{"mode RejectCode", codeAt(step + 3), RejectCode, false},
		} {
			t.Run(id+"/"+tc.name, func(t *testing.T) {
				if tc.code == "000000" && (tc.code == codeAt(step-1) || tc.code == codeAt(step) || tc.code == codeAt(step+1)) {
					t.Skip("the random key happens to produce 000000")
				}
				if tc.mode == RejectCode {
					later := now.Add(90 * time.Second) // step+3 is current there
					clock.Store(&later)
					defer clock.Store(&now)
				}
				p.SetMode(tc.mode)
				defer p.SetMode(0)
				if got := attempt(t, tc.code); got != tc.want {
					t.Errorf("accepted = %v, want %v", got, tc.want)
				}
			})
		}
		// A refused reuse is per user: another user's code for the same
		// step is fine.
		t.Run(id+"/other user same step", func(t *testing.T) {
			e2, pw2, k2 := newUser(t, p)
			c := s.Client()
			v := code(t, c, sp, password(t, c, sp, e2, pw2), currentCode(t, k2, now), false)
			if v.url != sp.Billing.URL {
				t.Errorf("refused: %s", v.url)
			}
		})
	}
}

func TestMisbehaviour(t *testing.T) {
	s := server(t)
	for _, id := range templateIDs() {
		p := s.Portal(id)
		sp := p.spec
		t.Run(id+"/captcha", func(t *testing.T) {
			email, pw, _ := newUser(t, p)
			p.SetMode(Captcha)
			defer p.SetMode(0)
			v := password(t, s.Client(), sp, email, pw)
			if !strings.Contains(v.body, `id="captcha-container"`) {
				t.Errorf("no captcha:\n%s", v.body)
			}
		})
		t.Run(id+"/push only", func(t *testing.T) {
			email, pw, _ := newUser(t, p)
			p.SetMode(PushOnly)
			defer p.SetMode(0)
			v := password(t, s.Client(), sp, email, pw)
			if !strings.Contains(v.body, `id="push-challenge"`) || strings.Contains(v.body, `id="`+sp.TwoFA.Code.ID+`"`) {
				t.Errorf("want the push prompt and no code field, at %s:\n%s", v.url, v.body)
			}
		})
		t.Run(id+"/new device", func(t *testing.T) {
			email, pw, _ := newUser(t, p)
			p.SetMode(NewDevice)
			defer p.SetMode(0)
			c := s.Client()
			v := password(t, c, sp, email, pw)
			if !strings.Contains(v.body, `id="device-verification"`) {
				t.Errorf("no device check:\n%s", v.body)
			}
			if v := get(t, c, sp.Billing.URL); v.url == sp.Billing.URL {
				t.Error("billing reachable before the device check")
			}
		})
		t.Run(id+"/terms", func(t *testing.T) {
			email, pw, k := newUser(t, p)
			p.SetMode(Terms)
			defer p.SetMode(0)
			c, v := login(t, s, sp, email, pw, k)
			if v.url != sp.Terms || !strings.Contains(v.body, `id="accept-terms"`) {
				t.Fatalf("want the terms page, at %s", v.url)
			}
			if v := get(t, c, sp.Billing.URL); v.url != sp.Terms {
				t.Errorf("billing before accepting: at %s, want the terms page", v.url)
			}
			if v := post(t, c, sp.Terms, nil); v.url != sp.Billing.URL {
				t.Errorf("after accepting: at %s", v.url)
			}
		})
		t.Run(id+"/changed layout", func(t *testing.T) {
			email, pw, k := newUser(t, p)
			p.SetMode(ChangedLayout)
			defer p.SetMode(0)
			c := s.Client()
			v := get(t, c, sp.Login.URL)
			if strings.Contains(v.body, `id="`+sp.Login.Email.ID+`"`) {
				t.Errorf("old field id #%s still there", sp.Login.Email.ID)
			}
			// The redesigned portal still works for someone who reads it.
			rd := sp.redesigned()
			v = code(t, c, rd, password(t, c, rd, email, pw), currentCode(t, k, time.Now()), false)
			if v.url != sp.Billing.URL || !strings.Contains(v.body, `id="`+rd.Billing.TableID+`"`) {
				t.Errorf("redesigned login ended at %s", v.url)
			}
		})
		for _, tc := range []struct {
			mode   Mode
			status int
			text   string
		}{
			{Down, http.StatusServiceUnavailable, "503 Service Unavailable"},
			{RateLimited, http.StatusTooManyRequests, "429 Too Many Requests"},
			{Blocked, http.StatusForbidden, "403 Forbidden"},
		} {
			t.Run(fmt.Sprintf("%s/status %d", id, tc.status), func(t *testing.T) {
				p.SetMode(tc.mode)
				defer p.SetMode(0)
				for _, u := range []string{sp.Login.URL, sp.Billing.URL} {
					v := get(t, s.Client(), u)
					if v.status != tc.status || !strings.Contains(v.body, tc.text) || !strings.Contains(v.body, sp.Name) {
						t.Errorf("%s: status %d, want %d with %q:\n%s", u, v.status, tc.status, tc.text, v.body)
					}
				}
			})
		}
		t.Run(id+"/slow", func(t *testing.T) {
			p.SetDelay(time.Hour)
			defer p.SetDelay(0)
			c := s.Client()
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", sp.Login.URL, nil)
			res, err := c.Do(req)
			if err == nil {
				res.Body.Close()
				t.Fatalf("a page answered while the portal was slow: %s %s", res.Status, res.Request.URL)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err %v, want the client's deadline", err)
			}
		})
	}
}

func TestRememberDevice(t *testing.T) {
	s := server(t)
	for _, id := range templateIDs() {
		sp := s.Portal(id).spec
		if sp.TwoFA.Remember.Name == "" {
			continue
		}
		t.Run(id, func(t *testing.T) {
			p := s.Portal(id)
			email, pw, k := newUser(t, p)
			c := s.Client()
			v := code(t, c, sp, password(t, c, sp, email, pw), currentCode(t, k, time.Now()), true)
			if v.url != sp.Billing.URL {
				t.Fatalf("login failed: %s", v.url)
			}
			// Same browser, session gone: password again, no code.
			u, _ := url.Parse(sp.Login.URL)
			jarCookies := c.Jar.Cookies(u)
			c2 := s.Client()
			c2.Jar.SetCookies(u, jarCookies)
			for _, ck := range jarCookies {
				if ck.Name == sp.SessionCookie {
					c2.Jar.SetCookies(u, []*http.Cookie{{Name: sp.SessionCookie, Value: "expired", Path: "/", Domain: sp.CookieDomain}})
				}
			}
			if v := password(t, c2, sp, email, pw); v.url != sp.Billing.URL {
				t.Errorf("trusted device asked again: at %s", v.url)
			}
			// A browser without the device cookie is asked for a code.
			if v := password(t, s.Client(), sp, email, pw); v.url == sp.Billing.URL {
				t.Error("untrusted browser skipped 2FA")
			}
		})
	}
}

func TestDemoKeyAndSettingsQR(t *testing.T) {
	// Its own server: the demo user's spent time steps are per server.
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, id := range IDs() {
		t.Run(id, func(t *testing.T) {
			if of := registry[id].Of; of != "" {
				t.Skip("served by the " + of + " replica")
			}
			p := s.Portal(id)
			if p.spec.Settings == "" {
				t.Skip("no settings page is known; TestSourceDocumentReplicas checks this demo user")
			}
			uri := DemoKey(id)
			keys, err := otpauth.Parse(uri)
			if err != nil || len(keys) != 1 {
				t.Fatalf("DemoKey %q does not parse: %v", uri, err)
			}
			k := keys[0]
			if k.Issuer != p.Name() || k.Account != DemoEmail || k.Type != otpauth.TOTP || k.Digits != 6 || k.Period != 30 {
				t.Errorf("demo key %+v", k)
			}
			// The demo user logs in with a code from the published key.
			c := s.Client()
			signIn := templateSignIn
			if f, ok := ownSignIn[id]; ok {
				signIn = f
			}
			if v := signIn(t, c, p.spec, DemoEmail, DemoPassword, currentCode(t, k, time.Now())); !strings.HasPrefix(v.url, p.spec.Billing.URL) {
				t.Fatalf("demo login ended at %s", v.url)
			}
			v := get(t, c, p.spec.Settings)
			m := regexp.MustCompile(`src="data:image/png;base64,([^"]+)"`).FindStringSubmatch(v.body)
			if m == nil {
				t.Fatalf("no QR image on the settings page:\n%s", v.body)
			}
			if got := decodeQR(t, m[1]); got != uri {
				t.Errorf("QR holds %q, want %q", got, uri)
			}
			// The key under "can't scan?" is the same key, typed by hand.
			m = regexp.MustCompile(`<code id="setup-key">([A-Z2-7 ]+)</code>`).FindStringSubmatch(v.body)
			if m == nil {
				t.Fatalf("no setup key on the settings page")
			}
			typed, err := otpauth.Parse(m[1])
			if err != nil || len(typed) != 1 || !bytes.Equal(typed[0].Secret, k.Secret) {
				t.Errorf("setup key %q: %v", m[1], err)
			}
		})
	}
	if DemoKey("no-such-portal") != "" {
		t.Error("DemoKey of an unknown portal")
	}
}

func decodeQR(t *testing.T, b64 string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(b64))
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.GetText()
}

func TestStartUnknownPortal(t *testing.T) {
	if _, err := Start(Options{Portals: []string{"nope"}}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("err %v", err)
	}
}

func TestCertificate(t *testing.T) {
	s := server(t)
	leaf := s.ca.leaf.Leaf
	for _, h := range s.Hosts() {
		if err := leaf.VerifyHostname(h); err != nil {
			t.Errorf("leaf not valid for %s: %v", h, err)
		}
	}
	// A client that does not trust the CA refuses the server.
	c := &http.Client{Transport: s.Client().Transport.(*http.Transport).Clone()}
	c.Transport.(*http.Transport).TLSClientConfig.RootCAs = nil
	if _, err := c.Get("https://links.example.test/signin"); err == nil {
		t.Error("untrusted CA accepted")
	}
}

func TestSessionCookies(t *testing.T) {
	s := server(t)
	for _, id := range templateIDs() {
		t.Run(id, func(t *testing.T) {
			p := s.Portal(id)
			sp := p.spec
			email, pw, k := newUser(t, p)
			c, v := login(t, s, sp, email, pw, k)
			if v.url != sp.Billing.URL {
				t.Fatalf("login ended at %s", v.url)
			}
			// The session cookie reaches the billing host even where login
			// happens on another host.
			u, _ := url.Parse(sp.Billing.URL)
			found := false
			for _, ck := range c.Jar.Cookies(u) {
				found = found || ck.Name == sp.SessionCookie
			}
			if !found {
				t.Fatalf("no %s cookie for %s", sp.SessionCookie, u.Host)
			}
			p.ExpireSessions()
			if v := get(t, c, sp.Billing.URL); v.url == sp.Billing.URL {
				t.Error("billing still open after ExpireSessions")
			}
		})
	}
}

func TestKeepMeSignedIn(t *testing.T) {
	s := server(t)
	for _, id := range templateIDs() {
		sp := s.Portal(id).spec
		if sp.Login.Remember.Name == "" {
			continue
		}
		for _, keep := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/keep=%v", id, keep), func(t *testing.T) {
				email, pw, _ := newUser(t, s.Portal(id))
				c := s.Client()
				c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
				form := url.Values{sp.Login.Email.Name: {email}, sp.Login.Password.Name: {pw}}
				if keep {
					form.Set(sp.Login.Remember.Name, "true")
				}
				target := sp.Login.URL
				if sp.Login.PasswordURL != "" {
					target = sp.Login.PasswordURL
				}
				res, err := c.PostForm(target, form)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				var session *http.Cookie
				for _, ck := range res.Cookies() {
					if ck.Name == sp.SessionCookie {
						session = ck
					}
				}
				if session == nil {
					t.Fatalf("no session cookie set (status %s)", res.Status)
				}
				if lasting := session.MaxAge > 0; lasting != keep {
					t.Errorf("Max-Age %d with keep me signed in = %v", session.MaxAge, keep)
				}
			})
		}
	}
}

package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/web"
)

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

// browserClient keeps cookies and does not follow redirects, so tests see
// each step of the support login.
type browserClient struct {
	base string
	c    *http.Client
}

func (pe *pipeEnv) browser(t *testing.T) *browserClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := *pe.http.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browserClient{base: pe.http.URL, c: &c}
}

func (b *browserClient) send(t *testing.T, req *http.Request) response {
	t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

func (b *browserClient) get(t *testing.T, path string) response {
	t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.send(t, req)
}

func (b *browserClient) post(t *testing.T, path string, form url.Values, header ...string) response {
	t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.send(t, req)
}

func (b *browserClient) login(t *testing.T, token string) {
	t.Helper()
	res := b.post(t, "/support/login", url.Values{"token": {token}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/support" {
		t.Fatalf("login: %d %q %s", res.status, res.header.Get("Location"), res.body)
	}
}

func pngBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeArtifacts gives run the files a failed run leaves behind, in the
// blob store as the workers keep them.
func (pe *pipeEnv) writeArtifacts(t *testing.T, run *twofetch.Run, files map[string][]byte) {
	t.Helper()
	for name, b := range files {
		if err := pe.blob.Put(context.Background(), twofetch.ArtifactPrefix(run.ID)+name, bytes.NewReader(b), int64(len(b)), ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(pe.artifacts, run.ID), 0o700); err != nil {
		t.Fatal(err)
	}
	run.Artifacts = twofetch.ArtifactPrefix(run.ID)
	if err := pe.store.UpdateRun(context.Background(), run); err != nil {
		t.Fatal(err)
	}
}

// secrets are values no page may ever show.
func (pe *pipeEnv) secrets() []string {
	return []string{pe.aAPI, pe.aAdmin, pe.bAPI, pe.bAdmin, "alpha-portal-password", "beta-portal-password", string(pe.statusKey)}
}

func (pe *pipeEnv) noSecrets(t *testing.T, what string, body []byte) {
	t.Helper()
	for _, s := range pe.secrets() {
		if bytes.Contains(body, []byte(s)) {
			t.Errorf("%s shows a secret", what)
		}
	}
}

func TestSupportViews(t *testing.T) { onBackends(t, testSupportViews) }

func testSupportViews(t *testing.T, pe *pipeEnv) {
	ctx := context.Background()
	now := time.Now()
	other := pe.createAccount(t, pe.aAPI, "other", "carol@example.com", "pw-carol")
	otherA, _ := pe.store.Account(ctx, pe.a.ID, other.ID)
	aAcct, _ := pe.store.Account(ctx, pe.a.ID, pe.aAcct.ID)
	bAcct, _ := pe.store.Account(ctx, pe.b.ID, pe.bAcct.ID)

	pe.addRun(t, aAcct, now.Add(-3*time.Hour), twofetch.OutcomeBadCredentials)
	failed := pe.addRun(t, aAcct, now.Add(-2*time.Hour), twofetch.OutcomeBadCredentials)
	pe.addRun(t, aAcct, now.Add(-90*time.Minute), twofetch.OutcomePortalChanged)
	pe.addRun(t, otherA, now.Add(-time.Hour), twofetch.OutcomeCaptcha)
	pe.addRun(t, aAcct, now.Add(-time.Hour), twofetch.OutcomeOK)
	pe.addRun(t, aAcct, now.Add(-8*24*time.Hour), twofetch.OutcomeBadCredentials) // outside the window
	bRun := pe.addRun(t, bAcct, now.Add(-time.Hour), twofetch.OutcomeBlocked)

	page := []byte("<html><body><script>alert('portal')</script>Wrong password</body></html>")
	shot := pngBytes(t)
	steps := []byte("navigate https://demo.example/login\ntype #user\nclick #login\nwait .error <found>\n")
	pe.writeArtifacts(t, failed, map[string][]byte{"screenshot.png": shot, "page.html": page, "steps.log": steps})
	pe.writeArtifacts(t, bRun, map[string][]byte{"screenshot.png": shot})

	t.Run("login", func(t *testing.T) {
		c := pe.browser(t)
		if res := c.get(t, "/support"); res.status != http.StatusSeeOther || res.header.Get("Location") != "/support/login" {
			t.Errorf("anonymous /support: %d %q", res.status, res.header.Get("Location"))
		}
		res := c.get(t, "/support/login")
		if res.status != 200 || !strings.Contains(string(res.body), `name="token"`) {
			t.Errorf("login page: %d", res.status)
		}
		for _, bad := range []string{pe.aAPI, "tfadm_nosuchtoken", ""} {
			res := c.post(t, "/support/login", url.Values{"token": {bad}})
			if res.status != http.StatusUnauthorized || len(res.header.Values("Set-Cookie")) != 0 {
				t.Errorf("login with a wrong token: %d, cookies %q", res.status, res.header.Values("Set-Cookie"))
			}
		}
		res = c.post(t, "/support/login", url.Values{"token": {pe.aAdmin}})
		ck := res.header.Get("Set-Cookie")
		for _, want := range []string{web.SessionCookie + "=", "Path=/", "HttpOnly", "Secure", "SameSite=Strict"} {
			if !strings.Contains(ck, want) {
				t.Errorf("cookie %q lacks %s", ck, want)
			}
		}
		if res := c.get(t, "/support"); res.status != 200 {
			t.Errorf("/support after login: %d", res.status)
		}
		if res := c.post(t, "/support/logout", nil); res.status != http.StatusSeeOther {
			t.Errorf("logout: %d", res.status)
		}
		if res := c.get(t, "/support"); res.status != http.StatusSeeOther {
			t.Errorf("/support after logout: %d", res.status)
		}
		if res := pe.do(t, "GET", "/support", pe.aAPI, nil); res.status != http.StatusUnauthorized {
			t.Errorf("API token as admin bearer: %d", res.status)
		}
		if res := pe.do(t, "GET", "/support", pe.aAdmin, nil); res.status != 200 {
			t.Errorf("admin bearer: %d", res.status)
		}
	})

	t.Run("stale cookie", func(t *testing.T) {
		c := pe.browser(t)
		u, _ := url.Parse(pe.http.URL + "/support")
		c.c.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: strings.Repeat("x", 43), Path: "/", Secure: true}})
		res := c.get(t, "/support")
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/support/login" {
			t.Errorf("stale cookie: %d %q", res.status, res.header.Get("Location"))
		}
		if ck := res.header.Get("Set-Cookie"); !strings.Contains(ck, "Max-Age=0") {
			t.Errorf("stale cookie not cleared: %q", ck)
		}
	})

	t.Run("session expires", func(t *testing.T) {
		c := pe.browser(t)
		c.login(t, pe.aAdmin)
		now := time.Now
		pe.pipe.Now = func() time.Time { return now().Add(web.SessionTTL + time.Minute) }
		defer func() { pe.pipe.Now = nil }()
		if res := c.get(t, "/support"); res.status != http.StatusSeeOther {
			t.Errorf("/support after the session's time: %d", res.status)
		}
	})

	c := pe.browser(t)
	c.login(t, pe.aAdmin)

	t.Run("grouped failures", func(t *testing.T) {
		res := c.get(t, "/support")
		body := string(res.body)
		if res.status != 200 {
			t.Fatalf("/support: %d", res.status)
		}
		// Failing now: alice's account ran well after its failures, so
		// only carol's captcha is left, among the portals support fixes.
		rows := regexp.MustCompile(`data-portal="([^"]+)" data-outcome="([^"]+)" data-failing="(\d+)"`).FindAllStringSubmatch(body, -1)
		got := map[string]string{}
		for _, r := range rows {
			got[r[1]+"/"+r[2]] = r[3]
		}
		if want := map[string]string{"other/captcha": "1"}; len(got) != 1 || got["other/captcha"] != "1" {
			t.Errorf("groups = %v, want %v", got, want)
		}
		for _, want := range []string{`id="broken-title"`, "Held up for now <code>captcha</code>", "2 more failed in the last 7 days and have run well since",
			`data-account="` + other.ID + `"`, "/support/runs/" + failed.ID} {
			if !strings.Contains(body, want) {
				t.Errorf("/support lacks %q", want)
			}
		}
		if strings.Contains(body, `id="customer-title"`) {
			t.Errorf("a fixed account is listed as failing")
		}
		if strings.Contains(body, bRun.ID) || strings.Contains(body, "blocked") {
			t.Errorf("another tenant's failure is listed")
		}
		pe.noSecrets(t, "/support", res.body)
		if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("support CSP = %q", csp)
		}
	})

	t.Run("run detail", func(t *testing.T) {
		res := c.get(t, "/support/runs/"+failed.ID)
		body := string(res.body)
		if res.status != 200 {
			t.Fatalf("run page: %d", res.status)
		}
		for _, want := range []string{
			`src="/support/runs/` + failed.ID + `/screenshot.png"`,
			`href="/support/runs/` + failed.ID + `/page.html"`,
			"wait .error &lt;found&gt;", // the step log, escaped
			"bad_credentials", "detail of bad_credentials", "alice@example.com",
			`action="/support/runs/` + failed.ID + `/rerun"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("run page lacks %q", want)
			}
		}
		if strings.Contains(body, "alert('portal')") {
			t.Errorf("run page embeds the portal's HTML")
		}
		pe.noSecrets(t, "run page", res.body)

		res = c.get(t, "/support/runs/"+failed.ID+"/screenshot.png")
		if res.status != 200 || res.header.Get("Content-Type") != "image/png" || !bytes.Equal(res.body, shot) {
			t.Errorf("screenshot: %d %q, %d bytes", res.status, res.header.Get("Content-Type"), len(res.body))
		}
		res = c.get(t, "/support/runs/"+failed.ID+"/page.html")
		if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/plain") ||
			!strings.HasPrefix(res.header.Get("Content-Disposition"), "attachment") || !bytes.Equal(res.body, page) {
			t.Errorf("page HTML: %d %q %q", res.status, res.header.Get("Content-Type"), res.header.Get("Content-Disposition"))
		}
		if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
			t.Errorf("page HTML CSP = %q", csp)
		}
		if res := c.get(t, "/support/runs/"+failed.ID+"/other.txt"); res.status != http.StatusNotFound {
			t.Errorf("unknown artifact: %d", res.status)
		}
	})

	t.Run("isolation", func(t *testing.T) {
		for _, path := range []string{
			"/support/runs/" + bRun.ID,
			"/support/runs/" + bRun.ID + "/screenshot.png",
			"/support/runs/run_nosuch",
		} {
			if res := c.get(t, path); res.status != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", path, res.status)
			}
		}
		if res := c.post(t, "/support/runs/"+bRun.ID+"/rerun", nil); res.status != http.StatusNotFound {
			t.Errorf("rerun of another tenant's run: %d", res.status)
		}
	})

	t.Run("artifact symlink out of the root", func(t *testing.T) {
		run := pe.addRun(t, aAcct, now.Add(-30*time.Minute), twofetch.OutcomePortalChanged)
		outside := filepath.Join(pe.dir, "outside.png")
		os.WriteFile(outside, shot, 0o600)
		pe.writeArtifacts(t, run, nil)
		if err := os.Symlink(outside, filepath.Join(pe.artifacts, run.ID, "screenshot.png")); err != nil {
			t.Fatal(err)
		}
		if res := c.get(t, "/support/runs/"+run.ID+"/screenshot.png"); res.status != http.StatusNotFound {
			t.Errorf("artifact through a symlink out of the root: %d", res.status)
		}
	})

	t.Run("rerun", func(t *testing.T) {
		res := c.post(t, "/support/runs/"+failed.ID+"/rerun", nil, "Sec-Fetch-Site", "cross-site")
		if res.status != http.StatusForbidden {
			t.Errorf("cross-site rerun: %d, want 403", res.status)
		}
		res = c.post(t, "/support/runs/"+failed.ID+"/rerun", nil, "Sec-Fetch-Site", "same-origin")
		loc := res.header.Get("Location")
		if res.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/support/runs/run_") || loc == "/support/runs/"+failed.ID {
			t.Fatalf("rerun: %d %q", res.status, loc)
		}
		next, err := pe.store.Run(ctx, pe.a.ID, strings.TrimPrefix(loc, "/support/runs/"))
		if err != nil || next.AccountID != aAcct.ID || next.Trigger != twofetch.TriggerManual || next.Outcome != "" {
			t.Errorf("rerun recorded %+v, %v", next, err)
		}
		if res := c.get(t, loc); res.status != 200 || !strings.Contains(string(res.body), `id="state">queued`) {
			t.Errorf("new run page: %d", res.status)
		}
	})
}

// statusPath asks the API for an account's status link and returns its path.
func (pe *pipeEnv) statusPath(t testing.TB, token, accountID string) string {
	t.Helper()
	res := pe.do(t, "GET", "/api/v1/accounts/"+accountID+"/status-link", token, nil)
	if res.status != 200 {
		t.Fatalf("status link: %d %s", res.status, res.body)
	}
	var l web.StatusLink
	if err := json.Unmarshal(res.body, &l); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(l.Path, "/s/") || l.URL != pe.http.URL+l.Path {
		t.Fatalf("status link %+v", l)
	}
	return l.Path
}

var actionText = regexp.MustCompile(`(?s)<p id="action">(.*?)</p>`)

func TestStatusPage(t *testing.T) {
	pe := newPipeEnv(t)
	ctx := context.Background()
	get := func(t *testing.T, path, lang string) response {
		t.Helper()
		req, _ := http.NewRequest("GET", pe.http.URL+path, nil)
		if lang != "" {
			req.Header.Set("Accept-Language", lang)
		}
		res, err := pe.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return response{status: res.StatusCode, header: res.Header, body: b}
	}

	t.Run("link isolation", func(t *testing.T) {
		if res := pe.do(t, "GET", "/api/v1/accounts/"+pe.bAcct.ID+"/status-link", pe.aAPI, nil); res.status != http.StatusNotFound {
			t.Errorf("status link of another tenant's account: %d", res.status)
		}
		path := pe.statusPath(t, pe.aAPI, pe.aAcct.ID)
		dot := strings.Index(path, ".")
		flip := "A"
		if path[dot+1] == 'A' {
			flip = "B"
		}
		for name, p := range map[string]string{
			"tampered mac":   path[:dot+1] + flip + path[dot+2:],
			"other account":  "/s/" + pe.bAcct.ID + path[strings.Index(path, "."):],
			"no mac":         "/s/" + pe.aAcct.ID,
			"garbage":        "/s/x",
			"empty mac part": "/s/" + pe.aAcct.ID + ".",
		} {
			res := get(t, p, "")
			if res.status != http.StatusNotFound || !strings.Contains(string(res.body), `id="notfound"`) {
				t.Errorf("%s: %d", name, res.status)
			}
		}
	})

	t.Run("outcomes", func(t *testing.T) {
		for _, c := range []struct {
			outcome  twofetch.Outcome
			lang     string
			want     string
			reenroll bool
		}{
			{twofetch.OutcomeOK, "nl-NL,nl;q=0.9", "Alles werkt", false},
			{twofetch.OutcomeBadCredentials, "en-GB", "Password not accepted", false},
			{twofetch.OutcomeOTPRejected, "de-DE,de;q=0.9,en;q=0.5", "Anmeldecode nicht akzeptiert", true},
			{twofetch.OutcomeOTPMissing, "en", "Authenticator key needed", true},
			{twofetch.OutcomePortalChanged, "fr-FR", "We are on it", false},
			{twofetch.OutcomeUnsupported2FA, "de", "Anmeldeverfahren nicht unterstützt", false},
		} {
			t.Run(string(c.outcome), func(t *testing.T) {
				acct := pe.createAccount(t, pe.aAPI, "demo", "cust-"+string(c.outcome)+"@example.com", "alpha-portal-password")
				a, _ := pe.store.Account(ctx, pe.a.ID, acct.ID)
				pe.addRun(t, a, time.Now().Add(-time.Hour), c.outcome)
				res := get(t, pe.statusPath(t, pe.aAPI, acct.ID), c.lang)
				body := string(res.body)
				if res.status != 200 {
					t.Fatalf("status page: %d", res.status)
				}
				if !strings.Contains(body, c.want) || !strings.Contains(body, `data-outcome="`+string(c.outcome)+`"`) {
					t.Errorf("page lacks %q", c.want)
				}
				if !strings.Contains(body, "Demo Shop") {
					t.Errorf("page lacks the portal name")
				}
				if got := strings.Contains(body, `id="reenroll"`); got != c.reenroll {
					t.Errorf("re-enrol hint shown = %v, want %v", got, c.reenroll)
				}
				if strings.Contains(body, acct.Username) {
					t.Errorf("status page shows the username")
				}
				pe.noSecrets(t, "status page", res.body)
				if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe") {
					t.Errorf("status CSP = %q", csp)
				}
				if res.header.Get("Referrer-Policy") != "no-referrer" || res.header.Get("Cache-Control") != "no-store" {
					t.Errorf("status headers: %v", res.header)
				}
			})
		}
	})

	t.Run("running and never run", func(t *testing.T) {
		path := pe.statusPath(t, pe.aAPI, pe.aAcct.ID)
		res := get(t, path, "en")
		if !strings.Contains(string(res.body), "Not checked yet") {
			t.Errorf("fresh account page lacks the never-run text")
		}
		if r := pe.do(t, "POST", "/api/v1/accounts/"+pe.aAcct.ID+"/runs", pe.aAPI, nil); r.status != http.StatusAccepted {
			t.Fatal(r.status)
		}
		if res := get(t, path, "en"); !strings.Contains(string(res.body), `id="running"`) {
			t.Errorf("page of a queued run lacks the running note")
		}
	})

	t.Run("every outcome in every language", func(t *testing.T) {
		acct := pe.createAccount(t, pe.aAPI, "other", "all-outcomes@example.com", "pw")
		a, _ := pe.store.Account(ctx, pe.a.ID, acct.ID)
		path := pe.statusPath(t, pe.aAPI, acct.ID)
		seen := map[string]bool{}
		for i, o := range twofetch.Outcomes {
			pe.addRun(t, a, time.Now().Add(time.Duration(i-100)*time.Minute), o)
			texts := map[string]string{}
			for _, lang := range []string{"en", "de", "nl"} {
				res := get(t, path+"?lang="+lang, "")
				m := actionText.FindSubmatch(res.body)
				if res.status != 200 || m == nil || len(bytes.TrimSpace(m[1])) < 20 {
					t.Fatalf("%s/%s: %d, no action text", o, lang, res.status)
				}
				texts[lang] = string(m[1])
				if seen[texts[lang]] {
					// Several outcomes may share a title, never an action.
					t.Errorf("%s/%s: action text repeats another outcome's", o, lang)
				}
				seen[texts[lang]] = true
			}
			if texts["de"] == texts["en"] || texts["nl"] == texts["en"] {
				t.Errorf("%s: German or Dutch text missing (English fallback)", o)
			}
		}
	})

	t.Run("deleted account", func(t *testing.T) {
		acct := pe.createAccount(t, pe.aAPI, "demo", "gone@example.com", "pw")
		path := pe.statusPath(t, pe.aAPI, acct.ID)
		if r := pe.do(t, "DELETE", "/api/v1/accounts/"+acct.ID, pe.aAPI, nil); r.status != http.StatusNoContent {
			t.Fatal(r.status)
		}
		if res := get(t, path, ""); res.status != http.StatusNotFound {
			t.Errorf("link of a deleted account: %d", res.status)
		}
	})

	t.Run("revoked tenant", func(t *testing.T) {
		path := pe.statusPath(t, pe.bAPI, pe.bAcct.ID)
		if res := get(t, path, ""); res.status != 200 {
			t.Fatalf("before revocation: %d", res.status)
		}
		if err := pe.store.RevokeTenant(ctx, pe.b.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		if res := get(t, path, ""); res.status != http.StatusNotFound {
			t.Errorf("link of a revoked tenant: %d", res.status)
		}
	})

	t.Run("stylesheet", func(t *testing.T) {
		res := get(t, "/assets/web/pages.css", "")
		if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/css") {
			t.Errorf("stylesheet: %d %q", res.status, res.header.Get("Content-Type"))
		}
	})
}

// FuzzStatusLink feeds arbitrary tokens to the status page: only the token
// the server made opens a page, and nothing makes it fail.
func FuzzStatusLink(f *testing.F) {
	pe := newPipeEnv(f)
	valid := strings.TrimPrefix(pe.statusPath(f, pe.aAPI, pe.aAcct.ID), "/s/")
	f.Add(valid)
	f.Add(pe.bAcct.ID + valid[strings.Index(valid, "."):])
	f.Add(pe.aAcct.ID + ".")
	f.Add("..")
	f.Add(strings.Repeat("a.", 300))
	h := pe.srv.Handler()
	f.Fuzz(func(t *testing.T, token string) {
		req := httptest.NewRequest("GET", "/s/"+url.PathEscape(token), nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("token %q: status %d", token, rec.Code)
		}
		if rec.Code == http.StatusOK && token != valid {
			t.Fatalf("token %q opened a status page", token)
		}
	})
}

func TestStatusKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "status.key")
	k1, err := web.StatusKeyFile(path)
	if err != nil || len(k1) != 32 {
		t.Fatalf("first use: %d bytes, %v", len(k1), err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v", err, st.Mode())
	}
	k2, err := web.StatusKeyFile(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Errorf("second use gave another key (%v)", err)
	}
	short := filepath.Join(t.TempDir(), "short.key")
	os.WriteFile(short, []byte("tiny"), 0o600)
	if _, err := web.StatusKeyFile(short); err == nil {
		t.Errorf("a 4-byte key was accepted")
	}
}

// BenchmarkStatusPage renders a customer's status page: token check,
// account, tenant, enrolments and latest runs from the store, template.
func BenchmarkStatusPage(b *testing.B) {
	pe := newPipeEnv(b)
	a, _ := pe.store.Account(context.Background(), pe.a.ID, pe.aAcct.ID)
	for i := range 5 {
		pe.addRun(b, a, time.Now().Add(-time.Duration(i+1)*time.Hour), twofetch.OutcomeNoDocuments)
	}
	req, _ := http.NewRequest("GET", pe.http.URL+pe.statusPath(b, pe.aAPI, a.ID), nil)
	c := pe.http.Client()
	for b.Loop() {
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatal(res.StatusCode)
		}
	}
}

// TestStatusPageSaysOnlyWhatHappened: the page names the tenant and its
// support, speaks of an enrolment SMS only when one went out and still
// works, offers a new link otherwise, and writes dates in the customer's
// language and the tenant's time zone.
func TestStatusPageSaysOnlyWhatHappened(t *testing.T) {
	var renewed []string
	var renewErr error
	pe := newPipeEnv(t, func(p *web.Pipeline) {
		p.Renew = func(ctx context.Context, tn *twofetch.Tenant, accountID string) (string, error) {
			renewed = append(renewed, tn.ID+"/"+accountID)
			return "78", renewErr
		}
	})
	ctx := context.Background()
	ten, _ := pe.store.Tenant(ctx, pe.a.ID)
	ten.DisplayName, ten.TimeZone = "Alpha Buchhaltung", "Europe/Berlin"
	ten.Support = twofetch.Contact{Phone: "+4930123456", Email: "hilfe@alpha.example"}
	if err := pe.store.UpdateTenant(ctx, ten); err != nil {
		t.Fatal(err)
	}
	acct := pe.createAccount(t, pe.aAPI, "demo", "status-sms@example.com", "pw")
	a, _ := pe.store.Account(ctx, pe.a.ID, acct.ID)
	finished := time.Date(2026, 12, 6, 9, 42, 0, 0, time.UTC)
	pe.addRun(t, a, finished, twofetch.OutcomeOTPMissing)
	path := pe.statusPath(t, pe.aAPI, acct.ID)
	page := func(method string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, pe.http.URL+path+map[string]string{"GET": "?lang=de", "POST": "/renew?lang=de"}[method], nil)
		res, err := pe.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	// No enrolment was ever started: nothing is promised, the customer is
	// told whom to ask.
	_, body := page("GET")
	for _, want := range []string{"Verbindung eingerichtet von Alpha Buchhaltung", `href="tel:&#43;4930123456"`, `href="mailto:hilfe@alpha.example"`,
		`id="reenroll-none"`, "Letzte Prüfung: 6. Dezember 2026, 10:42 Uhr"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "schickt Ihnen") || strings.Contains(body, `id="renew"`) {
		t.Errorf("page promises an SMS or offers a link without a phone:\n%s", body)
	}

	// An SMS went out and its link works: the page says so, with when.
	now := time.Now().UTC()
	e := &twofetch.Enrollment{ID: twofetch.NewID("enr"), TenantID: pe.a.ID, AccountID: acct.ID, Phone: "+4915112345678", Language: "de",
		Status: twofetch.EnrollmentSMSSent, SMSCount: 1, TokenHash: twofetch.HashToken(twofetch.NewID("tok")),
		ExpiresAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now}
	if err := pe.store.CreateEnrollment(ctx, e); err != nil {
		t.Fatal(err)
	}
	_, body = page("GET")
	if !strings.Contains(body, `id="reenroll-sent"`) || !strings.Contains(body, "Handynummer mit der Endung 78") || strings.Contains(body, `id="renew"`) {
		t.Errorf("page of a sent link:\n%s", body)
	}

	// The link expired: no promise, a button for a new one.
	e.ExpiresAt, e.Status = now.Add(-time.Minute), twofetch.EnrollmentExpired
	if err := pe.store.UpdateEnrollment(ctx, e); err != nil {
		t.Fatal(err)
	}
	_, body = page("GET")
	if strings.Contains(body, `id="reenroll-sent"`) || !strings.Contains(body, `id="renew"`) {
		t.Errorf("page of an expired link:\n%s", body)
	}
	status, body := page("POST")
	if status != 200 || !strings.Contains(body, "Ein neuer Link ist unterwegs an Ihre Handynummer mit der Endung 78") || len(renewed) != 1 || renewed[0] != pe.a.ID+"/"+acct.ID {
		t.Errorf("renew: %d %v\n%s", status, renewed, body)
	}
	renewErr = twofetch.Errorf(twofetch.ERATELIMITED, "slow down")
	if status, body = page("POST"); status != http.StatusTooManyRequests || !strings.Contains(body, "mehrere neue Links angefordert") {
		t.Errorf("renew over the limit: %d\n%s", status, body)
	}
}

// TestSupportActs: each group offers the action its outcome needs: the
// enrolment SMS again for a missing key, no re-run for a refused password
// until it changed, one re-run for all accounts of a broken portal; and a
// queued run's page follows it while the finished one shows the
// customer's text beside support's.
func TestSupportActs(t *testing.T) {
	var resent []string
	pe := newPipeEnv(t, func(p *web.Pipeline) {
		p.Renew = func(ctx context.Context, tn *twofetch.Tenant, accountID string) (string, error) {
			resent = append(resent, accountID)
			return "78", nil
		}
	})
	ctx := context.Background()
	now := time.Now()
	// Runs end after their accounts' passwords were set, as in life.
	mk := func(name string, o twofetch.Outcome) (*twofetch.Account, *twofetch.Run) {
		acct := pe.createAccount(t, pe.aAPI, "demo", name+"@example.com", "pw")
		a, _ := pe.store.Account(ctx, pe.a.ID, acct.ID)
		return a, pe.addRun(t, a, now.Add(time.Minute), o)
	}
	noKey, _ := mk("nokey", twofetch.OutcomeOTPMissing)
	badPw, badRun := mk("badpw", twofetch.OutcomeBadCredentials)
	broken1, _ := mk("broken1", twofetch.OutcomePortalChanged)
	broken2, brokenRun := mk("broken2", twofetch.OutcomePortalChanged)
	c := pe.browser(t)
	c.login(t, pe.aAdmin)

	body := string(c.get(t, "/support").body)
	for _, want := range []string{
		`id="customer-title"`, `id="broken-title"`,
		`action="/support/accounts/` + noKey.ID + `/resend"`,
		`data-account="` + badPw.ID + `"`, "No re-run until the password changes",
		`data-portal="demo" data-outcome="portal_changed" data-failing="2"`, "Script fixed: run all 2 again",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/support lacks %q", want)
		}
	}
	if strings.Contains(body, `action="/support/runs/`+badRun.ID+`/rerun"`) {
		t.Error("a refused password can be re-run before it changed")
	}

	res := c.post(t, "/support/accounts/"+noKey.ID+"/resend", nil)
	if res.status != http.StatusSeeOther || len(resent) != 1 || resent[0] != noKey.ID {
		t.Fatalf("resend: %d %v", res.status, resent)
	}
	if body := string(c.get(t, res.header.Get("Location")).body); !strings.Contains(body, "ending in 78") {
		t.Errorf("no notice after the resend")
	}

	res = c.post(t, "/support/groups/rerun", url.Values{"portal": {"demo"}, "outcome": {"portal_changed"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/support?rerun=2" {
		t.Fatalf("group re-run: %d %q", res.status, res.header.Get("Location"))
	}
	for _, a := range []*twofetch.Account{broken1, broken2} {
		runs, _ := pe.store.ListRuns(ctx, twofetch.RunFilter{TenantID: pe.a.ID, AccountID: a.ID, Page: twofetch.Page{Limit: 5}})
		queued := slices.IndexFunc(runs, func(r *twofetch.Run) bool { return r.Outcome == "" })
		if len(runs) != 2 || queued < 0 {
			t.Fatalf("account %s: runs %+v; want a queued re-run", a.ID, runs)
		}
		if a == broken2 {
			page := string(c.get(t, "/support/runs/"+runs[queued].ID).body)
			if !strings.Contains(page, `<meta http-equiv="refresh" content="3">`) || !strings.Contains(page, `id="following"`) {
				t.Errorf("a queued run's page does not follow it:\n%s", page)
			}
		}
	}
	if res := c.post(t, "/support/groups/rerun", url.Values{"portal": {"demo"}, "outcome": {"bad_credentials"}}); res.status != http.StatusBadRequest {
		t.Errorf("re-run of a customer group: %d", res.status)
	}

	page := string(c.get(t, "/support/runs/"+brokenRun.ID).body)
	for _, want := range []string{`id="customer-text"`, "changed its website and our support is adapting", `id="support-text"`, "Fix the script from the screenshot"} {
		if !strings.Contains(page, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	if strings.Contains(page, `http-equiv="refresh"`) {
		t.Error("a finished run's page keeps reloading")
	}
}

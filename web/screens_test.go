package web_test

// Browser tests of the customer's status page and the support views in
// real headless Chromium: every state is driven as people meet it and kept
// as a full-page screenshot (TWOFETCH_TEST_ARTIFACTS) for people to look
// at, after a check that nothing sticks out sideways.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/redis/go-redis/v9"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/enroll"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/sms"
	"github.com/twofetch/twofetch/web/catalog"
)

// phones are the screens customer pages are looked at on: a common phone
// and the narrowest still in use. Support pages are looked at on a laptop.
var phones = []struct {
	name string
	w, h int64
}{{"390", 390, 844}, {"320", 320, 640}}

// screens is a Chromium trusting one test server, and where its
// screenshots go.
type screens struct {
	pool *portals.Pool
	dir  string
}

func newScreens(t *testing.T, pe *pipeEnv) *screens {
	t.Helper()
	// The test server's certificate is its own: Chromium trusts exactly
	// that key.
	spki := sha256.Sum256(pe.http.Certificate().RawSubjectPublicKeyInfo)
	pool, err := portals.NewPool(context.Background(), portals.PoolConfig{ChromePath: testenv.ChromePath(t),
		ExtraFlags: []string{"--ignore-certificate-errors-spki-list=" + base64.StdEncoding.EncodeToString(spki[:])}})
	if err != nil {
		testenv.Missing(t, "start Chromium: %v", err)
	}
	t.Cleanup(func() { pool.Close() })
	return &screens{pool: pool, dir: testenv.Artifacts(t)}
}

// screenTab is one browser tab of a test.
type screenTab struct {
	t   *testing.T
	ctx context.Context
	s   *screens
}

func (s *screens) tab(t *testing.T) *screenTab {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	tab, release, err := s.pool.Tab(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	return &screenTab{t: t, ctx: tab, s: s}
}

// step bounds one browser action: a page that never shows what a test
// waits for fails the test instead of hanging it.
func (b *screenTab) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, time.Minute)
}

func (b *screenTab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%v\n%s", err, b.text())
	}
}

func (b *screenTab) eval(js string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return s
}

// text is the visible text of the page's main part.
func (b *screenTab) text() string {
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return "(page text unavailable: " + err.Error() + ")"
	}
	return s
}

func (b *screenTab) open(url string) {
	b.t.Helper()
	b.do(chromedp.Navigate(url))
}

// submit runs an action that sends a form and waits until the page that
// answers shows sel; the old page is marked so its elements do not count.
func (b *screenTab) submit(action chromedp.Action[chromedp.Void], sel string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`document.documentElement.dataset.before = "1"`))
	b.do(action, chromedp.WaitVisible(chromedp.CSS("html:not([data-before]) "+sel)))
}

// waitFor waits until the page, without being reloaded, satisfies the
// JavaScript condition cond.
func (b *screenTab) waitFor(cond string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		b.t.Fatalf("waiting for %s: %v\n%s", cond, err, b.text())
	}
}

// phone looks at the page as a phone of size w×h does.
func (b *screenTab) phone(w, h int64) {
	b.t.Helper()
	b.do(chromedp.EmulateViewport(w, h, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
}

// shotPhones keeps the page at every phone size.
func (b *screenTab) shotPhones(name string) {
	b.t.Helper()
	for _, p := range phones {
		b.phone(p.w, p.h)
		b.shot(name + "-" + p.name)
	}
	b.phone(390, 844)
}

// shot checks that nothing is wider than the screen and keeps a
// full-page screenshot.
func (b *screenTab) shot(name string) {
	b.t.Helper()
	overflow := b.eval(`(() => {
		const w = document.documentElement.clientWidth, out = [];
		if (document.documentElement.scrollWidth > w) out.push("page " + document.documentElement.scrollWidth + " > " + w);
		for (const el of document.querySelectorAll("body *")) {
			if (el.matches("input, textarea, select, script, style, meta")) continue;
			// Tables and logs scroll sideways on purpose.
			if (el.closest("table, pre")) continue;
			const r = el.getBoundingClientRect();
			if (r.width && (r.right > w + 0.5 || r.left < -0.5)) out.push(el.tagName + (el.id ? "#" + el.id : "") + " spans " + Math.round(r.left) + ".." + Math.round(r.right));
		}
		return out.slice(0, 5).join("; ");
	})()`)
	if overflow != "" {
		b.t.Errorf("%s: wider than the screen: %s", name, overflow)
	}
	ctx, cancel := b.step()
	defer cancel()
	img, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.s.dir, name+".png"), img, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// play records what a worker records for a run: its start, then (when o
// is set) its end with the step log, as one attempt.
func (pe *pipeEnv) play(t *testing.T, run *twofetch.Run, o twofetch.Outcome, detail string, newInvoices int, steps ...twofetch.StepLog) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	if run.StartedAt == nil {
		lease := now.Add(10 * time.Minute)
		run.Attempt, run.StartedAt, run.LeaseUntil = 1, &now, &lease
		if err := pe.store.StartRun(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	if o == "" {
		return
	}
	run.Outcome, run.Detail, run.NewInvoices, run.FinishedAt, run.Steps = o, detail, newInvoices, &now, steps
	status := twofetch.AccountActive
	switch o {
	case twofetch.OutcomeBadCredentials, twofetch.OutcomeUnsupported2FA, twofetch.OutcomeActionNeeded:
		status = twofetch.AccountNeedsCustomer
	case twofetch.OutcomeOTPMissing, twofetch.OutcomeOTPRejected:
		status = twofetch.AccountNeedsEnrollment
	case twofetch.OutcomePortalChanged:
		status = twofetch.AccountNeedsSupport
	}
	a, err := pe.store.AccountByID(ctx, run.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	var next *time.Time
	if status == twofetch.AccountActive {
		n := now.Add(20 * time.Hour)
		next = &n
	}
	if err := pe.store.FinishRun(ctx, &twofetch.RunFinish{Run: run, Attempt: run.Attempt, Status: status, StateVersion: a.StateVersion, NextRunAt: next}); err != nil {
		t.Fatal(err)
	}
}

// queue records a run queued now for account a.
func (pe *pipeEnv) queue(t *testing.T, a *twofetch.Account, trigger twofetch.Trigger) *twofetch.Run {
	t.Helper()
	r := &twofetch.Run{ID: twofetch.NewID("run"), TenantID: a.TenantID, AccountID: a.ID, Portal: a.Portal, Trigger: trigger, CreatedAt: time.Now().UTC()}
	if err := pe.store.CreateRun(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

// realRenew gives the pipeline the enrolment service's own "send me a new
// link", with its limits, on the test's Redis; SMS go to the returned
// list.
func (pe *pipeEnv) realRenew(t *testing.T) (*enroll.Service, *[]string) {
	t.Helper()
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	var sent []string
	en, err := enroll.New(enroll.Config{
		Store: pe.store, Vault: pe.vault, Redis: rdb, PublicURL: pe.http.URL,
		PortalName: func(id string) string { return pe.portalNames[id] },
		Sender: sms.SenderFunc(func(_ context.Context, phone, text string) error {
			sent = append(sent, phone+": "+text)
			return nil
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	pe.pipe.Renew = en.RenewAccount
	return en, &sent
}

// portalShot stands in for the screenshot a failed run keeps: a sign-in
// form whose field was renamed.
func portalShot(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 640, 400))
	fill := func(r image.Rectangle, c color.RGBA) {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				img.Set(x, y, c)
			}
		}
	}
	fill(img.Bounds(), color.RGBA{246, 248, 250, 255})
	fill(image.Rect(200, 60, 440, 340), color.RGBA{255, 255, 255, 255})
	fill(image.Rect(220, 120, 420, 150), color.RGBA{208, 215, 222, 255})
	fill(image.Rect(220, 180, 420, 210), color.RGBA{208, 215, 222, 255})
	fill(image.Rect(220, 250, 420, 285), color.RGBA{31, 136, 61, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var statusTenants = map[string]struct {
	name, zone, phone string
	contact           twofetch.Contact
}{
	"en": {"Acme Books", "Europe/London", "+44 7700 900123", twofetch.Contact{Phone: "+44 20 7946 0321", Email: "help@acmebooks.example", URL: "https://acmebooks.example/help"}},
	"de": {"Müller & Partner Steuerberatung", "Europe/Berlin", "+49 151 2345 6789", twofetch.Contact{Phone: "+49 30 1234567", Email: "buchhaltung@mueller-partner.example", URL: "https://mueller-partner.example/kontakt"}},
	"nl": {"Boekhoudkantoor De Vries", "Europe/Amsterdam", "+31 6 1234 5645", twofetch.Contact{Phone: "+31 20 123 4567", Email: "hulp@devries-boekhouding.example", URL: "https://devries-boekhouding.example"}},
}

// TestStatusScreens drives every state of the customer's status page in
// English, German and Dutch, and keeps each at 390 and 320 CSS pixels: a
// connection that works, a check running, a refused password, a refused
// sign-in step, an enrolment link on its way, an expired one with "send me
// a new link", the new link sent, the same button once too often, a
// broken portal, a paused connection and an unknown link.
func TestStatusScreens(t *testing.T) {
	pe := newPipeEnv(t)
	for id, name := range map[string]string{"github": "GitHub", "amazon-de": "Amazon.de", "hetzner": "Hetzner Online", "heroku": "Heroku", "paypal": "PayPal", "notion": "Notion"} {
		pe.portalNames[id] = name
	}
	en, sent := pe.realRenew(t)
	sc := newScreens(t, pe)
	ctx := context.Background()
	for _, lang := range catalog.Languages {
		t.Run(lang, func(t *testing.T) {
			ten, api, _ := pe.tenant(t, "tenant-"+lang)
			ten.DisplayName, ten.TimeZone, ten.Support, ten.Language = statusTenants[lang].name, statusTenants[lang].zone, statusTenants[lang].contact, lang
			if err := pe.store.UpdateTenant(ctx, ten); err != nil {
				t.Fatal(err)
			}
			account := func(portal string, status twofetch.AccountStatus) *twofetch.Account {
				a := &twofetch.Account{TenantID: ten.ID, Portal: portal, Username: "owner@example.com", Status: status}
				if err := pe.store.CreateAccount(ctx, a); err != nil {
					t.Fatal(err)
				}
				return a
			}
			finished := func(a *twofetch.Account, o twofetch.Outcome, n int) *twofetch.Run {
				r := pe.queue(t, a, twofetch.TriggerSchedule)
				pe.play(t, r, o, "", n)
				return r
			}
			b := sc.tab(t)
			page := func(a *twofetch.Account) string { return pe.http.URL + pe.statusPath(t, api, a.ID) + "?lang=" + lang }
			state := func(n, name string, a *twofetch.Account, sel string) {
				t.Helper()
				b.open(page(a))
				b.do(chromedp.WaitVisible(chromedp.CSS(sel)))
				b.shotPhones("status-" + lang + "-" + n + "-" + name)
			}
			shows := func(what string, want ...string) {
				t.Helper()
				text := b.text()
				for _, w := range want {
					if !strings.Contains(text, w) {
						t.Errorf("%s: the page does not say %q:\n%s", what, w, text)
					}
				}
			}
			tenantShown := func(what string) {
				t.Helper()
				shows(what, statusTenants[lang].name, statusTenants[lang].contact.Email)
			}

			ok := account("github", twofetch.AccountActive)
			finished(ok, twofetch.OutcomeOK, 1)
			state("01", "works", ok, "#outcome.ok")
			shows("works", catalog.Plural(lang, "status.new_invoices", 1))
			tenantShown("works")

			running := account("notion", twofetch.AccountActive)
			finished(running, twofetch.OutcomeNoDocuments, 0)
			pe.play(t, pe.queue(t, running, twofetch.TriggerManual), "", "", 0)
			state("02", "running", running, "#running")

			refused := account("amazon-de", twofetch.AccountActive)
			finished(refused, twofetch.OutcomeBadCredentials, 0)
			state("03", "password-refused", refused, "#outcome.customer")
			shows("password refused", catalog.Outcome(lang, twofetch.OutcomeBadCredentials, "title", "Amazon.de"))
			tenantShown("password refused")

			push := account("paypal", twofetch.AccountActive)
			finished(push, twofetch.OutcomeUnsupported2FA, 0)
			state("04", "method-unsupported", push, "#outcome.customer")

			// The key is missing and a link is on its way.
			nokey := account("hetzner", twofetch.AccountActive)
			finished(nokey, twofetch.OutcomeOTPMissing, 0)
			phone := statusTenants[lang].phone
			ending := phone[len(phone)-2:]
			if _, _, err := en.Start(ctx, ten, nokey.ID, phone, lang); err != nil {
				t.Fatal(err)
			}
			state("05", "link-sent", nokey, "#reenroll-sent")
			shows("link sent", ending)
			tenantShown("link sent")

			// The link expired: the way forward is a new one.
			expire := func() {
				t.Helper()
				es, err := pe.store.ListEnrollments(ctx, ten.ID, nokey.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range es {
					if e.Status == twofetch.EnrollmentConfirmed || e.Status == twofetch.EnrollmentExpired {
						continue
					}
					e.ExpiresAt = time.Now().Add(-time.Minute).UTC()
					if err := pe.store.UpdateEnrollment(ctx, e); err != nil {
						t.Fatal(err)
					}
				}
			}
			expire()
			state("06", "link-expired", nokey, "#renew")
			tenantShown("link expired")
			before := len(*sent)
			b.submit(chromedp.Tap(chromedp.ID("renew")), "#notice")
			b.shotPhones("status-" + lang + "-07-new-link-sent")
			shows("new link", catalog.Text(lang, "status.reenroll_renewed", ending))
			if len(*sent) != before+1 || !strings.HasPrefix((*sent)[len(*sent)-1], strings.ReplaceAll(phone, " ", "")+": ") {
				t.Errorf("no new SMS after the button: %q", (*sent)[before:])
			}
			if strings.Contains(b.text(), catalog.Text(lang, "status.reenroll_renew")) || strings.Contains(b.text(), catalog.Text(lang, "status.reenroll_none")) {
				t.Error("after the new link went out, the page still offers the button or says to ask for a link")
			}
			// Asked again and again: the limit answers, in the customer's
			// language, and the contact is still there.
			for i := 0; i < 5 && !strings.Contains(b.text(), catalog.Text(lang, "status.renew_limited")); i++ {
				expire()
				b.open(page(nokey))
				b.submit(chromedp.Tap(chromedp.ID("renew")), "main")
			}
			if !strings.Contains(b.text(), catalog.Text(lang, "status.renew_limited")) {
				t.Fatalf("no limit after many new links:\n%s", b.text())
			}
			if strings.Contains(b.text(), catalog.Text(lang, "status.reenroll_renew")) {
				t.Error("the refused button is offered again")
			}
			b.shotPhones("status-" + lang + "-08-new-link-rate-limited")
			tenantShown("rate limited")

			broken := account("heroku", twofetch.AccountActive)
			finished(broken, twofetch.OutcomePortalChanged, 0)
			state("09", "portal-changed", broken, "#outcome.wait")

			paused := account("github", twofetch.AccountActive)
			finished(paused, twofetch.OutcomeOK, 3)
			if a, err := pe.store.Account(ctx, ten.ID, paused.ID); err != nil {
				t.Fatal(err)
			} else if a.Status = twofetch.AccountPaused; pe.store.UpdateAccount(ctx, a) != nil {
				t.Fatal("pause the account")
			}
			state("10", "paused", paused, "#paused")

			b.open(pe.http.URL + "/s/acc_doesnotexist.AAAAAAAAAAAAAAAAAAAAAA?lang=" + lang)
			b.do(chromedp.WaitVisible(chromedp.ID("notfound")))
			b.shotPhones("status-" + lang + "-11-unknown-link")
		})
	}
}

// TestSupportScreens drives the support views on a laptop screen: the
// failing runs grouped by who acts, a failed run with its script version,
// screenshot, step log and both texts, a refused password's run, a group
// re-run followed to its outcome on the failing runs page, and a single
// re-run followed on its run page, both without a reload.
func TestSupportScreens(t *testing.T) {
	pe := newPipeEnv(t)
	for id, name := range map[string]string{"github": "GitHub", "amazon-de": "Amazon.de", "hetzner": "Hetzner Online", "heroku": "Heroku", "paypal": "PayPal"} {
		pe.portalNames[id] = name
	}
	en, sent := pe.realRenew(t)
	sc := newScreens(t, pe)
	ctx := context.Background()
	// The tenant's pages are in English first, German at the end.
	ten, err := pe.store.Tenant(ctx, pe.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	account := func(portal, user, label string) *twofetch.Account {
		a := &twofetch.Account{TenantID: pe.a.ID, Portal: portal, Username: user, Label: label, Status: twofetch.AccountActive}
		if err := pe.store.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := pe.vault.Seal(ctx, twofetch.LoginSecret(a, twofetch.FieldPassword), []byte("portal-password-of-"+user)); err != nil {
			t.Fatal(err)
		}
		return a
	}
	setScript := func(r *twofetch.Run, version, step string) {
		if err := pe.store.(interface {
			SetRunScript(context.Context, string, string, string, string) error
		}).SetRunScript(ctx, r.TenantID, r.ID, version, step); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now().Add(-3 * time.Minute).UTC()
	steps := func(failed string) []twofetch.StepLog {
		out := []twofetch.StepLog{
			{Path: "login/0", Kind: "navigate", Name: "https://github.com/login", Start: start, Duration: 812 * time.Millisecond},
			{Path: "login/1", Kind: "wait", Name: "input#login_field", Start: start.Add(time.Second), Duration: 40 * time.Millisecond},
		}
		if failed != "" {
			return append(out, twofetch.StepLog{Path: "login/2", Kind: "type", Name: "input#login_field", Start: start.Add(2 * time.Second), Duration: 30 * time.Second, Err: failed})
		}
		return append(out,
			twofetch.StepLog{Path: "login/2", Kind: "type", Name: "input#login_field", Detail: "{{username}}", Start: start.Add(2 * time.Second), Duration: 300 * time.Millisecond},
			twofetch.StepLog{Path: "documents/0", Kind: "navigate", Name: "https://github.com/account/billing/history", Start: start.Add(4 * time.Second), Duration: 640 * time.Millisecond})
	}

	// Two GitHub accounts broken by a changed sign-in page, one fixed
	// since; a refused password; a missing key; a push-only sign-in; an
	// interruption.
	gh1, gh2, ghFixed := account("github", "ada@example.com", "cust-17"), account("github", "grace@example.com", "cust-23"), account("github", "linus@example.com", "")
	var ghRun *twofetch.Run
	for _, a := range []*twofetch.Account{gh1, gh2, ghFixed} {
		r := pe.queue(t, a, twofetch.TriggerSchedule)
		pe.play(t, r, twofetch.OutcomePortalChanged, "login/2 type: input#login_field did not appear within 30s", 0, steps("input#login_field did not appear within 30s")...)
		pe.writeArtifacts(t, r, map[string][]byte{"screenshot.png": portalShot(t), "page.html": []byte("<html><body><form><input id=login></form></body></html>")})
		setScript(r, "3f9a2c61be07", "login/2")
		if a == gh1 {
			ghRun = r
		}
	}
	// gh1's customer reads German: the run page shows what they read in
	// German, with the English beside it.
	now := time.Now().UTC()
	if err := pe.store.CreateEnrollment(ctx, &twofetch.Enrollment{ID: twofetch.NewID("enr"), TenantID: pe.a.ID, AccountID: gh1.ID, Phone: "+4915112345678", Language: "de",
		Status: twofetch.EnrollmentSMSSent, SMSCount: 1, TokenHash: twofetch.HashToken(twofetch.NewID("tok")),
		ExpiresAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	pe.play(t, pe.queue(t, ghFixed, twofetch.TriggerManual), twofetch.OutcomeOK, "", 2, steps("")...)
	pw := account("amazon-de", "erika@example.com", "cust-31")
	pwRun := pe.queue(t, pw, twofetch.TriggerSchedule)
	pe.play(t, pwRun, twofetch.OutcomeBadCredentials, "Your password is incorrect", 0)
	nokey := account("hetzner", "max@example.com", "cust-40")
	pe.play(t, pe.queue(t, nokey, twofetch.TriggerSchedule), twofetch.OutcomeOTPMissing, "the portal asks for an authenticator code", 0)
	if _, _, err := en.Start(ctx, pe.a, nokey.ID, "+49 151 9876 5432", "de"); err != nil {
		t.Fatal(err)
	}
	push := account("paypal", "jan@example.com", "")
	pe.play(t, pe.queue(t, push, twofetch.TriggerSchedule), twofetch.OutcomeUnsupported2FA, "PayPal sent a push notification", 0)
	flaky := account("heroku", "sam@example.com", "cust-52")
	flakyRun := pe.queue(t, flaky, twofetch.TriggerSchedule)
	pe.play(t, flakyRun, twofetch.OutcomeTransient, "net::ERR_CONNECTION_RESET", 0)

	b := sc.tab(t)
	b.do(chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(pe.http.URL+"/support/login"),
		chromedp.SendKeys(chromedp.CSS("#token"), pe.aAdmin),
		chromedp.Submit(chromedp.CSS("#token")),
		chromedp.WaitVisible(chromedp.CSS("#customer-title")))
	shows := func(what string, want ...string) {
		t.Helper()
		text := b.text()
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the page does not say %q:\n%s", what, w, text)
			}
		}
	}
	shows("failing runs", "Broken for many: support acts", "The customer must act", "portal_changed", "bad_credentials", "otp_missing",
		"unsupported_2fa", "transient", "cust-17", "No re-run until the password changes", "Send the enrolment SMS again", "Script fixed: run all 2 again",
		"The customer acted: run again")
	if got := b.eval(`document.querySelector('.group[data-outcome="portal_changed"]').dataset.failing`); got != "2" {
		t.Errorf("GitHub's broken group counts %s accounts failing now, want 2 (the third ran well since)", got)
	}
	b.shot("support-01-failing-runs")

	// The SMS again for the missing key.
	before := len(*sent)
	b.submit(chromedp.Click(chromedp.CSS(`tr[data-account="`+nokey.ID+`"] button.resend`)), "#notice")
	shows("resent", "The enrolment SMS is on its way to the phone number ending in 32")
	if len(*sent) != before+1 {
		t.Errorf("no SMS after the button")
	}
	b.shot("support-02-sms-resent")

	// A failed run: what failed, where, and what each side reads.
	b.open(pe.http.URL + "/support/runs/" + ghRun.ID)
	b.do(chromedp.WaitVisible(chromedp.ID("steps")))
	shows("failed run", "3f9a2c61be07", "login/2", "FAILED", "The customer reads", catalog.Outcome("de", twofetch.OutcomePortalChanged, "action", "GitHub"),
		"In English: GitHub changed its website", "Support does", "Fix the script from the screenshot", "Download the page HTML")
	if w := b.eval(`String(document.getElementById("screenshot").naturalWidth)`); w != "640" {
		t.Errorf("the run's screenshot is %s px wide, want it loaded (640)", w)
	}
	b.shot("support-03-run-failed")

	b.open(pe.http.URL + "/support/runs/" + pwRun.ID)
	b.do(chromedp.WaitVisible(chromedp.ID("no-rerun")))
	shows("refused password", "PATCH /api/v1/logins/"+pw.LoginOrOwnID())
	b.shot("support-04-run-password-refused")

	// The script is fixed: both GitHub accounts run again, and the page
	// follows them to their outcome without a reload.
	b.open(pe.http.URL + "/support")
	b.submit(chromedp.Click(chromedp.CSS(`.group[data-outcome="portal_changed"] button.rerun-group`)), "main[data-following]")
	b.do(chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`))
	shows("group re-run", "2 runs queued; this page follows them", "Re-run queued")
	if strings.Contains(b.text(), "Script fixed") {
		t.Error("the group's re-run is offered again while its runs are queued")
	}
	b.shot("support-05-group-rerun-queued")
	var reruns []*twofetch.Run
	for _, a := range []*twofetch.Account{gh1, gh2} {
		runs, err := pe.store.ListRuns(ctx, twofetch.RunFilter{TenantID: pe.a.ID, AccountID: a.ID, Page: twofetch.Page{Limit: 1}})
		if err != nil || len(runs) != 1 || runs[0].Outcome != "" {
			t.Fatalf("no queued re-run of %s: %v %+v", a.ID, err, runs)
		}
		reruns = append(reruns, runs[0])
	}
	pe.play(t, reruns[0], "", "", 0)
	b.waitFor(`document.body.innerText.includes("Re-run running")`)
	b.shot("support-06-group-rerun-running")
	pe.play(t, reruns[0], twofetch.OutcomeOK, "", 3, steps("")...)
	pe.play(t, reruns[1], twofetch.OutcomeNoDocuments, "", 0, steps("")...)
	b.waitFor(`!document.querySelector("main[data-following]") && !document.querySelector('.group[data-outcome="portal_changed"]')`)
	if b.eval(`String(window.notReloaded)`) != "true" {
		t.Error("the failing runs page reloaded to follow the re-runs")
	}
	shows("group re-run done", "The customer must act", "The queued runs have ended")
	b.shot("support-07-group-rerun-done")

	// One account again from its run page: the page follows the run from
	// queued through running to its outcome, in place.
	b.open(pe.http.URL + "/support/runs/" + flakyRun.ID)
	b.submit(chromedp.Click(chromedp.ID("rerun")), "#following")
	b.do(chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`))
	b.shot("support-08-run-queued")
	runs, err := pe.store.ListRuns(ctx, twofetch.RunFilter{TenantID: pe.a.ID, AccountID: flaky.ID, Page: twofetch.Page{Limit: 1}})
	if err != nil || len(runs) != 1 || runs[0].Outcome != "" {
		t.Fatalf("no queued re-run: %v %+v", err, runs)
	}
	pe.play(t, runs[0], "", "", 0)
	b.waitFor(`document.getElementById("state").textContent === "running"`)
	pe.play(t, runs[0], twofetch.OutcomePortalChanged, "login/2 type: input#login_field did not appear within 30s", 0, steps("input#login_field did not appear within 30s")...)
	pe.writeArtifacts(t, runs[0], map[string][]byte{"screenshot.png": portalShot(t)})
	setScript(runs[0], "3f9a2c61be07", "login/2")
	b.waitFor(`document.getElementById("state").textContent === "finished" && !!document.getElementById("steps")`)
	if b.eval(`String(window.notReloaded)`) != "true" {
		t.Error("the run page reloaded to follow the run")
	}
	shows("followed run", "portal_changed", "The customer reads", "Support does", "FAILED")
	b.shot("support-09-run-followed")

	// A German tenant reads the same pages in German.
	ten.Language = "de"
	if err := pe.store.UpdateTenant(ctx, ten); err != nil {
		t.Fatal(err)
	}
	b.open(pe.http.URL + "/support")
	b.do(chromedp.WaitVisible(chromedp.CSS("#customer-title")))
	shows("failing runs in German", "Fehlgeschlagene Läufe", "Für viele gestört: Der Support handelt", "Der Kunde muss handeln",
		"Kein neuer Lauf, bis das Passwort geändert ist", "Einrichtungs-SMS erneut senden", "Der Kunde hat gehandelt: erneut ausführen")
	b.shot("support-10-failing-runs-de")
	b.open(pe.http.URL + "/support/runs/" + ghRun.ID)
	b.do(chromedp.WaitVisible(chromedp.ID("steps")))
	shows("failed run in German", "Skriptversion", "fehlgeschlagen bei Schritt", "Der Kunde liest", "Der Support tut", "Schrittprotokoll")
	b.shot("support-11-run-failed-de")
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"
	xdraw "golang.org/x/image/draw"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/otpauth"
	"github.com/twofetch/twofetch/portals/replica"
	"github.com/twofetch/twofetch/store"
	"github.com/twofetch/twofetch/vault"
)

// TestSourceDocumentPortals takes the four portals of the source documents
// (portals/sources) through the whole product as their customers meet
// them: an account, a first scheduled run that finds the second factor
// missing, the enrolment SMS, the customer at the portal on a computer and
// at the link on a phone (both real Chromium), then a scheduled run that
// signs in with a code from the vault.
//
// The replicas run in the test, and the product reaches them through one
// Chromium started here with their host rules (TWOFETCH_CHROME_URL, as a
// remote browser is deployed), so the test can read what each replica saw:
// counters typed, recovery codes tried, approvals requested. The customer's
// tabs use the same browser in their own browser contexts.
func TestSourceDocumentPortals(t *testing.T) {
	chromePath := testenv.ChromePath(t)
	reps, err := replica.Start(replica.Options{Portals: []string{"financecloud", "iv-produkt-cloud", "finrust", "smart-workplace"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reps.Close() })
	// The customer also reaches twofetch's own pages, on 127.0.0.1.
	flags := reps.ChromeFlags()
	var rules string
	for i, f := range flags {
		if r, ok := strings.CutPrefix(f, "--host-resolver-rules="); ok {
			rules = r + ", EXCLUDE 127.0.0.1"
			flags[i] = "--host-resolver-rules=" + rules
		}
	}
	ws := startChromium(t, chromePath, flags)
	bin := buildBinary(t)
	dataDir := t.TempDir()
	// Every job's requests leave through the worker's egress proxy, which
	// resolves the portal hosts itself: it needs the same rules.
	p := startAll(t, bin, dataDir, cleanEnv(), "--chrome-url", ws, "--host-resolver-rules", rules, "--first-run-delay", "1s", "--schedule-interval", "2s")
	waitReady(t, p.url)
	api := p.url + "/api/v1"
	token := createTenant(t, bin, dataDir, "Quelle Buchhaltung")
	cust := newCustomer(t, ws)
	var secretsToFind [][]byte

	// enrol starts an enrolment as the operator does after a run found
	// the second factor missing, and opens the SMS link on the phone.
	enrol := func(t *testing.T, accountID, phone, lang string) *tab {
		t.Helper()
		res := call(t, "POST", api+"/accounts/"+accountID+"/enrollments", token, `{"phone":"`+phone+`","language":"`+lang+`"}`)
		if res.status != http.StatusCreated {
			t.Fatalf("start enrolment: %d %s", res.status, res.body)
		}
		link := waitSMSLink(t, p, phone)
		ph := cust.phone(t, lang)
		ph.open(link)
		return ph
	}
	account := func(t *testing.T, portal, user string) string {
		t.Helper()
		return createAccount(t, api, token, portal, user, replica.DemoPassword)
	}

	t.Run("FinanceCloud: smartIDENT cannot be automated", func(t *testing.T) {
		fc := reps.Portal("financecloud")
		id := account(t, "financecloud", replica.DemoEmail)
		run := waitRun(t, api, token, id, 1)
		if run.Outcome != "unsupported_2fa" || run.Trigger != "schedule" {
			t.Fatalf("scheduled run: %+v; want unsupported_2fa", run)
		}
		for _, want := range []string{"smartIDENT-App", "kann nicht automatisch erteilt werden", "Laden Sie Ihre Unterlagen bitte selbst"} {
			if !strings.Contains(run.Detail, want) {
				t.Errorf("run detail lacks the German guidance %q: %q", want, run.Detail)
			}
		}
		// The run asked for one approval and did not wait for it: the
		// page polls for it while the run has long ended.
		if approvals, _ := fc.SmartIDENT(); approvals != 1 {
			t.Errorf("%d smartIDENT approvals requested, want 1", approvals)
		}
		if a := getAccount(t, api, token, id); a.Status != "needs_customer" {
			t.Errorf("account after the smartIDENT prompt: %+v", a)
		}
		ph := enrol(t, id, "+4915110000000", "de")
		ph.waitText("kann nicht automatisch verbunden werden")
		for _, want := range []string{"smartIDENT-App auf Ihrem Smartphone freigeben", "nie automatisch", "Laden Sie Ihre Unterlagen selbst"} {
			ph.waitText(want)
		}
		if n := ph.count(`#photo-form, #key-form, #recovery`); n != 0 {
			t.Errorf("the smartIDENT page offers %d upload or key forms", n)
		}
		ph.shot("financecloud-enrolment")
	})

	t.Run("IV Produkt Cloud: QR photo, then the one-time password", func(t *testing.T) {
		iv := reps.Portal("iv-produkt-cloud")
		id := account(t, "iv-produkt-cloud", replica.DemoSetUpEmail)
		if run := waitRun(t, api, token, id, 1); run.Outcome != "otp_missing" || !strings.Contains(run.Detail, "Microsoft Authenticator") {
			t.Fatalf("first scheduled run: %+v; want otp_missing in German", run)
		}
		// The customer signs in on the computer; the portal asks to set up
		// the authenticator and shows the QR code.
		pc := cust.computer(t)
		pc.open("https://iv-produkt-cloud.example/anmelden")
		pc.typeInto("#email", replica.DemoSetUpEmail)
		pc.typeInto("#password", replica.DemoPassword)
		pc.submit(chromedp.Click(chromedp.CSS("#next")), "#fortsetzen")
		pc.submit(chromedp.Click(chromedp.CSS("#fortsetzen")), "#qrCode")
		screen := pc.shot("iv-produkt-cloud-qr")

		ph := enrol(t, id, "+4915110000001", "de")
		photo := filepath.Join(t.TempDir(), "IMG_0001.jpg")
		if err := os.WriteFile(photo, photoOf(t, screen), 0o644); err != nil {
			t.Fatal(err)
		}
		ph.submit(chromedp.SetUploadFiles(chromedp.ID("photo"), []string{photo}), "#state-received")
		code := ph.code()
		ph.shot("iv-produkt-cloud-code")
		// Back on the computer: "Weiter", then the code from the phone.
		pc.submit(chromedp.Click(chromedp.CSS("#weiter")), "#otpCode")
		pc.waitText("Einmaliges Passwort")
		pc.typeInto("#otpCode", code)
		pc.submit(chromedp.Click(chromedp.CSS("#continue")), "h1.signed-in")
		ph.submit(chromedp.Steps(chromedp.Click(chromedp.CSS("#own-app")), chromedp.Click(chromedp.CSS("#done"))), "#state-confirmed")

		before := iv.Stats()
		run := waitRun(t, api, token, id, 2)
		if run.Outcome != "no_documents" || run.Trigger != "schedule" {
			t.Fatalf("scheduled run after enrolment: %+v; want no_documents", run)
		}
		if after := iv.Stats(); after.CodesAccepted != before.CodesAccepted+1 || after.PasswordLogins != before.PasswordLogins+1 {
			t.Errorf("the run's login: %+v → %+v; want one password and one code accepted", before, after)
		}
	})

	t.Run("FinRust: typed activation code, recovery codes sealed", func(t *testing.T) {
		fr := reps.Portal("finrust")
		id := account(t, "finrust", replica.DemoSetUpEmail)
		if run := waitRun(t, api, token, id, 1); run.Outcome != "otp_missing" || !strings.Contains(run.Detail, "tweestapsverificatie") {
			t.Fatalf("first scheduled run: %+v; want otp_missing in Dutch", run)
		}
		pc := cust.computer(t)
		pc.open("https://mijnfinrust.nl/")
		pc.typeInto("#username", replica.DemoSetUpEmail)
		pc.typeInto("#password", replica.DemoPassword)
		pc.submit(chromedp.Click(chromedp.CSS("#login")), "#activation-code")
		pc.waitText("Uw organisatie heeft ingesteld dat tweestapsverificatie verplicht is om in te loggen.")
		activation := pc.text("#activation-code")
		if !regexp.MustCompile(`^([a-z2-7]{4} ){7}[a-z2-7]{4}$`).MatchString(activation) {
			t.Fatalf("activation code %q is not lower-case groups of four", activation)
		}
		pc.shot("finrust-setup")

		ph := enrol(t, id, "+31612345678", "nl")
		if ph.count("#recovery textarea") != 1 {
			t.Errorf("the recovery codes are not offered from the start")
		}
		ph.typeInto("#key", activation)
		ph.submit(chromedp.Click(chromedp.CSS("#key-submit")), "#state-received")
		code := ph.code()
		pc.typeInto("#code", code)
		pc.submit(chromedp.Click(chromedp.CSS("#verify")), "#recovery-codes")
		codes, _ := fr.RecoveryCodes(replica.DemoSetUpEmail)
		if shown := pc.text("#recovery-codes"); len(codes) == 0 || !strings.Contains(shown, codes[0]) {
			t.Fatalf("recovery screen shows %q, the portal issued %v", shown, codes)
		}
		pc.submit(chromedp.Click(chromedp.CSS("#continue")), "h1.signed-in")
		// The customer keeps the recovery codes with us.
		ph.waitText("FinRust toont bij het afronden mogelijk herstelcodes")
		// Giving them to us is optional: the form opens on request.
		ph.do(chromedp.Click(chromedp.CSS("#recovery summary")))
		ph.typeInto("#recovery textarea", strings.Join(codes, "\n"))
		ph.submit(chromedp.Click(chromedp.CSS("#recovery button")), ".notice")
		ph.waitText("Herstelcodes bewaard.")
		ph.shot("finrust-recovery-saved")
		ph.submit(chromedp.Steps(chromedp.Click(chromedp.CSS("#own-app")), chromedp.Click(chromedp.CSS("#done"))), "#state-confirmed")
		for _, c := range codes {
			secretsToFind = append(secretsToFind, []byte(c))
		}

		run := waitRun(t, api, token, id, 2)
		if run.Outcome != "no_documents" || run.Trigger != "schedule" {
			t.Fatalf("scheduled run after enrolment: %+v; want no_documents", run)
		}
		// Sealed for support, never typed by a run.
		if got := strings.ReplaceAll(openSecret(t, dataDir, id, twofetch.FieldRecoveryCodes), "\r\n", "\n"); got != strings.Join(codes, "\n") {
			t.Errorf("sealed recovery codes %q, want the %d codes pasted", got, len(codes))
		}
		if _, tried := fr.RecoveryCodes(replica.DemoSetUpEmail); tried != 0 {
			t.Errorf("a run typed a recovery code %d times", tried)
		}
	})

	t.Run("Smart Workplace: MobilePASS token string, one counter per code", func(t *testing.T) {
		sw := reps.Portal("smart-workplace")
		tokenString := strings.TrimSpace(runBin(t, bin, dataDir, "portal", "demo-key", "smart-workplace"))
		keys, err := otpauth.Parse(tokenString)
		if err != nil || len(keys) != 1 || keys[0].Type != otpauth.MobilePass {
			t.Fatalf("demo token string %q: %v", tokenString, err)
		}
		code := func(c uint64) string {
			v, err := keys[0].Code(c)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		id := account(t, "smart-workplace", replica.DemoEmail)
		if run := waitRun(t, api, token, id, 1); run.Outcome != "otp_missing" {
			t.Fatalf("first scheduled run: %+v; want otp_missing", run)
		}
		ph := enrol(t, id, "+4915110000004", "de")
		ph.typeInto("#key", tokenString)
		ph.submit(chromedp.Click(chromedp.CSS("#key-submit")), "#state-received")
		// The first passcode, as the app shows it after enrolment; it
		// stays put on the page instead of counting down.
		if shown := ph.code(); shown != code(0) {
			t.Fatalf("enrolment page shows %q, want the first passcode %s", shown, code(0))
		}
		ph.waitText("bleibt gültig, bis er verwendet wird")
		ph.shot("smart-workplace-code")
		ph.submit(chromedp.Steps(chromedp.Click(chromedp.CSS("#own-app")), chromedp.Click(chromedp.CSS("#done"))), "#state-confirmed")

		run := waitRun(t, api, token, id, 2)
		if run.Outcome != "no_documents" || run.Trigger != "schedule" {
			t.Fatalf("scheduled run after enrolment: %+v; want no_documents", run)
		}
		// A refused code: the retry a window later types the next code.
		sw.SetMode(replica.RejectCode)
		res := call(t, "POST", api+"/accounts/"+id+"/runs", token, "")
		if res.status != http.StatusAccepted && res.status != http.StatusCreated {
			t.Fatalf("start run: %d %s", res.status, res.body)
		}
		waitCounters(t, sw, 2)
		sw.SetMode(0)
		run = waitRun(t, api, token, id, 3)
		if run.Outcome != "no_documents" || run.Trigger != "manual" || run.Attempt != 2 {
			t.Errorf("run with a refused code: %+v; want no_documents at its second attempt", run)
		}
		// Counter 0 was shown at enrolment and never typed; every login
		// typed the next counter, the refused one was not typed again.
		if got := sw.MobilePassCounters(replica.DemoEmail); !slices.Equal(got, []int64{1, 2, 3}) {
			t.Errorf("counters typed at Smart Workplace: %v, want [1 2 3]", got)
		}
	})

	t.Run("nothing secret left behind", func(t *testing.T) {
		p.stop(t)
		needles := append(secretsToFind, []byte(replica.DemoPassword))
		check := func(where string, b []byte) {
			for _, n := range needles {
				if bytes.Contains(b, n) {
					t.Errorf("%q is in %s", n, where)
				}
			}
		}
		check("the log", []byte(p.logs.String()))
		scanFiles(t, dataDir, check)
	})
}

// startChromium starts the browser the product and the customer share,
// with the replicas' flags, and returns its DevTools URL.
func startChromium(t *testing.T, path string, flags []string) string {
	t.Helper()
	// Chromium's helper processes outlive a killed browser process for a
	// moment and go on writing into the profile, which made t.TempDir's
	// removal fail the test: the whole process group is killed, and the
	// profile is removed after it, with a few tries.
	profile, err := os.MkdirTemp("", "twofetch-e2e-chrome-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 20 {
			if err := os.RemoveAll(profile); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("Chromium profile %s left behind", profile)
	})
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		"--user-data-dir=" + profile}, flags...)
	cmd := exec.Command(path, append(args, "about:blank")...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		testenv.Missing(t, "start Chromium at %s: %v", path, err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := regexp.MustCompile(`DevTools listening on (ws://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case u := <-found:
		return u
	case <-time.After(30 * time.Second):
		t.Fatal("Chromium printed no DevTools URL")
	}
	return ""
}

// customer is a person with a computer and a phone, both tabs of the
// shared browser in browser contexts of their own.
type customer struct {
	browser context.Context
}

func newCustomer(t *testing.T, ws string) *customer {
	t.Helper()
	actx, cancel := remote.NewAllocator(context.Background(), ws)
	t.Cleanup(cancel)
	// The product uses the same browser: leave it open when the
	// customer is done.
	bctx, cancel := chromedp.NewContext(actx, remote.WithKeepOpen())
	t.Cleanup(cancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("attach to Chromium: %v", err)
	}
	return &customer{browser: bctx}
}

func (c *customer) tab(t *testing.T) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(c.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel)
	return &tab{t: t, ctx: ctx, artifacts: testenv.Artifacts(t)}
}

func (c *customer) computer(t *testing.T) *tab {
	b := c.tab(t)
	b.do(chromedp.EmulateViewport(1280, 900))
	return b
}

func (c *customer) phone(t *testing.T, lang string) *tab {
	b := c.tab(t)
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
	if _, err := chromedp.Call(b.ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
		UserAgent:      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
		AcceptLanguage: lang,
	}); err != nil {
		t.Fatalf("emulate a phone: %v", err)
	}
	return b
}

type tab struct {
	t         *testing.T
	ctx       context.Context
	artifacts string
}

func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%v\npage text:\n%s", err, b.eval(`document.body ? document.body.innerText : ""`))
	}
}

func (b *tab) eval(js string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](js))
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return fmt.Sprint(v)
}

func (b *tab) open(u string) {
	b.t.Helper()
	b.do(chromedp.Navigate(u))
}

// typeInto types as a person does, with focus and key events.
func (b *tab) typeInto(sel, text string) {
	b.t.Helper()
	b.do(chromedp.Focus(chromedp.CSS(sel), chromedp.NodeVisible), chromedp.KeyEvent(text))
}

// submit runs an action that sends a form and waits for sel on the page
// that answers it; the old page is marked so it does not count.
func (b *tab) submit(action chromedp.Action[chromedp.Void], sel string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`document.documentElement.dataset.before = "1"`))
	b.do(action, chromedp.WaitVisible(chromedp.CSS("html:not([data-before]) "+sel)))
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// code is the live code the enrolment page shows, as digits: the page
// groups them for the eye and spells them out for screen readers.
func (b *tab) code() string {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS("#code")))
	return b.eval(`document.querySelector('#code').dataset.code`)
}

func (b *tab) waitText(s string) {
	b.t.Helper()
	js, _ := json.Marshal(s)
	b.do(chromedp.Poll[chromedp.Void](`document.body && document.body.innerText.includes(`+string(js)+`)`, chromedp.WithPollingInterval(100*time.Millisecond)))
}

func (b *tab) count(sel string) int {
	b.t.Helper()
	js, _ := json.Marshal(sel)
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+string(js)+`).length`))
	if err != nil {
		b.t.Fatal(err)
	}
	return n
}

// shot keeps a screenshot of the page for people to look at and returns it.
func (b *tab) shot(name string) []byte {
	b.t.Helper()
	img, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.artifacts, name+".png"), img, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s", filepath.Join(b.artifacts, name+".png"))
	return img
}

// photoOf is a phone's photo of a computer screen showing the screenshot:
// on a darker frame, scaled as a camera would, with sensor noise, as JPEG.
func photoOf(t *testing.T, screenshot []byte) []byte {
	t.Helper()
	screen, err := png.Decode(bytes.NewReader(screenshot))
	if err != nil {
		t.Fatal(err)
	}
	frame := image.NewRGBA(image.Rect(0, 0, 2016, 1512))
	xdraw.Draw(frame, frame.Bounds(), &image.Uniform{color.RGBA{40, 38, 36, 255}}, image.Point{}, xdraw.Src)
	b := screen.Bounds()
	w := 1700
	h := w * b.Dy() / b.Dx()
	if h > 1400 {
		h, w = 1400, 1400*b.Dx()/b.Dy()
	}
	xdraw.BiLinear.Scale(frame, image.Rect(150, 60, 150+w, 60+h), screen, b, xdraw.Over, nil)
	rnd := rand.New(rand.NewPCG(3, 4))
	for i := range frame.Pix {
		if i%4 != 3 {
			frame.Pix[i] = uint8(max(0, min(255, int(frame.Pix[i])+rnd.IntN(13)-6)))
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, frame, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type runRow struct {
	ID      string `json:"id"`
	Trigger string `json:"trigger"`
	State   string `json:"state"`
	Outcome string `json:"outcome"`
	Detail  string `json:"detail"`
	Attempt int    `json:"attempt"`
}

// waitRun waits until the account has n finished runs and returns the
// newest. The runs are the scheduler's: nothing here starts one.
func waitRun(t *testing.T, api, token, accountID string, n int) runRow {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		res := call(t, "GET", api+"/accounts/"+accountID+"/runs", token, "")
		var list struct{ Runs []runRow }
		mustJSON(t, res.body, &list)
		var done []runRow
		for _, r := range list.Runs {
			// A run the workers will try again is not finished yet.
			if r.State == "finished" && !strings.Contains(r.Detail, "retrying at") {
				done = append(done, r)
			}
		}
		if len(done) >= n {
			return done[0] // newest first
		}
		if time.Now().After(deadline) {
			t.Fatalf("account %s has %d finished runs after 3 minutes, want %d: %s", accountID, len(done), n, res.body)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// waitCounters waits until the replica saw n MobilePASS codes of the demo user.
func waitCounters(t *testing.T, p *replica.Portal, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for len(p.MobilePassCounters(replica.DemoEmail)) < n {
		if time.Now().After(deadline) {
			t.Fatalf("Smart Workplace saw %v, want %d codes", p.MobilePassCounters(replica.DemoEmail), n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

type accountRow struct {
	Status      string `json:"status"`
	LastOutcome string `json:"last_outcome"`
}

func getAccount(t *testing.T, api, token, id string) accountRow {
	t.Helper()
	var a accountRow
	mustJSON(t, call(t, "GET", api+"/accounts/"+id, token, "").body, &a)
	return a
}

func runBin(t *testing.T, bin, dataDir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append(args, "--data-dir", dataDir)...)
	cmd.Env = cleanEnv()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("twofetch %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

// openSecret opens a sealed field of an account the way support's tools
// do, with the data directory's keyring.
func openSecret(t *testing.T, dataDir, accountID, field string) string {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dataDir, "twofetch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	kr, err := vault.OpenKeyring(filepath.Join(dataDir, "keyring.json"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(vault.Config{Store: st, KEK: kr})
	if err != nil {
		t.Fatal(err)
	}
	a, err := st.AccountByID(ctx, accountID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := v.Open(ctx, twofetch.SecretRef{TenantID: a.TenantID, AccountID: a.ID, Field: field})
	if err != nil {
		t.Fatalf("open %s: %v", field, err)
	}
	return string(b)
}

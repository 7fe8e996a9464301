package enroll_test

// End-to-end tests of the customer's enrolment page in real headless
// Chromium at a phone's viewport: the SMS link, a photographed QR code sent
// through the file input, the live code and its countdown, the typed setup
// key, a failed photo and its retry, and the expired and unknown links. Each
// page state is kept as a full-page screenshot for people to look at.

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/image/draw"
	"golang.org/x/image/math/f64"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/otpauth"
)

// shotsDir also receives every screenshot, so the latest run's pages can be
// looked at in one place whatever TWOFETCH_TEST_ARTIFACTS says.
const shotsDir = "/tmp/enroll-shots"

// One Chromium serves the whole test binary; each test gets its own browser
// context (cookies, cache) and tab.
var chrome struct {
	once    sync.Once
	ctx     context.Context
	cancels []context.CancelFunc
	err     error
}

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(chrome.cancels) - 1; i >= 0; i-- {
		chrome.cancels[i]()
	}
	os.Exit(code)
}

// tab is a fresh browser context and tab emulating a phone.
type tab struct {
	t         *testing.T
	ctx       context.Context
	artifacts string
}

func newTab(t *testing.T, acceptLanguage string) *tab {
	t.Helper()
	path := testenv.ChromePath(t)
	chrome.once.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
		)
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, cancelBrowser := chromedp.NewContext(actx)
		chrome.cancels = append(chrome.cancels, cancelAlloc, cancelBrowser)
		chrome.ctx = bctx
		// The first Do binds the browser's life to the context it gets,
		// so it must be one without a deadline.
		chrome.err = chromedp.Do(bctx)
	})
	if chrome.err != nil {
		testenv.Missing(t, "start Chromium at %s: %v", path, chrome.err)
	}
	ctx, cancel := chromedp.NewContext(chrome.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// An iPhone-sized screen: 390×844 CSS pixels at three device pixels
	// each, touch, and the mobile meta-viewport rules.
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait),
	)
	if err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	_, err = chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
		UserAgent:      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
		AcceptLanguage: acceptLanguage,
	})
	if err != nil {
		t.Fatalf("emulate a phone: %v", err)
	}
	tctx, tcancel := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(tcancel)
	return &tab{t: t, ctx: tctx, artifacts: testenv.Artifacts(t)}
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%v\n%s", err, b.pageText())
	}
}

func (b *tab) eval(js string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return s
}

// pageText is the visible text of the page, to explain a failure.
func (b *tab) pageText() string {
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return "(page text unavailable: " + err.Error() + ")"
	}
	return "page text:\n" + s
}

// open navigates to a page and returns its HTTP status.
func (b *tab) open(url string) int64 {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(url))
	if err != nil {
		b.t.Fatalf("open %s: %v", url, err)
	}
	return resp.Status
}

// submit runs an action that sends a form and waits until the page that
// answers it shows sel. The old page is marked first, so an element it
// already had does not count.
func (b *tab) submit(action chromedp.Action[chromedp.Void], sel string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`document.documentElement.dataset.before = "1"`))
	b.do(action, chromedp.WaitVisible(chromedp.CSS("html:not([data-before]) "+sel)))
}

// shot keeps a full-page screenshot of the current state, after checking
// that nothing sticks out sideways: a phone page that scrolls horizontally
// or cuts the code off is not one a customer trusts.
func (b *tab) shot(name string) {
	b.t.Helper()
	overflow := b.eval(`(() => {
		const w = document.documentElement.clientWidth;
		const out = [];
		if (document.documentElement.scrollWidth > w) out.push("page " + document.documentElement.scrollWidth + " > " + w);
		for (const el of document.querySelectorAll("main *")) {
			// Form controls scroll their own content; a hidden file input
			// is a pixel wide on purpose.
			if (el.matches("input, textarea, select")) continue;
			// Text for screen readers only is clipped to nothing on purpose.
			if (el.closest(".sr-only")) continue;
			const r = el.getBoundingClientRect();
			if (r.width && (r.right > w + 0.5 || r.left < -0.5)) out.push(el.tagName + (el.id ? "#" + el.id : "") + " spans " + Math.round(r.left) + ".." + Math.round(r.right));
			if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible") out.push(el.tagName + (el.id ? "#" + el.id : "") + " clips its content");
		}
		return out.join("; ");
	})()`)
	if overflow != "" {
		b.t.Errorf("%s: content wider than the phone's screen: %s", name, overflow)
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	for _, dir := range []string{b.artifacts, shotsDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.t.Logf("screenshot %s", filepath.Join(b.artifacts, name+".png"))
}

// shown is the activation code as the page displays it.
type shown struct {
	Code       string `json:"code"`
	ValidUntil int64  `json:"until"`
	Countdown  string `json:"countdown"`
	Bar        string `json:"bar"`
}

func (s shown) secondsLeft(t *testing.T) int {
	t.Helper()
	m := regexp.MustCompile(`\d+`).FindString(s.Countdown)
	n, err := strconv.Atoi(m)
	if err != nil {
		t.Fatalf("countdown %q has no number of seconds", s.Countdown)
	}
	return n
}

func (b *tab) code() shown {
	b.t.Helper()
	// One evaluation, so code and window cannot come from two refreshes.
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[shown](`(() => {
		const c = document.getElementById("code");
		return {code: c.dataset.code, until: parseInt(c.dataset.validUntil, 10),
			countdown: document.getElementById("countdown").textContent,
			bar: document.getElementById("bar").style.width};
	})()`))
	if err != nil {
		b.t.Fatalf("read the code: %v\n%s", err, b.pageText())
	}
	return s
}

// checkShown asserts that the page shows the key's code for the window the
// page says the code is valid until.
func checkShown(t *testing.T, uri string, s shown) {
	t.Helper()
	keys, err := otpauth.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	until := time.Unix(s.ValidUntil, 0)
	want, err := keys[0].CodeAt(until.Add(-time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if s.Code != want {
		t.Fatalf("page shows code %q, want %s for the window ending %s", s.Code, want, until.UTC().Format(time.TimeOnly))
	}
	// A code issued in a window's last seconds is the next window's: it
	// ends up to a period and five seconds from now.
	if left := time.Until(until); left <= 0 || left > time.Duration(keys[0].Period)*time.Second+6*time.Second {
		t.Fatalf("code valid until %s, %s from now", until.UTC().Format(time.TimeOnly), left)
	}
}

// screenPhoto is a phone photo of a computer screen showing a portal's
// security settings, with the QR code of uri on it (none if uri is empty):
// monitor bezel, uneven lighting, the code a little turned, sensor noise and
// JPEG compression, so the whole decoding pipeline has work to do.
func screenPhoto(t *testing.T, uri string) []byte {
	t.Helper()
	const w, h = 1600, 1200
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(r image.Rectangle, c color.RGBA) { draw.Draw(img, r, &image.Uniform{c}, image.Point{}, draw.Src) }
	// Desk and wall behind the monitor, then the bezel and the screen.
	fill(img.Bounds(), color.RGBA{92, 84, 76, 255})
	fill(image.Rect(90, 70, 1510, 1110), color.RGBA{28, 28, 30, 255})
	screen := image.Rect(130, 110, 1470, 1020)
	fill(screen, color.RGBA{246, 247, 249, 255})
	// The portal's header bar, a side menu and lines of text.
	fill(image.Rect(screen.Min.X, screen.Min.Y, screen.Max.X, screen.Min.Y+70), color.RGBA{36, 41, 47, 255})
	fill(image.Rect(screen.Min.X, screen.Min.Y+70, screen.Min.X+260, screen.Max.Y), color.RGBA{234, 236, 240, 255})
	for i := range 12 {
		y := screen.Min.Y + 110 + i*60
		fill(image.Rect(screen.Min.X+30, y, screen.Min.X+30+80+rng.IntN(120), y+14), color.RGBA{120, 126, 134, 255})
	}
	for i := range 14 {
		y := screen.Min.Y + 110 + i*34
		fill(image.Rect(screen.Min.X+310, y, screen.Min.X+310+200+rng.IntN(300), y+12), color.RGBA{60, 66, 74, 255})
	}
	if uri != "" {
		q, err := qrcode.New(uri, qrcode.Medium)
		if err != nil {
			t.Fatal(err)
		}
		qr := q.Image(330)
		// Turned by 4° around its centre, drawn into the screen's right half.
		const angle = 4 * math.Pi / 180
		cx, cy := 1120.0, 560.0
		sin, cos := math.Sincos(angle)
		half := float64(qr.Bounds().Dx()) / 2
		m := f64.Aff3{
			cos, -sin, cx - cos*half + sin*half,
			sin, cos, cy - sin*half - cos*half,
		}
		draw.BiLinear.Transform(img, m, qr, qr.Bounds(), draw.Over, nil)
	}
	// Light falls off towards the edges, and the sensor adds noise.
	for y := range h {
		for x := range w {
			dx, dy := float64(x-w/2)/float64(w), float64(y-h/2)/float64(h)
			gain := 1 - 0.45*(dx*dx+dy*dy)
			i := img.PixOffset(x, y)
			for c := range 3 {
				v := float64(img.Pix[i+c])*gain + rng.NormFloat64()*5
				img.Pix[i+c] = uint8(max(0, min(255, v)))
			}
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// photoFile writes a photo where the browser can pick it up.
func photoFile(t *testing.T, name string, photo []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, photo, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// upload chooses a photo in the page's file input, as the camera would; the
// page sends it on its own.
func upload(path string) chromedp.Action[chromedp.Void] {
	return chromedp.SetUploadFiles(chromedp.ID("photo"), []string{path})
}

func TestBrowserPhotoEnrolment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, link := e.start("en")
	b := newTab(t, "en-US,en")

	if st := b.open(e.srv.URL + link); st != 200 {
		t.Fatalf("link answered %d", st)
	}
	b.do(chromedp.WaitVisible(chromedp.CSS(`.photo-form .file`)))
	if title := b.eval(`document.querySelector("h1").textContent`); title != "Connect GitHub" {
		t.Errorf("heading %q", title)
	}
	// The camera button is what the customer's thumb lands on: it must be
	// fully on the first screen.
	if bottom := b.eval(`String(Math.round(document.querySelector(".photo-form .file").getBoundingClientRect().bottom))`); mustAtoi(t, bottom) > 844 {
		t.Errorf("the photo button ends at %spx, below the first screen (844px)", bottom)
	}
	b.shot("1-start-en")

	photo := photoFile(t, "qr-screen.jpg", screenPhoto(t, testURI))
	b.submit(upload(photo), "#code")
	b.shot("2-code-en")
	s := b.code()
	checkShown(t, testURI, s)
	if got := b.eval(`document.querySelector(".recognised").textContent`); !strings.Contains(got, "GitHub") || !strings.Contains(got, "octocat") {
		t.Errorf("recognised %q, want issuer and account", got)
	}

	// The countdown runs in the page without reloading it.
	left := s.secondsLeft(t)
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](
		fmt.Sprintf(`parseInt(document.getElementById("countdown").textContent.match(/\d+/)[0], 10) < %d`, left),
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("countdown stayed at %d seconds: %v", left, err)
	}
	if later := b.code(); later.Bar == "" || later.Bar == "100%" {
		t.Errorf("progress bar width %q while the code runs out", later.Bar)
	}

	a, _ := e.store.Account(context.Background(), e.tenant.ID, e.account.ID)
	if a.HasKey {
		t.Fatal("the account uses the key before the customer pressed Done")
	}
	b.submit(chromedp.Steps(chromedp.Tap(chromedp.ID("own-app")), chromedp.Tap(chromedp.ID("done"))), "#state-confirmed")
	b.shot("3-confirmed-en")
	a, _ = e.store.Account(context.Background(), e.tenant.ID, e.account.ID)
	if !a.HasKey || a.Status != twofetch.AccountActive {
		t.Fatalf("after Done: has_key=%v status=%s", a.HasKey, a.Status)
	}

	// The link was single-use.
	if st := b.open(e.srv.URL + link); st != 410 {
		t.Fatalf("used link answered %d, want 410", st)
	}
	if h := b.eval(`document.querySelector("h1").textContent`); h != "GitHub is connected" {
		t.Errorf("used link heading %q", h)
	}
	b.shot("4-used-link-en")
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

func TestBrowserFailedPhotoThenRetry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, link := e.start("en")
	b := newTab(t, "en")
	b.open(e.srv.URL + link)

	for _, tc := range []struct {
		name, file string
		photo      []byte
		want       string
	}{
		{"no code in the photo", "screen.jpg", screenPhoto(t, ""), "We found no QR code in the picture"},
		{"Microsoft push QR", "push.png", qrPNG(t, "phonefactor://activate_account?code=123456789&url=https://mobileappcommunicator.auth.microsoft.com/activate/123"), "only works in the Microsoft Authenticator app"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.t = t
			b.submit(upload(photoFile(t, tc.file, tc.photo)), "#error")
			if msg := b.eval(`document.getElementById("error").textContent`); !strings.Contains(msg, tc.want) {
				t.Errorf("error %q, want it to say %q", msg, tc.want)
			}
			// The customer can try again right away: the camera button is
			// there and the error is next to it.
			b.do(chromedp.WaitReady(chromedp.ID("photo")))
			b.shot("5-error-" + strings.ReplaceAll(tc.name, " ", "-"))
		})
	}
	b.t = t
	b.submit(upload(photoFile(t, "qr-screen.jpg", screenPhoto(t, testURI))), "#code")
	checkShown(t, testURI, b.code())
	if n := b.eval(`String(document.querySelectorAll("#error").length)`); n != "0" {
		t.Errorf("the old error is still shown next to the code")
	}
}

func TestBrowserSetupKeyGerman(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, link := e.start("de")
	b := newTab(t, "de-DE,de")
	b.open(e.srv.URL + link)

	if got := b.eval(`document.documentElement.lang + " " + document.characterSet`); got != "de UTF-8" {
		t.Errorf("page language and charset %q", got)
	}
	text := b.eval(`document.body.innerText`)
	for _, want := range []string{"GitHub verbinden", "für", "Schlüssel", "„Sie können nicht scannen?“", "Oder Einrichtungsschlüssel eingeben oder einfügen"} {
		if !strings.Contains(text, want) {
			t.Errorf("German page lacks %q", want)
		}
	}
	if strings.ContainsRune(text, '\uFFFD') || strings.Contains(text, "Ã") {
		t.Errorf("German page has broken characters:\n%s", text)
	}
	b.shot("6-start-de")

	// A wrong key first: the explanation is in German and the field keeps
	// working.
	b.submit(chromedp.Steps(chromedp.Focus(chromedp.ID("key"), chromedp.NodeVisible), chromedp.KeyEvent("hallo welt"), chromedp.Tap(chromedp.ID("key-submit"))), "#error")
	if msg := b.eval(`document.getElementById("error").textContent`); !strings.Contains(msg, "Dieser Einrichtungsschlüssel ist nicht verwendbar") {
		t.Errorf("error %q", msg)
	}
	// What was typed stays, to be corrected rather than typed again.
	if v := b.eval(`document.getElementById("key").value`); v != "hallo welt" {
		t.Errorf("the refused key field holds %q", v)
	}
	b.shot("7-bad-key-de")

	const key = "ajjb tz5c qxsw l4f2 uo77 uxyf fv54 wmb6"
	// The customer clears the kept text and types the right key.
	b.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("key").value = ""`))
	b.submit(chromedp.Steps(chromedp.Focus(chromedp.ID("key"), chromedp.NodeVisible), chromedp.KeyEvent(key), chromedp.Tap(chromedp.ID("key-submit"))), "#code")
	checkShown(t, "otpauth://totp/x?secret="+strings.ToUpper(strings.ReplaceAll(key, " ", "")), b.code())
	// "noch N Sekunden" for this window's code, "gültig in N Sekunden" for
	// the next window's when this one was nearly over; "Sekunde" for one.
	shown := b.code()
	unit := " Sekunden"
	if shown.secondsLeft(t) == 1 {
		unit = " Sekunde"
	}
	if cd := shown.Countdown; !strings.HasPrefix(cd, "noch ") && !strings.HasPrefix(cd, "gültig in ") || !strings.HasSuffix(cd, unit) {
		t.Errorf("countdown %q is not German", cd)
	}
	b.shot("8-code-de")
	// The smallest phones still in use are 320 CSS pixels wide: the code
	// and the long German words must still fit.
	b.do(chromedp.EmulateViewport(320, 568, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
	b.shot("8-code-de-320px")
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
	b.submit(chromedp.Steps(chromedp.Tap(chromedp.ID("own-app")), chromedp.Tap(chromedp.ID("done"))), "#state-confirmed")
	if h := b.eval(`document.getElementById("state-confirmed").textContent`); h != "GitHub ist verbunden" {
		t.Errorf("confirmed heading %q", h)
	}
	b.shot("9-confirmed-de")
}

// TestBrowserCodeRenews shows that the page replaces the code when its
// window ends, without a reload. The key has a 10-second period so the test
// does not wait for a whole 30-second window.
func TestBrowserCodeRenews(t *testing.T) {
	t.Parallel()
	const uri = "otpauth://totp/Example:renew@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example&period=10"
	e := newEnv(t)
	_, link := e.start("en")
	b := newTab(t, "en")
	b.open(e.srv.URL + link)
	b.submit(upload(photoFile(t, "qr.png", qrPNG(t, uri))), "#code")
	first := b.code()
	checkShown(t, uri, first)
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](
		fmt.Sprintf(`parseInt(document.getElementById("code").dataset.validUntil, 10) > %d`, first.ValidUntil),
		chromedp.WithPollingInterval(200*time.Millisecond), chromedp.WithPollingTimeout(25*time.Second))); err != nil {
		t.Fatalf("the code valid until %s was not replaced: %v\n%s", time.Unix(first.ValidUntil, 0).UTC().Format(time.TimeOnly), err, b.pageText())
	}
	next := b.code()
	checkShown(t, uri, next)
	// Fetched in the old code's last second, the new code is the next
	// window's: the page counts down to when it works, then its seconds.
	if n := next.secondsLeft(t); strings.HasPrefix(next.Countdown, "Valid in") && n > 5 ||
		!strings.HasPrefix(next.Countdown, "Valid in") && (n < 3 || n > 10) {
		t.Errorf("new code shows %q", next.Countdown)
	}
}

func TestBrowserExpiredAndUnknownLinks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, link := e.start("de")
	b := newTab(t, "de-DE,de;q=0.9,en;q=0.8")

	if st := b.open(e.srv.URL + "/e/e_doesnotexistatall"); st != 404 {
		t.Fatalf("unknown link answered %d, want 404", st)
	}
	if h := b.eval(`document.querySelector("h1").textContent`); h != "Link nicht gefunden" {
		t.Errorf("unknown link heading %q (in the browser's language)", h)
	}
	b.shot("10-unknown-link-de")

	e.clock.Advance(25 * time.Hour)
	if st := b.open(e.srv.URL + link); st != 410 {
		t.Fatalf("expired link answered %d, want 410", st)
	}
	if h := b.eval(`document.querySelector("h1").textContent`); h != "Dieser Link ist abgelaufen" {
		t.Errorf("expired link heading %q", h)
	}
	// The one way forward: a new link to the same phone.
	if n := b.eval(`Array.from(document.querySelectorAll("form")).map(f => f.getAttribute("action").replace(/.*\//, "")).join(",")`); n != "renew" {
		t.Errorf("expired link page offers forms %q, want renew", n)
	}
	b.shot("11-expired-link-de")
}

// TestBrowserWithoutJavaScript walks the same path with scripts off, as
// some phones' data savers and older browsers do: the photo is chosen, then
// sent with the form's own button, and the code page shows the code and
// the seconds left when it was loaded.
func TestBrowserWithoutJavaScript(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, link := e.start("en")
	b := newTab(t, "en")
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	b.open(e.srv.URL + link)
	if js := b.eval(`document.documentElement.className`); js != "" {
		t.Fatalf("scripts ran: html class %q", js)
	}
	b.do(chromedp.WaitVisible(chromedp.CSS("#photo-form .send")), chromedp.WaitVisible(chromedp.ID("photo")))
	b.do(upload(photoFile(t, "qr-screen.jpg", screenPhoto(t, testURI))))
	b.shot("12-nojs-photo-chosen")
	b.submit(chromedp.Tap(chromedp.CSS("#photo-form .send")), "#code")
	s := b.code()
	checkShown(t, testURI, s)
	// The code of the current window with its seconds left, or, when that
	// window was nearly over, the next window's code with the seconds
	// until it works.
	if left := s.secondsLeft(t); strings.HasPrefix(s.Countdown, "Valid in") && (left < 1 || left > 5) ||
		!strings.HasPrefix(s.Countdown, "Valid in") && (left < 1 || left > 30) {
		t.Errorf("countdown %q", s.Countdown)
	}
	b.shot("13-nojs-code")
	b.submit(chromedp.Steps(chromedp.Tap(chromedp.ID("own-app")), chromedp.Tap(chromedp.ID("done"))), "#state-confirmed")
}

// TestBrowserChooseFromExport sends a Google Authenticator export holding
// keys of other services only: the page asks which one is the portal's,
// and the chosen key's code is shown.
func TestBrowserChooseFromExport(t *testing.T) {
	t.Parallel()
	bank := "otpauth://totp/Example%20Bank:anna@example.com?secret=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U&issuer=Example%20Bank"
	shop := "otpauth://totp/Corner%20Shop:anna?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Corner%20Shop"
	var keys []*otpauth.Key
	for _, u := range []string{bank, shop} {
		k, err := otpauth.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k...)
	}
	export, err := (&otpauth.Migration{Keys: keys, Version: 1, BatchSize: 1}).URI()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	_, link := e.start("en")
	b := newTab(t, "en")
	b.open(e.srv.URL + link)
	b.submit(upload(photoFile(t, "export.jpg", screenPhoto(t, export))), "#state-choose")
	choices := b.eval(`Array.from(document.querySelectorAll("#state-choose .choice button")).map(b => b.innerText.replace(/\s+/g, " ")).join("|")`)
	if choices != "Example Bank anna@example.com|Corner Shop anna" {
		t.Fatalf("choices %q", choices)
	}
	b.shot("14-choose-en")
	b.submit(chromedp.Tap(chromedp.CSS(`#state-choose .choice:nth-of-type(2) button`)), "#code")
	checkShown(t, shop, b.code())
	if got := b.eval(`document.querySelector(".recognised").textContent`); !strings.Contains(got, "Corner Shop") {
		t.Errorf("recognised %q after choosing Corner Shop", got)
	}
}

package enroll_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/twofetch/twofetch/enroll"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/scripts"
)

// screenSizes are the phones every state is looked at on: a common one and
// the narrowest still in use.
var screenSizes = []struct {
	name string
	w, h int64
}{{"390", 390, 844}, {"320", 320, 640}}

// fromScripts describes portals as the server does, from their real
// scripts: name, second factors and the enrolment help of the enrollment
// block.
func fromScripts(t *testing.T, c *enroll.Config) {
	reg, err := portals.Load(scripts.FS)
	if err != nil {
		t.Fatal(err)
	}
	c.PortalName = func(id string) string {
		if s, ok := reg.Get(id); ok {
			return s.Name
		}
		return id
	}
	c.PortalInfo = func(id string) enroll.PortalInfo {
		s, ok := reg.Get(id)
		if !ok {
			return testPortalInfo(id)
		}
		info := enroll.PortalInfo{TwoFactor: s.TwoFactor, PushApp: s.PushApp}
		if h := s.Enrollment; h != nil {
			info.Help = &enroll.Help{SettingsURL: h.SettingsURL, Wording: h.Wording, Path: h.Path, CantScan: h.CantScan, Note: h.Note, KeyOnly: h.KeyOnly()}
		}
		return info
	}
}

// shots keeps the current state at every screen size, checking each for
// content wider than the screen (tab.shot); at the start it also checks
// that the photo button is on the first screen.
func (b *tab) shots(name string, photoOnFirstScreen bool) {
	b.t.Helper()
	for _, s := range screenSizes {
		b.do(chromedp.EmulateViewport(s.w, s.h, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
		if photoOnFirstScreen {
			if bottom := mustAtoi(b.t, b.eval(`String(Math.round(document.querySelector("#photo-form .file").getBoundingClientRect().bottom + window.scrollY))`)); int64(bottom) > s.h {
				b.t.Errorf("%s at %dpx: the photo button ends at %dpx, below the first screen", name, s.w, bottom)
			}
		}
		b.shot(name + "-" + s.name)
	}
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
}

// TestBrowserScreens walks every state of the enrolment page in English,
// German and Dutch in one browser tab per language and keeps each at 390
// and 320 CSS pixels, for people to look at (TWOFETCH_TEST_ARTIFACTS).
func TestBrowserScreens(t *testing.T) {
	for _, lang := range []string{"en", "de", "nl"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnvWith(t, func(c *enroll.Config) { fromScripts(t, c) })
			e.setContact(map[string]string{"en": "Acme Books", "de": "Müller & Partner Steuerberatung", "nl": "Boekhoudkantoor De Vries"}[lang], contact)
			_, link := e.start(lang)
			b := newTab(t, lang)
			shot := func(state string) { b.shots(lang+"-"+state, false) }

			b.open(e.srv.URL + link)
			b.do(chromedp.WaitVisible(chromedp.CSS(`#photo-form .file`)))
			b.shots(lang+"-01-start", true)

			b.submit(upload(photoFile(t, "screen.jpg", screenPhoto(t, ""))), "#error")
			shot("02-no-code")

			b.submit(chromedp.Steps(chromedp.Focus(chromedp.ID("key"), chromedp.NodeVisible), chromedp.KeyEvent("JBSWY3DPEHPK3PXP0BSWY3DP"), chromedp.Tap(chromedp.ID("key-submit"))), "#error")
			shot("03-bad-key")

			b.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("key").value = ""`))
			b.submit(chromedp.Steps(chromedp.Focus(chromedp.ID("key"), chromedp.NodeVisible), chromedp.KeyEvent(testURI), chromedp.Tap(chromedp.ID("key-submit"))), "#code")
			shot("04-code")

			// Done without the tick, as a browser without form checks sends it.
			b.submit(chromedp.Steps(
				chromedp.Evaluate[chromedp.Void](`document.getElementById("own-app").required = false`),
				chromedp.Tap(chromedp.ID("done"))), ".check.missing")
			shot("05-own-app-missing")

			b.submit(chromedp.Tap(chromedp.ID("refused")), "#refused-help")
			shot("06-refused")

			b.submit(chromedp.Steps(chromedp.Tap(chromedp.ID("own-app")), chromedp.Tap(chromedp.ID("done"))), "#state-confirmed")
			shot("07-confirmed")

			b.open(e.srv.URL + link)
			b.do(chromedp.WaitVisible(chromedp.ID("state-connected")))
			shot("08-used-link")

			_, link = e.start(lang)
			e.clock.Advance(25 * time.Hour)
			b.open(e.srv.URL + link)
			b.do(chromedp.WaitVisible(chromedp.ID("renew")))
			shot("09-expired")
			b.submit(chromedp.Tap(chromedp.ID("renew")), "#notice")
			shot("10-new-link-sent")

			b.open(e.srv.URL + "/e/e_doesnotexistatall")
			shot("11-unknown-link")

			e.account = e.newAccount(e.tenant, "financecloud")
			_, link = e.start(lang)
			b.open(e.srv.URL + link)
			b.do(chromedp.WaitVisible(chromedp.ID("state-approval")))
			shot("12-approval-only")
		})
	}
}

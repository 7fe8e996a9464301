package enroll_test

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/twofetch/twofetch/enroll"
	"github.com/twofetch/twofetch/sms"
)

// keyOnlyPortals hand over a setup key or token string but never show a
// QR code on a computer (enrollment setup: key); google-ads is the
// control, a portal that shows one.
var keyOnlyPortals = []string{"smart-workplace", "uber"}

// qrOnComputer are the words of the texts for a portal with a QR code
// that a key-only portal's SMS and page must not use.
var qrOnComputer = map[string][]string{
	"en": {"On your computer", "on your computer", "shows the QR code under", "photograph", "Scan the QR code", "scanned this QR code", "It shows a QR code"},
	"de": {"Am Computer zeigt", "am Computer die", "den QR-Code unter", "otografieren", "Scannen Sie den QR-Code", "QR-Code auch mit", "erscheint ein QR-Code"},
	"nl": {"Op uw computer", "op uw computer", "de QR-code onder", "otografeer", "Scan de QR-code", "QR-code ook met", "verschijnt een QR-code"},
}

// TestKeyOnlySMSNamesTheKey: the SMS of a key-only portal says the portal
// shows no QR code on a computer and names the path to its key, in every
// language, within sms.MaxParts and the GSM alphabet; a QR portal's SMS
// keeps naming where its QR code is.
func TestKeyOnlySMSNamesTheKey(t *testing.T) {
	e, reg := familyEnv(t)
	noQR := map[string]string{"en": "shows no QR code on a computer", "de": "zeigt am Computer keinen QR-Code", "nl": "toont geen QR-code op de computer"}
	noQRShort := map[string]string{"en": "No QR code needed", "de": "Kein QR-Code nötig", "nl": "Geen QR-code nodig"}
	qrUnder := map[string]string{"en": "On your computer, Google Ads shows the QR code under", "de": "Am Computer zeigt Google Ads den QR-Code unter", "nl": "Op uw computer toont Google Ads de QR-code onder"}
	n := 1900
	for _, lang := range []string{"en", "de", "nl"} {
		for _, id := range keyOnlyPortals {
			s, _ := reg.Get(id)
			if !s.Enrollment.KeyOnly() {
				t.Fatalf("%s: script does not say setup: key", id)
			}
			n++
			body, _ := e.startFor(id, lang, n)
			t.Logf("%s/%s: %s", id, lang, body)
			if !strings.Contains(body, s.Name+" "+noQR[lang]) && !strings.Contains(body, noQRShort[lang]) {
				t.Errorf("%s/%s: SMS does not say %q: %q", id, lang, noQR[lang], body)
			}
			for _, w := range qrOnComputer[lang] {
				if strings.Contains(body, w) {
					t.Errorf("%s/%s: SMS speaks of a QR code on a computer (%q): %q", id, lang, w, body)
				}
			}
			if parts, ucs2 := sms.Parts(body); parts > sms.MaxParts || ucs2 {
				t.Errorf("%s/%s: SMS takes %d parts, UCS-2 %v: %q", id, lang, parts, ucs2, body)
			}
			// Smart Workplace's path to its token string is too long for
			// an SMS in any language; the page gives it.
			if path := s.Enrollment.Path[lang]; id == "uber" && path != "" {
				steps := strings.Split(sms.Plain(path), " > ")
				if !strings.Contains(body, steps[0]+" > ") || !strings.HasSuffix(body, " > "+steps[len(steps)-1]+".") {
					t.Errorf("%s/%s: SMS lacks the path to the key: %q", id, lang, body)
				}
			}
		}
		n++
		body, _ := e.startFor("google-ads", lang, n)
		if !strings.Contains(body, qrUnder[lang]) || strings.Contains(body, noQR[lang]) {
			t.Errorf("google-ads/%s: a QR portal's SMS no longer names its QR code: %q", lang, body)
		}
	}
}

var settingsNote = regexp.MustCompile(`(?s)<p class="hint" id="settings-note">.*?</p>`)

// TestKeyOnlyPageLeadsWithTheKey: a key-only portal's page puts the key
// form first, offers no photo, and its steps and cases speak of a key,
// not of a QR code on a computer (the portal's own note may say it has
// none); after a key is received and refused, the checks and tips speak
// of the key too. A QR portal's page keeps the photo first and its steps.
func TestKeyOnlyPageLeadsWithTheKey(t *testing.T) {
	e, _ := familyEnv(t)
	want := map[string][]string{
		"en": {"Paste the setup key of", "Find the setup key of", "Add the key to your own authenticator app", "Then paste the same key at the top of this page"},
		"de": {"Fügen Sie den Einrichtungsschlüssel von", "Holen Sie sich den Einrichtungsschlüssel von", "Fügen Sie den Schlüssel Ihrer eigenen Authenticator-App hinzu", "Fügen Sie dann denselben Schlüssel oben auf dieser Seite ein"},
		"nl": {"Plak de instelsleutel van", "Zoek de instelsleutel van", "Voeg de sleutel toe aan uw eigen authenticator-app", "Plak daarna dezelfde sleutel bovenaan deze pagina"},
	}
	afterKey := map[string][]string{
		"en": {"I have also added this key to my own authenticator app", "pasted the setup key Uber gives you right now", "Paste the setup key again"},
		"de": {"Ich habe diesen Schlüssel auch meiner eigenen Authenticator-App hinzugefügt", "Einrichtungsschlüssel eingefügt haben, den Uber Ihnen gerade gibt", "Einrichtungsschlüssel noch einmal einfügen"},
		"nl": {"Ik heb deze sleutel ook aan mijn eigen authenticator-app toegevoegd", "instelsleutel hebt geplakt die Uber u nu geeft", "Instelsleutel opnieuw plakken"},
	}
	control := map[string]string{"en": "Then photograph the same QR code here", "de": "Fotografieren Sie dann denselben QR-Code hier", "nl": "Fotografeer daarna dezelfde QR-code hier"}
	n := 2900
	for _, lang := range []string{"en", "de", "nl"} {
		for _, id := range keyOnlyPortals {
			n++
			_, link := e.startFor(id, lang, n)
			body := e.page(link)
			keyAt, whereAt := strings.Index(body, `id="key-form"`), strings.Index(body, `id="where"`)
			if keyAt < 0 || whereAt < 0 || keyAt > whereAt {
				t.Errorf("%s/%s: the key form does not come before the steps (%d, %d)", id, lang, keyAt, whereAt)
			}
			if strings.Contains(body, `id="photo-form"`) || strings.Contains(body, `id="screenshot-form"`) {
				t.Errorf("%s/%s: the page offers a photo of a QR code the portal never shows", id, lang)
			}
			text := html.UnescapeString(settingsNote.ReplaceAllString(body, ""))
			for _, w := range want[lang] {
				if !strings.Contains(text, w) {
					t.Errorf("%s/%s: page lacks %q", id, lang, w)
				}
			}
			for _, w := range qrOnComputer[lang] {
				if strings.Contains(text, w) {
					t.Errorf("%s/%s: page speaks of a QR code on a computer (%q)", id, lang, w)
				}
			}
		}

		// Uber's key, received and then refused by the portal.
		n++
		_, link := e.startFor("uber", lang, n)
		if status, body := e.htmlPost(link, "key", url.Values{"key": {"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}}); status != 200 || !strings.Contains(body, `id="code"`) {
			t.Fatalf("uber/%s: key not received (%d)", lang, status)
		}
		status, body := e.htmlPost(link, "refused", nil)
		if status != 200 {
			t.Fatalf("uber/%s: refused: %d", lang, status)
		}
		text := html.UnescapeString(body)
		for _, w := range afterKey[lang] {
			if !strings.Contains(text, w) {
				t.Errorf("uber/%s: page after the key lacks %q", lang, w)
			}
		}
		for _, w := range qrOnComputer[lang] {
			if strings.Contains(text, w) {
				t.Errorf("uber/%s: page after the key speaks of a QR code (%q)", lang, w)
			}
		}
		if strings.Contains(body, `id="photo-form"`) || !strings.Contains(body, `id="key-form"`) {
			t.Errorf("uber/%s: after a refusal the page offers a photo, or no key form", lang)
		}
		status, body = e.htmlPost(link, "confirm", nil)
		if want := map[string]string{"en": "added the key to your own authenticator app", "de": "den Schlüssel auch Ihrer eigenen Authenticator-App hinzugefügt", "nl": "de sleutel ook aan uw eigen authenticator-app hebt toegevoegd"}[lang]; !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("uber/%s: Done without the tick (%d) does not ask about the key: lacks %q", lang, status, want)
		}

		n++
		_, link = e.startFor("google-ads", lang, n)
		body = e.page(link)
		photoAt, keyAt := strings.Index(body, `id="photo-form"`), strings.Index(body, `id="key-form"`)
		if photoAt < 0 || photoAt > keyAt || !strings.Contains(html.UnescapeString(body), control[lang]) {
			t.Errorf("google-ads/%s: a QR portal's page lost its photo first or its step %q", lang, control[lang])
		}
	}
}

// TestKeyOnlyScreens keeps Uber's key-only page in every language at 390
// and 320 CSS pixels (TWOFETCH_TEST_ARTIFACTS): the first screen with the
// key field on it, and the received code after a pasted key.
func TestKeyOnlyScreens(t *testing.T) {
	for _, lang := range []string{"en", "de", "nl"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnvWith(t, func(c *enroll.Config) { fromScripts(t, c) })
			e.setContact(map[string]string{"en": "Acme Books", "de": "Müller & Partner Steuerberatung", "nl": "Boekhoudkantoor De Vries"}[lang], contact)
			e.account = e.newAccount(e.tenant, "uber")
			_, link := e.start(lang)
			b := newTab(t, lang)
			b.open(e.srv.URL + link)
			b.do(chromedp.WaitVisible(chromedp.ID("key")))
			for _, s := range screenSizes {
				b.do(chromedp.EmulateViewport(s.w, s.h, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
				if bottom := mustAtoi(t, b.eval(`String(Math.round(document.getElementById("key-submit").getBoundingClientRect().bottom + window.scrollY))`)); int64(bottom) > s.h {
					t.Errorf("%s at %dpx: the key's button ends at %dpx, below the first screen", lang, s.w, bottom)
				}
			}
			b.shots(lang+"-uber-key-start", false)
			b.submit(chromedp.Steps(chromedp.Focus(chromedp.ID("key"), chromedp.NodeVisible), chromedp.KeyEvent("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"), chromedp.Tap(chromedp.ID("key-submit"))), "#code")
			b.submit(chromedp.Tap(chromedp.ID("refused")), "#refused-help")
			b.shots(lang+"-uber-key-refused", false)
		})
	}
}

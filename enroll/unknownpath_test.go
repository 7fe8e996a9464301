package enroll_test

import (
	"html"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/twofetch/twofetch/enroll"
)

// TestUnknownPathSaysSo: for a portal whose script carries no enrolment
// help (no path to its QR code is known), the page says so in every
// language and names what to look for, instead of a path it does not
// know.
func TestUnknownPathSaysSo(t *testing.T) {
	e := newEnv(t)
	e.account = e.newAccount(e.tenant, "github")
	for lang, want := range map[string][]string{
		"en": {"We do not know the exact way to it in GitHub", `"authenticator app"`, `"two-step verification"`, `"two-factor authentication"`},
		"de": {"Den genauen Weg dorthin bei GitHub kennen wir nicht", "„Authenticator-App“", "„Bestätigung in zwei Schritten“", "„Zwei-Faktor-Authentifizierung“"},
		"nl": {"De precieze weg ernaartoe bij GitHub kennen we niet", "‘authenticator-app’", "‘tweestapsverificatie’"},
	} {
		_, link := e.start(lang)
		body := html.UnescapeString(e.page(link))
		if strings.Contains(body, `id="settings-path"`) {
			t.Errorf("%s: a path is shown for a portal without one", lang)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: the page does not say %q", lang, w)
			}
		}
	}
}

// TestSourcePortalsHelp: the two portals whose only evidence is a customer
// document get the help it supports: Smart Workplace's token string by
// e-mail, in every language; FinanceCloud, which has no authenticator
// app at all, the approval-only page and no steps to a QR code.
func TestSourcePortalsHelp(t *testing.T) {
	e := newEnvWith(t, func(c *enroll.Config) { fromScripts(t, c) })
	e.account = e.newAccount(e.tenant, "smart-workplace")
	for lang, want := range map[string][]string{
		"en": {"self-enrollment e-mail from Smart Workplace", "SafeNet MobilePASS app", `"token string"`, "Copy the token string"},
		"de": {"E-Mail von Smart Workplace zur Selbstregistrierung", "„Token-String“", "Kopieren Sie den Token-String"},
		"nl": {"e-mail van Smart Workplace voor de zelfregistratie", `"tokenstring"`, "Kopieer de tokenstring"},
	} {
		_, link := e.start(lang)
		body := html.UnescapeString(e.page(link))
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("smart-workplace %s: the page does not say %q", lang, w)
			}
		}
	}
	e.account = e.newAccount(e.tenant, "financecloud")
	_, link := e.start("de")
	if body := e.page(link); !strings.Contains(body, `id="state-approval"`) || strings.Contains(body, `id="where"`) {
		t.Errorf("financecloud: not the approval-only page:\n%s", body)
	}
}

// TestSourcePortalScreens keeps Smart Workplace's first screen, whose
// help leads to a token string by e-mail instead of a QR code, in every
// language at 390 and 320 CSS pixels (TWOFETCH_TEST_ARTIFACTS).
func TestSourcePortalScreens(t *testing.T) {
	for _, lang := range []string{"en", "de", "nl"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnvWith(t, func(c *enroll.Config) { fromScripts(t, c) })
			e.account = e.newAccount(e.tenant, "smart-workplace")
			_, link := e.start(lang)
			b := newTab(t, lang)
			b.open(e.srv.URL + link)
			b.do(chromedp.WaitVisible(chromedp.ID("settings-path")))
			b.shots(lang+"-smart-workplace-start", false)
		})
	}
}

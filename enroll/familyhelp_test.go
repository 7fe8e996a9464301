package enroll_test

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/twofetch/twofetch/enroll"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/scripts"
	"github.com/twofetch/twofetch/sms"
)

// familyPortals are the portals signing in through a login shared with
// others: Amazon, Google, Microsoft, Atlassian, United Internet, PayPal
// and Meta.
var familyPortals = []string{
	"amazon-de", "amazon-fr", "amazon-sellercentral", "audible-de",
	"google-ads", "google-workspace", "google-cloud", "google-payments",
	"microsoft-ads", "office365",
	"atlassian", "bitbucket",
	"1und1", "gmx", "ionos",
	"paypal", "paypal-monthly-summary",
	"facebook",
}

// longPublicURL makes the link in the SMS as long as an operator's own
// domain would, so the length checks do not pass only on a short one.
const longPublicURL = "https://twofetch.steuerkanzlei-mueller-partner.example"

// familyEnv is an enrolment service that knows the portals from their
// real scripts, with a long public URL and tenant name.
func familyEnv(t *testing.T) (*env, *portals.Registry) {
	t.Helper()
	reg, err := portals.Load(scripts.FS)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, func(c *enroll.Config) {
		fromScripts(t, c)
		c.PublicURL = longPublicURL
	})
	e.setContact("Müller & Partner Steuerberatung", contact)
	return e, reg
}

// startFor starts an enrolment of a new account of portal, on a phone
// number of its own (a number gets few SMS an hour), and returns the SMS
// and the link's path.
func (e *env) startFor(portal, lang string, n int) (smsBody, linkPath string) {
	e.t.Helper()
	e.account = e.newAccount(e.tenant, portal)
	phone := fmt.Sprintf("+49 151 20%06d", n)
	resp, m := e.api("POST", "/api/v1/accounts/"+e.account.ID+"/enrollments", e.token, map[string]string{"phone": phone, "language": lang})
	if resp.StatusCode != 201 || m["status"] != "sms_sent" {
		e.t.Fatalf("%s/%s: enrolment %d %v", portal, lang, resp.StatusCode, m)
	}
	smsBody = e.lastSMS()
	link := regexp.MustCompile(regexp.QuoteMeta(longPublicURL) + `(/e/[A-Za-z0-9_]+)`).FindStringSubmatch(smsBody)
	if link == nil {
		e.t.Fatalf("%s/%s: SMS without its link: %q", portal, lang, smsBody)
	}
	return smsBody, link[1]
}

var (
	pathList = regexp.MustCompile(`(?s)(<ol class="path" id="settings-path"[^>]*>)(.*?)</ol>`)
	anyTag   = regexp.MustCompile(`<[^>]+>`)
)

// flatPath writes the menu path of a page, shown one step per line, back
// as the script gives it ("Security → 2-Step Verification"), so tests
// can look for it as one text.
func flatPath(body string) string {
	return pathList.ReplaceAllStringFunc(body, func(m string) string {
		sub := pathList.FindStringSubmatch(m)
		steps := strings.Split(anyTag.ReplaceAllString(strings.ReplaceAll(sub[2], "</li><li>", "\x00"), ""), "\x00")
		for i, st := range steps {
			steps[i] = strings.TrimSpace(strings.TrimPrefix(st, "→"))
		}
		return sub[1] + strings.Join(steps, " → ") + "</ol>"
	})
}

// TestFamilySMSNamesThePath: the enrolment SMS of every family portal
// names the portal and, in the customer's language, where the portal shows
// the QR code: the script's menu path in that language (shortened in the
// middle only as far as the length limit needs), or else the portal's word
// for its second step. It stays within sms.MaxParts and, arrows made
// plain, in the GSM alphabet where the texts allow.
func TestFamilySMSNamesThePath(t *testing.T) {
	e, reg := familyEnv(t)
	n := 0
	for _, id := range familyPortals {
		s, ok := reg.Get(id)
		if !ok {
			t.Fatalf("no script %s", id)
		}
		for _, lang := range []string{"en", "de", "nl"} {
			n++
			body, _ := e.startFor(id, lang, n)
			if !strings.Contains(body, s.Name) || !strings.Contains(body, "Müller & Partner Steuerberatung") {
				t.Errorf("%s/%s: SMS does not name the portal and the tenant: %q", id, lang, body)
			}
			if parts, ucs2 := sms.Parts(body); testing.Verbose() {
				t.Logf("%s/%s (%d parts, ucs2 %v): %s", id, lang, parts, ucs2, body)
			}
			if parts, _ := sms.Parts(body); parts > sms.MaxParts {
				t.Errorf("%s/%s: SMS takes %d parts (at most %d): %q", id, lang, parts, sms.MaxParts, body)
			}
			if strings.Contains(body, "→") {
				t.Errorf("%s/%s: SMS keeps the arrows, which need UCS-2: %q", id, lang, body)
			}
			var path string
			if h := s.Enrollment; h != nil {
				path = h.Path[lang]
			}
			if path == "" {
				// No menu names in this language: the portal's setup words.
				if !strings.Contains(body, map[string]string{"en": "authenticator app", "de": "Authenticator-App", "nl": "authenticator-app"}[lang]) {
					t.Errorf("%s/%s: SMS without a path names no setup step: %q", id, lang, body)
				}
				continue
			}
			steps := strings.Split(sms.Plain(path), " > ")
			if first, last := steps[0], steps[len(steps)-1]; !strings.Contains(body, first+" > ") || !strings.HasSuffix(body, " > "+last+".") {
				t.Errorf("%s/%s: SMS lacks the path's start %q or end %q: %q", id, lang, first, last, body)
			}
			if !strings.Contains(body, strings.Join(steps, " > ")) {
				t.Logf("%s/%s: path shortened to fit: %q", id, lang, body)
			}
		}
	}
}

// TestFamilyHelpOnThePage: the enrolment page of a family portal shows
// the portal's menu path in the customer's language where a source gives
// it, and otherwise the names in a language it has, saying so plainly.
// Microsoft's and Google's pages explain choosing another authenticator
// app than their own in every language.
func TestFamilyHelpOnThePage(t *testing.T) {
	e, reg := familyEnv(t)
	for i, tc := range []struct {
		portal, lang string
		menusIn      string // "" when the path is in the page's language
		want         []string
	}{
		{"google-ads", "de", "", []string{"Google-Konto → Sicherheit", "jede Authenticator-App kann den QR-Code scannen"}},
		{"google-ads", "nl", "", []string{"Verificatie in twee stappen → Authenticator-app → Instellen", "elke authenticator-app kan de QR-code scannen"}},
		{"google-workspace", "en", "", []string{"2-Step Verification → Authenticator", "Can't scan it?", "any authenticator app can scan"}},
		{"office365", "de", "", []string{"Ich möchte eine andere Authentifikator-App verwenden", "Kann der QR-Code nicht gescannt werden?", "Microsoft Authenticator vor"}},
		{"office365", "nl", "", []string{"Ik wil een andere verificator-app gebruiken", "Kunt u niet scannen?", "Microsoft Authenticator voor"}},
		{"microsoft-ads", "en", "", []string{"I want to use a different authenticator app", "Can't scan image?"}},
		{"gmx", "en", "de", []string{"Mein Account → Sicherheit", "Code kopieren", "The menus of GMX are named here in German."}},
		{"gmx", "nl", "de", []string{"Jetzt Einrichtung starten", "De menu's van GMX staan hier in het Duits."}},
		{"gmx", "de", "", []string{"Zwei-Faktor-Authentifizierung aktivieren", "„Code kopieren“"}},
		{"ionos", "de", "en", []string{"Two-Step Verification → Authenticator App", "Die Menüs von IONOS sind hier auf Englisch benannt."}},
		{"paypal", "nl", "en", []string{"Use an authenticator app", "De menu's van PayPal staan hier in het Engels."}},
		{"paypal-monthly-summary", "de", "", []string{"Zweistufige Verifizierung → Einrichten (oder Aktualisieren)"}},
	} {
		t.Run(tc.portal+"/"+tc.lang, func(t *testing.T) {
			if _, ok := reg.Get(tc.portal); !ok {
				t.Fatalf("no script %s", tc.portal)
			}
			_, link := e.startFor(tc.portal, tc.lang, 900+i)
			body := html.UnescapeString(flatPath(e.page(link)))
			for _, want := range tc.want {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			notice := regexp.MustCompile(`id="menus-in">[^<]*<`).FindString(body)
			switch {
			case tc.menusIn == "" && notice != "":
				t.Errorf("page says the menus are in another language: %s", notice)
			case tc.menusIn != "" && notice == "":
				t.Errorf("page shows %s menu names without saying so", tc.menusIn)
			case tc.menusIn != "" && !strings.Contains(body, `id="settings-path" lang="`+tc.menusIn+`"`):
				t.Errorf("path not marked as %s", tc.menusIn)
			}
			if t.Failed() {
				t.Logf("page:\n%s", body)
			}
		})
	}
}

// Every family script that names its menus in a language also gives its
// advice (note) in all three, so no page mixes our own words' languages.
func TestFamilyNotesInEveryLanguage(t *testing.T) {
	reg, err := portals.Load(scripts.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range familyPortals {
		s, _ := reg.Get(id)
		if s == nil || s.Enrollment == nil {
			t.Errorf("%s: no enrolment help", id)
			continue
		}
		if len(s.Enrollment.Path) == 0 {
			t.Errorf("%s: no path to the QR code", id)
		}
		for _, lang := range []string{"en", "de", "nl"} {
			if len(s.Enrollment.Note) > 0 && s.Enrollment.Note[lang] == "" {
				t.Errorf("%s: note without %s", id, lang)
			}
		}
	}
}

// TestBrowserFamilyScreens keeps the start of the enrolment page of a
// Google and a Microsoft portal in German and Dutch, and of GMX (German
// menus) in English, at the phone sizes of TestBrowserScreens, for people
// to look at (TWOFETCH_TEST_ARTIFACTS); tab.shot fails on anything wider
// than the screen, such as a long menu path.
func TestBrowserFamilyScreens(t *testing.T) {
	e, _ := familyEnv(t)
	for i, tc := range []struct{ portal, lang string }{
		{"google-ads", "de"}, {"google-ads", "nl"}, {"office365", "de"}, {"office365", "nl"}, {"gmx", "en"},
	} {
		t.Run(tc.portal+"/"+tc.lang, func(t *testing.T) {
			_, link := e.startFor(tc.portal, tc.lang, 950+i)
			b := newTab(t, tc.lang)
			b.open(e.srv.URL + link)
			b.do(chromedp.WaitVisible(chromedp.ID("settings-path")))
			b.shots("family-"+tc.portal+"-"+tc.lang, true)
		})
	}
}

// A portal that only asks for approval in its app shows no QR code, so
// its SMS names none; a portal without enrolment help gets the general
// setup words.
func TestSMSHintWithoutPath(t *testing.T) {
	e := newEnv(t)
	e.account = e.newAccount(e.tenant, "approval-only")
	e.start("de")
	if body := e.lastSMS(); strings.Contains(body, "QR") {
		t.Errorf("SMS of an approval-only portal speaks of a QR code: %q", body)
	}
	e.account = e.newAccount(e.tenant, "github")
	e.start("nl")
	if body := e.lastSMS(); !strings.HasSuffix(body, "Zet op uw computer bij GitHub de tweede inlogstap aan en kies de authenticator-app: dan verschijnt de QR-code.") {
		t.Errorf("SMS of a portal without help: %q", body)
	}
}

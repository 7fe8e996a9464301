package replica

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch/otpauth"
)

// The shared Microsoft sign-in, browser-less: its views in order, and the
// hand-back code that opens the product's session, which only the product
// it was issued for accepts, and only once.
func TestMicrosoftSignin(t *testing.T) {
	s, err := Start(Options{Portals: []string{"office365", "microsoft-ads"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	keys, err := otpauth.Parse(DemoKey("office365"))
	if err != nil {
		t.Fatal(err)
	}
	login := office365Login.base + office365Login.path
	contains := func(t *testing.T, v visit, texts ...string) {
		t.Helper()
		for _, want := range texts {
			if !strings.Contains(v.body, want) {
				t.Fatalf("page %s lacks %q:\n%s", v.url, want, v.body)
			}
		}
	}

	c := s.Client()
	v := get(t, c, "https://admin.microsoft.com/")
	contains(t, v, `name="loginfmt"`, `id="idSIButton9"`)
	v = post(t, c, login, url.Values{"view": {"username"}, "loginfmt": {DemoEmail}})
	contains(t, v, `name="passwd"`)
	v = post(t, c, login, url.Values{"view": {"password"}, "loginfmt": {DemoEmail}, "passwd": {DemoPassword}})
	contains(t, v, "Approve sign in request", `id="idRichContext_DisplaySign"`, `id="signInAnotherWay"`, `data-value="PhoneAppOTP"`)
	v = post(t, c, login, url.Values{"view": {"proof"}, "proof": {"PhoneAppOTP"}})
	contains(t, v, `name="otc"`, `id="idSubmit_SAOTCC_Continue"`)
	v = post(t, c, login, url.Values{"view": {"code"}, "otc": {"000000"}})
	contains(t, v, `id="idSpan_SAOTCC_Error_OTC"`, "You didn&#39;t enter the expected verification code.")
	v = post(t, c, login, url.Values{"view": {"code"}, "otc": {currentCode(t, keys[0], time.Now())}})
	contains(t, v, "Stay signed in?", `id="KmsiCheckboxField"`)
	v = post(t, c, login, url.Values{"view": {"kmsi"}, "kmsi": {"yes"}})
	m := regexp.MustCompile(`name="code" value="([^"]+)"`).FindStringSubmatch(v.body)
	if m == nil {
		t.Fatalf("no hand-back code:\n%s", v.body)
	}
	code := m[1]

	// Posted to the other product, the code opens nothing and is spent.
	other := s.Client()
	if v := post(t, other, msAdsLogin.app+"/", url.Values{"code": {code}}); !strings.Contains(v.body, `name="loginfmt"`) {
		t.Fatalf("Microsoft Ads accepted Office 365's hand-back code: %s", v.url)
	}
	if v := post(t, other, office365Login.app+"/", url.Values{"code": {code}}); !strings.Contains(v.body, `name="loginfmt"`) {
		t.Fatalf("a hand-back code tried elsewhere still opened Office 365: %s", v.url)
	}

	// A fresh sign-in's code opens the admin center once.
	v = post(t, c, login, url.Values{"view": {"kmsi"}, "kmsi": {"yes"}})
	code = regexp.MustCompile(`name="code" value="([^"]+)"`).FindStringSubmatch(v.body)[1]
	v = post(t, c, office365Login.app+"/", url.Values{"code": {code}})
	contains(t, v, "signed in as "+DemoEmail)
	if v := post(t, s.Client(), office365Login.app+"/", url.Values{"code": {code}}); !strings.Contains(v.body, `name="loginfmt"`) {
		t.Fatalf("a spent hand-back code opened a second session: %s", v.url)
	}

	// An account whose only second step is the app notification is offered
	// no other way.
	s.Portal("office365").SetMode(PushOnly)
	c = s.Client()
	v = post(t, c, login, url.Values{"view": {"password"}, "loginfmt": {DemoEmail}, "passwd": {DemoPassword}})
	contains(t, v, "Approve sign in request", `id="idRichContext_DisplaySign"`)
	if strings.Contains(v.body, "signInAnotherWay") || strings.Contains(v.body, "PhoneAppOTP") {
		t.Fatalf("push-only account offered another way:\n%s", v.body)
	}
}

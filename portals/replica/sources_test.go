package replica

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch/otpauth"
)

// The replicas of the source-document portals, browser-less: their pages
// carry the documents' texts, their second factors work as the documents
// describe, and their demo users start where the documents start.
func TestSourceDocumentReplicas(t *testing.T) {
	// Its own server: the demo users' set-up state is per server.
	s, err := Start(Options{Portals: []string{"financecloud", "iv-produkt-cloud", "finrust", "smart-workplace"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	contains := func(t *testing.T, v visit, texts ...string) {
		t.Helper()
		for _, want := range texts {
			if !strings.Contains(v.body, want) {
				t.Fatalf("page %s lacks %q:\n%s", v.url, want, v.body)
			}
		}
	}

	t.Run("financecloud points to the smartIDENT app", func(t *testing.T) {
		p := s.Portal("financecloud")
		c := s.Client()
		v := get(t, c, financeCloudBase+"/")
		contains(t, v, "Willkommen in Ihrer FinanceCloud", "Passwort zurücksetzen/anfordern", `id="zugangskennung"`)
		v = post(t, c, financeCloudBase+"/", url.Values{"zugangskennung": {DemoEmail}, "passwort": {"wrong"}})
		if strings.Contains(v.body, "smartIDENT") || !strings.Contains(v.body, `id="passwort"`) {
			t.Fatalf("a wrong password did not bring the form back:\n%s", v.body)
		}
		v = post(t, c, financeCloudBase+"/", url.Values{"zugangskennung": {DemoEmail}, "passwort": {DemoPassword}})
		contains(t, v, "Zwei-Faktor-Authentisierung ist erforderlich. Bestätigen Sie Ihre Anmeldung mit der smartIDENT App.")
		if approvals, _ := p.SmartIDENT(); approvals != 1 {
			t.Errorf("%d approvals requested, want 1", approvals)
		}
		// The page waits for an approval that only a phone could give.
		res, err := c.Get(financeCloudBase + "/smartident/status")
		if err != nil {
			t.Fatal(err)
		}
		v = read(t, res)
		if v.body != `{"approved":false}` {
			t.Errorf("approval status %q", v.body)
		}
		if v := get(t, c, financeCloudBase+"/"); !strings.Contains(v.body, `id="zugangskennung"`) {
			t.Error("signed in without an approval")
		}
	})

	t.Run("iv-produkt-cloud sets up the authenticator, then asks for the one-time password", func(t *testing.T) {
		c := s.Client()
		contains(t, get(t, c, ivProduktBase+"/"), "Herzlich Willkommen!", "Lüftungsgeräte", "Registrieren", "Anmelden")
		v := get(t, c, ivProduktBase+"/anmelden")
		contains(t, v, "&lt; Abbrechen", "IV PRODUKT", "Mit E-Mail-Adresse anmelden", "Passwort", "Kennwort vergessen?", "Anweisungen zur Anmeldung")
		v = post(t, c, ivProduktBase+"/anmelden", url.Values{"email": {DemoSetUpEmail}, "password": {DemoPassword}})
		contains(t, v, "Microsoft Authenticator", "Fortsetzen")
		v = get(t, c, ivProduktBase+"/anmelden/qr")
		m := regexp.MustCompile(`src="data:image/png;base64,([^"]+)"`).FindStringSubmatch(v.body)
		if m == nil {
			t.Fatalf("no QR code:\n%s", v.body)
		}
		uri := decodeQR(t, m[1])
		keys, err := otpauth.Parse(uri)
		if err != nil || keys[0].Account != DemoSetUpEmail || keys[0].Type != otpauth.TOTP {
			t.Fatalf("QR holds %q: %v", uri, err)
		}
		v = get(t, c, ivProduktBase+"/anmelden/code")
		contains(t, v, "Geben Sie den Verifizierungscode aus Ihrer Authenticator-App ein.", "Einmaliges Passwort", "Weiter", "Einmal-Passwort zurücksetzend")
		v = post(t, c, ivProduktBase+"/anmelden/code", url.Values{"otpCode": {"000000"}})
		contains(t, v, `id="otpCode"`)
		v = post(t, c, ivProduktBase+"/anmelden/code", url.Values{"otpCode": {currentCode(t, keys[0], time.Now())}})
		if v.url != ivProduktBase+"/" || strings.Contains(v.body, "Herzlich Willkommen") {
			t.Fatalf("not signed in after the code: %s\n%s", v.url, v.body)
		}
		// The next login goes straight to the code, as does the demo
		// user's, whose authenticator is set up.
		for _, email := range []string{DemoSetUpEmail, DemoEmail} {
			v = post(t, s.Client(), ivProduktBase+"/anmelden", url.Values{"email": {email}, "password": {DemoPassword}})
			contains(t, v, "Einmaliges Passwort")
		}
	})

	t.Run("finrust makes 2-step verification mandatory and shows recovery codes once", func(t *testing.T) {
		p := s.Portal("finrust")
		c := s.Client()
		v := post(t, c, finRustBase+"/", url.Values{"username": {DemoSetUpEmail}, "password": {DemoPassword}})
		contains(t, v, "Uw organisatie heeft ingesteld dat tweestapsverificatie verplicht is om in te loggen.",
			"Download een authenticator app", "Scan de QR-code of voer de code in", "Activatiecode:", "Twee-staps-verificatiecode *")
		m := regexp.MustCompile(`<code id="activation-code">([a-z2-7 ]+)</code>`).FindStringSubmatch(v.body)
		if m == nil || !regexp.MustCompile(`^([a-z2-7]{4} ){7}[a-z2-7]{4}$`).MatchString(m[1]) {
			t.Fatalf("no activation code in lower-case groups of four:\n%s", v.body)
		}
		typed, err := otpauth.Parse(m[1])
		if err != nil || typed[0].Type != otpauth.TOTP {
			t.Fatalf("activation code %q: %v", m[1], err)
		}
		v = post(t, c, finRustBase+"/tweestapsverificatie", url.Values{"code": {"000000"}})
		contains(t, v, "tweestapsverificatie verplicht", `id="code"`)
		v = post(t, c, finRustBase+"/tweestapsverificatie", url.Values{"code": {currentCode(t, typed[0], time.Now())}})
		codes, tried := p.RecoveryCodes(DemoSetUpEmail)
		if len(codes) == 0 || tried != 0 {
			t.Fatalf("%d recovery codes, %d tried", len(codes), tried)
		}
		contains(t, v, codes...)
		if v := get(t, c, finRustBase+"/"); !strings.Contains(v.body, "Mijn FinRust") {
			t.Fatalf("not in Mijn FinRust after the recovery codes:\n%s", v.body)
		}
		// Later logins ask for the code, as does the demo user's; a
		// recovery code typed there is counted.
		for _, email := range []string{DemoEmail, DemoSetUpEmail} {
			c = s.Client()
			v = post(t, c, finRustBase+"/", url.Values{"username": {email}, "password": {DemoPassword}})
			if strings.Contains(v.body, "verplicht") || !strings.Contains(v.body, "Twee-staps-verificatiecode") {
				t.Fatalf("a later login of %s is not the code prompt:\n%s", email, v.body)
			}
		}
		post(t, c, finRustBase+"/tweestapsverificatie", url.Values{"code": {codes[0]}})
		if _, tried := p.RecoveryCodes(DemoSetUpEmail); tried != 1 {
			t.Errorf("recovery code typed as a code counted %d times, want 1", tried)
		}
	})

	t.Run("smart-workplace takes the MobilePASS code in the login form", func(t *testing.T) {
		p := s.Portal("smart-workplace")
		token := DemoKey("smart-workplace")
		keys, err := otpauth.Parse(token)
		if err != nil || len(keys) != 1 || keys[0].Type != otpauth.MobilePass {
			t.Fatalf("demo token string %q: %v", token, err)
		}
		k := keys[0]
		login := func(counter uint64, pw string) visit {
			t.Helper()
			code, err := k.Code(counter)
			if err != nil {
				t.Fatal(err)
			}
			c := s.Client()
			contains(t, get(t, c, smartWorkplaceBase+"/"), "Willkommen", "Bitte melden Sie sich an.", "Benutzername:", "Token Code:", "Kennwort:", "Anmelden")
			return post(t, c, smartWorkplaceBase+"/", url.Values{"benutzername": {DemoEmail}, "tokencode": {code}, "kennwort": {pw}})
		}
		in := func(v visit) bool { return !strings.Contains(v.body, `id="tokencode"`) }
		for _, tc := range []struct {
			counter uint64
			pw      string
			want    bool
		}{
			{0, DemoPassword, true},
			{0, DemoPassword, false}, // used before
			{5, DemoPassword, true},  // codes shown but never typed are skipped
			{3, DemoPassword, false}, // behind the last one used
			{6, "wrong", false},
			{6, DemoPassword, true},
			{6 + mobilePassLookAhead + 1, DemoPassword, false}, // too far ahead
		} {
			if got := in(login(tc.counter, tc.pw)); got != tc.want {
				t.Errorf("counter %d, password %q: signed in %v, want %v", tc.counter, tc.pw, got, tc.want)
			}
		}
		want := []int64{0, 0, 5, 3, 6, 6 + mobilePassLookAhead + 1}
		if got := p.MobilePassCounters(DemoEmail); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("counters seen %v, want %v (the wrong password is refused before the code is checked)", got, want)
		}
	})
}

package scripts_test

import (
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/replica"
	"github.com/twofetch/twofetch/portals/scripts"
)

// TestUnitedInternetScripts runs GMX and 1&1, each on its own sign-in
// (their shapes differ from IONOS's and from each other's), neither with
// documents known.
func TestUnitedInternetScripts(t *testing.T) {
	e := setup(t)
	t.Run("gmx", func(t *testing.T) {
		signInOnly(t, e, "gmx", misbehaviour{name: "CAPTCHA on the second login page", mode: replica.Captcha, want: twofetch.OutcomeCaptcha})
	})
	t.Run("1und1", func(t *testing.T) { signInOnly(t, e, "1und1") })
	for _, id := range []string{"gmx", "1und1"} {
		t.Run(id+"/unknown address", func(t *testing.T) { unknownAddress(t, e, id, twofetch.OutcomeBadCredentials) })
	}
}

// GMX lets the authenticator be set up only after an SMS check of the
// mobile number: the enrolment help says so in every language.
func TestGMXEnrolmentNamesTheSMSCheck(t *testing.T) {
	reg, err := portals.Load(scripts.FS)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := reg.Get("gmx")
	if !ok || s.Enrollment == nil {
		t.Fatal("no enrolment help for gmx")
	}
	for lang, word := range map[string]string{"en": "SMS", "de": "SMS", "nl": "sms"} {
		if !strings.Contains(s.Enrollment.Note[lang], word) {
			t.Errorf("%s note %q does not name the SMS check", lang, s.Enrollment.Note[lang])
		}
	}
}

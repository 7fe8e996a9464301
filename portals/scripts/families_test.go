package scripts_test

import (
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/replica"
	"github.com/twofetch/twofetch/portals/scripts"
)

// TestSharedLoginFamilies covers what TestScripts does not for the
// Atlassian and United Internet families: Bitbucket (on the shared
// Atlassian sign-in), GMX and 1&1 (each on a sign-in of its own, unlike
// IONOS's), none with documents known, and the answer to an address the
// portal does not know. One browser serves all; the portals run side by
// side, each portal's cases in turn, since a misbehaviour is set per
// portal.
func TestSharedLoginFamilies(t *testing.T) {
	e := setup(t)
	extra := map[string][]misbehaviour{
		"bitbucket": nil,
		"gmx":       {{name: "CAPTCHA on the second login page", mode: replica.Captcha, want: twofetch.OutcomeCaptcha}},
		"1und1":     nil,
	}
	for id, more := range extra {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			signInOnly(t, e, id, more...)
		})
	}
	// An unknown address is refused before a code is asked for, whatever
	// misbehaviour the portal's own cases have set meanwhile.
	for _, id := range []string{"atlassian", "bitbucket", "gmx", "1und1"} {
		t.Run(id+"/unknown address", func(t *testing.T) {
			t.Parallel()
			unknownAddress(t, e, id, twofetch.OutcomeBadCredentials)
		})
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

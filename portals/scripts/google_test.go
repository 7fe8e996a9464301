package scripts_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals/replica"
)

var googlePortals = []string{"google-ads", "google-workspace", "google-cloud", "google-payments"}

// The Google products sign in through the shared login/google fragment.
// No documents page of theirs is publicly described in markup, so a good
// run signs in, answers the second step and ends no_documents. The
// products run side by side: each has its own accounts and misbehaviour,
// and the sign-in goes by the product a browser came from.
func TestGoogleScripts(t *testing.T) {
	e := setup(t)
	// Each product shows one of the sign-in's own outcomes; the others
	// are the fragment's and would only repeat.
	own := map[string][]misbehaviour{
		"google-ads": {
			{name: "wrong password", bad: true, want: twofetch.OutcomeBadCredentials},
			{name: "browser refused as insecure", mode: replica.RefuseBrowser, want: twofetch.OutcomeBlocked},
		},
		"google-workspace": {{name: "code refused", mode: replica.RejectCode, want: twofetch.OutcomeOTPRejected}},
		"google-cloud":     {{name: "phone prompt only", mode: replica.PushOnly, want: twofetch.OutcomeUnsupported2FA}},
		"google-payments":  {{name: "reCAPTCHA", mode: replica.Captcha, want: twofetch.OutcomeCaptcha}},
	}
	t.Run("products", func(t *testing.T) {
		for _, id := range googlePortals {
			t.Run(id, func(t *testing.T) {
				t.Parallel()
				p := e.srv.Portal(id)
				a := e.account(t, p)

				t.Run("login with TOTP past the phone prompt", func(t *testing.T) {
					before, picks := p.Stats(), len(p.DevicePicks())
					res, err := e.run(t, id, a)
					if err != nil || res.Outcome != twofetch.OutcomeNoDocuments {
						t.Fatalf("outcome %s (%v), want no_documents\n%s", res.Outcome, err, steps(res))
					}
					after := p.Stats()
					if after.CodesAccepted != before.CodesAccepted+1 || after.PasswordLogins != before.PasswordLogins+1 || a.secrets.codes != 1 {
						t.Errorf("codes accepted %d→%d, password logins %d→%d, %d codes used; want one of each\n%s",
							before.CodesAccepted, after.CodesAccepted, before.PasswordLogins, after.PasswordLogins, a.secrets.codes, steps(res))
					}
					// Google prompts the phone first; the script must leave it
					// for the authenticator, never answer with the phone.
					if got := p.DevicePicks()[picks:]; len(got) != 1 || got[0] != "6" {
						t.Errorf("methods chosen %q, want the authenticator (type 6) once", got)
					}
					if !noStepFailed(res) {
						t.Errorf("a step failed\n%s", steps(res))
					}
				})

				t.Run("second run reuses the session", func(t *testing.T) {
					before, codes := p.Stats(), a.secrets.codes
					res, err := e.run(t, id, a)
					if err != nil || res.Outcome != twofetch.OutcomeNoDocuments {
						t.Fatalf("outcome %s (%v), want no_documents\n%s", res.Outcome, err, steps(res))
					}
					if !res.SessionReused || p.Stats().PasswordLogins != before.PasswordLogins || a.secrets.codes != codes {
						t.Errorf("session reused %v, password logins %d→%d, %d codes used; want the kept session\n%s",
							res.SessionReused, before.PasswordLogins, p.Stats().PasswordLogins, a.secrets.codes-codes, steps(res))
					}
				})

				for _, tc := range own[id] {
					t.Run(tc.name, func(t *testing.T) {
						b := e.account(t, p)
						if tc.bad {
							b.secrets.password += "-wrong"
						}
						p.SetMode(tc.mode)
						defer p.SetMode(0)
						before := p.Stats()
						res, err := e.run(t, id, b)
						if got := twofetch.OutcomeOf(err); got != tc.want {
							t.Fatalf("outcome %s (%v), want %s\n%s", got, err, tc.want, steps(res))
						}
						if !noStepFailed(res) {
							t.Errorf("a step failed: the outcome was recognised only after a wait ran out\n%s", steps(res))
						}
						if strings.Contains(err.Error(), b.secrets.password) {
							t.Error("the error holds the password")
						}
						var re *twofetch.RunError
						errors.As(err, &re)
						switch tc.mode {
						case replica.RejectCode:
							if b.secrets.codes != 1 {
								t.Errorf("%d codes used, want exactly one", b.secrets.codes)
							}
						case replica.PushOnly:
							if b.secrets.codes != 0 || !strings.Contains(err.Error(), "Set up authenticator") {
								t.Errorf("%d codes used; the guidance %q does not say how to add an authenticator app", b.secrets.codes, err)
							}
						case replica.RefuseBrowser:
							// Google refuses before the password: nothing is
							// typed into a page that refuses the browser, and
							// the run says it must not be retried today.
							if b.secrets.codes != 0 || p.Stats().PasswordLogins != before.PasswordLogins || re == nil || !re.NoRetry {
								t.Errorf("%d codes, %d passwords, no-retry %v; want none, none, true", b.secrets.codes,
									p.Stats().PasswordLogins-before.PasswordLogins, re != nil && re.NoRetry)
							}
							if !strings.Contains(err.Error(), "support") {
								t.Errorf("the detail %q holds no guidance for support", err)
							}
						default:
							if b.secrets.codes != 0 {
								t.Errorf("%d codes used, want none", b.secrets.codes)
							}
						}
						if tc.mode != replica.RefuseBrowser && re != nil && re.NoRetry {
							t.Errorf("%s is marked not to be retried", tc.want)
						}
					})
				}
			})
		}
	})

	// The sessions of the family end together, so this runs after the
	// products above.
	t.Run("an expired session signs in again on the trusted browser", func(t *testing.T) {
		p := e.srv.Portal("google-workspace")
		a := e.account(t, p)
		if res, err := e.run(t, "google-workspace", a); err != nil {
			t.Fatalf("first run: %v\n%s", err, steps(res))
		}
		p.ExpireSessions()
		before, codes := p.Stats(), a.secrets.codes
		res, err := e.run(t, "google-workspace", a)
		if err != nil || res.Outcome != twofetch.OutcomeNoDocuments {
			t.Fatalf("outcome %s (%v), want no_documents\n%s", res.Outcome, err, steps(res))
		}
		// The first code ticked "Don't ask again on this computer": Google
		// asks this browser for the password only.
		if res.SessionReused || p.Stats().PasswordLogins != before.PasswordLogins+1 || a.secrets.codes != codes {
			t.Errorf("session reused %v, password logins %d→%d, %d codes used; want a password sign-in on the trusted browser\n%s",
				res.SessionReused, before.PasswordLogins, p.Stats().PasswordLogins, a.secrets.codes-codes, steps(res))
		}
	})
}

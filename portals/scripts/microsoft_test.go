package scripts_test

import (
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/replica"
)

// The Microsoft portals sign in through the shared login/microsoft
// fragment. No documents page of either is publicly known, so a good run
// signs in, answers the second step and ends no_documents.
func TestMicrosoftScripts(t *testing.T) {
	e := setup(t)
	want := func(t *testing.T, res *portals.Result, err error, outcome twofetch.Outcome) {
		t.Helper()
		if res == nil || res.Outcome != outcome || (err == nil) != (outcome == twofetch.OutcomeNoDocuments) {
			t.Fatalf("outcome %v (%v), want %s\n%s", res.Outcome, err, outcome, steps(res))
		}
	}
	for _, id := range []string{"office365", "microsoft-ads"} {
		t.Run(id, func(t *testing.T) {
			p := e.srv.Portal(id)
			a := e.account(t, p)

			t.Run("login with TOTP past the app notification", func(t *testing.T) {
				before := p.Stats()
				res, err := e.run(t, id, a)
				want(t, res, err, twofetch.OutcomeNoDocuments)
				after := p.Stats()
				if after.CodesAccepted != before.CodesAccepted+1 || after.PasswordLogins != before.PasswordLogins+1 || a.secrets.codes != 1 {
					t.Errorf("codes accepted %d→%d, password logins %d→%d, %d codes used; want one of each\n%s",
						before.CodesAccepted, after.CodesAccepted, before.PasswordLogins, after.PasswordLogins, a.secrets.codes, steps(res))
				}
				if !noStepFailed(res) {
					t.Errorf("a step failed\n%s", steps(res))
				}
			})

			t.Run("second run reuses the kept session", func(t *testing.T) {
				before, codes := p.Stats(), a.secrets.codes
				res, err := e.run(t, id, a)
				want(t, res, err, twofetch.OutcomeNoDocuments)
				if !res.SessionReused || p.Stats().PasswordLogins != before.PasswordLogins || a.secrets.codes != codes {
					t.Errorf("session reused %v, password logins %d→%d, %d codes used; want the session kept (\"Stay signed in?\" answered yes)\n%s",
						res.SessionReused, before.PasswordLogins, p.Stats().PasswordLogins, a.secrets.codes-codes, steps(res))
				}
			})

			t.Run("an expired session signs in again", func(t *testing.T) {
				p.ExpireSessions()
				before, codes := p.Stats(), a.secrets.codes
				res, err := e.run(t, id, a)
				want(t, res, err, twofetch.OutcomeNoDocuments)
				if res.SessionReused || p.Stats().PasswordLogins != before.PasswordLogins+1 || a.secrets.codes != codes+1 {
					t.Errorf("session reused %v, password logins %d→%d, %d codes used; want a fresh sign-in with one code\n%s",
						res.SessionReused, before.PasswordLogins, p.Stats().PasswordLogins, a.secrets.codes-codes, steps(res))
				}
			})

			t.Run("wrong password", func(t *testing.T) {
				b := e.account(t, p)
				b.secrets.password += "-wrong"
				res, err := e.run(t, id, b)
				want(t, res, err, twofetch.OutcomeBadCredentials)
				if !noStepFailed(res) || b.secrets.codes != 0 {
					t.Errorf("a step failed or a code was used (%d)\n%s", b.secrets.codes, steps(res))
				}
				if strings.Contains(err.Error(), b.secrets.password) {
					t.Error("the error holds the password")
				}
			})

			t.Run("code refused", func(t *testing.T) {
				b := e.account(t, p)
				p.SetMode(replica.RejectCode)
				defer p.SetMode(0)
				res, err := e.run(t, id, b)
				want(t, res, err, twofetch.OutcomeOTPRejected)
				if !noStepFailed(res) || b.secrets.codes != 1 {
					t.Errorf("a step failed or not exactly one code was used (%d)\n%s", b.secrets.codes, steps(res))
				}
			})

			t.Run("number-matching push only", func(t *testing.T) {
				b := e.account(t, p)
				p.SetMode(replica.PushOnly)
				defer p.SetMode(0)
				res, err := e.run(t, id, b)
				want(t, res, err, twofetch.OutcomeUnsupported2FA)
				if !noStepFailed(res) || b.secrets.codes != 0 {
					t.Errorf("a step failed or a code was used (%d)\n%s", b.secrets.codes, steps(res))
				}
				if !strings.Contains(err.Error(), "different authenticator app") {
					t.Errorf("the guidance does not say how to add an authenticator app: %q", err)
				}
			})
		})
	}
}

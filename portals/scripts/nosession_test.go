package scripts_test

import (
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals/replica"
)

// TestSignInWithoutSession runs the scripts of Docusign, MongoDB Atlas and
// BILL, whose web pages listing their own invoices no source shows: each
// signs in with the password and the authenticator code and ends with no
// documents. No signed-in page is known to keep a session by, so the next
// run signs in again with a fresh code.
func TestSignInWithoutSession(t *testing.T) {
	e := setup(t)
	for _, id := range []string{"docusign", "mongodb-atlas", "bill-com"} {
		t.Run(id, func(t *testing.T) {
			p := e.srv.Portal(id)
			a := e.account(t, p)
			before := p.Stats()
			res, err := e.run(t, id, a)
			if err != nil || res.Outcome != twofetch.OutcomeNoDocuments {
				t.Fatalf("outcome %s (%v), want no_documents\n%s", res.Outcome, err, steps(res))
			}
			if after := p.Stats(); after.CodesAccepted != before.CodesAccepted+1 || a.secrets.codes != 1 || !noStepFailed(res) {
				t.Errorf("codes accepted %d→%d, %d codes used, no step failed: %v\n%s", before.CodesAccepted, after.CodesAccepted, a.secrets.codes, noStepFailed(res), steps(res))
			}
			logins := p.Stats().PasswordLogins
			res, err = e.run(t, id, a)
			if err != nil || res.Outcome != twofetch.OutcomeNoDocuments || a.secrets.codes != 2 || p.Stats().PasswordLogins != logins+1 {
				t.Errorf("second run: outcome %s (%v), %d codes in all, want 2 after a full sign-in\n%s", res.Outcome, err, a.secrets.codes, steps(res))
			}

			for _, m := range []misbehaviour{
				{name: "wrong password", bad: true, want: twofetch.OutcomeBadCredentials},
				{name: "code rejected", mode: replica.RejectCode, want: twofetch.OutcomeOTPRejected},
				{name: "changed layout", mode: replica.ChangedLayout, want: twofetch.OutcomePortalChanged},
			} {
				t.Run(m.name, func(t *testing.T) {
					b := e.account(t, p)
					if m.bad {
						b.secrets.password += "-wrong"
					}
					p.SetMode(m.mode)
					defer p.SetMode(0)
					r := e.runner
					if m.want == twofetch.OutcomePortalChanged {
						r = e.quick
					}
					res, err := e.runWith(t, r, id, b)
					if got := twofetch.OutcomeOf(err); got != m.want {
						t.Errorf("outcome %s (%v), want %s\n%s", got, err, m.want, steps(res))
					}
					if err != nil && strings.Contains(err.Error(), b.secrets.password) {
						t.Error("the error holds the password")
					}
				})
			}
		})
	}
}

package scripts_test

import (
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals/replica"
)

// BitNinja.io's sign-in is known only by its start page: the script keys
// on the standard autocomplete hints of a guessed form. No signed-in page
// is known to check a session by, so every run signs in with a fresh code,
// and no source shows its invoices, so every run ends with no documents.
func TestBitNinjaSignIn(t *testing.T) {
	const id = "bitninja"
	e := setup(t)
	p := e.srv.Portal(id)
	a := e.account(t, p)
	// Two codes an account may use within one time step (the second as
	// clock drift); a third would wait for the next step.
	signIn := func(t *testing.T, a *account, codes int) {
		t.Helper()
		before := p.Stats()
		res, err := e.run(t, id, a)
		if err != nil || res.Outcome != twofetch.OutcomeNoDocuments || res.New != 0 {
			t.Fatalf("outcome %s (%v), %d new; want no_documents\n%s", res.Outcome, err, res.New, steps(res))
		}
		after := p.Stats()
		if res.SessionReused || after.PasswordLogins != before.PasswordLogins+1 || after.CodesAccepted != before.CodesAccepted+1 || a.secrets.codes != codes {
			t.Errorf("session reused %v, password logins %d→%d, codes accepted %d→%d, %d codes in all; want a full sign-in with code %d\n%s",
				res.SessionReused, before.PasswordLogins, after.PasswordLogins, before.CodesAccepted, after.CodesAccepted, a.secrets.codes, codes, steps(res))
		}
		if !noStepFailed(res) {
			t.Errorf("a step failed\n%s", steps(res))
		}
	}
	t.Run("login with TOTP", func(t *testing.T) { signIn(t, a, 1) })
	t.Run("second run signs in again and finds nothing new", func(t *testing.T) { signIn(t, a, 2) })
	t.Run("an expired session signs in again", func(t *testing.T) {
		b := e.account(t, p)
		signIn(t, b, 1)
		p.ExpireSessions()
		signIn(t, b, 2)
	})

	for _, m := range []misbehaviour{
		{name: "wrong password", bad: true, want: twofetch.OutcomeBadCredentials, detail: "rejected the e-mail address or password"},
		{name: "code refused", mode: replica.RejectCode, want: twofetch.OutcomeOTPRejected, detail: "did not accept the code"},
	} {
		t.Run(m.name, func(t *testing.T) {
			b := e.account(t, p)
			if m.bad {
				b.secrets.password += "-wrong"
			}
			p.SetMode(m.mode)
			defer p.SetMode(0)
			res, err := e.run(t, id, b)
			if got := twofetch.OutcomeOf(err); got != m.want || !strings.Contains(err.Error(), m.detail) {
				t.Errorf("outcome %s (%v), want %s saying %q\n%s", got, err, m.want, m.detail, steps(res))
			}
			if !noStepFailed(res) {
				t.Errorf("the outcome was found by waiting, not by the page\n%s", steps(res))
			}
			if strings.Contains(err.Error(), b.secrets.password) {
				t.Error("the error holds the password")
			}
			if used := b.secrets.codes; (m.want == twofetch.OutcomeOTPRejected) != (used == 1) {
				t.Errorf("%d codes used", used)
			}
		})
	}
}

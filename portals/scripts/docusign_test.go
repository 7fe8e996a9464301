package scripts_test

import (
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals/replica"
)

// TestDocusignSignInOnly runs the Docusign script, whose documents no
// source shows in the web app: it signs in with the e-mail, the password
// and the authenticator code and ends with no documents; the next run signs
// in again with a fresh code, since no signed-in page is known to keep a
// session by.
func TestDocusignSignInOnly(t *testing.T) {
	e := setup(t)
	p := e.srv.Portal("docusign")
	a := e.account(t, p)
	before := p.Stats()
	res, err := e.run(t, "docusign", a)
	if err != nil || res.Outcome != twofetch.OutcomeNoDocuments {
		t.Fatalf("outcome %s (%v), want no_documents\n%s", res.Outcome, err, steps(res))
	}
	if after := p.Stats(); after.CodesAccepted != before.CodesAccepted+1 || a.secrets.codes != 1 || !noStepFailed(res) {
		t.Errorf("codes accepted %d→%d, %d codes used, a step failed: %v\n%s", before.CodesAccepted, after.CodesAccepted, a.secrets.codes, !noStepFailed(res), steps(res))
	}
	logins := p.Stats().PasswordLogins
	if res, err := e.run(t, "docusign", a); err != nil || res.Outcome != twofetch.OutcomeNoDocuments || a.secrets.codes != 2 || p.Stats().PasswordLogins != logins+1 {
		t.Errorf("second run: outcome %s (%v), %d codes; want no_documents after a full sign-in\n%s", res.Outcome, err, a.secrets.codes, steps(res))
	}

	for _, tc := range []misbehaviour{
		{name: "wrong password", bad: true, want: twofetch.OutcomeBadCredentials},
		{name: "code rejected", mode: replica.RejectCode, want: twofetch.OutcomeOTPRejected},
		{name: "changed layout", mode: replica.ChangedLayout, want: twofetch.OutcomePortalChanged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := e.account(t, p)
			if tc.bad {
				b.secrets.password += "-wrong"
			}
			p.SetMode(tc.mode)
			defer p.SetMode(0)
			r := e.runner
			if tc.want == twofetch.OutcomePortalChanged {
				r = e.quick
			}
			res, err := e.runWith(t, r, "docusign", b)
			if got := twofetch.OutcomeOf(err); got != tc.want {
				t.Errorf("outcome %s (%v), want %s\n%s", got, err, tc.want, steps(res))
			}
			if err != nil && strings.Contains(err.Error(), b.secrets.password) {
				t.Error("the error holds the password")
			}
		})
	}
}

package scripts_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/replica"
)

// signInOnly runs a script whose documents no source shows: it signs in
// through its family's shared sign-in with one code, keeps the session for
// the next run, signs in again once the session expired, and ends every
// misbehaviour of the sign-in in its own outcome, the portal's own cases
// (extra) included.
func signInOnly(t *testing.T, e *env, id string, extra ...misbehaviour) {
	t.Helper()
	p := e.srv.Portal(id)
	a := e.account(t, p)
	want := func(t *testing.T, res *portals.Result, err error, outcome twofetch.Outcome) {
		t.Helper()
		if res == nil || res.Outcome != outcome || (err == nil) != (outcome == twofetch.OutcomeNoDocuments) {
			t.Fatalf("outcome %v (%v), want %s\n%s", res.Outcome, err, outcome, steps(res))
		}
	}

	t.Run("login with TOTP", func(t *testing.T) {
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
			t.Errorf("session reused %v, password logins %d→%d, %d codes used; want the session kept\n%s",
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

	cases := append([]misbehaviour{
		{name: "wrong password", bad: true, want: twofetch.OutcomeBadCredentials},
		{name: "code refused", mode: replica.RejectCode, want: twofetch.OutcomeOTPRejected},
	}, extra...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := e.account(t, p)
			if tc.bad {
				b.secrets.password += "-wrong"
			}
			p.SetMode(tc.mode)
			defer p.SetMode(0)
			res, err := e.run(t, id, b)
			if got := twofetch.OutcomeOf(err); got != tc.want {
				t.Errorf("outcome %s (%v), want %s\n%s", got, err, tc.want, steps(res))
			}
			if !noStepFailed(res) {
				t.Errorf("a step failed\n%s", steps(res))
			}
			if err != nil && strings.Contains(err.Error(), b.secrets.password) {
				t.Error("the error holds the password")
			}
			if tc.detail != "" && (err == nil || !strings.Contains(err.Error(), tc.detail)) {
				t.Errorf("the error %q does not say %q", err, tc.detail)
			}
			if tc.want != twofetch.OutcomeOTPRejected && b.secrets.codes != 0 {
				t.Errorf("%d codes used, want none", b.secrets.codes)
			}
		})
	}
}

// unknownAddress runs the script for an address the portal has no account
// for; no code may be used.
func unknownAddress(t *testing.T, e *env, id string, want twofetch.Outcome) {
	t.Helper()
	p := e.srv.Portal(id)
	a := e.account(t, p)
	a.email = fmt.Sprintf("nobody-%d@example.com", e.users.Add(1))
	res, err := e.run(t, id, a)
	if got := twofetch.OutcomeOf(err); got != want || a.secrets.codes != 0 {
		t.Errorf("outcome %s (%v), %d codes used; want %s and none\n%s", got, err, a.secrets.codes, want, steps(res))
	}
}

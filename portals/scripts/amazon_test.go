package scripts_test

import (
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals/replica"
)

// TestAmazonOrderPages runs the Amazon.de script for a customer whose
// orders of one year fill more than one page of the order history.
func TestAmazonOrderPages(t *testing.T) {
	e := setup(t)
	p := e.srv.Portal("amazon-de")
	a := e.account(t, p)
	for range 11 {
		if _, err := p.AddInvoice(a.email); err != nil {
			t.Fatal(err)
		}
	}
	res, err := e.run(t, "amazon-de", a)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, steps(res))
	}
	if want := len(p.Invoices(a.email)); res.Outcome != twofetch.OutcomeOK || res.New != want {
		t.Fatalf("outcome %s, %d new; want ok, %d\n%s", res.Outcome, res.New, want, steps(res))
	}
	for _, inv := range p.Invoices(a.email) {
		if a.store.docs[inv.ID] == nil {
			t.Errorf("order %s (%s) not stored", inv.Number, inv.Date.Format("2006-01-02"))
		}
	}
}

// TestAmazonSignInOnly runs the Amazon-family scripts whose documents no
// source shows: they sign in through the shared Amazon sign-in, answer the
// code, and end with no documents; every misbehaviour of the sign-in ends
// in its own outcome.
func TestAmazonSignInOnly(t *testing.T) {
	e := setup(t)
	for _, id := range []string{"audible-de", "amazon-sellercentral"} {
		t.Run(id, func(t *testing.T) {
			p := e.srv.Portal(id)
			a := e.account(t, p)
			before, picks := p.Stats(), len(p.DevicePicks())
			res, err := e.run(t, id, a)
			if res.Outcome != twofetch.OutcomeNoDocuments || err != nil {
				t.Fatalf("outcome %s (%v), want no_documents\n%s", res.Outcome, err, steps(res))
			}
			if after := p.Stats(); after.CodesAccepted != before.CodesAccepted+1 || a.secrets.codes != 1 {
				t.Errorf("codes accepted %d→%d, %d codes used; want one\n%s", before.CodesAccepted, after.CodesAccepted, a.secrets.codes, steps(res))
			}
			if !noStepFailed(res) {
				t.Errorf("a step failed\n%s", steps(res))
			}
			// Seller Central asks where the code comes from: the
			// authenticator must be chosen, never the phone.
			if got := p.DevicePicks()[picks:]; id == "amazon-sellercentral" {
				if len(got) != 1 || !strings.HasSuffix(got[0], "TOTP") {
					t.Errorf("device picker answered %q, want the authenticator once", got)
				}
			} else if len(got) != 0 {
				t.Errorf("a device picker was answered (%q) where none is shown", got)
			}

			// No signed-in page is known to test a kept session with, so
			// the next run signs in again, with a fresh code.
			codes, logins := a.secrets.codes, p.Stats().PasswordLogins
			res, err = e.run(t, id, a)
			if res.Outcome != twofetch.OutcomeNoDocuments || err != nil || a.secrets.codes != codes+1 || p.Stats().PasswordLogins != logins+1 {
				t.Errorf("second run: outcome %s (%v), %d more codes, %d more passwords; want no_documents after a full sign-in\n%s",
					res.Outcome, err, a.secrets.codes-codes, p.Stats().PasswordLogins-logins, steps(res))
			}

			for _, tc := range []misbehaviour{
				{name: "wrong password", bad: true, want: twofetch.OutcomeBadCredentials},
				{name: "code rejected", mode: replica.RejectCode, want: twofetch.OutcomeOTPRejected},
				{name: "captcha", mode: replica.Captcha, want: twofetch.OutcomeCaptcha},
				{name: "app approval", mode: replica.PushOnly, want: twofetch.OutcomeUnsupported2FA},
				{name: "e-mail device check", mode: replica.NewDevice, want: twofetch.OutcomeActionNeeded},
			} {
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
					if err != nil && strings.Contains(err.Error(), b.secrets.password) {
						t.Error("the error holds the password")
					}
				})
			}
		})
	}
}

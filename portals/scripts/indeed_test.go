package scripts_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/replica"
	"github.com/twofetch/twofetch/portals/scripts"
)

func init() { noAuthenticator["indeed"] = true }

// TestIndeed runs the Indeed script, which has no code to type (Indeed
// offers no authenticator app), for a login without an authenticator key:
// it fetches the receipts while Indeed asks for no second factor, keeps
// the session, and ends in its own outcome on each page that stops it.
func TestIndeed(t *testing.T) {
	const id = "indeed"
	e := setup(t)
	p := e.srv.Portal(id)
	a := e.account(t, p)
	a.secrets.key = nil // nothing to enrol at Indeed

	t.Run("login without a second factor and download", func(t *testing.T) {
		res, err := e.run(t, id, a)
		if err != nil || res.Outcome != twofetch.OutcomeOK || res.New != 3 {
			t.Fatalf("outcome %v (%v), %d new; want ok, 3\n%s", res.Outcome, err, res.New, steps(res))
		}
		for _, inv := range p.Invoices(a.email) {
			d := a.store.docs[inv.ID]
			if d == nil {
				t.Errorf("receipt %s not stored", inv.ID)
				continue
			}
			if !bytes.HasPrefix(d.Data, []byte("%PDF-")) || d.Kind != twofetch.KindReceipt || d.Number != inv.Number {
				t.Errorf("receipt %s: kind %q, number %q, %d bytes", inv.ID, d.Kind, d.Number, len(d.Data))
			}
			if want := inv.Date.Format(time.DateOnly); d.Date != want {
				t.Errorf("receipt %s: date %q, want %q", inv.ID, d.Date, want)
			}
			if want := fmt.Sprintf("%d.%02d", inv.Amount/100, inv.Amount%100); d.Amount != want || d.Currency != "USD" {
				t.Errorf("receipt %s: amount %q %q, want %s USD", inv.ID, d.Amount, d.Currency, want)
			}
		}
		if a.secrets.codes != 0 {
			t.Errorf("%d codes asked for", a.secrets.codes)
		}
	})

	t.Run("second run finds nothing new", func(t *testing.T) {
		before := p.Stats()
		res, err := e.run(t, id, a)
		if err != nil || res.Outcome != twofetch.OutcomeNoDocuments || !res.SessionReused || p.Stats().PasswordLogins != before.PasswordLogins {
			t.Errorf("outcome %v (%v), session reused %v; want no_documents in the kept session\n%s", res.Outcome, err, res.SessionReused, steps(res))
		}
	})

	t.Run("a new receipt is fetched", func(t *testing.T) {
		inv, err := p.AddInvoice(a.email)
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.run(t, id, a)
		if err != nil || res.Outcome != twofetch.OutcomeOK || res.New != 1 || a.store.docs[inv.ID] == nil {
			t.Errorf("outcome %v (%v), %d new; want ok, 1 (%s)\n%s", res.Outcome, err, res.New, inv.ID, steps(res))
		}
	})

	t.Run("an expired session signs in again", func(t *testing.T) {
		p.ExpireSessions()
		before := p.Stats()
		res, err := e.run(t, id, a)
		if err != nil || res.Outcome != twofetch.OutcomeNoDocuments || res.SessionReused || p.Stats().PasswordLogins != before.PasswordLogins+1 {
			t.Errorf("outcome %v (%v), session reused %v, password logins %d→%d; want a fresh sign-in\n%s",
				res.Outcome, err, res.SessionReused, before.PasswordLogins, p.Stats().PasswordLogins, steps(res))
		}
		if a.secrets.codes != 0 {
			t.Errorf("%d codes asked for", a.secrets.codes)
		}
	})

	cases := []misbehaviour{
		{name: "wrong password", bad: true, want: twofetch.OutcomeBadCredentials, detail: "rejected the e-mail address or password"},
		// Indeed's only second factor: a code by text message or call.
		{name: "2-step verification code by text", mode: replica.PushOnly, want: twofetch.OutcomeUnsupported2FA,
			detail: "Indeed offers no authenticator app"},
		{name: "Cloudflare challenge", mode: replica.Captcha, want: twofetch.OutcomeCaptcha, detail: "Cloudflare"},
		{name: "Cloudflare block page", mode: replica.Blocked, want: twofetch.OutcomeBlocked, detail: "Sorry, you have been blocked"},
		{name: "down", mode: replica.Down, want: twofetch.OutcomePortalDown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := e.account(t, p)
			b.secrets.key = nil
			if tc.bad {
				b.secrets.password += "-wrong"
			}
			p.SetMode(tc.mode)
			defer p.SetMode(0)
			r := e.runner
			if tc.want == twofetch.OutcomePortalDown {
				r = e.quick
			}
			res, err := e.runWith(t, r, id, b)
			if got := twofetch.OutcomeOf(err); got != tc.want {
				t.Errorf("outcome %s (%v), want %s\n%s", got, err, tc.want, steps(res))
			}
			if tc.detail != "" && (err == nil || !strings.Contains(err.Error(), tc.detail)) {
				t.Errorf("the error %q does not say %q", err, tc.detail)
			}
			if err != nil && strings.Contains(err.Error(), b.secrets.password) {
				t.Error("the error holds the password")
			}
			if b.secrets.codes != 0 || len(b.store.docs) != 0 {
				t.Errorf("%d codes asked for, %d documents stored; want none", b.secrets.codes, len(b.store.docs))
			}
		})
	}
}

// TestIndeedWithoutAuthenticator: the portal table and the enrolment help
// say that Indeed has no authenticator app, and the script never types a
// code.
func TestIndeedWithoutAuthenticator(t *testing.T) {
	reg, err := portals.Load(scripts.FS)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := reg.Get("indeed")
	if !ok {
		t.Fatal("no indeed script")
	}
	if !strings.Contains(portals.MarkdownTable(reg), "| `indeed` | [Indeed](https://employers.indeed.com/) | * | sms, call (no authenticator app) |") {
		t.Error("the portal table does not say that Indeed has no authenticator app")
	}
	if s.Enrollment == nil || !strings.Contains(s.Enrollment.Note.In("en"), "Indeed offers no authenticator app") {
		t.Errorf("the enrolment help does not say that Indeed has no authenticator app: %+v", s.Enrollment)
	}
	// ActiveCampaign's login, which types a code, shows the check can fail.
	for id, want := range map[string]bool{"indeed": false, "activecampaign": true} {
		other, _ := reg.Get(id)
		b, err := json.Marshal(other.Login)
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.Contains(b, []byte("{{otp}}")); got != want {
			t.Errorf("%s: the login types a code: %v, want %v", id, got, want)
		}
	}
}

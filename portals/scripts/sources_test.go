package scripts_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/otpauth"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/replica"
	"github.com/twofetch/twofetch/portals/scripts"
)

// sourcePortals are the portals known from the source documents
// (portals/sources): no documents page is known for any of them, so their
// runs sign in, answer the second factor and fetch nothing.
var sourcePortals = []string{"financecloud", "iv-produkt-cloud", "finrust", "smart-workplace"}

// counterSecrets gives MobilePASS codes as the vault does: the counter
// advances with every code handed out, refused or not.
type counterSecrets struct {
	password string
	mu       sync.Mutex
	key      *otpauth.Key
	codes    int
}

func (s *counterSecrets) Password(context.Context) (string, error)  { return s.password, nil }
func (s *counterSecrets) HasKey(context.Context) (bool, error)      { return true, nil }
func (s *counterSecrets) Cookies(context.Context) ([]byte, error)   { return nil, twofetch.ErrNotFound }
func (s *counterSecrets) SaveCookies(context.Context, []byte) error { return nil }

func (s *counterSecrets) Code(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.key.Code(s.key.Counter)
	s.key.Counter++
	s.codes++
	return c, err
}

func (e *env) runSecrets(t *testing.T, r *portals.Runner, id, email string, sec portals.Secrets) (*portals.Result, error) {
	t.Helper()
	st := &store{docs: map[string]*portals.Document{}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return r.Run(ctx, &portals.Job{Portal: id, Username: email, Secrets: sec, Known: st.known, Save: st.save})
}

// noStepFailed reports whether every step of the run succeeded, so a run
// that ended on an outcome rule did not wait for anything that never came.
func noStepFailed(res *portals.Result) bool {
	for _, s := range res.Steps {
		if s.Err != "" {
			return false
		}
	}
	return true
}

func TestSourceDocumentScripts(t *testing.T) {
	e := setup(t)
	reg, err := portals.Load(scripts.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range sourcePortals {
		if s, ok := reg.Get(id); !ok || len(s.Documents) != 0 {
			t.Fatalf("%s: no script, or a documents flow the source document does not show", id)
		}
	}
	want := func(t *testing.T, res *portals.Result, err error, outcome twofetch.Outcome) {
		t.Helper()
		if got := res.Outcome; got != outcome || (err == nil) != (outcome == twofetch.OutcomeNoDocuments) {
			t.Fatalf("outcome %s (%v), want %s\n%s", got, err, outcome, steps(res))
		}
	}

	t.Run("financecloud ends at the smartIDENT prompt at once", func(t *testing.T) {
		p := e.srv.Portal("financecloud")
		a := e.account(t, p)
		approvals, _ := p.SmartIDENT()
		res, err := e.run(t, "financecloud", a)
		want(t, res, err, twofetch.OutcomeUnsupported2FA)
		if msg := err.Error(); !strings.Contains(msg, "smartIDENT-App") || !strings.Contains(msg, "Laden Sie Ihre Unterlagen bitte selbst") {
			t.Errorf("the customer's guidance is not the German smartIDENT text: %q", msg)
		}
		if now, _ := p.SmartIDENT(); now != approvals+1 {
			t.Errorf("%d smartIDENT approvals requested, want 1", now-approvals)
		}
		// Ended by the outcome rule on the prompt, not by waiting for a
		// page that would only come after the approval.
		if !noStepFailed(res) || a.secrets.codes != 0 {
			t.Errorf("a step failed or a code was asked for (%d)\n%s", a.secrets.codes, steps(res))
		}
		b := e.account(t, p)
		b.secrets.password += "-wrong"
		res, err = e.run(t, "financecloud", b)
		want(t, res, err, twofetch.OutcomeBadCredentials)
	})

	for _, id := range []string{"iv-produkt-cloud", "finrust"} {
		t.Run(id+" answers the code prompt", func(t *testing.T) {
			p := e.srv.Portal(id)
			a := e.account(t, p)
			before := p.Stats()
			res, err := e.run(t, id, a)
			want(t, res, err, twofetch.OutcomeNoDocuments)
			if after := p.Stats(); after.CodesAccepted != before.CodesAccepted+1 || a.secrets.codes != 1 {
				t.Errorf("codes accepted %d→%d, %d codes used; want one code accepted\n%s", before.CodesAccepted, after.CodesAccepted, a.secrets.codes, steps(res))
			}

			p.SetMode(replica.RejectCode)
			res, err = e.run(t, id, a)
			p.SetMode(0)
			want(t, res, err, twofetch.OutcomeOTPRejected)
			if !noStepFailed(res) {
				t.Errorf("a refused code was found by waiting, not by the form coming back\n%s", steps(res))
			}

			b := e.account(t, p)
			b.secrets.password += "-wrong"
			res, err = e.run(t, id, b)
			want(t, res, err, twofetch.OutcomeBadCredentials)

			// An account whose second factor is not set up yet needs the
			// customer: the run asks for enrolment.
			email := fmt.Sprintf("setup%d@example.com", e.users.Add(1))
			key, err := p.AddUserToSetUp(email, "pw-"+email)
			if err != nil {
				t.Fatal(err)
			}
			c := &account{email: email, secrets: &secrets{password: "pw-" + email, key: key}, store: &store{docs: map[string]*portals.Document{}}}
			res, err = e.run(t, id, c)
			want(t, res, err, twofetch.OutcomeOTPMissing)
			if c.secrets.codes != 0 {
				t.Errorf("%d codes typed into the set-up form; the customer sets it up", c.secrets.codes)
			}
			if id == "finrust" {
				if _, tried := p.RecoveryCodes(email); tried != 0 {
					t.Errorf("%d recovery codes were typed", tried)
				}
			}
		})
	}

	t.Run("smart-workplace types the next MobilePASS code, never one refused before", func(t *testing.T) {
		p := e.srv.Portal("smart-workplace")
		email := fmt.Sprintf("mp%d@example.com", e.users.Add(1))
		token, err := p.AddMobilePassUser(email, "pw-"+email)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := otpauth.Parse(token)
		if err != nil || len(keys) != 1 || keys[0].Type != otpauth.MobilePass {
			t.Fatalf("token string %q: %v", token, err)
		}
		sec := &counterSecrets{password: "pw-" + email, key: keys[0]}
		run := func(mode replica.Mode) (*portals.Result, error) {
			p.SetMode(mode)
			defer p.SetMode(0)
			return e.runSecrets(t, e.runner, "smart-workplace", email, sec)
		}
		res, err := run(0)
		want(t, res, err, twofetch.OutcomeNoDocuments)
		res, err = run(replica.RejectCode)
		want(t, res, err, twofetch.OutcomeOTPRejected)
		res, err = run(0)
		want(t, res, err, twofetch.OutcomeNoDocuments)
		if got := p.MobilePassCounters(email); !slices.Equal(got, []int64{0, 1, 2}) {
			t.Errorf("counters of the codes typed: %v, want [0 1 2]: one per run, the refused one never again", got)
		}
		if !noStepFailed(res) {
			t.Errorf("a step failed\n%s", steps(res))
		}
	})
}

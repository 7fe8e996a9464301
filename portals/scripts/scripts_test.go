package scripts_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/otpauth"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/replica"
	"github.com/twofetch/twofetch/portals/scripts"
)

// secrets is one account's credentials as the vault would give them: a
// code is never handed out twice for the same time step, and cookies are
// kept between runs. When the current step is spent it hands out the next
// one, which portals accept as clock drift, and waits only beyond that.
type secrets struct {
	password string
	key      *otpauth.Key

	mu       sync.Mutex
	lastStep uint64
	codes    int
	cookies  []byte
}

func (s *secrets) Password(context.Context) (string, error) { return s.password, nil }

func (s *secrets) HasKey(context.Context) (bool, error) { return s.key != nil, nil }

func (s *secrets) Code(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		now := time.Now()
		step := s.key.Step(now)
		if s.lastStep >= step {
			step = s.lastStep + 1
		}
		if step <= s.key.Step(now)+1 {
			s.lastStep = step
			s.codes++
			return s.key.Code(step)
		}
		t := time.NewTimer(time.Until(s.key.StepEnd(step)))
		select {
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		case <-t.C:
		}
	}
}

func (s *secrets) Cookies(context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cookies == nil {
		return nil, twofetch.ErrNotFound
	}
	return s.cookies, nil
}

func (s *secrets) SaveCookies(_ context.Context, b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cookies = bytes.Clone(b)
	return nil
}

// store keeps documents by invoice id, as the invoice table would.
type store struct {
	mu   sync.Mutex
	docs map[string]*portals.Document
}

func (st *store) known(_ context.Context, ids []string) (map[string]bool, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := map[string]bool{}
	for _, id := range ids {
		if _, ok := st.docs[id]; ok {
			out[id] = true
		}
	}
	return out, nil
}

func (st *store) save(_ context.Context, d *portals.Document) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, dup := st.docs[d.PortalInvoiceID]; dup {
		return fmt.Errorf("document %s saved twice", d.PortalInvoiceID)
	}
	st.docs[d.PortalInvoiceID] = d
	return nil
}

type env struct {
	srv    *replica.Server
	runner *portals.Runner
	// quick is for runs that must end on an element that never comes.
	quick *portals.Runner
	users atomic.Int64
}

func setup(t *testing.T) *env {
	t.Helper()
	chrome := testenv.ChromePath(t)
	srv, err := replica.Start(replica.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	reg, err := portals.Load(scripts.FS)
	if err != nil {
		t.Fatalf("load scripts: %v", err)
	}
	// The scripts run in browser contexts of one shared browser: these
	// tests are about the scripts, and a browser per login, tested in
	// package portals, would start dozens more browsers.
	pool, err := portals.NewPool(context.Background(), portals.PoolConfig{ChromePath: chrome, SharedBrowser: true, ExtraFlags: srv.ChromeFlags()})
	if err != nil {
		testenv.Missing(t, "start Chromium: %v", err)
	}
	t.Cleanup(func() { pool.Close() })
	r := portals.NewRunner(reg, pool)
	// A missing element is found out after this long; replicas answer at
	// once, so a wait this long means the element is not coming.
	r.StepTimeout = 10 * time.Second
	quick := portals.NewRunner(reg, pool)
	quick.StepTimeout = 2 * time.Second
	// Keys still arrive one by one, faster than a person types: these
	// tests are about the scripts, not the typing.
	r.TypingGap = [2]time.Duration{time.Millisecond, 4 * time.Millisecond}
	quick.TypingGap = r.TypingGap
	return &env{srv: srv, runner: r, quick: quick}
}

// account is one replica user with its vault and invoice store.
type account struct {
	email   string
	secrets *secrets
	store   *store
}

func (e *env) account(t *testing.T, p *replica.Portal) *account {
	t.Helper()
	email := fmt.Sprintf("customer%d@example.com", e.users.Add(1))
	password := "pw-" + email
	key, err := p.AddUser(email, password)
	if err != nil {
		t.Fatal(err)
	}
	return &account{email: email, secrets: &secrets{password: password, key: key},
		store: &store{docs: map[string]*portals.Document{}}}
}

func (e *env) run(t *testing.T, id string, a *account) (*portals.Result, error) {
	t.Helper()
	return e.runWith(t, e.runner, id, a)
}

func (e *env) runWith(t *testing.T, r *portals.Runner, id string, a *account) (*portals.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return r.Run(ctx, &portals.Job{
		Portal: id, Username: a.email, Secrets: a.secrets, Fields: replica.DemoFields(id),
		Known: a.store.known, Save: a.store.save,
		ArtifactDir: testenv.Artifacts(t),
	})
}

func steps(res *portals.Result) string {
	var b bytes.Buffer
	for _, s := range res.Steps {
		fmt.Fprintln(&b, s)
	}
	return b.String()
}

type misbehaviour struct {
	name  string
	mode  replica.Mode
	bad   bool          // wrong password in the vault
	delay time.Duration // every page of the portal answers this late
	want  twofetch.Outcome
	// detail, when set, must be in the run's error: the guidance the
	// customer or support gets.
	detail string
}

// more gives each portal one further misbehaviour, so that every outcome
// rule kind is proven on two portals without running every mode on all.
var more = map[string]misbehaviour{
	"amazon-de":              {name: "captcha", mode: replica.Captcha, want: twofetch.OutcomeCaptcha},
	"amazon-fr":              {name: "captcha", mode: replica.Captcha, want: twofetch.OutcomeCaptcha},
	"ionos":                  {name: "captcha", mode: replica.Captcha, want: twofetch.OutcomeCaptcha},
	"digitalocean":           {name: "slow pages", delay: 300 * time.Millisecond, want: twofetch.OutcomeOK},
	"namecheap":              {name: "new device", mode: replica.NewDevice, want: twofetch.OutcomeActionNeeded},
	"dropbox":                {name: "new device", mode: replica.NewDevice, want: twofetch.OutcomeActionNeeded},
	"paypal":                 {name: "new device", mode: replica.NewDevice, want: twofetch.OutcomeActionNeeded},
	"paypal-monthly-summary": {name: "captcha", mode: replica.Captcha, want: twofetch.OutcomeCaptcha},
	"github":                 {name: "two-factor checkup postponed", mode: replica.Terms, want: twofetch.OutcomeOK},
	"slack":                  {name: "slow pages", delay: 300 * time.Millisecond, want: twofetch.OutcomeOK},
	"heroku":                 {name: "changed layout", mode: replica.ChangedLayout, want: twofetch.OutcomePortalChanged},
	"stripe":                 {name: "changed layout", mode: replica.ChangedLayout, want: twofetch.OutcomePortalChanged},
	"atlassian":              {name: "changed layout", mode: replica.ChangedLayout, want: twofetch.OutcomePortalChanged},
	"hetzner":                {name: "down", mode: replica.Down, want: twofetch.OutcomePortalDown},
	"zoom":                   {name: "down", mode: replica.Down, want: twofetch.OutcomePortalDown},
}

// refused are portals run once behind a portal-wide error page.
var refused = map[string]misbehaviour{
	"github": {name: "rate limited", mode: replica.RateLimited, want: twofetch.OutcomeRateLimited},
	"paypal": {name: "blocked", mode: replica.Blocked, want: twofetch.OutcomeBlocked},
}

// further are more of a portal's own pages that its sources show, each
// proving the script's rule for it.
var further = map[string][]misbehaviour{
	"amazon-fr": {
		{name: "app approval", mode: replica.PushOnly, want: twofetch.OutcomeUnsupported2FA},
		{name: "e-mail device check", mode: replica.NewDevice, want: twofetch.OutcomeActionNeeded},
	},
	"ionos": {
		{name: "app approval", mode: replica.PushOnly, want: twofetch.OutcomeUnsupported2FA},
		{name: "e-mail confirmation", mode: replica.NewDevice, want: twofetch.OutcomeActionNeeded},
	},
	"facebook": {
		{name: "new-device checkpoint", mode: replica.NewDevice, want: twofetch.OutcomeActionNeeded},
		{name: "changed layout", mode: replica.ChangedLayout, want: twofetch.OutcomePortalChanged},
	},
	"zoom": {
		{name: "reCAPTCHA refusal", mode: replica.Captcha, want: twofetch.OutcomeCaptcha},
		{name: "unusual sign-in", mode: replica.NewDevice, want: twofetch.OutcomeActionNeeded},
	},
}

// slow are portals run once with every page answering late: scripts wait
// for conditions, never for time, so a slow portal still works.
var slow = map[string]misbehaviour{
	"namecheap": {name: "slow pages", delay: 300 * time.Millisecond, want: twofetch.OutcomeOK},
	"amazon-de": {name: "slow pages", delay: 300 * time.Millisecond, want: twofetch.OutcomeOK},
}

// trustsDevice lists the portals whose code page offers "remember this
// device" (ticked by their scripts).
var trustsDevice = map[string]bool{
	"amazon-de": true, "amazon-fr": true, "paypal": true, "paypal-monthly-summary": true, "dropbox": true,
	"facebook": true,
}

// noAuthenticator lists the portals that offer no authenticator app: their
// scripts never type a code, and their own tests replace TestScripts'.
var noAuthenticator = map[string]bool{}

// kinds names the portals whose documents are not invoices.
var kinds = map[string]twofetch.DocumentKind{
	"paypal-monthly-summary": twofetch.KindStatement,
	"facebook":               twofetch.KindReceipt,
}

// TestHosts checks that every host a script opens is served by the
// replicas (Chrome is refused every other name) and that every replica has
// its script.
func TestHosts(t *testing.T) {
	srv, err := replica.Start(replica.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	reg, err := portals.Load(scripts.FS)
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, h := range srv.Hosts() {
		served[h] = true
	}
	for _, s := range reg.List() {
		if srv.Portal(s.ID) == nil {
			t.Errorf("script %s has no replica", s.ID)
		}
		for _, h := range s.Hosts {
			if strings.HasPrefix(h, "*.") {
				// A host per customer: some replica host must be one.
				if !slices.ContainsFunc(srv.Hosts(), func(x string) bool { return portals.HostListed([]string{h}, x) }) {
					t.Errorf("script %s lists hosts %s, none of which a replica serves", s.ID, h)
				}
				continue
			}
			if !served[h] {
				t.Errorf("script %s lists host %s, which no replica serves", s.ID, h)
			}
		}
	}
	for _, id := range replica.IDs() {
		if _, ok := reg.Get(id); !ok {
			t.Errorf("replica %s has no script", id)
		}
	}
}

func TestScripts(t *testing.T) {
	e := setup(t)
	reg, _ := portals.Load(scripts.FS)
	for _, id := range replica.IDs() {
		if s, ok := reg.Get(id); ok && len(s.Documents) == 0 {
			continue // signs in only: TestSourceDocumentScripts
		}
		if noAuthenticator[id] {
			continue // no code to type: the portal's own test
		}
		t.Run(id, func(t *testing.T) {
			if _, ok := reg.Get(id); !ok {
				t.Fatalf("no script for replica %s", id)
			}
			p := e.srv.Portal(id)
			a := e.account(t, p)

			t.Run("login with TOTP and download", func(t *testing.T) {
				res, err := e.run(t, id, a)
				if err != nil {
					t.Fatalf("run: %v\n%s", err, steps(res))
				}
				if res.Outcome != twofetch.OutcomeOK || res.New != 3 {
					t.Fatalf("outcome %s, %d new; want ok, 3\n%s", res.Outcome, res.New, steps(res))
				}
				if a.secrets.codes != 1 {
					t.Errorf("%d codes used, want 1", a.secrets.codes)
				}
				for _, inv := range p.Invoices(a.email) {
					d, ok := a.store.docs[inv.ID]
					if !ok {
						t.Errorf("invoice %s (%s) not stored", inv.ID, inv.Number)
						continue
					}
					if !bytes.HasPrefix(d.Data, []byte("%PDF-")) || d.ContentType != "application/pdf" || len(d.SHA256) != 64 {
						t.Errorf("invoice %s: %s, %d bytes, sha %q", inv.ID, d.ContentType, len(d.Data), d.SHA256)
					}
					if got, want := cmp.Or(d.Kind, twofetch.KindInvoice), cmp.Or(kinds[id], twofetch.KindInvoice); got != want {
						t.Errorf("document %s is stored as %s, want %s", inv.ID, got, want)
					}
					if want := inv.Date.Format(time.DateOnly); d.Date != "" && d.Date != want {
						t.Errorf("invoice %s: date %q, want %q", inv.ID, d.Date, want)
					}
					if want := fmt.Sprintf("%d.%02d", inv.Amount/100, inv.Amount%100); d.Amount != "" && (d.Amount != want || d.Currency != inv.Currency) {
						t.Errorf("invoice %s: amount %q %q, want %s %s", inv.ID, d.Amount, d.Currency, want, inv.Currency)
					}
				}
			})

			t.Run("second run finds nothing new", func(t *testing.T) {
				before := p.Stats()
				res, err := e.run(t, id, a)
				if err != nil {
					t.Fatalf("run: %v\n%s", err, steps(res))
				}
				if res.Outcome != twofetch.OutcomeNoDocuments || res.New != 0 {
					t.Errorf("outcome %s, %d new; want no_documents, 0\n%s", res.Outcome, res.New, steps(res))
				}
				if !res.SessionReused || p.Stats().PasswordLogins != before.PasswordLogins {
					t.Errorf("the kept session was not reused (reused %v)\n%s", res.SessionReused, steps(res))
				}
			})

			t.Run("a new invoice is fetched", func(t *testing.T) {
				inv, err := p.AddInvoice(a.email)
				if err != nil {
					t.Fatal(err)
				}
				res, err := e.run(t, id, a)
				if err != nil {
					t.Fatalf("run: %v\n%s", err, steps(res))
				}
				if res.Outcome != twofetch.OutcomeOK || res.New != 1 || a.store.docs[inv.ID] == nil {
					t.Errorf("outcome %s, %d new, stored %v; want ok, 1, %s\n%s", res.Outcome, res.New, a.store.docs[inv.ID] != nil, inv.ID, steps(res))
				}
			})

			t.Run("an expired session logs in again", func(t *testing.T) {
				p.ExpireSessions()
				before, codes := p.Stats(), a.secrets.codes
				res, err := e.run(t, id, a)
				if err != nil {
					t.Fatalf("run: %v\n%s", err, steps(res))
				}
				if res.Outcome != twofetch.OutcomeNoDocuments || res.SessionReused || p.Stats().PasswordLogins != before.PasswordLogins+1 {
					t.Errorf("outcome %s, session reused %v, password logins %d→%d; want no_documents after a fresh login\n%s",
						res.Outcome, res.SessionReused, before.PasswordLogins, p.Stats().PasswordLogins, steps(res))
				}
				// Where the script ticked "remember this device", the
				// portal trusts the browser and asks for no code.
				if used := a.secrets.codes - codes; trustsDevice[id] != (used == 0) {
					t.Errorf("%d codes used; portal offers remember-device: %v\n%s", used, trustsDevice[id], steps(res))
				}
			})

			cases := []misbehaviour{
				{name: "wrong password", bad: true, want: twofetch.OutcomeBadCredentials},
				{name: "code rejected", mode: replica.RejectCode, want: twofetch.OutcomeOTPRejected},
			}
			for _, m := range []map[string]misbehaviour{more, refused, slow} {
				if c, ok := m[id]; ok {
					cases = append(cases, c)
				}
			}
			cases = append(cases, further[id]...)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					b := e.account(t, p)
					if tc.bad {
						b.secrets.password += "-wrong"
					}
					p.SetMode(tc.mode)
					defer p.SetMode(0)
					p.SetDelay(tc.delay)
					defer p.SetDelay(0)
					r := e.runner
					switch tc.want {
					case twofetch.OutcomePortalChanged, twofetch.OutcomePortalDown, twofetch.OutcomeRateLimited, twofetch.OutcomeBlocked:
						r = e.quick
					}
					res, err := e.runWith(t, r, id, b)
					if got := twofetch.OutcomeOf(err); got != tc.want {
						t.Errorf("outcome %s (%v), want %s\n%s", got, err, tc.want, steps(res))
					}
					if tc.want == twofetch.OutcomeOK && res.New != 3 {
						t.Errorf("%d new documents, want 3", res.New)
					}
					if err != nil && strings.Contains(err.Error(), b.secrets.password) {
						t.Error("the error holds the password")
					}
				})
			}
		})
	}
}

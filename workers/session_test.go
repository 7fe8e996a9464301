package workers

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/replica"
	"github.com/twofetch/twofetch/portals/scripts"
	"github.com/twofetch/twofetch/vault"
)

// countingSecrets counts the codes the vault issues for a login.
type countingSecrets struct {
	*vault.AccountSecrets
	codes *atomic.Int64
}

func (c *countingSecrets) Code(ctx context.Context) (string, error) {
	v, err := c.AccountSecrets.Code(ctx)
	if err == nil {
		c.codes.Add(1)
	}
	return v, err
}

// A login's daily run signs in once and fetches every account behind it
// in the same browser session, with one code, recording a run per
// account; the documents of one product failing leaves the other's run
// ok; a refused sign-in ends both runs.
func TestLoginRunOneSession(t *testing.T) {
	chrome := testenv.ChromePath(t)
	t.Run("sqlite", func(t *testing.T) { testLoginRunOneSession(t, newEnv(t), chrome) })
	t.Run("postgres", func(t *testing.T) {
		testLoginRunOneSession(t, newEnvOn(t, t.TempDir(), testenv.PostgresURL(t)), chrome)
	})
}

// secondProduct stands for a second product on the Amazon.de session: no
// such product is scripted yet, so it is Amazon.de's own script under
// another id. Both read the order history of the same sign-in.
func secondProduct(t *testing.T, documents string) []byte {
	t.Helper()
	b, err := scripts.FS.ReadFile("amazon-de.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("id: amazon-de\n"), []byte("id: amazon-de-second\n"), 1)
	b = bytes.Replace(b, []byte("name: Amazon.de\n"), []byte("name: Amazon.de (second product)\n"), 1)
	if documents != "" {
		i := bytes.Index(b, []byte("\ndocuments:\n"))
		j := bytes.Index(b, []byte("\noutcomes:\n"))
		if i < 0 {
			t.Fatal("amazon-de.yaml has no documents section")
		}
		rest := []byte{}
		if j > i {
			rest = b[j:]
		}
		b = append(append(append([]byte{}, b[:i]...), []byte("\ndocuments:\n"+documents)...), rest...)
	}
	return b
}

func testLoginRunOneSession(t *testing.T, e *env, chrome string) {
	ctx := context.Background()
	rs, err := replica.Start(replica.Options{Portals: []string{"amazon-de"}})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	amazon := rs.Portal("amazon-de")
	email, password := "family@example.com", "pw-family"
	key, err := amazon.AddUser(email, password)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	writeScript := func(documents string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "amazon-de-second.yaml"), secondProduct(t, documents), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeScript("")
	builtin, err := portals.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	reg, err := builtin.WithDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if refused := reg.Refused(); len(refused) > 0 {
		t.Fatalf("the second product's script was refused: %+v", refused)
	}
	pool := startPool(t, chrome, rs)
	runner := portals.NewRunner(reg, pool)
	runner.StepTimeout = 10 * time.Second

	v := e.codeVault(t)

	// Two accounts, two products, behind one login.
	first := &twofetch.Account{TenantID: e.tenant.ID, Portal: "amazon-de", Username: email, Status: twofetch.AccountActive, HasKey: true}
	if err := e.store.CreateAccount(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := &twofetch.Account{TenantID: e.tenant.ID, LoginID: first.LoginID, Portal: "amazon-de-second", Username: email, Status: twofetch.AccountActive, HasKey: true}
	if err := e.store.CreateAccount(ctx, second); err != nil {
		t.Fatal(err)
	}
	pw := twofetch.LoginSecret(first, twofetch.FieldPassword)
	if err := v.Seal(ctx, pw, []byte(password)); err != nil {
		t.Fatal(err)
	}
	if _, err := v.PutKey(ctx, twofetch.LoginSecret(first, twofetch.FieldTOTP), key); err != nil {
		t.Fatal(err)
	}

	var codes atomic.Int64
	cfg := e.config()
	cfg.Fetcher = runner
	cfg.Secrets = func(a *twofetch.Account) twofetch.Secrets {
		return &countingSecrets{AccountSecrets: vault.SecretsOf(v, a), codes: &codes}
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// runLogin queues and handles the login's task as the scheduler
	// would, second account first: the login's own portal still signs in.
	runLogin := func(t *testing.T) (a, b *twofetch.Run) {
		t.Helper()
		p := LoginPayload{LoginID: first.LoginID, Runs: []AccountRun{{AccountID: second.ID}, {AccountID: first.ID}}}
		task, err := NewLoginTask(p)
		if err != nil {
			t.Fatal(err)
		}
		decode(task, &p)
		if err := s.Handler().ProcessTask(ctx, task); err != nil {
			var ra *retryAfter
			if !errors.As(err, &ra) {
				t.Fatalf("login run: %v", err)
			}
		}
		return e.run(t, p.Runs[1].RunID), e.run(t, p.Runs[0].RunID)
	}
	want := len(amazon.Invoices(email))
	if want == 0 {
		t.Fatal("the replica's user has no invoices")
	}

	t.Run("one sign-in and one code for both accounts", func(t *testing.T) {
		before := amazon.Stats()
		a, b := runLogin(t)
		after := amazon.Stats()
		if a.Outcome != twofetch.OutcomeOK || a.NewInvoices != want || b.Outcome != twofetch.OutcomeOK || b.NewInvoices != want {
			t.Fatalf("runs %s (%s) with %d new and %s (%s) with %d new, want both ok with %d",
				a.Outcome, a.Detail, a.NewInvoices, b.Outcome, b.Detail, b.NewInvoices, want)
		}
		if n := codes.Load(); n != 1 {
			t.Errorf("%d codes issued, want one", n)
		}
		if d := after.PasswordLogins - before.PasswordLogins; d != 1 {
			t.Errorf("%d password sign-ins at the portal, want one", d)
		}
		if d := after.CodesAccepted - before.CodesAccepted; d != 1 {
			t.Errorf("%d codes accepted by the portal, want one", d)
		}
		if a.SessionReused || !b.SessionReused {
			t.Errorf("session reused: first %v, second %v; want the second to use the first's sign-in", a.SessionReused, b.SessionReused)
		}
		if a.AccountID != first.ID || b.AccountID != second.ID || a.Portal != "amazon-de" || b.Portal != "amazon-de-second" {
			t.Errorf("runs recorded for %s/%s and %s/%s", a.AccountID, a.Portal, b.AccountID, b.Portal)
		}
		if n, m := len(e.invoices(t, first.ID)), len(e.invoices(t, second.ID)); n != want || m != want {
			t.Errorf("invoices stored %d and %d, want %d each", n, m, want)
		}
	})

	t.Run("a documents failure of one product leaves the other ok", func(t *testing.T) {
		writeScript(`  - navigate: https://www.amazon.de/gp/css/order-history
  - name: a list this product's page no longer has
    wait: {selector: "table#second-product-documents"}
  - download: {id: "never-reached", url: "https://www.amazon.de/never-reached.pdf"}
`)
		reg.Reload()
		if refused := reg.Refused(); len(refused) > 0 {
			t.Fatalf("the second product's script was refused: %+v", refused)
		}
		if _, err := amazon.AddInvoice(email); err != nil {
			t.Fatal(err)
		}
		codesBefore, before := codes.Load(), amazon.Stats()
		a, b := runLogin(t)
		if a.Outcome != twofetch.OutcomeOK || a.NewInvoices != 1 {
			t.Errorf("first product: %s (%s) with %d new, want ok with the new invoice", a.Outcome, a.Detail, a.NewInvoices)
		}
		if b.Outcome != twofetch.OutcomePortalChanged {
			t.Errorf("second product: %s (%s), want portal_changed", b.Outcome, b.Detail)
		}
		if b.Artifacts == "" {
			t.Error("the failed run kept no screenshot, page or step log")
		}
		if codes.Load() != codesBefore || amazon.Stats().PasswordLogins != before.PasswordLogins {
			t.Errorf("the saved session was not reused: %d codes, %d sign-ins more", codes.Load()-codesBefore, amazon.Stats().PasswordLogins-before.PasswordLogins)
		}
		fa, _ := e.store.AccountByID(ctx, first.ID)
		fb, _ := e.store.AccountByID(ctx, second.ID)
		if fa.Status != twofetch.AccountActive || fb.Status != twofetch.AccountNeedsSupport {
			t.Errorf("account statuses %s and %s, want active and needs_support", fa.Status, fb.Status)
		}
		if fa.NextRunAt == nil {
			t.Error("the ok account has no next run")
		}
	})

	t.Run("a refused sign-in ends every account's run", func(t *testing.T) {
		// The second account needs support since the last run; make it
		// active again as support would after fixing its script.
		writeScript("")
		reg.Reload()
		fb, _ := e.store.AccountByID(ctx, second.ID)
		fb.Status = twofetch.AccountActive
		if err := e.store.UpdateAccount(ctx, fb); err != nil {
			t.Fatal(err)
		}
		if err := v.Seal(ctx, pw, []byte("not-the-password")); err != nil {
			t.Fatal(err)
		}
		amazon.ExpireSessions()
		codesBefore := codes.Load()
		a, b := runLogin(t)
		for _, r := range []*twofetch.Run{a, b} {
			if r.Outcome != twofetch.OutcomeBadCredentials {
				t.Errorf("run of %s: %s (%s), want bad_credentials", r.Portal, r.Outcome, r.Detail)
			}
			if strings.Contains(r.Detail, "not-the-password") {
				t.Error("run detail shows the password")
			}
			acct, _ := e.store.AccountByID(ctx, r.AccountID)
			if acct.Status != twofetch.AccountNeedsCustomer {
				t.Errorf("account of %s is %s, want needs_customer", r.Portal, acct.Status)
			}
		}
		if codes.Load() != codesBefore {
			t.Error("a code was issued after the password was refused")
		}
	})
}

// The credentials an account carries beyond username and password reach
// its script: Slack signs in on the workspace the account names, one
// given to its login serves too, and without one the run asks the
// customer for it.
func TestCredentialsReachTheScript(t *testing.T) {
	chrome := testenv.ChromePath(t)
	e := newEnv(t)
	ctx := context.Background()
	rs, err := replica.Start(replica.Options{Portals: []string{"slack"}})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	slack := rs.Portal("slack")
	reg, err := portals.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	pool := startPool(t, chrome, rs)
	v := e.codeVault(t)
	cfg := e.config()
	cfg.Fetcher = portals.NewRunner(reg, pool)
	cfg.Secrets = func(a *twofetch.Account) twofetch.Secrets { return vault.SecretsOf(v, a) }
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	account := func(t *testing.T, creds map[string]string) *twofetch.Account {
		t.Helper()
		email := twofetch.NewID("user") + "@example.com"
		key, err := slack.AddUser(email, "pw-"+email)
		if err != nil {
			t.Fatal(err)
		}
		a := &twofetch.Account{TenantID: e.tenant.ID, Portal: "slack", Username: email, Status: twofetch.AccountActive, HasKey: true, Credentials: creds}
		if err := e.store.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := v.Seal(ctx, twofetch.LoginSecret(a, twofetch.FieldPassword), []byte("pw-"+email)); err != nil {
			t.Fatal(err)
		}
		if _, err := v.PutKey(ctx, twofetch.LoginSecret(a, twofetch.FieldTOTP), key); err != nil {
			t.Fatal(err)
		}
		return a
	}
	fetch := func(t *testing.T, a *twofetch.Account) *twofetch.Run {
		t.Helper()
		task, err := NewFetchTask(FetchPayload{AccountID: a.ID, RunID: twofetch.NewID("run")})
		if err != nil {
			t.Fatal(err)
		}
		var p FetchPayload
		decode(task, &p)
		if err := s.Handler().ProcessTask(ctx, task); err != nil {
			t.Fatalf("fetch: %v", err)
		}
		return e.run(t, p.RunID)
	}
	t.Run("the account's own workspace", func(t *testing.T) {
		a := account(t, map[string]string{"workspace": replica.SlackWorkspace})
		if r := fetch(t, a); r.Outcome != twofetch.OutcomeOK || r.NewInvoices == 0 {
			t.Fatalf("run %s (%s) with %d new, want ok", r.Outcome, r.Detail, r.NewInvoices)
		}
	})
	t.Run("the login's workspace", func(t *testing.T) {
		a := account(t, nil)
		if err := e.store.SetLoginCredentials(ctx, a.TenantID, a.LoginID, map[string]string{"workspace": replica.SlackWorkspace}); err != nil {
			t.Fatal(err)
		}
		if r := fetch(t, a); r.Outcome != twofetch.OutcomeOK || r.NewInvoices == 0 {
			t.Fatalf("run %s (%s) with %d new, want ok", r.Outcome, r.Detail, r.NewInvoices)
		}
	})
	t.Run("no workspace", func(t *testing.T) {
		a := account(t, nil)
		r := fetch(t, a)
		if r.Outcome != twofetch.OutcomeBadCredentials || !strings.Contains(r.Detail, "Workspace name") {
			t.Fatalf("run %s (%s), want bad_credentials naming the workspace", r.Outcome, r.Detail)
		}
	})
}

package workers

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/otpauth"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/replica"
	"github.com/twofetch/twofetch/vault"
)

// Four Google products behind one Google login: the login's daily run
// signs in once, with one code, and each product's run records it (the
// first signs in, the others reuse its session). When Google refuses the
// browser, every product's run ends blocked and none is retried within
// the day.
func TestGoogleLoginSignsInOnce(t *testing.T) {
	chrome := testenv.ChromePath(t)
	t.Run("sqlite", func(t *testing.T) { testGoogleLoginSignsInOnce(t, newEnv(t), chrome) })
	t.Run("postgres", func(t *testing.T) {
		testGoogleLoginSignsInOnce(t, newEnvOn(t, t.TempDir(), testenv.PostgresURL(t)), chrome)
	})
}

func testGoogleLoginSignsInOnce(t *testing.T, e *env, chrome string) {
	ctx := context.Background()
	products := []string{"google-ads", "google-workspace", "google-cloud", "google-payments"}
	rs, err := replica.Start(replica.Options{Portals: products})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	email, password := "family@example.com", "pw-family"
	var key *otpauth.Key
	for _, id := range products {
		// One Google account: each product added to it has the same key.
		k, err := rs.Portal(id).AddUser(email, password)
		if err != nil {
			t.Fatal(err)
		}
		key = k
	}
	reg, err := portals.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	pool := startPool(t, chrome, rs)
	runner := portals.NewRunner(reg, pool)
	runner.StepTimeout = 10 * time.Second

	v := e.codeVault(t)
	var accounts []*twofetch.Account
	for _, id := range products {
		a := &twofetch.Account{TenantID: e.tenant.ID, Portal: id, Username: email, Status: twofetch.AccountActive, HasKey: true}
		if len(accounts) > 0 {
			a.LoginID = accounts[0].LoginID
		}
		if err := e.store.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		accounts = append(accounts, a)
	}
	if err := v.Seal(ctx, twofetch.LoginSecret(accounts[0], twofetch.FieldPassword), []byte(password)); err != nil {
		t.Fatal(err)
	}
	if _, err := v.PutKey(ctx, twofetch.LoginSecret(accounts[0], twofetch.FieldTOTP), key); err != nil {
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
	// runLogin handles the login's task as the scheduler queues it and
	// returns the runs in the order of products.
	runLogin := func(t *testing.T) ([]*twofetch.Run, error) {
		t.Helper()
		p := LoginPayload{LoginID: accounts[0].LoginID}
		for _, a := range accounts {
			p.Runs = append(p.Runs, AccountRun{AccountID: a.ID})
		}
		task, err := NewLoginTask(p)
		if err != nil {
			t.Fatal(err)
		}
		decode(task, &p)
		herr := s.Handler().ProcessTask(ctx, task)
		var runs []*twofetch.Run
		for _, r := range p.Runs {
			runs = append(runs, e.run(t, r.RunID))
		}
		return runs, herr
	}
	signIns := func() (passwords, codes int) {
		for _, id := range products {
			st := rs.Portal(id).Stats()
			passwords += st.PasswordLogins
			codes += st.CodesAccepted
		}
		return passwords, codes
	}

	t.Run("one sign-in and one code for four products", func(t *testing.T) {
		runs, err := runLogin(t)
		if err != nil {
			t.Fatalf("login run: %v", err)
		}
		for i, r := range runs {
			if r.Outcome != twofetch.OutcomeNoDocuments || r.Portal != products[i] || r.AccountID != accounts[i].ID {
				t.Errorf("run %d: %s for %s/%s (%s), want no_documents for %s", i, r.Outcome, r.Portal, r.AccountID, r.Detail, products[i])
			}
			if reused := i > 0; r.SessionReused != reused {
				t.Errorf("%s: session reused %v, want %v: one sign-in, the others on its session", r.Portal, r.SessionReused, reused)
			}
		}
		if pw, c := signIns(); pw != 1 || c != 1 || codes.Load() != 1 {
			t.Errorf("%d password sign-ins and %d codes accepted at Google, %d codes issued; want one of each", pw, c, codes.Load())
		}
	})

	t.Run("a refused browser ends every product's run until the next day", func(t *testing.T) {
		rs.Portal("google-ads").ExpireSessions()
		for _, id := range products {
			rs.Portal(id).SetMode(replica.RefuseBrowser)
			defer rs.Portal(id).SetMode(0)
		}
		pwBefore, _ := signIns()
		codesBefore := codes.Load()
		started := time.Now()
		runs, err := runLogin(t)
		var ra *retryAfter
		if errors.As(err, &ra) {
			t.Fatalf("the refused login is retried in %s", ra.delay)
		}
		if err != nil {
			t.Fatalf("login run: %v", err)
		}
		for _, r := range runs {
			if r.Outcome != twofetch.OutcomeBlocked {
				t.Errorf("%s: %s (%s), want blocked", r.Portal, r.Outcome, r.Detail)
			}
			a, _ := e.store.AccountByID(ctx, r.AccountID)
			if a.Status != twofetch.AccountActive || a.NextRunAt == nil || a.NextRunAt.Before(started.Add(DailyInterval/2)) {
				t.Errorf("%s: account %s, next run %v; want active until the next daily run", r.Portal, a.Status, a.NextRunAt)
			}
		}
		if pw, _ := signIns(); pw != pwBefore || codes.Load() != codesBefore {
			t.Error("a password or code was given to a page that refuses the browser")
		}
	})
}

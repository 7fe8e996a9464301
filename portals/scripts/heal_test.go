package scripts_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/detect"
	"github.com/twofetch/twofetch/portals/replica"
	"github.com/twofetch/twofetch/portals/scripts"
)

// healingScripts is the built-in scripts with heal: true added to the
// named ones, as support would once it trusts them.
func healingScripts(t *testing.T, ids ...string) *portals.Registry {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(scripts.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(scripts.FS, p)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if p == id+".yaml" {
				b = []byte(strings.Replace(string(b), "\nid: "+id+"\n", "\nid: "+id+"\nheal: true\n", 1))
				if !strings.Contains(string(b), "\nheal: true\n") {
					t.Fatalf("%s: no id line to add heal: true after", p)
				}
			}
		}
		m[p] = &fstest.MapFile{Data: b}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := portals.Load(m)
	if err != nil {
		t.Fatalf("load scripts: %v", err)
	}
	return reg
}

func healingEnv(t *testing.T, ids ...string) *env {
	t.Helper()
	srv, err := replica.Start(replica.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	pool, err := portals.NewPool(context.Background(), portals.PoolConfig{ChromePath: testenv.ChromePath(t), SharedBrowser: true, ExtraFlags: srv.ChromeFlags()})
	if err != nil {
		testenv.Missing(t, "start Chromium: %v", err)
	}
	t.Cleanup(func() { pool.Close() })
	r := portals.NewRunner(healingScripts(t, ids...), pool)
	// Healing starts when a login field's wait runs out: a short wait
	// keeps the test short; the replica answers at once.
	r.StepTimeout = 3 * time.Second
	r.TypingGap = [2]time.Duration{time.Millisecond, 4 * time.Millisecond}
	return &env{srv: srv, runner: r, quick: r}
}

// Heroku redesigned its sign-in page (every field and button renamed): a
// script with heal: true signs in on the fields the detector finds, fetches
// the invoices and ends healed, naming each detected selector.
func TestHealRedesignedLogin(t *testing.T) {
	e := healingEnv(t, "heroku")
	p := e.srv.Portal("heroku")
	a := e.account(t, p)
	p.SetMode(replica.ChangedLayout)
	defer p.SetMode(0)
	res, err := e.run(t, "heroku", a)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, steps(res))
	}
	if res.Outcome != twofetch.OutcomeHealed {
		t.Fatalf("outcome %s, want healed\n%s", res.Outcome, steps(res))
	}
	if res.New == 0 || len(a.store.docs) != res.New {
		t.Fatalf("%d new documents, %d stored", res.New, len(a.store.docs))
	}
	want := map[detect.Role]string{detect.Username: "v2-email", detect.Password: "v2-password", detect.Submit: ""}
	if len(res.Healed) != len(want) {
		t.Fatalf("healed %+v, want the username, the password and the submit button", res.Healed)
	}
	for _, h := range res.Healed {
		id, ok := want[h.Role]
		if !ok || !strings.HasPrefix(h.Path, "login/") || h.Selector == "" || h.Detected == "" || h.Detected == h.Selector || !strings.Contains(h.Detected, id) {
			t.Errorf("healing %+v", h)
		}
		delete(want, h.Role)
	}
	healedSteps := 0
	for _, s := range res.Steps {
		if s.Healed != "" {
			healedSteps++
			if !strings.Contains(s.String(), "HEALED") {
				t.Errorf("step log line %q does not say it was healed", s)
			}
		}
	}
	if healedSteps != 3 {
		t.Errorf("%d healed steps in the step log, want 3\n%s", healedSteps, steps(res))
	}

	// Through the workers' fetch interface (another customer, who signs in
	// afresh) the run is healed with a detail naming what to fix.
	b := e.account(t, p)
	fres, err := e.runner.Fetch(context.Background(), &twofetch.FetchJob{
		Account: &twofetch.Account{Portal: "heroku", Username: b.email}, Secrets: b.secrets,
		Known: b.store.known, Save: b.store.save, ArtifactDir: t.TempDir(),
	})
	t.Logf("detail: %s", fres.Detail)
	if err != nil || fres.Outcome != twofetch.OutcomeHealed || !strings.Contains(fres.Detail, "v2-email") {
		t.Fatalf("fetch: %v, outcome %q, detail %q", err, fres.Outcome, fres.Detail)
	}
}

// Only login fields are healed. Hetzner's script waits for the username
// field before typing into it: the wait is not a login field, so with the
// page redesigned the run ends portal_changed at that wait and nothing is
// healed, though the detector would find the field. Without heal: true the
// redesigned Heroku page is not healed either.
func TestHealOnlyLoginFields(t *testing.T) {
	e := healingEnv(t, "hetzner")
	for _, id := range []string{"hetzner", "heroku"} {
		t.Run(id, func(t *testing.T) {
			p := e.srv.Portal(id)
			a := e.account(t, p)
			p.SetMode(replica.ChangedLayout)
			defer p.SetMode(0)
			res, err := e.run(t, id, a)
			if got := twofetch.OutcomeOf(err); got != twofetch.OutcomePortalChanged {
				t.Fatalf("outcome %s, want portal_changed\n%s", got, steps(res))
			}
			if len(res.Healed) != 0 || len(a.store.docs) != 0 {
				t.Fatalf("healed %+v, stored %d", res.Healed, len(a.store.docs))
			}
			for _, s := range res.Steps {
				if s.Healed != "" {
					t.Errorf("step %s healed", s.Path)
				}
			}
			if id == "hetzner" && !strings.Contains(err.Error(), "login/1") {
				t.Errorf("failed elsewhere than at the wait for the username field: %v", err)
			}
		})
	}
}

package workers

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/otpauth"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/replica"
	"github.com/twofetch/twofetch/vault"
)

// The real chain a worker runs: the fetch handler, the portals engine in
// headless Chromium and the vault, against the local replica of a portal
// with 2FA.
func TestPortalFetcherOnReplica(t *testing.T) {
	chrome := testenv.ChromePath(t)
	const portal = "github"
	e := newEnv(t)
	ctx := context.Background()

	// The replica checks codes and the vault issues them on one clock the
	// test can move on, instead of waiting for the next 30 s window.
	clk := &shiftClock{}
	rs, err := replica.Start(replica.Options{Portals: []string{portal}, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	pool, err := portals.NewPool(ctx, portals.PoolConfig{ChromePath: chrome, ExtraFlags: rs.ChromeFlags()})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	reg, err := portals.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var raw [32]byte
	rand.Read(raw[:])
	kek, err := vault.MasterKey(base64.StdEncoding.EncodeToString(raw[:]))
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(vault.Config{Store: e.store, KEK: kek, Redis: e.rdb, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}

	acc := &twofetch.Account{TenantID: e.tenant.ID, Portal: portal, Username: replica.DemoEmail, Status: twofetch.AccountActive, HasKey: true}
	if err := e.store.CreateAccount(ctx, acc); err != nil {
		t.Fatal(err)
	}
	ref := func(f string) twofetch.SecretRef {
		return twofetch.SecretRef{TenantID: acc.TenantID, AccountID: acc.ID, Field: f}
	}
	if err := v.Seal(ctx, ref(twofetch.FieldPassword), []byte(replica.DemoPassword)); err != nil {
		t.Fatal(err)
	}
	keys, err := otpauth.Parse(replica.DemoKey(portal))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.PutKey(ctx, ref(twofetch.FieldTOTP), keys[0]); err != nil {
		t.Fatal(err)
	}

	cfg := e.config()
	cfg.Fetcher = portals.NewRunner(reg, pool)
	cfg.Secrets = func(a *twofetch.Account) twofetch.Secrets { return vault.SecretsOf(v, a) }
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fetch := func(t *testing.T) *twofetch.Run {
		t.Helper()
		task, err := NewFetchTask(FetchPayload{AccountID: acc.ID, RunID: twofetch.NewID("run")})
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

	want := len(rs.Portal(portal).Invoices(replica.DemoEmail))
	if want == 0 {
		t.Fatal("the replica's demo user has no invoices")
	}
	t.Run("first run logs in with a code and stores every invoice", func(t *testing.T) {
		r := fetch(t)
		if r.Outcome != twofetch.OutcomeOK || r.NewInvoices != want {
			t.Fatalf("run = %q (%s) with %d new, want ok with %d", r.Outcome, r.Detail, r.NewInvoices, want)
		}
		for _, inv := range e.invoices(t, acc.ID) {
			rc, err := e.blobs.Get(ctx, inv.BlobKey)
			if err != nil {
				t.Fatal(err)
			}
			head := make([]byte, 5)
			rc.Read(head)
			rc.Close()
			if string(head) != "%PDF-" {
				t.Errorf("invoice %s is not a PDF: %q", inv.PortalInvoiceID, head)
			}
		}
	})
	t.Run("second run adds nothing", func(t *testing.T) {
		r := fetch(t)
		if r.Outcome != twofetch.OutcomeNoDocuments || r.NewInvoices != 0 {
			t.Fatalf("run = %q (%s) with %d new", r.Outcome, r.Detail, r.NewInvoices)
		}
	})
	t.Run("browser crash mid-run is retried on a fresh browser", func(t *testing.T) {
		if _, err := rs.Portal(portal).AddInvoice(replica.DemoEmail); err != nil {
			t.Fatal(err)
		}
		want++
		rs.Portal(portal).ExpireSessions()
		rs.Portal(portal).SetDelay(5 * time.Second)
		starts := pool.Starts()
		task, err := NewFetchTask(FetchPayload{AccountID: acc.ID, RunID: twofetch.NewID("run")})
		if err != nil {
			t.Fatal(err)
		}
		var p FetchPayload
		decode(task, &p)
		result := make(chan error, 1)
		go func() { result <- s.Handler().ProcessTask(ctx, task) }()
		// Kill the browser while the run waits on the slow portal.
		waitFor(t, "the run to start", time.Minute, func() bool {
			r, err := e.store.RunByID(ctx, p.RunID)
			return err == nil && r.StartedAt != nil
		})
		time.Sleep(time.Second)
		if n := killChildren(t, "chrom"); n == 0 {
			t.Fatal("found no browser process to kill")
		}
		err = <-result
		var ra *retryAfter
		if !errors.As(err, &ra) || !ra.counted {
			t.Fatalf("run with a crashed browser returned %v, want a counted retry", err)
		}
		if r := e.run(t, p.RunID); r.Outcome.Success() {
			t.Fatalf("crashed run recorded as %q", r.Outcome)
		}
		rs.Portal(portal).SetDelay(0)
		// The crashed attempt spent this window's code: move both clocks
		// to the next window rather than wait for it.
		clk.Advance(30 * time.Second)
		if err := s.Handler().ProcessTask(ctx, task); err != nil {
			t.Fatalf("retry: %v", err)
		}
		r := e.run(t, p.RunID)
		if r.Outcome != twofetch.OutcomeOK || r.NewInvoices != 1 {
			t.Fatalf("retry = %q (%s) with %d new, want ok with 1", r.Outcome, r.Detail, r.NewInvoices)
		}
		if pool.Starts() <= starts {
			t.Fatalf("browser starts %d, was %d: no fresh browser", pool.Starts(), starts)
		}
	})
	t.Run("wrong password stops", func(t *testing.T) {
		if err := v.Seal(ctx, ref(twofetch.FieldPassword), []byte("not-the-password")); err != nil {
			t.Fatal(err)
		}
		// The saved session would spare the login; make the portal forget it.
		rs.Portal(portal).ExpireSessions()
		r := fetch(t)
		if r.Outcome != twofetch.OutcomeBadCredentials {
			t.Fatalf("run = %q (%s), want bad_credentials", r.Outcome, r.Detail)
		}
		if strings.Contains(r.Detail, "not-the-password") {
			t.Fatal("run detail shows the password")
		}
		a, _ := e.store.AccountByID(ctx, acc.ID)
		if a.Status != twofetch.AccountNeedsCustomer {
			t.Fatalf("account status %s", a.Status)
		}
	})
	if n := len(e.invoices(t, acc.ID)); n != want {
		t.Fatalf("%d invoices stored in all, want %d", n, want)
	}
}

// killChildren kills -9 this process's children whose command name
// contains name, and returns how many it killed.
func killChildren(t *testing.T, name string) int {
	t.Helper()
	me := os.Getpid()
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	n := 0
	for _, f := range procs {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		st := string(b)
		open, close := strings.IndexByte(st, '('), strings.LastIndexByte(st, ')')
		if open < 0 || close < open {
			continue
		}
		comm := st[open+1 : close]
		fields := strings.Fields(st[close+1:])
		if len(fields) < 2 || !strings.Contains(comm, name) {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		pid, _ := strconv.Atoi(strings.TrimSpace(st[:open]))
		if ppid != me || pid == 0 {
			continue
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err == nil {
			n++
		}
	}
	return n
}

// shiftClock is the wall clock moved on by Advance.
type shiftClock struct{ offset atomic.Int64 }

func (c *shiftClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func (c *shiftClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

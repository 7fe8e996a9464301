package workers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/hibiken/asynq"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/redis/go-redis/v9"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/blob"
)

// TestWorkerProcess is the worker the kill test runs in a child process;
// on its own it does nothing.
func TestWorkerProcess(t *testing.T) {
	if os.Getenv("TWOFETCH_TEST_WORKER_CHILD") != "1" {
		t.Skip("runs only as the child of TestKillWorkerMidRun")
	}
	opt, err := redis.ParseURL(os.Getenv("TWOFETCH_TEST_REDIS"))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	st := openStore(t, os.Getenv("TWOFETCH_TEST_DSN"))
	dataDir := os.Getenv("TWOFETCH_TEST_DATA")
	blobs, err := blob.NewDir(filepath.Join(dataDir, "invoices"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(ServerConfig{
		Redis: rdb, Store: st, Blobs: blobs, DataDir: dataDir, Concurrency: 1,
		Fetcher: &httpFetcher{base: os.Getenv("TWOFETCH_TEST_PORTAL")},
		LockTTL: 3 * time.Second,
		Logger:  slog.New(slog.NewTextHandler(os.Stderr, nil)),
		Fault: func(point string) {
			if point == os.Getenv("TWOFETCH_TEST_FAULT") {
				// As abrupt as a power cut: no deferred function runs.
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Runs until the parent kills the process.
	s.Run(context.Background())
}

// A worker killed -9 while a run is downloading: the task comes back to
// another worker after its lease runs out, and the invoices the dead worker
// had already stored are not stored again.
func TestKillWorkerMidRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	acc := e.account(t, "dave")
	e.portal.setInvoices("dave", "D1", "D2", "D3")
	waiting, release := e.portal.stall("dave", "D2")
	defer release()

	child := exec.Command(os.Args[0], "-test.run=^TestWorkerProcess$", "-test.v")
	child.Env = append(os.Environ(),
		"TWOFETCH_TEST_WORKER_CHILD=1",
		"TWOFETCH_TEST_REDIS="+e.redis.URL,
		"TWOFETCH_TEST_DSN="+e.dsn,
		"TWOFETCH_TEST_DATA="+e.dataDir,
		"TWOFETCH_TEST_PORTAL="+e.portal.srv.URL,
	)
	var childOut strings.Builder
	child.Stdout, child.Stderr = &childOut, &childOut
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			child.Process.Kill()
			child.Wait()
		}
	}()

	enq := NewEnqueuer(e.rdb, e.store, nil)
	defer enq.Close()
	run, err := enq.RunNow(ctx, acc, twofetch.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-waiting:
	case <-time.After(2 * time.Minute):
		t.Fatalf("the child worker never reached the second download; its output:\n%s", childOut.String())
	}
	if n := len(e.invoices(t, acc.ID)); n != 1 {
		t.Fatalf("%d invoices stored before the kill, want D1 only", n)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	killed = true
	release()

	e.expireLeases(t)
	e.start(t, e.config())
	r := e.waitRun(t, run.ID, 4*time.Minute)
	if r.Outcome != twofetch.OutcomeOK || r.Attempt != 2 {
		t.Fatalf("run after the kill: outcome %q, attempt %d (%s); want ok on attempt 2", r.Outcome, r.Attempt, r.Detail)
	}
	invs := e.invoices(t, acc.ID)
	seen := map[string]int{}
	for _, inv := range invs {
		seen[inv.PortalInvoiceID]++
	}
	if len(invs) != 3 || seen["D1"] != 1 || seen["D2"] != 1 || seen["D3"] != 1 {
		t.Fatalf("invoices after the kill: %v, want D1, D2, D3 once each", seen)
	}
	if n := e.portal.downloads("dave", "D1"); n != 1 {
		t.Errorf("D1 downloaded %d times; the retry should have known it", n)
	}
	waitFor(t, "three invoice.created webhooks", time.Minute, func() bool { return len(e.hooks.ofType(EventInvoiceCreated)) == 3 })
}

// Runs queued before a Redis restart, and runs queued while a worker lives
// through one, all complete: Redis persists every acknowledged write.
func TestRedisRestart(t *testing.T) {
	// Mostly waiting for leases to run out: let other tests use the time.
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	enq := NewEnqueuer(e.rdb, e.store, nil)
	defer enq.Close()
	var accs []*twofetch.Account
	for i := 0; i < 4; i++ {
		user := fmt.Sprintf("r%d", i)
		accs = append(accs, e.account(t, user))
		e.portal.setInvoices(user, user+"-1", user+"-2")
	}
	runAll := func() []string {
		var ids []string
		for _, a := range accs {
			r, err := enq.RunNow(ctx, a, twofetch.TriggerManual)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		return ids
	}

	queued := runAll()
	e.redis.Restart(t)
	e.start(t, e.config())
	for _, id := range queued {
		if r := e.waitRun(t, id, 2*time.Minute); r.Outcome != twofetch.OutcomeOK || r.NewInvoices != 2 {
			t.Fatalf("run %s queued before the restart: %q with %d new", id, r.Outcome, r.NewInvoices)
		}
	}

	// Now restart under a running worker, then queue more work.
	e.redis.Restart(t)
	for i, a := range accs {
		user := fmt.Sprintf("r%d", i)
		e.portal.setInvoices(a.Username, user+"-1", user+"-2", user+"-3")
	}
	var later []string
	waitFor(t, "Redis to take writes again", time.Minute, func() bool {
		return e.rdb.Ping(ctx).Err() == nil
	})
	later = runAll()
	for _, id := range later {
		if r := e.waitRun(t, id, 2*time.Minute); r.Outcome != twofetch.OutcomeOK || r.NewInvoices != 1 {
			t.Fatalf("run %s after the restart: %q with %d new", id, r.Outcome, r.NewInvoices)
		}
	}
	for _, a := range accs {
		if n := len(e.invoices(t, a.ID)); n != 3 {
			t.Fatalf("account %s has %d invoices, want 3", a.Username, n)
		}
	}
	// Events whose delivery was under way when Redis went away come back
	// when asynq's lease on them runs out, a minute or so later.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		got := map[string]bool{}
		for _, ev := range e.hooks.ofType(EventInvoiceCreated) {
			var inv twofetch.Invoice
			json.Unmarshal(ev.Data, &inv)
			got[inv.ID] = true
		}
		all := true
		for _, a := range accs {
			for _, inv := range e.invoices(t, a.ID) {
				all = all && got[inv.ID]
			}
		}
		if all {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 12 invoices announced by webhook; worker log:\n%s", len(got), e.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// failingS3 answers chosen requests (by number, from 1) with a 500.
type failingS3 struct {
	next http.Handler
	mu   sync.Mutex
	n    int
	fail map[int]bool
}

func (f *failingS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.n++
	bad := f.fail[f.n]
	f.mu.Unlock()
	if bad {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>try again</Message></Error>`)
		return
	}
	f.next.ServeHTTP(w, r)
}

// S3 failing in the middle of a run fails the attempt; the retry stores
// what is missing and nothing twice.
func TestS3ErrorsRetried(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	backend := s3mem.New()
	if err := backend.CreateBucket("invoices"); err != nil {
		t.Fatal(err)
	}
	// The second upload fails; with one attempt per call the SDK does
	// not hide it, so the task-level retry is what saves the run.
	fs3 := &failingS3{next: gofakes3.New(backend).Server(), fail: map[int]bool{2: true}}
	srv := httptest.NewServer(fs3)
	defer srv.Close()
	blobs, err := blob.Open(ctx, "s3://invoices/prod?endpoint="+srv.URL+"&path_style=true&max_attempts=1", aws.Config{
		Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := e.config()
	cfg.Blobs = blobs
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	acc := e.account(t, "erin")
	e.portal.setInvoices("erin", "E1", "E2")
	task, err := NewFetchTask(FetchPayload{AccountID: acc.ID, RunID: twofetch.NewID("run")})
	if err != nil {
		t.Fatal(err)
	}
	var p FetchPayload
	decode(task, &p)

	err = s.Handler().ProcessTask(ctx, task)
	var ra *retryAfter
	if !errors.As(err, &ra) || !ra.counted {
		t.Fatalf("attempt with an S3 error returned %v, want a counted retry", err)
	}
	r := e.run(t, p.RunID)
	if r.Outcome != twofetch.OutcomeTransient || r.NewInvoices != 1 {
		t.Fatalf("first attempt: %q with %d new, want transient with E1 stored", r.Outcome, r.NewInvoices)
	}
	if strings.Contains(r.Detail, "SECRET") || strings.Contains(r.Detail, "AKID") {
		t.Fatalf("run detail leaks credentials: %q", r.Detail)
	}

	if err := s.Handler().ProcessTask(ctx, task); err != nil {
		t.Fatalf("retry: %v", err)
	}
	r = e.run(t, p.RunID)
	if r.Outcome != twofetch.OutcomeOK || r.NewInvoices != 2 {
		t.Fatalf("after the retry: %q with %d new in total, want ok with 2", r.Outcome, r.NewInvoices)
	}
	invs := e.invoices(t, acc.ID)
	if len(invs) != 2 {
		t.Fatalf("%d invoices, want 2", len(invs))
	}
	for _, inv := range invs {
		rc, err := blobs.Get(ctx, inv.BlobKey)
		if err != nil {
			t.Fatalf("%s not in S3: %v", inv.PortalInvoiceID, err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if !strings.Contains(string(b), "invoice "+inv.PortalInvoiceID) {
			t.Fatalf("S3 object of %s holds %q", inv.PortalInvoiceID, b)
		}
	}
}

// Stopping a worker lets a run in progress finish within the shutdown
// timeout, and returns one that does not to the queue for another worker.
func TestGracefulShutdown(t *testing.T) {
	tests := []struct {
		name       string
		releaseIn  time.Duration // when the stalled download is let go
		timeout    time.Duration
		wantFinish bool
	}{
		{"run finishes during shutdown", 500 * time.Millisecond, 30 * time.Second, true},
		{"run returns to the queue", time.Hour, time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			acc := e.account(t, "gina")
			e.portal.setInvoices("gina", "G1")
			waiting, release := e.portal.stall("gina", "G1")
			defer release()
			cfg := e.config()
			cfg.ShutdownTimeout = tt.timeout
			s, err := NewServer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- s.Run(runCtx) }()
			enq := NewEnqueuer(e.rdb, e.store, nil)
			defer enq.Close()
			run, err := enq.RunNow(ctx, acc, twofetch.TriggerManual)
			if err != nil {
				t.Fatal(err)
			}
			<-waiting
			stop()
			timer := time.AfterFunc(tt.releaseIn, release)
			defer timer.Stop()
			if err := <-done; err != nil {
				t.Fatalf("Run: %v", err)
			}
			if tt.wantFinish {
				r := e.run(t, run.ID)
				if r.Outcome != twofetch.OutcomeOK || r.NewInvoices != 1 {
					t.Fatalf("run after shutdown: %q with %d new", r.Outcome, r.NewInvoices)
				}
				return
			}
			insp := asynq.NewInspectorFromRedisClient(e.rdb)
			pending, err := insp.ListPendingTasks(QueueCritical)
			if err != nil || len(pending) != 1 {
				t.Fatalf("pending after shutdown: %d tasks, %v; want the run back in the queue", len(pending), err)
			}
			// Another worker picks it up and finishes it, once the
			// interrupted attempt has let go of the login (else the new
			// worker would find it busy and wait out a 30 s retry).
			release()
			waitFor(t, "the interrupted attempt to release the login", time.Minute, func() bool {
				n, err := e.rdb.Exists(ctx, loginLockKey(acc.LoginOrOwnID())).Result()
				return err == nil && n == 0
			})
			e.start(t, e.config())
			// The interrupted attempt records itself as such; wait for the
			// next one.
			var r *twofetch.Run
			waitFor(t, "the requeued run to succeed", time.Minute, func() bool {
				r = e.run(t, run.ID)
				return r.Outcome == twofetch.OutcomeOK
			})
			if r.NewInvoices != 1 || r.Attempt != 1 {
				t.Fatalf("requeued run: %d new on attempt %d; a requeue is not a failed attempt", r.NewInvoices, r.Attempt)
			}
			if n := len(e.invoices(t, acc.ID)); n != 1 {
				t.Fatalf("%d invoices", n)
			}
		})
	}
}

package portals

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRecycle restarts the browser after RecycleAfter jobs.
func TestRecycle(t *testing.T) {
	pool := testSharedPool(t)
	host, s := newSite(t)
	r := NewRunner(scriptFor(t, host, header+twoFactor+loginSteps+linkDocuments), pool)
	pool.mu.Lock()
	jobs := 0
	if pool.cur != nil {
		jobs = pool.cur.jobs
	}
	// The next job is the last of this browser; the one after gets a new one.
	pool.cfg.RecycleAfter = jobs + 1
	pool.mu.Unlock()
	defer func() {
		pool.mu.Lock()
		pool.cfg.RecycleAfter = 0
		pool.mu.Unlock()
	}()
	before := pool.Starts()
	for i := range 2 {
		st := &memStore{}
		res, err := runJob(t, r, testJob(t, &fakeSecrets{password: s.password}, st, nil))
		if err != nil || res.New != 2 {
			t.Fatalf("job %d: %v, %d new", i, err, res.New)
		}
	}
	if got := pool.Starts() - before; got != 1 {
		t.Errorf("browser started %d times over two jobs with RecycleAfter reached, want 1", got)
	}
}

// TestRemoteBrowser runs a job in a browser the pool did not start, through
// its DevTools endpoint, as with a browser service in another container.
func TestRemoteBrowser(t *testing.T) {
	local := testPool(t)
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0",
		"--user-data-dir=" + t.TempDir(), "--no-first-run"}
	args = append(args, local.cfg.ExtraFlags...)
	args = append(args, "about:blank")
	cmd := exec.Command(local.cfg.ChromePath, args...)
	if unshare, err := exec.LookPath("unshare"); err == nil && os.Geteuid() == 0 {
		// A /tmp of its own, as on another machine: the downloads the
		// worker gets cannot come through a folder both share.
		cmd = exec.Command(unshare, append([]string{"-m", "--propagation", "private", "--", "sh", "-c",
			`mount -t tmpfs none /tmp && exec "$0" "$@"`, local.cfg.ChromePath}, args...)...)
	} else {
		t.Log("the remote browser shares this machine's /tmp (needs root and unshare to have its own)")
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The group, not just the browser process: its helper processes would
	// go on writing into the profile t.TempDir removes.
	defer func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() }()
	wsURL := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if _, u, ok := strings.Cut(sc.Text(), "DevTools listening on "); ok {
				wsURL <- u
			}
		}
	}()
	var u string
	select {
	case u = <-wsURL:
	case <-time.After(30 * time.Second):
		t.Fatal("remote browser did not print its DevTools URL")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The resolver rules reach the job's egress proxy, which resolves for
	// the browser.
	pool, err := NewPool(ctx, PoolConfig{RemoteURL: u, ExtraFlags: local.cfg.ExtraFlags})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	host, s := newSite(t)
	res, err := runJob(t, NewRunner(scriptFor(t, host, header+twoFactor+loginSteps+linkDocuments), pool),
		testJob(t, &fakeSecrets{password: s.password}, &memStore{}, nil))
	if err != nil || res.New != 2 {
		t.Fatalf("job in remote browser: %v, %d new\n%s", err, res.New, stepsText(res))
	}

	// Downloads by click come back through DevTools: the worker reads no
	// folder of the browser's.
	host, s = newSite(t)
	st := &memStore{}
	res, err = runJob(t, NewRunner(scriptFor(t, host, header+twoFactor+loginSteps+`
documents:
  - navigate: https://HOST/invoices
  - for_each:
      rows: "table#invoices tbody tr"
      fields: {id: {selector: td.number}}
      do:
        - download: {id: "{{row.id}}", click: ":scope a.dl"}
`), pool), testJob(t, &fakeSecrets{password: s.password}, st, nil))
	if err != nil || res.New != 2 {
		t.Fatalf("click downloads in remote browser: %v, %d new\n%s", err, res.New, stepsText(res))
	}
	for _, id := range []string{"INV-1001", "INV-1002"} {
		if d := st.get(id); d == nil || !bytes.HasPrefix(d.Data, []byte("%PDF-")) {
			t.Errorf("%s: %v", id, d)
		}
	}
}

// TestConcurrentJobs runs jobs side by side in one browser: each sees only
// its own cookies and downloads.
func TestConcurrentJobs(t *testing.T) {
	pool := testPool(t)
	const n = 3
	errs := make(chan error, n)
	for i := range n {
		host, s := newSite(t)
		s.code = fmt.Sprintf("%06d", 100000+i)
		r := NewRunner(scriptFor(t, host, fullScript()), pool)
		sec := &fakeSecrets{password: s.password, code: s.code, hasKey: true}
		go func() {
			st := &memStore{}
			res, err := runJob(t, r, testJob(t, sec, st, nil))
			if err == nil && (res.New != 2 || st.get("INV-1001") == nil) {
				err = fmt.Errorf("%s: %d new", host, res.New)
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestSessionNotKept checks keep_cookies: false and that expired cookies
// are not restored.
func TestSessionNotKept(t *testing.T) {
	pool := testPool(t)
	host, s := newSite(t)
	src := strings.Replace(fullScript(), "  logged_out: {selector: \"input[name=password]\"}",
		"  logged_out: {selector: \"input[name=password]\"}\n  keep_cookies: false", 1)
	sec := &fakeSecrets{password: s.password, hasKey: true}
	res, err := runJob(t, NewRunner(scriptFor(t, host, src), pool), testJob(t, sec, &memStore{}, nil))
	if err != nil || res.New != 2 || sec.cookies != nil {
		t.Fatalf("keep_cookies false: err %v, %d new, cookies saved: %v", err, res.New, sec.cookies != nil)
	}

	// A saved session whose cookies have all expired means a fresh login.
	sec.cookies = []byte(`[{"name":"sid","value":"old","domain":"` + host + `","path":"/","expires":1000}]`)
	res, err = runJob(t, NewRunner(scriptFor(t, host, fullScript()), pool), testJob(t, sec, &memStore{}, nil))
	if err != nil || res.SessionReused {
		t.Fatalf("expired cookies: err %v, reused %v", err, res.SessionReused)
	}
	if p, _ := sec.counts(); p != 2 {
		t.Errorf("password asked %d times over two logins", p)
	}
}

package portals

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/otpauth"
	"github.com/twofetch/twofetch/portals/replica"
)

// benchConcurrency is how many jobs run at once in the benchmarks; a
// worker's default concurrency is 2, and 4 shows how memory grows.
const benchConcurrency = 4

// BenchmarkJobs compares the browser setups side by side, running the
// GitHub script against its replica: Debian's full Chromium (new headless
// mode) and chromium-headless-shell, each with a browser process per login
// on the login's own profile (the default) and with browser contexts of one
// shared browser. Each job logs in a fresh replica user with an
// authenticator code and downloads its three invoices, typing at a
// person's pace. It reports jobs per minute and the proportional memory
// (PSS) of all Chromium processes at the peak, per concurrent job.
//
//	go test ./portals -run '^$' -bench Jobs -benchtime 20x
func BenchmarkJobs(b *testing.B) {
	testenv.ChromePath(b)
	rs, err := replica.Start(replica.Options{Portals: []string{"github"}})
	if err != nil {
		b.Fatal(err)
	}
	defer rs.Close()
	reg, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	var users atomic.Int64
	for _, mode := range []struct {
		name   string
		chrome string
		shared bool
	}{
		{"chromium/browser-per-login", DefaultChromePath, false},
		{"chromium/shared-browser", DefaultChromePath, true},
		{"headless-shell/browser-per-login", HeadlessShellPath, false},
		{"headless-shell/shared-browser", HeadlessShellPath, true},
	} {
		b.Run(mode.name, func(b *testing.B) {
			pool, err := NewPool(context.Background(), PoolConfig{ChromePath: mode.chrome, SharedBrowser: mode.shared, ExtraFlags: rs.ChromeFlags()})
			if err != nil {
				b.Fatal(err)
			}
			defer pool.Close()
			var sampler pssSampler
			sampler.start()
			var next atomic.Int64
			errs := make(chan error, b.N)
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for w := 0; w < benchConcurrency; w++ {
				wg.Go(func() {
					for next.Add(1) <= int64(b.N) {
						errs <- benchJob(rs, reg, pool, users.Add(1))
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			peak := sampler.stop()
			close(errs)
			for err := range errs {
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/elapsed.Minutes(), "jobs/min")
			b.ReportMetric(float64(peak)/(1<<20)/benchConcurrency, "MB/job")
		})
	}
}

func benchJob(rs *replica.Server, reg *Registry, pool *Pool, n int64) error {
	email := fmt.Sprintf("bench%d@example.com", n)
	key, err := rs.Portal("github").AddUser(email, "bench-password")
	if err != nil {
		return err
	}
	// Each user is new, so its one code is never a reused one. The code is
	// made when the run asks for it, as the vault makes it: on a loaded
	// machine a job can start later than a code made now lives.
	sec := &benchSecrets{fakeSecrets: &fakeSecrets{password: "bench-password", hasKey: true}, key: key}
	st := &memStore{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r := NewRunner(reg, pool)
	r.TypingGap = HumanTypingGap
	res, err := r.Run(ctx, &Job{Portal: "github", Username: email, Secrets: sec, Known: st.known, Save: st.save})
	if err != nil {
		return err
	}
	if res.New != 3 {
		return fmt.Errorf("%s: %d new documents, want 3", email, res.New)
	}
	return nil
}

// pssSampler records the peak total PSS of this process's descendants
// (the Chromium processes), sampled every 50ms.
type pssSampler struct {
	done chan struct{}
	wg   sync.WaitGroup
	peak int64
}

func (p *pssSampler) start() {
	p.done = make(chan struct{})
	p.wg.Go(func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if v := descendantsPSS(os.Getpid()); v > p.peak {
				p.peak = v
			}
			select {
			case <-p.done:
				return
			case <-t.C:
			}
		}
	})
}

func (p *pssSampler) stop() int64 {
	close(p.done)
	p.wg.Wait()
	return p.peak
}

func descendantsPSS(root int) int64 {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The command name may contain spaces; fields resume after ')'.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) > 1 {
			parent[pid], _ = strconv.Atoi(f[1])
		}
	}
	var total int64
	for pid := range parent {
		for p := parent[pid]; p > 1; p = parent[p] {
			if p == root {
				total += pssOf(pid)
				break
			}
		}
	}
	return total
}

func pssOf(pid int) int64 {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "smaps_rollup"))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Pss:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// benchSecrets answers Code from the replica user's key at the time of
// asking.
type benchSecrets struct {
	*fakeSecrets
	key *otpauth.Key
}

func (b *benchSecrets) Code(ctx context.Context) (string, error) {
	return b.key.CodeAt(time.Now())
}

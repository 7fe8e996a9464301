package portals

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchConcurrency is how many jobs run at once in the benchmarks; a
// worker's default concurrency is 2, and 4 shows how memory grows.
const benchConcurrency = 4

// BenchmarkJobs compares one shared browser, a browser context per job,
// with a browser process per job. Each job logs in with a code and
// downloads two invoices from the loopback test portal. It reports jobs
// per minute and the proportional memory (PSS) of all Chromium processes
// at the peak, per concurrent job.
//
//	go test ./portals -run '^$' -bench Jobs -benchtime 40x
func BenchmarkJobs(b *testing.B) {
	shared := testPool(b)
	chrome := shared.cfg.ChromePath
	flags := shared.cfg.ExtraFlags
	for _, mode := range []string{"shared-browser", "browser-per-job"} {
		b.Run(mode, func(b *testing.B) {
			host, s := newSite(b)
			s.code = "123456"
			reg := scriptFor(b, host, fullScript())
			var sampler pssSampler
			sampler.start()
			var next, failed atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for w := 0; w < benchConcurrency; w++ {
				wg.Go(func() {
					for next.Add(1) <= int64(b.N) {
						pool := shared
						if mode == "browser-per-job" {
							var err error
							pool, err = NewPool(context.Background(), PoolConfig{ChromePath: chrome, ExtraFlags: flags})
							if err != nil {
								failed.Add(1)
								continue
							}
						}
						sec := &fakeSecrets{password: s.password, code: s.code, hasKey: true}
						job := &Job{Portal: "test", Username: "demo@example.com", Secrets: sec, Known: (&memStore{}).known, Save: (&memStore{}).save}
						ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
						res, err := NewRunner(reg, pool).Run(ctx, job)
						cancel()
						if err != nil || res.New != 2 {
							failed.Add(1)
						}
						if pool != shared {
							pool.Close()
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			peak := sampler.stop()
			if n := failed.Load(); n > 0 {
				b.Fatalf("%d of %d jobs failed", n, b.N)
			}
			b.ReportMetric(float64(b.N)/elapsed.Minutes(), "jobs/min")
			b.ReportMetric(float64(peak)/(1<<20)/benchConcurrency, "MB/job")
		})
	}
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

package workers

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/twofetch/twofetch/internal/testenv"
)

// clients returns n separate connections to one Redis, standing for n
// worker processes.
func clients(t *testing.T, n int) []*redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	var cs []*redis.Client
	for i := 0; i < n; i++ {
		c := redis.NewClient(opt)
		t.Cleanup(func() { c.Close() })
		cs = append(cs, c)
	}
	return cs
}

func TestLock(t *testing.T) {
	ctx := context.Background()
	cs := clients(t, 2)
	key := "twofetch:lock:test:" + t.Name()

	t.Run("exclusive across clients", func(t *testing.T) {
		l, err := AcquireLock(ctx, cs[0], key, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := AcquireLock(ctx, cs[1], key, time.Minute); !errors.Is(err, ErrBusy) {
			t.Fatalf("second AcquireLock: %v, want ErrBusy", err)
		}
		if err := l.Refresh(ctx); err != nil {
			t.Fatalf("Refresh by holder: %v", err)
		}
		if err := l.Release(ctx); err != nil {
			t.Fatal(err)
		}
		l2, err := AcquireLock(ctx, cs[1], key, time.Minute)
		if err != nil {
			t.Fatalf("AcquireLock after release: %v", err)
		}
		l2.Release(ctx)
	})

	t.Run("expired holder cannot release the new holder's lock", func(t *testing.T) {
		old, err := AcquireLock(ctx, cs[0], key, 100*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "lock expiry", 10*time.Second, func() bool { return cs[0].Exists(ctx, key).Val() == 0 })
		cur, err := AcquireLock(ctx, cs[1], key, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := old.Refresh(ctx); !errors.Is(err, ErrBusy) {
			t.Fatalf("Refresh of a lost lock: %v, want ErrBusy", err)
		}
		old.Release(ctx)
		if got := cs[1].Get(ctx, key).Val(); got != cur.token {
			t.Fatalf("old holder's Release removed the new lock")
		}
		cur.Release(ctx)
	})

	t.Run("Hold cancels the work when the lock is lost", func(t *testing.T) {
		l, err := AcquireLock(ctx, cs[0], key, 300*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		hctx, release := l.Hold(ctx)
		defer release()
		// Someone deletes and retakes the key, as after an expiry.
		cs[1].Set(ctx, key, "intruder", time.Minute)
		select {
		case <-hctx.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("work under a lost lock was not cancelled")
		}
		if !errors.Is(context.Cause(hctx), ErrBusy) {
			t.Fatalf("cause %v, want ErrBusy", context.Cause(hctx))
		}
		cs[1].Del(ctx, key)
	})
}

func TestSemaphore(t *testing.T) {
	ctx := context.Background()
	cs := clients(t, 4)
	const limit = 2

	t.Run("never more than the limit at once", func(t *testing.T) {
		var cur, peak, done atomic.Int64
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func(c *redis.Client) {
				defer wg.Done()
				sem := NewSemaphore(c, "twofetch:sessions:peak", time.Minute)
				for {
					slot, err := sem.Acquire(ctx, limit)
					if errors.Is(err, ErrBusy) {
						time.Sleep(time.Millisecond)
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					n := cur.Add(1)
					for {
						p := peak.Load()
						if n <= p || peak.CompareAndSwap(p, n) {
							break
						}
					}
					time.Sleep(5 * time.Millisecond)
					cur.Add(-1)
					slot.Release(ctx)
					done.Add(1)
					return
				}
			}(cs[i%len(cs)])
		}
		wg.Wait()
		if done.Load() != 8 {
			t.Fatalf("%d of 8 holders got a slot", done.Load())
		}
		if peak.Load() > limit {
			t.Fatalf("%d holders at once, limit %d", peak.Load(), limit)
		}
	})

	t.Run("slots of dead holders expire", func(t *testing.T) {
		sem := NewSemaphore(cs[0], "twofetch:sessions:dead", 200*time.Millisecond)
		for i := 0; i < limit; i++ {
			if _, err := sem.Acquire(ctx, limit); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := sem.Acquire(ctx, limit); !errors.Is(err, ErrBusy) {
			t.Fatalf("Acquire beyond limit: %v", err)
		}
		waitFor(t, "slots to expire", 10*time.Second, func() bool {
			n, err := sem.Held(ctx)
			return err == nil && n == 0
		})
		if _, err := sem.Acquire(ctx, limit); err != nil {
			t.Fatalf("Acquire after expiry: %v", err)
		}
	})

	t.Run("refresh keeps a slot alive", func(t *testing.T) {
		sem := NewSemaphore(cs[1], "twofetch:sessions:kept", 2*time.Second)
		slot, err := sem.Acquire(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		_, release := slot.Hold(ctx)
		// Well past the ttl, the slot must still be held.
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := sem.Acquire(ctx, 1); !errors.Is(err, ErrBusy) {
				t.Fatalf("slot lost while held: Acquire = %v", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		release()
		if _, err := sem.Acquire(ctx, 1); err != nil {
			t.Fatalf("Acquire after release: %v", err)
		}
	})
}

func TestRateLimit(t *testing.T) {
	ctx := context.Background()
	c := clients(t, 1)[0]
	for i := 0; i < 3; i++ {
		if wait, err := allowRate(ctx, c, "twofetch:starts:p", 3, time.Minute); err != nil || wait != 0 {
			t.Fatalf("start %d: wait %s, err %v", i+1, wait, err)
		}
	}
	wait, err := allowRate(ctx, c, "twofetch:starts:p", 3, time.Minute)
	if !errors.Is(err, ErrBusy) || wait <= 0 || wait > time.Minute {
		t.Fatalf("fourth start: wait %s, err %v; want ErrBusy and a wait within the window", wait, err)
	}
}

package workers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrBusy is returned when a lock or a portal slot is held elsewhere.
var ErrBusy = errors.New("busy")

// Lock is a Redis lock held with a random token, so only its holder can
// extend or release it, and with an expiry, so a worker that dies does not
// hold it forever. It holds across worker processes and machines that
// share the Redis.
type Lock struct {
	rdb   redis.UniversalClient
	key   string
	token string
	ttl   time.Duration
}

func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// AcquireLock takes key for ttl, or returns ErrBusy if someone holds it.
func AcquireLock(ctx context.Context, rdb redis.UniversalClient, key string, ttl time.Duration) (*Lock, error) {
	l := &Lock{rdb: rdb, key: key, token: newToken(), ttl: ttl}
	ok, err := rdb.SetNX(ctx, key, l.token, ttl).Result()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", key, err)
	}
	if !ok {
		return nil, ErrBusy
	}
	return l, nil
}

var refreshScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`)

var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`)

// Refresh extends the lock by its ttl; it fails with ErrBusy if the lock
// expired and someone else took it.
func (l *Lock) Refresh(ctx context.Context) error {
	n, err := refreshScript.Run(ctx, l.rdb, []string{l.key}, l.token, l.ttl.Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("refresh lock %s: %w", l.key, err)
	}
	if n == 0 {
		return fmt.Errorf("lock %s lost: %w", l.key, ErrBusy)
	}
	return nil
}

// Release deletes the lock if it is still ours.
func (l *Lock) Release(ctx context.Context) error {
	if _, err := releaseScript.Run(ctx, l.rdb, []string{l.key}, l.token).Result(); err != nil {
		return fmt.Errorf("release lock %s: %w", l.key, err)
	}
	return nil
}

// Hold keeps the lock refreshed until ctx ends, then releases it. The
// returned context is cancelled when the lock is lost, so the work under it
// stops rather than run unprotected.
func (l *Lock) Hold(ctx context.Context) (context.Context, func()) {
	return hold(ctx, l.ttl, l.Refresh, l.Release)
}

func hold(ctx context.Context, ttl time.Duration, refresh, release func(context.Context) error) (context.Context, func()) {
	hctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-t.C:
				if err := refresh(hctx); err != nil {
					if errors.Is(err, ErrBusy) {
						cancel(err)
						return
					}
					// Redis hiccup: the next tick tries again while the
					// key still has most of its ttl left.
				}
			}
		}
	}()
	return hctx, func() {
		cancel(nil)
		<-done
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer rcancel()
		_ = release(rctx)
	}
}

// Semaphore allows at most a limit of holders of a name at once across all
// workers: a sorted set of holder tokens scored by their expiry, so slots of
// dead workers free themselves.
type Semaphore struct {
	rdb redis.UniversalClient
	key string
	ttl time.Duration
}

// NewSemaphore returns the semaphore stored at key.
func NewSemaphore(rdb redis.UniversalClient, key string, ttl time.Duration) *Semaphore {
	return &Semaphore{rdb: rdb, key: key, ttl: ttl}
}

// Redis' own clock, so workers with skewed clocks agree on expiry.
var semAcquireScript = redis.NewScript(`
local t = redis.call("TIME")
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now)
if redis.call("ZCARD", KEYS[1]) < tonumber(ARGV[1]) then
  redis.call("ZADD", KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call("PEXPIRE", KEYS[1], ARGV[2])
  return 1
end
return 0`)

var semRefreshScript = redis.NewScript(`
local t = redis.call("TIME")
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local n = redis.call("ZADD", KEYS[1], "XX", "CH", now + tonumber(ARGV[1]), ARGV[2])
if n == 1 then
  redis.call("PEXPIRE", KEYS[1], ARGV[1])
end
return n`)

// Slot is one held place in a Semaphore.
type Slot struct {
	s     *Semaphore
	token string
}

// Acquire takes a slot if fewer than limit are held, else returns ErrBusy.
func (s *Semaphore) Acquire(ctx context.Context, limit int) (*Slot, error) {
	tok := newToken()
	n, err := semAcquireScript.Run(ctx, s.rdb, []string{s.key}, limit, s.ttl.Milliseconds(), tok).Int()
	if err != nil {
		return nil, fmt.Errorf("semaphore %s: %w", s.key, err)
	}
	if n == 0 {
		return nil, ErrBusy
	}
	return &Slot{s: s, token: tok}, nil
}

// Held returns how many slots are taken and not expired.
func (s *Semaphore) Held(ctx context.Context) (int, error) {
	now, err := s.rdb.Time(ctx).Result()
	if err != nil {
		return 0, err
	}
	n, err := s.rdb.ZCount(ctx, s.key, "("+strconv.FormatInt(now.UnixMilli(), 10), "+inf").Result()
	return int(n), err
}

// Refresh extends the slot; ErrBusy means it expired and was given away.
func (sl *Slot) Refresh(ctx context.Context) error {
	n, err := semRefreshScript.Run(ctx, sl.s.rdb, []string{sl.s.key}, sl.s.ttl.Milliseconds(), sl.token).Int()
	if err != nil {
		return fmt.Errorf("refresh slot %s: %w", sl.s.key, err)
	}
	if n == 0 {
		return fmt.Errorf("slot %s lost: %w", sl.s.key, ErrBusy)
	}
	return nil
}

// Release frees the slot.
func (sl *Slot) Release(ctx context.Context) error {
	return sl.s.rdb.ZRem(ctx, sl.s.key, sl.token).Err()
}

// Hold keeps the slot refreshed until the returned release is called.
func (sl *Slot) Hold(ctx context.Context) (context.Context, func()) {
	return hold(ctx, sl.s.ttl, sl.Refresh, sl.Release)
}

// rateScript admits at most ARGV[1] starts per window of ARGV[2] ms, on a
// fixed window counter.
var rateScript = redis.NewScript(`
local n = redis.call("INCR", KEYS[1])
if n == 1 then
  redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
if n > tonumber(ARGV[1]) then
  return redis.call("PTTL", KEYS[1])
end
return -1`)

// allowRate counts one start against key's window; when over the limit it
// returns ErrBusy and how long until the window ends.
func allowRate(ctx context.Context, rdb redis.UniversalClient, key string, limit int, window time.Duration) (time.Duration, error) {
	ms, err := rateScript.Run(ctx, rdb, []string{key}, limit, window.Milliseconds()).Int64()
	if err != nil {
		return 0, fmt.Errorf("rate %s: %w", key, err)
	}
	if ms >= 0 {
		return time.Duration(ms) * time.Millisecond, ErrBusy
	}
	return 0, nil
}

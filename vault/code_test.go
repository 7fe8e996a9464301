package vault

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/otpauth"
)

// testSecret is the RFC 4226/6238 test secret.
var testSecret = []byte("12345678901234567890")

func testKey(typ otpauth.Type) *otpauth.Key {
	k := &otpauth.Key{Type: typ, Issuer: "Example", Account: "demo@example.com",
		Secret: bytes.Clone(testSecret), Algorithm: otpauth.SHA1, Digits: 6}
	if k.TimeBased() {
		k.Period = 30
	}
	return k
}

func newRedis(t *testing.T) redis.UniversalClient {
	t.Helper()
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	if err := c.Ping(context.Background()).Err(); err != nil {
		testenv.Missing(t, "Redis: %v", err)
	}
	return c
}

// clock records the last time the vault read it: the moment it decided a
// code still had enough validity left. A fast clock runs factor times
// faster than real time from base, so that keys with the shortest period
// otpauth accepts (10 s) still give tests many windows per second; the
// vault's waits shrink by the same factor.
type clock struct {
	offset time.Duration
	base   time.Time
	factor int64
	mu     sync.Mutex
	last   time.Time
}

// fastFactor speeds up the clocks of the concurrency tests: a 10 s period
// lasts one real second.
const fastFactor = 10

func fastClock(base time.Time) *clock { return &clock{base: base, factor: fastFactor} }

func (c *clock) Now() time.Time {
	now := time.Now()
	t := now.Add(c.offset)
	if c.factor > 1 {
		t = c.base.Add(time.Duration(c.factor) * now.Sub(c.base)).Add(c.offset)
	}
	c.mu.Lock()
	c.last = t
	c.mu.Unlock()
	return t
}

func (c *clock) sleep(ctx context.Context, d time.Duration) error {
	if c.factor > 1 {
		d /= time.Duration(c.factor)
	}
	return sleep(ctx, d)
}

// withClock returns a vault for store whose clock and waits are c's.
func withClock(t testing.TB, cfg Config, c *clock) *Vault {
	t.Helper()
	cfg.Now = c.Now
	v, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	v.sleep = c.sleep
	return v
}

func (c *clock) Last() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// freshRef gives every test its own ledger entries in a shared Redis.
func freshRef(field string) twofetch.SecretRef {
	return twofetch.SecretRef{TenantID: "ten_code", AccountID: twofetch.NewID("acc"), Field: field}
}

type issued struct {
	Value      string    `json:"value"`
	ValidUntil time.Time `json:"valid_until"`
	Decided    time.Time `json:"decided"`
	Who        string    `json:"who"`
}

// checkIssued asserts the replay rules over every code handed out.
func checkIssued(t *testing.T, k *otpauth.Key, minValidity time.Duration, got []issued) {
	t.Helper()
	steps := map[uint64]string{}
	for _, c := range got {
		step := k.Step(c.ValidUntil) - 1
		if !k.StepEnd(step).Equal(c.ValidUntil) {
			t.Errorf("%s: ValidUntil %v is not the end of a time step", c.Who, c.ValidUntil)
		}
		if want, _ := k.Code(step); c.Value != want {
			t.Errorf("%s: code for step %d is not the key's code", c.Who, step)
		}
		if prev, dup := steps[step]; dup {
			t.Errorf("step %d issued twice, to %s and %s", step, prev, c.Who)
		}
		steps[step] = c.Who
		if left := c.ValidUntil.Sub(c.Decided); left < minValidity {
			t.Errorf("%s: code handed out with %v left, want at least %v", c.Who, left, minValidity)
		}
	}
}

func TestCodeConcurrentGoroutines(t *testing.T) {
	ctx := context.Background()
	rdb := newRedis(t)
	store := newMemStore()
	kek, _ := MasterKey(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32)))
	ref := freshRef(twofetch.FieldTOTP)
	k := testKey(otpauth.TOTP)
	k.Period = 10
	const minValidity = 2500 * time.Millisecond
	if _, err := newTestVault(t, kek, store).PutKey(ctx, ref, k); err != nil {
		t.Fatal(err)
	}
	base := time.Now()
	const callers = 4
	var (
		mu  sync.Mutex
		got []issued
		wg  sync.WaitGroup
	)
	for i := range callers {
		wg.Go(func() {
			// One vault per caller, as in separate workers, each with its
			// own clock so its last reading belongs to its own decision.
			c := fastClock(base)
			v := withClock(t, Config{Store: store, KEK: kek, Redis: rdb, MinValidity: minValidity}, c)
			code, err := v.Code(ctx, ref)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got = append(got, issued{code.Value, code.ValidUntil, c.Last(), fmt.Sprintf("goroutine %d", i)})
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(got) != callers {
		t.Fatalf("%d codes issued, want %d", len(got), callers)
	}
	checkIssued(t, k, minValidity, got)
}

// Environment of a child process started by TestCodeAcrossProcesses.
const (
	envChild   = "TWOFETCH_VAULT_TEST_CHILD"
	envKeyring = "TWOFETCH_VAULT_TEST_KEYRING"
	envSealed  = "TWOFETCH_VAULT_TEST_SEALED"
	envRef     = "TWOFETCH_VAULT_TEST_REF"
	envRedis   = "TWOFETCH_VAULT_TEST_REDIS"
	envBase    = "TWOFETCH_VAULT_TEST_CLOCK_BASE"
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "1" {
		os.Exit(childCode())
	}
	os.Exit(m.Run())
}

// childCode is one worker process: it opens the shared keyring, holds the
// sealed key in its own store, asks for one code and prints it as JSON.
func childCode() int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, err); return 1 }
	kek, err := OpenKeyring(os.Getenv(envKeyring))
	if err != nil {
		return fail(err)
	}
	sealedBytes, err := base64.StdEncoding.DecodeString(os.Getenv(envSealed))
	if err != nil {
		return fail(err)
	}
	var ref twofetch.SecretRef
	if err := json.Unmarshal([]byte(os.Getenv(envRef)), &ref); err != nil {
		return fail(err)
	}
	opt, err := redis.ParseURL(os.Getenv(envRedis))
	if err != nil {
		return fail(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ctx := context.Background()
	store := newMemStore()
	if err := store.PutSecret(ctx, &twofetch.Secret{Ref: ref, Sealed: sealedBytes}); err != nil {
		return fail(err)
	}
	base, err := time.Parse(time.RFC3339Nano, os.Getenv(envBase))
	if err != nil {
		return fail(err)
	}
	c := fastClock(base)
	v, err := New(Config{Store: store, KEK: kek, Redis: rdb, Now: c.Now, MinValidity: 2500 * time.Millisecond})
	if err != nil {
		return fail(err)
	}
	v.sleep = c.sleep
	code, err := v.Code(ctx, ref)
	if err != nil {
		return fail(err)
	}
	if err := json.NewEncoder(os.Stdout).Encode(issued{code.Value, code.ValidUntil, c.Last(), fmt.Sprintf("process %d", os.Getpid())}); err != nil {
		return fail(err)
	}
	return 0
}

func TestCodeAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	redisURL := testenv.RedisURL(t)
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		testenv.Missing(t, "Redis: %v", err)
	}
	path := filepath.Join(t.TempDir(), "keyring.json")
	kek, err := OpenKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	store := newMemStore()
	ref := freshRef(twofetch.FieldTOTP)
	k := testKey(otpauth.TOTP)
	k.Period = 10
	const minValidity = 2500 * time.Millisecond
	if _, err := newTestVault(t, kek, store).PutKey(ctx, ref, k); err != nil {
		t.Fatal(err)
	}
	s, _ := store.GetSecret(ctx, ref)
	refJSON, _ := json.Marshal(ref)
	base := time.Now()
	env := append(os.Environ(), envChild+"=1", envKeyring+"="+path, envRedis+"="+redisURL,
		envSealed+"="+base64.StdEncoding.EncodeToString(s.Sealed), envRef+"="+string(refJSON),
		envBase+"="+base.Format(time.RFC3339Nano))

	const processes, goroutines = 3, 2
	var (
		mu  sync.Mutex
		got []issued
		wg  sync.WaitGroup
	)
	for range processes {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = env
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Errorf("child: %v: %s", err, stderr.String())
				return
			}
			var c issued
			if err := json.Unmarshal(out, &c); err != nil {
				t.Errorf("child output %q: %v", out, err)
				return
			}
			mu.Lock()
			got = append(got, c)
			mu.Unlock()
		})
	}
	for i := range goroutines {
		wg.Go(func() {
			c := fastClock(base)
			v := withClock(t, Config{Store: store, KEK: kek, Redis: rdb, MinValidity: minValidity}, c)
			code, err := v.Code(ctx, ref)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got = append(got, issued{code.Value, code.ValidUntil, c.Last(), fmt.Sprintf("goroutine %d", i)})
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(got) != processes+goroutines {
		t.Fatalf("%d codes issued, want %d", len(got), processes+goroutines)
	}
	checkIssued(t, k, minValidity, got)
}

// TestCodeWaitsNearWindowEnd starts one second before a window ends, with
// five seconds of minimum validity: the code must come from the next window.
func TestCodeWaitsNearWindowEnd(t *testing.T) {
	ctx := context.Background()
	rdb := newRedis(t)
	k := testKey(otpauth.TOTP)
	now := time.Now()
	c := &clock{offset: time.Until(k.StepEnd(k.Step(now))) - time.Second}
	kek, _ := MasterKey(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32)))
	v, _ := New(Config{Store: newMemStore(), KEK: kek, Redis: rdb, Now: c.Now})
	ref := freshRef(twofetch.FieldTOTP)
	if _, err := v.PutKey(ctx, ref, k); err != nil {
		t.Fatal(err)
	}
	start := k.Step(c.Now())
	code, err := v.Code(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !code.ValidUntil.After(k.StepEnd(start)) {
		t.Errorf("code from step ending %v, want one from a later step than %d", code.ValidUntil, start)
	}
	checkIssued(t, k, 5*time.Second, []issued{{code.Value, code.ValidUntil, c.Last(), "caller"}})
}

// TestCodeWaitHonoursContext: the second caller in a window waits for the
// next one, and gives up when its context ends.
func TestCodeWaitHonoursContext(t *testing.T) {
	ctx := context.Background()
	rdb := newRedis(t)
	k := testKey(otpauth.TOTP)
	// Two seconds into a window: the first code is immediate, the next
	// window is 28 seconds away.
	now := time.Now()
	c := &clock{offset: time.Until(k.StepEnd(k.Step(now))) + 2*time.Second}
	kek, _ := MasterKey(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32)))
	v, _ := New(Config{Store: newMemStore(), KEK: kek, Redis: rdb, Now: c.Now})
	ref := freshRef(twofetch.FieldTOTP)
	if _, err := v.PutKey(ctx, ref, k); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Code(ctx, ref); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	code, err := v.Code(short, ref)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second code in the same window: %v, %v; want the context's deadline", code.ValidUntil, err)
	}
}

func TestCodeNeedsRedis(t *testing.T) {
	ctx := context.Background()
	kek, _ := MasterKey(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32)))
	v := newTestVault(t, kek, newMemStore())
	if _, err := v.PutKey(ctx, refTOTP, testKey(otpauth.TOTP)); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Code(ctx, refTOTP); err == nil {
		t.Error("a time-based code was issued without a ledger")
	}
	ref := refTOTP
	ref.Field = twofetch.FieldPassword
	if _, err := v.Code(ctx, ref); twofetch.ErrorCode(err) != twofetch.EINVALID {
		t.Errorf("Code for a password field: %v, want invalid", err)
	}
}

// TestCounterCodes: concurrent callers of one HOTP or MobilePASS key get consecutive
// counters, each exactly once, and the counter is stored before a code is
// returned.
func TestCounterCodes(t *testing.T) {
	for _, typ := range []otpauth.Type{otpauth.HOTP, otpauth.MobilePass} {
		t.Run(string(typ), func(t *testing.T) { testCounterCodes(t, typ) })
	}
}

func testCounterCodes(t *testing.T, typ otpauth.Type) {
	ctx := context.Background()
	kek, _ := MasterKey(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32)))
	store := newMemStore()
	v := newTestVault(t, kek, store)
	k := testKey(typ)
	if typ == otpauth.MobilePass {
		k.Algorithm = otpauth.SHA256
		k.Secret = bytes.Repeat(testSecret, 2)[:32]
	}
	if _, err := v.PutKey(ctx, refTOTP, k); err != nil {
		t.Fatal(err)
	}
	const callers = 8
	codes := make([]string, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			c, err := newTestVault(t, kek, store).Code(ctx, refTOTP)
			if err != nil {
				t.Error(err)
				return
			}
			if !c.ValidUntil.IsZero() {
				t.Errorf("HOTP code has ValidUntil %v, want zero", c.ValidUntil)
			}
			codes[i] = c.Value
		})
	}
	wg.Wait()
	want := map[string]bool{}
	for c := range uint64(callers) {
		code, _ := k.Code(c)
		want[code] = true
	}
	for i, c := range codes {
		if !want[c] {
			t.Errorf("caller %d got a code that is not one of counters 0..%d", i, callers-1)
		}
		delete(want, c)
	}
	o, stored, err := v.loadKey(ctx, refTOTP)
	if err != nil {
		t.Fatal(err)
	}
	o.clear()
	if stored.Counter != callers {
		t.Errorf("stored counter %d, want %d", stored.Counter, callers)
	}

	// A store that refuses the write: no code leaves the vault.
	broken := newTestVault(t, kek, &faultStore{SecretStore: store, n: 0})
	c, err := broken.Code(ctx, refTOTP)
	if err == nil || c.Value != "" {
		t.Fatalf("Code with a failing store = %q, %v; want no code and an error", c.Value, err)
	}
	if next, _ := k.Code(callers); strings.Contains(err.Error(), next) {
		t.Errorf("error %q contains the code", err)
	}
}

func TestPutKeyRefuses(t *testing.T) {
	ctx := context.Background()
	kek, _ := MasterKey(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32)))
	v := newTestVault(t, kek, newMemStore())
	noSecret := testKey(otpauth.TOTP)
	noSecret.Secret = nil
	badDigits := testKey(otpauth.TOTP)
	badDigits.Digits = 12
	tests := []struct {
		name string
		ref  twofetch.SecretRef
		key  *otpauth.Key
	}{
		{"password field", refPassword, testKey(otpauth.TOTP)},
		{"nil key", refTOTP, nil},
		{"no secret", refTOTP, noSecret},
		{"bad digits", refTOTP, badDigits},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := v.PutKey(ctx, tc.ref, tc.key); twofetch.ErrorCode(err) != twofetch.EINVALID {
				t.Errorf("err = %v, want invalid", err)
			}
		})
	}
	var refused *otpauth.RefusedError
	_, err := v.PutKey(ctx, refTOTP, badDigits)
	if !errors.As(err, &refused) || twofetch.ErrorMessage(err) != refused.Reason {
		t.Errorf("refused key: %v; want the customer-readable reason as the message", err)
	}
}

// TestNothingSecretLogged runs an enrolment and code issuance with debug
// logging and looks for every form of the secrets in the log and errors.
func TestNothingSecretLogged(t *testing.T) {
	ctx := context.Background()
	rdb := newRedis(t)
	var logs testenv.LogLines
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store := newMemStore()
	k, err := OpenKeyring(filepath.Join(t.TempDir(), "keyring.json"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(Config{Store: store, KEK: k, Redis: rdb, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	password := "s3cret-Passw0rd!"
	pending := freshRef(twofetch.FieldTOTPPending)
	final := pending
	final.Field = twofetch.FieldTOTP
	pw := pending
	pw.Field = twofetch.FieldPassword
	hotpRef := twofetch.SecretRef{TenantID: pending.TenantID, AccountID: twofetch.NewID("acc"), Field: twofetch.FieldTOTP}

	if err := v.Seal(ctx, pw, []byte(password)); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Open(ctx, pw); err != nil {
		t.Fatal(err)
	}
	if _, err := v.PutKey(ctx, pending, testKey(otpauth.TOTP)); err != nil {
		t.Fatal(err)
	}
	var codes []string
	c1, err := v.Code(ctx, pending)
	if err != nil {
		t.Fatal(err)
	}
	codes = append(codes, c1.Value)
	if err := v.Move(ctx, pending, final); err != nil {
		t.Fatal(err)
	}
	if _, err := v.KeyInfo(ctx, final); err != nil {
		t.Fatal(err)
	}
	if _, err := v.PutKey(ctx, hotpRef, testKey(otpauth.HOTP)); err != nil {
		t.Fatal(err)
	}
	c2, err := v.Code(ctx, hotpRef)
	if err != nil {
		t.Fatal(err)
	}
	codes = append(codes, c2.Value)
	if _, err := v.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	// A code passed to a logger or formatted by mistake stays hidden.
	logger.Info("mistake", "code", c1)
	var errs []string
	errs = append(errs, fmt.Sprint(c1), fmt.Sprintf("%v %+v %#v", c2, c2, c2))
	// Errors on the paths where secrets are at hand.
	s, _ := store.GetSecret(ctx, pw)
	s.Ref = hotpRef
	s.Ref.Field = twofetch.FieldRecoveryCodes
	store.set(s)
	if _, err := v.Open(ctx, s.Ref); err != nil {
		errs = append(errs, err.Error())
	}
	if _, err := v.Open(ctx, final); err != nil {
		errs = append(errs, err.Error())
	}

	text := logs.String() + "\n" + strings.Join(errs, "\n")
	if !strings.Contains(logs.String(), "code issued") {
		t.Fatalf("expected code issuance to be logged; log:\n%s", logs.String())
	}
	forbidden := map[string]string{
		"password":                 password,
		"secret (raw)":             string(testSecret),
		"secret (base32)":          base32.StdEncoding.EncodeToString(testSecret),
		"secret (base32 unpadded)": base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(testSecret),
		"secret (base64)":          base64.StdEncoding.EncodeToString(testSecret),
		"secret (hex)":             hex.EncodeToString(testSecret),
		"password (base64)":        base64.StdEncoding.EncodeToString([]byte(password)),
	}
	for what, s := range forbidden {
		if strings.Contains(text, s) {
			t.Errorf("%s appears in logs or errors", what)
		}
	}
	// Codes are digits: look for them as whole numbers, not inside the
	// nanoseconds of a timestamp.
	for i, c := range codes {
		if regexp.MustCompile(`(^|[^0-9])` + c + `([^0-9]|$)`).MatchString(text) {
			t.Errorf("code %d appears in logs or errors", i)
		}
	}
}

// TestCodeRedisDown: without the ledger no time-based code is issued, since
// nothing could then stop another worker from typing the same one.
func TestCodeRedisDown(t *testing.T) {
	ctx := context.Background()
	r := testenv.StartRedis(t)
	opt, err := redis.ParseURL(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	opt.MaxRetries = -1
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	kek, _ := MasterKey(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32)))
	v, _ := New(Config{Store: newMemStore(), KEK: kek, Redis: rdb})
	ref := freshRef(twofetch.FieldTOTP)
	k := testKey(otpauth.TOTP)
	if _, err := v.PutKey(ctx, ref, k); err != nil {
		t.Fatal(err)
	}
	r.Stop()
	c, err := v.Code(ctx, ref)
	if err == nil || c.Value != "" {
		t.Fatalf("Code with Redis down = %q, %v; want an error and no code", c.Value, err)
	}
	now := time.Now()
	for _, at := range []time.Time{now, now.Add(30 * time.Second)} {
		if code, _ := k.CodeAt(at); strings.Contains(err.Error(), code) {
			t.Errorf("error %q contains a code", err)
		}
	}
}

// TestUpcomingCodeNeverWaits: near a window's end, and when the current
// window's code was already issued, UpcomingCode answers at once with the
// next free window's code and says when it starts.
func TestUpcomingCodeNeverWaits(t *testing.T) {
	ctx := context.Background()
	rdb := newRedis(t)
	k := testKey(otpauth.TOTP)
	now := time.Now()
	// One second before a window ends: its code has too little time left.
	c := &clock{offset: time.Until(k.StepEnd(k.Step(now))) - time.Second}
	kek, _ := MasterKey(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, 32)))
	v, _ := New(Config{Store: newMemStore(), KEK: kek, Redis: rdb, Now: c.Now})
	// UpcomingCode must answer without waiting for a window.
	v.sleep = func(context.Context, time.Duration) error { t.Fatal("UpcomingCode waited"); return nil }
	ref := freshRef(twofetch.FieldTOTP)
	if _, err := v.PutKey(ctx, ref, k); err != nil {
		t.Fatal(err)
	}
	cur := k.Step(c.Now())
	first, err := v.UpcomingCode(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := k.Code(cur + 1); first.Value != want || !first.ValidUntil.Equal(k.StepEnd(cur+1)) || !first.ValidFrom.Equal(k.StepEnd(cur)) {
		t.Fatalf("near the end of step %d: got %+v, want step %d's code valid from %v", cur, first, cur+1, k.StepEnd(cur))
	}
	second, err := v.UpcomingCode(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := k.Code(cur + 2); second.Value != want || !second.ValidFrom.Equal(k.StepEnd(cur+1)) {
		t.Fatalf("second code %+v, want step %d's", second, cur+2)
	}
	if _, err := v.UpcomingCode(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := v.UpcomingCode(ctx, ref); twofetch.ErrorCode(err) != twofetch.ECONFLICT {
		t.Fatalf("with the next three steps issued: %v, want a conflict", err)
	}

	// A window with time left whose code is free is valid now.
	c.offset += 3 * time.Second // into the next window, near its start
	ref2 := freshRef(twofetch.FieldTOTP)
	if _, err := v.PutKey(ctx, ref2, k); err != nil {
		t.Fatal(err)
	}
	now2 := c.Now()
	got, err := v.UpcomingCode(ctx, ref2)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := k.Code(k.Step(now2)); got.Value != want || !got.ValidFrom.IsZero() {
		t.Fatalf("mid-window: %+v, want the current code, valid now", got)
	}
}

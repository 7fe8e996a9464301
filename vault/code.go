package vault

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/otpauth"
)

// KeyInfo describes an enrolled authenticator key without its secret.
type KeyInfo struct {
	Type      otpauth.Type      `json:"type"`
	Issuer    string            `json:"issuer,omitempty"`
	Account   string            `json:"account,omitempty"`
	Algorithm otpauth.Algorithm `json:"algorithm"`
	Digits    int               `json:"digits"`
	// Period is the time step in seconds of time-based keys.
	Period int `json:"period,omitempty"`
}

func infoOf(k *otpauth.Key) KeyInfo {
	return KeyInfo{Type: k.Type, Issuer: k.Issuer, Account: k.Account, Algorithm: k.Algorithm, Digits: k.Digits, Period: k.Period}
}

// Code is a one-time code. Its String, GoString and LogValue hide the
// value, so a Code that reaches a log or an error by mistake shows nothing.
type Code struct {
	Value string
	// ValidFrom is when the code's time window starts, for a code issued
	// ahead of its window (UpcomingCode); zero when it is valid now.
	ValidFrom time.Time
	// ValidUntil is the end of the code's time window; zero for
	// counter-based keys, whose codes stay valid until used.
	ValidUntil time.Time
	// Type is the kind of key that issued the code.
	Type otpauth.Type
}

func (c Code) String() string { return "[code]" }

// GoString keeps the value out of %#v too.
func (c Code) GoString() string { return "vault.Code{[hidden]}" }

// LogValue keeps the value out of structured logs.
func (c Code) LogValue() slog.Value {
	return slog.GroupValue(slog.Time("valid_until", c.ValidUntil))
}

// PutKey seals an authenticator key at ref, whose field must be totp or
// totp_pending, and returns what the key says about itself.
func (v *Vault) PutKey(ctx context.Context, ref twofetch.SecretRef, k *otpauth.Key) (KeyInfo, error) {
	if err := checkRef(ref); err != nil {
		return KeyInfo{}, err
	}
	if !isKeyField(ref.Field) {
		return KeyInfo{}, twofetch.Errorf(twofetch.EINVALID, "field %q cannot hold an authenticator key", ref.Field)
	}
	if k == nil {
		return KeyInfo{}, twofetch.Errorf(twofetch.EINVALID, "no authenticator key given")
	}
	if err := k.Validate(); err != nil {
		return KeyInfo{}, &keyRefused{app: twofetch.Errorf(twofetch.EINVALID, "%s", err.Error()), cause: err}
	}
	c := *k
	c.Secret = append([]byte(nil), k.Secret...)
	defer clear(c.Secret)
	// A key that cannot produce a code now would fail at the portal's 2FA
	// prompt; refuse it at enrolment instead.
	if _, err := c.Code(c.Counter); err != nil {
		return KeyInfo{}, twofetch.Errorf(twofetch.EINVALID, "authenticator key cannot generate codes: %v", err)
	}
	b, err := json.Marshal(&c)
	if err != nil {
		return KeyInfo{}, fmt.Errorf("vault: encode key: %w", err)
	}
	defer clear(b)
	if err := v.put(ctx, ref, b); err != nil {
		return KeyInfo{}, err
	}
	info := infoOf(&c)
	v.log.InfoContext(ctx, "vault: authenticator key stored", "ref", ref.String(), "type", info.Type, "issuer", info.Issuer)
	return info, nil
}

// keyRefused is a key that otpauth's validation refused: an invalid-input
// error for the API whose message is the customer-readable reason, that is
// also the *otpauth.RefusedError for callers who look for it.
type keyRefused struct {
	app   *twofetch.Error
	cause error
}

func (e *keyRefused) Error() string   { return e.app.Error() }
func (e *keyRefused) Unwrap() []error { return []error{e.app, e.cause} }

// loadKey opens the key at ref; the caller clears o and key.Secret.
func (v *Vault) loadKey(ctx context.Context, ref twofetch.SecretRef) (*opened, *otpauth.Key, error) {
	if err := checkRef(ref); err != nil {
		return nil, nil, err
	}
	if !isKeyField(ref.Field) {
		return nil, nil, twofetch.Errorf(twofetch.EINVALID, "field %q does not hold an authenticator key", ref.Field)
	}
	o, err := v.load(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	var k otpauth.Key
	if err := json.Unmarshal(o.plaintext, &k); err != nil {
		o.clear()
		// The JSON error could quote the plaintext; say only what broke.
		return nil, nil, fmt.Errorf("vault: authenticator key at %s does not decode", ref)
	}
	return o, &k, nil
}

// KeyInfo describes the key at ref without revealing its secret.
func (v *Vault) KeyInfo(ctx context.Context, ref twofetch.SecretRef) (KeyInfo, error) {
	o, k, err := v.loadKey(ctx, ref)
	if err != nil {
		return KeyInfo{}, err
	}
	o.clear()
	clear(k.Secret)
	return infoOf(k), nil
}

// Code returns a code of the key at ref.
//
// For time-based keys it never hands out the same time step twice, across
// every process sharing the Redis ledger, and never with less than
// MinValidity left: a second caller in the same window, or a caller late in
// a window, waits (until ctx ends) for the next one.
//
// For counter-based keys (HOTP, MobilePASS) the advanced counter is stored
// before the code is returned, so a crash can skip a code but never repeat
// one.
func (v *Vault) Code(ctx context.Context, ref twofetch.SecretRef) (Code, error) {
	o, k, err := v.loadKey(ctx, ref)
	if err != nil {
		return Code{}, err
	}
	if k.TimeBased() {
		o.clear()
		defer clear(k.Secret)
		return v.timeCode(ctx, ref, k)
	}
	return v.counterCode(ctx, ref, o, k)
}

// ledgerKey names the Redis entry that records step as issued. It hashes
// tenant and account but not the field: the key under totp_pending moves to
// totp and must not repeat a step it already issued there. Ids go through
// SHA-256 so the Redis keyspace says nothing about customers.
func ledgerKey(ref twofetch.SecretRef, step uint64) string {
	h := sha256.Sum256([]byte(ref.TenantID + "\x00" + ref.AccountID))
	return "twofetch:otp:" + hex.EncodeToString(h[:16]) + ":" + strconv.FormatUint(step, 10)
}

// upcomingSteps is how far ahead UpcomingCode looks for a step no code
// was issued for: a person asks for a code now and then, so finding the
// current and the next two taken means something else is asking.
const upcomingSteps = 3

// UpcomingCode issues a code without waiting, for a person who types it:
// the current window's when it has at least the minimum validity left and
// none was issued for it, else the first later window's that is free, with
// ValidFrom saying when it starts to work. Like Code it never issues a
// step twice, and never one about to expire. Counter-based keys give their
// next code as Code does.
func (v *Vault) UpcomingCode(ctx context.Context, ref twofetch.SecretRef) (Code, error) {
	o, k, err := v.loadKey(ctx, ref)
	if err != nil {
		return Code{}, err
	}
	if !k.TimeBased() {
		return v.counterCode(ctx, ref, o, k)
	}
	o.clear()
	defer clear(k.Secret)
	if v.redis == nil {
		return Code{}, fmt.Errorf("vault: no Redis configured, so codes cannot be issued without risking a repeat")
	}
	period := time.Duration(k.Period) * time.Second
	if k.Period <= 0 {
		period = 30 * time.Second
	}
	now := v.now()
	step := k.Step(now)
	if k.StepEnd(step).Sub(now) < v.minValidity {
		step++
	}
	for range upcomingSteps {
		end := k.StepEnd(step)
		ok, err := v.redis.SetNX(ctx, ledgerKey(ref, step), "1", end.Sub(now)+period).Result()
		if err != nil {
			return Code{}, fmt.Errorf("vault: record issued code for %s: %w", ref, err)
		}
		if ok {
			value, err := k.Code(step)
			if err != nil {
				return Code{}, fmt.Errorf("vault: generate code for %s: %w", ref, err)
			}
			c := Code{Value: value, ValidUntil: end, Type: k.Type}
			if start := end.Add(-period); start.After(now) {
				c.ValidFrom = start
			}
			v.log.InfoContext(ctx, "vault: code issued ahead", "ref", ref.String(), "type", k.Type, "valid_from", c.ValidFrom, "valid_until", end)
			return c, nil
		}
		step++
	}
	return Code{}, twofetch.Errorf(twofetch.ECONFLICT, "the next %d codes of %s were already issued", upcomingSteps, ref)
}

func (v *Vault) timeCode(ctx context.Context, ref twofetch.SecretRef, k *otpauth.Key) (Code, error) {
	if v.redis == nil {
		return Code{}, fmt.Errorf("vault: no Redis configured, so codes cannot be issued without risking a repeat")
	}
	period := time.Duration(k.Period) * time.Second
	if k.Period <= 0 {
		period = 30 * time.Second
	}
	if period <= v.minValidity {
		return Code{}, twofetch.Errorf(twofetch.EINVALID, "key's %s period is not longer than the minimum validity %s", period, v.minValidity)
	}
	for {
		now := v.now()
		step := k.Step(now)
		end := k.StepEnd(step)
		if end.Sub(now) >= v.minValidity {
			// The entry outlives the window by a period so that a process
			// whose clock lags a little still finds it.
			ttl := end.Sub(now) + period
			ok, err := v.redis.SetNX(ctx, ledgerKey(ref, step), "1", ttl).Result()
			if err != nil {
				return Code{}, fmt.Errorf("vault: record issued code for %s: %w", ref, err)
			}
			if ok {
				value, err := k.Code(step)
				if err != nil {
					return Code{}, fmt.Errorf("vault: generate code for %s: %w", ref, err)
				}
				// Redis may have been slow: check again, and burn the
				// step rather than hand out a code about to expire.
				if end.Sub(v.now()) >= v.minValidity {
					v.log.InfoContext(ctx, "vault: code issued", "ref", ref.String(), "type", k.Type, "valid_until", end)
					return Code{Value: value, ValidUntil: end, Type: k.Type}, nil
				}
			}
		}
		if err := v.sleep(ctx, end.Sub(v.now())); err != nil {
			return Code{}, fmt.Errorf("vault: waiting for the next code window of %s: %w", ref, err)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// maxCounterAttempts bounds retries when other processes keep advancing the
// same counter; each retry means someone else got a code, so progress is
// being made and running out means heavy contention, not a stuck loop.
const maxCounterAttempts = 50

func (v *Vault) counterCode(ctx context.Context, ref twofetch.SecretRef, o *opened, k *otpauth.Key) (Code, error) {
	for attempt := 1; ; attempt++ {
		value, err := v.advance(ctx, o, k)
		o.clear()
		clear(k.Secret)
		if err == nil {
			v.log.InfoContext(ctx, "vault: code issued", "ref", ref.String(), "type", k.Type)
			return Code{Value: value, Type: k.Type}, nil
		}
		if !twofetch.IsConflict(err) {
			return Code{}, err
		}
		if attempt == maxCounterAttempts {
			return Code{}, fmt.Errorf("vault: counter of %s changed under %d attempts in a row: %w", ref, attempt, err)
		}
		if err := ctx.Err(); err != nil {
			return Code{}, err
		}
		o, k, err = v.loadKey(ctx, ref)
		if err != nil {
			return Code{}, err
		}
	}
}

// advance generates the code at the key's counter and stores the next
// counter under the version read; only then is the code returned.
func (v *Vault) advance(ctx context.Context, o *opened, k *otpauth.Key) (string, error) {
	value, err := k.Code(k.Counter)
	if err != nil {
		return "", fmt.Errorf("vault: generate code for %s: %w", o.secret.Ref, err)
	}
	k.Counter++
	b, err := json.Marshal(k)
	if err != nil {
		return "", fmt.Errorf("vault: encode key: %w", err)
	}
	defer clear(b)
	if err := o.reseal(b); err != nil {
		return "", fmt.Errorf("vault: reseal %s: %w", o.secret.Ref, err)
	}
	if err := v.store.UpdateSecret(ctx, o.secret); err != nil {
		if twofetch.IsConflict(err) {
			return "", err
		}
		return "", fmt.Errorf("vault: store counter of %s: %w", o.secret.Ref, err)
	}
	return value, nil
}

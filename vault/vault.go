// Package vault keeps portal passwords, cookies and authenticator keys
// sealed, and hands out one-time codes.
//
// Every secret is encrypted with its own AES-256-GCM data key; the data key
// is wrapped by a key-encryption key (KEK) from a local keyring file, a
// master key, or AWS KMS, and stored next to the ciphertext. Both layers
// are bound to the secret's tenant, account and field, so a sealed value
// copied to another record does not open.
//
// Authenticator keys go in with PutKey and never come out: callers ask for
// a Code, which the vault issues at most once per time step of a key, across
// processes, through Redis.
package vault

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/twofetch/twofetch"
)

// Config configures a Vault.
type Config struct {
	// Store keeps the sealed values. Required.
	Store twofetch.SecretStore
	// KEK wraps data keys. Required.
	KEK KEK
	// Redis is the ledger of issued time steps, shared by every process
	// that issues codes. Required for Code on time-based keys.
	Redis redis.UniversalClient
	// Logger receives events without secrets. If nil, nothing is logged.
	Logger *slog.Logger
	// Now is the clock. If nil, time.Now.
	Now func() time.Time
	// MinValidity is the least time a code has left when it is handed out;
	// with less, Code waits for the next window. If zero, 5s.
	MinValidity time.Duration
}

// Vault seals and opens secrets and issues codes. It is safe for concurrent
// use.
type Vault struct {
	store       twofetch.SecretStore
	redis       redis.UniversalClient
	log         *slog.Logger
	now         func() time.Time
	minValidity time.Duration
	// sleep waits for the next code window; tests whose clock runs fast
	// make it wait correspondingly less.
	sleep func(context.Context, time.Duration) error

	mu  sync.RWMutex
	kek KEK
}

// New returns a Vault.
func New(cfg Config) (*Vault, error) {
	if cfg.Store == nil {
		return nil, errors.New("vault: no secret store configured")
	}
	if cfg.KEK == nil {
		return nil, errors.New("vault: no key-encryption key configured")
	}
	v := &Vault{
		store:       cfg.Store,
		kek:         cfg.KEK,
		redis:       cfg.Redis,
		log:         cfg.Logger,
		now:         cfg.Now,
		minValidity: cfg.MinValidity,
		sleep:       sleep,
	}
	if v.log == nil {
		v.log = slog.New(slog.DiscardHandler)
	}
	if v.now == nil {
		v.now = time.Now
	}
	if v.minValidity <= 0 {
		v.minValidity = 5 * time.Second
	}
	return v, nil
}

// KeyID names the key-encryption key that wraps new data keys.
func (v *Vault) KeyID() string { return v.currentKEK().keyID() }

func (v *Vault) currentKEK() KEK {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.kek
}

// keyFields hold authenticator keys: they go in through PutKey and only
// codes come out.
func isKeyField(f string) bool {
	return f == twofetch.FieldTOTP || f == twofetch.FieldTOTPPending ||
		strings.HasPrefix(f, twofetch.FieldTOTPPending+":") // an enrolment's pending key
}

func checkRef(ref twofetch.SecretRef) error {
	if ref.TenantID == "" || ref.AccountID == "" || ref.Field == "" {
		return twofetch.Errorf(twofetch.EINVALID, "secret reference %q needs tenant, account and field", ref.String())
	}
	return nil
}

// Seal encrypts plaintext (a password, cookies, recovery codes) and stores
// it at ref, replacing what was there. Authenticator keys go through PutKey.
// The caller still owns plaintext and should clear it.
func (v *Vault) Seal(ctx context.Context, ref twofetch.SecretRef, plaintext []byte) error {
	if err := checkRef(ref); err != nil {
		return err
	}
	if isKeyField(ref.Field) {
		return twofetch.Errorf(twofetch.EINVALID, "field %q holds an authenticator key; store it with PutKey", ref.Field)
	}
	if err := v.put(ctx, ref, plaintext); err != nil {
		return err
	}
	v.log.InfoContext(ctx, "vault: secret sealed", "ref", ref.String())
	return nil
}

func (v *Vault) put(ctx context.Context, ref twofetch.SecretRef, plaintext []byte) error {
	s, err := v.seal(ctx, ref, plaintext)
	if err != nil {
		return err
	}
	if err := v.store.PutSecret(ctx, s); err != nil {
		return fmt.Errorf("vault: store %s: %w", ref, err)
	}
	return nil
}

// seal encrypts plaintext under a new data key bound to ref.
func (v *Vault) seal(ctx context.Context, ref twofetch.SecretRef, plaintext []byte) (*twofetch.Secret, error) {
	dk, wrapped, id, err := v.currentKEK().generate(ctx, ref)
	if err != nil {
		return nil, err
	}
	defer clear(dk)
	nonce, ct, err := encrypt(dk, plaintext, dataAAD(ref))
	if err != nil {
		return nil, fmt.Errorf("vault: seal %s: %w", ref, err)
	}
	sv := &sealed{keyID: id, wrapped: wrapped, nonce: nonce, ciphertext: ct}
	return &twofetch.Secret{Ref: ref, Sealed: sv.marshal(), KeyID: id}, nil
}

// opened is a secret decrypted together with what is needed to write it
// back under the same data key (counter keys advance on every code).
type opened struct {
	secret    *twofetch.Secret
	sealed    *sealed
	dataKey   []byte
	plaintext []byte
}

func (o *opened) clear() {
	clear(o.dataKey)
	clear(o.plaintext)
}

// reseal replaces the plaintext under the same data key with a fresh nonce,
// so advancing a counter costs no KMS call.
func (o *opened) reseal(plaintext []byte) error {
	nonce, ct, err := encrypt(o.dataKey, plaintext, dataAAD(o.secret.Ref))
	if err != nil {
		return err
	}
	sv := &sealed{keyID: o.sealed.keyID, wrapped: o.sealed.wrapped, nonce: nonce, ciphertext: ct}
	o.secret.Sealed = sv.marshal()
	o.secret.KeyID = sv.keyID
	return nil
}

func (v *Vault) load(ctx context.Context, ref twofetch.SecretRef) (*opened, error) {
	s, err := v.store.GetSecret(ctx, ref)
	if err != nil {
		if twofetch.IsNotFound(err) {
			return nil, twofetch.Errorf(twofetch.ENOTFOUND, "no secret %s", ref.Field)
		}
		return nil, fmt.Errorf("vault: read %s: %w", ref, err)
	}
	// The store row's own ref is what the value must be bound to; asking
	// for ref and getting another row back would be a store bug, and the
	// binding catches it.
	return v.open(ctx, ref, s)
}

func (v *Vault) open(ctx context.Context, ref twofetch.SecretRef, s *twofetch.Secret) (*opened, error) {
	sv, err := parseSealed(s.Sealed)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, ref)
	}
	dk, err := v.currentKEK().unwrap(ctx, sv.keyID, sv.wrapped, ref)
	if err != nil {
		return nil, fmt.Errorf("vault: open %s: %w", ref, err)
	}
	p, err := decrypt(dk, sv.nonce, sv.ciphertext, dataAAD(ref))
	if err != nil {
		clear(dk)
		return nil, fmt.Errorf("vault: open %s: %w", ref, err)
	}
	return &opened{secret: s, sealed: sv, dataKey: dk, plaintext: p}, nil
}

// Open returns the plaintext sealed at ref. Authenticator keys are refused:
// ask for a Code. The caller should clear the result after use.
func (v *Vault) Open(ctx context.Context, ref twofetch.SecretRef) ([]byte, error) {
	if err := checkRef(ref); err != nil {
		return nil, err
	}
	if isKeyField(ref.Field) {
		return nil, twofetch.Errorf(twofetch.EFORBIDDEN, "authenticator keys never leave the vault; ask for a code")
	}
	o, err := v.load(ctx, ref)
	if err != nil {
		return nil, err
	}
	clear(o.dataKey)
	v.log.DebugContext(ctx, "vault: secret opened", "ref", ref.String())
	return o.plaintext, nil
}

// Move reseals the secret at from under the binding of to and deletes from,
// e.g. totp_pending to totp once the portal accepted the first code. Keys
// and other secrets cannot move into each other's fields. A crash between
// the two steps leaves both copies; moving again finishes.
func (v *Vault) Move(ctx context.Context, from, to twofetch.SecretRef) error {
	if err := checkRef(from); err != nil {
		return err
	}
	if err := checkRef(to); err != nil {
		return err
	}
	if from == to {
		return twofetch.Errorf(twofetch.EINVALID, "cannot move a secret onto itself")
	}
	if isKeyField(from.Field) != isKeyField(to.Field) {
		return twofetch.Errorf(twofetch.EINVALID, "cannot move field %q to %q: authenticator keys and other secrets stay apart", from.Field, to.Field)
	}
	o, err := v.load(ctx, from)
	if err != nil {
		return err
	}
	defer o.clear()
	if err := v.put(ctx, to, o.plaintext); err != nil {
		return err
	}
	if err := v.store.DeleteSecret(ctx, from); err != nil && !twofetch.IsNotFound(err) {
		return fmt.Errorf("vault: delete %s after moving it: %w", from, err)
	}
	v.log.InfoContext(ctx, "vault: secret moved", "from", from.String(), "to", to.String())
	return nil
}

// Delete removes the secret at ref.
func (v *Vault) Delete(ctx context.Context, ref twofetch.SecretRef) error {
	if err := checkRef(ref); err != nil {
		return err
	}
	if err := v.store.DeleteSecret(ctx, ref); err != nil {
		if twofetch.IsNotFound(err) {
			return err
		}
		return fmt.Errorf("vault: delete %s: %w", ref, err)
	}
	v.log.InfoContext(ctx, "vault: secret deleted", "ref", ref.String())
	return nil
}

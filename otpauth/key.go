// Package otpauth turns what a customer scans or types into authenticator
// keys, and generates their codes.
package otpauth

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"hash"
	"time"
)

// Type is the kind of one-time-password generator a key drives.
type Type string

const (
	// TOTP is RFC 6238: HOTP over the time step.
	TOTP Type = "totp"
	// HOTP is RFC 4226: HOTP over an event counter.
	HOTP Type = "hotp"
	// Steam is Steam Guard: TOTP with 5 characters from Steam's alphabet.
	Steam Type = "steam"
	// MobilePass is SafeNet MobilePASS (event based).
	MobilePass Type = "mobilepass"
)

// Algorithm is the HMAC hash of a key.
type Algorithm string

const (
	SHA1   Algorithm = "SHA1"
	SHA256 Algorithm = "SHA256"
	SHA512 Algorithm = "SHA512"
)

// Key is one authenticator key with everything needed to generate its codes.
// Secret is the raw HMAC key (for MobilePASS, the key derived from the
// activation code).
type Key struct {
	Type      Type      `json:"type"`
	Issuer    string    `json:"issuer,omitempty"`
	Account   string    `json:"account,omitempty"`
	Secret    []byte    `json:"secret"`
	Algorithm Algorithm `json:"algorithm"`
	Digits    int       `json:"digits"`
	// Period is the time step in seconds (time-based keys).
	Period int `json:"period,omitempty"`
	// Counter is the next counter value (event-based keys).
	Counter uint64 `json:"counter,omitempty"`
}

// TimeBased reports whether codes depend on the clock rather than a counter.
func (k *Key) TimeBased() bool { return k.Type == TOTP || k.Type == Steam }

// Step returns the time step that contains t (time-based keys).
func (k *Key) Step(t time.Time) uint64 {
	p := int64(k.Period)
	if p <= 0 {
		p = 30
	}
	return uint64(t.Unix() / p)
}

// StepEnd returns when time step s ends.
func (k *Key) StepEnd(s uint64) time.Time {
	p := int64(k.Period)
	if p <= 0 {
		p = 30
	}
	return time.Unix(int64(s+1)*p, 0)
}

// CodeAt returns the code of a time-based key at t.
func (k *Key) CodeAt(t time.Time) (string, error) {
	if !k.TimeBased() {
		return "", fmt.Errorf("otpauth: %s key has no time-based code", k.Type)
	}
	return k.Code(k.Step(t))
}

// Code returns the code for moving factor c: the time step for time-based
// keys, the counter for event-based ones.
func (k *Key) Code(c uint64) (string, error) {
	if len(k.Secret) == 0 {
		return "", fmt.Errorf("otpauth: key has no secret")
	}
	switch k.Type {
	case TOTP, HOTP:
		return hotp(k.hash(), k.Secret, c, k.Digits)
	case Steam:
		return steamCode(k.Secret, c), nil
	case MobilePass:
		return mobilePassCode(k.Secret, c, k.Digits)
	}
	return "", fmt.Errorf("otpauth: unknown key type %q", k.Type)
}

func (k *Key) hash() func() hash.Hash {
	switch k.Algorithm {
	case SHA256:
		return sha256.New
	case SHA512:
		return sha512.New
	}
	return sha1.New
}

// truncate is RFC 4226 dynamic truncation of an HMAC over counter c.
func truncate(h func() hash.Hash, secret []byte, c uint64) uint32 {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], c)
	m := hmac.New(h, secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	return binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
}

var pow10 = [...]uint32{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000}

func hotp(h func() hash.Hash, secret []byte, c uint64, digits int) (string, error) {
	if digits < 6 || digits > 8 {
		return "", fmt.Errorf("otpauth: %d digits not supported (6 to 8)", digits)
	}
	v := truncate(h, secret, c) % pow10[digits]
	return fmt.Sprintf("%0*d", digits, v), nil
}

const steamAlphabet = "23456789BCDFGHJKMNPQRTVWXY"

func steamCode(secret []byte, c uint64) string {
	v := truncate(sha1.New, secret, c)
	var out [5]byte
	for i := range out {
		out[i] = steamAlphabet[v%uint32(len(steamAlphabet))]
		v /= uint32(len(steamAlphabet))
	}
	return string(out[:])
}

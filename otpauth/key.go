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
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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
	Type   Type   `json:"type"`
	Issuer string `json:"issuer,omitempty"`
	// LabelIssuer is the issuer prefix of the URI's label when the issuer
	// parameter says something else; both are kept because customers and
	// support recognise an account by either.
	LabelIssuer string    `json:"label_issuer,omitempty"`
	Account     string    `json:"account,omitempty"`
	Secret      []byte    `json:"secret"`
	Algorithm   Algorithm `json:"algorithm"`
	Digits      int       `json:"digits"`
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
		return hotp(sha256.New, k.Secret, c, k.Digits)
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

// Limits on what a key may hold. Real secrets are 10 to 64 bytes; names are
// short. The caps keep a hostile code from filling the vault or the UI.
const (
	minSecretBytes = 10 // 80 bits, the shortest secret portals still issue
	maxSecretBytes = 256
	maxNameRunes   = 256
	minPeriod      = 10
	maxPeriod      = 300
)

// Validate reports whether k can generate codes that a portal will accept.
// Its errors are *RefusedError, worded for the customer.
func (k *Key) Validate() error {
	switch k.Type {
	case TOTP, HOTP, Steam, MobilePass:
	default:
		return refusef("unsupported_kind", "This kind of authenticator key (%q) is not supported.", k.Type)
	}
	if len(k.Secret) == 0 {
		return refused("no_secret", reasonNoSecret)
	}
	if len(k.Secret) < minSecretBytes {
		return refused("short_secret", reasonShortSecret)
	}
	if len(k.Secret) > maxSecretBytes {
		return refused("long_secret", "The secret in this code is unusually long; it does not look like an authenticator key.")
	}
	switch k.Type {
	case Steam:
		if k.Algorithm != SHA1 || k.Digits != 5 {
			return refused("unsupported_parameters", "Steam Guard keys always use SHA1 and 5-character codes.")
		}
	case MobilePass:
		if k.Algorithm != SHA256 {
			return refused("unsupported_parameters", "MobilePASS keys always use SHA256.")
		}
	default:
		switch k.Algorithm {
		case SHA1, SHA256, SHA512:
		default:
			return refusef("unsupported_algorithm", "The code asks for the %q algorithm; only SHA1, SHA256 and SHA512 are supported.", k.Algorithm)
		}
	}
	if k.Type != Steam && (k.Digits < 6 || k.Digits > 8) {
		return refusef("unsupported_digits", "The code asks for %d-digit codes; only 6, 7 or 8 digits are supported.", k.Digits)
	}
	if k.TimeBased() {
		if k.Period < minPeriod || k.Period > maxPeriod {
			return refusef("unsupported_period", "The code says codes change every %d seconds; only %d to %d seconds are supported.", k.Period, minPeriod, maxPeriod)
		}
		if k.Counter != 0 {
			return refused("malformed", "A time-based key cannot have a counter.")
		}
	} else if k.Period != 0 {
		return refused("malformed", "A counter-based key cannot have a time period.")
	}
	for _, s := range []string{k.Issuer, k.LabelIssuer, k.Account} {
		if s != cleanName(s) {
			return refused("malformed", "The name in the code contains characters that cannot be shown.")
		}
		if utf8.RuneCountInString(s) > maxNameRunes {
			return refused("malformed", "The name in the code is too long.")
		}
	}
	if strings.Contains(k.LabelIssuer, ":") {
		return refused("malformed", "The issuer in the code's label cannot contain a colon.")
	}
	if k.LabelIssuer != "" && (k.Issuer == "" || k.LabelIssuer == k.Issuer) {
		return refused("malformed", "The label's issuer is only kept when it differs from the issuer.")
	}
	return nil
}

// Label is how the key is named to people: "Issuer:Account", or whichever
// of the two is set.
func (k *Key) Label() string {
	switch {
	case k.Issuer != "" && k.Account != "":
		return k.Issuer + ":" + k.Account
	case k.Issuer != "":
		return k.Issuer
	}
	return k.Account
}

// URI returns the key in Google's Key Uri Format with every parameter
// spelled out, so that Parse(k.URI()) gives k back. Steam keys carry
// encoder=steam and MobilePASS keys encoder=mobilepass on an hotp URI, so
// authenticator apps that ignore the encoder still generate the right codes
// for MobilePASS. The result contains the secret.
func (k *Key) URI() string {
	typ := "totp"
	if !k.TimeBased() {
		typ = "hotp"
	}
	prefix, account, split := k.labelParts()
	label := escapeLabel(account)
	if split {
		label = escapeLabel(prefix) + ":" + label
	}
	var b strings.Builder
	b.WriteString("otpauth://" + typ + "/" + label)
	b.WriteString("?secret=" + encodeBase32(k.Secret))
	if k.Issuer != "" {
		b.WriteString("&issuer=" + url.QueryEscape(k.Issuer))
	}
	b.WriteString("&algorithm=" + string(k.Algorithm))
	b.WriteString("&digits=" + strconv.Itoa(k.Digits))
	if k.TimeBased() {
		b.WriteString("&period=" + strconv.Itoa(k.Period))
	} else {
		b.WriteString("&counter=" + strconv.FormatUint(k.Counter, 10))
	}
	switch k.Type {
	case Steam:
		b.WriteString("&encoder=steam")
	case MobilePass:
		b.WriteString("&encoder=mobilepass")
	}
	return b.String()
}

// setNames fills Issuer, LabelIssuer and Account from a label
// ("Issuer:Account", the colon literal or escaped) and an issuer parameter,
// which wins when both are given.
func (k *Key) setNames(label, issuer string) {
	prefix, account, found := strings.Cut(label, ":")
	if !found {
		prefix, account = "", label
	}
	prefix, account = cleanName(prefix), cleanName(account)
	k.Account = account
	k.Issuer = cleanName(issuer)
	if k.Issuer == "" {
		k.Issuer = prefix
	} else if prefix != "" && prefix != k.Issuer {
		k.LabelIssuer = prefix
	}
}

// labelParts is the inverse of setNames: the label prefix and account, and
// whether they must be joined by a colon for setNames to read them back.
func (k *Key) labelParts() (prefix, account string, split bool) {
	prefix = k.LabelIssuer
	if prefix == "" && !strings.Contains(k.Issuer, ":") {
		prefix = k.Issuer
	}
	return prefix, k.Account, prefix != "" || strings.Contains(k.Account, ":")
}

// escapeLabel escapes one part of the label; url.PathEscape leaves ':'
// alone, which would move the issuer/account boundary.
func escapeLabel(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
}

// SecretBase32 returns the secret as a setup key: base32, upper case,
// without padding.
func (k *Key) SecretBase32() string { return encodeBase32(k.Secret) }

// Zero overwrites the secret, for callers that are done with a plaintext
// key. The key cannot generate codes afterwards.
func (k *Key) Zero() {
	clear(k.Secret)
	k.Secret = nil
}

package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/twofetch/twofetch"
)

// formatV1 is the first byte of every sealed value. A new layout gets a new
// byte, and values in the old one keep opening.
const formatV1 = 1

const (
	dataKeySize = 32 // AES-256
	nonceSize   = 12 // GCM standard nonce
	maxKeyID    = 2048
	maxWrapped  = 8192
)

// ErrCorrupt means a sealed value does not open: it was sealed for another
// record, altered, or wrapped by a key-encryption key that is not available.
// The error never says more, so it cannot leak anything about the value.
var ErrCorrupt = errors.New("vault: sealed value does not open (sealed for another record, altered, or wrapped by an unknown key)")

// sealed is the parsed form of
//
//	version(1) | len(keyID) u16 | keyID | len(wrapped) u16 | wrapped | nonce(12) | ciphertext+tag
//
// The key id lets rotation and unwrapping find the key-encryption key
// without trying each one; the wrapped data key travels with the value so
// every secret has its own data key.
type sealed struct {
	keyID      string
	wrapped    []byte
	nonce      []byte
	ciphertext []byte
}

func (s *sealed) marshal() []byte {
	b := make([]byte, 0, 1+2+len(s.keyID)+2+len(s.wrapped)+len(s.nonce)+len(s.ciphertext))
	b = append(b, formatV1)
	b = binary.BigEndian.AppendUint16(b, uint16(len(s.keyID)))
	b = append(b, s.keyID...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(s.wrapped)))
	b = append(b, s.wrapped...)
	b = append(b, s.nonce...)
	b = append(b, s.ciphertext...)
	return b
}

var errMalformed = errors.New("vault: sealed value is malformed")

func parseSealed(b []byte) (*sealed, error) {
	if len(b) < 1 {
		return nil, errMalformed
	}
	if b[0] != formatV1 {
		return nil, fmt.Errorf("vault: sealed value has unknown format version %d", b[0])
	}
	b = b[1:]
	next := func(max int) ([]byte, bool) {
		if len(b) < 2 {
			return nil, false
		}
		n := int(binary.BigEndian.Uint16(b))
		if n == 0 || n > max || len(b) < 2+n {
			return nil, false
		}
		v := b[2 : 2+n]
		b = b[2+n:]
		return v, true
	}
	id, ok := next(maxKeyID)
	if !ok {
		return nil, errMalformed
	}
	wrapped, ok := next(maxWrapped)
	if !ok {
		return nil, errMalformed
	}
	if len(b) < nonceSize+16 {
		return nil, errMalformed
	}
	return &sealed{
		keyID:      string(id),
		wrapped:    wrapped,
		nonce:      b[:nonceSize],
		ciphertext: b[nonceSize:],
	}, nil
}

// bindingAAD binds a value to its record: AES-GCM authenticates it as
// additional data, so a value copied to another tenant, account or field
// fails to open. Length prefixes keep ("ab","c") and ("a","bc") apart.
func bindingAAD(label string, ref twofetch.SecretRef, extra ...string) []byte {
	parts := append([]string{ref.TenantID, ref.AccountID, ref.Field}, extra...)
	b := append([]byte(label), 0)
	for _, p := range parts {
		b = binary.BigEndian.AppendUint32(b, uint32(len(p)))
		b = append(b, p...)
	}
	return b
}

func dataAAD(ref twofetch.SecretRef) []byte {
	return bindingAAD("twofetch/vault/data/v1", ref)
}

// encryptionContext is the KMS form of the binding; KMS refuses to decrypt
// a data key under any other context, and CloudTrail shows which record a
// Decrypt was for.
func encryptionContext(ref twofetch.SecretRef) map[string]string {
	return map[string]string{
		"twofetch:tenant":  ref.TenantID,
		"twofetch:account": ref.AccountID,
		"twofetch:field":   ref.Field,
	}
}

func newGCM(key []byte) (cipher.AEAD, error) {
	if len(key) != dataKeySize {
		return nil, fmt.Errorf("vault: key has %d bytes, want %d", len(key), dataKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// encrypt seals plaintext under a data key with a fresh random nonce. A data
// key seals only one value (and, for counter keys, its few rewrites), far
// below the 2^32 messages random GCM nonces allow.
func encrypt(dataKey, plaintext, aad []byte) (nonce, ciphertext []byte, err error) {
	gcm, err := newGCM(dataKey)
	if err != nil {
		return nil, nil, err
	}
	nonce = make([]byte, nonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, nil, err
	}
	return nonce, gcm.Seal(nil, nonce, plaintext, aad), nil
}

func decrypt(dataKey, nonce, ciphertext, aad []byte) ([]byte, error) {
	gcm, err := newGCM(dataKey)
	if err != nil {
		return nil, err
	}
	p, err := gcm.Open(nil, nonce, ciphertext, aad)
	if err != nil {
		return nil, ErrCorrupt
	}
	return p, nil
}

package twofetch

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns prefix_ followed by 80 random bits, e.g. "acc_k3x…". The
// prefix makes IDs in logs and support tickets self-explaining.
func NewID(prefix string) string {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + "_" + idEncoding.EncodeToString(b[:])
}

// NewToken returns a bearer or link token with 160 random bits, and its hash
// for storage. Only the hash is ever stored.
func NewToken(prefix string) (token string, hash []byte) {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	token = prefix + "_" + idEncoding.EncodeToString(b[:])
	return token, HashToken(token)
}

// HashToken returns the SHA-256 of token. Tokens carry enough entropy that a
// plain hash is safe; it lets lookups use an index.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return h[:]
}

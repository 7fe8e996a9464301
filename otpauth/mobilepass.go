package otpauth

import (
	"crypto/sha256"
	"strings"
)

// SafeNet MobilePASS (legacy, event-based) as reimplemented in public by
// MobilePASSER (Python) and mobilepass-js. An activation code is four
// dash-separated groups of five base32 characters; the fifth character of
// each group is a checksum of the other four. The 16 data characters are 80
// bits of entropy. The HMAC key is KDF1-SHA256 of entropy||policy truncated
// to 32 bytes, which is one SHA-256 over entropy||policy||0x00000000; codes
// are RFC 4226 HOTP with HMAC-SHA256 over a counter that starts at 0.

// looksLikeMobilePass reports whether s has the shape of an activation
// code, "XXXXX-XXXXX-XXXXX-XXXXX". Base32 setup keys are shown in groups of
// four, so the shape alone sets the two apart; a code of this shape that
// fails its checksum is refused rather than read as a setup key.
func looksLikeMobilePass(s string) bool {
	if len(s) != 23 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i%6 == 5 {
			if c != '-' {
				return false
			}
			continue
		}
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// MobilePassKey derives the key of a MobilePASS activation code. policy is
// the token policy string some deployments set (usually empty). The key's
// counter is 0: the first code the MobilePASS app would show.
func MobilePassKey(activationCode, policy string) (*Key, error) {
	code := strings.ToUpper(strings.TrimSpace(activationCode))
	if !looksLikeMobilePass(code) {
		return nil, refused("mobilepass_format", "A MobilePASS activation code has four groups of five characters separated by dashes.")
	}
	var data [16]byte
	n := 0
	sum := 0
	for i := 0; i < len(code); i++ {
		c := code[i]
		if c == '-' {
			continue
		}
		// The app reads the digits 0 and 1 as the letters O and I.
		switch c {
		case '0':
			c = 'O'
		case '1':
			c = 'I'
		}
		var v int
		switch {
		case 'A' <= c && c <= 'Z':
			v = int(c - 'A')
		case '2' <= c && c <= '7':
			v = int(c-'2') + 26
		default:
			return nil, refused("mobilepass_characters", "A MobilePASS activation code only contains the letters A to Z and the digits 2 to 7; check for a mistyped 8 or 9.")
		}
		if i%6 == 4 {
			if v != sum%32 {
				return nil, refused("mobilepass_checksum", "This MobilePASS activation code has a mistyped character; check it against the one the portal shows.")
			}
			sum = 0
			continue
		}
		sum += int(c) * (1 + i%6)
		data[n] = c
		n++
	}
	entropy, err := decodeSecret(string(data[:]))
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	h.Write(entropy)
	h.Write([]byte(policy))
	h.Write([]byte{0, 0, 0, 0})
	clear(entropy)
	clear(data[:])
	k := &Key{
		Type:      MobilePass,
		Issuer:    "MobilePASS",
		Secret:    h.Sum(nil),
		Algorithm: SHA256,
		Digits:    6,
	}
	return k, k.Validate()
}

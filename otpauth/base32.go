package otpauth

import (
	"encoding/base32"
	"strings"
	"unicode"
	"unicode/utf8"
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func encodeBase32(b []byte) string { return b32.EncodeToString(b) }

// decodeSecret decodes a base32 secret as people and portals really write
// it: any case, grouped with spaces or dashes, with or without '=' padding,
// and of any length. Leftover bits at the end are dropped, as Google
// Authenticator does, so a portal that generated a secret of an odd length
// gets the codes it tested with.
func decodeSecret(s string) ([]byte, error) {
	norm := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '-':
			continue
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		norm = append(norm, c)
	}
	for len(norm) > 0 && norm[len(norm)-1] == '=' {
		norm = norm[:len(norm)-1]
	}
	if len(norm) == 0 {
		return nil, refused("no_secret", reasonNoSecret)
	}
	out := make([]byte, 0, len(norm)*5/8)
	var acc uint32
	var bits uint
	for _, c := range norm {
		var v byte
		switch {
		case 'A' <= c && c <= 'Z':
			v = c - 'A'
		case '2' <= c && c <= '7':
			v = c - '2' + 26
		case c == '0' || c == '1' || c == '8' || c == '9':
			clear(out)
			return nil, refused("digit_not_letter", "The secret key contains a 0, 1, 8 or 9, which setup keys never contain: check whether the letter O, I, L or B was meant.")
		default:
			clear(out)
			return nil, refused("not_base32", reasonNotBase32)
		}
		acc = acc<<5 | uint32(v)
		bits += 5
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
		}
	}
	if len(out) < minSecretBytes {
		clear(out)
		return nil, refused("short_secret", reasonShortSecret)
	}
	return out, nil
}

// cleanName makes an issuer or account name safe to show: valid UTF-8,
// without control or bidirectional-override characters, trimmed.
func cleanName(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

package sms

import (
	"strings"
	"unicode/utf16"
)

// MaxParts is the most parts an SMS twofetch composes may take. A longer
// text is still delivered by most networks, but it costs the operator
// per part and some phones show the parts out of order; callers shorten
// optional content to stay within it.
const MaxParts = 3

// gsmBasic and gsmExtension are the GSM 03.38 default alphabet and its
// extension table (whose characters take two places): a text made of
// them only is sent in 7-bit encoding.
const (
	gsmBasic     = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtension = "\f^{}\\[~]|€"
)

// Parts returns how many parts body takes as an SMS: in the GSM 7-bit
// alphabet 160 characters fit one message and 153 each part of a longer
// one; a single character outside it makes the whole text UCS-2, with 70
// UTF-16 units in one message and 67 per part. ucs2 reports which.
func Parts(body string) (parts int, ucs2 bool) {
	septets := 0
	for _, r := range body {
		switch {
		case strings.ContainsRune(gsmBasic, r):
			septets++
		case strings.ContainsRune(gsmExtension, r):
			septets += 2
		default:
			ucs2 = true
		}
	}
	size, single, multi := septets, 160, 153
	if ucs2 {
		size, single, multi = len(utf16.Encode([]rune(body))), 70, 67
	}
	switch {
	case size == 0:
		return 0, ucs2
	case size <= single:
		return 1, ucs2
	}
	return (size + multi - 1) / multi, ucs2
}

// plain maps typographic characters to their nearest GSM 7-bit ones, so
// that a menu path ("Security → 2-Step Verification") or a quotation
// does not turn a whole message into UCS-2, which fits less than half as
// much text in a part.
var plain = strings.NewReplacer(
	"→", ">", "›", ">", "»", "\"", "«", "\"",
	"„", "\"", "“", "\"", "”", "\"", "‘", "'", "’", "'", "‚", "'",
	"–", "-", "—", "-", "…", "...", "\u00a0", " ", "\u202f", " ",
)

// Plain returns s with typographic characters replaced by GSM 7-bit ones
// (arrows by ">", curly quotes by straight ones, dashes by "-").
func Plain(s string) string { return plain.Replace(s) }

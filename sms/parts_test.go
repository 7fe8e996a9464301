package sms_test

import (
	"strings"
	"testing"

	"github.com/twofetch/twofetch/sms"
)

// The part counts of GSM 03.38 and 3GPP TS 23.040: 160 septets or 153 per
// concatenated part; 70 UTF-16 units or 67 per part once any character is
// outside the GSM alphabet; extension characters count twice.
func TestParts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		body  string
		parts int
		ucs2  bool
	}{
		{"empty", "", 0, false},
		{"160 GSM", strings.Repeat("a", 160), 1, false},
		{"161 GSM", strings.Repeat("a", 161), 2, false},
		{"306 GSM", strings.Repeat("a", 306), 2, false},
		{"307 GSM", strings.Repeat("a", 307), 3, false},
		{"German umlauts are GSM", strings.Repeat("äöüÄÖÜß", 20), 1, false},
		{"euro counts twice", strings.Repeat("€", 80), 1, false},
		{"euro over the edge", strings.Repeat("€", 81), 2, false},
		{"70 UCS-2", "→" + strings.Repeat("a", 69), 1, true},
		{"71 UCS-2", "→" + strings.Repeat("a", 70), 2, true},
		{"Dutch ë is not GSM", "beëindigen", 1, true},
		{"emoji is two UTF-16 units", strings.Repeat("😀", 35), 1, true},
		{"emoji over the edge", strings.Repeat("😀", 36), 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parts, ucs2 := sms.Parts(tc.body)
			if parts != tc.parts || ucs2 != tc.ucs2 {
				t.Errorf("Parts = %d, ucs2 %v; want %d, %v", parts, ucs2, tc.parts, tc.ucs2)
			}
		})
	}
}

// A menu path with arrows and German quotation marks stays in the GSM
// alphabet once made plain.
func TestPlainKeepsGSM(t *testing.T) {
	in := "Google-Konto → Sicherheit → „Authenticator“ – Einrichten…"
	got := sms.Plain(in)
	if want := `Google-Konto > Sicherheit > "Authenticator" - Einrichten...`; got != want {
		t.Fatalf("Plain = %q, want %q", got, want)
	}
	if _, ucs2 := sms.Parts(got); ucs2 {
		t.Fatalf("%q still needs UCS-2", got)
	}
}

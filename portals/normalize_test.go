package portals

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in, locale, amount, currency string
	}{
		{"1.234,56 €", "de-DE", "1234.56", "EUR"},
		{"1.234,56\u00a0€", "de", "1234.56", "EUR"},
		{"1 234,56 €", "fr-FR", "1234.56", "EUR"},
		{"1\u202f234,56\u00a0€", "fr-FR", "1234.56", "EUR"},
		{"$1,234.56", "en-US", "1234.56", "USD"},
		{"$1,234.56", "en-CA", "1234.56", "CAD"},
		{"US$1,234.56", "de-DE", "1234.56", "USD"},
		{"EUR 12.50", "en", "12.50", "EUR"},
		{"12,50 EUR", "de", "12.50", "EUR"},
		{"€12.50", "en-IE", "12.50", "EUR"},
		{"-12,00 €", "de", "-12.00", "EUR"},
		{"−12,00 €", "de", "-12.00", "EUR"},
		{"(45.00)", "en-US", "-45.00", ""},
		{"CHF 1'234.50", "de-CH", "1234.50", "CHF"},
		{"1’234.50 Fr.", "de-CH", "1234.50", "CHF"},
		{"£9.99", "en-GB", "9.99", "GBP"},
		{"1.234", "de", "1234", ""},
		{"1,234", "en", "1234", ""},
		{"1,5", "en", "1.5", ""},
		{"1.234.567,89", "de", "1234567.89", ""},
		{"1,234,567.89", "de", "1234567.89", ""},
		{"99 kr", "sv-SE", "99", "SEK"},
		{"99,00 kr.", "da-DK", "99.00", "DKK"},
		{"¥1,200", "ja-JP", "1200", "JPY"},
		{"R$ 1.234,56", "pt-BR", "1234.56", "BRL"},
		{"12,34 zł", "pl-PL", "12.34", "PLN"},
		{"0,00 €", "de", "0.00", "EUR"},
		{"-0,00 €", "de", "0.00", "EUR"},
		{"Total: 12,50 €", "de", "12.50", "EUR"},
		{"12.5", "de", "12.5", ""},
	}
	for _, tc := range tests {
		a, c, err := ParseAmount(tc.in, tc.locale)
		if err != nil || a != tc.amount || c != tc.currency {
			t.Errorf("ParseAmount(%q, %s) = %q, %q, %v; want %q, %q", tc.in, tc.locale, a, c, err, tc.amount, tc.currency)
		}
	}
	for _, bad := range []string{"", "€", "gratis", "1,2,3", "12.34.5,6,7", "12 € 13 $", "1.23,4.5", "12 34", strings.Repeat("9", 300)} {
		if a, c, err := ParseAmount(bad, "de"); err == nil {
			t.Errorf("ParseAmount(%q) = %q, %q; want an error", bad, a, c)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct{ in, locale, want string }{
		{"12 nov. 2026", "fr-FR", "2026-11-12"},
		{"12 novembre 2026", "fr", "2026-11-12"},
		{"1er décembre 2026", "fr", "2026-12-01"},
		{"12 févr. 2026", "fr", "2026-02-12"},
		{"3 août 2026", "fr", "2026-08-03"},
		{"12. November 2026", "de-DE", "2026-11-12"},
		{"12. März 2026", "de", "2026-03-12"},
		{"Donnerstag, 12. November 2026", "de", "2026-11-12"},
		{"12.11.2026", "de", "2026-11-12"},
		{"12.11.26", "de", "2026-11-12"},
		{"11/12/2026", "en-US", "2026-11-12"},
		{"12/11/2026", "en-GB", "2026-11-12"},
		{"12/11/2026", "fr", "2026-11-12"},
		{"Nov 12, 2026", "en-US", "2026-11-12"},
		{"November 12th, 2026", "en", "2026-11-12"},
		{"12 Nov 2026", "en-GB", "2026-11-12"},
		{"12-Nov-2026", "en", "2026-11-12"},
		{"12 de noviembre de 2026", "es-ES", "2026-11-12"},
		{"12 dic 2026", "it", "2026-12-12"},
		{"12 mrt. 2026", "nl-NL", "2026-03-12"},
		{"2026-11-12", "de", "2026-11-12"},
		{"2026-11-12T08:00:00Z", "en", "2026-11-12"},
		{"2026/11/12", "ja-JP", "2026-11-12"},
		{"12.11.2026 14:30", "de", "2026-11-12"},
		{"Nov 12, 2026, 2:30 PM", "en-US", "2026-11-12"},
		{"29.02.2028", "de", "2028-02-29"},
	}
	for _, tc := range tests {
		got, err := ParseDate(tc.in, tc.locale)
		if err != nil || got != tc.want {
			t.Errorf("ParseDate(%q, %s) = %q, %v; want %q", tc.in, tc.locale, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "12 Nov", "31.02.2026", "29.02.2027", "12 nov. dec. 2026", "1.2.3.4", "13/13/2026", strings.Repeat("1", 300)} {
		if got, err := ParseDate(bad, "en-US"); err == nil {
			t.Errorf("ParseDate(%q) = %q; want an error", bad, got)
		}
	}
}

var (
	decimalRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
	isoDateRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// FuzzNormalize feeds arbitrary text to the parsers, which read what
// portals print: they must return a well-formed value or an error, never
// panic.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"1.234,56 €", "$1,234.56", "12 nov. 2026", "Nov 12, 2026", "(45.00)", "CHF 1'234.50", "12.11.26 10:00"} {
		f.Add(s, "de-DE")
		f.Add(s, "en-US")
	}
	f.Fuzz(func(t *testing.T, s, locale string) {
		if a, c, err := ParseAmount(s, locale); err == nil {
			if !decimalRE.MatchString(a) || (c != "" && !regexp.MustCompile(`^[A-Z]{3}$`).MatchString(c)) {
				t.Errorf("ParseAmount(%q) = %q, %q", s, a, c)
			}
		}
		if d, err := ParseDate(s, locale); err == nil {
			if _, perr := time.Parse(time.DateOnly, d); perr != nil || !isoDateRE.MatchString(d) {
				t.Errorf("ParseDate(%q) = %q", s, d)
			}
		}
	})
}

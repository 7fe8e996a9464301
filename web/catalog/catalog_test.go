package catalog

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/otpauth"
)

// verbs finds the format verbs of a text, so languages can be compared.
var verbs = regexp.MustCompile(`%(\[\d+\])?[sdvq]`)

// TestEveryLanguageSaysEverything: the three files have the same keys,
// no empty text, and each text takes the same arguments in every language
// (a German text that forgot the portal's name would print %!(EXTRA …)).
func TestEveryLanguageSaysEverything(t *testing.T) {
	en := Keys("en")
	if len(en) < 100 {
		t.Fatalf("only %d English texts", len(en))
	}
	for _, lang := range Languages {
		keys := Keys(lang)
		for _, k := range en {
			if !slices.Contains(keys, k) {
				t.Errorf("%s: missing %s", lang, k)
			}
		}
		for _, k := range keys {
			s, _ := Lookup(lang, k)
			if !slices.Contains(en, k) {
				t.Errorf("%s: %s is not in en.yaml", lang, k)
			}
			if strings.TrimSpace(s) == "" {
				t.Errorf("%s: %s is empty", lang, k)
			}
			want, _ := Lookup("en", k)
			if got, exp := argsOf(s), argsOf(want); !slices.Equal(got, exp) {
				t.Errorf("%s: %s takes %v, English takes %v", lang, k, got, exp)
			}
		}
	}
}

// argsOf lists which arguments a format uses and how, in argument order.
func argsOf(format string) []string {
	var out []string
	next := 1
	used := map[int]string{}
	for _, m := range verbs.FindAllStringSubmatch(format, -1) {
		n := next
		if m[1] != "" {
			n = int(m[1][1] - '0')
		}
		used[n] = m[0][len(m[0])-1:]
		next = n + 1
	}
	for i := 1; i <= len(used)+1; i++ {
		if v, ok := used[i]; ok {
			out = append(out, v)
		}
	}
	return out
}

// TestEveryOutcomeHasTexts: customers and support staff read every
// outcome in every language.
func TestEveryOutcomeHasTexts(t *testing.T) {
	for _, o := range twofetch.Outcomes {
		for _, lang := range Languages {
			for _, field := range []string{"title", "action", "support"} {
				if _, ok := Lookup(lang, "outcome."+string(o)+"."+field); !ok {
					t.Errorf("%s: outcome %s has no %s", lang, o, field)
				}
			}
		}
		if got := Outcome("de", o, "action", "GitHub"); strings.Contains(got, "{portal}") || strings.Contains(got, "⟦") {
			t.Errorf("outcome %s reads %q", o, got)
		}
	}
}

// TestEveryRefusalIsExplained: each reason otpauth gives for refusing a
// key has its text, so a German customer reads why in German.
func TestEveryRefusalIsExplained(t *testing.T) {
	for _, code := range otpauth.RefusalCodes {
		for _, lang := range Languages {
			if _, ok := Lookup(lang, "reason."+code); !ok {
				t.Errorf("%s: no text for refusal %s", lang, code)
			}
		}
	}
}

func TestFallbacks(t *testing.T) {
	if got := Text("fr", "enroll.title", "GitHub"); got != "Connect GitHub" {
		t.Errorf("unknown language: %q", got)
	}
	if got := Text("de", "no.such.key"); got != "⟦no.such.key⟧" {
		t.Errorf("missing key: %q", got)
	}
	if got := Wording("nl", "two-step"); got != "tweestapsverificatie" {
		t.Errorf("wording: %q", got)
	}
	if got := Wording("de", "nonsense"); got != "den zweiten Anmeldeschritt" {
		t.Errorf("unknown wording: %q", got)
	}
}

func TestDate(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 6, 9, 42, 0, 0, time.UTC)
	for lang, want := range map[string]string{
		"en": "6 December 2026, 10:42",
		"de": "6. Dezember 2026, 10:42 Uhr",
		"nl": "6 december 2026, 10:42",
	} {
		if got := Date(lang, at, berlin); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	if got := Date("en", at, nil); got != "6 December 2026, 09:42" {
		t.Errorf("without a zone: %q", got)
	}
}

// TestPlurals renders every text that takes a count with 1 and 2 in
// every language: each language has the forms its plural rules ask for,
// and the count is never printed into the wrong form ("1 seconds").
func TestPlurals(t *testing.T) {
	keys := PluralKeys()
	for _, want := range []string{"enroll.seconds_left", "enroll.valid_in", "status.new_invoices"} {
		if !slices.Contains(keys, want) {
			t.Errorf("%s is not a plural text", want)
		}
	}
	want := map[string]map[string][2]string{
		"en": {
			"enroll.seconds_left": {"1 second left", "2 seconds left"},
			"enroll.valid_in":     {"Valid in 1 second", "Valid in 2 seconds"},
			"status.new_invoices": {"1 new invoice in the last check", "2 new invoices in the last check"},
		},
		"de": {
			"enroll.seconds_left": {"noch 1 Sekunde", "noch 2 Sekunden"},
			"enroll.valid_in":     {"gültig in 1 Sekunde", "gültig in 2 Sekunden"},
			"status.new_invoices": {"1 neue Rechnung bei der letzten Prüfung", "2 neue Rechnungen bei der letzten Prüfung"},
		},
		"nl": {
			"enroll.seconds_left": {"nog 1 seconde", "nog 2 seconden"},
			"enroll.valid_in":     {"geldig over 1 seconde", "geldig over 2 seconden"},
			"status.new_invoices": {"1 nieuwe factuur bij de laatste controle", "2 nieuwe facturen bij de laatste controle"},
		},
	}
	for _, lang := range Languages {
		for _, key := range keys {
			for _, n := range []int{0, 1, 2, 5, 21} {
				form := PluralForm(lang, n)
				if _, ok := Lookup(lang, key+"."+form); !ok {
					t.Errorf("%s: %s has no %q form, which %d takes", lang, key, form, n)
				}
			}
			one, two := Plural(lang, key, 1), Plural(lang, key, 2)
			if !strings.Contains(one, "1") || !strings.Contains(two, "2") || strings.ReplaceAll(one, "1", "2") == two {
				t.Errorf("%s: %s reads %q for 1 and %q for 2: one form for both", lang, key, one, two)
			}
			if w, ok := want[lang][key]; ok && (one != w[0] || two != w[1]) {
				t.Errorf("%s: %s reads %q and %q, want %q and %q", lang, key, one, two, w[0], w[1])
			}
			for _, k := range Keys(lang) {
				if rest, ok := strings.CutPrefix(k, key+"."); ok && !slices.Contains(pluralForms, rest) {
					t.Errorf("%s: %s is no plural form", lang, k)
				}
			}
		}
	}
	if got := Plural("fr", "enroll.seconds_left", 1); got != "1 second left" {
		t.Errorf("unknown language: %q", got)
	}
}

// TestCountsArePlurals: a text that prints a number is a plural text,
// so a new count cannot come back as "1 seconds". Dates are the one
// exception: their numbers are not counts.
func TestCountsArePlurals(t *testing.T) {
	plurals := PluralKeys()
	for _, lang := range Languages {
		for _, k := range Keys(lang) {
			s, _ := Lookup(lang, k)
			if !strings.Contains(s, "d") || !verbs.MatchString(s) || k == "date.format" {
				continue
			}
			counts := false
			for _, m := range verbs.FindAllString(s, -1) {
				counts = counts || strings.HasSuffix(m, "d")
			}
			i := strings.LastIndexByte(k, '.')
			if counts && !slices.Contains(plurals, k[:i]) {
				t.Errorf("%s: %s prints a count but has no plural forms: %q", lang, k, s)
			}
		}
	}
}

func TestPluralTemplates(t *testing.T) {
	got := PluralTemplates("de", "enroll.valid_in")
	if len(got) != 2 || got["one"] != "gültig in {n} Sekunde" || got["other"] != "gültig in {n} Sekunden" {
		t.Errorf("templates: %q", got)
	}
}

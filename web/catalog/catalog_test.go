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

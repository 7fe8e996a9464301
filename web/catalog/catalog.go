// Package catalog holds every text customers and support staff read, one
// file per language (en.yaml, de.yaml, nl.yaml), so that a translator
// works on one file and a test can see that every language says
// everything. Keys are dotted paths into the file ("enroll.title");
// texts are Go format strings.
package catalog

import (
	"embed"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"

	"github.com/twofetch/twofetch"
)

//go:embed *.yaml
var files embed.FS

// Languages are the languages of the catalog, English first: it stands
// in for a text missing elsewhere.
var Languages = []string{"en", "de", "nl"}

// texts maps language → key → text.
var texts = load()

func load() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, lang := range Languages {
		b, err := files.ReadFile(lang + ".yaml")
		if err != nil {
			panic(fmt.Sprintf("catalog: %v", err))
		}
		var tree map[string]any
		if err := yaml.Unmarshal(b, &tree); err != nil {
			panic(fmt.Sprintf("catalog: %s.yaml: %v", lang, err))
		}
		m := map[string]string{}
		flatten("", tree, m)
		out[lang] = m
	}
	return out
}

func flatten(prefix string, v any, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(key, x, out)
		}
	case string:
		out[prefix] = v
	default:
		panic(fmt.Sprintf("catalog: %s is a %T, not a text", prefix, v))
	}
}

// Known reports whether lang is a language of the catalog.
func Known(lang string) bool { return slices.Contains(Languages, lang) }

// Lookup returns the text of key in lang, without falling back.
func Lookup(lang, key string) (string, bool) {
	s, ok := texts[lang][key]
	return s, ok
}

// Text returns key's text in lang (English where lang has none), with
// args filled in. A key missing in English shows as ⟦key⟧, so a page
// never hides a missing text behind an empty one.
func Text(lang, key string, args ...any) string {
	s, ok := texts[lang][key]
	if !ok {
		if s, ok = texts["en"][key]; !ok {
			return "⟦" + key + "⟧"
		}
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// Plural returns the form of key that lang uses for the count n ("1
// second", "2 seconds"), with n as the first argument and args after it.
// A text that takes a count is a map of CLDR plural forms in the files
// (one, other; few and many where a language has them), read by
// golang.org/x/text's plural rules; a form a language lacks falls back
// to its "other".
func Plural(lang, key string, n int, args ...any) string {
	form := PluralForm(lang, n)
	k := key + "." + form
	if _, ok := texts[lang][k]; !ok {
		if _, ok := texts["en"][k]; !ok {
			k = key + ".other"
		}
	}
	return Text(lang, k, append([]any{n}, args...)...)
}

// PluralForm names the CLDR plural category of the whole number n in
// lang: "one", "other", and for languages that have them "zero", "two",
// "few" or "many".
func PluralForm(lang string, n int) string {
	abs := n
	if abs < 0 {
		abs = -abs
	}
	switch plural.Cardinal.MatchPlural(language.Make(lang), abs, 0, 0, 0, 0) {
	case plural.Zero:
		return "zero"
	case plural.One:
		return "one"
	case plural.Two:
		return "two"
	case plural.Few:
		return "few"
	case plural.Many:
		return "many"
	}
	return "other"
}

// PluralTemplates returns the forms of a plural text in lang, by form
// name, with "{n}" where the count goes: for a page's script, which picks
// the form with the browser's Intl.PluralRules as the count changes.
func PluralTemplates(lang, key string) map[string]string {
	out := map[string]string{}
	for _, form := range pluralForms {
		s, ok := texts[lang][key+"."+form]
		if !ok {
			s, ok = texts["en"][key+"."+form]
		}
		if ok {
			out[form] = strings.Replace(s, "%d", "{n}", 1)
		}
	}
	return out
}

// pluralForms are the keys a plural text may have.
var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

// PluralKeys lists the keys of texts that take a count, sorted: those
// whose every sub-key is a plural form, "other" among them.
func PluralKeys() []string {
	plural := map[string]bool{}
	for k := range texts["en"] {
		i := strings.LastIndexByte(k, '.')
		if i < 0 {
			continue
		}
		parent, form := k[:i], k[i+1:]
		isForm := slices.Contains(pluralForms, form)
		if was, seen := plural[parent]; !seen || was {
			plural[parent] = isForm
		}
	}
	var keys []string
	for k, ok := range plural {
		if _, other := texts["en"][k+".other"]; ok && other {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// Keys lists the keys of lang, sorted.
func Keys(lang string) []string {
	keys := make([]string, 0, len(texts[lang]))
	for k := range texts[lang] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Outcome returns the text of an outcome: field is "title", "action" (what
// the customer does) or "support" (what support staff do), with the
// portal's name put in for {portal}.
func Outcome(lang string, o twofetch.Outcome, field, portal string) string {
	return strings.ReplaceAll(Text(lang, "outcome."+string(o)+"."+field), "{portal}", portal)
}

// Wording names the portal's second login step (a script's
// enrollment.wording) in lang; "other" for an unknown wording.
func Wording(lang, wording string) string {
	if _, ok := texts["en"]["wording."+wording]; !ok {
		wording = "other"
	}
	return Text(lang, "wording."+wording)
}

// Date writes t as customers of lang read a date and time, in loc (the
// tenant's time zone; UTC when nil): "6. Dezember 2026, 10:42 Uhr".
func Date(lang string, t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	months := strings.Fields(Text(lang, "date.months"))
	month := t.Month().String()
	if len(months) == 12 {
		month = months[t.Month()-1]
	}
	return Text(lang, "date.format", t.Day(), month, t.Year(), t.Format("15:04"))
}

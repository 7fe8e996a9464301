package web

import (
	"slices"
	"testing"
)

func TestEmailParts(t *testing.T) {
	for in, want := range map[string][]string{
		"hulp@devries-boekhouding.example": {"hulp@", "devries-boekhouding", ".example"},
		"a.b@mail.example.co.uk":           {"a.b@", "mail", ".example", ".co", ".uk"},
		"no-at-sign":                       {"no-at-sign"},
		"x@.example":                       {"x@", ".example"},
	} {
		if got := emailParts(in); !slices.Equal(got, want) {
			t.Errorf("emailParts(%q) = %q, want %q", in, got, want)
		}
	}
}

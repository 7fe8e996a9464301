package otpauth

import (
	"errors"
	"testing"
)

// Vectors from two public reimplementations of MobilePASS: the test suite
// of mobilepass-js (no policy) and that of MobilePASSER's Python port
// (with and without a policy string).
func TestMobilePassVectors(t *testing.T) {
	tests := []struct {
		code, policy string
		counter      uint64
		want         string
	}{
		{"XUU75-RROTT-Y5IP6-U3BMV", "", 0, "246805"},
		{"XUU75-RROTT-Y5IP6-U3BMV", "", 1, "598141"},
		{"XUU75-RROTT-Y5IP6-U3BMV", "", 2, "445167"},
		{"XUU75-RROTT-Y5IP6-U3BMV", "", 3, "201140"},
		{"XUU75-RROTT-Y5IP6-U3BMV", "", 4, "474662"},
		{"V5GWR-D5WXT-ZSGGR-WSW3O", "", 0, "897020"},
		{"V5GWR-D5WXT-ZSGGR-WSW3O", "", 1, "995047"},
		{"V5GWR-D5WXT-ZSGGR-WSW3O", "", 2, "664206"},
		{"V5GWR-D5WXT-ZSGGR-WSW3O", "", 3, "084197"},
		{"V5GWR-D5WXT-ZSGGR-WSW3O", "", 4, "924498"},
		{"V5GWR-D5WXT-ZSGGR-WSW3O", "", 5, "744033"},
		{"QVKYC-FM6KO-SY6F7-TR22W", "", 0, "374844"},
		{"QVKYC-FM6KO-SY6F7-TR22W", "", 10, "690483"},
		{"QVKYC-FM6KO-SY6F7-TR22W", "18888710", 0, "310551"},
		{"QVKYC-FM6KO-SY6F7-TR22W", "18888710", 10, "194672"},
	}
	for _, tt := range tests {
		t.Run(tt.code+"/"+tt.policy, func(t *testing.T) {
			k, err := MobilePassKey(tt.code, tt.policy)
			if err != nil {
				t.Fatal(err)
			}
			got, err := k.Code(tt.counter)
			if err != nil || got != tt.want {
				t.Errorf("counter %d: got %q, %v; want %q", tt.counter, got, err, tt.want)
			}
		})
	}
}

func TestParseMobilePass(t *testing.T) {
	for _, text := range []string{
		"XUU75-RROTT-Y5IP6-U3BMV",
		"  xuu75-rrott-y5ip6-u3bmv\n", // typed in lower case
		"XUU75-RR0TT-Y5lP6-U3BMV",     // the app reads 0 as O; l is not I
	} {
		keys, err := Parse(text)
		if text == "XUU75-RR0TT-Y5lP6-U3BMV" {
			// 0 for O is accepted, but a lower-case L is a different letter
			// and breaks the checksum.
			var re *RefusedError
			if !errors.As(err, &re) {
				t.Errorf("Parse(%q) = %v, %v; want a refusal", text, keys, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Parse(%q): %v", text, err)
		}
		k := keys[0]
		if k.Type != MobilePass || k.Counter != 0 || k.Digits != 6 || k.Algorithm != SHA256 {
			t.Errorf("Parse(%q) = %+v", text, k)
		}
		if code, _ := k.Code(0); code != "246805" {
			t.Errorf("first code %q, want 246805", code)
		}
		again, err := Parse(k.URI())
		if err != nil || !sameKey(again[0], k) {
			t.Errorf("URI round trip: %v", err)
		}
	}
	keys, err := Parse("XUU75-RR0TT-Y5IP6-U3BMV")
	if err != nil {
		t.Fatalf("0 typed for O: %v", err)
	}
	if code, _ := keys[0].Code(1); code != "598141" {
		t.Errorf("0 typed for O: code %q, want 598141", code)
	}
}

package portals

import (
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	vs := &vars{v: map[string]any{"n": 3.0, "f": 1.5, "s": "x"}, row: map[string]any{"id": "INV-1"}}
	tests := []struct {
		in, want, err string
	}{
		{"{{ n }}/{{f}}/{{s}}", "3/1.5/x", ""},
		{"/pdf/{{row.id}}", "/pdf/INV-1", ""},
		{"{{row.nope}}", "", `no field "nope"`},
		{"{{missing}}", "", `"missing" is not set`},
		{"no placeholders {{", "no placeholders {{", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := expand(tc.in, vs.lookup)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("expand(%q) error %v, want %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("expand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
	if _, err := expand("{{row.id}}", (&vars{}).lookup); err == nil {
		t.Error("row placeholder outside a loop was accepted")
	}
}

func TestFromBase64(t *testing.T) {
	rn := &run{vars: &vars{v: map[string]any{}}}
	for _, in := range []string{
		"JVBERi0xLjQ=", "JVBERi0xLjQ", "data:application/pdf;base64,JVBERi0xLjQ=", " JVBERi0xLjQ=\n",
	} {
		rn.vars.v["b"] = in
		got, err := rn.fromBase64("{{b}}")
		if err != nil || string(got) != "%PDF-1.4" {
			t.Errorf("fromBase64(%q) = %q, %v", in, got, err)
		}
	}
	rn.vars.v["b"] = "-_8"
	if got, err := rn.fromBase64("{{b}}"); err != nil || len(got) != 2 {
		t.Errorf("URL alphabet: %q, %v", got, err)
	}
	rn.vars.v["b"] = "not base64!"
	if _, err := rn.fromBase64("{{b}}"); err == nil {
		t.Error("garbage decoded without error")
	}
}

func TestApplyRegex(t *testing.T) {
	tests := []struct{ re, in, want string }{
		{`([0-9]+\.[0-9]{2})`, "EUR 12.50", "12.50"},
		{`[0-9]+`, "abc 42 def", "42"},
		{`x(y)?`, "x", ""},
		{`zzz`, "abc", ""},
	}
	for _, tc := range tests {
		if got := applyRegex(tc.re, tc.in); got != tc.want {
			t.Errorf("applyRegex(%q, %q) = %q, want %q", tc.re, tc.in, got, tc.want)
		}
	}
}

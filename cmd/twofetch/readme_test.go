package main

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite generated files (the README's configuration table) instead of comparing")

const (
	settingsBegin = "<!-- settings -->"
	settingsEnd   = "<!-- /settings -->"
	readmePath    = "../../README.md"
)

// settingsTable renders Settings as the Markdown table of the README.
func settingsTable(settings []*Setting) string {
	cell := func(s string) string {
		s = strings.ReplaceAll(s, "|", `\|`)
		return strings.ReplaceAll(s, "\n", " ")
	}
	var b strings.Builder
	b.WriteString("| Flag | Environment variable | Default | Meaning |\n")
	b.WriteString("|---|---|---|---|\n")
	for _, s := range settings {
		def := ""
		if s.Default != "" {
			def = "`" + cell(s.Default) + "`"
		}
		if s.Secret {
			b.WriteString("| (none: secret) | `" + s.Env + "` or `" + s.Env + "_FILE` | " + def + " | " + cell(s.Help) + " |\n")
			continue
		}
		b.WriteString("| `--" + s.Flag + "` | `" + s.Env + "` | " + def + " | " + cell(s.Help) + " |\n")
	}
	return b.String()
}

// replaceSection swaps what lies between the markers for body, or reports
// that the markers are missing.
func replaceSection(doc []byte, body string) ([]byte, bool) {
	i := bytes.Index(doc, []byte(settingsBegin))
	j := bytes.Index(doc, []byte(settingsEnd))
	if i < 0 || j < i {
		return nil, false
	}
	var out bytes.Buffer
	out.Write(doc[:i+len(settingsBegin)])
	out.WriteString("\n" + body)
	out.Write(doc[j:])
	return out.Bytes(), true
}

func TestREADMESettings(t *testing.T) {
	doc, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatalf("read README: %v", err)
	}
	want, ok := replaceSection(doc, settingsTable(Settings))
	if !ok {
		t.Fatalf("README.md has no %s … %s section: put both markers on lines of their own where the configuration table belongs, then run go test ./cmd/twofetch -run TestREADMESettings -update", settingsBegin, settingsEnd)
	}
	if bytes.Equal(doc, want) {
		return
	}
	if *update {
		if err := os.WriteFile(readmePath, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's configuration table differs from Settings in config.go; run go test ./cmd/twofetch -run TestREADMESettings -update")
}

func TestSettingsTable(t *testing.T) {
	tests := []struct {
		name string
		in   []*Setting
		want string
	}{
		{
			name: "default and pipe",
			in:   []*Setting{{Flag: "a", Env: "TWOFETCH_A", Default: "x", Help: "one | two"}},
			want: "| `--a` | `TWOFETCH_A` | `x` | one \\| two |\n",
		},
		{
			name: "empty default",
			in:   []*Setting{{Flag: "b", Env: "TWOFETCH_B", Help: "h"}},
			want: "| `--b` | `TWOFETCH_B` |  | h |\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := settingsTable(tt.in)
			if !strings.HasSuffix(got, tt.want) {
				t.Errorf("got\n%s\nwant last row\n%s", got, tt.want)
			}
		})
	}
	t.Run("replace between markers", func(t *testing.T) {
		doc := []byte("# T\n\n" + settingsBegin + "\nold\n" + settingsEnd + "\nrest\n")
		got, ok := replaceSection(doc, "new\n")
		if !ok || string(got) != "# T\n\n"+settingsBegin+"\nnew\n"+settingsEnd+"\nrest\n" {
			t.Errorf("got %q, %v", got, ok)
		}
		if _, ok := replaceSection([]byte("no markers"), "x"); ok {
			t.Error("replaced without markers")
		}
	})
}

package replica

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"testing"
)

func TestInvoicePDF(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		want  string // literal as it must appear in the content stream
	}{
		{"plain", []string{"Invoice number: GH001001"}, "(Invoice number: GH001001) Tj"},
		{"parentheses and backslash", []string{`a (b) \c`}, `(a \(b\) \\c) Tj`},
		{"euro and umlaut", []string{"Betrag: 12,34 € für Müller"}, `(Betrag: 12,34 \200 f\374r M\374ller) Tj`},
		{"outside Latin-1", []string{"日本"}, "(??) Tj"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pdf := invoicePDF("Test Invoice", tc.lines)
			if !bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
				t.Fatalf("header or trailer missing")
			}
			if !bytes.Contains(pdf, []byte(tc.want)) {
				t.Errorf("content lacks %q", tc.want)
			}
			checkXref(t, pdf)
		})
	}
}

// checkXref verifies what a strict reader relies on: startxref points at
// the xref table, and every entry's offset at its object.
func checkXref(t *testing.T, pdf []byte) {
	t.Helper()
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref")
	}
	off, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(pdf[off:], []byte("xref\n0 ")) {
		t.Fatalf("startxref %d does not point at the xref table", off)
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllSubmatch(pdf[off:], -1)
	if len(entries) != 6 {
		t.Fatalf("%d xref entries, want 6", len(entries))
	}
	for i, e := range entries {
		o, _ := strconv.Atoi(string(e[1]))
		if want := fmt.Sprintf("%d 0 obj\n", i+1); !bytes.HasPrefix(pdf[o:], []byte(want)) {
			t.Errorf("entry %d: offset %d holds %.12q", i+1, o, pdf[o:])
		}
	}
	length := regexp.MustCompile(`<< /Length (\d+) >>\nstream\n`).FindSubmatchIndex(pdf)
	if length == nil {
		t.Fatal("no content stream")
	}
	n, _ := strconv.Atoi(string(pdf[length[2]:length[3]]))
	if !bytes.HasPrefix(pdf[length[1]+n:], []byte("endstream")) {
		t.Error("stream /Length does not end at endstream")
	}
}

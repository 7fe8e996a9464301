package replica

import (
	"bytes"
	"fmt"
	"strings"
)

// invoicePDF renders a one-page PDF 1.4 with the given lines in Helvetica.
// The documents are tiny but valid: a real xref table with byte offsets, so
// strict readers (and the runner's PDF check) accept them.
func invoicePDF(title string, lines []string) []byte {
	var content strings.Builder
	content.WriteString("BT\n/F1 18 Tf\n72 770 Td\n")
	fmt.Fprintf(&content, "(%s) Tj\n", pdfEscape(title))
	content.WriteString("/F1 11 Tf\n0 -30 Td\n")
	for _, l := range lines {
		fmt.Fprintf(&content, "(%s) Tj\n0 -16 Td\n", pdfEscape(l))
	}
	content.WriteString("ET\n")

	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
		fmt.Sprintf("<< /Title (%s) /Producer (twofetch replica) >>", pdfEscape(title)),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, len(objects), xref)
	return b.Bytes()
}

// pdfEscape makes s a PDF literal string in WinAnsi: backslash and
// parentheses escaped, the euro sign mapped to its WinAnsi byte, anything
// else outside Latin-1 replaced so the text stays readable.
func pdfEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\' || r == '(' || r == ')':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '€':
			b.WriteString(`\200`)
		case r < 0x20:
			b.WriteByte(' ')
		case r < 0x80:
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, `\%03o`, r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

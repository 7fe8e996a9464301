package replica

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// fetchPDF downloads u with c and reports whether a PDF came back.
func fetchPDF(t *testing.T, c *http.Client, method, u string, body io.Reader) (bool, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode == http.StatusOK && res.Header.Get("Content-Type") == "application/pdf" &&
		bytes.HasPrefix(b, []byte("%PDF-")), string(b)
}

// contains fails the test unless every want is in the page.
func contains(t *testing.T, v visit, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(v.body, w) {
			t.Errorf("%s lacks %q:\n%s", v.url, w, v.body)
		}
	}
}

// lacks fails the test if any of the strings is in the page.
func lacks(t *testing.T, v visit, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(v.body, n) {
			t.Errorf("%s has %q", v.url, n)
		}
	}
}

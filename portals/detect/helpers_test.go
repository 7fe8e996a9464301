package detect_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/chromedp/chromedp"
)

// sameElement reports whether selector got matches exactly one element,
// the one want matches.
func sameElement(t *testing.T, tab context.Context, got, want string) bool {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	ok, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(() => { const g = document.querySelectorAll(`+string(g)+
		`); const w = document.querySelector(`+string(w)+`); return g.length === 1 && !!w && g[0] === w; })()`))
	if err != nil {
		t.Fatalf("compare %s with %s: %v", got, want, err)
	}
	return ok
}

package enroll_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/twofetch/twofetch/web/catalog"
)

// TestCountdownPlurals: the page's own countdown, which the browser
// writes each second, says "2 seconds" and then "1 second" in every
// language, with the plural rules of the page's language. The page's
// clock is moved to two and a half seconds before the code runs out.
func TestCountdownPlurals(t *testing.T) {
	for _, lang := range catalog.Languages {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t)
			_, link := e.start(lang)
			b := newTab(t, lang)
			b.open(e.srv.URL + link)
			b.submit(chromedp.Steps(chromedp.Focus(chromedp.ID("key"), chromedp.NodeVisible), chromedp.KeyEvent(testURI), chromedp.Tap(chromedp.ID("key-submit"))), "#code")
			b.do(chromedp.Evaluate[chromedp.Void](`(() => {
				const cd = document.getElementById("countdown"), until = parseInt(document.getElementById("code").dataset.validUntil, 10) * 1000;
				window.seen = [cd.textContent];
				new MutationObserver(() => window.seen.push(cd.textContent)).observe(cd, {childList: true, characterData: true, subtree: true});
				const real = Date.now.bind(Date), offset = until - 2500 - real();
				Date.now = () => real() + offset;
			})()`))
			two, one := catalog.Plural(lang, "enroll.seconds_left", 2), catalog.Plural(lang, "enroll.seconds_left", 1)
			oneJS, _ := json.Marshal(one)
			// Waits for "1 second"; a page that never says it fails below.
			_, _ = chromedp.Run(b.ctx, chromedp.Poll[bool](`window.seen.includes(`+string(oneJS)+`)`,
				chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
			seen, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`window.seen`))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(seen, two) || !slices.Contains(seen, one) {
				t.Errorf("the countdown read %q; want %q and then %q", seen, two, one)
			}
			wrong := catalog.Text(lang, "enroll.seconds_left.other", 1)
			if slices.Contains(seen, wrong) {
				t.Errorf("the countdown read %q", wrong)
			}
		})
	}
}

package replica

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/twofetch/twofetch/internal/testenv"
)

// chromeFlags turns "--name=value" flags into allocator options, as the
// browser pool does with PoolConfig.ExtraFlags.
func chromeFlags(flags []string) []chromedp.ExecAllocatorOption {
	var opts []chromedp.ExecAllocatorOption
	for _, f := range flags {
		name, value, ok := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		if ok {
			opts = append(opts, chromedp.Flag(name, value))
		} else {
			opts = append(opts, chromedp.Flag(name, true))
		}
	}
	return opts
}

// TestChrome shows that real headless Chromium, given only ChromeFlags,
// reaches replicas by their real host names over HTTPS, keeps their cookies
// across hosts, runs the JSON-API billing page, and cannot reach anything
// else.
func TestChrome(t *testing.T) {
	path := testenv.ChromePath(t)
	s := server(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path))
	opts = append(opts, chromeFlags(s.ChromeFlags())...)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(bctx); err != nil {
		testenv.Missing(t, "start Chromium at %s: %v", path, err)
	}

	run := func(t *testing.T, id string, check func(ctx context.Context, sp *spec)) {
		t.Helper()
		ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
		defer cancel()
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		check(ctx, s.Portal(id).spec)
	}
	must := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	t.Run("login page by real host name", func(t *testing.T) {
		run(t, "github", func(ctx context.Context, sp *spec) {
			must(t, chromedp.Do(ctx, chromedp.Navigate("https://github.com/login"),
				chromedp.WaitVisible(chromedp.ID("login_field"))))
			title, err := chromedp.Run(ctx, chromedp.Title())
			must(t, err)
			if !strings.Contains(title, "Sign in to GitHub") {
				t.Errorf("title %q", title)
			}
		})
	})

	t.Run("full login across hosts with a JSON billing page", func(t *testing.T) {
		for _, id := range []string{"example-api"} {
			run(t, id, func(ctx context.Context, sp *spec) {
				p := s.Portal(id)
				email, pw, k := newUser(t, p)
				must(t, chromedp.Do(ctx,
					chromedp.Navigate(sp.Login.URL),
					chromedp.Focus(chromedp.ID(sp.Login.Email.ID), chromedp.NodeVisible), chromedp.KeyEvent(email),
					chromedp.Focus(chromedp.ID(sp.Login.Password.ID), chromedp.NodeVisible), chromedp.KeyEvent(pw),
					chromedp.Click(chromedp.ID(sp.Login.Submit.ID)),
				))
				if sp.Picker != nil {
					must(t, chromedp.Do(ctx,
						chromedp.Click(chromedp.ID(sp.Picker.IDPrefix+sp.Picker.App)),
						chromedp.Click(chromedp.ID(sp.Picker.Submit.ID)),
					))
				}
				must(t, chromedp.Do(ctx,
					chromedp.WaitVisible(chromedp.ID(sp.TwoFA.Code.ID)),
					chromedp.Focus(chromedp.ID(sp.TwoFA.Code.ID), chromedp.NodeVisible), chromedp.KeyEvent(currentCode(t, k, time.Now())),
					chromedp.Click(chromedp.ID(sp.TwoFA.Submit.ID)),
					chromedp.WaitVisible(chromedp.CSS("table[data-loaded] tr.invoice-row")),
				))
				loc, err := chromedp.Run(ctx, chromedp.Location())
				must(t, err)
				if loc != sp.Billing.URL {
					t.Errorf("at %s, want %s", loc, sp.Billing.URL)
				}
				n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('tr.invoice-row').length`))
				must(t, err)
				if n != 3 {
					t.Errorf("%d invoice rows, want 3", n)
				}
			})
		}
	})

	t.Run("other hosts do not resolve", func(t *testing.T) {
		run(t, "github", func(ctx context.Context, sp *spec) {
			err := chromedp.Do(ctx, chromedp.Navigate("https://example.com/"))
			if err == nil || !strings.Contains(err.Error(), "ERR_NAME_NOT_RESOLVED") {
				t.Errorf("navigate to a host without replica: %v, want ERR_NAME_NOT_RESOLVED", err)
			}
		})
	})
}

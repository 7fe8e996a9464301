package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/web"
)

// TestPortalHealthScreens opens the portal health page in Chromium, as a
// tenant's support and as the operator, on a week of runs of several
// portals (one broken today, one healed, one refused script file), checks
// that the table fits a laptop screen, and keeps a screenshot of each for
// people to look at (TWOFETCH_TEST_ARTIFACTS).
func TestPortalHealthScreens(t *testing.T) {
	ctx := context.Background()
	pe := newPipeEnv(t, func(p *web.Pipeline) { p.OperatorToken = operatorToken })
	for id, name := range map[string]string{"github": "GitHub", "hetzner": "Hetzner Online", "heroku": "Heroku", "amazon-de": "Amazon.de"} {
		pe.portalNames[id] = name
	}
	pe.pipe.MountPortalHealth(pe.srv, fakeScripts{refused: []web.RefusedScript{{
		File: "github.yaml", Problems: []string{"github.yaml:41 (/login/2/type/selector): required", "github.yaml:58: host api.github.example is not in hosts"},
		Since: time.Now().Add(-20 * time.Minute), InUse: "v-now-github"}}})
	now := time.Now()
	acct := func(tenant *twofetch.Tenant, portal, user string) *twofetch.Account {
		a := &twofetch.Account{TenantID: tenant.ID, Portal: portal, Username: user, Status: twofetch.AccountActive}
		if err := pe.store.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	script := func(r *twofetch.Run, version, step string) {
		if err := pe.store.(interface {
			SetRunScript(context.Context, string, string, string, string) error
		}).SetRunScript(ctx, r.TenantID, r.ID, version, step); err != nil {
			t.Fatal(err)
		}
	}
	for i, tenant := range []*twofetch.Tenant{pe.a, pe.b} {
		gh, hz, hk, az := acct(tenant, "github", fmt.Sprintf("gh%d@example.com", i)), acct(tenant, "hetzner", fmt.Sprintf("hz%d@example.com", i)),
			acct(tenant, "heroku", fmt.Sprintf("hk%d@example.com", i)), acct(tenant, "amazon-de", fmt.Sprintf("az%d@example.com", i))
		for d := 1; d <= 6; d++ {
			at := now.Add(-time.Duration(d)*24*time.Hour - time.Hour)
			for _, a := range []*twofetch.Account{gh, hz, hk, az} {
				script(pe.addRun(t, a, at, twofetch.OutcomeOK), "3f9a2c61be07", "")
			}
		}
		// GitHub changed its sign-in today; Heroku's was healed; Amazon
		// asked one customer for a captcha.
		for h := 1; h <= 3; h++ {
			f := pe.failWithArtifacts(t, gh, now.Add(-time.Duration(h)*time.Hour), "login/2 type: input#login_field did not appear")
			script(f, "3f9a2c61be07", "login/2")
			script(pe.addRun(t, hk, now.Add(-time.Duration(h)*time.Hour), twofetch.OutcomeHealed), "77d0e5a9c412", "login/1")
		}
		pe.addRun(t, hz, now.Add(-2*time.Hour), twofetch.OutcomeNoDocuments)
		pe.addRun(t, az, now.Add(-90*time.Minute), twofetch.OutcomeCaptcha)
	}

	// The test server's certificate is its own: Chromium trusts exactly
	// that key.
	spki := sha256.Sum256(pe.http.Certificate().RawSubjectPublicKeyInfo)
	pool, err := portals.NewPool(ctx, portals.PoolConfig{ChromePath: testenv.ChromePath(t),
		ExtraFlags: []string{"--ignore-certificate-errors-spki-list=" + base64.StdEncoding.EncodeToString(spki[:])}})
	if err != nil {
		testenv.Missing(t, "start Chromium: %v", err)
	}
	defer pool.Close()
	dir := testenv.Artifacts(t)
	// Beta Books reads its pages in German, whose labels run longer.
	if pe.b.Language = "de"; pe.store.UpdateTenant(ctx, pe.b) != nil {
		t.Fatal("set Beta Books' language")
	}
	english := []string{"GitHub", "degraded", "login/2", "github.yaml:41", "Healed"}
	for _, who := range []struct {
		name, token, scope string
		want               []string
	}{
		{"tenant", pe.aAdmin, "Alpha Books", english},
		{"operator", operatorToken, "all tenants", english},
		{"tenant-de", pe.bAdmin, "Beta Books", []string{"GitHub", "beeinträchtigt", "login/2", "github.yaml:41", "Geheilt", "Fehlschlagender Schritt"}},
	} {
		t.Run(who.name, func(t *testing.T) {
			tctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			tab, release, err := pool.Tab(tctx)
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			err = chromedp.Do(tab,
				chromedp.EmulateViewport(1280, 800),
				chromedp.Navigate(pe.http.URL+"/support/login"),
				chromedp.SendKeys(chromedp.CSS("#token"), who.token),
				chromedp.Submit(chromedp.CSS("#token")),
			)
			if err == nil {
				// Signed in once the browser has left the sign-in page.
				err = chromedp.Do(tab, chromedp.WaitNotPresent(chromedp.CSS("#token")),
					chromedp.Navigate(pe.http.URL+"/support/portals"),
					chromedp.WaitVisible(chromedp.CSS("#portals")))
			}
			if err != nil {
				t.Fatal(err)
			}
			text, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range append([]string{who.scope}, who.want...) {
				if !strings.Contains(text, want) {
					t.Errorf("the page does not show %q:\n%s", want, text)
				}
			}
			if first, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector("#portals tbody tr").dataset.portal`)); first != "github" {
				t.Errorf("first row %q, want the broken portal", first)
			}
			wide, err := chromedp.Run(tab, chromedp.Evaluate[string](`(() => {
				const w = document.documentElement.clientWidth, out = [];
				if (document.documentElement.scrollWidth > w) out.push("page " + document.documentElement.scrollWidth + " > " + w);
				for (const el of document.querySelectorAll("main *")) {
					const r = el.getBoundingClientRect();
					if (r.width && r.right > w + 0.5) out.push(el.tagName + " ends at " + Math.round(r.right));
				}
				return out.slice(0, 5).join("; ");
			})()`))
			if err != nil {
				t.Fatal(err)
			}
			if wide != "" {
				t.Errorf("wider than a 1280 px screen: %s", wide)
			}
			png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "portal-health-"+who.name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}

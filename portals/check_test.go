package portals

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
)

// loginSecrets keeps a login's identity and profile in memory, as the
// vault does for workers.
type loginSecrets struct {
	*fakeSecrets
	mu                sync.Mutex
	identity, profile []byte
}

func (l *loginSecrets) Identity(context.Context) ([]byte, error) { return l.get(&l.identity) }
func (l *loginSecrets) Profile(context.Context) ([]byte, error)  { return l.get(&l.profile) }
func (l *loginSecrets) SaveIdentity(_ context.Context, b []byte) error {
	return l.set(&l.identity, b)
}
func (l *loginSecrets) SaveProfile(_ context.Context, b []byte) error { return l.set(&l.profile, b) }

func (l *loginSecrets) get(p *[]byte) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if *p == nil {
		return nil, twofetch.ErrNotFound
	}
	return append([]byte(nil), *p...), nil
}

func (l *loginSecrets) set(p *[]byte, b []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	*p = append([]byte(nil), b...)
	return nil
}

// detectorBundle installs BotD and fpscanner from the committed lockfile
// (once; node_modules is kept between test runs) and bundles them for the
// check page.
func detectorBundle(t *testing.T) []byte {
	t.Helper()
	npm, err := exec.LookPath("npm")
	if err != nil {
		testenv.Missing(t, "npm not found (apt-get install npm)")
	}
	dir, _ := filepath.Abs("checkpage")
	lock, _ := os.Stat(filepath.Join(dir, "package-lock.json"))
	installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	if err != nil || installed.ModTime().Before(lock.ModTime()) {
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}
	out := filepath.Join(t.TempDir(), "detectors.js")
	cmd := exec.Command(filepath.Join(dir, "node_modules", ".bin", "esbuild"), "detectors.js", "--bundle",
		"--format=iife", "--log-level=warning", "--outfile="+out)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("esbuild: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBrowserCheck runs the check page, with BotD and fpscanner, in the
// browser as workers set it up: twice for one login and once for another.
func TestBrowserCheck(t *testing.T) {
	pool := testPool(t)
	detectors := detectorBundle(t)
	r := NewRunner(nil, pool)
	r.TypingGap = HumanTypingGap
	check := func(name string, sec *loginSecrets, hints IdentityHints) CheckResult {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		job := &Job{Login: name, Username: name, Secrets: sec, Identity: hints}
		res, err := r.CheckJob(ctx, job, "", detectors)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// The page itself allows fpscanner's hasSwiftshaderRenderer
		// (servers have no GPU); every problem it reports fails the test.
		var problems []string
		for _, p := range res["problems"].([]any) {
			problems = append(problems, p.(string))
		}
		if len(problems) > 0 {
			t.Errorf("%s: the check page found problems:\n%s", name, strings.Join(problems, "\n"))
		}
		if det, _ := res["detectors"].(map[string]any); det == nil {
			t.Errorf("%s: the bot detectors did not run", name)
		}
		return res
	}
	a := &loginSecrets{fakeSecrets: &fakeSecrets{}}
	b := &loginSecrets{fakeSecrets: &fakeSecrets{}}
	a1 := check("login-a", a, IdentityHints{Language: "de", Country: "DE", TimeZone: "Europe/Berlin"})
	a2 := check("login-a", a, IdentityHints{Language: "de", Country: "DE", TimeZone: "Europe/Berlin"})
	b1 := check("login-b", b, IdentityHints{Language: "en", Country: "US", TimeZone: "America/Chicago"})

	if a1["fingerprintHash"] != a2["fingerprintHash"] {
		t.Errorf("one login, two fingerprints:\n%s\n%s", jsonText(a1["fingerprint"]), jsonText(a2["fingerprint"]))
	}
	if a1["fingerprintHash"] == b1["fingerprintHash"] {
		t.Errorf("two logins with different identities, one fingerprint: %s", jsonText(b1["fingerprint"]))
	}
	prev, _ := a2["previous"].(map[string]any)
	if prev["cookie"] != a1["mark"] || prev["localStorage"] != a1["mark"] {
		t.Errorf("run 2 found cookie %v and local storage %v, run 1 left %v", prev["cookie"], prev["localStorage"], a1["mark"])
	}
	if prev, _ := b1["previous"].(map[string]any); prev["cookie"] != "" || prev["localStorage"] != "" {
		t.Errorf("another login found login a's marks: %v", prev)
	}
	idA, _ := ParseIdentity(a.identity)
	idB, _ := ParseIdentity(b.identity)
	if idA == nil || idB == nil || idA.TimeZone != "Europe/Berlin" || idB.TimeZone != "America/Chicago" {
		t.Errorf("stored identities %+v and %+v", idA, idB)
	}
	t.Logf("login a: %s", jsonText(a1["fingerprint"]))
}

func jsonText(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return strings.TrimSpace(string(b))
}

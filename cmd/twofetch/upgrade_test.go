package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twofetch/twofetch/internal/testenv"
)

// TestPreviousReleaseOnMigratedSchema is the rolling upgrade as operators
// run it: this release migrates the database while the previous release
// still runs, so the previous release must keep working on the migrated
// schema; then this release takes over and reads what the previous one
// wrote. The previous release is the commit in deploy/PREVIOUS_RELEASE,
// built from this repository's history.
func TestPreviousReleaseOnMigratedSchema(t *testing.T) {
	chrome := testenv.ChromePath(t)
	commit, err := os.ReadFile(filepath.Join("..", "..", "deploy", "PREVIOUS_RELEASE"))
	if err != nil {
		t.Fatal(err)
	}
	prev := strings.TrimSpace(string(commit))
	if err := exec.Command("git", "-C", "../..", "cat-file", "-e", prev+"^{commit}").Run(); err != nil {
		// A shallow clone has no history to build the previous release from.
		t.Skipf("the previous release %s is not in this checkout's history: %v", prev, err)
	}
	old := buildRelease(t, prev)
	cur := buildBinary(t)
	dataDir := t.TempDir()

	// 1. This release migrates first, as the deploy's migration Job does.
	migrate := exec.Command(cur, "migrate", "--data-dir", dataDir)
	migrate.Env = cleanEnv()
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("migrate with this release: %v\n%s", err, out)
	}
	token := createTenant(t, cur, dataDir, "Upgrade Books")

	// 2. The previous release, still running, does a customer's whole
	// flow on the migrated schema: account, enrolment by photo, a run that
	// stores the invoices.
	const phone = "+4915112345670"
	p := startAll(t, old, dataDir, cleanEnv(), "--chrome-path", chrome, "--replicas=true")
	waitReady(t, p.url)
	api := p.url + "/api/v1"
	accountID := createAccount(t, api, token, "github", "demo@example.com", "demo-password")
	if res := call(t, "POST", api+"/accounts/"+accountID+"/enrollments", token, `{"phone":"`+phone+`","language":"en"}`); res.status != http.StatusCreated {
		t.Fatalf("previous release: start enrolment: %d %s", res.status, res.body)
	}
	link := waitSMSLink(t, p, phone)
	uploadPhoto(t, link, screenPhoto(t, demoKeyURI(t, old, dataDir, "github")))
	if res := postLink(t, link+"/confirm", "", nil); res.status != http.StatusOK {
		t.Fatalf("previous release: confirm: %d %s", res.status, res.body)
	}
	run := runNow(t, api, token, accountID)
	if run.Outcome != "ok" || run.NewInvoices == 0 {
		t.Fatalf("previous release on the migrated schema: run %q with %d new (%s); log:\n%s", run.Outcome, run.NewInvoices, run.Detail, p.logs.String())
	}
	stored := listInvoices(t, api, token, accountID)
	p.stop(t)

	// 3. This release takes over the same data: it lists what the previous
	// one stored (with the document kind it did not know) and runs the
	// account again.
	p = startAll(t, cur, dataDir, cleanEnv(), "--chrome-path", chrome, "--replicas=true")
	waitReady(t, p.url)
	api = p.url + "/api/v1"
	res := call(t, "GET", api+"/invoices?account="+accountID, token, "")
	if res.status != http.StatusOK || bytes.Count(res.body, []byte(`"kind":"invoice"`)) != len(stored) {
		t.Fatalf("this release lists the previous release's %d invoices as: %d %s", len(stored), res.status, res.body)
	}
	again := runNow(t, api, token, accountID)
	if again.Outcome != "ok" && again.Outcome != "no_documents" {
		t.Fatalf("this release's run after the upgrade: %q (%s); log:\n%s", again.Outcome, again.Detail, p.logs.String())
	}
	p.stop(t)
}

// buildRelease builds the twofetch binary of commit from this
// repository's history, in a directory of its own.
func buildRelease(t *testing.T, commit string) string {
	t.Helper()
	src := t.TempDir()
	archive := exec.Command("sh", "-c", `git -C ../.. archive "$1" | tar -x -C "$2"`, "sh", commit, src)
	if out, err := archive.CombinedOutput(); err != nil {
		t.Fatalf("git archive %s: %v\n%s", commit, err, out)
	}
	bin := filepath.Join(t.TempDir(), "twofetch-"+commit[:7])
	build := exec.Command("go", "build", "-o", bin, "./cmd/twofetch")
	build.Dir = src
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the previous release %s: %v\n%s", commit, err, out)
	}
	return bin
}

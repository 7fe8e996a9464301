package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/portals"
)

// buildBinary builds the real twofetch binary into the test's temp dir.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "twofetch")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// cleanEnv is the test's environment without TWOFETCH_* settings, so the
// binary runs on its embedded defaults.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TWOFETCH_") {
			env = append(env, kv)
		}
	}
	return env
}

// process is the binary running `all`, with the URL it printed.
type process struct {
	cmd  *exec.Cmd
	url  string
	logs *testenv.LogLines
	done chan error
}

func startAll(t *testing.T, bin, dataDir string, env []string, args ...string) *process {
	t.Helper()
	p := &process{logs: &testenv.LogLines{}, done: make(chan error, 1)}
	p.cmd = exec.Command(bin, append([]string{"all", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--log-format", "json", "--log-level", "debug"}, args...)...)
	p.cmd.Env = env
	p.cmd.Stderr = p.logs
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "twofetch listening on "); ok {
				urls <- u
			}
		}
		close(urls)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { p.done <- p.cmd.Wait() }()
	u, ok := <-urls
	if !ok {
		<-p.done
		t.Fatalf("twofetch all exited without printing its URL; log:\n%s", p.logs.String())
	}
	p.url = u
	return p
}

// stop sends SIGINT and waits for a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := <-p.done; err != nil {
		t.Errorf("twofetch all did not exit cleanly on SIGINT: %v; log:\n%s", err, p.logs.String())
	}
}

type apiResponse struct {
	status int
	body   []byte
}

func call(t *testing.T, method, url, token, body string) apiResponse {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return apiResponse{res.StatusCode, b}
}

// waitReady polls /readyz until it answers 200; the dependencies start
// asynchronously, so the first answers may be 503.
func waitReady(t *testing.T, url string) apiResponse {
	t.Helper()
	var last apiResponse
	for range 300 {
		last = call(t, "GET", url+"/readyz", "", "")
		if last.status == http.StatusOK {
			return last
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("/readyz never answered 200; last %d %s", last.status, last.body)
	return last
}

func createTenant(t *testing.T, bin, dataDir, name string) string {
	t.Helper()
	cmd := exec.Command(bin, "tenant", "create", name, "--data-dir", dataDir)
	cmd.Env = cleanEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tenant create: %v\n%s", err, stderr.String())
	}
	token := lastWord(string(out))
	if !strings.HasPrefix(token, "tfapi_") {
		t.Fatalf("tenant create printed %q", out)
	}
	return token
}

// knownPortal is a portal id the binary accepts: the first embedded script.
func knownPortal(t *testing.T) string {
	t.Helper()
	reg, err := portals.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	list := reg.List()
	if len(list) == 0 {
		t.Fatal("no embedded portal scripts")
	}
	return list[0].ID
}

// TestEndToEnd starts the real binary on embedded defaults and drives it
// the way an operator would: health, tenants, the account API, shutdown.
func TestEndToEnd(t *testing.T) {
	chrome := testenv.ChromePath(t)
	bin := buildBinary(t)
	dataDir := t.TempDir()
	// As `make run` starts it: replicas on, so the browser has somewhere to go.
	p := startAll(t, bin, dataDir, cleanEnv(), "--chrome-path", chrome, "--replicas=true")
	if !strings.HasPrefix(p.url, "http://127.0.0.1:") || strings.HasSuffix(p.url, ":0") {
		t.Fatalf("printed URL %q", p.url)
	}

	if res := call(t, "GET", p.url+"/healthz", "", ""); res.status != http.StatusOK {
		t.Fatalf("/healthz: %d %s", res.status, res.body)
	}
	ready := waitReady(t, p.url)
	var r struct{ Checks map[string]string }
	if err := json.Unmarshal(ready.body, &r); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"database", "redis", "browser"} {
		if r.Checks[name] != "ok" {
			t.Errorf("/readyz check %s = %q in %s", name, r.Checks[name], ready.body)
		}
	}

	// Tenants are created by a second process against the same data dir
	// while the server runs.
	tokenA := createTenant(t, bin, dataDir, "Tenant A")
	tokenB := createTenant(t, bin, dataDir, "Tenant B")
	portal := knownPortal(t)
	const password = "E2E-Canary-Password-7f3a9"

	if res := call(t, "GET", p.url+"/api/v1/accounts", "", ""); res.status != http.StatusUnauthorized {
		t.Errorf("no token: %d %s", res.status, res.body)
	}
	res := call(t, "POST", p.url+"/api/v1/accounts", tokenA, `{"portal":"`+portal+`","username":"e2e@example.com","password":"`+password+`"}`)
	if res.status != http.StatusCreated || bytes.Contains(res.body, []byte(password)) {
		t.Fatalf("create account: %d %s", res.status, res.body)
	}
	var acc struct{ ID, Portal, Username, Status string }
	if err := json.Unmarshal(res.body, &acc); err != nil {
		t.Fatal(err)
	}
	if acc.ID == "" || acc.Portal != portal || acc.Username != "e2e@example.com" || acc.Status != "active" {
		t.Errorf("created %s", res.body)
	}
	if res := call(t, "POST", p.url+"/api/v1/accounts", tokenA, `{"portal":"no-such-portal","username":"x","password":"y"}`); res.status != http.StatusBadRequest {
		t.Errorf("unknown portal: %d %s", res.status, res.body)
	}
	if res := call(t, "GET", p.url+"/api/v1/accounts/"+acc.ID, tokenA, ""); res.status != http.StatusOK {
		t.Errorf("get own account: %d %s", res.status, res.body)
	}
	if res := call(t, "GET", p.url+"/api/v1/accounts", tokenA, ""); res.status != http.StatusOK || !bytes.Contains(res.body, []byte(acc.ID)) {
		t.Errorf("list: %d %s", res.status, res.body)
	}
	for _, m := range []string{"GET", "DELETE"} {
		if res := call(t, m, p.url+"/api/v1/accounts/"+acc.ID, tokenB, ""); res.status != http.StatusNotFound {
			t.Errorf("%s as the other tenant: %d %s", m, res.status, res.body)
		}
	}
	if res := call(t, "GET", p.url+"/api/v1/accounts", tokenB, ""); bytes.Contains(res.body, []byte(acc.ID)) {
		t.Errorf("the other tenant lists the account: %s", res.body)
	}

	// A second account stays, so the files scanned below hold a sealed password.
	res = call(t, "POST", p.url+"/api/v1/accounts", tokenA, `{"portal":"`+portal+`","username":"kept@example.com","password":"`+password+`"}`)
	if res.status != http.StatusCreated {
		t.Fatalf("create second account: %d %s", res.status, res.body)
	}
	if res := call(t, "DELETE", p.url+"/api/v1/accounts/"+acc.ID, tokenA, ""); res.status != http.StatusNoContent {
		t.Errorf("delete: %d %s", res.status, res.body)
	}
	if res := call(t, "GET", p.url+"/api/v1/accounts/"+acc.ID, tokenA, ""); res.status != http.StatusNotFound {
		t.Errorf("get after delete: %d %s", res.status, res.body)
	}

	p.stop(t)

	logs := p.logs.String()
	if !strings.Contains(logs, `"route":"POST /api/v1/accounts"`) {
		t.Errorf("request log missing; log:\n%s", logs)
	}
	if strings.Contains(logs, password) {
		t.Errorf("the password appears in the log")
	}
	scanned := scanFiles(t, dataDir, func(rel string, b []byte) {
		if bytes.Contains(b, []byte(password)) {
			t.Errorf("the password is in plaintext in %s", rel)
		}
	})
	for _, f := range []string{"twofetch.db", "keyring.json"} {
		if _, err := os.Stat(filepath.Join(dataDir, f)); err != nil {
			t.Errorf("data dir lacks %s: %v", f, err)
		}
	}
	if scanned < 2 {
		t.Errorf("scanned only %d files", scanned)
	}
}

// TestWebCommand runs `web` in-process against a real Redis and shows
// /readyz following Redis down and up again.
func TestWebCommand(t *testing.T) {
	t.Run("needs a Redis URL", func(t *testing.T) {
		code, _, errs := runCmd(t, nil, "web", "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0")
		if code != 1 || !strings.Contains(errs, "TWOFETCH_REDIS_URL") {
			t.Errorf("exit %d, stderr %s", code, errs)
		}
	})
	t.Run("readiness follows Redis", func(t *testing.T) {
		rd := testenv.StartRedis(t)
		out := &testenv.LogLines{}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		m := NewMain(strings.NewReader(""), out, io.Discard, []string{"TWOFETCH_REDIS_URL=" + rd.URL, "TWOFETCH_SMS_LOG_ALLOWED=true"})
		exit := make(chan int, 1)
		go func() { exit <- m.Run(ctx, []string{"web", "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0"}) }()
		var url string
		for range 300 {
			if _, u, ok := strings.Cut(out.String(), "twofetch listening on "); ok {
				url = strings.TrimSpace(u)
				break
			}
			select {
			case code := <-exit:
				t.Fatalf("web exited with %d before listening", code)
			case <-time.After(100 * time.Millisecond):
			}
		}
		if url == "" {
			t.Fatal("web never printed its URL")
		}
		waitReady(t, url)
		rd.Stop()
		res := call(t, "GET", url+"/readyz", "", "")
		if res.status != http.StatusServiceUnavailable || !bytes.Contains(res.body, []byte(`"redis":"unavailable"`)) || !bytes.Contains(res.body, []byte(`"database":"ok"`)) {
			t.Errorf("/readyz with Redis down: %d %s", res.status, res.body)
		}
		rd.Restart(t)
		waitReady(t, url)
		cancel()
		if code := <-exit; code != 0 {
			t.Errorf("web exited with %d after cancel", code)
		}
	})
}

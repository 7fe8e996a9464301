// Package testenv finds or starts the real services tests talk to: Redis,
// PostgreSQL and headless Chromium. When a service cannot be had, the test
// fails under CI=true and is skipped, with the reason, elsewhere.
package testenv

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// CI reports whether the tests run in CI, where missing services are failures.
func CI() bool { v, _ := strconv.ParseBool(os.Getenv("CI")); return v }

// Missing ends the test because a service is not available: a failure in CI,
// a skip on a developer machine.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if CI() {
		t.Fatalf("required test service missing (CI=true): %s", msg)
	}
	t.Skipf("skipping: %s (run `make test` to install it)", msg)
}

// Redis is a redis-server the test owns.
type Redis struct {
	Addr string
	URL  string
	cmd  *exec.Cmd
	dir  string
	port int
}

// RedisURL returns a Redis URL for the test: TWOFETCH_TEST_REDIS_URL when
// set, otherwise a throwaway redis-server on a free loopback port, so tests
// in parallel packages never see each other's keys.
func RedisURL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("TWOFETCH_TEST_REDIS_URL"); u != "" {
		return u
	}
	return StartRedis(t).URL
}

// StartRedis starts a throwaway redis-server, stopped when the test ends.
// Use it where the test restarts Redis (Restart).
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		Missing(t, "redis-server not on PATH")
	}
	r := &Redis{dir: t.TempDir(), port: freePort(t)}
	r.Addr = fmt.Sprintf("127.0.0.1:%d", r.port)
	r.URL = "redis://" + r.Addr
	r.start(t, bin)
	t.Cleanup(r.Stop)
	return r
}

func (r *Redis) start(t testing.TB, bin string) {
	t.Helper()
	// appendfsync always: a restart must not lose acknowledged writes.
	r.cmd = exec.Command(bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--dir", r.dir, "--save", "", "--appendonly", "yes", "--appendfsync", "always",
		"--protected-mode", "no")
	if err := r.cmd.Start(); err != nil {
		Missing(t, "start redis-server: %v", err)
	}
	waitTCP(t, r.Addr, "redis-server")
}

// Stop kills the server.
func (r *Redis) Stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		r.cmd = nil
	}
}

// Restart stops the server and starts it again on the same port and data.
func (r *Redis) Restart(t testing.TB) {
	t.Helper()
	r.Stop()
	bin, _ := exec.LookPath("redis-server")
	r.start(t, bin)
}

func waitTCP(t testing.TB, addr, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not listen on %s within 10s", what, addr)
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// PostgresURL returns the URL of a fresh, empty schema in the test
// PostgreSQL (TWOFETCH_TEST_DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/test), dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TWOFETCH_TEST_DATABASE_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		Missing(t, "PostgreSQL at %s: %v", redactURL(base), err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// ChromePath returns the headless Chromium binary: TWOFETCH_CHROME_PATH, or
// Debian's full Chromium (run headless), else chromium-headless-shell.
func ChromePath(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("TWOFETCH_CHROME_PATH"), "/usr/lib/chromium/chromium", "/usr/lib/chromium/chromium-headless-shell"} {
		if p == "" {
			continue
		}
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	Missing(t, "headless Chromium not found (apt-get install chromium-headless-shell)")
	return ""
}

// Artifacts returns a directory for files a test keeps for people to look
// at (screenshots): TWOFETCH_TEST_ARTIFACTS/NAME when set, else a temp dir.
func Artifacts(t testing.TB) string {
	t.Helper()
	root := os.Getenv("TWOFETCH_TEST_ARTIFACTS")
	if root == "" {
		return t.TempDir()
	}
	dir := filepath.Join(root, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// LogLines collects log output for tests that assert on what was (not) logged.
// It is safe for concurrent use.
type LogLines struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *LogLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Lines returns the collected lines.
func (l *LogLines) Lines() []string {
	var out []string
	s := bufio.NewScanner(strings.NewReader(l.String()))
	for s.Scan() {
		out = append(out, s.Text())
	}
	return out
}

// DatabaseText returns everything a test database holds, as text, so a
// test can show that a secret is not in it: for a "sqlite:" dsn the files
// twofetch.db* in dir byte for byte (journals included), otherwise every
// row of every PostgreSQL table in the dsn's schema.
func DatabaseText(t testing.TB, dsn, dir string) string {
	t.Helper()
	var sb strings.Builder
	if strings.HasPrefix(dsn, "sqlite:") {
		files, _ := filepath.Glob(filepath.Join(dir, "twofetch.db*"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sb.Write(b)
		}
		if sb.Len() == 0 {
			t.Fatal("no database file")
		}
		return sb.String()
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) == 0 {
		t.Fatal("no tables")
	}
	for _, n := range tables {
		rows, err := db.Query(`SELECT CAST(x AS text) FROM "` + n + `" x`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			sb.WriteString(s + "\n")
		}
		rows.Close()
	}
	return sb.String()
}

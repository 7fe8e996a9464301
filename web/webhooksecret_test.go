package web_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
)

// TestWebhookSecretNotStoredInPlaintext sets a webhook through the API and
// then reads the database as someone holding a copy of it would: the
// signing secret must not be in it, yet the vault still opens it.
func TestWebhookSecretNotStoredInPlaintext(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			dir := t.TempDir()
			dsn := b.dsn(t, dir)
			e := newEnv(t, dsn, dir)
			ten, api, _ := e.tenant(t, "Acme Books")
			r := e.do(t, "PATCH", "/api/v1/tenant", api, map[string]any{"webhook_url": "https://books.example.com/hooks"})
			if r.status != http.StatusOK {
				t.Fatalf("patch: %d %s", r.status, r.body)
			}
			var got struct {
				Secret string `json:"webhook_secret"`
			}
			if err := json.Unmarshal(r.body, &got); err != nil || len(got.Secret) < 40 {
				t.Fatalf("no secret in %s (%v)", r.body, err)
			}
			if dump := dumpDatabase(t, b.name, dsn, dir); strings.Contains(dump, got.Secret) {
				t.Fatalf("the webhook secret is stored in plaintext in the %s database", b.name)
			}
			ref := twofetch.SecretRef{TenantID: ten.ID, AccountID: twofetch.TenantWide, Field: twofetch.FieldWebhookSecret}
			p, err := e.vault.Open(context.Background(), ref)
			if err != nil || string(p) != got.Secret {
				t.Fatalf("vault holds %q, %v; want the secret shown", p, err)
			}
		})
	}
}

// dumpDatabase returns everything the database holds as text: the SQLite
// files byte for byte, or every row of every PostgreSQL table.
func dumpDatabase(t *testing.T, backend, dsn, dir string) string {
	t.Helper()
	var sb strings.Builder
	if backend == "sqlite" {
		files, _ := filepath.Glob(filepath.Join(dir, "twofetch.db*"))
		if len(files) == 0 {
			t.Fatal("no database file")
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sb.Write(b)
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

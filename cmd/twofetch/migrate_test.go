package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/store"
)

func TestMigrateCommand(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		// env and dsn for the store the test opens afterwards
		setup func(t *testing.T) (env []string, dsn string)
	}{
		{"sqlite data dir", func(t *testing.T) ([]string, string) {
			dir := filepath.Join(t.TempDir(), "data")
			return []string{"TWOFETCH_DATA_DIR=" + dir}, "sqlite:" + filepath.Join(dir, "twofetch.db")
		}},
		{"sqlite database url", func(t *testing.T) ([]string, string) {
			p := filepath.Join(t.TempDir(), "elsewhere.db")
			return []string{"TWOFETCH_DATABASE_URL=sqlite:" + p, "TWOFETCH_DATA_DIR=" + t.TempDir()}, p
		}},
		{"postgres", func(t *testing.T) ([]string, string) {
			u := testenv.PostgresURL(t)
			return []string{"TWOFETCH_DATABASE_URL=" + u}, u
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, dsn := tc.setup(t)
			code, out, errs := runCmd(t, env, "migrate", "status")
			if code != 0 || !strings.Contains(out, "schema version 0 of ") {
				t.Fatalf("migrate status before: exit %d, stdout %q, stderr %q", code, out, errs)
			}
			for i := 0; i < 2; i++ {
				code, out, errs = runCmd(t, env, "migrate")
				if code != 0 {
					t.Fatalf("migrate run %d: exit %d, stderr %s", i+1, code, errs)
				}
			}
			if strings.Contains(out, "version 0 ") {
				t.Fatalf("migrate left the schema empty: %q", out)
			}
			if !strings.Contains(out, displayDSN(dsn)) {
				t.Fatalf("output does not name the database %s: %q", displayDSN(dsn), out)
			}
			st, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			// The schema is there without migrating again.
			if err := st.CreateTenant(ctx, &twofetch.Tenant{Name: "after migrate"}); err != nil {
				t.Fatalf("migrated database rejects a tenant: %v", err)
			}
			if !strings.Contains(dsn, "://") {
				fi, err := os.Stat(strings.TrimPrefix(dsn, "sqlite:"))
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != 0o600 {
					t.Fatalf("database file mode %v, want 0600", fi.Mode().Perm())
				}
			}
		})
	}
}

func TestMigrateCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"bad url", []string{"--database-url", "mysql://db/x"}, 2, "TWOFETCH_DATABASE_URL"},
		{"unreachable postgres", []string{"--database-url", "postgres://nobody:secretpw@127.0.0.1:1/x?connect_timeout=2"}, 1, "TWOFETCH_DATABASE_URL"},
		{"extra argument", []string{"now"}, 2, "unexpected arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runCmd(t, []string{"TWOFETCH_DATA_DIR=" + t.TempDir()}, append([]string{"migrate"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errs, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", code, errs, tc.code, tc.want)
			}
			if strings.Contains(errs, "secretpw") {
				t.Fatalf("error shows the database password: %q", errs)
			}
		})
	}
}

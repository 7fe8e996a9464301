package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/store"
)

func lastWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

func TestTenantCommand(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	code, out, errs := runCmd(t, nil, "tenant", "create", "Acme", "GmbH", "--data-dir", dir, "--language", "de")
	if code != 0 {
		t.Fatalf("tenant create: exit %d, stderr %s", code, errs)
	}
	token := lastWord(out)
	if !strings.HasPrefix(token, "tfapi_") {
		t.Fatalf("last word %q is not an API token; output:\n%s", token, out)
	}
	var admin string
	for _, w := range strings.Fields(out) {
		if strings.HasPrefix(w, "tfadm_") {
			admin = w
		}
	}
	if admin == "" {
		t.Fatalf("no admin token in output:\n%s", out)
	}

	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "twofetch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ten, err := st.TenantByTokenHash(ctx, twofetch.HashToken(token))
	if err != nil {
		t.Fatalf("API token does not find the tenant: %v", err)
	}
	if ten.Name != "Acme GmbH" || ten.Language != "de" || !strings.Contains(out, ten.ID) {
		t.Errorf("tenant %+v, output %s", ten, out)
	}
	if a, err := st.TenantByAdminTokenHash(ctx, twofetch.HashToken(admin)); err != nil || a.ID != ten.ID {
		t.Errorf("admin token finds %v, %v", a, err)
	}
	if _, err := st.TenantByTokenHash(ctx, twofetch.HashToken(admin)); !twofetch.IsNotFound(err) {
		t.Errorf("the admin token works as an API token: %v", err)
	}

	code, out, errs = runCmd(t, nil, "tenant", "list", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, ten.ID) || !strings.Contains(out, "Acme GmbH") || strings.Contains(out, token) {
		t.Errorf("tenant list: exit %d\n%s%s", code, out, errs)
	}

	code, out, errs = runCmd(t, nil, "tenant", "--data-dir", dir, "revoke", ten.ID)
	if code != 0 || !strings.Contains(out, ten.ID) {
		t.Fatalf("tenant revoke: exit %d\n%s%s", code, out, errs)
	}
	if _, err := st.TenantByTokenHash(ctx, twofetch.HashToken(token)); !twofetch.IsNotFound(err) {
		t.Errorf("revoked tenant's token still works: %v", err)
	}
	if _, err := st.TenantByAdminTokenHash(ctx, twofetch.HashToken(admin)); !twofetch.IsNotFound(err) {
		t.Errorf("revoked tenant's admin token still works: %v", err)
	}

	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no subcommand", []string{"tenant"}, 2, "missing subcommand"},
		{"unknown subcommand", []string{"tenant", "rename"}, 2, `unknown subcommand "rename"`},
		{"create without name", []string{"tenant", "create"}, 2, "needs a NAME"},
		{"bad language", []string{"tenant", "create", "X", "--language", "fr"}, 2, "--language"},
		{"revoke unknown", []string{"tenant", "revoke", "ten_nosuch"}, 1, `no tenant "ten_nosuch"`},
		{"revoke without id", []string{"tenant", "revoke"}, 2, "exactly one ID"},
		{"bad database url", []string{"tenant", "list", "--database-url", "mysql://x"}, 2, "TWOFETCH_DATABASE_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runCmd(t, []string{"TWOFETCH_DATA_DIR=" + dir}, tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errs, tt.code, tt.msg)
			}
		})
	}
}

func TestAccountListCommand(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	code, out, errs := runCmd(t, nil, "tenant", "create", "Lister", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("tenant create: %d %s", code, errs)
	}
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "twofetch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ten, err := st.TenantByTokenHash(ctx, twofetch.HashToken(lastWord(out)))
	if err != nil {
		t.Fatal(err)
	}
	a := &twofetch.Account{ID: twofetch.NewID("acc"), TenantID: ten.ID, Portal: "demo", Username: "lister@example.com", Status: twofetch.AccountNeedsEnrollment}
	if err := st.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCmd(t, nil, "account", "list", "--tenant", ten.ID, "--data-dir", dir)
	if code != 0 || !strings.Contains(out, a.ID) || !strings.Contains(out, "lister@example.com") || !strings.Contains(out, "needs_enrollment") {
		t.Errorf("account list: exit %d\n%s%s", code, out, errs)
	}
	code, _, errs = runCmd(t, nil, "account", "list", "--tenant", "ten_nosuch", "--data-dir", dir)
	if code != 1 || !strings.Contains(errs, `no tenant "ten_nosuch"`) {
		t.Errorf("unknown tenant: exit %d, %s", code, errs)
	}
	code, _, errs = runCmd(t, nil, "account", "list", "--data-dir", dir)
	if code != 2 || !strings.Contains(errs, "--tenant") {
		t.Errorf("no --tenant: exit %d, %s", code, errs)
	}
}

// TestTenantCommandPostgres runs tenant create and list against PostgreSQL,
// migrating the empty schema on the way.
func TestTenantCommandPostgres(t *testing.T) {
	env := []string{"TWOFETCH_DATABASE_URL=" + testenv.PostgresURL(t), "TWOFETCH_DATA_DIR=" + t.TempDir()}
	code, out, errs := runCmd(t, env, "tenant", "create", "Pg Books")
	if code != 0 {
		t.Fatalf("tenant create: exit %d, %s", code, errs)
	}
	token := lastWord(out)
	code, out, errs = runCmd(t, env, "tenant", "list")
	if code != 0 || !strings.Contains(out, "Pg Books") || strings.Contains(out, token) {
		t.Errorf("tenant list: exit %d\n%s%s", code, out, errs)
	}
}

package main

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/otpauth"
	"github.com/twofetch/twofetch/portals/replica"
	"github.com/twofetch/twofetch/portals/scripts"
	"github.com/twofetch/twofetch/store"
	"github.com/twofetch/twofetch/vault"
)

// portal test FILE --live --login ID, through the real binary: a script
// file that is not in use signs in with a login's password and key from
// the vault (here at the local replica, which --replicas puts where the
// portal would be) and saves the documents to --out only.
func TestPortalTestLiveLogin(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	redisURL := testenv.RedisURL(t)
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dataDir, "twofetch.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(ctx, st); err != nil {
		t.Fatal(err)
	}
	tenant := &twofetch.Tenant{Name: "Books Ltd", Language: "en"}
	if err := st.CreateTenant(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	login := &twofetch.Login{TenantID: tenant.ID, Portal: "zoom", Username: replica.DemoEmail}
	if err := st.CreateLogin(ctx, login); err != nil {
		t.Fatal(err)
	}
	acct := &twofetch.Account{TenantID: tenant.ID, Portal: "zoom", Username: replica.DemoEmail, LoginID: login.ID, Status: twofetch.AccountActive}
	if err := st.CreateAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	kr, err := vault.OpenKeyring(filepath.Join(dataDir, "keyring.json"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(vault.Config{Store: st, KEK: kr})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Seal(ctx, twofetch.SecretRef{TenantID: tenant.ID, AccountID: login.ID, Field: twofetch.FieldPassword}, []byte(replica.DemoPassword)); err != nil {
		t.Fatal(err)
	}
	key, err := otpauth.Parse(replica.DemoKey("zoom"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.PutKey(ctx, twofetch.SecretRef{TenantID: tenant.ID, AccountID: login.ID, Field: twofetch.FieldTOTP}, key[0]); err != nil {
		t.Fatal(err)
	}
	st.Close()

	script, err := fs.ReadFile(scripts.FS, "zoom.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "zoom.yaml") // a fix, not yet in the scripts folder
	if err := os.WriteFile(file, script, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	env := append(cleanEnv(), "TWOFETCH_CHROME_PATH="+testenv.ChromePath(t), "TWOFETCH_DATA_DIR="+dataDir,
		"TWOFETCH_REDIS_URL="+redisURL, "TWOFETCH_REPLICAS=true")
	run := func(args ...string) (int, string) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"portal", "test"}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}

	out := t.TempDir()
	code, text := run(file, "--live", "--login", login.ID, "--out", out)
	if code != 0 || !strings.Contains(text, "outcome ok") {
		t.Fatalf("portal test FILE --live --login: exit %d\n%s", code, text)
	}
	pdfs, _ := filepath.Glob(filepath.Join(out, "*.pdf"))
	if len(pdfs) == 0 {
		t.Fatalf("no documents in %s:\n%s", out, text)
	}
	if strings.Contains(text, replica.DemoPassword) {
		t.Fatal("the output shows the password")
	}

	// --account still names the login through one of its accounts.
	if code, text := run("zoom", "--live", "--account", acct.ID, "--out", t.TempDir()); code != 0 {
		t.Fatalf("--account: exit %d\n%s", code, text)
	}

	// Clear errors, exit 2 for usage and 1 for what is not there.
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"zoom", "--live"}, 2, "needs --login ID"},
		{[]string{"zoom", "--live", "--login", login.ID, "--account", acct.ID}, 2, "not both"},
		{[]string{"zoom", "--replica", "--login", login.ID}, 2, "go with --live"},
		{[]string{"zoom", "--live", "--login", "lgn_nosuchlogin"}, 1, "no login lgn_nosuchlogin"},
		{[]string{"zoom", "--live", "--account", "acc_nosuchaccount"}, 1, "no account acc_nosuchaccount"},
		{[]string{"github", "--live", "--login", login.ID}, 1, "signs in at zoom"},
	} {
		code, text := run(c.args...)
		if code != c.code || !strings.Contains(text, c.says) {
			t.Errorf("portal test %v: exit %d, want %d saying %q:\n%s", c.args, code, c.code, c.says, text)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/store"
	"github.com/twofetch/twofetch/vault"
)

// openAll opens every password with kek, failing the test if one does not.
func openAll(t *testing.T, dir string, kek vault.KEK, want map[twofetch.SecretRef]string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "twofetch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, err := vault.New(vault.Config{Store: st, KEK: kek})
	if err != nil {
		t.Fatal(err)
	}
	for ref, pw := range want {
		got, err := v.Open(ctx, ref)
		if err != nil || string(got) != pw {
			t.Fatalf("Open(%s) = %q, %v; want %q", ref, got, err, pw)
		}
	}
}

func TestVaultCommand(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	env := []string{"TWOFETCH_DATA_DIR=" + dir, "TWOFETCH_LOG_FORMAT=json"}

	// Seal a few secrets the way the service does: keyring in the data dir.
	ring, err := vault.OpenKeyring(filepath.Join(dir, "keyring.json"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "twofetch.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(ctx, st); err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(vault.Config{Store: st, KEK: ring})
	if err != nil {
		t.Fatal(err)
	}
	want := map[twofetch.SecretRef]string{}
	for i := range 3 {
		ref := twofetch.SecretRef{TenantID: "ten_a", AccountID: fmt.Sprintf("acc_%d", i), Field: twofetch.FieldPassword}
		want[ref] = fmt.Sprintf("pw-%d", i)
		if err := v.Seal(ctx, ref, []byte(want[ref])); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	steps := []struct {
		name    string
		env     []string
		args    []string
		code    int
		stdout  string
		notSeen string
	}{
		{"status before", env, []string{"status"}, 0, "secrets wrapped by other keys: 0\n", ""},
		{"rotate", env, []string{"rotate"}, 0, ": 3 rewrapped, 0 rewritten meanwhile, 0 failed\n", ""},
		{"rewrap only has nothing left", env, []string{"rotate", "--rewrap-only"}, 0, ": 0 rewrapped", ""},
		{"status after", env, []string{"status"}, 0, "secrets wrapped by other keys: 0\n", ""},
		{"no subcommand", env, nil, 2, "", ""},
		{"unknown subcommand", env, []string{"spin"}, 2, "", ""},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			code, out, errs := runCmd(t, s.env, append([]string{"vault"}, s.args...)...)
			if code != s.code || !strings.Contains(out, s.stdout) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errs, s.code, s.stdout)
			}
		})
	}
	ring2, err := vault.OpenKeyring(filepath.Join(dir, "keyring.json"))
	if err != nil {
		t.Fatal(err)
	}
	if ids := ring2.KeyIDs(); len(ids) != 2 || ids[0] != ring.KeyIDs()[0] {
		t.Fatalf("keyring after rotate holds %v, want the old key and one new", ids)
	}
	openAll(t, dir, ring2, want)

	// Moving to a master key: the keyring file keeps unwrapping until the
	// rotation has moved everything.
	master := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	menv := append(env, "TWOFETCH_MASTER_KEY="+master)
	code, out, errs := runCmd(t, menv, "vault", "status")
	if code != 0 || !strings.Contains(out, "secrets wrapped by other keys: 3\n") {
		t.Fatalf("status with a master key: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, errs = runCmd(t, menv, "vault", "rotate")
	if code != 0 || !strings.Contains(out, "key master:") || !strings.Contains(out, ": 3 rewrapped") {
		t.Fatalf("rotate to the master key: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if strings.Contains(out+errs, master) {
		t.Error("the master key appears in the command's output")
	}
	mk, err := vault.MasterKey(master)
	if err != nil {
		t.Fatal(err)
	}
	openAll(t, dir, mk, want)
}

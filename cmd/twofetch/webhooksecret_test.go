package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/store"
	"github.com/twofetch/twofetch/vault"
)

// A webhook secret an older version stored in plaintext is sealed when a
// command that opens the vault starts, and gone from the database file.
func TestStartSealsPlaintextWebhookSecret(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	db := filepath.Join(dir, "twofetch.db")
	st, err := store.Open(ctx, "sqlite:"+db)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(ctx, st); err != nil {
		t.Fatal(err)
	}
	const legacy = "whsec_legacyPlaintextSigningSecret0123456789"
	ten := &twofetch.Tenant{ID: "ten_old", Name: "Old Books", WebhookURL: "https://books.example.com/h", WebhookSecret: legacy}
	if err := st.CreateTenant(ctx, ten); err != nil {
		t.Fatal(err)
	}
	st.Close()

	code, out, errs := runCmd(t, []string{"TWOFETCH_DATA_DIR=" + dir}, "vault", "status")
	if code != 0 {
		t.Fatalf("vault status: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	files, _ := filepath.Glob(db + "*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), legacy) {
			t.Fatalf("%s still holds the plaintext webhook secret", filepath.Base(f))
		}
	}
	st, err = store.Open(ctx, "sqlite:"+db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.Tenant(ctx, ten.ID)
	if err != nil || got.WebhookSecret != twofetch.WebhookSealed {
		t.Fatalf("tenant after start: %+v, %v", got, err)
	}
	ring, err := vault.OpenKeyring(filepath.Join(dir, "keyring.json"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(vault.Config{Store: st, KEK: ring})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := v.Open(ctx, twofetch.WebhookSecretRef(ten.ID)); err != nil || string(p) != legacy {
		t.Fatalf("sealed secret = %q, %v; want the old one", p, err)
	}
}

package vault

import (
	"bytes"
	"context"
	"encoding/base64"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/otpauth"
)

// A code typed into a portal is one KMS Decrypt: the script asks whether a
// key is enrolled, then for a code, and the metric wants the key's type.
func TestAccountSecretsCodeOpensKeyOnce(t *testing.T) {
	ctx := context.Background()
	f := newFakeKMS(t, "key-1")
	v, err := New(Config{Store: newMemStore(), KEK: NewKMS(f.client(), "key-1"), Redis: newRedis(t)})
	if err != nil {
		t.Fatal(err)
	}
	acct := &twofetch.Account{ID: refTOTP.AccountID, TenantID: refTOTP.TenantID}
	sec := SecretsOf(v, acct)
	if ok, err := sec.HasKey(ctx); err != nil || ok {
		t.Fatalf("HasKey before enrolment = %v, %v", ok, err)
	}
	if _, err := sec.Code(ctx); twofetch.OutcomeOf(err) != twofetch.OutcomeOTPMissing {
		t.Fatalf("Code without a key: %v, want otp_missing", err)
	}
	if _, err := v.PutKey(ctx, twofetch.SecretRef{TenantID: acct.TenantID, AccountID: acct.ID, Field: twofetch.FieldTOTP}, testKey(otpauth.HOTP)); err != nil {
		t.Fatal(err)
	}
	before := len(f.callsOf("Decrypt"))
	if ok, err := sec.HasKey(ctx); err != nil || !ok {
		t.Fatalf("HasKey = %v, %v", ok, err)
	}
	code, err := sec.Code(ctx)
	if err != nil || len(code) != 6 {
		t.Fatalf("Code = %q, %v", code, err)
	}
	if n := len(f.callsOf("Decrypt")) - before; n != 1 {
		t.Errorf("asking for a key and a code made %d KMS Decrypt calls, want 1", n)
	}
}

// A login's browser identity and profile are sealed per account; its proxy
// is the account's, else the tenant's, else none.
func TestAccountSecretsBrowser(t *testing.T) {
	ctx := context.Background()
	kek, _ := MasterKey(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{4}, 32)))
	v := newTestVault(t, kek, newMemStore())
	acct := &twofetch.Account{ID: "acc-b", TenantID: "ten-b"}
	sec := SecretsOf(v, acct)
	if _, err := sec.Profile(ctx); !twofetch.IsNotFound(err) {
		t.Fatalf("Profile before a run: %v, want not found", err)
	}
	if err := sec.SaveIdentity(ctx, []byte(`{"time_zone":"Europe/Berlin"}`)); err != nil {
		t.Fatal(err)
	}
	if err := sec.SaveProfile(ctx, []byte("packed")); err != nil {
		t.Fatal(err)
	}
	if b, err := sec.Identity(ctx); err != nil || string(b) != `{"time_zone":"Europe/Berlin"}` {
		t.Fatalf("Identity = %q, %v", b, err)
	}
	if b, err := sec.Profile(ctx); err != nil || string(b) != "packed" {
		t.Fatalf("Profile = %q, %v", b, err)
	}
	// Another account of the tenant sees neither.
	other := SecretsOf(v, &twofetch.Account{ID: "acc-c", TenantID: "ten-b"})
	if _, err := other.Profile(ctx); !twofetch.IsNotFound(err) {
		t.Fatalf("another account's Profile: %v, want not found", err)
	}
	if p, err := sec.Proxy(ctx); err != nil || p != "" {
		t.Fatalf("Proxy with none set = %q, %v", p, err)
	}
	tenantRef := twofetch.SecretRef{TenantID: "ten-b", AccountID: twofetch.TenantWide, Field: twofetch.FieldProxy}
	if err := v.Seal(ctx, tenantRef, []byte("socks5://u:p@10.0.0.1:1080")); err != nil {
		t.Fatal(err)
	}
	if p, err := other.Proxy(ctx); err != nil || p != "socks5://u:p@10.0.0.1:1080" {
		t.Fatalf("tenant's Proxy = %q, %v", p, err)
	}
	if err := v.Seal(ctx, twofetch.SecretRef{TenantID: "ten-b", AccountID: "acc-b", Field: twofetch.FieldProxy}, []byte("http://own:1@10.0.0.2:3128")); err != nil {
		t.Fatal(err)
	}
	if p, err := sec.Proxy(ctx); err != nil || p != "http://own:1@10.0.0.2:3128" {
		t.Fatalf("login's Proxy = %q, %v", p, err)
	}
}

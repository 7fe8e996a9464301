package vault

import (
	"context"
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

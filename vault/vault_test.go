package vault

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/twofetch/twofetch"
)

var (
	refPassword = twofetch.SecretRef{TenantID: "ten_a", AccountID: "acc_1", Field: twofetch.FieldPassword}
	refTOTP     = twofetch.SecretRef{TenantID: "ten_a", AccountID: "acc_1", Field: twofetch.FieldTOTP}
)

// kekCase builds a KEK of one kind; kms is set for the KMS kind.
type kekCase struct {
	name string
	make func(t *testing.T) (KEK, *fakeKMS)
}

func kekCases() []kekCase {
	return []kekCase{
		{"keyring", func(t *testing.T) (KEK, *fakeKMS) {
			k, err := OpenKeyring(filepath.Join(t.TempDir(), "keyring.json"))
			if err != nil {
				t.Fatal(err)
			}
			return k, nil
		}},
		{"master", func(t *testing.T) (KEK, *fakeKMS) {
			k, err := MasterKey(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)))
			if err != nil {
				t.Fatal(err)
			}
			return k, nil
		}},
		{"kms", func(t *testing.T) (KEK, *fakeKMS) {
			f := newFakeKMS(t, "key-1")
			return NewKMS(f.client(), "key-1"), f
		}},
	}
}

func newTestVault(t *testing.T, kek KEK, store twofetch.SecretStore) *Vault {
	t.Helper()
	v, err := New(Config{Store: store, KEK: kek})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSealOpen(t *testing.T) {
	ctx := context.Background()
	for _, kc := range kekCases() {
		t.Run(kc.name, func(t *testing.T) {
			kek, _ := kc.make(t)
			store := newMemStore()
			v := newTestVault(t, kek, store)
			secret := []byte("correct horse battery staple")
			if err := v.Seal(ctx, refPassword, secret); err != nil {
				t.Fatal(err)
			}
			s, err := store.GetSecret(ctx, refPassword)
			if err != nil {
				t.Fatal(err)
			}
			if s.KeyID != v.KeyID() || s.KeyID == "" {
				t.Errorf("stored key id %q, vault wraps with %q", s.KeyID, v.KeyID())
			}
			if s.Sealed[0] != formatV1 {
				t.Errorf("sealed value starts with %d, want format %d", s.Sealed[0], formatV1)
			}
			if bytes.Contains(s.Sealed, secret) {
				t.Error("sealed value contains the plaintext")
			}
			sv, err := parseSealed(s.Sealed)
			if err != nil {
				t.Fatal(err)
			}
			if sv.keyID != s.KeyID {
				t.Errorf("sealed value names key %q, row says %q", sv.keyID, s.KeyID)
			}
			got, err := v.Open(ctx, refPassword)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, secret) {
				t.Errorf("Open = %q, want %q", got, secret)
			}

			// A second seal of the same value uses a new data key.
			if err := v.Seal(ctx, refPassword, secret); err != nil {
				t.Fatal(err)
			}
			s2, _ := store.GetSecret(ctx, refPassword)
			sv2, _ := parseSealed(s2.Sealed)
			if bytes.Equal(sv.wrapped, sv2.wrapped) || bytes.Equal(sv.ciphertext, sv2.ciphertext) {
				t.Error("resealing reused the wrapped data key or ciphertext")
			}
		})
	}
}

// TestBinding copies a sealed value to other records, as someone with
// write access to the database might, and expects it not to open there.
func TestBinding(t *testing.T) {
	ctx := context.Background()
	targets := []struct {
		name string
		ref  twofetch.SecretRef
	}{
		{"other tenant", twofetch.SecretRef{TenantID: "ten_b", AccountID: "acc_1", Field: twofetch.FieldPassword}},
		{"other account", twofetch.SecretRef{TenantID: "ten_a", AccountID: "acc_2", Field: twofetch.FieldPassword}},
		{"other field", twofetch.SecretRef{TenantID: "ten_a", AccountID: "acc_1", Field: twofetch.FieldCookies}},
		{"shifted boundary", twofetch.SecretRef{TenantID: "ten_", AccountID: "aacc_1", Field: twofetch.FieldPassword}},
	}
	for _, kc := range kekCases() {
		for _, tc := range targets {
			t.Run(kc.name+"/"+tc.name, func(t *testing.T) {
				kek, fk := kc.make(t)
				store := newMemStore()
				v := newTestVault(t, kek, store)
				if err := v.Seal(ctx, refPassword, []byte("hunter2")); err != nil {
					t.Fatal(err)
				}
				s, _ := store.GetSecret(ctx, refPassword)
				stolen := *s
				stolen.Ref = tc.ref
				store.set(&stolen)
				_, err := v.Open(ctx, tc.ref)
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("Open of a value copied to %s: err = %v, want ErrCorrupt", tc.ref, err)
				}
				if _, err := v.Open(ctx, refPassword); err != nil {
					t.Fatalf("original no longer opens: %v", err)
				}
				if fk != nil {
					gen := fk.callsOf("GenerateDataKey")
					if len(gen) != 1 || gen[0].KeyID != "key-1" || gen[0].Context["twofetch:tenant"] != "ten_a" ||
						gen[0].Context["twofetch:account"] != "acc_1" || gen[0].Context["twofetch:field"] != "password" {
						t.Errorf("GenerateDataKey calls = %+v, want one for key-1 with the record's context", gen)
					}
					dec := fk.callsOf("Decrypt")
					if len(dec) != 2 || dec[0].Context["twofetch:account"] != tc.ref.AccountID || dec[0].Context["twofetch:field"] != tc.ref.Field {
						t.Errorf("Decrypt calls = %+v, want the copied record's context first", dec)
					}
				}
			})
		}
	}
}

func TestTampered(t *testing.T) {
	ctx := context.Background()
	kek, _ := kekCases()[0].make(t)
	store := newMemStore()
	v := newTestVault(t, kek, store)
	if err := v.Seal(ctx, refPassword, []byte("hunter2")); err != nil {
		t.Fatal(err)
	}
	orig, _ := store.GetSecret(ctx, refPassword)
	sv, _ := parseSealed(orig.Sealed)
	tests := []struct {
		name   string
		mutate func(b []byte) []byte
		want   error
	}{
		{"ciphertext bit", func(b []byte) []byte { b[len(b)-1] ^= 1; return b }, ErrCorrupt},
		{"nonce bit", func(b []byte) []byte { b[len(b)-len(sv.ciphertext)-1] ^= 1; return b }, ErrCorrupt},
		{"wrapped key bit", func(b []byte) []byte { b[1+2+len(sv.keyID)+2] ^= 1; return b }, ErrCorrupt},
		{"unknown key id", func(b []byte) []byte { b[3] = 'x'; return b }, ErrCorrupt},
		{"truncated", func(b []byte) []byte { return b[:20] }, errMalformed},
		{"empty", func(b []byte) []byte { return nil }, errMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := *orig
			s.Sealed = tc.mutate(bytes.Clone(orig.Sealed))
			store.set(&s)
			if _, err := v.Open(ctx, refPassword); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("unknown format version", func(t *testing.T) {
		s := *orig
		s.Sealed = bytes.Clone(orig.Sealed)
		s.Sealed[0] = 9
		store.set(&s)
		if _, err := v.Open(ctx, refPassword); err == nil {
			t.Error("a value in an unknown format opened")
		}
	})
}

func TestFieldRules(t *testing.T) {
	ctx := context.Background()
	kek, _ := kekCases()[1].make(t)
	v := newTestVault(t, kek, newMemStore())
	if err := v.Seal(ctx, refTOTP, []byte("JBSWY3DPEHPK3PXP")); twofetch.ErrorCode(err) != twofetch.EINVALID {
		t.Errorf("Seal into the totp field: err = %v, want invalid", err)
	}
	for _, f := range []string{twofetch.FieldTOTP, twofetch.FieldTOTPPending} {
		ref := refTOTP
		ref.Field = f
		if _, err := v.Open(ctx, ref); twofetch.ErrorCode(err) != twofetch.EFORBIDDEN {
			t.Errorf("Open(%s): err = %v, want forbidden", f, err)
		}
	}
	if _, err := v.Open(ctx, refPassword); !twofetch.IsNotFound(err) {
		t.Errorf("Open of a missing secret: err = %v, want not found", err)
	}
	if err := v.Delete(ctx, refPassword); !twofetch.IsNotFound(err) {
		t.Errorf("Delete of a missing secret: err = %v, want not found", err)
	}
	if err := v.Seal(ctx, twofetch.SecretRef{TenantID: "t", Field: "password"}, []byte("x")); twofetch.ErrorCode(err) != twofetch.EINVALID {
		t.Errorf("Seal without account: err = %v, want invalid", err)
	}
	if err := v.Move(ctx, refPassword, refTOTP); twofetch.ErrorCode(err) != twofetch.EINVALID {
		t.Errorf("Move password to totp: err = %v, want invalid", err)
	}
}

func TestMoveAndDelete(t *testing.T) {
	ctx := context.Background()
	kek, _ := kekCases()[0].make(t)
	store := newMemStore()
	v := newTestVault(t, kek, store)
	to := twofetch.SecretRef{TenantID: "ten_a", AccountID: "acc_1", Field: twofetch.FieldRecoveryCodes}
	if err := v.Seal(ctx, refPassword, []byte("codes 1 2 3")); err != nil {
		t.Fatal(err)
	}
	if err := v.Move(ctx, refPassword, to); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Open(ctx, refPassword); !twofetch.IsNotFound(err) {
		t.Errorf("source after Move: err = %v, want not found", err)
	}
	got, err := v.Open(ctx, to)
	if err != nil || string(got) != "codes 1 2 3" {
		t.Fatalf("Open after Move = %q, %v", got, err)
	}
	if err := v.Delete(ctx, to); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Open(ctx, to); !twofetch.IsNotFound(err) {
		t.Errorf("Open after Delete: err = %v, want not found", err)
	}
}

func TestOpenKeyring(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "keyring.json")
	k1, err := OpenKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("keyring created with mode %04o, want 0600", st.Mode().Perm())
	}
	k2, err := OpenKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	if k1.keyID() != k2.keyID() || !bytes.Equal(k1.keys[0].key, k2.keys[0].key) {
		t.Error("reopening the keyring gave a different key")
	}

	// Immutability: adding a key leaves the original as it was.
	k3, err := k1.AddKey()
	if err != nil {
		t.Fatal(err)
	}
	if len(k1.keys) != 1 || len(k3.keys) != 2 || k3.keyID() == k1.keyID() {
		t.Fatalf("AddKey: old has %d keys, new has %d, active %q vs %q", len(k1.keys), len(k3.keys), k1.keyID(), k3.keyID())
	}
	if ids := k3.KeyIDs(); len(ids) != 2 || ids[0] != k1.keyID() || ids[1] != k3.keyID() {
		t.Errorf("KeyIDs = %v", ids)
	}
	ctx := context.Background()
	dk, wrapped, id, err := k1.generate(ctx, refPassword)
	if err != nil {
		t.Fatal(err)
	}
	got, err := k3.unwrap(ctx, id, wrapped, refPassword)
	if err != nil || !bytes.Equal(got, dk) {
		t.Errorf("new keyring cannot unwrap under the old key: %v", err)
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenKeyring(path); err == nil {
		t.Error("a world-readable keyring was accepted")
	}
}

func TestParseKeyring(t *testing.T) {
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	short := base64.StdEncoding.EncodeToString([]byte{1, 2, 3})
	tests := []struct {
		name, file string
		ok         bool
	}{
		{"valid", `{"format":1,"active":1,"keys":[{"term":1,"key":"` + key + `"}]}`, true},
		{"not json", `keyring`, false},
		{"unknown format", `{"format":2,"active":1,"keys":[{"term":1,"key":"` + key + `"}]}`, false},
		{"no keys", `{"format":1,"active":1,"keys":[]}`, false},
		{"short key", `{"format":1,"active":1,"keys":[{"term":1,"key":"` + short + `"}]}`, false},
		{"active missing", `{"format":1,"active":2,"keys":[{"term":1,"key":"` + key + `"}]}`, false},
		{"duplicate term", `{"format":1,"active":1,"keys":[{"term":1,"key":"` + key + `"},{"term":1,"key":"` + key + `"}]}`, false},
		{"term zero", `{"format":1,"active":0,"keys":[{"term":0,"key":"` + key + `"}]}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseKeyring([]byte(tc.file))
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && bytes.Contains([]byte(err.Error()), []byte(key[:8])) {
				t.Errorf("error %q quotes key material", err)
			}
		})
	}
}

func TestMasterKey(t *testing.T) {
	a := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	b := base64.RawStdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32))
	tests := []struct {
		name, in string
		keys     int
	}{
		{"one", a, 1},
		{"unpadded", b, 1},
		{"new and old", b + "," + a, 2},
		{"not base64", "not-base64!", 0},
		{"short", base64.StdEncoding.EncodeToString([]byte("short")), 0},
		{"twice", a + "," + a, 0},
		{"empty", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := MasterKey(tc.in)
			if tc.keys == 0 {
				if err == nil {
					t.Fatal("accepted")
				}
				if tc.in != "" && bytes.Contains([]byte(err.Error()), []byte(tc.in)) {
					t.Errorf("error %q quotes the key", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(k.KeyIDs()) != tc.keys {
				t.Errorf("%d keys, want %d", len(k.KeyIDs()), tc.keys)
			}
		})
	}
}

// TestKeyringFollowsOtherProcess: a process that loaded the keyring before
// another one rotated must still open what was rewrapped under the new key.
func TestKeyringFollowsOtherProcess(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keyring.json")
	store := newMemStore()
	ka, err := OpenKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := OpenKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	va, vb := newTestVault(t, ka, store), newTestVault(t, kb, store)
	if err := va.Seal(ctx, refPassword, []byte("hunter2")); err != nil {
		t.Fatal(err)
	}
	if _, err := va.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := vb.Open(ctx, refPassword); err != nil || string(got) != "hunter2" {
		t.Fatalf("other process: Open = %q, %v", got, err)
	}
	if vb.KeyID() != va.KeyID() {
		t.Errorf("other process wraps with %q after seeing the rotation, want %q", vb.KeyID(), va.KeyID())
	}
}

// TestKeyringConcurrentCreateAndRotate: processes starting at once agree on
// one keyring, and rotations at once each add a key rather than one
// overwriting the other (which would lose the secrets it rewrapped).
func TestKeyringConcurrentCreateAndRotate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keyring.json")
	const n = 4
	rings := make([]*Keyring, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			k, err := OpenKeyring(path)
			if err != nil {
				t.Error(err)
				return
			}
			rings[i] = k
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for _, k := range rings[1:] {
		if k.keyID() != rings[0].keyID() {
			t.Fatalf("concurrent first opens made different keyrings: %s and %s", k.keyID(), rings[0].keyID())
		}
	}

	store := newMemStore()
	want := sealMany(t, newTestVault(t, rings[0], store), 6)
	for i := range n {
		wg.Go(func() {
			if _, err := newTestVault(t, rings[i], store).Rotate(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	final, err := OpenKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(final.KeyIDs()); got != n+1 {
		t.Fatalf("keyring holds %d keys after %d concurrent rotations, want %d", got, n, n+1)
	}
	checkAll(t, newTestVault(t, final, store), store, want)
}

func TestKMSErrors(t *testing.T) {
	ctx := context.Background()
	f := newFakeKMS(t, "key-1")
	v := newTestVault(t, NewKMS(f.client(), "no-such-key"), newMemStore())
	err := v.Seal(ctx, refPassword, []byte("hunter2"))
	if err == nil || !strings.Contains(err.Error(), "GenerateDataKey") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Seal with an unknown KMS key: %v; want a GenerateDataKey error without the secret", err)
	}
}

package vault

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/otpauth"
)

func passwordRef(i int) twofetch.SecretRef {
	return twofetch.SecretRef{TenantID: "ten_a", AccountID: fmt.Sprintf("acc_%02d", i), Field: twofetch.FieldPassword}
}

// sealMany seals n passwords and one TOTP key and returns the passwords.
func sealMany(t *testing.T, v *Vault, n int) map[twofetch.SecretRef]string {
	t.Helper()
	ctx := context.Background()
	want := map[twofetch.SecretRef]string{}
	for i := range n {
		ref := passwordRef(i)
		want[ref] = fmt.Sprintf("password-%d", i)
		if err := v.Seal(ctx, ref, []byte(want[ref])); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := v.PutKey(ctx, refTOTP, testKey(otpauth.TOTP)); err != nil {
		t.Fatal(err)
	}
	return want
}

// checkAll opens every secret and counts them by key id.
func checkAll(t *testing.T, v *Vault, store twofetch.SecretStore, want map[twofetch.SecretRef]string) map[string]int {
	t.Helper()
	ctx := context.Background()
	for ref, pw := range want {
		got, err := v.Open(ctx, ref)
		if err != nil || string(got) != pw {
			t.Fatalf("Open(%s) = %q, %v; want %q", ref, got, err, pw)
		}
	}
	if info, err := v.KeyInfo(ctx, refTOTP); err != nil || info.Issuer != "Example" {
		t.Fatalf("KeyInfo = %+v, %v", info, err)
	}
	byKey := map[string]int{}
	all, err := store.SecretsNotWrappedBy(ctx, "none", 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		byKey[s.KeyID]++
	}
	return byKey
}

// TestRotateCrashResume stops a rotation after a few rewraps, as a crash
// would, and checks that nothing is lost and that a rerun finishes.
func TestRotateCrashResume(t *testing.T) {
	const n = 10 // passwords; plus one TOTP key
	ctx := context.Background()
	for _, rerun := range []string{"Rotate", "Rewrap"} {
		t.Run("keyring/"+rerun, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keyring.json")
			store := newMemStore()
			k, err := OpenKeyring(path)
			if err != nil {
				t.Fatal(err)
			}
			oldID := k.keyID()
			want := sealMany(t, newTestVault(t, k, store), n)

			crashing := newTestVault(t, k, &faultStore{SecretStore: store, n: 3})
			stats, err := crashing.Rotate(ctx)
			if !errors.Is(err, errInjected) || stats.Rewrapped != 3 {
				t.Fatalf("crashing Rotate = %+v, %v; want 3 rewrapped then the injected failure", stats, err)
			}
			newID := stats.KeyID

			// A fresh process reads the persisted keyring: old and new keys.
			k2, err := OpenKeyring(path)
			if err != nil {
				t.Fatal(err)
			}
			if ids := k2.KeyIDs(); len(ids) != 2 || ids[0] != oldID || ids[1] != newID {
				t.Fatalf("keyring after crash holds %v, want [%s %s]", ids, oldID, newID)
			}
			v2 := newTestVault(t, k2, store)
			byKey := checkAll(t, v2, store, want)
			if byKey[oldID] != n+1-3 || byKey[newID] != 3 {
				t.Fatalf("after crash: %v; want 3 under the new key, %d under the old", byKey, n+1-3)
			}

			var final RotateStats
			if rerun == "Rotate" {
				final, err = v2.Rotate(ctx)
			} else {
				final, err = v2.Rewrap(ctx)
			}
			if err != nil {
				t.Fatal(err)
			}
			wantRewrapped := n + 1 - 3
			if rerun == "Rotate" {
				wantRewrapped = n + 1 // a third key: everything moves to it
			}
			if final.Rewrapped != wantRewrapped || final.Failed != 0 {
				t.Errorf("rerun stats %+v, want %d rewrapped", final, wantRewrapped)
			}
			byKey = checkAll(t, v2, store, want)
			if byKey[final.KeyID] != n+1 || len(byKey) != 1 {
				t.Errorf("after rerun: %v, want all %d under %s", byKey, n+1, final.KeyID)
			}
		})
	}

	t.Run("kms key change", func(t *testing.T) {
		f := newFakeKMS(t, "key-1", "key-2")
		store := newMemStore()
		want := sealMany(t, newTestVault(t, NewKMS(f.client(), "key-1"), store), n)

		kek2 := NewKMS(f.client(), "key-2")
		stats, err := newTestVault(t, kek2, &faultStore{SecretStore: store, n: 4}).Rotate(ctx)
		if !errors.Is(err, errInjected) || stats.Rewrapped != 4 || stats.KeyID != "kms:key-2" {
			t.Fatalf("crashing Rotate = %+v, %v", stats, err)
		}
		v := newTestVault(t, kek2, store)
		byKey := checkAll(t, v, store, want)
		if byKey["kms:key-1"] != n+1-4 || byKey["kms:key-2"] != 4 {
			t.Fatalf("after crash: %v", byKey)
		}
		stats, err = v.Rotate(ctx)
		if err != nil || stats.Rewrapped != n+1-4 {
			t.Fatalf("rerun = %+v, %v", stats, err)
		}
		if byKey := checkAll(t, v, store, want); byKey["kms:key-2"] != n+1 {
			t.Errorf("after rerun: %v", byKey)
		}
		for _, c := range f.callsOf("Encrypt") {
			if c.KeyID != "key-2" || c.Context["twofetch:tenant"] != "ten_a" || c.Context["twofetch:field"] == "" {
				t.Errorf("rewrap Encrypt call %+v, want key-2 with the record's context", c)
			}
		}
		// One per rewrapped secret, plus the wrap whose write the crash lost.
		if got := len(f.callsOf("Encrypt")); got != n+2 {
			t.Errorf("%d Encrypt calls, want %d", got, n+2)
		}
	})
}

func TestRotateMigrations(t *testing.T) {
	ctx := context.Background()
	keyA := bytes.Repeat([]byte{0xa}, 32)
	keyB := bytes.Repeat([]byte{0xb}, 32)
	b64 := base64.StdEncoding.EncodeToString

	t.Run("master key NEW,OLD", func(t *testing.T) {
		store := newMemStore()
		old, _ := MasterKey(b64(keyA))
		want := sealMany(t, newTestVault(t, old, store), 3)
		both, err := MasterKey(b64(keyB) + "," + b64(keyA))
		if err != nil {
			t.Fatal(err)
		}
		stats, err := newTestVault(t, both, store).Rotate(ctx)
		if err != nil || stats.Rewrapped != 4 {
			t.Fatalf("Rotate = %+v, %v", stats, err)
		}
		onlyNew, _ := MasterKey(b64(keyB))
		if byKey := checkAll(t, newTestVault(t, onlyNew, store), store, want); byKey[onlyNew.keyID()] != 4 {
			t.Errorf("after rotation: %v", byKey)
		}
	})

	t.Run("keyring to KMS", func(t *testing.T) {
		store := newMemStore()
		ring, err := OpenKeyring(filepath.Join(t.TempDir(), "keyring.json"))
		if err != nil {
			t.Fatal(err)
		}
		want := sealMany(t, newTestVault(t, ring, store), 3)
		f := newFakeKMS(t, "key-1")
		kek := NewKMS(f.client(), "key-1")
		stats, err := newTestVault(t, Chain(kek, ring), store).Rotate(ctx)
		if err != nil || stats.Rewrapped != 4 || stats.KeyID != "kms:key-1" {
			t.Fatalf("Rotate = %+v, %v", stats, err)
		}
		if byKey := checkAll(t, newTestVault(t, kek, store), store, want); byKey["kms:key-1"] != 4 {
			t.Errorf("after migration: %v", byKey)
		}
	})
}

// TestRotateSkipsBroken: a secret that does not open is reported, not
// retried forever, and does not stop the others from moving.
func TestRotateSkipsBroken(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	k, _ := MasterKey(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32)))
	v := newTestVault(t, k, store)
	want := sealMany(t, v, 3)
	s, _ := store.GetSecret(ctx, passwordRef(0))
	s.Ref = passwordRef(99)
	s.KeyID = "master:old"
	store.set(s)

	k2, _ := MasterKey(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32)) + "," +
		base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32)))
	v2 := newTestVault(t, k2, store)
	stats, err := v2.Rotate(ctx)
	if !errors.Is(err, ErrCorrupt) || stats.Failed != 1 || stats.Rewrapped != 4 {
		t.Fatalf("Rotate = %+v, %v; want 4 rewrapped, 1 failed", stats, err)
	}
	checkAll(t, v2, store, want)
}

// racingStore lets another writer replace a secret between rotation's read
// and its write, the case the version check exists for.
type racingStore struct {
	twofetch.SecretStore
	once  sync.Once
	write func()
}

func (r *racingStore) UpdateSecret(ctx context.Context, s *twofetch.Secret) error {
	r.once.Do(r.write)
	return r.SecretStore.UpdateSecret(ctx, s)
}

func TestRotateKeepsConcurrentWrite(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	old, _ := MasterKey(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32)))
	want := sealMany(t, newTestVault(t, old, store), 2)
	both, _ := MasterKey(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32)) + "," +
		base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32)))
	writer := newTestVault(t, both, store)
	first := passwordRef(0)
	race := &racingStore{SecretStore: store, write: func() {
		if err := writer.Seal(ctx, first, []byte("changed meanwhile")); err != nil {
			t.Error(err)
		}
	}}
	stats, err := newTestVault(t, both, race).Rotate(ctx)
	if err != nil || stats.Rewritten != 1 || stats.Rewrapped != 2 {
		t.Fatalf("Rotate = %+v, %v; want 1 rewritten by the other writer, 2 rewrapped", stats, err)
	}
	want[first] = "changed meanwhile"
	if byKey := checkAll(t, writer, store, want); byKey[both.keyID()] != 3 {
		t.Errorf("after rotation: %v", byKey)
	}
}

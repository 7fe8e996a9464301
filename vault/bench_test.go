package vault

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/otpauth"
)

func benchVault(b *testing.B) (*Vault, *memStore) {
	k, err := OpenKeyring(filepath.Join(b.TempDir(), "keyring.json"))
	if err != nil {
		b.Fatal(err)
	}
	store := newMemStore()
	v, err := New(Config{Store: store, KEK: k})
	if err != nil {
		b.Fatal(err)
	}
	return v, store
}

// BenchmarkSeal measures sealing one password with a keyring KEK: a new
// data key, its wrap and the value's encryption.
func BenchmarkSeal(b *testing.B) {
	v, _ := benchVault(b)
	ctx := context.Background()
	pw := []byte("correct horse battery staple")
	for b.Loop() {
		if err := v.Seal(ctx, refPassword, pw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	v, _ := benchVault(b)
	ctx := context.Background()
	if err := v.Seal(ctx, refPassword, []byte("correct horse battery staple")); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		p, err := v.Open(ctx, refPassword)
		if err != nil {
			b.Fatal(err)
		}
		clear(p)
	}
}

// BenchmarkCounterCode measures a HOTP code: open, advance, reseal, write.
func BenchmarkCounterCode(b *testing.B) {
	v, _ := benchVault(b)
	ctx := context.Background()
	if _, err := v.PutKey(ctx, refTOTP, testKey(otpauth.HOTP)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := v.Code(ctx, refTOTP); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRewrap reports the cost per secret of rewrapping after a
// master-key rotation (no file writes, so it is the vault's own cost).
func BenchmarkRewrap(b *testing.B) {
	ctx := context.Background()
	const n = 1000
	oldKey := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	for b.Loop() {
		b.StopTimer()
		store := newMemStore()
		old, _ := MasterKey(oldKey)
		v, _ := New(Config{Store: store, KEK: old})
		for i := range n {
			ref := twofetch.SecretRef{TenantID: "t", AccountID: fmt.Sprintf("a%d", i), Field: "password"}
			if err := v.Seal(ctx, ref, []byte("pw")); err != nil {
				b.Fatal(err)
			}
		}
		both, _ := MasterKey(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32)) + "," + oldKey)
		v2, _ := New(Config{Store: store, KEK: both})
		b.StartTimer()
		stats, err := v2.Rotate(ctx)
		if err != nil || stats.Rewrapped != n {
			b.Fatalf("%+v, %v", stats, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/secret")
}

package vault

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/otpauth"
	"github.com/twofetch/twofetch/store"
)

// TestSQLStore runs sealing, a crashed and resumed rotation, and concurrent
// counter codes against the real store on SQLite and PostgreSQL, whose
// version checks the in-memory store only imitates.
func TestSQLStore(t *testing.T) {
	dsns := []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "t.db") }},
		{"postgres", func(t *testing.T) string { return testenv.PostgresURL(t) }},
	}
	for _, d := range dsns {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, d.dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := store.Migrate(ctx, db); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "keyring.json")
			k, err := OpenKeyring(path)
			if err != nil {
				t.Fatal(err)
			}
			const n = 5
			want := sealMany(t, newTestVault(t, k, db), n)
			if _, err := newTestVault(t, k, db).Open(ctx, twofetch.SecretRef{TenantID: "ten_a", AccountID: "acc_none", Field: "password"}); !twofetch.IsNotFound(err) {
				t.Errorf("missing secret: %v, want not found", err)
			}

			stats, err := newTestVault(t, k, &faultStore{SecretStore: db, n: 2}).Rotate(ctx)
			if !errors.Is(err, errInjected) || stats.Rewrapped != 2 {
				t.Fatalf("crashing Rotate = %+v, %v", stats, err)
			}
			k2, err := OpenKeyring(path)
			if err != nil {
				t.Fatal(err)
			}
			v := newTestVault(t, k2, db)
			if byKey := checkAll(t, v, db, want); byKey[stats.KeyID] != 2 {
				t.Fatalf("after crash: %v", byKey)
			}
			final, err := v.Rewrap(ctx)
			if err != nil || final.Rewrapped != n+1-2 {
				t.Fatalf("Rewrap = %+v, %v", final, err)
			}
			if byKey := checkAll(t, v, db, want); byKey[final.KeyID] != n+1 || len(byKey) != 1 {
				t.Errorf("after rerun: %v", byKey)
			}

			hotp := twofetch.SecretRef{TenantID: "ten_a", AccountID: "acc_hotp", Field: twofetch.FieldTOTP}
			key := testKey(otpauth.HOTP)
			if _, err := v.PutKey(ctx, hotp, key); err != nil {
				t.Fatal(err)
			}
			const callers = 4
			got := make([]string, callers)
			var wg sync.WaitGroup
			for i := range callers {
				wg.Go(func() {
					c, err := newTestVault(t, k2, db).Code(ctx, hotp)
					if err != nil {
						t.Error(err)
						return
					}
					got[i] = c.Value
				})
			}
			wg.Wait()
			seen := map[string]bool{}
			for c := range uint64(callers) {
				code, _ := key.Code(c)
				seen[code] = false
			}
			for i, c := range got {
				used, ok := seen[c]
				if !ok || used {
					t.Errorf("caller %d: code is not an unused one of counters 0..%d", i, callers-1)
				}
				seen[c] = true
			}
		})
	}
}

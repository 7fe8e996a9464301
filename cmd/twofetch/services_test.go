package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
)

// configured returns a Main whose configuration is parsed for cmd as Run
// would parse it, without running the command.
func configured(t *testing.T, cmd string, env []string, args ...string) *Main {
	t.Helper()
	m := NewMain(strings.NewReader(""), io.Discard, io.Discard, env)
	fs := newFlagSet(commands[cmd], m)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	if err := m.Config.finish(fs, nil); err != nil {
		t.Fatal(err)
	}
	m.Logger = slog.New(slog.DiscardHandler)
	t.Cleanup(func() { m.Close() })
	return m
}

// fakeKMS answers GenerateDataKey and Decrypt in the KMS JSON protocol. Its
// "wrapping" is a lookup table: enough to show the SDK reached it through
// the configured endpoint with the configured key id.
type fakeKMS struct {
	mu    sync.Mutex
	keys  map[string][]byte
	calls []string
}

func (f *fakeKMS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		KeyId          string
		CiphertextBlob []byte
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "TrentService.")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, op+" "+req.KeyId)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch op {
	case "GenerateDataKey":
		plain := make([]byte, 32)
		rand.Read(plain)
		blob := []byte(twofetch.NewID("blob"))
		f.keys[string(blob)] = plain
		json.NewEncoder(w).Encode(map[string]any{"CiphertextBlob": blob, "Plaintext": plain, "KeyId": req.KeyId})
	case "Decrypt":
		plain, ok := f.keys[string(req.CiphertextBlob)]
		if !ok {
			w.WriteHeader(400)
			json.NewEncoder(w).Encode(map[string]string{"__type": "InvalidCiphertextException", "message": "unknown blob"})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"Plaintext": plain, "KeyId": "alias/twofetch-test"})
	default:
		w.WriteHeader(400)
		json.NewEncoder(w).Encode(map[string]string{"__type": "UnknownOperationException", "message": op})
	}
}

// TestVaultWiring seals and opens a secret through the vault each
// key-encryption-key setting builds, and checks where the key lives.
func TestVaultWiring(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "eu-central-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	kms := &fakeKMS{keys: map[string][]byte{}}
	kmsServer := httptest.NewServer(kms)
	defer kmsServer.Close()
	master := make([]byte, 32)
	rand.Read(master)

	tests := []struct {
		name        string
		env         []string
		wantKeyring bool
		check       func(t *testing.T)
	}{
		{name: "keyring file by default", wantKeyring: true},
		{name: "master key", env: []string{"TWOFETCH_MASTER_KEY=" + base64.StdEncoding.EncodeToString(master)}},
		{
			name: "AWS KMS at the configured endpoint",
			env:  []string{"TWOFETCH_KMS_KEY_ID=alias/twofetch-test", "TWOFETCH_AWS_ENDPOINT_URL=" + kmsServer.URL},
			check: func(t *testing.T) {
				kms.mu.Lock()
				defer kms.mu.Unlock()
				want := []string{"GenerateDataKey alias/twofetch-test", "Decrypt alias/twofetch-test"}
				if strings.Join(kms.calls, ",") != strings.Join(want, ",") {
					t.Errorf("KMS calls %q, want %q", kms.calls, want)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			m := configured(t, "web", append(tt.env, "TWOFETCH_DATA_DIR="+dir))
			ctx := context.Background()
			st, err := m.openStore(ctx)
			if err != nil {
				t.Fatal(err)
			}
			v, err := m.openVault(ctx, st, nil)
			if err != nil {
				t.Fatal(err)
			}
			ten := &twofetch.Tenant{ID: twofetch.NewID("ten"), Name: "T", TokenHash: []byte("h-" + tt.name), AdminTokenHash: []byte("a-" + tt.name), Language: "en", CreatedAt: time.Now().UTC()}
			if err := st.CreateTenant(ctx, ten); err != nil {
				t.Fatal(err)
			}
			acc := &twofetch.Account{ID: twofetch.NewID("acc"), TenantID: ten.ID, Portal: "github", Username: "u", Status: twofetch.AccountActive}
			if err := st.CreateAccount(ctx, acc); err != nil {
				t.Fatal(err)
			}
			ref := twofetch.SecretRef{TenantID: ten.ID, AccountID: acc.ID, Field: twofetch.FieldPassword}
			if err := v.Seal(ctx, ref, []byte("wiring-password")); err != nil {
				t.Fatal(err)
			}
			got, err := v.Open(ctx, ref)
			if err != nil || string(got) != "wiring-password" {
				t.Fatalf("Open = %q, %v", got, err)
			}
			fi, err := os.Stat(filepath.Join(dir, "keyring.json"))
			switch {
			case tt.wantKeyring && err != nil:
				t.Errorf("no keyring file: %v", err)
			case tt.wantKeyring && fi.Mode().Perm() != 0o600:
				t.Errorf("keyring mode %v, want 0600", fi.Mode().Perm())
			case !tt.wantKeyring && err == nil:
				t.Errorf("a keyring file was created although another key was configured")
			}
			if tt.check != nil {
				tt.check(t)
			}
		})
	}

	t.Run("bad master key", func(t *testing.T) {
		const bad = "c2hvcnQta2V5LXNlY3JldA=="
		m := configured(t, "web", []string{"TWOFETCH_DATA_DIR=" + t.TempDir(), "TWOFETCH_MASTER_KEY=" + bad})
		_, err := m.openKEK(context.Background())
		if err == nil || !strings.HasPrefix(err.Error(), "TWOFETCH_MASTER_KEY: ") || strings.Contains(err.Error(), bad) {
			t.Errorf("error %v; want one naming the setting, without the key", err)
		}
	})
}

func TestRedisWiring(t *testing.T) {
	ctx := context.Background()
	t.Run("web needs a URL", func(t *testing.T) {
		m := configured(t, "web", nil)
		if _, _, err := m.openRedis(ctx, false); err == nil || !strings.HasPrefix(err.Error(), "TWOFETCH_REDIS_URL: ") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("in-process Redis expires keys on the wall clock", func(t *testing.T) {
		m := configured(t, "all", nil)
		rdb, u, err := m.openRedis(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(u, "redis://127.0.0.1:") {
			t.Errorf("URL %q", u)
		}
		// asynq's leases rely on keys expiring without anyone calling
		// miniredis's FastForward.
		if err := rdb.Set(ctx, "lease", "x", 20*time.Millisecond).Err(); err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			n, err := rdb.Exists(ctx, "lease").Result()
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			if i > 500 {
				t.Fatal("key with a 20ms TTL still exists after 5s")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	t.Run("real Redis from the URL", func(t *testing.T) {
		url := testenv.RedisURL(t)
		m := configured(t, "web", []string{"TWOFETCH_REDIS_URL=" + url})
		rdb, u, err := m.openRedis(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if u != url {
			t.Errorf("URL %q, want %q", u, url)
		}
		if err := rdb.Ping(ctx).Err(); err != nil {
			t.Errorf("ping: %v", err)
		}
	})
}

// TestPortalCatalog checks that the API accepts exactly the embedded scripts.
func TestPortalCatalog(t *testing.T) {
	c, err := portalCatalog()
	if err != nil {
		t.Fatal(err)
	}
	id := knownPortal(t)
	if !c.Has(id) {
		t.Errorf("catalog lacks %q", id)
	}
	for _, bad := range []string{"", "no-such-portal", strings.ToUpper(id), id + " "} {
		if c.Has(bad) {
			t.Errorf("catalog has %q", bad)
		}
	}
}

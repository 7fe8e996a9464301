package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
)

// TestWebhookSecretNotStoredInPlaintext sets a webhook through the API and
// then reads the database as someone holding a copy of it would: the
// signing secret must not be in it, yet the vault still opens it.
func TestWebhookSecretNotStoredInPlaintext(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			dir := t.TempDir()
			dsn := b.dsn(t, dir)
			e := newEnv(t, dsn, dir)
			ten, api, _ := e.tenant(t, "Acme Books")
			r := e.do(t, "PATCH", "/api/v1/tenant", api, map[string]any{"webhook_url": "https://books.example.com/hooks"})
			if r.status != http.StatusOK {
				t.Fatalf("patch: %d %s", r.status, r.body)
			}
			var got struct {
				Secret string `json:"webhook_secret"`
			}
			if err := json.Unmarshal(r.body, &got); err != nil || len(got.Secret) < 40 {
				t.Fatalf("no secret in %s (%v)", r.body, err)
			}
			if dump := testenv.DatabaseText(t, dsn, dir); strings.Contains(dump, got.Secret) {
				t.Fatalf("the webhook secret is stored in plaintext in the %s database", b.name)
			}
			ref := twofetch.SecretRef{TenantID: ten.ID, AccountID: twofetch.TenantWide, Field: twofetch.FieldWebhookSecret}
			p, err := e.vault.Open(context.Background(), ref)
			if err != nil || string(p) != got.Secret {
				t.Fatalf("vault holds %q, %v; want the secret shown", p, err)
			}
		})
	}
}

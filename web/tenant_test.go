package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
)

func TestTenantSettings(t *testing.T) {
	e := sqliteEnv(t)
	ten, api, _ := e.tenant(t, "Acme Books")
	_, otherAPI, _ := e.tenant(t, "Other")

	r := e.do(t, "PATCH", "/api/v1/tenant", api, map[string]any{
		"webhook_url": "https://books.example.com/hooks/twofetch",
		"language":    "de",
		"quiet_start": 22, "quiet_end": 6,
		"quiet_days": []string{"Sat", "sunday"},
		"time_zone":  "Europe/Berlin",
	})
	if r.status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	var got map[string]any
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	secret, _ := got["webhook_secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") || len(secret) < 40 {
		t.Fatalf("webhook secret %q not shown once on setting the URL", secret)
	}
	stored, err := e.store.Tenant(context.Background(), ten.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sealed, err := e.vault.Open(context.Background(), twofetch.WebhookSecretRef(ten.ID)); err != nil || string(sealed) != secret {
		t.Fatalf("vault holds %q, %v; want the secret shown", sealed, err)
	}
	if stored.WebhookSecret != twofetch.WebhookSealed || stored.Language != "de" || stored.QuietStart != 22 || stored.QuietEnd != 6 ||
		len(stored.QuietDays) != 2 || stored.QuietDays[0] != time.Saturday || stored.TimeZone != "Europe/Berlin" {
		t.Fatalf("stored tenant = %+v", stored)
	}

	// Reading never shows the secret; a patch that does not rotate keeps it.
	r = e.do(t, "GET", "/api/v1/tenant", api, nil)
	if r.status != http.StatusOK || strings.Contains(string(r.body), secret) || !strings.Contains(string(r.body), "books.example.com") {
		t.Fatalf("get: %d %s", r.status, r.body)
	}
	r = e.do(t, "PATCH", "/api/v1/tenant", api, map[string]any{"language": "nl"})
	if r.status != http.StatusOK || strings.Contains(string(r.body), "webhook_secret") {
		t.Fatalf("patch language: %d %s", r.status, r.body)
	}
	r = e.do(t, "PATCH", "/api/v1/tenant", api, map[string]any{"rotate_webhook_secret": true})
	if err := json.Unmarshal(r.body, &got); err != nil || got["webhook_secret"] == secret || got["webhook_secret"] == nil {
		t.Fatalf("rotation did not give a new secret: %s", r.body)
	}

	// Another tenant sees only itself.
	r = e.do(t, "GET", "/api/v1/tenant", otherAPI, nil)
	if strings.Contains(string(r.body), "books.example.com") || !strings.Contains(string(r.body), `"name":"Other"`) {
		t.Fatalf("other tenant sees %s", r.body)
	}

	for _, bad := range []map[string]any{
		{"language": "fr"},
		{"webhook_url": "ftp://x"},
		{"quiet_start": 24},
		{"quiet_days": []string{"someday"}},
		{"time_zone": "Mars/Olympus"},
		{"unknown": 1},
	} {
		if r := e.do(t, "PATCH", "/api/v1/tenant", api, bad); r.status != http.StatusBadRequest || r.errorCode(t) != "invalid" {
			t.Errorf("%v: %d %s", bad, r.status, r.body)
		}
	}
	if r := e.do(t, "PATCH", "/api/v1/tenant", "", map[string]any{"language": "en"}); r.status != http.StatusUnauthorized {
		t.Fatalf("unauthenticated patch: %d", r.status)
	}
}

// TestTenantContact: the name and support contact customers see are set,
// kept part by part, cleared with "", validated, and stored on both
// databases (migration 00009).
func TestTenantContact(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			dir := t.TempDir()
			e := newEnv(t, b.dsn(t, dir), dir)
			ten, api, _ := e.tenant(t, "acme-books-prod")
			r := e.do(t, "PATCH", "/api/v1/tenant", api, map[string]any{
				"display_name": "  Acme Books ",
				"support":      map[string]any{"phone": "+49 30 1234-5678", "email": "help@acme-books.example", "url": "https://acme-books.example/help"},
			})
			if r.status != http.StatusOK {
				t.Fatalf("patch: %d %s", r.status, r.body)
			}
			want := twofetch.Contact{Phone: "+493012345678", Email: "help@acme-books.example", URL: "https://acme-books.example/help"}
			stored, err := e.store.Tenant(context.Background(), ten.ID)
			if err != nil || stored.DisplayName != "Acme Books" || stored.Support != want || stored.ShownName() != "Acme Books" {
				t.Fatalf("stored %+v, %v", stored, err)
			}
			// Absent parts are kept; "" clears one.
			r = e.do(t, "PATCH", "/api/v1/tenant", api, map[string]any{"support": map[string]any{"url": ""}})
			var got struct {
				DisplayName string           `json:"display_name"`
				Support     twofetch.Contact `json:"support"`
			}
			if err := json.Unmarshal(r.body, &got); err != nil || r.status != http.StatusOK {
				t.Fatalf("patch url: %d %s", r.status, r.body)
			}
			want.URL = ""
			if got.DisplayName != "Acme Books" || got.Support != want {
				t.Fatalf("after clearing the URL: %+v", got)
			}
			r = e.do(t, "PATCH", "/api/v1/tenant", api, map[string]any{"display_name": ""})
			if stored, _ := e.store.Tenant(context.Background(), ten.ID); r.status != http.StatusOK || stored.ShownName() != "acme-books-prod" {
				t.Fatalf("cleared display name: %d, shown as %q", r.status, stored.ShownName())
			}
			for _, bad := range []map[string]any{
				{"display_name": strings.Repeat("x", 51)},
				{"display_name": "Acme\nBooks"},
				{"support": map[string]any{"phone": "030 1234"}},
				{"support": map[string]any{"email": "Acme <help@acme.example>"}},
				{"support": map[string]any{"email": "not an address"}},
				{"support": map[string]any{"url": "http://acme-books.example/help"}},
				{"support": map[string]any{"url": "https://user:pw@acme-books.example/"}},
				{"support": map[string]any{"fax": "+4930123"}},
			} {
				if r := e.do(t, "PATCH", "/api/v1/tenant", api, bad); r.status != http.StatusBadRequest || r.errorCode(t) != "invalid" {
					t.Errorf("%v: %d %s", bad, r.status, r.body)
				}
			}
		})
	}
}

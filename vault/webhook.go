package vault

import (
	"context"
	"fmt"

	"github.com/twofetch/twofetch"
)

// SealWebhookSecrets seals the webhook signing secrets still stored in
// plaintext in the tenants table (by versions that kept them there) and
// leaves only the WebhookSealed mark in the row. It is idempotent: sealing
// is repeated for a row whose update did not land, with the same value.
// It returns how many secrets it sealed.
func SealWebhookSecrets(ctx context.Context, v *Vault, st twofetch.TenantStore) (int, error) {
	tenants, err := st.ListTenants(ctx)
	if err != nil {
		return 0, fmt.Errorf("seal webhook secrets: %w", err)
	}
	n := 0
	for _, t := range tenants {
		if t.WebhookSecret == "" || t.WebhookSecret == twofetch.WebhookSealed {
			continue
		}
		if err := v.Seal(ctx, twofetch.WebhookSecretRef(t.ID), []byte(t.WebhookSecret)); err != nil {
			return n, fmt.Errorf("seal webhook secret of tenant %s: %w", t.ID, err)
		}
		t.WebhookSecret = twofetch.WebhookSealed
		if err := st.UpdateTenant(ctx, t); err != nil {
			return n, fmt.Errorf("seal webhook secret of tenant %s: %w", t.ID, err)
		}
		n++
	}
	if sc, ok := st.(interface{ Scrub(context.Context) error }); ok && n > 0 {
		// The old rows' bytes would otherwise stay in the SQLite file.
		if err := sc.Scrub(ctx); err != nil {
			return n, fmt.Errorf("seal webhook secrets: %w", err)
		}
	}
	return n, nil
}

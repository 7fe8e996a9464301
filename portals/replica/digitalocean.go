package replica

import (
	"encoding/hex"
	"fmt"
)

// DigitalOcean serves its own pages (digitalocean_pages.go): the control
// panel's login with the TrustArc consent pop-up, the two-factor form, and
// a billing history the page renders from the panel's GraphQL API, with
// invoice PDFs from /v2/customers/do:team:<uuid>/invoices/<uuid>/pdf.
func init() {
	register(&spec{
		ID: "digitalocean", Name: "DigitalOcean", Color: "#0069ff",
		SessionCookie: "_digitalocean2_session_v4",
		Login:         loginSpec{URL: "https://cloud.digitalocean.com/login"},
		TwoFA:         twoFASpec{URL: "https://cloud.digitalocean.com/login"},
		Billing:       billingSpec{URL: "https://cloud.digitalocean.com/account/billing/history"},
		Settings:      "https://cloud.digitalocean.com/account/security",
		Hosts:         []string{"consent-pref.trustarc.com"},
		Mint: func(sum []byte, _ int) (string, string) {
			// The billing history gives an invoice_uuid and a numeric
			// invoice_id; twofetch keeps the uuid, which the PDF URL names.
			h := hex.EncodeToString(sum[:16])
			uuid := h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
			return uuid, fmt.Sprintf("%d", 100000000+(int(sum[16])<<16|int(sum[17])<<8|int(sum[18])))
		},
		Pages: digitaloceanPages,
	})
}

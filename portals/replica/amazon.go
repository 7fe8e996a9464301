package replica

import (
	"encoding/hex"
	"fmt"
)

// Amazon.de serves its own pages (amazon_pages.go): the sign-in of
// www.amazon.de/ap/signin as woob and GetMyInvoices-style scripts show it,
// and the order history as order cards whose invoices sit behind a
// per-order popover.
func init() {
	register(&spec{
		ID: "amazon-de", Name: "Amazon.de", Lang: "de", Currency: "EUR", Color: "#232f3e",
		SessionCookie: "session-token",
		DeviceCookie:  "x-acbde",
		Login:         loginSpec{URL: "https://www.amazon.de/ap/signin"},
		TwoFA:         twoFASpec{URL: "https://www.amazon.de/ap/mfa"},
		Billing:       billingSpec{URL: "https://www.amazon.de/gp/css/order-history"},
		Settings:      "https://www.amazon.de/a/settings/approval/setup/register",
		Mint: func(sum []byte, _ int) (string, string) {
			// Document ids are UUIDs (/documents/download/<uuid>/invoice.pdf)
			// and order numbers read 302-1234567-1234567.
			h := hex.EncodeToString(sum[:16])
			id := h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
			n := func(b []byte) int { return (int(b[0])<<16 | int(b[1])<<8 | int(b[2])) % 10000000 }
			return id, fmt.Sprintf("302-%07d-%07d", n(sum[16:]), n(sum[19:]))
		},
		Pages: amazonPages,
	})
}

package replica

import "fmt"

// GitHub serves its own pages (github_pages.go): /login posting to
// /session, the authenticator page /sessions/two-factor/app, GitHub
// Mobile and device verification, the periodic two-factor checkup, and
// receipts in the payment history.
func init() {
	register(&spec{
		ID: "github", Name: "GitHub", Color: "#24292f",
		SessionCookie: "user_session",
		DeviceCookie:  "_device_id",
		Login:         loginSpec{URL: "https://github.com/login"},
		TwoFA:         twoFASpec{URL: "https://github.com/sessions/two-factor/app"},
		Billing:       billingSpec{URL: "https://github.com/account/billing/history"},
		Settings:      "https://github.com/settings/two_factor_authentication/setup/intro",
		Terms:         "https://github.com/settings/two_factor_checkup",
		Mint: func(sum []byte, _ int) (string, string) {
			// One number names a payment in the list (".id") and its
			// receipt; its format is not shown by any source.
			id := fmt.Sprintf("%08d", (int(sum[0])<<24|int(sum[1])<<16|int(sum[2])<<8|int(sum[3]))%100000000)
			return id, id
		},
		Pages: githubPages,
	})
}

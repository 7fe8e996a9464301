package replica

// The Stripe Dashboard serves its own pages (stripe_pages.go): the sign-in
// with "remember me", the two-step code typed into one box per digit, the
// security-key prompt, the e-mail link verification, and the account's
// documents with their download links.
func init() {
	register(&spec{
		ID: "stripe", Name: "Stripe", Color: "#635bff",
		SessionCookie:   "__Host-session",
		DeviceCookie:    "machine_identifier",
		Login:           loginSpec{URL: "https://dashboard.stripe.com/login"},
		TwoFA:           twoFASpec{URL: "https://dashboard.stripe.com/login"},
		Billing:         billingSpec{URL: "https://dashboard.stripe.com/account/documents"},
		Settings:        "https://dashboard.stripe.com/settings/user/two-step",
		InvoiceIDPrefix: "file_",
		Pages:           stripePages,
	})
}

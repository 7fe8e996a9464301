package replica

// DigitalOcean: e-mail and password on one page, the 2FA code page, and a
// billing page that fills its history from an internal JSON API.
func init() {
	register(&spec{
		ID: "digitalocean", Name: "DigitalOcean", Color: "#0069ff",
		SessionCookie: "_digitalocean2_session_v4",
		Login: loginSpec{
			URL:      "https://cloud.digitalocean.com/login",
			Heading:  "Log in to DigitalOcean",
			Email:    field{Name: "user[email]", ID: "email", Label: "Email"},
			Password: field{Name: "user[password]", ID: "password", Label: "Password"},
			Submit:   button{ID: "login-submit", Label: "Log In"},
		},
		TwoFA: twoFASpec{
			URL:     "https://cloud.digitalocean.com/two_factor_authentication",
			Heading: "Two-factor authentication",
			Hint:    "Enter the 6-digit code from your authenticator app.",
			Code:    field{Name: "otp", ID: "otp", Label: "Authentication code"},
			Submit:  button{ID: "verify-otp", Label: "Verify Code"},
		},
		Billing: billingSpec{
			URL:      "https://cloud.digitalocean.com/account/billing",
			Heading:  "Billing history",
			Style:    jsonAPI,
			API:      "https://cloud.digitalocean.com/api/v1/customers/my/billing_history",
			Document: "https://cloud.digitalocean.com/billing/{id}/pdf",
			TableID:  "billing-history",
		},
		Settings:            "https://cloud.digitalocean.com/account/security",
		Terms:               "https://cloud.digitalocean.com/legal/terms-update",
		InvoiceIDPrefix:     "inv-",
		InvoiceNumberPrefix: "DO",
		Text: texts{
			BadPassword: "Incorrect email or password.",
			UnknownUser: "Incorrect email or password.",
			BadCode:     "Invalid verification code.",
		},
	})
}

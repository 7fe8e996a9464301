package replica

// GitHub: username or e-mail and password on /login, the TOTP page at
// /sessions/two-factor/app, and receipts as PDF links in the payment history.
func init() {
	register(&spec{
		ID: "github", Name: "GitHub", Color: "#24292f",
		SessionCookie: "user_session",
		Login: loginSpec{
			URL:      "https://github.com/login",
			Heading:  "Sign in to GitHub",
			Email:    field{Name: "login", ID: "login_field", Label: "Username or email address"},
			Password: field{Name: "password", ID: "password", Label: "Password"},
			Submit:   button{ID: "sign-in-button", Label: "Sign in"},
		},
		TwoFA: twoFASpec{
			URL:     "https://github.com/sessions/two-factor/app",
			Heading: "Two-factor authentication",
			Hint:    "Open your two-factor authenticator (TOTP) app or browser extension to view your authentication code.",
			Code:    field{Name: "app_otp", ID: "app_totp", Label: "Authentication code"},
			Submit:  button{ID: "verify-button", Label: "Verify"},
		},
		Billing: billingSpec{
			URL:      "https://github.com/account/billing/history",
			Heading:  "Payment history",
			Document: "https://github.com/account/receipts/{id}",
			TableID:  "payment-history",
		},
		Settings:            "https://github.com/settings/two_factor_authentication/setup/intro",
		Terms:               "https://github.com/site/terms-update",
		InvoiceIDPrefix:     "",
		InvoiceNumberPrefix: "GH",
		Text: texts{
			BadPassword: "Incorrect username or password.",
			UnknownUser: "Incorrect username or password.",
			BadCode:     "Two-factor authentication failed.",
			NewDevice:   "Device verification: we just sent your authentication code via email.",
		},
	})
}

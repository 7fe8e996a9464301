package replica

// Stripe Dashboard: e-mail and password on one page, "Enter the code from
// your authenticator app", and the account's invoices loaded from a JSON
// API shaped like Stripe's lists ({"data": [...], "has_more": false}).
func init() {
	register(&spec{
		ID: "stripe", Name: "Stripe", Color: "#635bff",
		SessionCookie: "__Host-session",
		DeviceCookie:  "machine_identifier",
		Login: loginSpec{
			URL:      "https://dashboard.stripe.com/login",
			Heading:  "Sign in to your account",
			Email:    field{Name: "email", ID: "email", Label: "Email"},
			Password: field{Name: "password", ID: "old-password", Label: "Password"},
			Remember: field{Name: "remember_me", ID: "remember_me", Label: "Remember me on this device"},
			Submit:   button{ID: "login-submit", Label: "Continue"},
		},
		TwoFA: twoFASpec{
			URL:      "https://dashboard.stripe.com/login/totp",
			Heading:  "Two-step authentication",
			Hint:     "Enter the code from your authenticator app.",
			Code:     field{Name: "code", ID: "totp_code", Label: "Authentication code"},
			Remember: field{Name: "remember_device", ID: "remember_device", Label: "Remember this device for 30 days"},
			Submit:   button{ID: "totp-submit", Label: "Continue"},
		},
		Billing: billingSpec{
			URL:      "https://dashboard.stripe.com/settings/billing/invoices",
			Heading:  "Invoices",
			Style:    jsonAPI,
			API:      "https://dashboard.stripe.com/ajax/billing/invoices",
			Document: "https://dashboard.stripe.com/invoices/{id}/pdf",
			TableID:  "invoice-list",
		},
		Settings:            "https://dashboard.stripe.com/settings/user/two-step",
		Terms:               "https://dashboard.stripe.com/legal/terms-update",
		InvoiceIDPrefix:     "in_",
		InvoiceNumberPrefix: "STRP-",
		Text: texts{
			BadPassword: "Invalid email or password.",
			UnknownUser: "Invalid email or password.",
			BadCode:     "The code you entered is invalid. Please try again.",
		},
	})
}

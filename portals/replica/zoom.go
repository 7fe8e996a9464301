package replica

// Zoom: e-mail and password on /signin, the 2FA code page, and the invoice
// history of the billing page.
func init() {
	register(&spec{
		ID: "zoom", Name: "Zoom", Color: "#0b5cff",
		SessionCookie: "_zm_ssid",
		Login: loginSpec{
			URL:      "https://zoom.us/signin",
			Heading:  "Sign In",
			Email:    field{Name: "email", ID: "email", Label: "Email Address"},
			Password: field{Name: "password", ID: "password", Label: "Password"},
			Remember: field{Name: "keep_me_signin", ID: "keep_me_signin", Label: "Stay signed in"},
			Submit:   button{ID: "js_btn_login", Label: "Sign In"},
		},
		TwoFA: twoFASpec{
			URL:      "https://zoom.us/signin/2fa",
			Heading:  "Two-factor authentication",
			Hint:     "Enter the verification code from your authentication app.",
			Code:     field{Name: "code", ID: "verify-code", Label: "Verification code"},
			Remember: field{Name: "trust_device", ID: "trust_device", Label: "Trust this device"},
			Submit:   button{ID: "verify-btn", Label: "Verify"},
		},
		Billing: billingSpec{
			URL:      "https://zoom.us/billing/report",
			Heading:  "Invoice History",
			Document: "https://zoom.us/billing/invoice/{id}/download",
			TableID:  "invoice-history",
		},
		Settings:            "https://zoom.us/profile/setting/tfa",
		Terms:               "https://zoom.us/terms-update",
		InvoiceIDPrefix:     "INV",
		InvoiceNumberPrefix: "INV",
		Text: texts{
			BadPassword: "Incorrect email or password",
			UnknownUser: "Incorrect email or password",
			BadCode:     "Verification code is incorrect.",
		},
	})
}

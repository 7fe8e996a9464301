package replica

// Hetzner accounts: username or e-mail and password on one page, the
// 2FA page, and the invoice list of the account with PDF links.
func init() {
	register(&spec{
		ID: "hetzner", Name: "Hetzner", Lang: "de", Currency: "EUR", Color: "#d50c2d",
		SessionCookie: "PHPSESSID",
		Login: loginSpec{
			URL:      "https://accounts.hetzner.com/login",
			Heading:  "Login",
			Email:    field{Name: "_username", ID: "_username", Label: "Benutzername oder E-Mail-Adresse"},
			Password: field{Name: "_password", ID: "_password", Label: "Passwort"},
			Submit:   button{ID: "submit-login", Label: "Login"},
		},
		TwoFA: twoFASpec{
			URL:     "https://accounts.hetzner.com/login/2fa",
			Heading: "Zwei-Faktor-Authentifizierung",
			Hint:    "Bitte geben Sie den Code aus Ihrer Authenticator-App ein.",
			Code:    field{Name: "_otp", ID: "input-verify-code", Label: "Code"},
			Submit:  button{ID: "btn-submit", Label: "Bestätigen"},
		},
		Billing: billingSpec{
			URL:      "https://accounts.hetzner.com/invoice",
			Heading:  "Rechnungen",
			Document: "https://accounts.hetzner.com/invoice/{id}/pdf",
			TableID:  "invoice-table",
		},
		Settings:            "https://accounts.hetzner.com/account/security",
		Terms:               "https://accounts.hetzner.com/legal/agb",
		InvoiceIDPrefix:     "",
		InvoiceNumberPrefix: "R0",
		Text: texts{
			BadPassword: "Ungültige Anmeldedaten.",
			UnknownUser: "Ungültige Anmeldedaten.",
			BadCode:     "Der Code ist ungültig.",
		},
	})
}

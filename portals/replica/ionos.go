package replica

// IONOS: login on login.ionos.de (customer number or e-mail first, then the
// password), "Sicherheitscode" from the authenticator app, and the invoices
// on my.ionos.de, so the session cookie is set for the parent domain.
func init() {
	register(&spec{
		ID: "ionos", Name: "IONOS", Lang: "de", Currency: "EUR", Color: "#003d8f",
		SessionCookie: "SSOSESSION",
		CookieDomain:  "ionos.de",
		Login: loginSpec{
			URL:         "https://login.ionos.de/",
			PasswordURL: "https://login.ionos.de/password",
			Heading:     "Anmelden",
			Email:       field{Name: "identifier", ID: "username", Label: "Kundennummer, E-Mail-Adresse oder Domain"},
			Password:    field{Name: "password", ID: "password", Label: "Passwort"},
			Next:        button{ID: "button--with-loader", Label: "Weiter"},
			Submit:      button{ID: "button--login", Label: "Anmelden"},
		},
		TwoFA: twoFASpec{
			URL:      "https://login.ionos.de/2fa",
			Heading:  "Zwei-Faktor-Authentifizierung",
			Hint:     "Geben Sie den Sicherheitscode aus Ihrer Authenticator-App ein.",
			Code:     field{Name: "otp", ID: "otp", Label: "Sicherheitscode"},
			Remember: field{Name: "trustDevice", ID: "trustDevice", Label: "Diesem Gerät vertrauen"},
			Submit:   button{ID: "button--confirm", Label: "Bestätigen"},
		},
		Billing: billingSpec{
			URL:      "https://my.ionos.de/invoices",
			Heading:  "Rechnungen",
			Document: "https://my.ionos.de/invoices/{id}/download",
			TableID:  "invoice-overview",
		},
		Settings:            "https://my.ionos.de/account-security",
		Terms:               "https://my.ionos.de/agb-update",
		InvoiceIDPrefix:     "",
		InvoiceNumberPrefix: "2026",
		Text: texts{
			BadPassword: "Die Anmeldedaten sind nicht korrekt.",
			UnknownUser: "Die Anmeldedaten sind nicht korrekt.",
			BadCode:     "Der Sicherheitscode ist nicht korrekt.",
		},
	})
}

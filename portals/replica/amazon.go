package replica

// Amazon.de: e-mail and password on two pages (/ap/signin), the OTP page of
// "Zwei-Schritt-Verifizierung" with "don't ask again on this browser", and
// invoices as PDF links from the order history.
func init() {
	register(&spec{
		ID: "amazon-de", Name: "Amazon.de", Lang: "de", Currency: "EUR", Color: "#232f3e",
		SessionCookie: "session-token",
		DeviceCookie:  "x-acbde",
		Login: loginSpec{
			URL:         "https://www.amazon.de/ap/signin",
			PasswordURL: "https://www.amazon.de/ap/signin/password",
			Heading:     "Anmelden",
			Email:       field{Name: "email", ID: "ap_email", Label: "E-Mail-Adresse oder Mobiltelefonnummer"},
			Password:    field{Name: "password", ID: "ap_password", Label: "Passwort"},
			Remember:    field{Name: "rememberMe", ID: "rememberMe", Label: "Angemeldet bleiben"},
			Next:        button{ID: "continue", Label: "Weiter"},
			Submit:      button{ID: "signInSubmit", Label: "Anmelden"},
		},
		TwoFA: twoFASpec{
			URL:      "https://www.amazon.de/ap/mfa",
			Heading:  "Zwei-Schritt-Verifizierung",
			Hint:     "Geben Sie das Einmalpasswort ein, das von Ihrer Authenticator-App generiert wurde.",
			Code:     field{Name: "otpCode", ID: "auth-mfa-otpcode", Label: "Einmalpasswort eingeben"},
			Remember: field{Name: "rememberDevice", ID: "auth-mfa-remember-device", Label: "Auf diesem Browser nicht mehr nach einem Code fragen"},
			Submit:   button{ID: "auth-signin-button", Label: "Anmelden"},
		},
		Billing: billingSpec{
			URL:      "https://www.amazon.de/gp/css/order-history",
			Heading:  "Meine Bestellungen",
			Document: "https://www.amazon.de/documents/download/{id}/invoice.pdf",
			TableID:  "ordersContainer",
		},
		Settings:            "https://www.amazon.de/a/settings/approval/setup/register",
		Terms:               "https://www.amazon.de/gp/help/customer/terms-update",
		InvoiceIDPrefix:     "302-",
		InvoiceNumberPrefix: "DE6AEUK",
		Text: texts{
			BadPassword: "Ihr Passwort ist falsch",
			UnknownUser: "Wir können kein Konto mit dieser E-Mail-Adresse finden",
			BadCode:     "Der eingegebene Code ist ungültig. Bitte versuchen Sie es erneut.",
			Captcha:     "Geben Sie die angezeigten Zeichen ein",
			Push:        "Genehmigen Sie die Benachrichtigung, die an Ihr Gerät gesendet wurde.",
			NewDevice:   "Zur Sicherheit Ihres Kontos haben wir Ihnen eine E-Mail mit einem Code gesendet.",
		},
	})
}

package replica

// Heroku: login on id.heroku.com, a method picker (Salesforce
// Authenticator, one-time password generator, security key), and invoices
// on dashboard.heroku.com as HTML pages the customer prints to PDF.
func init() {
	register(&spec{
		ID: "heroku", Name: "Heroku", Color: "#430098",
		SessionCookie: "heroku-session",
		CookieDomain:  "heroku.com",
		Login: loginSpec{
			URL:      "https://id.heroku.com/login",
			Heading:  "Log in to your account",
			Email:    field{Name: "email", ID: "email", Label: "Email address"},
			Password: field{Name: "password", ID: "password", Label: "Password"},
			Submit:   button{ID: "login-button", Label: "Log In"},
		},
		Picker: &pickerSpec{
			URL:     "https://id.heroku.com/login/mfa/methods",
			Heading: "Choose a verification method",
			Name:    "mfa_method",
			App:     "totp",
			Others:  []string{"salesforce-authenticator", "security-key"},
			Submit:  button{ID: "mfa-method-continue", Label: "Continue"},
		},
		TwoFA: twoFASpec{
			URL:     "https://id.heroku.com/login/mfa/totp",
			Heading: "Multi-factor authentication",
			Hint:    "Enter the verification code from your one-time password generator app.",
			Code:    field{Name: "code", ID: "mfa-code", Label: "Verification code"},
			Submit:  button{ID: "mfa-verify", Label: "Verify"},
		},
		Billing: billingSpec{
			URL:      "https://dashboard.heroku.com/account/billing",
			Heading:  "Invoices",
			Style:    printPage,
			Document: "https://dashboard.heroku.com/account/invoices/{id}",
			TableID:  "invoices",
		},
		Settings:            "https://dashboard.heroku.com/account/mfa",
		Terms:               "https://dashboard.heroku.com/terms-update",
		InvoiceIDPrefix:     "",
		InvoiceNumberPrefix: "HK-",
		Text: texts{
			BadPassword: "There was a problem with your login.",
			UnknownUser: "There was a problem with your login.",
			BadCode:     "The verification code you entered is not valid.",
		},
	})
}

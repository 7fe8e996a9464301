package replica

// Namecheap: login on www.namecheap.com, a 2FA method picker (SMS or
// TOTP), and the order and billing history on ap.www.namecheap.com, a
// single-page app that reads a JSON API.
func init() {
	register(&spec{
		ID: "namecheap", Name: "Namecheap", Color: "#de3723",
		SessionCookie: ".ncauth",
		CookieDomain:  "namecheap.com",
		Login: loginSpec{
			URL:      "https://www.namecheap.com/myaccount/login/",
			Heading:  "Sign In",
			Email:    field{Name: "LoginUserName", ID: "LoginUserName", Label: "Username"},
			Password: field{Name: "LoginPassword", ID: "LoginPassword", Label: "Password"},
			Submit:   button{ID: "LoginButton", Label: "Sign In"},
		},
		Picker: &pickerSpec{
			URL:     "https://www.namecheap.com/myaccount/twofa/",
			Heading: "Two-Factor Authentication",
			Name:    "twofaMethod",
			App:     "totp",
			Others:  []string{"sms", "u2f"},
			Submit:  button{ID: "twofaMethodContinue", Label: "Continue"},
		},
		TwoFA: twoFASpec{
			URL:     "https://www.namecheap.com/myaccount/twofa/totp/",
			Heading: "Authenticator app",
			Hint:    "Enter the code from your authenticator app.",
			Code:    field{Name: "TotpCode", ID: "TotpCode", Label: "Code"},
			Submit:  button{ID: "TotpSubmit", Label: "Submit"},
		},
		Billing: billingSpec{
			URL:      "https://ap.www.namecheap.com/profile/billing/orders",
			Heading:  "Billing history",
			Style:    jsonAPI,
			API:      "https://ap.www.namecheap.com/api/v1/billing/orders",
			Document: "https://ap.www.namecheap.com/profile/billing/orders/{id}/invoice",
			TableID:  "orders-table",
		},
		Settings:            "https://ap.www.namecheap.com/settings/security/twofa",
		Terms:               "https://www.namecheap.com/legal/universal/tos-update/",
		InvoiceIDPrefix:     "",
		InvoiceNumberPrefix: "",
		Text: texts{
			BadPassword: "Invalid username or password.",
			UnknownUser: "Invalid username or password.",
			BadCode:     "Incorrect code. Please try again.",
		},
	})
}

package replica

// PayPal stays on the shared template: public sources show only its
// identifier-first sign-in (VIP-Whisper/PayPal-Login PayPal.py and
// Bchass/AutoPay AutoPay.js: /signin, #email, #btnNext, #password,
// #btnLogin; a "Security Challenge" page asks for the code) and where the
// monthly statements live (/reports/statements/monthly, named by public
// scripts that fetch PayPal reports). The field names, the refusal wording,
// the method picker, the code page's markup and the statements list are
// not shown by any source (read 2026-12-06); the template's generic markup
// stands for them.
func init() {
	register(&spec{
		ID: "paypal", Name: "PayPal", Currency: "EUR", Color: "#003087",
		SessionCookie: "x-pp-s",
		DeviceCookie:  "rmuc",
		Login: loginSpec{
			URL:         "https://www.paypal.com/signin",
			PasswordURL: "https://www.paypal.com/signin/password",
			Heading:     "Log in to your PayPal account",
			Email:       field{Name: "login_email", ID: "email", Label: "Email or mobile number"},
			Password:    field{Name: "login_password", ID: "password", Label: "Password"},
			Next:        button{ID: "btnNext", Label: "Next"},
			Submit:      button{ID: "btnLogin", Label: "Log In"},
		},
		Picker: &pickerSpec{
			URL:     "https://www.paypal.com/authflow/challenges",
			Heading: "Let's confirm it's you",
			Name:    "selectedChallengeType",
			App:     "SOFTWARE_TOKEN",
			Others:  []string{"SMS", "CALL"},
			Submit:  button{ID: "securityCodeSubmit", Label: "Next"},
		},
		TwoFA: twoFASpec{
			URL:      "https://www.paypal.com/authflow/challenges/softwareToken",
			Heading:  "Security Challenge",
			Hint:     "Open your authenticator app and enter the 6-digit code.",
			Code:     field{Name: "otpCode", ID: "otpCode", Label: "Security code"},
			Remember: field{Name: "trustedDevice", ID: "trustedDevice", Label: "Don't ask again on this device"},
			Submit:   button{ID: "submitSoftwareToken", Label: "Submit"},
		},
		Billing: billingSpec{
			URL:      "https://www.paypal.com/reports/statements/monthly",
			Heading:  "Statements",
			Style:    buttonDownload,
			Document: "https://www.paypal.com/reports/statements/monthly/download",
			TableID:  "statementList",
		},
		Settings:            "https://www.paypal.com/myaccount/security/two-step-verification",
		Terms:               "https://www.paypal.com/myaccount/legal/policy-updates",
		InvoiceIDPrefix:     "STMT-",
		InvoiceNumberPrefix: "PP-",
		Text: texts{
			BadPassword: "Some of your info isn't correct. Please try again.",
			UnknownUser: "Some of your info isn't correct. Please try again.",
			BadCode:     "That code didn't work. Check the code and try again.",
		},
	})
}

// PayPal's monthly summary is PayPal's monthly account statement, on
// PayPal's own site behind the same sign-in: the PayPal replica serves it,
// with the same users and the same statements list. Public sources show the
// statements' address (/reports/statements/monthly) and that a merchant's
// monthly statement is a PDF from the fifth of the following month, kept two
// years (PayPal's Merchant Processing Statement help); not the list's
// markup, which stays the template's.
func init() {
	register(&spec{ID: "paypal-monthly-summary", Name: "PayPal Monthly Summary", Of: "paypal"})
}

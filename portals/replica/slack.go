package replica

// Slack: the workspace's "sign in with a password" page, the two-factor
// code page, and the workspace billing history with PDF links.
func init() {
	register(&spec{
		ID: "slack", Name: "Slack", Color: "#4a154b",
		SessionCookie: "d",
		Login: loginSpec{
			URL:      "https://slack.com/signin",
			Heading:  "Sign in to your workspace",
			Email:    field{Name: "email", ID: "email", Label: "Email address"},
			Password: field{Name: "password", ID: "password", Label: "Password"},
			Remember: field{Name: "remember", ID: "remember", Label: "Keep me signed in"},
			Submit:   button{ID: "signin_btn", Label: "Sign In"},
		},
		TwoFA: twoFASpec{
			URL:     "https://slack.com/checkpoint/two_factor",
			Heading: "Two-factor authentication",
			Hint:    "Enter the 6-digit code from your authentication app.",
			Code:    field{Name: "2fa_code", ID: "auth_code", Label: "Authentication code"},
			Submit:  button{ID: "signin_btn", Label: "Sign In"},
		},
		Billing: billingSpec{
			URL:      "https://slack.com/admin/billing/history",
			Heading:  "Billing history",
			Document: "https://slack.com/admin/billing/invoice/{id}/pdf",
			TableID:  "billing_history_table",
		},
		Settings:            "https://slack.com/account/settings/2fa_app",
		Terms:               "https://slack.com/terms-of-service/update",
		InvoiceIDPrefix:     "SBI",
		InvoiceNumberPrefix: "SL-",
		Text: texts{
			BadPassword: "Sorry, you entered an incorrect email address or password.",
			UnknownUser: "Sorry, you entered an incorrect email address or password.",
			BadCode:     "Hmm, that code didn't work. Please try again.",
		},
	})
}

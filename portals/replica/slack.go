package replica

// Slack serves its own pages (slack_pages.go) on a workspace's host: the
// workspace's password sign-in, the two-factor code in one box per digit,
// the billing history the page reads from payments.billing.history.list,
// and the Stripe-hosted invoices it links to.
func init() {
	register(&spec{
		ID: "slack", Name: "Slack", Color: "#4a154b",
		SessionCookie:   "d",
		CookieDomain:    "slack.com",
		Login:           loginSpec{URL: "https://" + SlackWorkspace + ".slack.com/sign_in_with_password"},
		TwoFA:           twoFASpec{URL: "https://" + SlackWorkspace + ".slack.com/sign_in_with_password"},
		Billing:         billingSpec{URL: "https://" + SlackWorkspace + ".slack.com/admin/billing/history"},
		Settings:        "https://" + SlackWorkspace + ".slack.com/account/settings/2fa_app",
		Hosts:           []string{"invoice.stripe.com", "pay.stripe.com"},
		InvoiceIDPrefix: "in_",
		Pages:           slackPages,
	})
}

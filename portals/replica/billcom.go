package replica

// BILL (Bill.com): what public sources show (read 2026-12-06) is the app's
// host app.bill.com (its API and payment links use app02.us.bill.com),
// and how its 2-step verification works (help.bill.com article
// 360000023843 and 12486714632589): a security code by text message or
// phone call to the phone given at sign-up, Google Authenticator only as a
// backup method ("Use Google Authenticator as backup", "Other ways to
// receive codes"), and "Trust this device for 30 days" on the code page.
// No source shows the markup of the sign-in or the code page: the replica
// serves guessed pages (guessed.go) whose code page starts at the text
// message and links to the authenticator, and whose trust box uses the
// help page's words. No source shows where BILL's own invoices to the
// account are, so no documents are fetched.
func init() {
	register(&spec{
		ID: "bill-com", Name: "BILL", Color: "#ff5a00",
		SessionCookie: "bill_session",
		DeviceCookie:  "bill_trusted",
		Login:         loginSpec{URL: "https://app.bill.com/login"},
		Billing:       billingSpec{URL: "https://app.bill.com/home"},
		// Settings › Security under You (help.bill.com); the replica
		// serves the key at an address of its own.
		Settings: "https://app.bill.com/settings/security",
		Pages: func(p *Portal, rs *Routes) {
			newGuessedSignIn(p, rs, guessedConfig{Title: "BILL",
				Login: "https://app.bill.com/login", After: "https://app.bill.com/home",
				Other: "Use Google Authenticator", Trust: "Trust this device for 30 days"})
		},
	})
}

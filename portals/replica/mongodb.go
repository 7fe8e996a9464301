package replica

// MongoDB Atlas: what public sources show (read 2026-12-06) is the
// sign-in's address, https://account.mongodb.com/account/login (many
// setup guides in the code index), the console at
// https://cloud.mongodb.com/v2 (links into projects, #/org/… routes), and
// the second factors (mongodb.com/docs/atlas/security-multi-factor-authentication:
// security key, Okta Verify, an authenticator app, SMS, e-mail; "When
// Atlas requires MFA, it offers you the choice of which method to use";
// set up under your name › Manage your MongoDB Account › Security). No
// source shows the markup of the sign-in, the method choice or the code
// page: the replica serves guessed pages (guessed.go), offering the
// authenticator at once. Invoices: the Atlas Administration API lists an
// organisation's invoices (GET /api/atlas/v2/orgs/{orgId}/invoices, JSON or
// CSV) with API keys or a service account, not the web session; the
// console's own billing calls are not public, so no documents are fetched.
func init() {
	register(&spec{
		ID: "mongodb-atlas", Name: "MongoDB Atlas", Color: "#00684a",
		SessionCookie: "mdb-session",
		CookieDomain:  "mongodb.com",
		Login:         loginSpec{URL: "https://account.mongodb.com/account/login"},
		Billing:       billingSpec{URL: "https://cloud.mongodb.com/v2"},
		// Manage your MongoDB Account › Security (Atlas docs); the
		// replica serves the key at an address of its own.
		Settings: "https://account.mongodb.com/account/profile/security",
		Pages: func(p *Portal, rs *Routes) {
			newGuessedSignIn(p, rs, guessedConfig{Title: "MongoDB Atlas",
				Login: "https://account.mongodb.com/account/login", After: "https://cloud.mongodb.com/v2"})
		},
	})
}

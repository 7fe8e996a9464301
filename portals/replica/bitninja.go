package replica

// BitNinja.io, server security for hosting companies. What public sources
// show (read 2026-12-06) is only where its dashboard lives and what it
// signs in with:
//
//   - invoice-collector/invoice-collector, a planned ("sketch") collector
//     for BitNinja.io: sign-in with an e-mail address and a password,
//     starting at https://console.bitninja.io/payment/subscription.
//   - Public webhook bots in the code index (repositories not named there)
//     link to console.bitninja.io/alerts and /server/{id}; BitNinja's own
//     documentation and install scripts name the older dashboard
//     admin.bitninja.io.
//   - Public API clients in the code index sign in at
//     https://api.bitninja.io/v2/authentication/login/credentials with
//     {email, password} and get an access and a refresh token; no source
//     shows a second factor there or anywhere else.
//
// BitNinja.io is not in the 2FA directory and no help page describes a
// second factor. Every page here is GUESSED (guessed.go): the sign-in's
// address (console.bitninja.io/login), its form and refusals, the
// authenticator code step itself, and the subscription page after sign-in,
// which holds nothing of the real one. No source shows BitNinja's invoices,
// so the replica lists none.
const bitninjaConsole = "https://console.bitninja.io"

func init() {
	register(&spec{
		ID: "bitninja", Name: "BitNinja", Color: "#e1251b",
		SessionCookie: "bn_session",
		Login:         loginSpec{URL: bitninjaConsole + "/login"},
		Billing:       billingSpec{URL: bitninjaConsole + "/payment/subscription"},
		Settings:      bitninjaConsole + "/replica/bitninja/security",
		Pages: func(p *Portal, rs *Routes) {
			newGuessedSignIn(p, rs, guessedConfig{Title: "BitNinja",
				Login: bitninjaConsole + "/login", After: bitninjaConsole + "/payment/subscription"})
		},
	})
}

package scripts_test

import (
	"testing"

	"github.com/twofetch/twofetch"
)

// DonDominio's sign-in follows a public Selenium script: the user name and
// password typed into the inputs inside two custom elements' shadow roots,
// the code one digit per box, and the domain list as the signed-in page
// the session check opens. No source shows its invoices, so every run ends
// with no documents. An address DonDominio does not know is refused before
// any code is asked for.
func TestDonDominioSignIn(t *testing.T) {
	e := setup(t)
	signInOnly(t, e, "dondominio")
	t.Run("unknown user name", func(t *testing.T) {
		unknownAddress(t, e, "dondominio", twofetch.OutcomeBadCredentials)
	})
}

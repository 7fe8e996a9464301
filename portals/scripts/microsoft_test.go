package scripts_test

import (
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals/replica"
)

// The Microsoft portals sign in through the shared login/microsoft
// fragment. No documents page of either is publicly known, so a good run
// signs in, answers the second step and ends no_documents.
func TestMicrosoftScripts(t *testing.T) {
	e := setup(t)
	for _, id := range []string{"office365", "microsoft-ads"} {
		t.Run(id, func(t *testing.T) {
			signInOnly(t, e, id, misbehaviour{name: "number-matching push only", mode: replica.PushOnly,
				want: twofetch.OutcomeUnsupported2FA, detail: "different authenticator app"})
		})
	}
}

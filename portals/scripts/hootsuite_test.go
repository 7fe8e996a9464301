package scripts_test

import (
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals/replica"
)

// Hootsuite's invoice pages are not public: its script signs in, answers
// the code and fetches nothing.
func TestHootsuiteSignIn(t *testing.T) {
	signInOnly(t, setup(t), "hootsuite",
		misbehaviour{name: "verify your account from a new location", mode: replica.NewDevice, want: twofetch.OutcomeActionNeeded})
}

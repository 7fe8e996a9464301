package scripts_test

import (
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals/replica"
)

// sipgate's own further outcome: a user or browser it does not know gets
// a code by e-mail, which twofetch cannot read.
func init() {
	further["sipgate"] = []misbehaviour{
		{name: "e-mailed code for an unknown browser", mode: replica.NewDevice, want: twofetch.OutcomeActionNeeded},
	}
}

// TestSipgateUnknownUser runs the script for an address sipgate has no
// user for: the first step refuses it, before any password or code.
func TestSipgateUnknownUser(t *testing.T) {
	unknownAddress(t, setup(t), "sipgate", twofetch.OutcomeBadCredentials)
}

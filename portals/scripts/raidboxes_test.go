package scripts_test

import (
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals/replica"
)

// TestRaidboxesUnknownAddress runs the script for an address Raidboxes has
// no account for: the sign-in refuses it before any code is asked.
func TestRaidboxesUnknownAddress(t *testing.T) {
	unknownAddress(t, setup(t), "raidboxes", twofetch.OutcomeBadCredentials)
}

// Raidboxes' further case: the dashboard down answers 503 on every page.
func init() {
	further["raidboxes"] = []misbehaviour{
		{name: "down", mode: replica.Down, want: twofetch.OutcomePortalDown},
	}
}

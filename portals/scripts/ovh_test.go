package scripts_test

import (
	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals/replica"
)

// OVHcloud's own further outcome: the e-mail check of a device it does
// not know comes before the second factor.
func init() {
	further["ovh"] = []misbehaviour{
		{name: "e-mail check of a new device", mode: replica.NewDevice, want: twofetch.OutcomeActionNeeded},
	}
}

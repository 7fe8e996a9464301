package scripts_test

import (
	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals/replica"
)

// Billbee's further outcome: a redesigned app whose fields the script no
// longer finds ends portal_changed, not in a wrong outcome.
func init() {
	further["billbee"] = []misbehaviour{
		{name: "changed layout", mode: replica.ChangedLayout, want: twofetch.OutcomePortalChanged},
	}
}

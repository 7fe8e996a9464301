package scripts_test

import (
	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals/replica"
)

// ActiveCampaign's own further pages: the verification code it e-mails
// to a login without multi-factor authentication, and the code it sends
// by SMS to a login whose factor is SMS.
func init() {
	further["activecampaign"] = []misbehaviour{
		{name: "e-mailed login verification code", mode: replica.NewDevice, want: twofetch.OutcomeActionNeeded},
		{name: "code sent by SMS", mode: replica.PushOnly, want: twofetch.OutcomeUnsupported2FA},
	}
	more["activecampaign"] = misbehaviour{name: "down", mode: replica.Down, want: twofetch.OutcomePortalDown}
}

package scripts_test

import (
	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals/replica"
)

// The portals whose receipts and invoices are web pages, or that list
// documents other than invoices, add their own cases to TestScripts here.
func init() {
	more["notion"] = misbehaviour{name: "down", mode: replica.Down, want: twofetch.OutcomePortalDown}
}

func init() {
	kinds["mailchimp"] = twofetch.KindReceipt
	more["mailchimp"] = misbehaviour{name: "e-mailed code for a new device", mode: replica.NewDevice, want: twofetch.OutcomeActionNeeded}
}

func init() {
	trustsDevice["hubspot"] = true
	more["hubspot"] = misbehaviour{name: "approval in the HubSpot app", mode: replica.PushOnly, want: twofetch.OutcomeUnsupported2FA}
}

func init() {
	trustsDevice["klaviyo"] = true
}

func init() {
	more["klaviyo"] = misbehaviour{name: "down", mode: replica.Down, want: twofetch.OutcomePortalDown}
}

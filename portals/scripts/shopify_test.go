package scripts_test

import (
	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals/replica"
)

// Shopify's own further pages: hCaptcha on the sign-in, and the reminder
// to review the security settings, which the script postpones.
func init() {
	further["shopify"] = []misbehaviour{
		{name: "hCaptcha", mode: replica.Captcha, want: twofetch.OutcomeCaptcha},
		{name: "security settings reminder postponed", mode: replica.Terms, want: twofetch.OutcomeOK},
	}
}

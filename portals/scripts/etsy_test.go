package scripts_test

import (
	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals/replica"
)

// Etsy's documents are monthly statements; its own further page is
// DataDome's challenge.
func init() {
	kinds["etsy"] = twofetch.KindStatement
	further["etsy"] = []misbehaviour{
		{name: "DataDome slider", mode: replica.Captcha, want: twofetch.OutcomeCaptcha},
	}
}

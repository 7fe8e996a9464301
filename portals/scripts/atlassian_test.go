package scripts_test

import (
	"testing"

	"github.com/twofetch/twofetch"
)

// TestAtlassianScripts covers what TestScripts does not: Bitbucket, which
// signs in through the shared Atlassian sign-in and has no documents
// known, and the sign-up page an unknown address is sent to.
func TestAtlassianScripts(t *testing.T) {
	e := setup(t)
	t.Run("bitbucket", func(t *testing.T) { signInOnly(t, e, "bitbucket") })
	for _, id := range []string{"atlassian", "bitbucket"} {
		t.Run(id+"/unknown address", func(t *testing.T) { unknownAddress(t, e, id, twofetch.OutcomeBadCredentials) })
	}
}

package portals

import "testing"

// TestFamily checks that a script's family comes from the login fragment
// it uses, so portals sharing a sign-in can share a login.
func TestFamily(t *testing.T) {
	reg, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for portal, want := range map[string]string{
		"amazon-de":              "amazon",
		"amazon-fr":              "amazon",
		"audible-de":             "amazon",
		"ionos":                  "ionos",
		"gmx":                    "gmx",
		"1und1":                  "1und1",
		"facebook":               "facebook",
		"paypal":                 "paypal",
		"paypal-monthly-summary": "paypal",
		"github":                 "github",
		"atlassian":              "atlassian",
		"bitbucket":              "atlassian",
		"google-ads":             "google",
		"google-workspace":       "google",
		"google-cloud":           "google",
		"google-payments":        "google",
	} {
		s, ok := reg.Get(portal)
		if !ok {
			t.Fatalf("no built-in script %s", portal)
		}
		if got := s.Family(); got != want {
			t.Errorf("%s: family %q, want %q", portal, got, want)
		}
	}
}

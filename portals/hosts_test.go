package portals

import "testing"

func TestHostListed(t *testing.T) {
	hosts := []string{"slack.com", "*.slack.com", "invoice.stripe.com"}
	for host, want := range map[string]bool{
		"slack.com":               true,
		"acme.slack.com":          true,
		"ACME.Slack.com":          true,
		"a.b.slack.com":           true,
		"invoice.stripe.com":      true,
		"pay.stripe.com":          false,
		"evilslack.com":           false,
		"slack.com.evil.example":  false,
		".slack.com":              false,
		"stripe.com":              false,
		"acme.slack.com.evil.net": false,
	} {
		if got := HostListed(hosts, host); got != want {
			t.Errorf("HostListed(%q) = %v, want %v", host, got, want)
		}
	}
	if HostListed([]string{"*.slack.com"}, "slack.com") {
		t.Error("a wildcard admits its parent domain")
	}
}

package portals

import "strings"

// HostListed reports whether a script's hosts list admits the host: an
// entry is a host name, or "*.example.com" for any host below example.com
// (a portal that gives every customer a host of their own, like a Slack
// workspace at NAME.slack.com). The wildcard never admits example.com
// itself, nor a look-alike such as badexample.com.
func HostListed(hosts []string, host string) bool {
	host = strings.ToLower(host)
	for _, h := range hosts {
		if suffix, ok := strings.CutPrefix(h, "*"); ok && strings.HasPrefix(suffix, ".") {
			if strings.HasSuffix(host, suffix) && len(host) > len(suffix) {
				return true
			}
			continue
		}
		if h == host {
			return true
		}
	}
	return false
}

package replica

import "slices"

// family is a shared sign-in as one server serves it: the identity its
// portals share and those portals, in the order they were started.
type family struct {
	spec    *familySpec
	id      *identity
	portals []*Portal
	// pending maps a sign-in's transaction to the address it is for,
	// between the identifier and the password pages; guarded by id.mu.
	pending map[string]string
}

// portalFor returns the family's portal that a URL (where a sign-in goes
// on to) belongs to, so that the sign-in misbehaves and counts as that
// portal; the first portal when none of them owns it.
func (f *family) portalFor(raw string) *Portal {
	for _, p := range f.portals {
		if p.ownsURL(raw) {
			return p
		}
	}
	return f.portals[0]
}

// ownHosts are the hosts of the portal's own pages: all its hosts but the
// family's shared sign-in hosts.
func (sp *spec) ownHosts() []string {
	hs := sp.hosts()
	if f, ok := families[sp.Family]; ok {
		hs = slices.DeleteFunc(hs, func(h string) bool { return slices.Contains(f.Hosts, h) })
	}
	return hs
}

package portals

import (
	"context"
	"os"
)

// Tab opens a fresh browser context and tab outside any portal run, for
// tools that only read pages (the login-field detector). release closes it.
func (p *Pool) Tab(ctx context.Context) (tab context.Context, release func(), err error) {
	dir, err := os.MkdirTemp("", "twofetch-tab-")
	if err != nil {
		return nil, nil, err
	}
	// The browser resolves no names itself: a proxy that admits every
	// host applies the resolver rules (the replicas') for it.
	eg, err := startEgress(egressConfig{AllowAll: true, Resolve: resolverFlags(p.cfg.ExtraFlags), Logger: p.log, ListenIP: p.cfg.EgressAddr})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	l, err := p.acquire(ctx, dir, &loginSetup{proxy: eg.URL(), proxyAuth: [2]string{eg.user, eg.password}, inspect: true})
	if err != nil {
		eg.Close()
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return l.ctx, func() { l.release(); l.done(); eg.Close(); os.RemoveAll(dir) }, nil
}

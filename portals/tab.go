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
	l, err := p.acquire(ctx, dir, nil)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return l.ctx, func() { l.release(); os.RemoveAll(dir) }, nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/redis/go-redis/v9"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/enroll"
	"github.com/twofetch/twofetch/vault"
	"github.com/twofetch/twofetch/web"
	"github.com/twofetch/twofetch/workers"
)

func init() {
	register(&Command{
		Name:    "web",
		Summary: "serve the HTTP API and pages (no workers)",
		Usage:   "[flags]",
		Help: `
Serves the JSON API v1, /healthz and /readyz against a shared database and
Redis; run workers and the scheduler as separate processes. Migrations are
applied at start. Unlike "all", it needs TWOFETCH_REDIS_URL.`,
		Settings: webSettings,
		Run: func(ctx context.Context, m *Main, args []string) error {
			if len(args) != 0 {
				return usagef("web takes no arguments")
			}
			svc, err := m.openServices(ctx, false)
			if err != nil {
				return err
			}
			srv, l, err := m.listenWeb(ctx, svc)
			if err != nil {
				return err
			}
			return srv.Serve(ctx, l)
		},
	})
}

var webSettings = settings(portalsSettings, storeSettings, redisSettings, vaultSettings, enrollSettings, pipelineSettings, []string{"addr"})

// services are the shared parts every long-running command builds on.
type services struct {
	Store twofetch.Store
	Redis redis.UniversalClient
	// RedisURL is where Redis is, for clients that dial their own
	// connections (asynq), including the in-process one.
	RedisURL string
	Vault    *vault.Vault
	// Checks are the readiness checks of what the process depends on;
	// components started later (the browser pool) append theirs.
	Checks []web.Checker

	enq    *workers.Enqueuer
	enroll *enroll.Service
}

// openServices opens the database (migrated), Redis and the vault, closing
// each with m.
func (m *Main) openServices(ctx context.Context, embeddedRedis bool) (*services, error) {
	st, err := m.openStore(ctx)
	if err != nil {
		return nil, err
	}
	rdb, rurl, err := m.openRedis(ctx, embeddedRedis)
	if err != nil {
		return nil, err
	}
	v, err := m.openVault(ctx, st, rdb)
	if err != nil {
		return nil, err
	}
	return &services{
		Store: st, Redis: rdb, RedisURL: rurl, Vault: v,
		Checks: []web.Checker{
			{Name: "database", Check: st.Ping},
			{Name: "redis", Check: func(ctx context.Context) error { return rdb.Ping(ctx).Err() }},
		},
	}, nil
}

// listenWeb binds the address, builds the web server with every route
// mounted, and prints the URL it serves, so a caller that asked for port 0
// learns the real one.
func (m *Main) listenWeb(ctx context.Context, svc *services) (*web.Server, net.Listener, error) {
	catalog, err := m.portalCatalog()
	if err != nil {
		return nil, nil, err
	}
	addr := m.Config.String("addr")
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("TWOFETCH_ADDR: %w", err)
	}
	m.OnClose(func() error {
		if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	})
	srv, err := web.New(web.Config{
		Store:   svc.Store,
		Vault:   svc.Vault,
		Portals: catalog,
		Logger:  m.Logger,
		Checks:  svc.Checks,
	})
	if err != nil {
		return nil, nil, err
	}
	if err := m.mountAll(ctx, svc, srv, m.publicURL(l)); err != nil {
		return nil, nil, err
	}
	url := "http://" + l.Addr().String()
	fmt.Fprintf(m.Stdout, "twofetch listening on %s\n", url)
	m.Logger.InfoContext(ctx, "listening", "url", url)
	return srv, l, nil
}

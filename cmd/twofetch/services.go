package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/portals/replica"
	"github.com/twofetch/twofetch/store"
	"github.com/twofetch/twofetch/vault"
	"github.com/twofetch/twofetch/web"
)

// Settings each kind of service reads, for the commands' Settings lists.
var (
	storeSettings   = []string{"data-dir", "database-url"}
	redisSettings   = []string{"redis-url"}
	vaultSettings   = []string{"data-dir", "master-key", "kms-key-id", "aws-endpoint-url"}
	browserSettings = []string{"chrome-path", "chrome-url", "egress-addr", "host-resolver-rules", "replicas"}
)

func settings(groups ...[]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, g := range groups {
		for _, s := range g {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// databaseURL is TWOFETCH_DATABASE_URL, or the SQLite file in the data
// directory.
func (m *Main) databaseURL() (string, error) {
	if u := m.Config.String("database-url"); u != "" {
		return u, nil
	}
	dir, err := m.Config.DataDir()
	if err != nil {
		return "", err
	}
	return "sqlite:" + filepath.Join(dir, "twofetch.db"), nil
}

// openStore opens the database and applies pending migrations, which are
// idempotent, so every command that needs the schema can run first.
func (m *Main) openStore(ctx context.Context) (twofetch.Store, error) {
	dsn, err := m.databaseURL()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("TWOFETCH_DATABASE_URL: %w", err)
	}
	m.OnClose(st.Close)
	if err := store.Migrate(ctx, st); err != nil {
		return nil, fmt.Errorf("migrate database: %w", err)
	}
	return st, nil
}

// openRedis connects to TWOFETCH_REDIS_URL. When it is empty and embedded
// is true (only `all`), it starts an in-process miniredis on a free
// loopback port whose TTLs follow the wall clock, so asynq's leases and
// locks expire as they would on a real Redis. It returns the client and the
// URL, which asynq needs to build its own connections.
func (m *Main) openRedis(ctx context.Context, embedded bool) (redis.UniversalClient, string, error) {
	u := m.Config.String("redis-url")
	if u == "" {
		if !embedded {
			return nil, "", errors.New("TWOFETCH_REDIS_URL: required; only `twofetch all` runs an in-process Redis")
		}
		mr := miniredis.NewMiniRedis()
		mr.ClockTTL(true)
		if err := mr.StartAddr("127.0.0.1:0"); err != nil {
			return nil, "", fmt.Errorf("start in-process Redis: %w", err)
		}
		m.OnClose(func() error { mr.Close(); return nil })
		u = "redis://" + mr.Addr()
		m.Logger.InfoContext(ctx, "started in-process Redis; set TWOFETCH_REDIS_URL to use a real one", "addr", mr.Addr())
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		return nil, "", fmt.Errorf("TWOFETCH_REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(opt)
	m.OnClose(rdb.Close)
	// A Redis that is down at start is reported by /readyz rather than
	// refusing to start, so the process recovers when Redis does.
	if err := rdb.Ping(ctx).Err(); err != nil {
		m.Logger.WarnContext(ctx, "Redis does not answer yet", "addr", opt.Addr, "err", err)
	}
	return rdb, u, nil
}

// openKEK picks the key-encryption key: AWS KMS when a key id is set, else
// a master key from the environment, else the keyring file in the data
// directory (created on first use). While moving off the keyring, the
// keyring still opens what it wrapped (see vaultKEK).
func (m *Main) openKEK(ctx context.Context) (vault.KEK, error) { return vaultKEK(ctx, m) }

// openVault builds the vault on st; rdb may be nil for commands that never
// issue codes.
func (m *Main) openVault(ctx context.Context, st twofetch.Store, rdb redis.UniversalClient) (*vault.Vault, error) {
	kek, err := m.openKEK(ctx)
	if err != nil {
		return nil, err
	}
	v, err := vault.New(vault.Config{Store: st, KEK: kek, Redis: rdb, Logger: m.Logger})
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	// Every process with the vault upgrades the plaintext webhook secrets
	// of older versions, so none survives the first start.
	n, err := vault.SealWebhookSecrets(ctx, v, st)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		m.Logger.InfoContext(ctx, "sealed plaintext webhook secrets", "tenants", n)
	}
	return v, nil
}

// openBrowser starts the shared browser. With --replicas it first starts
// the local replicas of every scripted portal and points the browser at
// them, so the real portal host names resolve to the replicas.
func (m *Main) openBrowser(ctx context.Context) (*portals.Pool, error) {
	cfg := portals.PoolConfig{
		ChromePath: m.Config.String("chrome-path"),
		RemoteURL:  m.Config.String("chrome-url"),
		EgressAddr: m.Config.String("egress-addr"),
		Logger:     m.Logger,
	}
	if m.Config.Bool("replicas") {
		rs, err := replica.Start(replica.Options{Logger: m.Logger})
		if err != nil {
			return nil, fmt.Errorf("TWOFETCH_REPLICAS: start portal replicas: %w", err)
		}
		m.OnClose(rs.Close)
		cfg.ExtraFlags = rs.ChromeFlags()
		m.Logger.InfoContext(ctx, "serving portal replicas; the browser reaches them instead of the real portals", "addr", rs.Addr())
	}
	// The job's egress proxy, not the browser, resolves portal hosts, so
	// the rules apply to a remote browser too.
	if rules := m.Config.String("host-resolver-rules"); rules != "" {
		cfg.ExtraFlags = append(cfg.ExtraFlags, "--host-resolver-rules="+rules)
	}
	pool, err := portals.NewPool(ctx, cfg)
	if err != nil {
		if cfg.RemoteURL != "" {
			return nil, fmt.Errorf("TWOFETCH_CHROME_URL: %w", err)
		}
		return nil, fmt.Errorf("TWOFETCH_CHROME_PATH: %w (install it with: apt-get install chromium)", err)
	}
	m.OnClose(pool.Close)
	return pool, nil
}

// builtinPortals parses the embedded portal scripts once per process; the
// web server, the enrolment pages and the worker all read the same registry.
var builtinPortals = sync.OnceValues(portals.Builtin)

// portalCatalog is the registry of the portal scripts embedded in the
// binary, which decides what accounts may be created for.
func portalCatalog() (web.PortalCatalog, error) {
	reg, err := builtinPortals()
	if err != nil {
		return nil, fmt.Errorf("load built-in portal scripts: %w", err)
	}
	return registryCatalog{reg}, nil
}

// portalCatalog is the registry of the scripts this process uses.
func (m *Main) portalCatalog() (web.PortalCatalog, error) {
	reg, err := m.portalScripts()
	if err != nil {
		return nil, err
	}
	return registryCatalog{reg}, nil
}

type registryCatalog struct{ reg *portals.Registry }

func (c registryCatalog) Has(id string) bool { _, ok := c.reg.Get(id); return ok }

// Family is the sign-in the portal's script uses.
func (c registryCatalog) Family(portal string) string {
	if s, ok := c.reg.Get(portal); ok {
		return s.Family()
	}
	return ""
}

// Credentials lists what the portal's script asks for besides username
// and password.
func (c registryCatalog) Credentials(portal string) []web.CredentialField {
	s, ok := c.reg.Get(portal)
	if !ok {
		return nil
	}
	var out []web.CredentialField
	for _, cr := range s.Credentials {
		if cr.Name == "username" || cr.Name == "password" {
			continue
		}
		out = append(out, web.CredentialField{Name: cr.Name, Label: cr.Label, Secret: cr.IsSecret()})
	}
	return out
}

// Portals lists the portals whose scripts use the family's sign-in.
func (c registryCatalog) Portals(family string) []string {
	var out []string
	for _, s := range c.reg.List() {
		if s.Family() == family {
			out = append(out, s.ID)
		}
	}
	return out
}

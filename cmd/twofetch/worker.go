package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/blob"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/vault"
	"github.com/twofetch/twofetch/workers"
)

func init() {
	register(&Command{
		Name:    "worker",
		Summary: "run portal fetches and webhook deliveries from the queue",
		Usage:   "[flags]",
		Help: `
Takes tasks from the Redis queue (TWOFETCH_REDIS_URL, required) and runs
them: portal fetches in the shared headless browser, storing invoices in
TWOFETCH_BLOB_URL, and webhook deliveries. Run as many workers on as many
machines as needed against the same Redis and database; per-portal limits
and the per-account lock hold across all of them. SIGINT or SIGTERM lets
tasks in progress finish (up to 30 s) and returns the rest to the queue.`,
		Settings: workerSettings,
		Run: func(ctx context.Context, m *Main, args []string) error {
			if len(args) != 0 {
				return usagef("worker takes no arguments")
			}
			svc, err := m.openServices(ctx, false)
			if err != nil {
				return err
			}
			pool, err := m.openBrowser(ctx)
			if err != nil {
				return err
			}
			w, err := m.newWorker(ctx, svc, pool)
			if err != nil {
				return err
			}
			m.Logger.InfoContext(ctx, "worker started", "concurrency", m.Config.Int("concurrency"))
			return w.Run(ctx)
		},
	})
}

var workerSettings = settings(portalsSettings, storeSettings, redisSettings, vaultSettings, browserSettings, enrollSettings,
	[]string{"addr", "blob-url", "concurrency", "artifact-retention", "history-retention", "portal-sessions", "portal-starts-per-minute", "webhook-give-up"})

// openBlobs opens TWOFETCH_BLOB_URL, by default DATA_DIR/invoices.
func (m *Main) openBlobs(ctx context.Context) (blob.Store, error) {
	u := ""
	if m.Config.Has("blob-url") {
		u = m.Config.String("blob-url")
	}
	if u == "" {
		dir, err := m.Config.DataDir()
		if err != nil {
			return nil, err
		}
		return blob.NewDir(filepath.Join(dir, "invoices"))
	}
	var err error
	var st blob.Store
	if strings.HasPrefix(u, "s3://") {
		cfg, cerr := m.awsConfig(ctx)
		if cerr != nil {
			return nil, fmt.Errorf("TWOFETCH_BLOB_URL: %w", cerr)
		}
		st, err = blob.Open(ctx, u, cfg)
	} else {
		st, err = blob.Open(ctx, u)
	}
	if err != nil {
		return nil, fmt.Errorf("TWOFETCH_BLOB_URL: %w", err)
	}
	return st, nil
}

// newWorker builds the task server on the shared services and the browser
// pool; `all` runs it in-process the same way.
func (m *Main) newWorker(ctx context.Context, svc *services, pool *portals.Pool) (*workers.Server, error) {
	blobs, err := m.openBlobs(ctx)
	if err != nil {
		return nil, err
	}
	dataDir, err := m.Config.DataDir()
	if err != nil {
		return nil, err
	}
	reg, err := m.portalScripts()
	if err != nil {
		return nil, err
	}
	concurrency := 2
	if m.Config.Has("concurrency") {
		concurrency = m.Config.Int("concurrency")
	}
	// SMS tasks need the enrolment service to build their links; in `all`
	// the web part has made it already.
	if svc.enroll == nil {
		public := m.Config.String("public-url")
		if public == "" {
			public = "http://" + m.Config.String("addr")
		}
		if svc.enroll, err = m.newEnroll(ctx, svc, public); err != nil {
			return nil, err
		}
	}
	return workers.NewServer(workers.ServerConfig{
		SMS:               svc.enroll,
		Redis:             svc.Redis,
		Store:             svc.Store,
		Blobs:             blobs,
		Fetcher:           portals.NewRunner(reg, pool),
		Secrets:           func(a *twofetch.Account) twofetch.Secrets { return vault.SecretsOf(svc.Vault, a) },
		Vault:             svc.Vault,
		DataDir:           dataDir,
		Concurrency:       concurrency,
		ArtifactRetention: m.durationSetting("artifact-retention"),
		HistoryRetention:  m.durationSetting("history-retention"),
		DefaultLimit:      m.portalLimit(),
		WebhookGiveUp:     m.durationSetting("webhook-give-up"),
		HTTPClient:        m.outbound().Client(30 * time.Second),
		Logger:            m.Logger,
	})
}

// portalLimit is the per-portal limit from the settings, or the workers'
// default for commands that do not read them.
func (m *Main) portalLimit() workers.PortalLimit {
	var l workers.PortalLimit
	if m.Config.Has("portal-sessions") {
		l.Sessions = m.Config.Int("portal-sessions")
	}
	if m.Config.Has("portal-starts-per-minute") {
		l.PerMinute = m.Config.Int("portal-starts-per-minute")
	}
	return l
}

// durationSetting is a duration setting, or zero (the callee's default)
// for commands that do not read it.
func (m *Main) durationSetting(name string) time.Duration {
	if !m.Config.Has(name) {
		return 0
	}
	return m.Config.Duration(name)
}

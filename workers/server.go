package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/blob"
	"github.com/twofetch/twofetch/internal/netguard"
	"github.com/twofetch/twofetch/metrics"
)

// SMSSender sends an enrolment's SMS; enroll.Service implements it. An
// error means "try again later".
type SMSSender interface {
	SendSMS(ctx context.Context, enrollmentID string) error
}

// PortalLimit bounds what twofetch does to one portal across all workers.
type PortalLimit struct {
	// Sessions is the most runs logged into the portal at once. If zero, 4.
	Sessions int
	// PerMinute is the most runs started per minute. If zero, 30.
	PerMinute int
}

// ServerConfig configures a worker. Required: Redis and Store; Blobs and
// Fetcher for fetch tasks, SMS for SMS tasks (a worker without them leaves
// those tasks to workers that have them).
type ServerConfig struct {
	Redis redis.UniversalClient
	Store twofetch.Store
	Blobs blob.Store
	// Fetcher runs the portal scripts.
	Fetcher twofetch.Fetcher
	// Secrets gives a run the account's credentials; nil for fetchers
	// that need none.
	Secrets func(*twofetch.Account) twofetch.Secrets
	SMS     SMSSender
	// Vault opens the webhook signing secrets of tenants. Required to
	// deliver webhooks of tenants whose secret is sealed.
	Vault Opener
	// DataDir holds each attempt's scratch directory for artifacts, which
	// are then kept in Blobs under artifacts/RUN_ID/. If empty, the
	// system's temporary directory.
	DataDir string
	// Concurrency is how many tasks run at once. If zero, 2.
	Concurrency int
	// DefaultLimit applies to portals without an entry in Limits.
	DefaultLimit PortalLimit
	Limits       map[string]PortalLimit
	// LockTTL is how long an account lock or portal slot outlives a worker
	// that died holding it. If zero, 2 minutes.
	LockTTL time.Duration
	// ShutdownTimeout is how long Run waits for tasks in progress after its
	// context ends before returning them to the queue. If zero, 30 s.
	ShutdownTimeout time.Duration
	// ArtifactRetention is how long the screenshot, HTML and step log of a
	// failed run are kept. If zero, 14 days.
	ArtifactRetention time.Duration
	// HistoryRetention is how long finished runs and relayed events are
	// kept; zero keeps them. It must cover the portal health view's week.
	HistoryRetention time.Duration
	// WebhookGiveUp is how long after an event was created or queued,
	// whichever is later, its delivery stops being retried and is
	// recorded as given up. If zero, 24 h.
	WebhookGiveUp time.Duration
	// HTTPClient delivers webhooks. If nil, one with a 30 s timeout that
	// reaches only public https addresses (netguard.Policy{}).
	HTTPClient *http.Client
	// Alert is called once per portal, outcome and day when support must
	// look (besides the log line, metric and audit event). Optional.
	Alert func(ctx context.Context, a Alert)
	// Relay queues the events of the store's outbox. If nil, one is made;
	// Run runs it.
	Relay *Relay
	// Fault, when set, is called at named points of a run ("invoice-stored":
	// the invoice row is written), so tests can kill the worker there.
	Fault func(point string)
	// Scheduler places the next run of an account after a run. If nil, one
	// is made on Store.
	Scheduler *Scheduler
	Logger    *slog.Logger
	Now       func() time.Time
}

// Opener opens a sealed secret; *vault.Vault is one.
type Opener interface {
	Open(ctx context.Context, ref twofetch.SecretRef) ([]byte, error)
}

// Server runs the task handlers of one worker process.
type Server struct {
	cfg     ServerConfig
	rdb     redis.UniversalClient
	store   twofetch.Store
	blobs   blob.Store
	fetcher twofetch.Fetcher
	sched   *Scheduler
	enq     *Enqueuer
	limits  *limiter
	log     *slog.Logger
	now     func() time.Time
	srv     *asynq.Server
	mux     *asynq.ServeMux
}

// NewServer checks cfg and prepares a worker; Run starts it.
func NewServer(cfg ServerConfig) (*Server, error) {
	if cfg.Redis == nil || cfg.Store == nil {
		return nil, errors.New("workers: Redis and Store are required")
	}
	if cfg.Fetcher != nil && cfg.Blobs == nil {
		return nil, errors.New("workers: fetching needs Blobs")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 2
	}
	if cfg.LockTTL <= 0 {
		cfg.LockTTL = 2 * time.Minute
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 30 * time.Second
	}
	if cfg.HistoryRetention < 0 || (cfg.HistoryRetention > 0 && cfg.HistoryRetention < minHistoryRetention) {
		return nil, fmt.Errorf("workers: history retention %s is shorter than %s: the portal health view reads a week of runs", cfg.HistoryRetention, minHistoryRetention)
	}
	if cfg.ArtifactRetention <= 0 {
		cfg.ArtifactRetention = 14 * 24 * time.Hour
	}
	if cfg.WebhookGiveUp <= 0 {
		cfg.WebhookGiveUp = 24 * time.Hour
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = netguard.Policy{}.Client(30 * time.Second)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Fault == nil {
		cfg.Fault = func(string) {}
	}
	if cfg.Relay == nil {
		cfg.Relay = NewRelay(cfg.Redis, cfg.Store, cfg.Logger)
	}
	if cfg.Scheduler == nil {
		sc, err := NewScheduler(SchedulerConfig{Store: cfg.Store, Redis: cfg.Redis, Logger: cfg.Logger, Now: cfg.Now})
		if err != nil {
			return nil, err
		}
		cfg.Scheduler = sc
	}
	s := &Server{
		cfg: cfg, rdb: cfg.Redis, store: cfg.Store, blobs: cfg.Blobs, fetcher: cfg.Fetcher,
		sched: cfg.Scheduler, log: cfg.Logger, now: cfg.Now,
		enq:    NewEnqueuer(cfg.Redis, cfg.Store, cfg.Logger),
		limits: &limiter{rdb: cfg.Redis, def: cfg.DefaultLimit, portals: cfg.Limits, ttl: cfg.LockTTL},
	}
	s.mux = asynq.NewServeMux()
	if cfg.Fetcher != nil {
		s.mux.HandleFunc(TypeFetchAccount, s.handleFetch)
		s.mux.HandleFunc(TypeFetchLogin, s.handleFetchLogin)
	}
	if cfg.SMS != nil {
		s.mux.HandleFunc(TypeSendSMS, s.handleSMS)
	}
	s.mux.HandleFunc(TypeDeliverWebhook, s.handleWebhook)
	s.srv = asynq.NewServerFromRedisClient(cfg.Redis, asynq.Config{
		Concurrency:     cfg.Concurrency,
		Queues:          QueuePriorities,
		RetryDelayFunc:  RetryDelay,
		IsFailure:       IsFailure,
		ShutdownTimeout: cfg.ShutdownTimeout,
		Logger:          asynqLogger{cfg.Logger},
		LogLevel:        asynq.WarnLevel,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			var ra *retryAfter
			if errors.As(err, &ra) && !ra.counted {
				return // waiting for a lock or slot is routine
			}
			cfg.Logger.WarnContext(ctx, "task failed", "type", t.Type(), "err", err)
		}),
	})
	return s, nil
}

// Handler is the task mux, for tests that drive tasks without a queue.
func (s *Server) Handler() asynq.Handler { return s.mux }

// Run processes tasks until ctx ends, then stops taking new ones and waits
// up to ShutdownTimeout for those in progress; any still running then go
// back to the queue for another worker.
func (s *Server) Run(ctx context.Context) error {
	if err := s.srv.Start(s.mux); err != nil {
		return fmt.Errorf("workers: start: %w", err)
	}
	insp := asynq.NewInspectorFromRedisClient(s.rdb)
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	janitor := time.NewTicker(time.Minute)
	defer janitor.Stop()
	rctx, stopRelay := context.WithCancel(ctx)
	relayDone := make(chan struct{})
	go func() { defer close(relayDone); s.cfg.Relay.Run(rctx) }()
	defer func() { stopRelay(); <-relayDone }()
	_ = UpdateQueueMetrics(insp)
	s.janitor(ctx)
	for {
		select {
		case <-ctx.Done():
			s.srv.Shutdown()
			return nil
		case <-t.C:
			_ = UpdateQueueMetrics(insp)
		case <-janitor.C:
			s.janitor(ctx)
		}
	}
}

// janitor ends runs whose worker is gone and deletes expired artifacts.
func (s *Server) janitor(ctx context.Context) {
	if _, err := s.SweepRuns(ctx); err != nil {
		s.log.WarnContext(ctx, "sweep lost runs", "err", err)
	}
	if s.blobs != nil {
		if n, err := s.ExpireArtifacts(ctx); err != nil {
			s.log.WarnContext(ctx, "expire run artifacts", "err", err)
		} else if n > 0 {
			s.log.InfoContext(ctx, "expired run artifacts", "runs", n)
		}
	}
	if s.cfg.HistoryRetention > 0 {
		runs, events, err := s.store.PruneHistory(ctx, s.now().Add(-s.cfg.HistoryRetention))
		if err != nil {
			s.log.WarnContext(ctx, "prune run history", "err", err)
		} else if runs+events > 0 {
			s.log.InfoContext(ctx, "pruned run history", "runs", runs, "events", events)
		}
	}
}

// minHistoryRetention is the shortest history retention: the portal
// health view compares the last day with the last week, plus a day.
const minHistoryRetention = 8 * 24 * time.Hour

// SweepRuns ends as transient the runs whose lease ran out with their
// worker gone, and has them run again within minutes.
func (s *Server) SweepRuns(ctx context.Context) ([]*twofetch.Run, error) {
	now := s.now()
	runs, err := s.store.SweepRuns(ctx, now, now.Add(sweptRetryDelay))
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		metrics.Runs.WithLabelValues(r.Portal, string(r.Outcome)).Inc()
		s.log.WarnContext(ctx, "run lost with its worker; rescheduled", "run", r.ID, "account", r.AccountID)
	}
	if len(runs) > 0 {
		s.cfg.Relay.Kick()
	}
	return runs, nil
}

// sweptRetryDelay is how soon the account of a lost run runs again.
const sweptRetryDelay = 5 * time.Minute

// ExpireArtifacts deletes the artifacts of runs that finished more than
// ArtifactRetention ago, by key, from the blob store every process shares,
// and returns how many runs' artifacts it removed.
func (s *Server) ExpireArtifacts(ctx context.Context) (int, error) {
	prefixes, err := s.store.ExpireArtifacts(ctx, s.now().Add(-s.cfg.ArtifactRetention))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range prefixes {
		// Only ever delete what a run's artifacts can be, whatever the row
		// says.
		if !strings.HasPrefix(p, "artifacts/") || strings.Count(p, "/") != 2 || !strings.HasSuffix(p, "/") {
			continue
		}
		failed := false
		for name := range twofetch.ArtifactFiles {
			if err := s.blobs.Delete(ctx, p+name); err != nil {
				s.log.WarnContext(ctx, "remove run artifact", "key", p+name, "err", err)
				failed = true
			}
		}
		if !failed {
			n++
		}
	}
	return n, nil
}

// UpdateQueueMetrics samples the size of each queue by task state.
func UpdateQueueMetrics(insp *asynq.Inspector) error {
	for q := range QueuePriorities {
		qi, err := insp.GetQueueInfo(q)
		if err != nil {
			// A queue that never had a task does not exist yet.
			continue
		}
		metrics.QueueSize.WithLabelValues(q, "pending").Set(float64(qi.Pending))
		metrics.QueueSize.WithLabelValues(q, "active").Set(float64(qi.Active))
		metrics.QueueSize.WithLabelValues(q, "scheduled").Set(float64(qi.Scheduled))
		metrics.QueueSize.WithLabelValues(q, "retry").Set(float64(qi.Retry))
		metrics.QueueSize.WithLabelValues(q, "archived").Set(float64(qi.Archived))
	}
	return nil
}

func (s *Server) handleSMS(ctx context.Context, t *asynq.Task) error {
	var p SMSPayload
	if err := decode(t, &p); err != nil {
		return err
	}
	err := s.cfg.SMS.SendSMS(ctx, p.EnrollmentID)
	if twofetch.IsNotFound(err) {
		return nil
	}
	return err
}

// limiter applies PortalLimit through Redis, so the limits hold across
// every worker.
type limiter struct {
	rdb     redis.UniversalClient
	def     PortalLimit
	portals map[string]PortalLimit
	ttl     time.Duration
}

func (l *limiter) limit(portal string) PortalLimit {
	lim, ok := l.portals[portal]
	if !ok {
		lim = l.def
	}
	if lim.Sessions <= 0 {
		lim.Sessions = 4
	}
	if lim.PerMinute <= 0 {
		lim.PerMinute = 30
	}
	return lim
}

// acquire takes a session slot and a start within the portal's rate. When
// either is not available it returns how long to wait instead.
func (l *limiter) acquire(ctx context.Context, portal string) (func(context.Context) (context.Context, func()), time.Duration, error) {
	lim := l.limit(portal)
	slot, err := NewSemaphore(l.rdb, "twofetch:sessions:"+portal, l.ttl).Acquire(ctx, lim.Sessions)
	if errors.Is(err, ErrBusy) {
		return nil, 20 * time.Second, nil
	}
	if err != nil {
		return nil, 0, err
	}
	wait, err := allowRate(ctx, l.rdb, "twofetch:starts:"+portal, lim.PerMinute, time.Minute)
	if err != nil || wait > 0 {
		_ = slot.Release(context.WithoutCancel(ctx))
		if errors.Is(err, ErrBusy) {
			return nil, wait + time.Second, nil
		}
		return nil, 0, err
	}
	return slot.Hold, 0, nil
}

// asynqLogger sends asynq's own messages to slog.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...)) }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...)) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...)) }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...)) }
func (a asynqLogger) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...)) }

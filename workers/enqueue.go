package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/twofetch/twofetch"
)

// Enqueuer puts work on the queue for the web server, enrolment and the
// handlers themselves. Runs and events go through the store's outbox, so
// they are queued even if Redis refuses at the moment they are asked for.
type Enqueuer struct {
	client *asynq.Client
	store  twofetch.Store
	relay  *Relay
	log    *slog.Logger
	now    func() time.Time
}

// NewEnqueuer returns an Enqueuer on rdb. It does not own rdb.
func NewEnqueuer(rdb redis.UniversalClient, store twofetch.Store, log *slog.Logger) *Enqueuer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Enqueuer{client: asynq.NewClientFromRedisClient(rdb), store: store, log: log, now: time.Now,
		relay: NewRelay(rdb, store, log)}
}

// RunNow records a queued run of the account with the request to run it,
// and relays it to the critical queue at once if Redis answers; otherwise
// any relay queues it when Redis is back. The answer's ID is what GET
// …/runs/{rid} reports on.
func (e *Enqueuer) RunNow(ctx context.Context, a *twofetch.Account, trigger twofetch.Trigger) (*twofetch.Run, error) {
	return e.RunNowSince(ctx, a, trigger, time.Time{})
}

// RunNowSince is RunNow for the documents dated from since on, older ones
// than daily runs reach included; a zero since is RunNow.
func (e *Enqueuer) RunNowSince(ctx context.Context, a *twofetch.Account, trigger twofetch.Trigger, since time.Time) (*twofetch.Run, error) {
	if trigger == "" {
		trigger = twofetch.TriggerManual
	}
	run := &twofetch.Run{
		ID: twofetch.NewID("run"), TenantID: a.TenantID, AccountID: a.ID, Portal: a.Portal,
		Trigger: trigger, CreatedAt: e.now().UTC(), FetchSince: since,
	}
	if err := e.store.QueueRun(ctx, run); err != nil {
		return nil, fmt.Errorf("record run: %w", err)
	}
	e.flush(ctx)
	return run, nil
}

// flush relays what the outbox holds, without waiting for a relay's next
// look; a failure is left to the relays.
func (e *Enqueuer) flush(ctx context.Context) {
	if _, err := e.relay.Once(ctx); err != nil {
		e.log.WarnContext(ctx, "events left for the relay", "err", err)
	}
}

// EnqueueSMS queues the sending of an enrolment's SMS (enroll.Config.EnqueueSMS).
func (e *Enqueuer) EnqueueSMS(ctx context.Context, enrollmentID string) error {
	t, err := NewSMSTask(enrollmentID)
	if err != nil {
		return err
	}
	if _, err := e.client.EnqueueContext(ctx, t); err != nil {
		return fmt.Errorf("queue SMS: %w", err)
	}
	return nil
}

// Notify writes a webhook event for the tenant to the outbox; data becomes
// the event's "data". Tenants without a webhook URL get nothing, decided
// at delivery so a URL set later still receives queued events. Events that
// announce a row change are written with the change by the store instead.
func (e *Enqueuer) Notify(ctx context.Context, tenantID, eventType string, data any) error {
	ev, err := twofetch.NewEvent(tenantID, eventType, data)
	if err != nil {
		return err
	}
	ev.CreatedAt = e.now().UTC()
	if err := e.store.AddEvent(ctx, ev); err != nil {
		return fmt.Errorf("record event %s: %w", eventType, err)
	}
	e.flush(ctx)
	return nil
}

// Publish is Notify for callers that cannot act on a failure: it logs it.
func (e *Enqueuer) Publish(ctx context.Context, tenantID, eventType string, data any) {
	if err := e.Notify(ctx, tenantID, eventType, data); err != nil {
		e.log.ErrorContext(ctx, "record webhook event", "tenant", tenantID, "event", eventType, "err", err)
	}
}

// Close releases the queue clients.
func (e *Enqueuer) Close() error { return errors.Join(e.client.Close(), e.relay.Close()) }

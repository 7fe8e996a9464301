package workers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/twofetch/twofetch"
)

// Enqueuer puts work on the queue for the web server, enrolment and the
// handlers themselves.
type Enqueuer struct {
	client *asynq.Client
	store  twofetch.Store
	log    *slog.Logger
	now    func() time.Time
}

// NewEnqueuer returns an Enqueuer on rdb. It does not own rdb.
func NewEnqueuer(rdb redis.UniversalClient, store twofetch.Store, log *slog.Logger) *Enqueuer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Enqueuer{client: asynq.NewClientFromRedisClient(rdb), store: store, log: log, now: time.Now}
}

// RunNow records a queued run of the account and puts it on the critical
// queue; the answer's ID is what GET …/runs/{rid} reports on.
func (e *Enqueuer) RunNow(ctx context.Context, a *twofetch.Account, trigger twofetch.Trigger) (*twofetch.Run, error) {
	if trigger == "" {
		trigger = twofetch.TriggerManual
	}
	run := &twofetch.Run{
		ID: twofetch.NewID("run"), TenantID: a.TenantID, AccountID: a.ID, Portal: a.Portal,
		Trigger: trigger, CreatedAt: e.now().UTC(),
	}
	if err := e.store.CreateRun(ctx, run); err != nil {
		return nil, fmt.Errorf("record run: %w", err)
	}
	t, err := NewFetchTask(FetchPayload{AccountID: a.ID, RunID: run.ID, Trigger: trigger})
	if err != nil {
		return nil, err
	}
	if _, err := e.client.EnqueueContext(ctx, t); err != nil {
		return nil, fmt.Errorf("queue run: %w", err)
	}
	return run, nil
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

// Notify queues a webhook event for the tenant; data becomes the event's
// "data". Tenants without a webhook URL get nothing, decided at delivery so
// a URL set later still receives queued events.
func (e *Enqueuer) Notify(ctx context.Context, tenantID, eventType string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("event %s: %w", eventType, err)
	}
	ev := Event{ID: twofetch.NewID("evt"), Type: eventType, TenantID: tenantID, CreatedAt: e.now().UTC(), Data: b}
	t, err := NewWebhookTask(ev)
	if err != nil {
		return err
	}
	if _, err := e.client.EnqueueContext(ctx, t); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("queue event %s: %w", eventType, err)
	}
	return nil
}

// Publish is Notify for callers that cannot act on a failure
// (enroll.Config.Notify): it logs it.
func (e *Enqueuer) Publish(ctx context.Context, tenantID, eventType string, data any) {
	if err := e.Notify(ctx, tenantID, eventType, data); err != nil {
		e.log.ErrorContext(ctx, "queue webhook event", "tenant", tenantID, "event", eventType, "err", err)
	}
}

// Close releases the queue client.
func (e *Enqueuer) Close() error { return e.client.Close() }

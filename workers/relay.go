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

// Relay moves events from the store's outbox to the queue: webhook
// deliveries, and the runs asked for through the API. Any number of relays
// may run, in any process: each claims disjoint events, and the task id
// of an event's task is derived from the event id, so an event queued
// twice (a relay that died after queueing but before recording it) is
// still one task.
type Relay struct {
	store  twofetch.Store
	client *asynq.Client
	log    *slog.Logger
	kick   chan struct{}
	// Interval between looks at the outbox when nothing kicks the relay.
	Interval time.Duration
	// Batch is how many events one look claims.
	Batch int
}

// NewRelay returns a relay on rdb. It does not own rdb.
func NewRelay(rdb redis.UniversalClient, store twofetch.Store, log *slog.Logger) *Relay {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Relay{store: store, client: asynq.NewClientFromRedisClient(rdb), log: log,
		kick: make(chan struct{}, 1), Interval: time.Second, Batch: 100}
}

// relayLease is how long a claimed event is held by one relay; a relay
// that dies lets its events go to another after it.
const relayLease = time.Minute

// Once queues what the outbox holds now, batch after batch, and returns
// how many events it queued. It stops at the first event the queue refuses
// (Redis away); that event and the rest wait for the next call.
func (r *Relay) Once(ctx context.Context) (int, error) {
	total := 0
	for {
		evs, err := r.store.ClaimEvents(ctx, r.Batch, relayLease)
		if err != nil {
			return total, err
		}
		var done, left []int64
		var qerr error
		for _, ev := range evs {
			if qerr == nil {
				qerr = r.enqueue(ctx, ev)
			}
			if qerr != nil {
				left = append(left, ev.Seq)
				continue
			}
			done = append(done, ev.Seq)
		}
		bctx := context.WithoutCancel(ctx)
		if err := r.store.MarkRelayed(bctx, done); err != nil {
			return total, err
		}
		total += len(done)
		if qerr != nil {
			// Let the next try, here or in another process, have them at once.
			_ = r.store.ReleaseEvents(bctx, left)
			return total, qerr
		}
		if len(evs) < r.Batch {
			return total, nil
		}
	}
}

func (r *Relay) enqueue(ctx context.Context, ev *twofetch.Event) error {
	t, err := taskOf(ev)
	if err != nil {
		// An event that cannot become a task never will: say so and move on
		// rather than block the outbox.
		r.log.ErrorContext(ctx, "event dropped", "event", ev.ID, "type", ev.Type, "err", err)
		return nil
	}
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := r.client.EnqueueContext(qctx, t); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("queue event %s: %w", ev.ID, err)
	}
	return nil
}

// taskOf is the task that carries out an event.
func taskOf(ev *twofetch.Event) (*asynq.Task, error) {
	if ev.Internal {
		if ev.Type != twofetch.EventFetchRequested {
			return nil, fmt.Errorf("unknown internal event type %q", ev.Type)
		}
		var p FetchPayload
		if err := json.Unmarshal(ev.Data, &p); err != nil {
			return nil, err
		}
		return NewFetchTask(p, asynq.TaskID("run:"+p.RunID))
	}
	return newWebhookTask(WebhookPayload{Event: *ev, QueuedAt: time.Now().UTC()})
}

// Kick makes Run look at the outbox now.
func (r *Relay) Kick() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Run relays until ctx ends.
func (r *Relay) Run(ctx context.Context) {
	t := time.NewTicker(r.Interval)
	defer t.Stop()
	failing := false
	for {
		_, err := r.Once(ctx)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			r.log.WarnContext(ctx, "relaying events failed; trying again", "err", err)
			failing = true
		case err == nil && failing:
			r.log.InfoContext(ctx, "relaying events again")
			failing = false
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.kick:
		}
	}
}

// Close releases the queue client.
func (r *Relay) Close() error { return r.client.Close() }

package workers

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
)

// Delivery is retried while the receiver fails and given up, with a record,
// once the event is older than the configured time.
func TestWebhookDelivery(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := time.Now()
	cfg := e.config()
	cfg.Now = func() time.Time { return now }
	cfg.WebhookGiveUp = time.Hour
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ev := Event{ID: twofetch.NewID("evt"), Type: EventInvoiceCreated, TenantID: e.tenant.ID, CreatedAt: now, Data: json.RawMessage(`{"id":"inv_x"}`)}
	task, err := NewWebhookTask(ev)
	if err != nil {
		t.Fatal(err)
	}

	e.hooks.mu.Lock()
	e.hooks.failN = 1
	e.hooks.mu.Unlock()
	err = s.Handler().ProcessTask(ctx, task)
	var ra *retryAfter
	if !errors.As(err, &ra) || !ra.counted || ra.delay <= 0 {
		t.Fatalf("failed delivery returned %v, want a counted retry", err)
	}
	if err := s.Handler().ProcessTask(ctx, task); err != nil {
		t.Fatalf("second delivery: %v", err)
	}
	if got := e.hooks.ofType(EventInvoiceCreated); len(got) != 1 || got[0].ID != ev.ID || string(got[0].Data) != `{"id":"inv_x"}` {
		t.Fatalf("received %+v", got)
	}

	// An hour and a bit later the receiver is still failing: give up.
	e.hooks.mu.Lock()
	e.hooks.failN = 100
	e.hooks.mu.Unlock()
	old := Event{ID: twofetch.NewID("evt"), Type: EventInvoiceCreated, TenantID: e.tenant.ID, CreatedAt: now.Add(-61 * time.Minute), Data: json.RawMessage(`{}`)}
	task, _ = NewWebhookTask(old)
	if err := s.Handler().ProcessTask(ctx, task); err != nil {
		t.Fatalf("expired delivery returned %v, want nil (given up)", err)
	}
	audit, err := e.store.ListAudit(ctx, e.tenant.ID, twofetch.Page{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range audit {
		if a.Action == "webhook.given_up" && a.Object == "event/"+old.ID {
			found = true
		}
	}
	if !found {
		t.Fatalf("no webhook.given_up audit record among %d", len(audit))
	}
	if n := e.hooks.badCount(); n != 0 {
		t.Fatalf("%d requests with bad signatures", n)
	}
}

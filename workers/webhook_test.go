package workers

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/vault"
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
	ev := Event{ID: twofetch.NewID("evt"), Type: EventInvoiceCreated, TenantID: e.tenant.ID, CreatedAt: now, Data: invoiceData(t, "inv_x")}
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
	if got := e.hooks.ofType(EventInvoiceCreated); len(got) != 1 || got[0].ID != ev.ID || string(got[0].Data) != string(ev.Data) {
		t.Fatalf("received %+v", got)
	}

	// An hour and a bit later the receiver is still failing: give up.
	e.hooks.mu.Lock()
	e.hooks.failN = 100
	e.hooks.mu.Unlock()
	old := Event{ID: twofetch.NewID("evt"), Type: EventInvoiceCreated, TenantID: e.tenant.ID, CreatedAt: now.Add(-61 * time.Minute), Data: invoiceData(t, "inv_old")}
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

// TestWebhookSecretSealedOnUpgrade starts from a tenant row as older
// versions wrote it, with the signing secret in plaintext: the upgrade
// seals it, the database no longer holds it, and deliveries are still
// signed with it (the receiver verifies the signature).
func TestWebhookSecretSealedOnUpgrade(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			dir := t.TempDir()
			dsn := "sqlite:" + filepath.Join(dir, "twofetch.db")
			if db == "postgres" {
				dsn = testenv.PostgresURL(t)
			}
			e := newEnvOn(t, dir, dsn)
			ctx := context.Background()
			const legacy = "whsec_test"
			e.tenant.WebhookSecret = legacy
			if err := e.store.UpdateTenant(ctx, e.tenant); err != nil {
				t.Fatal(err)
			}
			if err := e.vault.Delete(ctx, twofetch.WebhookSecretRef(e.tenant.ID)); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(testenv.DatabaseText(t, dsn, dir), legacy) {
				t.Fatal("setup: the plaintext secret is not in the database")
			}
			for _, want := range []int{1, 0} { // again: nothing left to seal
				if n, err := vault.SealWebhookSecrets(ctx, e.vault, e.store); err != nil || n != want {
					t.Fatalf("sealed %d, %v; want %d", n, err, want)
				}
			}
			if got, err := e.store.Tenant(ctx, e.tenant.ID); err != nil || got.WebhookSecret != twofetch.WebhookSealed {
				t.Fatalf("tenant row after the upgrade: %+v, %v", got, err)
			}
			if strings.Contains(testenv.DatabaseText(t, dsn, dir), legacy) {
				t.Fatal("the plaintext secret is still in the database after the upgrade")
			}
			s, err := NewServer(e.config())
			if err != nil {
				t.Fatal(err)
			}
			ev := Event{ID: twofetch.NewID("evt"), Type: EventInvoiceCreated, TenantID: e.tenant.ID, CreatedAt: time.Now(), Data: invoiceData(t, "inv_upgraded")}
			task, _ := NewWebhookTask(ev)
			if err := s.Handler().ProcessTask(ctx, task); err != nil {
				t.Fatalf("delivery: %v", err)
			}
			if got := e.hooks.ofType(EventInvoiceCreated); len(got) != 1 || got[0].ID != ev.ID {
				t.Fatalf("received %+v", got)
			}
		})
	}
}

// TestWebhookGiveUpCountsFromQueueing: an event that waited in the outbox
// longer than the give-up time (the queue was down for a day) is still
// delivered once relayed; it is given up only after the give-up time of
// failed attempts from then on.
func TestWebhookGiveUpCountsFromQueueing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := &twofetch.Event{ID: twofetch.NewID("evt"), Type: EventInvoiceCreated, TenantID: e.tenant.ID,
		CreatedAt: time.Now().Add(-48 * time.Hour).UTC(), Data: invoiceData(t, "inv_late")}
	if err := e.store.AddEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	relay := NewRelay(e.rdb, e.store, nil)
	defer relay.Close()
	if n, err := relay.Once(ctx); err != nil || n != 1 {
		t.Fatalf("relay queued %d events: %v", n, err)
	}
	info, err := asynq.NewInspectorFromRedisClient(e.rdb).GetTaskInfo(QueueDefault, "webhook:"+ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	var p WebhookPayload
	if err := json.Unmarshal(info.Payload, &p); err != nil {
		t.Fatal(err)
	}
	if time.Since(p.QueuedAt) > time.Hour || p.Event.ID != ev.ID {
		t.Fatalf("queued payload: %+v", p)
	}
	task := asynq.NewTask(TypeDeliverWebhook, info.Payload)

	cfg := e.config()
	cfg.WebhookGiveUp = 24 * time.Hour
	at := time.Now()
	cfg.Now = func() time.Time { return at }
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.hooks.mu.Lock()
	e.hooks.failN = 100
	e.hooks.mu.Unlock()
	var ra *retryAfter
	if err := s.Handler().ProcessTask(ctx, task); !errors.As(err, &ra) {
		t.Fatalf("a two-day-old event queued just now was not retried: %v", err)
	}
	e.hooks.mu.Lock()
	e.hooks.failN = 0
	e.hooks.mu.Unlock()
	if err := s.Handler().ProcessTask(ctx, task); err != nil {
		t.Fatalf("delivery: %v", err)
	}
	if got := e.hooks.ofType(EventInvoiceCreated); len(got) != 1 || got[0].ID != ev.ID {
		t.Fatalf("received %+v", got)
	}

	// A day and a bit after queueing, failing all along: given up.
	e.hooks.mu.Lock()
	e.hooks.failN = 100
	e.hooks.mu.Unlock()
	at = p.QueuedAt.Add(25 * time.Hour)
	if err := s.Handler().ProcessTask(ctx, task); err != nil {
		t.Fatalf("delivery a day after queueing returned %v, want nil (given up)", err)
	}
}

// invoiceData is the data of an invoice.created event as the store writes
// it, for tests that deliver events they make up.
func invoiceData(t testing.TB, id string) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(&twofetch.Invoice{ID: id, TenantID: "ten_x", AccountID: "acc_x", RunID: "run_x", Portal: "demo",
		PortalInvoiceID: "INV-1", Kind: twofetch.KindInvoice, SHA256: strings.Repeat("0", 64), Size: 1,
		ContentType: "application/pdf", CreatedAt: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The janitor prunes history only as far as the configured retention, and
// a retention shorter than the health view's week is refused.
func TestHistoryRetention(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cfg := e.config()
	cfg.HistoryRetention = 3 * 24 * time.Hour
	if _, err := NewServer(cfg); err == nil || !strings.Contains(err.Error(), "shorter than") {
		t.Fatalf("a 3-day history retention: %v", err)
	}
	cfg.HistoryRetention = 30 * 24 * time.Hour
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	acc := e.account(t, "hanna")
	finished := func(ago time.Duration) *twofetch.Run {
		at := time.Now().Add(-ago)
		r := &twofetch.Run{TenantID: acc.TenantID, AccountID: acc.ID, Portal: acc.Portal, Trigger: twofetch.TriggerSchedule, CreatedAt: at}
		if err := e.store.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		r.Outcome, r.FinishedAt = twofetch.OutcomeOK, &at
		if err := e.store.UpdateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	old, kept := finished(40*24*time.Hour), finished(20*24*time.Hour)
	s.janitor(ctx)
	if _, err := e.store.RunByID(ctx, old.ID); !twofetch.IsNotFound(err) {
		t.Fatalf("a 40-day-old run after the janitor: %v", err)
	}
	if _, err := e.store.RunByID(ctx, kept.ID); err != nil {
		t.Fatalf("a 20-day-old run after the janitor: %v", err)
	}
}

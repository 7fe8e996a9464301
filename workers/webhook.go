package workers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/hibiken/asynq"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/netguard"
	"github.com/twofetch/twofetch/internal/signature"
	"github.com/twofetch/twofetch/metrics"
)

// SignatureHeader carries the signature of webhook requests; see package
// internal/signature for the scheme receivers verify.
const SignatureHeader = signature.Header

// handleWebhook delivers one event to the tenant's URL. Any 2xx answer
// delivers it; anything else is retried with backoff until WebhookGiveUp
// after the event was created or queued, whichever came later, then
// recorded as given up.
func (s *Server) handleWebhook(ctx context.Context, t *asynq.Task) error {
	var p WebhookPayload
	if err := decode(t, &p); err != nil {
		return err
	}
	ev := p.Event
	tenant, err := s.store.Tenant(ctx, ev.TenantID)
	if twofetch.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load tenant: %w", err)
	}
	if tenant.WebhookURL == "" || tenant.RevokedAt != nil {
		return nil
	}
	now := s.now()
	since := ev.CreatedAt
	if p.QueuedAt.After(since) {
		since = p.QueuedAt
	}
	if now.Sub(since) > s.cfg.WebhookGiveUp {
		metrics.Webhooks.WithLabelValues("given_up").Inc()
		s.log.WarnContext(ctx, "webhook given up", "tenant", ev.TenantID, "event", ev.ID, "type", ev.Type)
		if err := s.store.Audit(ctx, &twofetch.AuditEvent{
			TenantID: ev.TenantID, Actor: "system", Action: "webhook.given_up",
			Object: "event/" + ev.ID, Detail: ev.Type, At: now.UTC(),
		}); err != nil {
			return fmt.Errorf("record given-up webhook: %w", err)
		}
		return nil
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode event: %v: %w", err, asynq.SkipRetry)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tenant.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook URL of tenant %s: %v: %w", tenant.ID, netguard.Redact(err), asynq.SkipRetry)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "twofetch-webhook")
	req.Header.Set("X-Twofetch-Event", ev.Type)
	req.Header.Set("X-Twofetch-Delivery", ev.ID)
	secret, err := s.webhookSecret(ctx, tenant)
	if err != nil {
		return err
	}
	req.Header.Set(SignatureHeader, signature.Sign(secret, now, body))
	resp, err := s.cfg.HTTPClient.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode/100 == 2 {
			metrics.Webhooks.WithLabelValues("delivered").Inc()
			return nil
		}
		err = fmt.Errorf("webhook answered %s", resp.Status)
	}
	// The task's error is shown in the queue monitor and the log: it must
	// not carry the URL, whose path or query often holds a secret.
	err = netguard.Redact(err)
	if errors.Is(err, netguard.ErrPrivate) {
		// Counted apart from failures, and identical for every internal
		// address, so the counters say nothing about internal hosts.
		metrics.Webhooks.WithLabelValues("refused").Inc()
		s.log.WarnContext(ctx, "webhook refused: private address", "tenant", ev.TenantID, "event", ev.ID)
	} else {
		metrics.Webhooks.WithLabelValues("failed").Inc()
	}
	retried, _ := asynq.GetRetryCount(ctx)
	return &retryAfter{delay: backoff(10*time.Second, time.Hour, retried), counted: true, err: err}
}

// webhookSecret opens the signing secret of tenant.
func (s *Server) webhookSecret(ctx context.Context, tenant *twofetch.Tenant) (string, error) {
	if tenant.WebhookSecret != twofetch.WebhookSealed {
		// Empty, or stored before secrets were sealed and not yet upgraded.
		return tenant.WebhookSecret, nil
	}
	if s.cfg.Vault == nil {
		return "", fmt.Errorf("webhook secret of tenant %s is sealed and this worker has no vault", tenant.ID)
	}
	b, err := s.cfg.Vault.Open(ctx, twofetch.WebhookSecretRef(tenant.ID))
	if err != nil {
		return "", fmt.Errorf("open webhook secret of tenant %s: %w", tenant.ID, err)
	}
	defer clear(b)
	return string(b), nil
}

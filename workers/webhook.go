package workers

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/metrics"
)

// SignatureHeader carries "t=UNIX,v1=HEX": HEX is the HMAC-SHA256, keyed
// with the tenant's webhook secret, of "UNIX." followed by the body. The
// time lets receivers refuse replays.
const SignatureHeader = "X-Twofetch-Signature"

// Sign returns the SignatureHeader value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// VerifySignature checks a SignatureHeader value for body, refusing
// signatures older or newer than tolerance, as a receiver would.
func VerifySignature(secret, header string, body []byte, tolerance time.Duration, now time.Time) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return errors.New("malformed signature header")
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil {
				return errors.New("malformed v1 signature")
			}
			sigs = append(sigs, b)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("signature header without a valid t")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return errors.New("signature timestamp outside tolerance")
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return errors.New("no matching v1 signature")
}

// handleWebhook delivers one event to the tenant's URL. Any 2xx answer
// delivers it; anything else is retried with backoff until WebhookGiveUp
// after the event, then recorded as given up.
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
	if now.Sub(ev.CreatedAt) > s.cfg.WebhookGiveUp {
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
		return fmt.Errorf("webhook URL of tenant %s: %v: %w", tenant.ID, err, asynq.SkipRetry)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "twofetch-webhook")
	req.Header.Set("X-Twofetch-Event", ev.Type)
	req.Header.Set("X-Twofetch-Delivery", ev.ID)
	req.Header.Set(SignatureHeader, Sign(tenant.WebhookSecret, now, body))
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
	metrics.Webhooks.WithLabelValues("failed").Inc()
	retried, _ := asynq.GetRetryCount(ctx)
	return &retryAfter{delay: backoff(10*time.Second, time.Hour, retried), counted: true, err: err}
}

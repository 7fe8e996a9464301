package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/twofetch/twofetch/internal/netguard"
	"github.com/twofetch/twofetch/internal/signature"
)

// Webhook POSTs {"to","body"} as JSON to the operator's SMS gateway, signed
// with Secret like twofetch's webhook events (X-Twofetch-Signature:
// t=UNIX,v1=HEX), so the gateway can reject forged and replayed requests.
type Webhook struct {
	URL    string
	Secret string
	// Client defaults to a 15 s client that reaches only public https
	// addresses (netguard.Policy{}).
	Client *http.Client
	Now    func() time.Time
}

var _ Sender = (*Webhook)(nil)

type webhookMessage struct {
	To   string `json:"to"`
	Body string `json:"body"`
}

func (w *Webhook) Send(ctx context.Context, to, body string) error {
	payload, err := json.Marshal(webhookMessage{To: to, Body: body})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("sms webhook: %w", err)
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "twofetch-sms")
	req.Header.Set(SignatureHeader, signature.Sign(w.Secret, now(), payload))
	client := w.Client
	if client == nil {
		client = netguard.Policy{}.Client(15 * time.Second)
	}
	resp, err := client.Do(req)
	if err != nil {
		// Without the URL: a gateway URL may carry a key in its query.
		return fmt.Errorf("sms webhook: %w", netguard.Redact(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("sms webhook: %s answered %s", netguard.Host(w.URL), resp.Status)
	}
	return nil
}

// SignatureHeader carries the request's signature (package
// internal/signature).
const SignatureHeader = signature.Header

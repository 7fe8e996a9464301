package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Webhook POSTs {"to","body"} as JSON to the operator's SMS gateway. The
// request carries X-Twofetch-Signature: t=UNIX,v1=HEX where HEX is the
// HMAC-SHA256 of "UNIX.BODY" under Secret, so the gateway can reject forged
// and replayed requests.
type Webhook struct {
	URL    string
	Secret string
	// Client defaults to a client with a 15 s timeout.
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
	req.Header.Set(SignatureHeader, Sign(w.Secret, now(), payload))
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("sms webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("sms webhook: %s answered %s", req.URL.Redacted(), resp.Status)
	}
	return nil
}

// SignatureHeader carries the HMAC signature of webhook requests.
const SignatureHeader = "X-Twofetch-Signature"

// Sign returns the signature header value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature header against body, accepting signatures made
// within tolerance of now.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts int64
	var sig string
	for _, part := range bytes.Split([]byte(header), []byte(",")) {
		k, v, ok := bytes.Cut(bytes.TrimSpace(part), []byte("="))
		if !ok {
			continue
		}
		switch string(k) {
		case "t":
			ts, _ = strconv.ParseInt(string(v), 10, 64)
		case "v1":
			sig = string(v)
		}
	}
	if ts == 0 || sig == "" {
		return fmt.Errorf("signature header malformed")
	}
	t := time.Unix(ts, 0)
	if d := now.Sub(t); d > tolerance || d < -tolerance {
		return fmt.Errorf("signature timestamp outside tolerance")
	}
	want := Sign(secret, t, body)
	if !hmac.Equal([]byte(want), []byte("t="+strconv.FormatInt(ts, 10)+",v1="+sig)) {
		return fmt.Errorf("signature mismatch")
	}
	return nil
}

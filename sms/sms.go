// Package sms sends the enrolment link to the customer's phone. Senders:
// Log (default; writes the message to the log), SNS (AWS) and Webhook (a
// JSON POST to the operator's own gateway, HMAC-signed).
package sms

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// Sender sends one text message. Implementations return an error for the
// caller to retry; they never log the message body except Log, whose whole
// job is to show it.
type Sender interface {
	Send(ctx context.Context, to, body string) error
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, to, body string) error

func (f SenderFunc) Send(ctx context.Context, to, body string) error { return f(ctx, to, body) }

// Log writes each message to the logger, for single-machine setups and
// demos where the operator forwards links by hand.
type Log struct {
	Logger *slog.Logger
}

var _ Sender = (*Log)(nil)

func (l *Log) Send(ctx context.Context, to, body string) error {
	l.Logger.InfoContext(ctx, "sms", "to", to, "body", body)
	return nil
}

// NormalizePhone checks that s is an E.164 number ("+4915112345678"),
// tolerating the spaces, dashes, dots and parentheses people type, and
// returns it without them.
func NormalizePhone(s string) (string, error) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", fmt.Errorf("phone number %q has a character that is not a digit", s)
		}
	}
	p := b.String()
	if !strings.HasPrefix(p, "+") {
		return "", fmt.Errorf("phone number %q must start with + and the country code (E.164)", s)
	}
	digits := p[1:]
	if len(digits) < 8 || len(digits) > 15 || digits[0] == '0' {
		return "", fmt.Errorf("phone number %q is not a valid E.164 number", s)
	}
	return p, nil
}

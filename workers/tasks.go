// Package workers runs twofetch's daily pipeline on asynq (Redis): the
// task types and their handlers (fetch an account, send an enrolment SMS,
// deliver a webhook), the per-account lock and per-portal limits, the one
// place where a run's outcome becomes a retry decision (policy.go), and the
// scheduler that enqueues each account once a day.
package workers

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/twofetch/twofetch"
)

// Task types.
const (
	TypeFetchAccount   = "fetch:account"
	TypeFetchLogin     = "fetch:login"
	TypeSendSMS        = "sms:send"
	TypeDeliverWebhook = "webhook:deliver"
)

// Queues, with the weights the worker gives them: runs a person waits for
// (run now, SMS links) before the rest, the daily batch last.
const (
	QueueCritical = "critical"
	QueueDefault  = "default"
	QueueDaily    = "daily"
)

// QueuePriorities are the weights of the queues; a busy daily batch still
// leaves most slots to critical work.
var QueuePriorities = map[string]int{QueueCritical: 6, QueueDefault: 3, QueueDaily: 1}

// FetchPayload is the payload of a fetch:account task.
type FetchPayload struct {
	AccountID string `json:"account_id"`
	// RunID names the Run row; the handler creates it if the enqueuer has
	// not, so every attempt of the task updates the same run.
	RunID   string           `json:"run_id"`
	Trigger twofetch.Trigger `json:"trigger"`
	// Since, a date (YYYY-MM-DD), asks for the documents dated from then
	// on, older ones included; empty leaves the window to the worker.
	Since string `json:"since,omitempty"`
}

// LoginPayload is the payload of a fetch:login task: the daily run of a
// login, which signs in once and fetches for each of the accounts behind
// it in the same browser session.
type LoginPayload struct {
	LoginID string           `json:"login_id"`
	Trigger twofetch.Trigger `json:"trigger"`
	// Runs names an account and its Run row each; every attempt of the
	// task updates the same runs.
	Runs []AccountRun `json:"runs"`
}

// AccountRun is one account's run within a login's run.
type AccountRun struct {
	AccountID string `json:"account_id"`
	RunID     string `json:"run_id"`
	// Since is FetchPayload.Since.
	Since string `json:"since,omitempty"`
}

// SMSPayload is the payload of an sms:send task.
type SMSPayload struct {
	EnrollmentID string `json:"enrollment_id"`
}

// Event is a webhook event.
type Event = twofetch.Event

// Event types.
const EventInvoiceCreated = twofetch.EventInvoiceCreated

// WebhookPayload is the payload of a webhook:deliver task.
type WebhookPayload struct {
	Event Event `json:"event"`
	// QueuedAt is when the outbox handed the event to the queue. Delivery
	// is given up WebhookGiveUp after the later of this and the event's
	// creation, so events that waited out a long queue outage still get
	// their full share of attempts.
	QueuedAt time.Time `json:"queued_at,omitzero"`
}

// maxFetchRetries bounds asynq's own retry counter; the policy stops far
// earlier for every outcome, so this only guards against loops.
const maxFetchRetries = 20

// fetchTimeout bounds one attempt of a run.
const fetchTimeout = 15 * time.Minute

// NewFetchTask returns a fetch:account task. Manual and enrolment runs go
// to the critical queue, scheduled ones to the daily batch.
func NewFetchTask(p FetchPayload, opts ...asynq.Option) (*asynq.Task, error) {
	if p.AccountID == "" {
		return nil, fmt.Errorf("workers: fetch task without account id")
	}
	if p.RunID == "" {
		p.RunID = twofetch.NewID("run")
	}
	if p.Trigger == "" {
		p.Trigger = twofetch.TriggerManual
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	q := QueueCritical
	if p.Trigger == twofetch.TriggerSchedule {
		q = QueueDaily
	}
	base := []asynq.Option{asynq.Queue(q), asynq.MaxRetry(maxFetchRetries), asynq.Timeout(fetchTimeout)}
	return asynq.NewTask(TypeFetchAccount, b, append(base, opts...)...), nil
}

// NewLoginTask returns a fetch:login task, on the queues as NewFetchTask
// puts them. Its timeout grows with the number of accounts, each of which
// has a documents flow to play.
func NewLoginTask(p LoginPayload, opts ...asynq.Option) (*asynq.Task, error) {
	if p.LoginID == "" || len(p.Runs) == 0 {
		return nil, fmt.Errorf("workers: login task without login or accounts")
	}
	for i := range p.Runs {
		if p.Runs[i].AccountID == "" {
			return nil, fmt.Errorf("workers: login task with an account without id")
		}
		if p.Runs[i].RunID == "" {
			p.Runs[i].RunID = twofetch.NewID("run")
		}
	}
	if p.Trigger == "" {
		p.Trigger = twofetch.TriggerSchedule
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	q := QueueCritical
	if p.Trigger == twofetch.TriggerSchedule {
		q = QueueDaily
	}
	base := []asynq.Option{asynq.Queue(q), asynq.MaxRetry(maxFetchRetries), asynq.Timeout(sessionTimeout(len(p.Runs)))}
	return asynq.NewTask(TypeFetchLogin, b, append(base, opts...)...), nil
}

// sessionTimeout bounds one attempt of a login's run of n accounts: a
// sign-in and the first documents flow, then more time for each further
// account's documents (and, on another domain, its own sign-in).
func sessionTimeout(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	return fetchTimeout + time.Duration(n-1)*perAccountTimeout
}

// perAccountTimeout is what each account beyond the first adds to a
// login's run.
const perAccountTimeout = 10 * time.Minute

// NewSMSTask returns an sms:send task on the critical queue: a customer is
// waiting for the link.
func NewSMSTask(enrollmentID string, opts ...asynq.Option) (*asynq.Task, error) {
	if enrollmentID == "" {
		return nil, fmt.Errorf("workers: sms task without enrolment id")
	}
	b, err := json.Marshal(SMSPayload{EnrollmentID: enrollmentID})
	if err != nil {
		return nil, err
	}
	base := []asynq.Option{asynq.Queue(QueueCritical), asynq.MaxRetry(8), asynq.Timeout(time.Minute)}
	return asynq.NewTask(TypeSendSMS, b, append(base, opts...)...), nil
}

// NewWebhookTask returns a webhook:deliver task whose task id is the event
// id, so the same event is never queued twice.
func NewWebhookTask(ev Event, opts ...asynq.Option) (*asynq.Task, error) {
	return newWebhookTask(WebhookPayload{Event: ev}, opts...)
}

func newWebhookTask(p WebhookPayload, opts ...asynq.Option) (*asynq.Task, error) {
	ev := p.Event
	if ev.ID == "" || ev.TenantID == "" || ev.Type == "" {
		return nil, fmt.Errorf("workers: webhook event needs id, tenant and type")
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	// The give-up time decides when to stop, not this counter.
	base := []asynq.Option{asynq.Queue(QueueDefault), asynq.MaxRetry(1000), asynq.Timeout(time.Minute),
		asynq.TaskID("webhook:" + ev.ID), asynq.Retention(24 * time.Hour)}
	return asynq.NewTask(TypeDeliverWebhook, b, append(base, opts...)...), nil
}

func decode(t *asynq.Task, v any) error {
	if err := json.Unmarshal(t.Payload(), v); err != nil {
		// A payload that does not parse never will: do not retry it.
		return fmt.Errorf("workers: %s payload: %v: %w", t.Type(), err, asynq.SkipRetry)
	}
	return nil
}

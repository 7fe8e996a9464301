// Package twofetch holds the domain vocabulary shared by every other package:
// tenants, accounts, enrolments, runs and invoices, the outcome taxonomy of a
// run, and the small interfaces the adapters (store, vault, blob, sms) meet.
//
// Nothing here talks to the outside world; see the sub-packages for that.
package twofetch

import (
	"encoding/json"
	"fmt"
	"time"
)

// Tenant is one customer of twofetch: a bookkeeping service whose programs
// call the API with the tenant's bearer token.
type Tenant struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// TokenHash is the SHA-256 of the API token; the token itself is shown
	// once at creation and never stored.
	TokenHash []byte `json:"-"`
	// AdminTokenHash guards the support views and asynqmon for this tenant.
	AdminTokenHash []byte `json:"-"`
	// Language is the default language of SMS and pages ("de", "en", "nl").
	Language string `json:"language"`
	// WebhookURL receives signed events; empty disables webhooks.
	WebhookURL string `json:"webhook_url,omitempty"`
	// WebhookSecret says whether webhook bodies are signed (HMAC-SHA256):
	// empty for none, WebhookSealed when the signing secret is sealed in
	// the vault at WebhookSecretRef. Any other value is a plaintext secret
	// stored before secrets were sealed; vault.SealWebhookSecrets seals it.
	WebhookSecret string `json:"-"`
	// QuietHours are local hours [start, end) in which no scheduled run
	// starts; equal values mean none. QuietDays lists weekdays without runs.
	QuietStart int            `json:"quiet_start"`
	QuietEnd   int            `json:"quiet_end"`
	QuietDays  []time.Weekday `json:"quiet_days,omitempty"`
	TimeZone   string         `json:"time_zone,omitempty"`
	// DisplayName is the name the tenant's customers know it by ("Acme
	// Books"), used in SMS and on customer pages; Name when empty.
	DisplayName string `json:"display_name,omitempty"`
	// Support is how customers reach the tenant's support; any part may
	// be empty.
	Support   Contact    `json:"support"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// ShownName is the name customers know the tenant by.
func (t *Tenant) ShownName() string {
	if t.DisplayName != "" {
		return t.DisplayName
	}
	return t.Name
}

// Contact is how customers reach a tenant's support.
type Contact struct {
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

// IsZero reports whether no way of contact is set.
func (c Contact) IsZero() bool { return c == Contact{} }

// AccountStatus says whether the scheduler runs an account and, if not, whom
// it waits for.
type AccountStatus string

const (
	// AccountActive accounts run every 24 hours.
	AccountActive AccountStatus = "active"
	// AccountNeedsEnrollment waits for the customer to enrol an authenticator key.
	AccountNeedsEnrollment AccountStatus = "needs_enrollment"
	// AccountNeedsCustomer waits for the customer to fix something on the
	// portal (password, terms, 2FA method); LastOutcome says what.
	AccountNeedsCustomer AccountStatus = "needs_customer"
	// AccountNeedsSupport waits for a portal-script fix.
	AccountNeedsSupport AccountStatus = "needs_support"
	// AccountPaused accounts are kept but never scheduled.
	AccountPaused AccountStatus = "paused"
)

// Login is one sign-in of a customer at a portal family: Amazon.de,
// Amazon.fr and Audible.de share one Amazon sign-in, Google Ads and Google
// Workspace one Google account. The login owns what belongs to the sign-in:
// the username, and (in the vault, under the login's id) the password,
// authenticator key, recovery codes and cookies; the enrolment of its key,
// the lock that keeps two runs from signing in at once and the guard that
// never gives the same code twice. A portal lets a key be enrolled once per
// sign-in, so the login is what is enrolled, not the account.
type Login struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	// Portal is the portal whose script signs in: that of the login's
	// first account. Every portal of the same family can use the login.
	Portal   string `json:"portal"`
	Username string `json:"username"`
	// Family names the sign-in the login's portal uses (its login
	// fragment, e.g. "amazon"); it is read from the scripts, not stored.
	Family string `json:"family,omitempty"`
	// HasKey reports whether an authenticator key is enrolled.
	HasKey bool `json:"has_key"`
	// Credentials are the values of the sign-in's other credentials that
	// are not secret (a customer number), by the name the script gives
	// them; they serve every account behind the login. Secret ones are in
	// the vault under the login.
	Credentials map[string]string `json:"credentials,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
}

// CredentialValues are the values of the credentials a run of account a
// behind login l uses, other than username and password and those kept
// in the vault: the login's, with the account's own on top.
func CredentialValues(l *Login, a *Account) map[string]string {
	out := map[string]string{}
	if l != nil {
		for k, v := range l.Credentials {
			out[k] = v
		}
	}
	for k, v := range a.Credentials {
		out[k] = v
	}
	return out
}

// FieldCredential is the vault field of a secret credential of a login
// (a PIN) named by its script.
func FieldCredential(name string) string { return "credential:" + name }

// Account is one product of a customer at one portal whose documents are
// fetched, behind a Login that signs in for it.
type Account struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	// LoginID names the login the account signs in with. An account
	// created without one gets its own login under the account's id.
	LoginID  string        `json:"login_id"`
	Portal   string        `json:"portal"`
	Username string        `json:"username"`
	Status   AccountStatus `json:"status"`
	// Label is the operator's own reference (their customer id), free text.
	Label string `json:"label,omitempty"`
	// Credentials are the account's own values of credentials its script
	// asks for that are not secret (a Slack workspace); they add to and
	// win over its login's.
	Credentials map[string]string `json:"credentials,omitempty"`
	// HasKey reports whether an authenticator key is enrolled for its
	// login.
	HasKey      bool       `json:"has_key"`
	NextRunAt   *time.Time `json:"next_run_at,omitempty"`
	LastRunAt   *time.Time `json:"last_run_at,omitempty"`
	LastOutcome Outcome    `json:"last_outcome,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	// StateVersion increases with every change of status or key; a run
	// changes the status only if it is still the version it started with.
	StateVersion int64 `json:"-"`
}

// EnrollmentStatus is where an enrolment stands.
type EnrollmentStatus string

const (
	EnrollmentPending     EnrollmentStatus = "pending"
	EnrollmentSMSSent     EnrollmentStatus = "sms_sent"
	EnrollmentSMSFailed   EnrollmentStatus = "sms_failed"
	EnrollmentKeyReceived EnrollmentStatus = "key_received"
	EnrollmentConfirmed   EnrollmentStatus = "confirmed"
	EnrollmentExpired     EnrollmentStatus = "expired"
)

// Enrollment is one attempt to capture an authenticator key from the customer
// through a single-use SMS link.
type Enrollment struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	// LoginID is the login whose key is enrolled; AccountID the account
	// through which it was asked for. An empty LoginID is the account's
	// login.
	LoginID   string           `json:"login_id"`
	AccountID string           `json:"account_id"`
	Phone     string           `json:"phone"`
	Language  string           `json:"language"`
	Status    EnrollmentStatus `json:"status"`
	// TokenHash is the SHA-256 of the link token; the token is only in the SMS.
	TokenHash []byte `json:"-"`
	// Issuer and KeyAccount are what the received key says about itself.
	Issuer      string     `json:"issuer,omitempty"`
	KeyAccount  string     `json:"key_account,omitempty"`
	Error       string     `json:"error,omitempty"`
	SMSCount    int        `json:"sms_count"`
	ExpiresAt   time.Time  `json:"expires_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
}

// Trigger says why a run started.
type Trigger string

const (
	TriggerSchedule Trigger = "schedule"
	TriggerManual   Trigger = "manual"
	TriggerEnrolled Trigger = "enrolled"
	TriggerRetry    Trigger = "retry"
)

// Run is one attempt to log into a portal and fetch new invoices.
type Run struct {
	ID        string  `json:"id"`
	TenantID  string  `json:"tenant_id"`
	AccountID string  `json:"account_id"`
	Portal    string  `json:"portal"`
	Trigger   Trigger `json:"trigger"`
	// Outcome is empty while the run is queued or running.
	Outcome     Outcome `json:"outcome"`
	Detail      string  `json:"detail,omitempty"`
	Attempt     int     `json:"attempt"`
	NewInvoices int     `json:"new_invoices"`
	// SessionReused is true when saved cookies made login unnecessary.
	SessionReused bool `json:"session_reused"`
	// Steps is the step log of the last attempt.
	Steps []StepLog `json:"-"`
	// Artifacts is the blob key prefix (artifacts/RUN_ID/) of the
	// screenshot, page HTML and step log of a failed run; empty if none.
	Artifacts  string     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	// LeaseUntil is when a run still unfinished is taken for lost with its
	// worker.
	LeaseUntil *time.Time `json:"-"`
	// FetchSince, when set on a run queued on request, has it fetch the
	// documents dated from that day on, older ones than a daily run
	// reaches included. It travels with the request, not the run row.
	FetchSince time.Time `json:"-"`
}

// EventData is the data of the run.finished event of r.
func (r *Run) EventData() map[string]any {
	return map[string]any{
		"run_id": r.ID, "account_id": r.AccountID, "portal": r.Portal, "trigger": r.Trigger,
		"outcome": r.Outcome, "detail": r.Detail, "attempt": r.Attempt, "new_invoices": r.NewInvoices,
		"session_reused": r.SessionReused, "finished_at": r.FinishedAt,
	}
}

// RunFinish is everything recorded when an attempt of a run ends, in one
// transaction: the run, the account's last outcome and next run, its
// status where it is still the one the run started from, and the events.
type RunFinish struct {
	Run *Run
	// Attempt must be the run's current attempt; a finish of an attempt
	// already recorded is accepted and changes nothing.
	Attempt int
	// Status, when set, becomes the account's status if its StateVersion
	// is still StateVersion.
	Status       AccountStatus
	StateVersion int64
	// NextRunAt, when set, is the account's next scheduled run.
	NextRunAt *time.Time
	// Events are written with the run; StatusEvent only if the status
	// changed.
	Events      []*Event
	StatusEvent *Event
}

// Event is something an operator learns about by webhook or from the
// events API, self-contained so delivery never depends on rows that may
// have changed since. It is written in the same transaction as the change
// it announces and delivered at least once.
type Event struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	TenantID  string          `json:"tenant_id"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
	// Internal events are commands for the workers (a requested run),
	// never delivered to the operator.
	Internal bool `json:"-"`
	// Seq orders events as written.
	Seq int64 `json:"-"`
}

// NewEvent returns an event of type typ for the tenant, with data as JSON.
func NewEvent(tenantID, typ string, data any) (*Event, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("event %s: %w", typ, err)
	}
	return &Event{ID: NewID("evt"), Type: typ, TenantID: tenantID, CreatedAt: time.Now().UTC(), Data: b}, nil
}

// DocumentKind says what a fetched document is. Most portals issue
// invoices; some hand out receipts of payments made (a web page printed to
// PDF), monthly statements of account, or credit notes that reverse an
// invoice. Bookkeeping books each differently, so the kind travels with the
// document through the store, the API and the webhooks.
type DocumentKind string

const (
	KindInvoice    DocumentKind = "invoice"
	KindReceipt    DocumentKind = "receipt"
	KindStatement  DocumentKind = "statement"
	KindCreditNote DocumentKind = "credit_note"
)

// DocumentKinds are the kinds a document may have, the default first.
var DocumentKinds = []DocumentKind{KindInvoice, KindReceipt, KindStatement, KindCreditNote}

// ParseDocumentKind reads a kind; an empty string is an invoice.
func ParseDocumentKind(s string) (DocumentKind, error) {
	if s == "" {
		return KindInvoice, nil
	}
	for _, k := range DocumentKinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", Errorf(EINVALID, "document kind %q is not one of invoice, receipt, statement, credit_note", s)
}

// Invoice is one document fetched from a portal: an invoice, or another
// kind of document (Kind).
type Invoice struct {
	ID        string `json:"id"`
	TenantID  string `json:"tenant_id"`
	AccountID string `json:"account_id"`
	RunID     string `json:"run_id"`
	Portal    string `json:"portal"`
	// PortalInvoiceID is the portal's own identifier, the deduplication key.
	PortalInvoiceID string `json:"portal_invoice_id"`
	// Kind is what the document is; invoice unless the portal says otherwise.
	Kind   DocumentKind `json:"kind"`
	Number string       `json:"number,omitempty"`
	// Date is the invoice date as the portal states it (YYYY-MM-DD when known).
	Date string `json:"date,omitempty"`
	// Amount is a decimal string as shown by the portal ("12.34"), Currency
	// an ISO 4217 code; both empty when unknown.
	Amount      string    `json:"amount,omitempty"`
	Currency    string    `json:"currency,omitempty"`
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	BlobKey     string    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

// AuditEvent is an append-only record of something that happened to a
// tenant's data: who, what, to which object. It never holds secrets.
type AuditEvent struct {
	ID       int64     `json:"id"`
	TenantID string    `json:"tenant_id"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	Object   string    `json:"object"`
	Detail   string    `json:"detail,omitempty"`
	At       time.Time `json:"at"`
}

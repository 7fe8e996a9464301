package twofetch

import (
	"context"
	"time"
)

// Store is everything twofetch keeps in SQL. Package store implements it on
// SQLite and PostgreSQL; both pass the same test suite.
//
// Methods that take a tenantID only ever see that tenant's rows and return
// ErrNotFound for rows of other tenants. Methods without one are for the
// workers and the scheduler, which act for every tenant.
type Store interface {
	TenantStore
	LoginStore
	AccountStore
	EnrollmentStore
	RunStore
	InvoiceStore
	SecretStore
	AuditStore
	EventStore
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// TenantStore keeps tenants and their hashed tokens.
type TenantStore interface {
	CreateTenant(ctx context.Context, t *Tenant) error
	UpdateTenant(ctx context.Context, t *Tenant) error
	Tenant(ctx context.Context, id string) (*Tenant, error)
	// TenantByTokenHash finds a live (not revoked) tenant by API token hash.
	TenantByTokenHash(ctx context.Context, hash []byte) (*Tenant, error)
	// TenantByAdminTokenHash finds a live tenant by admin token hash.
	TenantByAdminTokenHash(ctx context.Context, hash []byte) (*Tenant, error)
	ListTenants(ctx context.Context) ([]*Tenant, error)
	RevokeTenant(ctx context.Context, id string, at time.Time) error
}

// Page selects a slice of a list ordered by creation, newest first. After is
// the ID of the last row of the previous page; Limit 0 means a default of 50.
type Page struct {
	After string
	Limit int
}

// LoginStore keeps logins, the sign-ins accounts share.
type LoginStore interface {
	CreateLogin(ctx context.Context, l *Login) error
	Login(ctx context.Context, tenantID, id string) (*Login, error)
	// LoginByID is Login without the tenant check, for workers.
	LoginByID(ctx context.Context, id string) (*Login, error)
	// FindLogins returns the tenant's logins with this username whose
	// portal is one of portals (the portals of one family), oldest first.
	FindLogins(ctx context.Context, tenantID, username string, portals []string) ([]*Login, error)
	// SetLoginCredentials replaces the login's credential values that are
	// not secret.
	SetLoginCredentials(ctx context.Context, tenantID, loginID string, creds map[string]string) error
	// LoginAccounts returns the accounts behind a login, oldest first.
	LoginAccounts(ctx context.Context, tenantID, loginID string) ([]*Account, error)
	// ConfirmLoginKey is ConfirmKey for every account behind the login, in
	// one transaction; it returns them as they now are.
	ConfirmLoginKey(ctx context.Context, tenantID, loginID string) ([]*Account, error)
}

// AccountStore keeps portal accounts.
type AccountStore interface {
	// CreateAccount inserts a behind the login a.LoginID, which must be
	// the tenant's; an empty LoginID creates the account's own login,
	// under the account's id, in the same transaction.
	CreateAccount(ctx context.Context, a *Account) error
	// UpdateAccount writes status, label, has_key, next_run_at, last_run_at
	// and last_outcome from a, whatever changed since a was read: it is for
	// tools and tests only. The pipeline changes accounts through the
	// methods named after what they do (ConfirmKey, SetNextRuns, FinishRun,
	// SweepRuns), which touch only their columns.
	UpdateAccount(ctx context.Context, a *Account) error
	// ConfirmKey records an enrolled key of the account's login: has_key,
	// and the status active if an account waited for a key, in one guarded
	// update of the login and every account behind it. It returns the
	// account as it now is.
	ConfirmKey(ctx context.Context, tenantID, id string) (*Account, error)
	// RenameAccount sets the operator's label and nothing else: it leaves
	// the state version alone, so a run in flight still records its
	// outcome, and that outcome never brings back the old label.
	RenameAccount(ctx context.Context, tenantID, id, label string) (*Account, error)
	// SetNextRuns moves the next run of active accounts, touching nothing
	// else.
	SetNextRuns(ctx context.Context, next map[string]time.Time) error
	Account(ctx context.Context, tenantID, id string) (*Account, error)
	// AccountByID is Account without the tenant check, for workers.
	AccountByID(ctx context.Context, id string) (*Account, error)
	ListAccounts(ctx context.Context, tenantID string, p Page) ([]*Account, error)
	DeleteAccount(ctx context.Context, tenantID, id string) error
	// DueAccounts returns up to limit active accounts whose next_run_at is at
	// or before now, oldest first, through the next_run_at index.
	DueAccounts(ctx context.Context, now time.Time, limit int) ([]*Account, error)
	// DueLoginAccounts returns the active accounts due at now behind any
	// of the logins, by login and id.
	DueLoginAccounts(ctx context.Context, now time.Time, loginIDs []string) ([]*Account, error)
}

// EnrollmentStore keeps enrolments.
type EnrollmentStore interface {
	CreateEnrollment(ctx context.Context, e *Enrollment) error
	// UpdateEnrollment writes e; a change of status writes the event
	// enrollment.STATUS in the same transaction.
	UpdateEnrollment(ctx context.Context, e *Enrollment) error
	Enrollment(ctx context.Context, tenantID, id string) (*Enrollment, error)
	EnrollmentByID(ctx context.Context, id string) (*Enrollment, error)
	EnrollmentByTokenHash(ctx context.Context, hash []byte) (*Enrollment, error)
	ListEnrollments(ctx context.Context, tenantID, accountID string) ([]*Enrollment, error)
}

// RunFilter selects runs for the support views.
type RunFilter struct {
	TenantID  string
	AccountID string
	// Failed keeps only runs whose outcome is set and not a success.
	Failed bool
	Since  time.Time
	Page
}

// RunStore keeps runs.
type RunStore interface {
	CreateRun(ctx context.Context, r *Run) error
	// QueueRun inserts r with the internal fetch.requested event that makes
	// a relay queue it, in one transaction; the event carries
	// r.FetchSince.
	QueueRun(ctx context.Context, r *Run) error
	// LastSuccess returns when the account's last run that got through
	// its documents (ok or no_documents) started; zero if none did.
	LastSuccess(ctx context.Context, tenantID, accountID string) (time.Time, error)
	// StartRun records the start of attempt r.Attempt: started_at and the
	// lease, clearing the outcome of an earlier attempt.
	StartRun(ctx context.Context, r *Run) error
	// FinishRun records the end of an attempt in one transaction; see
	// RunFinish.
	FinishRun(ctx context.Context, f *RunFinish) error
	// SweepRuns ends as transient every unfinished run whose lease ended
	// before now, moves the next run of its account (if active) to retryAt,
	// and returns the runs it ended.
	SweepRuns(ctx context.Context, now, retryAt time.Time) ([]*Run, error)
	// UpdateRun writes outcome, detail, attempt, counts, artifacts and
	// times whatever changed since r was read: for tools and tests only.
	UpdateRun(ctx context.Context, r *Run) error
	Run(ctx context.Context, tenantID, id string) (*Run, error)
	RunByID(ctx context.Context, id string) (*Run, error)
	ListRuns(ctx context.Context, f RunFilter) ([]*Run, error)
	// ExpireArtifacts clears the artifacts of runs finished before t and
	// returns the blob key prefixes it cleared, for the caller to delete.
	ExpireArtifacts(ctx context.Context, before time.Time) ([]string, error)
	// PruneHistory deletes runs that finished before t and whose artifacts
	// are already gone, and events created before t that were relayed, in
	// small batches; it returns how many of each it deleted. Accounts keep
	// their last outcome and invoices their run id.
	PruneHistory(ctx context.Context, before time.Time) (runs, events int64, err error)
}

// InvoiceFilter selects invoices for the API.
type InvoiceFilter struct {
	TenantID  string
	AccountID string
	Portal    string
	// Kind, when set, selects documents of that kind only.
	Kind  DocumentKind
	Since time.Time
	Page
}

// InvoiceStore keeps invoice metadata; the files live in a blob store.
type InvoiceStore interface {
	// CreateInvoice writes the invoice and its invoice.created event in one
	// transaction. It returns an error with code ECONFLICT when the account
	// already has an invoice with the same portal invoice id or sha256.
	CreateInvoice(ctx context.Context, inv *Invoice) error
	Invoice(ctx context.Context, tenantID, id string) (*Invoice, error)
	ListInvoices(ctx context.Context, f InvoiceFilter) ([]*Invoice, error)
	// KnownInvoiceIDs returns which of ids the account already has.
	KnownInvoiceIDs(ctx context.Context, accountID string, ids []string) (map[string]bool, error)
}

// SecretRef names one sealed secret: a field of a login of a tenant. The
// vault binds every sealed value to its ref, so a value copied to another ref
// does not open.
type SecretRef struct {
	TenantID string
	// AccountID is the id of the login that owns the secret. A login made
	// for an account (every login that existed before accounts could share
	// one) has the account's id, so secrets sealed for it still open.
	AccountID string
	Field     string
}

// LoginSecret names the field of the login of account a.
func LoginSecret(a *Account, field string) SecretRef {
	return SecretRef{TenantID: a.TenantID, AccountID: a.LoginOrOwnID(), Field: field}
}

// LoginOrOwnID is the id of the account's login; an account read before
// it had one is its own login.
func (a *Account) LoginOrOwnID() string {
	if a.LoginID != "" {
		return a.LoginID
	}
	return a.ID
}

func (r SecretRef) String() string { return r.TenantID + "/" + r.AccountID + "/" + r.Field }

// Secret fields in use.
const (
	FieldPassword      = "password"
	FieldTOTP          = "totp"
	FieldTOTPPending   = "totp_pending"
	FieldCookies       = "cookies"
	FieldRecoveryCodes = "recovery_codes"
	// FieldBrowserIdentity and FieldBrowserProfile are a login's browser
	// identity and packed profile; FieldProxy its outbound proxy URL,
	// credentials included.
	FieldBrowserIdentity = "browser_identity"
	FieldBrowserProfile  = "browser_profile"
	FieldProxy           = "proxy"
	// FieldWebhookSecret is the tenant's webhook signing secret, kept under
	// TenantWide.
	FieldWebhookSecret = "webhook_secret"
	// TenantWide is the account id of a tenant's own secrets (its proxy).
	TenantWide = "*"
)

// WebhookSealed is Tenant.WebhookSecret when the signing secret is in the
// vault. It is shorter than any generated secret, so it is never one.
const WebhookSealed = "sealed"

// WebhookSecretRef is where the vault keeps the webhook signing secret of
// tenant id: bound to the tenant like its other tenant-wide secrets.
func WebhookSecretRef(tenantID string) SecretRef {
	return SecretRef{TenantID: tenantID, AccountID: TenantWide, Field: FieldWebhookSecret}
}

// Secret is a sealed value as stored. Only package vault reads Sealed.
type Secret struct {
	Ref    SecretRef
	Sealed []byte
	// KeyID names the key-encryption key that wraps the data key, so rotation
	// can find what still needs rewrapping.
	KeyID string
	// Version increases on every write; updates compare it to stay atomic.
	Version   int64
	UpdatedAt time.Time
}

// SecretStore keeps sealed secrets. It never sees plaintext.
type SecretStore interface {
	// PutSecret inserts or replaces the secret at s.Ref and sets s.Version.
	PutSecret(ctx context.Context, s *Secret) error
	// UpdateSecret replaces the secret only if its stored version is still
	// s.Version, then increments s.Version; otherwise it returns ECONFLICT.
	UpdateSecret(ctx context.Context, s *Secret) error
	GetSecret(ctx context.Context, ref SecretRef) (*Secret, error)
	DeleteSecret(ctx context.Context, ref SecretRef) error
	// SecretsNotWrappedBy lists up to limit secrets whose KeyID differs from
	// keyID, for rotation.
	SecretsNotWrappedBy(ctx context.Context, keyID string, limit int) ([]*Secret, error)
}

// AuditStore appends to the audit log.
type AuditStore interface {
	Audit(ctx context.Context, e *AuditEvent) error
	ListAudit(ctx context.Context, tenantID string, p Page) ([]*AuditEvent, error)
}

// EventStore is the events outbox.
type EventStore interface {
	// AddEvent writes an event that announces no row of its own.
	AddEvent(ctx context.Context, e *Event) error
	// ListEvents returns up to limit of the tenant's events written after
	// the event with id after (from the first if empty), oldest first.
	ListEvents(ctx context.Context, tenantID, after string, limit int) ([]*Event, error)
	// ClaimEvents returns up to limit events not yet relayed and not held
	// by another relay, and holds them for lease.
	ClaimEvents(ctx context.Context, limit int, lease time.Duration) ([]*Event, error)
	// MarkRelayed records events as queued for delivery.
	MarkRelayed(ctx context.Context, seqs []int64) error
	// ReleaseEvents gives claimed events back before their lease ends.
	ReleaseEvents(ctx context.Context, seqs []int64) error
}

// Event types.
const (
	EventInvoiceCreated = "invoice.created"
	// EventRunFinished announces the outcome of every attempt of a run.
	EventRunFinished = "run.finished"
	// EventFetchRequested is internal: a run asked for (run now) that a
	// relay queues for the workers.
	EventFetchRequested = "fetch.requested"
)

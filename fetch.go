package twofetch

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Fetcher logs into an account's portal and hands each new document to
// job.Save. Package portals implements it on headless Chrome; the workers
// call it without knowing how.
//
// Fetch must stop promptly when ctx is done: the queue abandons a task at
// its timeout but cannot stop the goroutine running it. A failed run
// returns an error whose outcome OutcomeOf can read (a *RunError), and
// still returns the result so far (steps, whether a session was reused).
type Fetcher interface {
	Fetch(ctx context.Context, job *FetchJob) (*FetchResult, error)
}

// FetcherFunc adapts a function to Fetcher.
type FetcherFunc func(ctx context.Context, job *FetchJob) (*FetchResult, error)

// Fetch calls f.
func (f FetcherFunc) Fetch(ctx context.Context, job *FetchJob) (*FetchResult, error) {
	return f(ctx, job)
}

// SessionFetcher is a Fetcher that can fetch for the accounts behind one
// login in one browser session: it signs in once, with the first job's
// script and secrets, then plays each job's documents flow in turn.
// Package portals implements it; the workers use it for the daily run of
// a login.
type SessionFetcher interface {
	Fetcher
	// FetchSession returns a result and an error per job, in order, with
	// Fetch's meaning. A failed sign-in fails every job with its outcome;
	// a failure of one job's documents fails only that job.
	FetchSession(ctx context.Context, jobs []*FetchJob) ([]*FetchResult, []error)
}

// FetchJob is one attempt of one run of one account.
type FetchJob struct {
	Account *Account
	// Tenant is the account's tenant, when known: its language and time
	// zone shape the browser identity a new login is given.
	Tenant *Tenant
	RunID  string
	// Secrets opens the account's credentials when the script needs them;
	// nil for fetchers that need none.
	Secrets Secrets
	// Fields are the values of the script's other credentials that are not
	// secret (a customer number, a Slack workspace), by name: the login's
	// and the account's own (CredentialValues).
	Fields map[string]string
	// ArtifactDir is an existing, empty scratch directory for the
	// screenshot, page HTML and step log of a failed attempt; the caller
	// moves what it finds there to the blob store and removes it.
	ArtifactDir string
	// Known reports which of the portal's invoice ids are already stored,
	// so they are not downloaded again.
	Known func(ctx context.Context, ids []string) (map[string]bool, error)
	// Save stores one downloaded document. It is idempotent: a document
	// stored by an earlier attempt is accepted and not counted again.
	Save   func(ctx context.Context, d *Document) error
	Logger *slog.Logger
	// Since, when set, limits the run to documents dated on or after it:
	// a first run typically fetches the last twelve months, and older
	// documents are fetched on request by a run without it.
	Since time.Time
}

// FetchResult is how an attempt went, failed or not.
type FetchResult struct {
	// Outcome is ok, no_documents or healed when the fetcher decides it; empty
	// leaves it to the count of documents actually stored. A failure's
	// outcome is in the error.
	Outcome Outcome
	Detail  string
	// SessionReused is true when restored cookies made login unnecessary.
	SessionReused bool
	// Steps is the step log, kept with the run for support.
	Steps []StepLog
	// ScriptVersion names the version of the portal script the run played.
	ScriptVersion string
}

// Document is one downloaded document (an invoice unless Kind says
// otherwise); fields other than PortalInvoiceID
// and Data are optional. The receiver recomputes SHA256 from Data.
type Document struct {
	PortalInvoiceID string
	// Kind is what the document is; empty means an invoice.
	Kind        DocumentKind
	Number      string
	Date        string
	Amount      string
	Currency    string
	ContentType string
	SHA256      string
	Data        []byte
}

// Secrets gives a run an account's credentials at the moment it needs
// them. Implementations fetch from the vault; nothing is cached by the
// caller beyond the run.
type Secrets interface {
	Password(ctx context.Context) (string, error)
	// Code is called only when the code field is about to be filled; it
	// returns an OTPMissing *RunError when no key is enrolled.
	Code(ctx context.Context) (string, error)
	// HasKey reports whether an authenticator key is enrolled, without
	// opening it.
	HasKey(ctx context.Context) (bool, error)
	// Cookies returns what SaveCookies stored, or an error for which
	// IsNotFound is true.
	Cookies(ctx context.Context) ([]byte, error)
	SaveCookies(ctx context.Context, b []byte) error
}

// StepLog is one step of a portal script as it ran. It never holds typed
// values: a type step shows its template ({{password}}), not what was typed.
type StepLog struct {
	Path     string        `json:"path"` // e.g. login/3/then/0
	Kind     string        `json:"kind"`
	Name     string        `json:"name"`
	Detail   string        `json:"detail,omitempty"`
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"duration"`
	Skipped  bool          `json:"skipped,omitempty"`
	Err      string        `json:"error,omitempty"`
	// Healed says which selector the detector found for a login field
	// the script's selector missed, when the step was healed.
	Healed string `json:"healed,omitempty"`
}

func (s StepLog) String() string {
	status := "ok"
	switch {
	case s.Err != "":
		status = "FAILED: " + s.Err
	case s.Skipped:
		status = "skipped"
	case s.Healed != "":
		status = "HEALED: " + s.Healed
	}
	d := ""
	if s.Detail != "" {
		d = " " + s.Detail
	}
	return fmt.Sprintf("%-22s %-9s %-28s%s  %6dms  %s", s.Path, s.Kind, s.Name, d, s.Duration.Milliseconds(), status)
}

// ArtifactFiles are the files a failed attempt may leave in its artifact
// directory, with their content types; the workers keep them in the blob
// store under ArtifactPrefix(runID) and support views serve only these.
var ArtifactFiles = map[string]string{
	"screenshot.png": "image/png",
	"page.html":      "text/html; charset=utf-8",
	"steps.log":      "text/plain; charset=utf-8",
}

// ArtifactPrefix is the blob key prefix of a run's artifacts.
func ArtifactPrefix(runID string) string { return "artifacts/" + runID + "/" }

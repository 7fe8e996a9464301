package twofetch

import (
	"errors"
	"fmt"
)

// Outcome is how a run ended. Every run ends in exactly one outcome; package
// workers maps each to a retry policy.
type Outcome string

const (
	OutcomeOK          Outcome = "ok"
	OutcomeNoDocuments Outcome = "no_documents"
	// OutcomeHealed is a run that did its job only because a login field
	// its script names was gone and the detector found it instead: the
	// customer got the documents, support must update the script.
	OutcomeHealed         Outcome = "healed"
	OutcomeBadCredentials Outcome = "bad_credentials"
	OutcomeOTPRejected    Outcome = "otp_rejected"
	OutcomeOTPMissing     Outcome = "otp_missing"
	OutcomeUnsupported2FA Outcome = "unsupported_2fa"
	OutcomeActionNeeded   Outcome = "action_needed"
	OutcomeCaptcha        Outcome = "captcha"
	OutcomeBlocked        Outcome = "blocked"
	OutcomeRateLimited    Outcome = "rate_limited"
	OutcomePortalChanged  Outcome = "portal_changed"
	OutcomePortalDown     Outcome = "portal_down"
	OutcomeTransient      Outcome = "transient"
)

// Outcomes lists every outcome, successes first.
var Outcomes = []Outcome{
	OutcomeOK, OutcomeNoDocuments, OutcomeHealed, OutcomeBadCredentials, OutcomeOTPRejected,
	OutcomeOTPMissing, OutcomeUnsupported2FA, OutcomeActionNeeded, OutcomeCaptcha,
	OutcomeBlocked, OutcomeRateLimited, OutcomePortalChanged, OutcomePortalDown,
	OutcomeTransient,
}

// Valid reports whether o is one of Outcomes.
func (o Outcome) Valid() bool {
	for _, x := range Outcomes {
		if x == o {
			return true
		}
	}
	return false
}

// Success reports whether o means the run did its job (a healed run did,
// though its script needs a fix).
func (o Outcome) Success() bool {
	return o == OutcomeOK || o == OutcomeNoDocuments || o == OutcomeHealed
}

// RunError is the error a failed run returns: its outcome, a detail safe to
// show the customer or support (never a secret), and the cause.
type RunError struct {
	Outcome Outcome
	Detail  string
	Err     error
	// NoRetry says that trying again before the next daily run cannot
	// change the answer and would only repeat it: the portal refuses this
	// browser itself (Google's "This browser or app may not be secure").
	// The retry policy then waits for the next daily run instead of
	// retrying within hours.
	NoRetry bool
}

func (e *RunError) Error() string {
	switch {
	case e.Detail != "" && e.Err != nil:
		return fmt.Sprintf("%s: %s: %v", e.Outcome, e.Detail, e.Err)
	case e.Detail != "":
		return fmt.Sprintf("%s: %s", e.Outcome, e.Detail)
	case e.Err != nil:
		return fmt.Sprintf("%s: %v", e.Outcome, e.Err)
	}
	return string(e.Outcome)
}

func (e *RunError) Unwrap() error { return e.Err }

// Fail returns a *RunError with the given outcome and a formatted detail.
func Fail(o Outcome, format string, args ...any) error {
	return &RunError{Outcome: o, Detail: fmt.Sprintf(format, args...)}
}

// FailWith wraps err with an outcome and detail.
func FailWith(o Outcome, err error, detail string) error {
	return &RunError{Outcome: o, Detail: detail, Err: err}
}

// OutcomeOf classifies err: nil is ok, a *RunError anywhere in the chain
// gives its outcome, and anything else is transient.
func OutcomeOf(err error) Outcome {
	if err == nil {
		return OutcomeOK
	}
	var re *RunError
	if errors.As(err, &re) {
		return re.Outcome
	}
	return OutcomeTransient
}

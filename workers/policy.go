package workers

import (
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/twofetch/twofetch"
)

// Action is what happens after a run attempt.
type Action int

const (
	// Done: the run is over for today; the account's next run is in
	// Decision.NextRun.
	Done Action = iota
	// Retry the same run after Decision.Delay.
	Retry
	// Stop scheduling the account until the customer acts
	// (Decision.Status says whether that is a new enrolment or a fix on
	// the portal); the customer is notified.
	StopCustomer
	// Stop scheduling the account until a portal script is fixed.
	StopSupport
)

func (a Action) String() string {
	switch a {
	case Done:
		return "done"
	case Retry:
		return "retry"
	case StopCustomer:
		return "stop_customer"
	case StopSupport:
		return "stop_support"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Decision is the policy's answer for one attempt.
type Decision struct {
	Action Action
	// Delay before the retry, for Retry.
	Delay time.Duration
	// Status is the account's status afterwards.
	Status twofetch.AccountStatus
	// NextRun is how long after now the scheduler should run the account
	// again, for Done; zero for the other actions.
	NextRun time.Duration
	// Alert asks to alert support; the alert is deduplicated per portal,
	// outcome and day, so a portal change across 10,000 accounts alerts once.
	Alert bool
}

// Policy knobs.
const (
	// DailyInterval is the time between two runs of an account.
	DailyInterval = 24 * time.Hour
	// transientRetries is how often a network or portal outage is retried
	// (1, 2, 4 … minutes, capped at an hour) before waiting for tomorrow.
	transientRetries = 6
	transientBase    = time.Minute
	transientCap     = time.Hour
	// otpRetryDelay puts the retry after a rejected code at least one full
	// 30-second TOTP window later, so the next code differs.
	otpRetryDelay = 45 * time.Second
	// resistRetries is how often captcha, blocking or rate limiting is
	// retried, hours apart, before alerting support.
	resistRetries = 2
	resistBase    = 2 * time.Hour
)

// Decide maps an outcome to what happens next; prior is how many earlier
// attempts of the same run ended in the same outcome. It is the one place of twofetch's retry policy;
// DESIGN.md's outcome table is its specification.
func Decide(o twofetch.Outcome, prior int) Decision {
	switch o {
	case twofetch.OutcomeOK, twofetch.OutcomeNoDocuments:
		return Decision{Action: Done, Status: twofetch.AccountActive, NextRun: DailyInterval}

	case twofetch.OutcomeHealed:
		// The customer got the documents; the script is out of date and
		// the next run heals again (or fails, if the detector is wrong):
		// support fixes the selector.
		return Decision{Action: Done, Status: twofetch.AccountActive, NextRun: DailyInterval, Alert: true}

	case twofetch.OutcomeBadCredentials, twofetch.OutcomeUnsupported2FA, twofetch.OutcomeActionNeeded:
		return Decision{Action: StopCustomer, Status: twofetch.AccountNeedsCustomer}

	case twofetch.OutcomeOTPMissing:
		return Decision{Action: StopCustomer, Status: twofetch.AccountNeedsEnrollment}

	case twofetch.OutcomeOTPRejected:
		// A code can be rejected because it was typed at the very end of
		// its window or the clocks disagree; one retry a window later tells
		// that apart from a wrong key.
		if prior == 0 {
			return Decision{Action: Retry, Delay: otpRetryDelay, Status: twofetch.AccountActive}
		}
		return Decision{Action: StopCustomer, Status: twofetch.AccountNeedsEnrollment}

	case twofetch.OutcomeCaptcha, twofetch.OutcomeBlocked, twofetch.OutcomeRateLimited:
		if prior < resistRetries {
			return Decision{Action: Retry, Delay: resistBase << prior, Status: twofetch.AccountActive}
		}
		// Keep trying daily: the portal may relent, and support decides
		// whether to pause the account.
		return Decision{Action: Done, Status: twofetch.AccountActive, NextRun: DailyInterval, Alert: true}

	case twofetch.OutcomePortalChanged:
		return Decision{Action: StopSupport, Status: twofetch.AccountNeedsSupport, Alert: true}

	case twofetch.OutcomePortalDown, twofetch.OutcomeTransient:
		if prior < transientRetries {
			return Decision{Action: Retry, Delay: backoff(transientBase, transientCap, prior), Status: twofetch.AccountActive}
		}
		// An outage of hours is worth a look; a flaky network is not.
		return Decision{Action: Done, Status: twofetch.AccountActive, NextRun: DailyInterval, Alert: o == twofetch.OutcomePortalDown}
	}
	// An outcome this version does not know: treat as transient so the
	// account is neither lost nor hammered.
	return Decide(twofetch.OutcomeTransient, prior)
}

// DecideNoRetry is Decide for a failure whose portal gives the same answer
// to every attempt of the day (a RunError with NoRetry: Google refusing the
// browser as automated). Retrying within hours would only knock on the
// same door and make the browser look more like a bot, so the account
// waits for its next daily run, and support is alerted at once rather
// than after the retries Decide would spend.
func DecideNoRetry(o twofetch.Outcome, prior int) Decision {
	d := Decide(o, prior)
	if d.Action != Retry {
		return d
	}
	return Decision{Action: Done, Status: d.Status, NextRun: DailyInterval, Alert: true}
}

func backoff(base, ceiling time.Duration, n int) time.Duration {
	if n > 30 {
		return ceiling
	}
	d := base << n
	if d > ceiling || d <= 0 {
		return ceiling
	}
	return d
}

// retryAfter is returned by handlers to have asynq retry the task after a
// chosen delay. counted=false is for waiting on a lock or a portal slot,
// which must not use up the task's retries.
type retryAfter struct {
	delay   time.Duration
	counted bool
	err     error
}

func (e *retryAfter) Error() string {
	return fmt.Sprintf("retry in %s: %v", e.delay.Round(time.Second), e.err)
}

func (e *retryAfter) Unwrap() error { return e.err }

// RetryDelay is the asynq RetryDelayFunc of the worker: a delay chosen by
// the handler wins; otherwise (a panic, a lost lease after a worker died,
// a timeout) it backs off like a transient failure but starts fast, so a
// crashed worker's task is picked up again within seconds.
func RetryDelay(n int, err error, _ *asynq.Task) time.Duration {
	var ra *retryAfter
	if errors.As(err, &ra) {
		return ra.delay
	}
	return backoff(5*time.Second, transientCap, n)
}

// IsFailure tells asynq which errors count against a task's retries:
// waiting for a lock or a portal slot does not.
func IsFailure(err error) bool {
	var ra *retryAfter
	if errors.As(err, &ra) {
		return ra.counted
	}
	return err != nil
}

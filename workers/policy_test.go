package workers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/web/catalog"
)

var active, cust, enrol, support = twofetch.AccountActive, twofetch.AccountNeedsCustomer, twofetch.AccountNeedsEnrollment, twofetch.AccountNeedsSupport

type decisionCase struct {
	outcome twofetch.Outcome
	retried int
	want    Decision
}

// decisions is the policy's specification, one row per outcome at least.
var decisions = []decisionCase{
	{twofetch.OutcomeOK, 0, Decision{Action: Done, Status: active, NextRun: 24 * time.Hour}},
	{twofetch.OutcomeOK, 3, Decision{Action: Done, Status: active, NextRun: 24 * time.Hour}},
	{twofetch.OutcomeNoDocuments, 0, Decision{Action: Done, Status: active, NextRun: 24 * time.Hour}},
	{twofetch.OutcomeHealed, 0, Decision{Action: Done, Status: active, NextRun: 24 * time.Hour, Alert: true}},
	{twofetch.OutcomeBadCredentials, 0, Decision{Action: StopCustomer, Status: cust}},
	{twofetch.OutcomeUnsupported2FA, 0, Decision{Action: StopCustomer, Status: cust}},
	{twofetch.OutcomeActionNeeded, 0, Decision{Action: StopCustomer, Status: cust}},
	{twofetch.OutcomeOTPMissing, 0, Decision{Action: StopCustomer, Status: enrol}},
	{twofetch.OutcomeOTPRejected, 0, Decision{Action: Retry, Delay: 45 * time.Second, Status: active}},
	{twofetch.OutcomeOTPRejected, 1, Decision{Action: StopCustomer, Status: enrol}},
	{twofetch.OutcomeCaptcha, 0, Decision{Action: Retry, Delay: 2 * time.Hour, Status: active}},
	{twofetch.OutcomeBlocked, 1, Decision{Action: Retry, Delay: 4 * time.Hour, Status: active}},
	{twofetch.OutcomeRateLimited, 2, Decision{Action: Done, Status: active, NextRun: 24 * time.Hour, Alert: true}},
	{twofetch.OutcomePortalChanged, 0, Decision{Action: StopSupport, Status: support, Alert: true}},
	{twofetch.OutcomePortalDown, 0, Decision{Action: Retry, Delay: time.Minute, Status: active}},
	{twofetch.OutcomePortalDown, 3, Decision{Action: Retry, Delay: 8 * time.Minute, Status: active}},
	{twofetch.OutcomePortalDown, 6, Decision{Action: Done, Status: active, NextRun: 24 * time.Hour, Alert: true}},
	{twofetch.OutcomeTransient, 0, Decision{Action: Retry, Delay: time.Minute, Status: active}},
	{twofetch.OutcomeTransient, 5, Decision{Action: Retry, Delay: 32 * time.Minute, Status: active}},
	{twofetch.OutcomeTransient, 6, Decision{Action: Done, Status: active, NextRun: 24 * time.Hour}},
	{"something_new", 0, Decision{Action: Retry, Delay: time.Minute, Status: active}},
}

func TestDecide(t *testing.T) {
	for _, tt := range decisions {
		t.Run(fmt.Sprintf("%s/%d", tt.outcome, tt.retried), func(t *testing.T) {
			if got := Decide(tt.outcome, tt.retried); got != tt.want {
				t.Fatalf("Decide(%s, %d) = %+v, want %+v", tt.outcome, tt.retried, got, tt.want)
			}
		})
	}
}

// A failure that the portal will repeat all day is not retried within the
// day, whatever its outcome would otherwise allow; what needs the customer
// or a script fix is decided as before.
func TestDecideNoRetry(t *testing.T) {
	active, cust, support := twofetch.AccountActive, twofetch.AccountNeedsCustomer, twofetch.AccountNeedsSupport
	tomorrow := Decision{Action: Done, Status: active, NextRun: 24 * time.Hour, Alert: true}
	tests := []struct {
		outcome twofetch.Outcome
		retried int
		want    Decision
	}{
		{twofetch.OutcomeBlocked, 0, tomorrow},
		{twofetch.OutcomeBlocked, 1, tomorrow},
		{twofetch.OutcomeCaptcha, 0, tomorrow},
		{twofetch.OutcomePortalDown, 0, tomorrow},
		{twofetch.OutcomeBlocked, 2, tomorrow},
		{twofetch.OutcomeBadCredentials, 0, Decision{Action: StopCustomer, Status: cust}},
		{twofetch.OutcomePortalChanged, 0, Decision{Action: StopSupport, Status: support, Alert: true}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.outcome, tt.retried), func(t *testing.T) {
			if got := DecideNoRetry(tt.outcome, tt.retried); got != tt.want {
				t.Fatalf("DecideNoRetry(%s, %d) = %+v, want %+v", tt.outcome, tt.retried, got, tt.want)
			}
		})
	}
}

// TestEveryOutcomeHasTextAndPolicy: an outcome added to the taxonomy
// needs a decision here and texts for customers and support in every
// language before it can ship.
func TestEveryOutcomeHasTextAndPolicy(t *testing.T) {
	for _, o := range twofetch.Outcomes {
		if !slices.ContainsFunc(decisions, func(d decisionCase) bool { return d.outcome == o }) {
			t.Errorf("outcome %s has no decision in the policy's specification", o)
		}
		for _, lang := range catalog.Languages {
			for _, field := range []string{"title", "action", "support"} {
				if _, ok := catalog.Lookup(lang, "outcome."+string(o)+"."+field); !ok {
					t.Errorf("outcome %s has no %s text in %s", o, field, lang)
				}
			}
		}
	}
}

// Every outcome must reach a decision that ends: retries stop after a
// bounded number of attempts.
func TestDecideTerminates(t *testing.T) {
	for _, o := range twofetch.Outcomes {
		t.Run(string(o), func(t *testing.T) {
			for n := 0; n < maxFetchRetries; n++ {
				d := Decide(o, n)
				if d.Action != Retry {
					return
				}
				if d.Delay < 30*time.Second {
					t.Fatalf("retry %d after %s: shorter than a TOTP window", n, d.Delay)
				}
			}
			t.Fatalf("still retrying after %d attempts, asynq's limit", maxFetchRetries)
		})
	}
}

func TestRetryDelayAndIsFailure(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		n           int
		wantDelay   time.Duration
		wantFailure bool
	}{
		{"chosen by handler", &retryAfter{delay: 45 * time.Second, counted: true, err: errors.New("x")}, 0, 45 * time.Second, true},
		{"wrapped", fmt.Errorf("fetch: %w", &retryAfter{delay: time.Hour, counted: true}), 3, time.Hour, true},
		{"lock wait is not a failure", &retryAfter{delay: 30 * time.Second}, 0, 30 * time.Second, false},
		{"crashed worker, first retry fast", asynq.ErrLeaseExpired, 0, 5 * time.Second, true},
		{"timeout backs off", context.DeadlineExceeded, 2, 20 * time.Second, true},
		{"capped", errors.New("panic"), 40, time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RetryDelay(tt.n, tt.err, nil); got != tt.wantDelay {
				t.Errorf("RetryDelay = %s, want %s", got, tt.wantDelay)
			}
			if got := IsFailure(tt.err); got != tt.wantFailure {
				t.Errorf("IsFailure = %v, want %v", got, tt.wantFailure)
			}
		})
	}
}

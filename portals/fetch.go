package portals

import (
	"context"
	"strings"

	"github.com/twofetch/twofetch"
)

var _ twofetch.SessionFetcher = (*Runner)(nil)

// Fetch plays the account's portal script for the workers.
func (r *Runner) Fetch(ctx context.Context, job *twofetch.FetchJob) (*twofetch.FetchResult, error) {
	res, errs := r.FetchSession(ctx, []*twofetch.FetchJob{job})
	return res[0], errs[0]
}

// FetchSession plays the scripts of the accounts behind one login in one
// browser session (see RunSession).
func (r *Runner) FetchSession(ctx context.Context, jobs []*twofetch.FetchJob) ([]*twofetch.FetchResult, []error) {
	if len(jobs) == 0 {
		return nil, nil
	}
	// The browser identity and profile belong to the sign-in, so every
	// account behind a login shows the portal the same device.
	login := jobs[0].Account.LoginOrOwnID()
	hints := IdentityHints{}
	if t := jobs[0].Tenant; t != nil {
		hints.Language, hints.TimeZone = t.Language, t.TimeZone
	}
	rjobs := make([]*Job, len(jobs))
	for i, job := range jobs {
		a := job.Account
		rjobs[i] = &Job{
			Portal:      a.Portal,
			Username:    a.Username,
			Fields:      job.Fields,
			Login:       login,
			Identity:    hints,
			Secrets:     job.Secrets,
			Known:       job.Known,
			Save:        job.Save,
			ArtifactDir: job.ArtifactDir,
			Logger:      job.Logger,
			Since:       job.Since,
		}
	}
	res, errs := r.RunSession(ctx, rjobs)
	out := make([]*twofetch.FetchResult, len(res))
	for i, rr := range res {
		o := &twofetch.FetchResult{}
		if rr != nil {
			// ok or no_documents is left to the caller, who counts what was
			// actually stored, leaving out documents an earlier attempt saved.
			o.SessionReused = rr.SessionReused
			o.Steps = rr.Steps
			o.ScriptVersion = rr.ScriptVersion
			if len(rr.Healed) > 0 && errs[i] == nil {
				// Healed wins over ok and no_documents: support must hear.
				o.Outcome = twofetch.OutcomeHealed
				o.Detail = healedDetail(rr.Healed)
			}
		}
		out[i] = o
	}
	return out, errs
}

// healedDetail says what support should change in the script, shown with
// the run.
func healedDetail(hs []Healing) string {
	parts := make([]string, len(hs))
	for i, h := range hs {
		parts[i] = h.String()
	}
	return "the login page changed; found by the detector instead: " + strings.Join(parts, "; ")
}

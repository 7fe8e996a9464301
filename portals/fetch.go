package portals

import (
	"context"
	"strings"

	"github.com/twofetch/twofetch"
)

var _ twofetch.Fetcher = (*Runner)(nil)

// Fetch plays the account's portal script for the workers.
func (r *Runner) Fetch(ctx context.Context, job *twofetch.FetchJob) (*twofetch.FetchResult, error) {
	a := job.Account
	hints := IdentityHints{}
	if t := job.Tenant; t != nil {
		hints.Language, hints.TimeZone = t.Language, t.TimeZone
	}
	res, err := r.Run(ctx, &Job{
		Portal:   a.Portal,
		Username: a.Username,
		// The browser identity and profile belong to the sign-in, so
		// every account behind a login shows the portal the same device.
		Login:       a.LoginOrOwnID(),
		Identity:    hints,
		Secrets:     job.Secrets,
		Known:       job.Known,
		Save:        job.Save,
		ArtifactDir: job.ArtifactDir,
		Logger:      job.Logger,
		Since:       job.Since,
	})
	out := &twofetch.FetchResult{}
	if res != nil {
		// ok or no_documents is left to the caller, who counts what was
		// actually stored, leaving out documents an earlier attempt saved.
		out.SessionReused = res.SessionReused
		out.Steps = res.Steps
		out.ScriptVersion = res.ScriptVersion
		if len(res.Healed) > 0 && err == nil {
			// Healed wins over ok and no_documents: support must hear.
			out.Outcome = twofetch.OutcomeHealed
			out.Detail = healedDetail(res.Healed)
		}
	}
	return out, err
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

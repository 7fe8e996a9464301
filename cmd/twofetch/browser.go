package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/vault"
)

func init() {
	register(&Command{
		Name:    "browser",
		Summary: "check what portals see of the workers' browser",
		Usage:   "check [--url URL] [--login ACCOUNT_ID] [--language LANG] [--time-zone ZONE]",
		Help: `browser check opens a page in a browser set up exactly as a worker sets up
a job for the login (identity, profile, egress proxy), types into it and
clicks it the way runs do, waits until the page sets window.twofetchCheck
and prints that as JSON.

Without --url the page is twofetch's own check page: automation marks,
user agent and client hints, workers and frames, plugins and permissions,
and whether language, time zone, screen and window are the login's
identity. The exit status is 1 when it finds a problem.

--login uses the account's stored identity, profile and proxy from the
vault, and changes none of them. Without it a fresh identity is drawn from
--language and --time-zone.`,
		Settings: settings(storeSettings, vaultSettings, redisSettings, browserSettings),
		Run:      runBrowser,
	})
}

func runBrowser(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 || args[0] != "check" {
		return usagef("browser needs a subcommand: check")
	}
	flags := flag.NewFlagSet("twofetch browser check", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	pageURL := flags.String("url", "", "the page to open (default: twofetch's check page)")
	login := flags.String("login", "", "the account whose browser identity, profile and proxy to use")
	language := flags.String("language", "en", "without --login: the language of a fresh identity")
	zone := flags.String("time-zone", "", "without --login: the time zone of a fresh identity")
	timeout := flags.Duration("timeout", 2*time.Minute, "time limit of the check")
	for _, st := range Settings {
		if p, ok := m.Config.values[st.Flag]; ok {
			flags.StringVar(p, st.Flag, *p, st.Help)
		}
	}
	if err := flags.Parse(args[1:]); err != nil {
		return usagef("browser check: %v", err)
	}
	if flags.NArg() > 0 {
		return usagef("browser check: unexpected %q", flags.Arg(0))
	}
	job := &portals.Job{Login: "browser-check", Identity: portals.IdentityHints{Language: *language, TimeZone: *zone}}
	if *login != "" {
		st, err := m.openStore(ctx)
		if err != nil {
			return err
		}
		acct, err := st.AccountByID(ctx, *login)
		if err != nil {
			return fmt.Errorf("account %s: %w", *login, err)
		}
		rdb, _, err := m.openRedis(ctx, false)
		if err != nil {
			return err
		}
		v, err := m.openVault(ctx, st, rdb)
		if err != nil {
			return err
		}
		job.Login, job.Username = acct.ID, acct.Username
		job.Identity = portals.IdentityHints{}
		if t, err := st.Tenant(ctx, acct.TenantID); err == nil {
			job.Identity.Language, job.Identity.TimeZone = t.Language, t.TimeZone
		}
		job.Secrets = &readOnlyLogin{AccountSecrets: vault.SecretsOf(v, acct)}
	}
	pool, err := m.openBrowser(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	job.Logger = m.Logger
	res, err := portals.NewRunner(nil, pool).CheckJob(ctx, job, *pageURL, nil)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		return err
	}
	if *pageURL == "" && !res.OK() {
		return exitError{1}
	}
	return nil
}

// readOnlyLogin is a login's vault secrets for a check that leaves no
// trace: its identity and profile are read, never replaced.
type readOnlyLogin struct {
	*vault.AccountSecrets
}

func (readOnlyLogin) SaveIdentity(context.Context, []byte) error { return nil }
func (readOnlyLogin) SaveProfile(context.Context, []byte) error  { return nil }
func (readOnlyLogin) SaveCookies(context.Context, []byte) error  { return nil }

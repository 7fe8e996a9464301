package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/twofetch/twofetch"
)

func init() {
	register(&Command{
		Name:    "tenant",
		Summary: "create, list and revoke tenants and their API tokens",
		Usage:   "create NAME | list | revoke ID",
		Help: `
A tenant is one bookkeeping service calling the API. "tenant create NAME"
prints two tokens, each shown only once because only their hashes are kept:
an admin token for the support views, and the API token (the last word of
the output) for "Authorization: Bearer TOKEN" on /api/v1. "tenant revoke ID"
invalidates both tokens at once.

"tenant create" takes --language de|en|nl after NAME: the default language
of the tenant's SMS and pages (default en).`,
		Settings: storeSettings,
		Run: func(ctx context.Context, m *Main, args []string) error {
			if len(args) == 0 {
				return usagef("missing subcommand")
			}
			switch args[0] {
			case "create":
				fs := subcommandFlags(m, "tenant create", storeSettings)
				language := fs.String("language", "en", "")
				name, err := parseSubcommand(m, fs, args[1:])
				if err != nil {
					return usagef("%v", err)
				}
				if len(name) == 0 {
					return usagef("tenant create needs a NAME")
				}
				return tenantCreate(ctx, m, strings.Join(name, " "), *language)
			case "list":
				rest, err := parseSubcommand(m, subcommandFlags(m, "tenant list", storeSettings), args[1:])
				if err != nil {
					return usagef("%v", err)
				}
				if len(rest) != 0 {
					return usagef("tenant list takes no arguments")
				}
				return tenantList(ctx, m)
			case "revoke":
				rest, err := parseSubcommand(m, subcommandFlags(m, "tenant revoke", storeSettings), args[1:])
				if err != nil {
					return usagef("%v", err)
				}
				if len(rest) != 1 {
					return usagef("tenant revoke needs exactly one ID")
				}
				return tenantRevoke(ctx, m, rest[0])
			}
			return usagef("unknown subcommand %q", args[0])
		},
	})
}

var languages = []string{"de", "en", "nl"}

func tenantCreate(ctx context.Context, m *Main, name, language string) error {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' }) {
		return usagef("NAME must be 1 to 200 printable characters")
	}
	if !slices.Contains(languages, language) {
		return usagef("--language: want one of %s, got %q", strings.Join(languages, ", "), language)
	}
	st, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	apiToken, apiHash := twofetch.NewToken("tfapi")
	adminToken, adminHash := twofetch.NewToken("tfadm")
	t := &twofetch.Tenant{
		ID:             twofetch.NewID("ten"),
		Name:           name,
		TokenHash:      apiHash,
		AdminTokenHash: adminHash,
		Language:       language,
		CreatedAt:      time.Now().UTC(),
	}
	if err := st.CreateTenant(ctx, t); err != nil {
		return fmt.Errorf("create tenant: %w", err)
	}
	if err := st.Audit(ctx, &twofetch.AuditEvent{TenantID: t.ID, Actor: "cli", Action: "tenant.create", Object: t.ID, At: t.CreatedAt}); err != nil {
		m.Logger.ErrorContext(ctx, "write audit event", "action", "tenant.create", "err", err)
	}
	m.Logger.InfoContext(ctx, "tenant created", "tenant", t.ID)
	// Scripts take the API token as the last word of the output; keep it last.
	fmt.Fprintf(m.Stdout, "Created tenant %s (%s).\n", t.ID, t.Name)
	fmt.Fprintf(m.Stdout, "Both tokens are shown only now; store them safely.\n")
	fmt.Fprintf(m.Stdout, "Admin token (support views): %s\n", adminToken)
	fmt.Fprintf(m.Stdout, "API token (Authorization: Bearer …): %s\n", apiToken)
	return nil
}

func tenantList(ctx context.Context, m *Main) error {
	st, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	ts, err := st.ListTenants(ctx)
	if err != nil {
		return fmt.Errorf("list tenants: %w", err)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tLANGUAGE\tCREATED\tREVOKED")
	for _, t := range ts {
		revoked := "-"
		if t.RevokedAt != nil {
			revoked = t.RevokedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Language, t.CreatedAt.UTC().Format(time.RFC3339), revoked)
	}
	return tw.Flush()
}

func tenantRevoke(ctx context.Context, m *Main, id string) error {
	st, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	if err := st.RevokeTenant(ctx, id, now); err != nil {
		if twofetch.IsNotFound(err) {
			return fmt.Errorf("no tenant %q", id)
		}
		return fmt.Errorf("revoke tenant: %w", err)
	}
	if err := st.Audit(ctx, &twofetch.AuditEvent{TenantID: id, Actor: "cli", Action: "tenant.revoke", Object: id, At: now}); err != nil {
		m.Logger.ErrorContext(ctx, "write audit event", "action", "tenant.revoke", "err", err)
	}
	fmt.Fprintf(m.Stdout, "Revoked tenant %s: its API and admin tokens no longer work.\n", id)
	return nil
}

// subcommandFlags returns a flag set for the arguments after a subcommand
// word, accepting the command's settings there too, so that
// "tenant create NAME --data-dir DIR" means what it says. Values are checked
// as the framework checks them before the command.
func subcommandFlags(m *Main, name string, names []string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, n := range append([]string{"log-format", "log-level"}, names...) {
		s := settingByFlag(n)
		fs.Func(n, s.Help, func(v string) error {
			v = strings.TrimSpace(v)
			if v != "" && s.Check != nil {
				if err := s.Check(v); err != nil {
					return fmt.Errorf("%s: %v", s.Env, err)
				}
			}
			m.Config.Set(n, v)
			return nil
		})
	}
	return fs
}

// parseSubcommand parses flags wherever they appear among the arguments,
// so "create NAME --language de" works as people type it, and rebuilds the
// logger in case the log settings came after the subcommand.
func parseSubcommand(m *Main, fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
	m.Logger = newLogger(m.Stderr, m.Config)
	return rest, nil
}

package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/twofetch/twofetch"
)

func init() {
	register(&Command{
		Name:    "account",
		Summary: "list a tenant's portal accounts",
		Usage:   "list --tenant ID",
		Help: `
"account list --tenant ID" shows the tenant's accounts, newest first, with
their status, next scheduled run and last outcome. Passwords and keys are
never shown: they are sealed in the vault.`,
		Settings: storeSettings,
		Run: func(ctx context.Context, m *Main, args []string) error {
			if len(args) == 0 {
				return usagef("missing subcommand")
			}
			if args[0] != "list" {
				return usagef("unknown subcommand %q", args[0])
			}
			fs := subcommandFlags(m, "account list", storeSettings)
			tenant := fs.String("tenant", "", "")
			rest, err := parseSubcommand(m, fs, args[1:])
			if err != nil {
				return usagef("%v", err)
			}
			if len(rest) != 0 {
				return usagef("account list takes no arguments besides --tenant")
			}
			if *tenant == "" {
				return usagef("account list needs --tenant ID")
			}
			return accountList(ctx, m, *tenant)
		},
	})
}

func accountList(ctx context.Context, m *Main, tenantID string) error {
	st, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	if _, err := st.Tenant(ctx, tenantID); err != nil {
		if twofetch.IsNotFound(err) {
			return fmt.Errorf("no tenant %q", tenantID)
		}
		return fmt.Errorf("look up tenant: %w", err)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPORTAL\tUSERNAME\tSTATUS\tKEY\tNEXT RUN\tLAST OUTCOME")
	p := twofetch.Page{Limit: 200}
	for {
		as, err := st.ListAccounts(ctx, tenantID, p)
		if err != nil {
			return fmt.Errorf("list accounts: %w", err)
		}
		for _, a := range as {
			next, last := "-", "-"
			if a.NextRunAt != nil {
				next = a.NextRunAt.UTC().Format(time.RFC3339)
			}
			if a.LastOutcome != "" {
				last = string(a.LastOutcome)
			}
			key := "no"
			if a.HasKey {
				key = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Portal, a.Username, a.Status, key, next, last)
		}
		if len(as) < p.Limit {
			break
		}
		p.After = as[len(as)-1].ID
	}
	return tw.Flush()
}

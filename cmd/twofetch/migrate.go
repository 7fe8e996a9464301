package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/twofetch/twofetch/store"
)

func init() {
	register(&Command{
		Name:    "migrate",
		Summary: "create or upgrade the database schema",
		Usage:   "[status] [flags]",
		Help: `Applies the pending schema migrations to the database and prints the
resulting schema version. Running it again is harmless. On PostgreSQL several
processes may migrate at once; one applies the migrations while the others
wait. "all" and "web" migrate at start too, so this command is for
deployments that upgrade the schema in a separate step.

"twofetch migrate status" only prints the schema version and applies nothing.`,
		Settings: []string{"data-dir", "database-url"},
		Run: func(ctx context.Context, m *Main, args []string) error {
			status := len(args) == 1 && args[0] == "status"
			if len(args) > 0 && !status {
				return usagef("unexpected arguments: %s", strings.Join(args, " "))
			}
			dsn, err := m.databaseURL()
			if err != nil {
				return err
			}
			st, err := store.Open(ctx, dsn)
			if err != nil {
				return fmt.Errorf("TWOFETCH_DATABASE_URL: %w", err)
			}
			m.OnClose(st.Close)
			if !status {
				if err := store.Migrate(ctx, st); err != nil {
					return err
				}
			}
			cur, latest, err := store.Version(ctx, st)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "%s: schema version %d of %d\n", displayDSN(dsn), cur, latest)
			if cur < latest {
				m.Logger.Warn("database schema is behind; run twofetch migrate", "version", cur, "latest", latest)
			}
			return nil
		},
	})
}

// displayDSN hides a PostgreSQL password.
func displayDSN(dsn string) string {
	if strings.Contains(dsn, "://") {
		if u, err := url.Parse(dsn); err == nil {
			return u.Redacted()
		}
		return "(database URL)"
	}
	return dsn
}

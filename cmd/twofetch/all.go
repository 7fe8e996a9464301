package main

import (
	"context"

	"golang.org/x/sync/errgroup"

	"github.com/twofetch/twofetch/web"
)

func init() {
	register(&Command{
		Name:    "all",
		Summary: "run everything in one process on embedded defaults",
		Usage:   "[flags]",
		Help: `
Runs the web server, the workers and the scheduler in one process. Without
configuration it needs nothing but Chromium: the SQLite database and the
vault keyring are created under the data directory, and an in-process Redis
runs when TWOFETCH_REDIS_URL is empty. With --replicas=true the browser
reaches local replicas of every scripted portal instead of the real sites,
for demos. It prints the URL it serves ("twofetch listening on
http://HOST:PORT"). SIGINT or SIGTERM stops it gracefully.`,
		Settings: settings(webSettings, workerSettings, []string{"schedule-interval"}),
		Run: func(ctx context.Context, m *Main, args []string) error {
			if len(args) != 0 {
				return usagef("all takes no arguments")
			}
			svc, err := m.openServices(ctx, true)
			if err != nil {
				return err
			}
			pool, err := m.openBrowser(ctx)
			if err != nil {
				return err
			}
			svc.Checks = append(svc.Checks, web.Checker{Name: "browser", Check: pool.Ping})
			srv, l, err := m.listenWeb(ctx, svc)
			if err != nil {
				return err
			}
			w, err := m.newWorker(ctx, svc, pool)
			if err != nil {
				return err
			}
			sched, err := m.newScheduler(svc.Store, svc.Redis)
			if err != nil {
				return err
			}
			// Every component runs in this group until ctx ends; the first
			// to fail stops the others, and its error is the command's.
			g, gctx := errgroup.WithContext(ctx)
			g.Go(func() error { return srv.Serve(gctx, l) })
			g.Go(func() error { return w.Run(gctx) })
			g.Go(func() error { return sched.Run(gctx) })
			return g.Wait()
		},
	})
}

package main

import (
	"context"

	"github.com/redis/go-redis/v9"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/workers"
)

func init() {
	register(&Command{
		Name:    "scheduler",
		Summary: "queue each account's daily run",
		Usage:   "[flags]",
		Help: `
Every minute, queues a fetch for each active account whose daily slot has
come (a fixed time of day per account, outside the tenant's quiet hours and
days), in batches, and moves the account to its next slot. Several
schedulers may run at once for availability: each slot is queued once.
Slots missed while no scheduler ran are caught up at start.`,
		Settings: settings(storeSettings, redisSettings, []string{"schedule-interval"}),
		Run: func(ctx context.Context, m *Main, args []string) error {
			if len(args) != 0 {
				return usagef("scheduler takes no arguments")
			}
			st, err := m.openStore(ctx)
			if err != nil {
				return err
			}
			rdb, _, err := m.openRedis(ctx, false)
			if err != nil {
				return err
			}
			s, err := m.newScheduler(st, rdb)
			if err != nil {
				return err
			}
			m.Logger.InfoContext(ctx, "scheduler started")
			return s.Run(ctx)
		},
	})
}

// newScheduler builds the scheduler, closed with m; `all` runs it
// in-process the same way.
func (m *Main) newScheduler(st twofetch.Store, rdb redis.UniversalClient) (*workers.Scheduler, error) {
	s, err := workers.NewScheduler(workers.SchedulerConfig{Store: st, Redis: rdb, Logger: m.Logger,
		Interval: m.Config.Duration("schedule-interval")})
	if err != nil {
		return nil, err
	}
	m.OnClose(s.Close)
	return s, nil
}

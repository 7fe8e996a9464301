package workers

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
)

// The capacity plan in docs/scaling.md is built from these benchmarks:
//
//	go test -run '^$' -bench 'Relay|Queue' -benchtime 1x ./workers

// BenchmarkRelay measures the outbox relay: invoice.created events written
// to the database, claimed and queued to Redis as webhook tasks, in events
// per second; and the Redis memory one queued webhook task takes.
func BenchmarkRelay(b *testing.B) {
	const n = 5000
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			for b.Loop() {
				ctx := context.Background()
				dsn := "sqlite:" + filepath.Join(b.TempDir(), "bench.db")
				if db == "postgres" {
					dsn = testenv.PostgresURL(b)
				}
				st := openStore(b, dsn)
				ten := &twofetch.Tenant{Name: "bench"}
				if err := st.CreateTenant(ctx, ten); err != nil {
					b.Fatal(err)
				}
				for i := range n {
					ev, err := twofetch.NewEvent(ten.ID, twofetch.EventInvoiceCreated, &twofetch.Invoice{
						ID: twofetch.NewID("inv"), TenantID: ten.ID, AccountID: "acc_0123456789abcdef", RunID: "run_0123456789abcdef",
						Portal: "amazon-de", PortalInvoiceID: fmt.Sprintf("302-%07d-%07d", i, i*7), Kind: twofetch.KindInvoice,
						Number: fmt.Sprintf("DE%09d", i), Date: "2026-11-14", Amount: "129.99", Currency: "EUR",
						SHA256: fmt.Sprintf("%064x", i), Size: 48_213, ContentType: "application/pdf", CreatedAt: time.Now().UTC()})
					if err != nil {
						b.Fatal(err)
					}
					if err := st.AddEvent(ctx, ev); err != nil {
						b.Fatal(err)
					}
				}
				rdb := redis.NewClient(&redis.Options{Addr: testenv.StartRedis(b).Addr})
				defer rdb.Close()
				before := redisMemory(b, rdb)
				relay := NewRelay(rdb, st, nil)
				defer relay.Close()
				start := time.Now()
				total := 0
				for total < n {
					k, err := relay.Once(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if k == 0 {
						b.Fatalf("relay stopped after %d of %d events", total, n)
					}
					total += k
				}
				b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
				b.ReportMetric(float64(redisMemory(b, rdb)-before)/n, "redis-B/task")
			}
		})
	}
}

// BenchmarkQueue measures asynq on its own: the scheduler's daily fetch
// tasks (task id from the login's slot, kept an hour after they finish)
// queued and then worked by a server whose handler does nothing, in tasks
// per second each way, and the Redis memory a pending and a finished task
// take.
func BenchmarkQueue(b *testing.B) {
	const n = 20000
	for b.Loop() {
		ctx := context.Background()
		rdb := redis.NewClient(&redis.Options{Addr: testenv.StartRedis(b).Addr})
		defer rdb.Close()
		client := asynq.NewClientFromRedisClient(rdb)
		defer client.Close()
		before := redisMemory(b, rdb)
		slot := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
		start := time.Now()
		for i := range n {
			login := "lgn_" + strconv.Itoa(1_000_000+i)
			t, err := NewFetchTask(FetchPayload{AccountID: "acc_" + strconv.Itoa(1_000_000+i), Trigger: twofetch.TriggerSchedule},
				asynq.TaskID(SlotTaskID(login, slot)), asynq.Retention(time.Hour))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := client.EnqueueContext(ctx, t); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "enqueued/s")
		pending := redisMemory(b, rdb)
		b.ReportMetric(float64(pending-before)/n, "redis-B/pending")

		var done atomic.Int64
		finished := make(chan struct{})
		srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{Concurrency: 16, Queues: QueuePriorities,
			Logger: quietAsynq{}, LogLevel: asynq.FatalLevel})
		mux := asynq.NewServeMux()
		mux.HandleFunc(TypeFetchAccount, func(context.Context, *asynq.Task) error {
			if done.Add(1) == n {
				close(finished)
			}
			return nil
		})
		start = time.Now()
		if err := srv.Start(mux); err != nil {
			b.Fatal(err)
		}
		select {
		case <-finished:
		case <-time.After(10 * time.Minute):
			b.Fatalf("%d of %d tasks worked", done.Load(), n)
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "worked/s")
		srv.Shutdown()
		b.ReportMetric(float64(redisMemory(b, rdb)-before)/n, "redis-B/finished")
	}
}

// redisMemory is Redis's used_memory in bytes.
func redisMemory(b *testing.B, rdb *redis.Client) int64 {
	b.Helper()
	info, err := rdb.Info(context.Background(), "memory").Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatal("no used_memory in INFO memory")
	return 0
}

type quietAsynq struct{}

func (quietAsynq) Debug(...any) {}
func (quietAsynq) Info(...any)  {}
func (quietAsynq) Warn(...any)  {}
func (quietAsynq) Error(...any) {}
func (quietAsynq) Fatal(...any) {}

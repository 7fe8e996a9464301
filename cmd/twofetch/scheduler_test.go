package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/store"
	"github.com/twofetch/twofetch/workers"
)

// The scheduler command queues a due account once and stops cleanly.
func TestSchedulerCommand(t *testing.T) {
	ctx := context.Background()
	redisURL := testenv.StartRedis(t).URL
	dir := t.TempDir()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "twofetch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := store.Migrate(ctx, st); err != nil {
		t.Fatal(err)
	}
	ten := &twofetch.Tenant{Name: "t"}
	if err := st.CreateTenant(ctx, ten); err != nil {
		t.Fatal(err)
	}
	due := time.Now().Add(-time.Hour)
	acc := &twofetch.Account{TenantID: ten.ID, Portal: "p", Username: "u", Status: twofetch.AccountActive, NextRunAt: &due}
	if err := st.CreateAccount(ctx, acc); err != nil {
		t.Fatal(err)
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var out, errb bytes.Buffer
	m := NewMain(strings.NewReader(""), &out, &errb, []string{"TWOFETCH_DATA_DIR=" + dir, "TWOFETCH_REDIS_URL=" + redisURL})
	code := make(chan int, 1)
	go func() { code <- m.Run(runCtx, []string{"scheduler"}) }()

	opt, _ := redis.ParseURL(redisURL)
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	insp := asynq.NewInspectorFromRedisClient(rdb)
	deadline := time.Now().Add(30 * time.Second)
	var id string
	for {
		ts, _ := insp.ListPendingTasks(workers.QueueDaily)
		if len(ts) == 1 {
			id = ts[0].ID
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no task queued; stderr:\n%s", errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if want := workers.SlotTaskID(acc.ID, due); id != want {
		t.Errorf("task id %q, want %q", id, want)
	}
	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("exit %d; stderr:\n%s", c, errb.String())
	}
	got, err := st.AccountByID(ctx, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.NextRunAt == nil || !got.NextRunAt.After(time.Now().Add(11*time.Hour)) {
		t.Fatalf("next run not advanced: %v", got.NextRunAt)
	}
}

func TestWorkerAndSchedulerStartErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     []string
		wantErr string
	}{
		{"worker without Redis", []string{"worker"}, nil, "TWOFETCH_REDIS_URL: required"},
		{"scheduler without Redis", []string{"scheduler"}, nil, "TWOFETCH_REDIS_URL: required"},
		{"database unreachable", []string{"scheduler"},
			[]string{"TWOFETCH_DATABASE_URL=postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", "TWOFETCH_REDIS_URL=redis://127.0.0.1:1"},
			"TWOFETCH_DATABASE_URL"},
		{"bad blob URL", []string{"worker", "--blob-url", "ftp://x"}, nil, "TWOFETCH_BLOB_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			env := append([]string{"TWOFETCH_DATA_DIR=" + t.TempDir()}, tt.env...)
			m := NewMain(strings.NewReader(""), &out, &errb, env)
			code := m.Run(context.Background(), tt.args)
			if code == 0 || !strings.Contains(errb.String(), tt.wantErr) {
				t.Fatalf("exit %d, stderr %q; want non-zero and %q", code, errb.String(), tt.wantErr)
			}
		})
	}
}

// The worker command opens the database, vault, browser and blob store,
// serves the queue, and stops cleanly on cancel.
func TestWorkerCommand(t *testing.T) {
	chrome := testenv.ChromePath(t)
	redisURL := testenv.StartRedis(t).URL
	dir := t.TempDir()
	runCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb bytes.Buffer
	m := NewMain(strings.NewReader(""), &out, &errb, []string{
		"TWOFETCH_DATA_DIR=" + dir, "TWOFETCH_REDIS_URL=" + redisURL, "TWOFETCH_CHROME_PATH=" + chrome,
		"TWOFETCH_SMS_LOG_ALLOWED=true",
	})
	code := make(chan int, 1)
	go func() { code <- m.Run(runCtx, []string{"worker", "--concurrency", "3"}) }()

	opt, _ := redis.ParseURL(redisURL)
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	insp := asynq.NewInspectorFromRedisClient(rdb)
	deadline := time.Now().Add(time.Minute)
	for {
		srvs, _ := insp.Servers()
		if len(srvs) == 1 {
			if srvs[0].Concurrency != 3 || srvs[0].Queues[workers.QueueCritical] == 0 || srvs[0].Queues[workers.QueueDaily] == 0 {
				t.Errorf("worker serves %+v", srvs[0])
			}
			break
		}
		select {
		case c := <-code:
			t.Fatalf("worker exited with %d; stderr:\n%s", c, errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker never registered with the queue; stderr:\n%s", errb.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("exit %d; stderr:\n%s", c, errb.String())
	}
}

package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/redis/go-redis/v9"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/blob"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/web"
	"github.com/twofetch/twofetch/workers"
)

// A worker and a web process share nothing but the database and one S3
// store, each with a data directory of its own: support still sees the
// failed run's screenshot, page and step log.
func TestArtifactsAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	backend := s3mem.New()
	if err := backend.CreateBucket("twofetch"); err != nil {
		t.Fatal(err)
	}
	s3srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer s3srv.Close()
	openS3 := func() blob.Store {
		b, err := blob.Open(ctx, "s3://twofetch/prod?endpoint="+s3srv.URL+"&path_style=true", aws.Config{
			Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pe := newPipeEnv(t, func(p *web.Pipeline) { p.Blob = openS3() })

	shot := pngBytes(t)
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	workerDir := t.TempDir()
	w, err := workers.NewServer(workers.ServerConfig{
		Redis: rdb, Store: pe.store, Blobs: openS3(), DataDir: workerDir,
		Fetcher: twofetch.FetcherFunc(func(ctx context.Context, job *twofetch.FetchJob) (*twofetch.FetchResult, error) {
			os.WriteFile(filepath.Join(job.ArtifactDir, "screenshot.png"), shot, 0o600)
			os.WriteFile(filepath.Join(job.ArtifactDir, "page.html"), []byte("<h1>Something changed</h1>"), 0o600)
			return &twofetch.FetchResult{Steps: []twofetch.StepLog{
				{Path: "login/0", Kind: "navigate", Name: "open the login page", Start: time.Now(), Duration: time.Second},
				{Path: "login/1", Kind: "wait", Name: "wait for the e-mail field", Start: time.Now(), Err: "not found"},
			}}, twofetch.Fail(twofetch.OutcomePortalChanged, "the e-mail field never appeared")
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	run := &twofetch.Run{TenantID: pe.a.ID, AccountID: pe.aAcct.ID, Portal: "demo", Trigger: twofetch.TriggerManual}
	if err := pe.store.CreateRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	task, err := workers.NewFetchTask(workers.FetchPayload{AccountID: pe.aAcct.ID, RunID: run.ID, Trigger: twofetch.TriggerManual})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Handler().ProcessTask(ctx, task); err != nil {
		t.Fatalf("fetch task: %v", err)
	}
	if left, _ := os.ReadDir(workerDir); len(left) != 0 {
		t.Errorf("the worker left %d files in its data directory", len(left))
	}

	c := pe.browser(t)
	c.login(t, pe.aAdmin)
	res := c.get(t, "/support/runs/"+run.ID+"/screenshot.png")
	if res.status != http.StatusOK || !bytes.Equal(res.body, shot) || res.header.Get("Content-Type") != "image/png" {
		t.Fatalf("screenshot: %d, %s, %d bytes", res.status, res.header.Get("Content-Type"), len(res.body))
	}
	res = c.get(t, "/support/runs/"+run.ID+"/page.html")
	if res.status != http.StatusOK || !strings.Contains(string(res.body), "Something changed") {
		t.Fatalf("page HTML: %d %q", res.status, res.body)
	}
	res = c.get(t, "/support/runs/"+run.ID)
	body := string(res.body)
	if res.status != http.StatusOK || !strings.Contains(body, `id="screenshot"`) ||
		!strings.Contains(body, "wait for the e-mail field") || !strings.Contains(body, "FAILED: not found") {
		t.Fatalf("support run page: %d\n%s", res.status, body)
	}
}

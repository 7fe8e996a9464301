package workers

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
)

// A webhook URL that points into the machine's own network (stored before
// any check, or a name re-pointed after it was set) is refused when the
// worker dials, after DNS resolution: no connection reaches the internal
// service, and the task's error, shown in the queue monitor, carries
// neither the URL's secret nor anything about the port.
func TestAttackWebhookDialsInternalService(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var conns atomic.Int32
	internal := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	internal.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	internal.StartTLS()
	t.Cleanup(internal.Close)
	_, port, _ := net.SplitHostPort(internal.Listener.Addr().String())

	cfg := e.config()
	cfg.HTTPClient = nil // the default a worker runs with
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var errs []string
	for _, u := range []string{
		"https://localhost:" + port + "/hook?token=hook-secret-in-query",
		"https://127.0.0.1:" + port + "/hook?token=hook-secret-in-query",
		"https://127.0.0.1:1/hook?token=hook-secret-in-query",
	} {
		e.tenant.WebhookURL = u
		if err := e.store.UpdateTenant(ctx, e.tenant); err != nil {
			t.Fatal(err)
		}
		ev := Event{ID: twofetch.NewID("evt"), Type: EventInvoiceCreated, TenantID: e.tenant.ID, CreatedAt: time.Now(), Data: json.RawMessage(`{}`)}
		task, err := NewWebhookTask(ev)
		if err != nil {
			t.Fatal(err)
		}
		err = s.Handler().ProcessTask(ctx, task)
		if err == nil {
			t.Fatalf("delivery to %s succeeded", u)
		}
		msg := err.Error()
		if strings.Contains(msg, "hook-secret-in-query") || strings.Contains(msg, "/hook") {
			t.Errorf("task error carries the URL: %q", msg)
		}
		if !strings.Contains(msg, "refused: private address") {
			t.Errorf("delivery to %s: %q, want a private-address refusal", u, msg)
		}
		errs = append(errs, strings.ReplaceAll(strings.ReplaceAll(msg, "localhost", "H"), "127.0.0.1", "H"))
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("the internal service got %d connections", n)
	}
	if errs[1] != strings.ReplaceAll(errs[2], ":1", ":"+port) {
		t.Errorf("errors tell an open port from a closed one: %q vs %q", errs[1], errs[2])
	}
}

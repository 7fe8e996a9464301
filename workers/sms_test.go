package workers

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/enroll"
	"github.com/twofetch/twofetch/internal/netguard"
	"github.com/twofetch/twofetch/internal/signature"
	"github.com/twofetch/twofetch/sms"
	"github.com/twofetch/twofetch/vault"
)

// An enrolment SMS queued by the enrolment service is sent by the worker
// through the operator's SMS gateway, retried while the gateway fails.
func TestSMSTask(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	var mu sync.Mutex
	var got []map[string]string
	failures := 1
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := signature.Verify("gw-secret", r.Header.Get("X-Twofetch-Signature"), body, time.Minute, time.Now()); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if failures > 0 {
			failures--
			http.Error(w, "gateway busy", http.StatusBadGateway)
			return
		}
		var m map[string]string
		json.Unmarshal(body, &m)
		got = append(got, m)
	}))
	defer gw.Close()

	var raw [32]byte
	rand.Read(raw[:])
	kek, err := vault.MasterKey(base64.StdEncoding.EncodeToString(raw[:]))
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(vault.Config{Store: e.store, KEK: kek, Redis: e.rdb})
	if err != nil {
		t.Fatal(err)
	}
	enq := NewEnqueuer(e.rdb, e.store, nil)
	defer enq.Close()
	svc, err := enroll.New(enroll.Config{
		Store: e.store, Vault: v, Redis: e.rdb, PublicURL: "https://fetch.example.com",
		Sender: &sms.Webhook{URL: gw.URL, Secret: "gw-secret",
			Client: netguard.Policy{AllowHTTP: true, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}.Client(15 * time.Second)},
		EnqueueSMS: enq.EnqueueSMS,
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := e.config()
	cfg.SMS = svc
	e.start(t, cfg)

	acc := e.account(t, "frank")
	enr, link, err := svc.Start(ctx, e.tenant, acc.ID, "+49 151 23456789", "en")
	if err != nil {
		t.Fatal(err)
	}
	// The first attempt hits the failing gateway; asynq retries after a
	// backoff of a few seconds.
	var status twofetch.EnrollmentStatus
	waitFor(t, "the SMS to be sent", 2*time.Minute, func() bool {
		cur, err := e.store.EnrollmentByID(ctx, enr.ID)
		if err != nil {
			t.Fatal(err)
		}
		status = cur.Status
		return status == twofetch.EnrollmentSMSSent
	})
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0]["to"] != "+4915123456789" || !strings.Contains(got[0]["body"], link) {
		t.Fatalf("gateway received %v; want one SMS to +4915123456789 with the link", got)
	}
}

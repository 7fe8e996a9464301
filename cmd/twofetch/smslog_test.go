package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch/internal/testenv"
)

// The log SMS sender writes every enrolment link to the log; in a
// production web process anyone who reads the logs could take over
// customers' enrolments. It is refused there unless explicitly allowed.
func TestAttackLogSenderInProduction(t *testing.T) {
	rd := testenv.StartRedis(t)
	out := &testenv.LogLines{}
	errs := &testenv.LogLines{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	m := NewMain(strings.NewReader(""), out, errs, []string{"TWOFETCH_REDIS_URL=" + rd.URL, "TWOFETCH_DATA_DIR=" + t.TempDir()})
	exit := make(chan int, 1)
	go func() { exit <- m.Run(ctx, []string{"web", "--addr", "127.0.0.1:0"}) }()
	for {
		select {
		case code := <-exit:
			if code == 0 || !strings.Contains(errs.String(), "TWOFETCH_SMS_LOG_ALLOWED") {
				t.Errorf("web with the log sender: exit %d, stderr %s", code, errs.String())
			}
			return
		case <-time.After(50 * time.Millisecond):
			if strings.Contains(out.String(), "twofetch listening on ") {
				cancel()
				<-exit
				t.Fatal("web started with the log SMS sender")
			}
		}
	}
}

func TestLogSenderWhereAllowed(t *testing.T) {
	for _, tc := range []struct {
		cmd     string
		env     []string
		allowed bool
	}{
		{"all", nil, true},
		{"all", []string{"TWOFETCH_PUBLIC_URL=http://127.0.0.1:8080"}, true},
		{"all", []string{"TWOFETCH_PUBLIC_URL=https://fetch.example.com"}, false},
		{"all", []string{"TWOFETCH_PUBLIC_URL=https://fetch.example.com", "TWOFETCH_REPLICAS=true"}, true},
		{"all", []string{"TWOFETCH_PUBLIC_URL=https://fetch.example.com", "TWOFETCH_SMS_LOG_ALLOWED=true"}, true},
		{"web", nil, false},
		{"worker", nil, false},
		{"web", []string{"TWOFETCH_SMS_LOG_ALLOWED=true"}, true},
	} {
		m := configured(t, tc.cmd, tc.env)
		m.command = tc.cmd
		if err := m.logSMSAllowed(); (err == nil) != tc.allowed {
			t.Errorf("%s %v: %v, want allowed=%v", tc.cmd, tc.env, err, tc.allowed)
		}
	}
}

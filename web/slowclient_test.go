package web_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/twofetch/twofetch/web"
)

// trickle writes head at once, then one byte of rest at a time, until the
// server closes the connection. It reports whether the server cut the
// client off before everything was sent.
func trickle(t *testing.T, addr, head, rest string) bool {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		_, _ = io.Copy(io.Discard, c) // returns when the server closes
	}()
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	for i := range len(rest) {
		select {
		case <-closed:
			return true
		case <-time.After(100 * time.Millisecond):
		}
		if _, err := io.WriteString(c, rest[i:i+1]); err != nil {
			return true
		}
	}
	return false
}

func slowServer(t *testing.T) string {
	t.Helper()
	e := sqliteEnv(t)
	srv, err := web.New(web.Config{Store: e.store, Vault: e.vault, Portals: web.PortalList{"demo"},
		ReadHeaderTimeout: time.Second, ReadTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	t.Cleanup(func() { cancel(); <-done })
	return l.Addr().String()
}

// A client that trickles its request headers (slowloris) holds a
// connection and a goroutine for as long as it likes unless the server
// cuts it off; 60 seconds of trickling must not get through.
func TestAttackSlowHeaders(t *testing.T) {
	addr := slowServer(t)
	var rest []byte
	for range 60 {
		rest = append(rest, "X-Slow: a\r\n"...)
	}
	if !trickle(t, addr, "GET /healthz HTTP/1.1\r\nHost: twofetch\r\n", string(rest[:600])) {
		t.Error("the server read a minute of trickled headers without cutting the client off")
	}
}

// The same with a request body: headers at once, then the body one byte at
// a time.
func TestAttackSlowBody(t *testing.T) {
	addr := slowServer(t)
	body := make([]byte, 600)
	for i := range body {
		body[i] = ' '
	}
	head := "POST /api/v1/accounts HTTP/1.1\r\nHost: twofetch\r\nAuthorization: Bearer tfapi_x\r\nContent-Type: application/json\r\nContent-Length: 600\r\n\r\n"
	if !trickle(t, addr, head, string(body)) {
		t.Error("the server read a minute of trickled body without cutting the client off")
	}
}

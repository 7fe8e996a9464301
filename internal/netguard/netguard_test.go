package netguard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

func TestPrivate(t *testing.T) {
	for _, c := range []struct {
		addr    string
		private bool
	}{
		{"127.0.0.1", true}, {"127.8.9.1", true}, {"10.1.2.3", true}, {"172.31.255.1", true},
		{"192.168.0.1", true}, {"169.254.169.254", true}, {"100.64.1.1", true}, {"0.0.0.0", true},
		{"224.0.0.251", true}, {"255.255.255.255", true}, {"::1", true}, {"::", true},
		{"fd12:3456::1", true}, {"fe80::1", true}, {"ff02::1", true}, {"::ffff:10.0.0.1", true},
		{"64:ff9b::a00:1", true},
		{"93.184.216.34", false}, {"1.1.1.1", false}, {"2606:4700::1111", false}, {"172.32.0.1", false},
	} {
		if got := Private(netip.MustParseAddr(c.addr)); got != c.private {
			t.Errorf("Private(%s) = %v, want %v", c.addr, got, c.private)
		}
	}
}

func TestParseAllow(t *testing.T) {
	got, err := ParseAllow(" 10.1.0.0/16, 127.0.0.1 ,::1")
	if err != nil || len(got) != 3 || got[1].Bits() != 32 || got[2].Bits() != 128 {
		t.Fatalf("ParseAllow: %v %v", got, err)
	}
	if _, err := ParseAllow("10.0.0.0/8,intranet"); err == nil {
		t.Error("a host name was taken for a network")
	}
	p := Policy{Allow: got}
	if !p.Allowed(netip.MustParseAddr("10.1.200.3")) || p.Allowed(netip.MustParseAddr("10.2.0.1")) {
		t.Error("Allow list not applied")
	}
}

func TestClientRefusesPrivateAfterResolution(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	c := Policy{AllowHTTP: true}.Client(5 * time.Second)
	for _, u := range []string{"http://localhost:" + port + "/", srv.URL + "/"} {
		_, err := c.Get(u)
		if !errors.Is(err, ErrPrivate) {
			t.Errorf("GET %s: %v, want ErrPrivate", u, err)
		}
		pu, _ := url.Parse(u)
		if r := Redact(err); r.Error() != "Get http://"+pu.Host+": refused: private address" {
			t.Errorf("redacted: %q", r)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("the loopback server was reached %d times", hits.Load())
	}
	if _, err := (Policy{}).Client(5 * time.Second).Get(srv.URL); err == nil {
		t.Error("plain http allowed by the default policy")
	}
}

func TestClientFollowsNoRedirect(t *testing.T) {
	var inner atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { inner.Add(1) }))
	defer target.Close()
	redirect := httptest.NewServer(http.RedirectHandler(target.URL+"/admin", http.StatusFound))
	defer redirect.Close()
	lo := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	res, err := Policy{AllowHTTP: true, Allow: lo}.Client(5 * time.Second).Get(redirect.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound || inner.Load() != 0 {
		t.Errorf("redirect followed: status %d, target hit %d times", res.StatusCode, inner.Load())
	}
}

func TestCheckURL(t *testing.T) {
	ctx := context.Background()
	for u, ok := range map[string]bool{
		"https://hooks.example.com/x": true, // does not resolve here: left to the dial-time check
		"https://8.8.8.8/x":           true,
		"http://8.8.8.8/x":            false,
		"https://localhost/x":         false,
		"https://10.0.0.1/x":          false,
		"https://user:pw@8.8.8.8/x":   false,
		"ftp://8.8.8.8/x":             false,
		"https:///x":                  false,
	} {
		if err := (Policy{}).CheckURL(ctx, u); (err == nil) != ok {
			t.Errorf("CheckURL(%s) = %v", u, err)
		}
	}
}

// Package netguard keeps the requests twofetch makes to addresses that
// tenants or operators configure (webhook URLs, the SMS gateway) away from
// the machine's own network: loopback, private, link-local (the cloud
// metadata service at 169.254.169.254), unique-local IPv6, multicast and
// unspecified addresses are refused, both when a URL is set and again at
// dial time after DNS resolution, so a name that resolves to such an
// address, or is re-pointed to one later, is refused too.
//
// Errors say "refused: private address" and nothing about whether anything
// listens there, so the guard cannot be used to scan internal ports.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrPrivate is the refusal of an address on the machine's own networks.
var ErrPrivate = errors.New("refused: private address")

// Policy says which outbound URLs are allowed.
type Policy struct {
	// AllowHTTP permits plain http:// URLs; without it only https:// is
	// accepted. For development and tests.
	AllowHTTP bool
	// Allow lists networks reached despite being private, for an operator
	// whose SMS gateway lives on an internal network, or for development
	// on loopback.
	Allow []netip.Prefix
	// Resolver looks up host names when a URL is checked. Default
	// net.DefaultResolver.
	Resolver *net.Resolver
}

// ParseAllow parses a comma-separated list of networks ("10.1.0.0/16,
// 127.0.0.1"); a bare address is a network of one.
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a network (10.0.0.0/8) nor an address", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Private reports whether a is an address of the machine's own networks.
func Private(a netip.Addr) bool {
	a = a.Unmap()
	return !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() ||
		a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() || a.IsMulticast() ||
		a.IsUnspecified() || cgnat.Contains(a) || a == broadcast ||
		(a.Is6() && nat64.Contains(a))
}

var (
	// Carrier-grade NAT space is as internal as RFC 1918 in clouds.
	cgnat     = netip.MustParsePrefix("100.64.0.0/10")
	broadcast = netip.MustParseAddr("255.255.255.255")
	// NAT64 addresses embed IPv4 ones, private ones included.
	nat64 = netip.MustParsePrefix("64:ff9b::/96")
)

// Allowed reports whether the policy lets a connection reach a.
func (p Policy) Allowed(a netip.Addr) bool {
	a = a.Unmap()
	for _, n := range p.Allow {
		if n.Contains(a) {
			return true
		}
	}
	return !Private(a)
}

// CheckURL checks a URL when it is set: its scheme, and every address its
// host resolves to now. Errors are meant for the tenant who set it.
func (p Policy) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return errors.New("want an https:// URL")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && p.AllowHTTP:
	case u.Scheme == "http":
		return errors.New("want an https:// URL; plain http is refused")
	default:
		return errors.New("want an https:// URL")
	}
	if u.User != nil {
		return errors.New("credentials in the URL are refused; put them in the path or a query parameter")
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		if !p.Allowed(a) {
			return ErrPrivate
		}
		return nil
	}
	r := p.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		// A name that does not resolve yet is not refused: the check at
		// dial time decides, on whatever it resolves to then.
		return nil
	}
	for _, a := range addrs {
		if !p.Allowed(a) {
			return ErrPrivate
		}
	}
	return nil
}

// control runs after DNS resolution, on the address about to be dialled.
func (p Policy) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !p.Allowed(ap.Addr()) {
		return ErrPrivate
	}
	return nil
}

// Client returns an HTTP client that dials only addresses the policy
// allows, refuses plain http unless allowed, ignores proxy settings (a
// proxy would dial on the client's behalf, past the guard) and follows no
// redirects: a redirect is answered as the final response, so a public
// URL cannot bounce a request to an internal one.
func (p Policy) Client(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: p.control}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          50,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{
		Timeout:   timeout,
		Transport: &schemeCheck{next: tr, allowHTTP: p.AllowHTTP},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

type schemeCheck struct {
	next      http.RoundTripper
	allowHTTP bool
}

func (s *schemeCheck) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme != "https" && !(r.URL.Scheme == "http" && s.allowHTTP) {
		return nil, errors.New("refused: plain http")
	}
	return s.next.RoundTrip(r)
}

// Redact returns err without the URL a *url.Error carries: task errors are
// shown in the queue monitor and logs, and webhook URLs often hold a
// secret in their path or query. Only the scheme and host remain, and the
// cause, which for refused addresses is ErrPrivate (kept for errors.Is).
func Redact(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	where := "(unparsable URL)"
	if u, perr := url.Parse(ue.URL); perr == nil {
		where = u.Scheme + "://" + u.Host
	}
	cause := ue.Err
	if errors.Is(cause, ErrPrivate) {
		cause = ErrPrivate
	}
	return &redacted{msg: ue.Op + " " + where + ": " + cause.Error(), cause: cause}
}

type redacted struct {
	msg   string
	cause error
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.cause }

// Host returns the scheme and host of a URL, for messages that must not
// carry its path, query or credentials.
func Host(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Scheme + "://" + u.Host
}

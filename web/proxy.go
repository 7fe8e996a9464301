package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/twofetch/twofetch"
)

// maxProxyURL bounds a proxy URL: long enough for any real host and
// credentials, short enough to keep the sealed row small.
const maxProxyURL = 2048

// ProxyRequest is the body of PUT /api/v1/tenant/proxy and
// PUT /api/v1/logins/{id}/proxy.
type ProxyRequest struct {
	// URL is http://, https:// or socks5:// with host and port, and
	// user:password when the proxy wants them.
	URL string `json:"url"`
}

// ProxyView says whether a proxy is set and where it points; its
// credentials are never shown.
type ProxyView struct {
	Set bool `json:"set"`
	// Endpoint is scheme://host:port, when the vault can tell it.
	Endpoint string `json:"endpoint,omitempty"`
	// Inherited is true on a login that has none of its own and so uses
	// its tenant's.
	Inherited bool `json:"inherited,omitempty"`
}

// proxyEndpointer is met by the vault: it tells a sealed proxy's
// scheme://host:port and never its credentials.
type proxyEndpointer interface {
	ProxyEndpoint(ctx context.Context, ref twofetch.SecretRef) (string, error)
}

// parseProxyURL checks a proxy URL as the browser pool will use it. Its
// errors never quote the URL, which may hold a password.
func parseProxyURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return nil, twofetch.Errorf(twofetch.EINVALID, "url is required")
	case len(raw) > maxProxyURL:
		return nil, twofetch.Errorf(twofetch.EINVALID, "url is longer than %d bytes", maxProxyURL)
	case hasControl(raw):
		return nil, twofetch.Errorf(twofetch.EINVALID, "url contains control characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, twofetch.Errorf(twofetch.EINVALID, "url: not a URL")
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return nil, twofetch.Errorf(twofetch.EINVALID, "url: want http://, https:// or socks5://")
	}
	if u.Hostname() == "" {
		return nil, twofetch.Errorf(twofetch.EINVALID, "url: host is missing")
	}
	if p, err := strconv.Atoi(u.Port()); err != nil || p < 1 || p > 65535 {
		return nil, twofetch.Errorf(twofetch.EINVALID, "url: want a port from 1 to 65535 after the host")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, twofetch.Errorf(twofetch.EINVALID, "url: want no path, query or fragment")
	}
	return u, nil
}

func tenantProxyRef(tenantID string) twofetch.SecretRef {
	return twofetch.SecretRef{TenantID: tenantID, AccountID: twofetch.TenantWide, Field: twofetch.FieldProxy}
}

// proxyTarget finds the secret a proxy route works on: the tenant's own,
// or a login's of this tenant (another tenant's login is not found).
func (s *Server) proxyTarget(r *http.Request) (twofetch.SecretRef, string, error) {
	t := TenantFrom(r.Context())
	id := r.PathValue("id")
	if id == "" {
		return tenantProxyRef(t.ID), t.ID, nil
	}
	l, err := s.cfg.Store.Login(r.Context(), t.ID, id)
	if err != nil {
		return twofetch.SecretRef{}, "", notFoundOr(err, "login")
	}
	return twofetch.SecretRef{TenantID: t.ID, AccountID: l.ID, Field: twofetch.FieldProxy}, l.ID, nil
}

func (s *Server) proxyView(ctx context.Context, ref twofetch.SecretRef) (ProxyView, error) {
	_, err := s.cfg.Store.GetSecret(ctx, ref)
	if twofetch.IsNotFound(err) {
		return ProxyView{}, nil
	}
	if err != nil {
		return ProxyView{}, fmt.Errorf("read proxy: %w", err)
	}
	v := ProxyView{Set: true}
	if pe, ok := s.cfg.Vault.(proxyEndpointer); ok {
		if v.Endpoint, err = pe.ProxyEndpoint(ctx, ref); err != nil {
			return ProxyView{}, fmt.Errorf("read proxy: %w", err)
		}
	}
	return v, nil
}

func (s *Server) getProxy(w http.ResponseWriter, r *http.Request) {
	ref, _, err := s.proxyTarget(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	v, err := s.proxyView(r.Context(), ref)
	if err == nil && !v.Set && ref.AccountID != twofetch.TenantWide {
		if v, err = s.proxyView(r.Context(), tenantProxyRef(ref.TenantID)); v.Set {
			v.Inherited = true
		}
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.JSON(w, r, http.StatusOK, v)
}

func (s *Server) putProxy(w http.ResponseWriter, r *http.Request) {
	var in ProxyRequest
	if err := s.DecodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	u, err := parseProxyURL(in.URL)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ref, object, err := s.proxyTarget(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.cfg.Vault.Seal(r.Context(), ref, []byte(u.String())); err != nil {
		s.Error(w, r, fmt.Errorf("seal proxy: %w", err))
		return
	}
	endpoint := u.Scheme + "://" + net.JoinHostPort(u.Hostname(), u.Port())
	s.audit(r, "proxy.set", object, endpoint)
	s.JSON(w, r, http.StatusOK, ProxyView{Set: true, Endpoint: endpoint})
}

func (s *Server) deleteProxy(w http.ResponseWriter, r *http.Request) {
	ref, object, err := s.proxyTarget(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.cfg.Vault.Delete(r.Context(), ref); err != nil && !twofetch.IsNotFound(err) {
		s.Error(w, r, fmt.Errorf("delete proxy: %w", err))
		return
	}
	s.audit(r, "proxy.clear", object, "")
	w.WriteHeader(http.StatusNoContent)
}

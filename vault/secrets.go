package vault

import (
	"context"
	"errors"
	"net/url"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/metrics"
)

// HasKey reports whether an authenticator key is stored at ref, without
// opening it: with KMS every open is a paid, logged call.
func (v *Vault) HasKey(ctx context.Context, ref twofetch.SecretRef) (bool, error) {
	if err := checkRef(ref); err != nil {
		return false, err
	}
	_, err := v.store.GetSecret(ctx, ref)
	if twofetch.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// AccountSecrets opens one login's secrets, one at a time, when a portal
// script needs them. AccountID is the login's id (see SecretRef).
type AccountSecrets struct {
	Vault               *Vault
	TenantID, AccountID string
}

var _ twofetch.Secrets = (*AccountSecrets)(nil)

// SecretsOf returns the secrets of the account's login in v: every account
// behind one login signs in with the same password, key and cookies.
func SecretsOf(v *Vault, a *twofetch.Account) *AccountSecrets {
	return &AccountSecrets{Vault: v, TenantID: a.TenantID, AccountID: a.LoginOrOwnID()}
}

func (s *AccountSecrets) ref(field string) twofetch.SecretRef {
	return twofetch.SecretRef{TenantID: s.TenantID, AccountID: s.AccountID, Field: field}
}

// Password opens the portal password.
func (s *AccountSecrets) Password(ctx context.Context) (string, error) {
	b, err := s.Vault.Open(ctx, s.ref(twofetch.FieldPassword))
	if twofetch.IsNotFound(err) {
		return "", twofetch.Fail(twofetch.OutcomeBadCredentials, "no password stored for the account")
	}
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Credential opens a secret credential of the login (a PIN) named by the
// portal's script.
func (s *AccountSecrets) Credential(ctx context.Context, name string) (string, error) {
	b, err := s.Vault.Open(ctx, s.ref(twofetch.FieldCredential(name)))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Code issues a code of the enrolled key, opening it once.
func (s *AccountSecrets) Code(ctx context.Context) (string, error) {
	c, err := s.Vault.Code(ctx, s.ref(twofetch.FieldTOTP))
	if twofetch.IsNotFound(err) {
		return "", twofetch.Fail(twofetch.OutcomeOTPMissing, "no authenticator key enrolled")
	}
	if err != nil {
		return "", err
	}
	kind := string(c.Type)
	if kind == "" {
		kind = "totp"
	}
	metrics.CodesIssued.WithLabelValues(kind).Inc()
	return c.Value, nil
}

// HasKey reports whether a key is enrolled without opening it.
func (s *AccountSecrets) HasKey(ctx context.Context) (bool, error) {
	return s.Vault.HasKey(ctx, s.ref(twofetch.FieldTOTP))
}

// Cookies opens the portal session's cookies.
func (s *AccountSecrets) Cookies(ctx context.Context) ([]byte, error) {
	return s.Vault.Open(ctx, s.ref(twofetch.FieldCookies))
}

// SaveCookies seals the portal session's cookies.
func (s *AccountSecrets) SaveCookies(ctx context.Context, b []byte) error {
	return s.Vault.Seal(ctx, s.ref(twofetch.FieldCookies), b)
}

// Identity opens the login's browser identity.
func (s *AccountSecrets) Identity(ctx context.Context) ([]byte, error) {
	return s.Vault.Open(ctx, s.ref(twofetch.FieldBrowserIdentity))
}

// SaveIdentity seals the login's browser identity.
func (s *AccountSecrets) SaveIdentity(ctx context.Context, b []byte) error {
	return s.Vault.Seal(ctx, s.ref(twofetch.FieldBrowserIdentity), b)
}

// Profile opens the login's packed browser profile.
func (s *AccountSecrets) Profile(ctx context.Context) ([]byte, error) {
	return s.Vault.Open(ctx, s.ref(twofetch.FieldBrowserProfile))
}

// SaveProfile seals the login's packed browser profile.
func (s *AccountSecrets) SaveProfile(ctx context.Context, b []byte) error {
	return s.Vault.Seal(ctx, s.ref(twofetch.FieldBrowserProfile), b)
}

// Proxy opens the login's outbound proxy URL, else its tenant's; "" when
// neither has one.
func (s *AccountSecrets) Proxy(ctx context.Context) (string, error) {
	for _, ref := range []twofetch.SecretRef{s.ref(twofetch.FieldProxy),
		{TenantID: s.TenantID, AccountID: twofetch.TenantWide, Field: twofetch.FieldProxy}} {
		b, err := s.Vault.Open(ctx, ref)
		if twofetch.IsNotFound(err) {
			continue
		}
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
	return "", nil
}

// ProxyEndpoint opens the proxy sealed at ref and gives only its
// scheme://host:port, so the API can say which proxy is set without ever
// holding its credentials.
func (v *Vault) ProxyEndpoint(ctx context.Context, ref twofetch.SecretRef) (string, error) {
	b, err := v.Open(ctx, ref)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(string(b))
	if err != nil {
		// Never echo the value: it holds credentials.
		return "", errors.New("sealed proxy URL does not parse")
	}
	return u.Scheme + "://" + u.Host, nil
}

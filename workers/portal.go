package workers

import (
	"context"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/metrics"
	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/vault"
)

// Vault is what a portal run needs of the vault: the account's password and
// cookies, and a code when the 2FA prompt appears.
type Vault interface {
	Open(ctx context.Context, ref twofetch.SecretRef) ([]byte, error)
	Seal(ctx context.Context, ref twofetch.SecretRef, plaintext []byte) error
	Code(ctx context.Context, ref twofetch.SecretRef) (vault.Code, error)
	KeyInfo(ctx context.Context, ref twofetch.SecretRef) (vault.KeyInfo, error)
}

var _ Vault = (*vault.Vault)(nil)

// PortalFetcher runs portal scripts on the browser pool with credentials
// from the vault.
type PortalFetcher struct {
	Runner *portals.Runner
	Vault  Vault
}

var _ Fetcher = (*PortalFetcher)(nil)

// Fetch plays the account's portal script.
func (f *PortalFetcher) Fetch(ctx context.Context, job FetchJob) (*FetchResult, error) {
	a := job.Account
	pj := &portals.Job{
		Portal:      a.Portal,
		Username:    a.Username,
		Secrets:     &VaultSecrets{Vault: f.Vault, TenantID: a.TenantID, AccountID: a.ID},
		Known:       job.Known,
		ArtifactDir: job.ArtifactDir,
		Logger:      job.Logger,
		Save: func(ctx context.Context, d *portals.Document) error {
			return job.Save(ctx, &Document{
				PortalInvoiceID: d.PortalInvoiceID, Number: d.Number, Date: d.Date, Amount: d.Amount,
				Currency: d.Currency, ContentType: d.ContentType, SHA256: d.SHA256, Data: d.Data,
			})
		},
	}
	if _, err := f.Runner.Run(ctx, pj); err != nil {
		return nil, err
	}
	// ok or no_documents is decided by what was actually stored, which
	// leaves out documents an earlier attempt already saved.
	return &FetchResult{}, nil
}

// VaultSecrets opens an account's secrets one at a time, when the script
// needs them.
type VaultSecrets struct {
	Vault               Vault
	TenantID, AccountID string
}

var _ portals.Secrets = (*VaultSecrets)(nil)

func (s *VaultSecrets) ref(field string) twofetch.SecretRef {
	return twofetch.SecretRef{TenantID: s.TenantID, AccountID: s.AccountID, Field: field}
}

func (s *VaultSecrets) Password(ctx context.Context) (string, error) {
	b, err := s.Vault.Open(ctx, s.ref(twofetch.FieldPassword))
	if twofetch.IsNotFound(err) {
		return "", twofetch.Fail(twofetch.OutcomeBadCredentials, "no password stored for the account")
	}
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func (s *VaultSecrets) Code(ctx context.Context) (string, error) {
	ref := s.ref(twofetch.FieldTOTP)
	c, err := s.Vault.Code(ctx, ref)
	if twofetch.IsNotFound(err) {
		return "", twofetch.Fail(twofetch.OutcomeOTPMissing, "no authenticator key enrolled")
	}
	if err != nil {
		return "", err
	}
	kind := "totp"
	if info, err := s.Vault.KeyInfo(ctx, ref); err == nil && info.Type != "" {
		kind = string(info.Type)
	}
	metrics.CodesIssued.WithLabelValues(kind).Inc()
	return c.Value, nil
}

func (s *VaultSecrets) HasKey(ctx context.Context) (bool, error) {
	_, err := s.Vault.KeyInfo(ctx, s.ref(twofetch.FieldTOTP))
	if twofetch.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

func (s *VaultSecrets) Cookies(ctx context.Context) ([]byte, error) {
	return s.Vault.Open(ctx, s.ref(twofetch.FieldCookies))
}

func (s *VaultSecrets) SaveCookies(ctx context.Context, b []byte) error {
	return s.Vault.Seal(ctx, s.ref(twofetch.FieldCookies), b)
}

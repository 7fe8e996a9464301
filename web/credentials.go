package web

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/twofetch/twofetch"
)

// maxCredential bounds a credential value, as maxPassword the password.
const maxCredential = 1024

// CredentialField is a credential a portal's script asks for besides the
// username and the password: a customer number, a shop domain, a PIN.
type CredentialField struct {
	Name  string
	Label string
	// Secret values are sealed in the vault under the login; the others
	// are stored with the account or login and shown by the API.
	Secret bool
}

// PortalCredentials is met by catalogs that know the credentials each
// portal's script asks for. Without it, accounts carry none besides
// username and password.
type PortalCredentials interface {
	// Credentials lists the portal's credentials other than username and
	// password.
	Credentials(portal string) []CredentialField
}

// declaredCredentials are the credentials the portals' scripts ask for
// besides username and password, by name.
func declaredCredentials(c PortalCatalog, portals ...string) map[string]CredentialField {
	out := map[string]CredentialField{}
	pc, ok := c.(PortalCredentials)
	if !ok {
		return out
	}
	for _, p := range portals {
		for _, f := range pc.Credentials(p) {
			if f.Name == "username" || f.Name == "password" {
				continue
			}
			if prev, dup := out[f.Name]; !dup || f.Secret && !prev.Secret {
				out[f.Name] = f
			}
		}
	}
	return out
}

// checkCredentials refuses names the portals do not ask for and values no
// portal field could hold; what names who asks ("portal slack asks"). An empty value is allowed when empty means
// "remove" (emptyRemoves).
func checkCredentials(given map[string]string, declared map[string]CredentialField, what string, emptyRemoves bool) error {
	for _, n := range slices.Sorted(maps.Keys(given)) {
		v := given[n]
		if _, ok := declared[n]; !ok {
			switch {
			case n == "username" || n == "password":
				return twofetch.Errorf(twofetch.EINVALID, "credentials: %s has a field of its own, not a credential", n)
			case len(declared) == 0:
				return twofetch.Errorf(twofetch.EINVALID, "credentials: %s for nothing besides username and password, not %q", what, printable(n, 64))
			}
			return twofetch.Errorf(twofetch.EINVALID, "credentials: %s for no %q, only for %s", what, printable(n, 64), strings.Join(sortedNames(declared), ", "))
		}
		switch {
		case v == "" && !emptyRemoves:
			return twofetch.Errorf(twofetch.EINVALID, "credentials: %s is empty", n)
		case len(v) > maxCredential:
			return twofetch.Errorf(twofetch.EINVALID, "credentials: %s is longer than %d bytes", n, maxCredential)
		case hasControl(v):
			return twofetch.Errorf(twofetch.EINVALID, "credentials: %s contains control characters", n)
		}
	}
	return nil
}

func sortedNames(m map[string]CredentialField) []string { return slices.Sorted(maps.Keys(m)) }

// missingCredentials lists the declared credentials that neither given
// nor the login (its values, or its vault for secret ones) has.
func (s *Server) missingCredentials(ctx context.Context, declared map[string]CredentialField, given map[string]string, l *twofetch.Login) ([]string, error) {
	var missing []string
	for _, n := range sortedNames(declared) {
		if given[n] != "" {
			continue
		}
		if l != nil {
			if declared[n].Secret {
				_, err := s.cfg.Store.GetSecret(ctx, twofetch.SecretRef{TenantID: l.TenantID, AccountID: l.ID, Field: twofetch.FieldCredential(n)})
				if err == nil {
					continue
				}
				if !twofetch.IsNotFound(err) {
					return nil, fmt.Errorf("look up credential %s of login %s: %w", n, l.ID, err)
				}
			} else if l.Credentials[n] != "" {
				continue
			}
		}
		label := n
		if f := declared[n]; f.Label != "" {
			label = fmt.Sprintf("%s (%s)", n, f.Label)
		}
		missing = append(missing, label)
	}
	return missing, nil
}

// splitCredentials parts given values into those stored in the clear and
// those sealed in the vault.
func splitCredentials(given map[string]string, declared map[string]CredentialField) (plain, secret map[string]string) {
	plain, secret = map[string]string{}, map[string]string{}
	for n, v := range given {
		if declared[n].Secret {
			secret[n] = v
		} else {
			plain[n] = v
		}
	}
	return plain, secret
}

// sealCredentials seals secret values under the login; an empty value
// removes one.
func (s *Server) sealCredentials(ctx context.Context, tenantID, loginID string, secret map[string]string) error {
	for _, n := range slices.Sorted(maps.Keys(secret)) {
		ref := twofetch.SecretRef{TenantID: tenantID, AccountID: loginID, Field: twofetch.FieldCredential(n)}
		if secret[n] == "" {
			if err := s.cfg.Vault.Delete(ctx, ref); err != nil && !twofetch.IsNotFound(err) {
				return fmt.Errorf("remove credential %s: %w", n, err)
			}
			continue
		}
		if err := s.cfg.Vault.Seal(ctx, ref, []byte(secret[n])); err != nil {
			return fmt.Errorf("seal credential %s: %w", n, err)
		}
	}
	return nil
}

// LoginPatch is the body of PATCH /api/v1/logins/{id}.
type LoginPatch struct {
	// Password replaces the login's password, for every account behind
	// it, after the customer changed it on the portal.
	Password *string `json:"password,omitempty"`
	// Credentials sets values of the credentials the scripts of the
	// login's accounts ask for; they serve every account behind the
	// login. An empty value removes one; names left out stay as they are.
	Credentials map[string]string `json:"credentials"`
}

func (s *Server) patchLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t := TenantFrom(ctx)
	var in LoginPatch
	if err := s.DecodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if len(in.Credentials) == 0 && in.Password == nil {
		s.Error(w, r, twofetch.Errorf(twofetch.EINVALID, "nothing to change: the body sets no password and no credentials"))
		return
	}
	if in.Password != nil {
		switch {
		case *in.Password == "":
			s.Error(w, r, twofetch.Errorf(twofetch.EINVALID, "password is empty; a login always has one"))
			return
		case len(*in.Password) > maxPassword:
			s.Error(w, r, twofetch.Errorf(twofetch.EINVALID, "password is longer than %d bytes", maxPassword))
			return
		}
	}
	l, err := s.cfg.Store.Login(ctx, t.ID, r.PathValue("id"))
	if err != nil {
		s.Error(w, r, notFoundOr(err, "login"))
		return
	}
	as, err := s.cfg.Store.LoginAccounts(ctx, t.ID, l.ID)
	if err != nil {
		s.Error(w, r, fmt.Errorf("accounts of login %s: %w", l.ID, err))
		return
	}
	portals := []string{l.Portal}
	for _, a := range as {
		portals = append(portals, a.Portal)
	}
	declared := declaredCredentials(s.cfg.Portals, portals...)
	if err := checkCredentials(in.Credentials, declared, "the login's portals ask", true); err != nil {
		s.Error(w, r, err)
		return
	}
	if in.Password != nil {
		// Sealing stamps the secret's time: a run refused for the old
		// password may run again from then on (the failing runs page).
		ref := twofetch.SecretRef{TenantID: t.ID, AccountID: l.ID, Field: twofetch.FieldPassword}
		if err := s.cfg.Vault.Seal(ctx, ref, []byte(*in.Password)); err != nil {
			s.Error(w, r, fmt.Errorf("seal the password of login %s: %w", l.ID, err))
			return
		}
		s.audit(r, "login.password", l.ID, "")
	}
	plain, secret := splitCredentials(in.Credentials, declared)
	if err := s.sealCredentials(ctx, t.ID, l.ID, secret); err != nil {
		s.Error(w, r, err)
		return
	}
	if len(plain) > 0 {
		next := map[string]string{}
		for n, v := range l.Credentials {
			next[n] = v
		}
		for n, v := range plain {
			if v == "" {
				delete(next, n)
			} else {
				next[n] = v
			}
		}
		if err := s.cfg.Store.SetLoginCredentials(ctx, t.ID, l.ID, next); err != nil {
			s.Error(w, r, notFoundOr(err, "login"))
			return
		}
	}
	if len(in.Credentials) > 0 {
		s.audit(r, "login.credentials", l.ID, "names="+strings.Join(slices.Sorted(maps.Keys(in.Credentials)), ","))
	}
	s.getLogin(w, r)
}

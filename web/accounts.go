package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/twofetch/twofetch"
)

// Limits on account fields: generous for real logins, small enough that a
// list response stays small.
const (
	maxUsername = 320 // the longest e-mail address
	maxPassword = 1024
	maxLabel    = 200
	maxPage     = 200
)

// CreateAccountRequest is the body of POST /api/v1/accounts.
type CreateAccountRequest struct {
	Portal   string `json:"portal"`
	Username string `json:"username"`
	// Password is required for a new login and must be left out when the
	// account joins an existing one, which already has it.
	Password string `json:"password,omitempty"`
	// LoginID names an existing login of the same family to sign in with,
	// so one enrolment serves every account behind it.
	LoginID string `json:"login_id,omitempty"`
	// Family, instead of LoginID, finds the existing login of this family
	// with the account's username.
	Family string `json:"family,omitempty"`
	// Label is the operator's own reference, optional.
	Label string `json:"label,omitempty"`
	// Credentials are values of the other credentials the portal's script
	// asks for (a customer number, a Slack workspace), by name. Secret
	// ones are sealed in the vault under the login; the others are the
	// account's own. One the script asks for must be given unless the
	// login has it.
	Credentials map[string]string `json:"credentials,omitempty"`
}

// LoginView is the body of GET /api/v1/logins/{id}: the login and the
// accounts behind it.
type LoginView struct {
	*twofetch.Login
	Accounts []*twofetch.Account `json:"accounts"`
}

// AccountList is the body of GET /api/v1/accounts. NextAfter, when set, is
// the "after" parameter of the next page.
type AccountList struct {
	Accounts  []*twofetch.Account `json:"accounts"`
	NextAfter string              `json:"next_after,omitempty"`
}

func (req *CreateAccountRequest) validate(portals PortalCatalog) error {
	req.Portal = strings.TrimSpace(req.Portal)
	req.Username = strings.TrimSpace(req.Username)
	req.Label = strings.TrimSpace(req.Label)
	req.LoginID = strings.TrimSpace(req.LoginID)
	req.Family = strings.TrimSpace(req.Family)
	joins := req.LoginID != "" || req.Family != ""
	switch {
	case req.LoginID != "" && req.Family != "":
		return twofetch.Errorf(twofetch.EINVALID, "name the login by login_id or by family, not both")
	case joins && req.Password != "":
		return twofetch.Errorf(twofetch.EINVALID, "the login already has its password: leave password out when naming a login")
	}
	switch {
	case req.Portal == "":
		return twofetch.Errorf(twofetch.EINVALID, "portal is required")
	case !portals.Has(req.Portal):
		return twofetch.Errorf(twofetch.EINVALID, "unknown portal %q", printable(req.Portal, 64))
	case req.Username == "":
		return twofetch.Errorf(twofetch.EINVALID, "username is required")
	case len(req.Username) > maxUsername:
		return twofetch.Errorf(twofetch.EINVALID, "username is longer than %d bytes", maxUsername)
	case hasControl(req.Username):
		return twofetch.Errorf(twofetch.EINVALID, "username contains control characters")
	case req.Password == "" && !joins:
		return twofetch.Errorf(twofetch.EINVALID, "password is required")
	case len(req.Password) > maxPassword:
		return twofetch.Errorf(twofetch.EINVALID, "password is longer than %d bytes", maxPassword)
	case len(req.Label) > maxLabel:
		return twofetch.Errorf(twofetch.EINVALID, "label is longer than %d bytes", maxLabel)
	case hasControl(req.Label):
		return twofetch.Errorf(twofetch.EINVALID, "label contains control characters")
	}
	return nil
}

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t := TenantFrom(ctx)
	var req CreateAccountRequest
	if err := s.DecodeJSON(w, r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := req.validate(s.cfg.Portals); err != nil {
		s.Error(w, r, err)
		return
	}
	loginID, err := s.resolveLogin(r, t.ID, &req)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	declared := declaredCredentials(s.cfg.Portals, req.Portal)
	if err := checkCredentials(req.Credentials, declared, "portal "+req.Portal+" asks", false); err != nil {
		s.Error(w, r, err)
		return
	}
	var login *twofetch.Login
	if loginID != "" {
		if login, err = s.cfg.Store.Login(ctx, t.ID, loginID); err != nil {
			s.Error(w, r, notFoundOr(err, "login"))
			return
		}
	}
	missing, err := s.missingCredentials(ctx, declared, req.Credentials, login)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if len(missing) > 0 {
		s.Error(w, r, twofetch.Errorf(twofetch.EINVALID, "credentials: portal %s also needs %s", req.Portal, strings.Join(missing, ", ")))
		return
	}
	plain, secret := splitCredentials(req.Credentials, declared)
	if len(plain) == 0 {
		plain = nil
	}
	now := s.cfg.Now().UTC()
	a := &twofetch.Account{
		Credentials: plain,
		ID:          twofetch.NewID("acc"),
		TenantID:    t.ID,
		LoginID:     loginID,
		Portal:      req.Portal,
		Username:    req.Username,
		Label:       req.Label,
		// Active and due now: the first run tells whether the portal wants
		// an authenticator key, and the enrolment flow starts from there.
		Status:    twofetch.AccountActive,
		NextRunAt: &now,
		CreatedAt: now,
		UpdatedAt: now,
	}
	if err := s.cfg.Store.CreateAccount(ctx, a); err != nil {
		s.Error(w, r, fmt.Errorf("create account: %w", err))
		return
	}
	ref := twofetch.LoginSecret(a, twofetch.FieldPassword)
	// An account joining a login signs in with the login's password, key
	// and cookies; only a new login brings a password.
	if loginID == "" {
		if err := s.cfg.Vault.Seal(ctx, ref, []byte(req.Password)); err != nil {
			// An account without its password would only ever fail its runs.
			if derr := s.cfg.Store.DeleteAccount(ctx, t.ID, a.ID); derr != nil {
				s.log.ErrorContext(ctx, "remove account after failed seal", "account", a.ID, "err", derr)
			}
			s.Error(w, r, fmt.Errorf("seal password of account %s: %w", a.ID, err))
			return
		}
	}
	if err := s.sealCredentials(ctx, t.ID, a.LoginOrOwnID(), secret); err != nil {
		if loginID == "" {
			// The account's own login goes with it, as after a failed
			// password seal.
			if derr := s.cfg.Store.DeleteAccount(ctx, t.ID, a.ID); derr != nil {
				s.log.ErrorContext(ctx, "remove account after failed seal", "account", a.ID, "err", derr)
			}
		}
		s.Error(w, r, fmt.Errorf("account %s: %w", a.ID, err))
		return
	}
	s.audit(r, "account.create", a.ID, "portal="+a.Portal)
	w.Header().Set("Location", "/api/v1/accounts/"+a.ID)
	s.JSON(w, r, http.StatusCreated, a)
}

// resolveLogin finds the existing login req names, or "" when it names
// none and the account gets a login of its own. The login must be of the
// account's portal family: an Amazon sign-in cannot fetch from GitHub.
func (s *Server) resolveLogin(r *http.Request, tenantID string, req *CreateAccountRequest) (string, error) {
	ctx := r.Context()
	family := familyOf(s.cfg.Portals, req.Portal)
	switch {
	case req.LoginID != "":
		l, err := s.cfg.Store.Login(ctx, tenantID, req.LoginID)
		if twofetch.IsNotFound(err) {
			return "", twofetch.Errorf(twofetch.EINVALID, "unknown login %q", printable(req.LoginID, 64))
		}
		if err != nil {
			return "", fmt.Errorf("get login: %w", err)
		}
		if f := familyOf(s.cfg.Portals, l.Portal); f != family {
			return "", twofetch.Errorf(twofetch.EINVALID, "login %s signs in to %s, but portal %s uses the %s sign-in", l.ID, f, req.Portal, family)
		}
		if l.Username != req.Username {
			return "", twofetch.Errorf(twofetch.EINVALID, "login %s is the sign-in of another username", l.ID)
		}
		return l.ID, nil
	case req.Family != "":
		if req.Family != family {
			return "", twofetch.Errorf(twofetch.EINVALID, "portal %s uses the %s sign-in, not %q", req.Portal, family, printable(req.Family, 64))
		}
		ls, err := s.cfg.Store.FindLogins(ctx, tenantID, req.Username, familyPortals(s.cfg.Portals, family))
		if err != nil {
			return "", fmt.Errorf("find login: %w", err)
		}
		switch len(ls) {
		case 0:
			return "", twofetch.Errorf(twofetch.EINVALID, "no %s login with this username: create the account with its password instead", family)
		case 1:
			return ls[0].ID, nil
		}
		return "", twofetch.Errorf(twofetch.ECONFLICT, "%d %s logins have this username: name one by login_id", len(ls), family)
	}
	return "", nil
}

func (s *Server) getLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t := TenantFrom(ctx)
	l, err := s.cfg.Store.Login(ctx, t.ID, r.PathValue("id"))
	if err != nil {
		s.Error(w, r, notFoundOr(err, "login"))
		return
	}
	l.Family = familyOf(s.cfg.Portals, l.Portal)
	as, err := s.cfg.Store.LoginAccounts(ctx, t.ID, l.ID)
	if err != nil {
		s.Error(w, r, fmt.Errorf("accounts of login %s: %w", l.ID, err))
		return
	}
	if as == nil {
		as = []*twofetch.Account{}
	}
	s.JSON(w, r, http.StatusOK, LoginView{Login: l, Accounts: as})
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) {
	t := TenantFrom(r.Context())
	p, err := pageFrom(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	accounts, err := s.cfg.Store.ListAccounts(r.Context(), t.ID, p)
	if err != nil {
		s.Error(w, r, fmt.Errorf("list accounts: %w", err))
		return
	}
	res := AccountList{Accounts: accounts}
	if res.Accounts == nil {
		res.Accounts = []*twofetch.Account{}
	}
	if len(accounts) == p.Limit && p.Limit > 0 {
		res.NextAfter = accounts[len(accounts)-1].ID
	}
	s.JSON(w, r, http.StatusOK, res)
}

// AccountPatch is the body of PATCH /api/v1/accounts/{id}: the fields an
// operator may change after creation. A field left out stays as it is.
type AccountPatch struct {
	Label *string `json:"label"`
}

func (s *Server) patchAccount(w http.ResponseWriter, r *http.Request) {
	t := TenantFrom(r.Context())
	var in AccountPatch
	if err := s.DecodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if in.Label == nil {
		s.Error(w, r, twofetch.Errorf(twofetch.EINVALID, "nothing to change: the body sets no field (label)"))
		return
	}
	switch {
	case len(*in.Label) > maxLabel:
		s.Error(w, r, twofetch.Errorf(twofetch.EINVALID, "label is longer than %d bytes", maxLabel))
		return
	case hasControl(*in.Label):
		s.Error(w, r, twofetch.Errorf(twofetch.EINVALID, "label contains control characters"))
		return
	}
	// Only the label is written: a run in flight records its outcome
	// against the status it expected, whatever the label became.
	a, err := s.cfg.Store.RenameAccount(r.Context(), t.ID, r.PathValue("id"), *in.Label)
	if err != nil {
		s.Error(w, r, notFoundOr(err, "account"))
		return
	}
	s.JSON(w, r, http.StatusOK, a)
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) {
	t := TenantFrom(r.Context())
	a, err := s.cfg.Store.Account(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		s.Error(w, r, notFoundOr(err, "account"))
		return
	}
	s.JSON(w, r, http.StatusOK, a)
}

// secretFields are every secret an account may own; deleting the account
// deletes them all.
var secretFields = []string{
	twofetch.FieldPassword, twofetch.FieldTOTP, twofetch.FieldTOTPPending,
	twofetch.FieldCookies, twofetch.FieldRecoveryCodes,
}

func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t := TenantFrom(ctx)
	id := r.PathValue("id")
	a, err := s.cfg.Store.Account(ctx, t.ID, id)
	if err != nil {
		s.Error(w, r, notFoundOr(err, "account"))
		return
	}
	// The login's secrets go first when this is its last account: if that
	// fails the account stays, and deleting it again finishes the job,
	// instead of sealed data outliving its login. Other accounts behind
	// the login still sign in with them.
	behind, err := s.cfg.Store.LoginAccounts(ctx, t.ID, a.LoginOrOwnID())
	if err != nil {
		s.Error(w, r, fmt.Errorf("accounts of login %s: %w", a.LoginOrOwnID(), err))
		return
	}
	if len(behind) <= 1 {
		fields := slices.Clone(secretFields)
		for n := range declaredCredentials(s.cfg.Portals, a.Portal) {
			fields = append(fields, twofetch.FieldCredential(n))
		}
		for _, f := range fields {
			ref := twofetch.LoginSecret(a, f)
			if err := s.cfg.Vault.Delete(ctx, ref); err != nil && !twofetch.IsNotFound(err) {
				s.Error(w, r, fmt.Errorf("delete %s secret of account %s: %w", f, a.ID, err))
				return
			}
		}
	}
	if err := s.cfg.Store.DeleteAccount(ctx, t.ID, a.ID); err != nil {
		s.Error(w, r, notFoundOr(err, "account"))
		return
	}
	s.audit(r, "account.delete", a.ID, "portal="+a.Portal)
	w.WriteHeader(http.StatusNoContent)
}

// audit records an API action. A failed audit write is logged rather than
// failing a request whose change is already made.
func (s *Server) audit(r *http.Request, action, object, detail string) {
	t := TenantFrom(r.Context())
	e := &twofetch.AuditEvent{
		TenantID: t.ID,
		Actor:    "api",
		Action:   action,
		Object:   object,
		Detail:   detail,
		At:       s.cfg.Now().UTC(),
	}
	if err := s.cfg.Store.Audit(r.Context(), e); err != nil {
		s.log.ErrorContext(r.Context(), "write audit event", "action", action, "object", object, "err", err)
	}
}

// notFoundOr gives a uniform 404 message for missing rows (the store
// reports other tenants' rows as missing too) and wraps anything else.
func notFoundOr(err error, what string) error {
	if twofetch.IsNotFound(err) {
		return twofetch.Errorf(twofetch.ENOTFOUND, "%s not found", what)
	}
	var e *twofetch.Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// pageFrom reads ?limit=&after= and refuses values it cannot honour rather
// than silently changing them.
func pageFrom(r *http.Request) (twofetch.Page, error) {
	q := r.URL.Query()
	p := twofetch.Page{After: q.Get("after"), Limit: 50}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPage {
			return p, twofetch.Errorf(twofetch.EINVALID, "limit must be an integer from 1 to %d", maxPage)
		}
		p.Limit = n
	}
	if len(p.After) > 64 || hasControl(p.After) {
		return p, twofetch.Errorf(twofetch.EINVALID, "after must be an id from a previous page")
	}
	return p, nil
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

// printable shortens and sanitises client input echoed in an error message.
func printable(s string, max int) string {
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}

// Package enroll captures a customer's authenticator key through a
// single-use link sent by SMS: the customer photographs the QR code the
// portal shows (or types its setup key), twofetch seals the key in the vault
// and shows the live code so the customer can finish the portal's activation.
//
// The new key is kept under the enrolment's own totp_pending:ENROLLMENT_ID
// field until the customer confirms; until then the account's previous key
// stays in use. Starting an enrolment ends the account's earlier open ones,
// so a forgotten link can neither read nor replace the key entered on the
// new one.
package enroll

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/semaphore"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/metrics"
	"github.com/twofetch/twofetch/otpauth"
	"github.com/twofetch/twofetch/qrdecode"
	"github.com/twofetch/twofetch/sms"
	"github.com/twofetch/twofetch/vault"
	"github.com/twofetch/twofetch/web/catalog"
)

// Vault is what enrolment needs of the vault.
type Vault interface {
	PutKey(ctx context.Context, ref twofetch.SecretRef, k *otpauth.Key) (vault.KeyInfo, error)
	Code(ctx context.Context, ref twofetch.SecretRef) (vault.Code, error)
	// UpcomingCode gives a code without waiting for a window: the page
	// answers at once, with the next window's code when the current one
	// is nearly over.
	UpcomingCode(ctx context.Context, ref twofetch.SecretRef) (vault.Code, error)
	Move(ctx context.Context, from, to twofetch.SecretRef) error
	Seal(ctx context.Context, ref twofetch.SecretRef, plaintext []byte) error
	Open(ctx context.Context, ref twofetch.SecretRef) ([]byte, error)
	Delete(ctx context.Context, ref twofetch.SecretRef) error
}

var _ Vault = (*vault.Vault)(nil)

// Config wires a Service. Fields marked optional have working defaults.
type Config struct {
	Store twofetch.Store
	Vault Vault
	// Sender delivers the SMS.
	Sender sms.Sender
	// Redis backs the rate limits, shared by every web process.
	Redis redis.UniversalClient
	// PublicURL is the base of links as customers reach them, without a
	// trailing slash ("https://fetch.example.com").
	PublicURL string
	// TTL is how long a link stays valid. If zero, 24 h.
	TTL time.Duration
	// PortalName returns a portal's display name. Optional: the id is shown.
	PortalName func(id string) string
	// PortalInfo describes a portal's second factors. Optional: without it
	// every portal is taken to offer an authenticator app.
	PortalInfo func(id string) PortalInfo
	// EnqueueSMS queues the sending of an enrolment's SMS, to be done by
	// SendSMS in a worker with retries. Optional: if nil, Start sends inline.
	EnqueueSMS func(ctx context.Context, enrollmentID string) error
	// Confirmed is called after a key is confirmed, e.g. to schedule the
	// account's first run. Optional.
	Confirmed func(ctx context.Context, a *twofetch.Account)
	// AccountPerHour, PhonePerHour and TenantPerHour cap how many
	// enrolments may start per hour for one account, one phone number
	// (across tenants) and one tenant: each start sends an SMS the operator
	// pays for. If zero: 5, 5 and 200.
	AccountPerHour, PhonePerHour, TenantPerHour int64
	// DecodeMemory bounds the memory of all photo decodes of this process
	// together, in bytes: each decode reserves what its header says it
	// will need (qrdecode.Cost) and waits while others hold the rest. If
	// zero, 512 MiB.
	DecodeMemory int64
	// MaxPhotoBytes caps uploads. If zero, 20 MiB.
	MaxPhotoBytes int64
	// Decode decodes photos. If nil, qrdecode.Decode with default options.
	Decode func(ctx context.Context, photo []byte) ([]qrdecode.Result, error)
	Logger *slog.Logger
	Now    func() time.Time
}

// PortalInfo is what the enrolment page says about a portal's second
// factors.
type PortalInfo struct {
	// TwoFactor lists the second factors the portal offers, as its script
	// names them (totp, hotp, push, recovery_codes, …).
	TwoFactor []string
	// PushApp names the app in which the portal asks for approval on a
	// phone, for portals that offer no code instead.
	PushApp string
	// Help says where the portal shows its authenticator QR code, from
	// the script's enrollment block; nil when nothing is known.
	Help *Help
}

// Help tells the customer where the portal shows the QR code, in the
// portal's own words. Texts are per language (en, de, nl). Path and
// CantScan are the portal's menu names: where the script lacks them in
// the customer's language, the page shows them in a language it has and
// says so (menus); Note, advice in our words, falls back to English.
type Help struct {
	// SettingsURL is the page to open on the computer.
	SettingsURL string
	// Wording is what the portal calls its second step: two-step,
	// two-factor, login-verification or other.
	Wording string
	// Path is where the QR code appears; CantScan names the portal's link
	// to the setup key; Note holds prerequisites or limits.
	Path, CantScan, Note map[string]string
	// KeyOnly: the portal hands over a setup key (or token string) but
	// never shows a QR code on a computer, so the SMS and the page lead
	// with copying the key and offer no photo.
	KeyOnly bool
}

// keyOnly reports whether the portal hands over only a setup key.
func (p PortalInfo) keyOnly() bool { return p.Help != nil && p.Help.KeyOnly }

// in returns the text of t in lang, or the English one.
func in(t map[string]string, lang string) string {
	if v, ok := t[lang]; ok {
		return v
	}
	return t["en"]
}

// menus returns the portal's menu names of t in lang, or, where the
// script does not know them in lang, in the first language it does know
// (English, German, Dutch), with that language so the page can say which
// language the names are in; "" when t is empty.
func menus(t map[string]string, lang string) (text, shownIn string) {
	if v, ok := t[lang]; ok {
		return v, lang
	}
	for _, l := range catalog.Languages {
		if v, ok := t[l]; ok {
			return v, l
		}
	}
	return "", ""
}

// approvalOnly reports whether the portal asks for an approval in an app
// and offers no code twofetch could answer.
func (pi PortalInfo) approvalOnly() bool {
	return pi.PushApp != "" && !slices.Contains(pi.TwoFactor, "totp") && !slices.Contains(pi.TwoFactor, "hotp")
}

// noAuthenticator reports whether the portal sends its codes only by text
// message or call: it has no QR code or key to enrol.
func (pi PortalInfo) noAuthenticator() bool {
	return len(pi.TwoFactor) > 0 && pi.PushApp == "" &&
		!slices.Contains(pi.TwoFactor, "totp") && !slices.Contains(pi.TwoFactor, "hotp")
}

// Service runs enrolments.
type Service struct {
	cfg     Config
	decodes *semaphore.Weighted
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Vault == nil || cfg.Sender == nil || cfg.Redis == nil {
		return nil, errors.New("enroll: Store, Vault, Sender and Redis are required")
	}
	if cfg.PublicURL == "" {
		return nil, errors.New("enroll: PublicURL is required")
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.TTL == 0 {
		cfg.TTL = 24 * time.Hour
	}
	if cfg.AccountPerHour <= 0 {
		cfg.AccountPerHour = 5
	}
	if cfg.PhonePerHour <= 0 {
		cfg.PhonePerHour = 5
	}
	if cfg.TenantPerHour <= 0 {
		cfg.TenantPerHour = 200
	}
	if cfg.MaxPhotoBytes == 0 {
		cfg.MaxPhotoBytes = 20 << 20
	}
	if cfg.PortalName == nil {
		cfg.PortalName = func(id string) string { return id }
	}
	if cfg.PortalInfo == nil {
		cfg.PortalInfo = func(string) PortalInfo { return PortalInfo{TwoFactor: []string{"totp"}} }
	}
	if cfg.Decode == nil {
		cfg.Decode = func(ctx context.Context, photo []byte) ([]qrdecode.Result, error) {
			// Keep looking past an app-store code printed beside the
			// authenticator code.
			return qrdecode.Decode(ctx, photo, qrdecode.Options{MaxBytes: int(cfg.MaxPhotoBytes),
				Accept: func(t string) bool { _, err := otpauth.Parse(t); return err == nil }})
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.DecodeMemory <= 0 {
		cfg.DecodeMemory = 512 << 20
	}
	return &Service{cfg: cfg, decodes: semaphore.NewWeighted(cfg.DecodeMemory)}, nil
}

// Languages are those with texts; others fall back to English.
var Languages = []string{"en", "de", "nl"}

func normalizeLanguage(lang string) (string, bool) {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_"); i > 0 {
		lang = lang[:i]
	}
	for _, l := range Languages {
		if l == lang {
			return l, true
		}
	}
	return "", false
}

// Start creates an enrolment for an account and queues its SMS. It returns
// the enrolment and the link, which only the SMS carries from then on.
func (s *Service) Start(ctx context.Context, tenant *twofetch.Tenant, accountID, phone, language string) (*twofetch.Enrollment, string, error) {
	a, err := s.cfg.Store.Account(ctx, tenant.ID, accountID)
	if err != nil {
		return nil, "", err
	}
	// Checked before anything is sent or stored: the customer would look
	// for a setup page the portal does not have.
	if info := s.cfg.PortalInfo(a.Portal); info.noAuthenticator() {
		name := s.cfg.PortalName(a.Portal)
		if name == "" {
			name = a.Portal
		}
		return nil, "", twofetch.Errorf(twofetch.EINVALID,
			"account: %s offers no authenticator app (second factors: %s), so there is no key to enrol; its runs sign in where the portal asks for no code",
			name, strings.Join(info.TwoFactor, ", "))
	}
	p, err := sms.NormalizePhone(phone)
	if err != nil {
		return nil, "", twofetch.Errorf(twofetch.EINVALID, "phone: %v", err)
	}
	lang := tenant.Language
	if language != "" {
		l, ok := normalizeLanguage(language)
		if !ok {
			return nil, "", twofetch.Errorf(twofetch.EINVALID, "language: %q is not one of %s", language, strings.Join(Languages, ", "))
		}
		lang = l
	}
	if l, ok := normalizeLanguage(lang); ok {
		lang = l
	} else {
		lang = "en"
	}
	for _, l := range []struct {
		key   string
		limit int64
		what  string
	}{
		{"start:account:" + a.ID, s.cfg.AccountPerHour, "this account"},
		{"start:phone:" + phoneKey(p), s.cfg.PhonePerHour, "this phone number"},
		{"start:tenant:" + tenant.ID, s.cfg.TenantPerHour, "this tenant"},
	} {
		if err := s.limitStart(ctx, l.key, l.limit, l.what); err != nil {
			return nil, "", err
		}
	}
	if err := s.endOpen(ctx, tenant.ID, a.ID); err != nil {
		return nil, "", err
	}
	token, hash := twofetch.NewToken("e")
	now := s.cfg.Now().UTC()
	e := &twofetch.Enrollment{
		ID:        twofetch.NewID("enr"),
		TenantID:  tenant.ID,
		AccountID: a.ID,
		Phone:     p,
		Language:  lang,
		Status:    twofetch.EnrollmentPending,
		TokenHash: hash,
		ExpiresAt: now.Add(s.cfg.TTL),
		CreatedAt: now,
		UpdatedAt: now,
	}
	if err := s.cfg.Store.CreateEnrollment(ctx, e); err != nil {
		return nil, "", err
	}
	s.audit(ctx, e, "api", "enrollment.created", "")
	// The token is needed to build the SMS later, in a worker; it is kept
	// sealed under the enrolment's own binding so the queue never holds it.
	if err := s.cfg.Vault.Seal(ctx, linkRef(e), []byte(token)); err != nil {
		return nil, "", err
	}
	if s.cfg.EnqueueSMS != nil {
		if err := s.cfg.EnqueueSMS(ctx, e.ID); err != nil {
			return nil, "", fmt.Errorf("queue enrolment SMS: %w", err)
		}
	} else if err := s.SendSMS(ctx, e.ID); err != nil {
		s.cfg.Logger.WarnContext(ctx, "enrolment SMS failed", "enrollment", e.ID, "err", err)
	}
	// Re-read: the inline send may have changed the status.
	if fresh, err := s.cfg.Store.EnrollmentByID(ctx, e.ID); err == nil {
		e = fresh
	}
	return e, s.Link(token), nil
}

// Link returns the public URL of a token.
func (s *Service) Link(token string) string { return s.cfg.PublicURL + "/e/" + token }

// linkRef is where an enrolment's link token is sealed. It hangs off the
// login so deleting the login's secrets removes it too.
func linkRef(e *twofetch.Enrollment) twofetch.SecretRef {
	return twofetch.SecretRef{TenantID: e.TenantID, AccountID: loginOf(e), Field: "enrollment_link:" + e.ID}
}

func candidatesRef(e *twofetch.Enrollment) twofetch.SecretRef {
	return twofetch.SecretRef{TenantID: e.TenantID, AccountID: loginOf(e), Field: "totp_candidates:" + e.ID}
}

// keyRef is a field of the enrolment's login: a portal lets a key be
// enrolled once per sign-in, and every account behind it uses that key.
func keyRef(e *twofetch.Enrollment, field string) twofetch.SecretRef {
	return twofetch.SecretRef{TenantID: e.TenantID, AccountID: loginOf(e), Field: field}
}

// loginOf is the enrolment's login; one made before the store filled it in
// is its account's own.
func loginOf(e *twofetch.Enrollment) string {
	if e.LoginID != "" {
		return e.LoginID
	}
	return e.AccountID
}

// pendingRef is where an enrolment keeps the key entered on its link until
// the customer confirms: its own field, so no other link of the account can
// read its codes or overwrite it.
func pendingRef(e *twofetch.Enrollment) twofetch.SecretRef {
	return keyRef(e, twofetch.FieldTOTPPending+":"+e.ID)
}

// endOpen expires the account's open enrolments before a new one starts:
// their links answer 410 from then on, and what they held is deleted.
func (s *Service) endOpen(ctx context.Context, tenantID, accountID string) error {
	open, err := s.cfg.Store.ListEnrollments(ctx, tenantID, accountID)
	if err != nil {
		return err
	}
	now := s.cfg.Now().UTC()
	for _, e := range open {
		switch e.Status {
		case twofetch.EnrollmentConfirmed, twofetch.EnrollmentExpired:
			continue
		}
		e.Status = twofetch.EnrollmentExpired
		e.Error = "replaced by a newer enrolment"
		if e.ExpiresAt.After(now) {
			e.ExpiresAt = now
		}
		e.UpdatedAt = now
		if err := s.cfg.Store.UpdateEnrollment(ctx, e); err != nil {
			return err
		}
		s.forget(ctx, e)
		s.audit(ctx, e, "system", "enrollment.expired", "replaced by a newer enrolment")
	}
	return nil
}

// forget deletes what an ended enrolment held in the vault.
func (s *Service) forget(ctx context.Context, e *twofetch.Enrollment) {
	for _, ref := range []twofetch.SecretRef{candidatesRef(e), pendingRef(e), linkRef(e)} {
		if err := s.cfg.Vault.Delete(ctx, ref); err != nil && !twofetch.IsNotFound(err) {
			s.cfg.Logger.WarnContext(ctx, "delete secret of an ended enrolment", "enrollment", e.ID, "field", ref.Field, "err", err)
		}
	}
}

func phoneKey(phone string) string {
	sum := sha256.Sum256([]byte(phone))
	return hex.EncodeToString(sum[:16])
}

// RateLimitError refuses a request for a while; RetryAfter says how long.
type RateLimitError struct {
	RetryAfter time.Duration
	Err        error
}

func (e *RateLimitError) Error() string { return e.Err.Error() }
func (e *RateLimitError) Unwrap() error { return e.Err }

func (s *Service) limitStart(ctx context.Context, key string, limit int64, what string) error {
	ok, wait, err := s.allowWait(ctx, key, limit, time.Hour)
	if err != nil {
		return err
	}
	if ok {
		return nil
	}
	return &RateLimitError{RetryAfter: wait, Err: twofetch.Errorf(twofetch.ERATELIMITED,
		"too many enrolments started for %s in the last hour; try again in %d minutes", what, int(wait.Round(time.Minute)/time.Minute)+1)}
}

// SendSMS sends (or re-sends) an enrolment's SMS and records the result.
// Workers call it from the SMS task; an error means "retry".
func (s *Service) SendSMS(ctx context.Context, enrollmentID string) error {
	e, err := s.cfg.Store.EnrollmentByID(ctx, enrollmentID)
	if err != nil {
		return err
	}
	if e.Status == twofetch.EnrollmentConfirmed || s.expired(e) {
		return nil // nothing to send any more; not an error worth retrying
	}
	a, err := s.cfg.Store.AccountByID(ctx, e.AccountID)
	if err != nil {
		return err
	}
	t, err := s.cfg.Store.Tenant(ctx, e.TenantID)
	if err != nil {
		return err
	}
	token, err := s.cfg.Vault.Open(ctx, linkRef(e))
	if err != nil {
		return fmt.Errorf("open enrolment link: %w", err)
	}
	body := smsText(e.Language, t.ShownName(), s.cfg.PortalName(a.Portal), s.Link(string(token)), s.cfg.PortalInfo(a.Portal))
	clear(token)
	sendErr := s.cfg.Sender.Send(ctx, e.Phone, body)
	e.UpdatedAt = s.cfg.Now().UTC()
	if sendErr != nil {
		if e.Status == twofetch.EnrollmentPending || e.Status == twofetch.EnrollmentSMSFailed {
			e.Status = twofetch.EnrollmentSMSFailed
		}
		e.Error = "SMS could not be sent: " + sendErr.Error()
		if err := s.cfg.Store.UpdateEnrollment(ctx, e); err != nil {
			return errors.Join(sendErr, err)
		}
		return sendErr
	}
	e.SMSCount++
	e.Error = ""
	if e.Status == twofetch.EnrollmentPending || e.Status == twofetch.EnrollmentSMSFailed {
		e.Status = twofetch.EnrollmentSMSSent
	}
	if err := s.cfg.Store.UpdateEnrollment(ctx, e); err != nil {
		return err
	}
	s.audit(ctx, e, "system", "enrollment.sms_sent", "")
	return nil
}

// Resend queues the SMS again, at most once a minute and five times per
// enrolment, so a mistaken loop in the operator's app cannot spam a phone.
func (s *Service) Resend(ctx context.Context, tenantID, enrollmentID string) (*twofetch.Enrollment, error) {
	e, err := s.cfg.Store.Enrollment(ctx, tenantID, enrollmentID)
	if err != nil {
		return nil, err
	}
	if e.Status == twofetch.EnrollmentConfirmed {
		return nil, twofetch.Errorf(twofetch.ECONFLICT, "enrolment is already confirmed")
	}
	if s.expired(e) {
		return nil, twofetch.Errorf(twofetch.EGONE, "enrolment has expired; start a new one")
	}
	if e.SMSCount >= 6 {
		return nil, twofetch.Errorf(twofetch.ERATELIMITED, "this enrolment's SMS was sent %d times; start a new enrolment", e.SMSCount)
	}
	if ok, wait, err := s.allowWait(ctx, "resend:"+e.ID, 1, time.Minute); err != nil {
		return nil, err
	} else if !ok {
		return nil, &RateLimitError{RetryAfter: wait, Err: twofetch.Errorf(twofetch.ERATELIMITED, "the SMS was just sent; wait a minute before sending it again")}
	}
	if s.cfg.EnqueueSMS != nil {
		if err := s.cfg.EnqueueSMS(ctx, e.ID); err != nil {
			return nil, err
		}
	} else if err := s.SendSMS(ctx, e.ID); err != nil {
		s.cfg.Logger.WarnContext(ctx, "enrolment SMS failed", "enrollment", e.ID, "err", err)
	}
	s.audit(ctx, e, "api", "enrollment.resend", "")
	return s.cfg.Store.EnrollmentByID(ctx, e.ID)
}

// renewsPerLink bounds how often one ended link may ask for a new one in
// an hour, on top of the limits of Start and Resend.
const renewsPerLink = 3

// renew gives the customer of an expired link a way forward, as its page
// offers. When a newer link of the account is still open (it is what
// ended this one), that link's SMS is sent again; otherwise a new enrolment
// starts for the same phone and language. Both go through the usual
// limits, so the button cannot send more SMS than the operator's API
// could. It reports whether a newer link was re-sent.
func (s *Service) renew(ctx context.Context, ss *session) (newer bool, err error) {
	e := ss.e
	if e.Status == twofetch.EnrollmentConfirmed {
		return false, twofetch.Errorf(twofetch.ECONFLICT, "this link was used to connect the portal")
	}
	if !s.expired(e) && e.Status != twofetch.EnrollmentExpired {
		return false, twofetch.Errorf(twofetch.ECONFLICT, "this link still works")
	}
	if ok, wait, err := s.allowWait(ctx, "renew:"+e.ID, renewsPerLink, time.Hour); err != nil {
		return false, err
	} else if !ok {
		return false, &RateLimitError{RetryAfter: wait, Err: twofetch.Errorf(twofetch.ERATELIMITED, "new links were asked for too often; try again later")}
	}
	open, err := s.cfg.Store.ListEnrollments(ctx, e.TenantID, e.AccountID)
	if err != nil {
		return false, err
	}
	for _, o := range open {
		o = s.markExpired(ctx, o)
		if o.ID == e.ID || o.Status == twofetch.EnrollmentConfirmed || o.Status == twofetch.EnrollmentExpired || !o.CreatedAt.After(e.CreatedAt) {
			continue
		}
		if o.Phone != e.Phone {
			// Sent to another number: not this customer's to re-send.
			continue
		}
		if _, err := s.Resend(ctx, e.TenantID, o.ID); err != nil {
			return false, err
		}
		s.audit(ctx, e, "customer", "enrollment.renew", "resent "+o.ID)
		return true, nil
	}
	n, _, err := s.Start(ctx, ss.tenant, e.AccountID, e.Phone, e.Language)
	if err != nil {
		return false, err
	}
	s.audit(ctx, e, "customer", "enrollment.renew", "started "+n.ID)
	return false, nil
}

// RenewAccount sends the customer of an account a new link from the
// account's status page: the newest open link again when there is one,
// else a new enrolment to the phone and in the language of the account's
// newest enrolment. It returns the last digits of that phone. The limits
// of Start and Resend apply, and a status page asks at most three times an
// hour per account.
func (s *Service) RenewAccount(ctx context.Context, t *twofetch.Tenant, accountID string) (string, error) {
	es, err := s.cfg.Store.ListEnrollments(ctx, t.ID, accountID)
	if err != nil {
		return "", err
	}
	var newest *twofetch.Enrollment
	for _, e := range es {
		if newest == nil || e.CreatedAt.After(newest.CreatedAt) {
			newest = e
		}
	}
	if newest == nil || newest.Phone == "" {
		return "", twofetch.Errorf(twofetch.ENOTFOUND, "no enrolment of this account knows a phone number")
	}
	if ok, wait, err := s.allowWait(ctx, "renew:account:"+accountID, renewsPerLink, time.Hour); err != nil {
		return "", err
	} else if !ok {
		return "", &RateLimitError{RetryAfter: wait, Err: twofetch.Errorf(twofetch.ERATELIMITED, "new links were asked for too often; try again later")}
	}
	newest = s.markExpired(ctx, newest)
	switch newest.Status {
	case twofetch.EnrollmentExpired, twofetch.EnrollmentConfirmed:
		if _, _, err := s.Start(ctx, t, accountID, newest.Phone, newest.Language); err != nil {
			return "", err
		}
	default:
		if _, err := s.Resend(ctx, t.ID, newest.ID); err != nil {
			return "", err
		}
	}
	return phoneEnding(newest.Phone), nil
}

// phoneEnding is what a page may show of a phone number: its last two
// digits.
func phoneEnding(p string) string {
	if len(p) < 2 {
		return ""
	}
	return p[len(p)-2:]
}

// Get returns an enrolment of the tenant, with an expired status once its
// link has expired.
func (s *Service) Get(ctx context.Context, tenantID, id string) (*twofetch.Enrollment, error) {
	e, err := s.cfg.Store.Enrollment(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	return s.markExpired(ctx, e), nil
}

func (s *Service) expired(e *twofetch.Enrollment) bool {
	return e.Status != twofetch.EnrollmentConfirmed && !s.cfg.Now().Before(e.ExpiresAt)
}

func (s *Service) markExpired(ctx context.Context, e *twofetch.Enrollment) *twofetch.Enrollment {
	if s.expired(e) && e.Status != twofetch.EnrollmentExpired {
		e.Status = twofetch.EnrollmentExpired
		e.UpdatedAt = s.cfg.Now().UTC()
		if err := s.cfg.Store.UpdateEnrollment(ctx, e); err == nil {
			s.audit(ctx, e, "system", "enrollment.expired", "")
			s.forget(ctx, e)
		}
	}
	return e
}

// session is an enrolment reached through its link.
type session struct {
	e       *twofetch.Enrollment
	account *twofetch.Account
	// tenant asked for the enrolment: the page names it and its support.
	tenant *twofetch.Tenant
	// tokenFromPath is the link token as the customer opened it, to build
	// the page's form actions; it is never logged or stored.
	tokenFromPath string
}

// open finds the enrolment of a link token. Unknown tokens are not found;
// confirmed and expired ones are gone.
func (s *Service) open(ctx context.Context, token string) (*session, error) {
	if len(token) < 10 || len(token) > 100 {
		return nil, twofetch.ErrNotFound
	}
	e, err := s.cfg.Store.EnrollmentByTokenHash(ctx, twofetch.HashToken(token))
	if err != nil {
		return nil, err
	}
	e = s.markExpired(ctx, e)
	a, err := s.cfg.Store.AccountByID(ctx, e.AccountID)
	if err != nil {
		return nil, err
	}
	t, err := s.cfg.Store.Tenant(ctx, e.TenantID)
	if err != nil {
		return nil, err
	}
	if t.RevokedAt != nil {
		// Its links went with it.
		return nil, twofetch.ErrNotFound
	}
	return &session{e: e, account: a, tenant: t, tokenFromPath: token}, nil
}

// Received is what the customer sees once a key is received.
type Received struct {
	Issuer      string `json:"issuer"`
	Account     string `json:"account"`
	Code        string `json:"code"`
	SecondsLeft int    `json:"seconds_left"`
	// ValidFrom is set when the code was issued for the next window, the
	// current one being nearly over: it works from then on.
	ValidFrom *time.Time `json:"valid_from,omitempty"`
	// SecondsUntil counts down to ValidFrom, rounded up, for pages shown
	// without scripts.
	SecondsUntil int       `json:"seconds_until,omitempty"`
	ValidUntil   time.Time `json:"valid_until"`
	// Period is the key's time step in seconds, for the countdown bar.
	Period int `json:"period"`
}

// Choice is one key of several found in one photo or export.
type Choice struct {
	Index   int    `json:"index"`
	Issuer  string `json:"issuer"`
	Account string `json:"account"`
}

// ErrChoose is returned when a photo held several keys and none clearly
// belongs to the portal; Choices lists them for the customer.
type ErrChoose struct{ Choices []Choice }

func (e *ErrChoose) Error() string { return fmt.Sprintf("%d keys found; choose one", len(e.Choices)) }

// errors shown to customers carry these codes in the JSON twin.
const (
	codeNoQR          = "no_code_found"
	codeNotAuth       = "not_an_authenticator_code"
	codeUnreadable    = "photo_unreadable"
	codeTooLarge      = "photo_too_large"
	codeBadKey        = "invalid_key"
	codeChoose        = "choose_key"
	codeNotReceived   = "no_key_received"
	codeExpiredOrUsed = "gone"
)

// customerError is an error the page explains to the customer.
type customerError struct {
	status int
	code   string
	// msg is a message key of the page's language.
	msg    string
	detail string
	// reason is the refusal code of a refused key (otpauth.RefusalCodes),
	// which the page explains in the customer's language.
	reason string
}

func (e *customerError) Error() string { return e.code + ": " + e.detail }

func (s *Service) acceptPhoto(ctx context.Context, ss *session, photo []byte) (*Received, error) {
	results, err := s.decode(ctx, photo)
	metrics.QRDecodes.WithLabelValues(decodeResult(err)).Inc()
	switch {
	case errors.Is(err, qrdecode.ErrTooLarge):
		return nil, &customerError{413, codeTooLarge, "err_too_large", err.Error(), ""}
	case errors.Is(err, qrdecode.ErrNoCode):
		return nil, &customerError{422, codeNoQR, "err_no_code", err.Error(), ""}
	case errors.Is(err, qrdecode.ErrUnsupportedFormat), errors.Is(err, qrdecode.ErrCorrupt):
		return nil, &customerError{422, codeUnreadable, "err_unreadable", err.Error(), ""}
	case err != nil:
		return nil, &customerError{422, codeUnreadable, "err_unreadable", err.Error(), ""}
	}
	var keys []*otpauth.Key
	var refusal error
	for _, r := range results {
		ks, err := otpauth.Parse(r.Text)
		if err != nil {
			if refusal == nil {
				refusal = err
			}
			continue
		}
		keys = append(keys, ks...)
	}
	if len(keys) == 0 {
		metrics.QRDecodes.WithLabelValues("refused").Inc()
		return nil, refusedError(refusal)
	}
	return s.acceptKeys(ctx, ss, keys)
}

// decode runs the decoder within the process's decode memory: a photo
// whose header promises more than the whole budget is refused unread, the
// others wait for their share, so parallel uploads of decompression bombs
// cannot take the server's memory.
func (s *Service) decode(ctx context.Context, photo []byte) ([]qrdecode.Result, error) {
	cost, err := qrdecode.Cost(photo, qrdecode.Options{MaxBytes: int(s.cfg.MaxPhotoBytes)})
	if err != nil {
		return nil, err
	}
	if cost > s.cfg.DecodeMemory {
		return nil, fmt.Errorf("%w: the photo needs %d MB to decode, more than this server gives one photo", qrdecode.ErrTooLarge, cost>>20)
	}
	if err := s.decodes.Acquire(ctx, cost); err != nil {
		return nil, err
	}
	defer s.decodes.Release(cost)
	return s.cfg.Decode(ctx, photo)
}

// decodeResult names a decode's result for the metrics.
func decodeResult(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, qrdecode.ErrNoCode):
		return "no_code"
	case errors.Is(err, qrdecode.ErrTooLarge):
		return "too_large"
	case errors.Is(err, qrdecode.ErrUnsupportedFormat):
		return "unsupported_format"
	}
	return "corrupt"
}

func refusedError(err error) error {
	var re *otpauth.RefusedError
	if errors.As(err, &re) {
		return &customerError{422, codeNotAuth, "err_not_auth", re.Reason, re.Code}
	}
	return &customerError{422, codeNotAuth, "err_not_auth", "the code is not an authenticator setup code", "not_a_key"}
}

func (s *Service) acceptKeyText(ctx context.Context, ss *session, text string) (*Received, error) {
	keys, err := otpauth.Parse(text)
	if err != nil {
		var re *otpauth.RefusedError
		if errors.As(err, &re) {
			return nil, &customerError{422, codeBadKey, "err_bad_key", re.Reason, re.Code}
		}
		return nil, &customerError{422, codeBadKey, "err_bad_key", "not a setup key", "not_a_key"}
	}
	return s.acceptKeys(ctx, ss, keys)
}

// acceptKeys picks the key that belongs to the portal and seals it as the
// pending key. Several keys (a Google Authenticator export) are matched
// against the portal's name; without a clear match the customer chooses.
func (s *Service) acceptKeys(ctx context.Context, ss *session, keys []*otpauth.Key) (*Received, error) {
	defer func() {
		for _, k := range keys {
			k.Zero()
		}
	}()
	k := keys[0]
	if len(keys) > 1 {
		k = matchPortal(keys, ss.account.Portal, s.cfg.PortalName(ss.account.Portal))
		if k == nil {
			return nil, s.offerChoice(ctx, ss, keys)
		}
	}
	return s.storeKey(ctx, ss, k)
}

func (s *Service) storeKey(ctx context.Context, ss *session, k *otpauth.Key) (*Received, error) {
	e := ss.e
	info, err := s.cfg.Vault.PutKey(ctx, pendingRef(e), k)
	if err != nil {
		return nil, err
	}
	_ = s.cfg.Vault.Delete(ctx, candidatesRef(e))
	e.Status = twofetch.EnrollmentKeyReceived
	e.Issuer, e.KeyAccount = info.Issuer, info.Account
	e.Error = ""
	e.UpdatedAt = s.cfg.Now().UTC()
	if err := s.cfg.Store.UpdateEnrollment(ctx, e); err != nil {
		return nil, err
	}
	s.audit(ctx, e, "customer", "enrollment.key_received", info.Issuer)
	return s.liveCode(ctx, ss)
}

func matchPortal(keys []*otpauth.Key, portalID, portalName string) *otpauth.Key {
	norm := func(s string) string {
		s = strings.ToLower(s)
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
	}
	want := []string{norm(portalID), norm(portalName)}
	if i := strings.IndexAny(portalID, "._-"); i > 0 {
		want = append(want, norm(portalID[:i]))
	}
	var found *otpauth.Key
	for _, k := range keys {
		issuer := norm(k.Issuer)
		if issuer == "" {
			continue
		}
		for _, w := range want {
			if w != "" && (strings.Contains(issuer, w) || strings.Contains(w, issuer)) {
				if found != nil && found != k {
					return nil // ambiguous: let the customer choose
				}
				found = k
			}
		}
	}
	return found
}

func (s *Service) offerChoice(ctx context.Context, ss *session, keys []*otpauth.Key) error {
	var uris []string
	choices := make([]Choice, len(keys))
	for i, k := range keys {
		uris = append(uris, k.URI())
		choices[i] = Choice{Index: i, Issuer: k.Issuer, Account: k.Account}
	}
	blob := []byte(strings.Join(uris, "\n"))
	err := s.cfg.Vault.Seal(ctx, candidatesRef(ss.e), blob)
	clear(blob)
	if err != nil {
		return err
	}
	return &ErrChoose{Choices: choices}
}

func (s *Service) choose(ctx context.Context, ss *session, index int) (*Received, error) {
	blob, err := s.cfg.Vault.Open(ctx, candidatesRef(ss.e))
	if twofetch.IsNotFound(err) {
		return nil, &customerError{409, codeNotReceived, "err_choose_again", "no keys waiting for a choice", ""}
	} else if err != nil {
		return nil, err
	}
	defer clear(blob)
	uris := strings.Split(string(blob), "\n")
	if index < 0 || index >= len(uris) {
		return nil, &customerError{400, codeBadKey, "err_choose_again", "no such key", ""}
	}
	keys, err := otpauth.Parse(uris[index])
	if err != nil || len(keys) != 1 {
		return nil, &customerError{422, codeBadKey, "err_bad_key", "stored key unreadable", "malformed"}
	}
	defer keys[0].Zero()
	return s.storeKey(ctx, ss, keys[0])
}

// liveCode issues a code of the pending key for the customer to type into
// the portal, without waiting: the current window's, or the next one's
// (with ValidFrom) when the current window is nearly over or its code was
// already shown. The vault never issues the same step twice, so the
// worker's first login uses a later code than the one shown here.
func (s *Service) liveCode(ctx context.Context, ss *session) (*Received, error) {
	if ss.e.Status != twofetch.EnrollmentKeyReceived {
		return nil, &customerError{409, codeNotReceived, "err_no_key", "no key received yet", ""}
	}
	ref := pendingRef(ss.e)
	info, err := s.keyInfo(ctx, ref)
	if err != nil {
		return nil, err
	}
	c, err := s.cfg.Vault.UpcomingCode(ctx, ref)
	if err != nil {
		return nil, err
	}
	left := int(c.ValidUntil.Sub(s.cfg.Now()).Round(time.Second) / time.Second)
	if left < 0 {
		left = 0
	}
	rec := &Received{Issuer: info.Issuer, Account: info.Account, Code: c.Value, SecondsLeft: left, ValidUntil: c.ValidUntil, Period: info.Period}
	if !c.ValidFrom.IsZero() {
		rec.ValidFrom = &c.ValidFrom
		rec.SecondsUntil = secondsUntil(c.ValidFrom, s.cfg.Now())
	}
	return rec, nil
}

// secondsUntil is how many whole seconds, rounded up, are left before t;
// at least one, as a code shown as not yet valid is never valid "in 0
// seconds".
func secondsUntil(t, now time.Time) int {
	return max(1, int((t.Sub(now)+time.Second-1)/time.Second))
}

func (s *Service) keyInfo(ctx context.Context, ref twofetch.SecretRef) (vault.KeyInfo, error) {
	type keyInfoer interface {
		KeyInfo(ctx context.Context, ref twofetch.SecretRef) (vault.KeyInfo, error)
	}
	if ki, ok := s.cfg.Vault.(keyInfoer); ok {
		return ki.KeyInfo(ctx, ref)
	}
	return vault.KeyInfo{}, nil
}

// confirm makes the pending key the account's key. ownApp records whether
// the customer said their own app scanned the code too.
func (s *Service) confirm(ctx context.Context, ss *session, ownApp bool) error {
	e := ss.e
	if e.Status != twofetch.EnrollmentKeyReceived {
		return &customerError{409, codeNotReceived, "err_no_key", "no key received yet", ""}
	}
	if err := s.cfg.Vault.Move(ctx, pendingRef(e), keyRef(e, twofetch.FieldTOTP)); err != nil {
		return err
	}
	now := s.cfg.Now().UTC()
	e.Status = twofetch.EnrollmentConfirmed
	e.ConfirmedAt = &now
	e.UpdatedAt = now
	if err := s.cfg.Store.UpdateEnrollment(ctx, e); err != nil {
		return err
	}
	_ = s.cfg.Vault.Delete(ctx, linkRef(e))
	s.cfg.Redis.Del(ctx, codeCacheKey(e))
	// Only the key and the status it decides: a run in flight may be
	// recording its own outcome on the same account right now.
	a, err := s.cfg.Store.ConfirmKey(ctx, e.TenantID, e.AccountID)
	if err != nil {
		return err
	}
	ss.account = a
	detail := ""
	if ownApp {
		detail = "own app scanned too"
	}
	s.audit(ctx, e, "customer", "enrollment.confirmed", detail)
	if s.cfg.Confirmed != nil {
		// The key is the login's: every account behind it may run now.
		behind, err := s.cfg.Store.LoginAccounts(ctx, e.TenantID, a.LoginOrOwnID())
		if err != nil || len(behind) == 0 {
			behind = []*twofetch.Account{a}
		}
		for _, b := range behind {
			if b.Status == twofetch.AccountActive {
				s.cfg.Confirmed(ctx, b)
			}
		}
	}
	return nil
}

func (s *Service) audit(ctx context.Context, e *twofetch.Enrollment, actor, action, detail string) {
	err := s.cfg.Store.Audit(ctx, &twofetch.AuditEvent{
		TenantID: e.TenantID, Actor: actor, Action: action,
		Object: "enrollment/" + e.ID, Detail: detail, At: s.cfg.Now().UTC(),
	})
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "audit log write failed", "action", action, "err", err)
	}
}

// allow is a fixed-window rate limit in Redis shared by every web process.
func (s *Service) allow(ctx context.Context, key string, limit int64, window time.Duration) (bool, error) {
	ok, _, err := s.allowWait(ctx, key, limit, window)
	return ok, err
}

// allowWait is allow that also says, when it refuses, how long until the
// window ends.
func (s *Service) allowWait(ctx context.Context, key string, limit int64, window time.Duration) (bool, time.Duration, error) {
	k := "twofetch:rl:enroll:" + key
	n, err := s.cfg.Redis.Incr(ctx, k).Result()
	if err != nil {
		return false, 0, fmt.Errorf("rate limit: %w", err)
	}
	if n == 1 {
		s.cfg.Redis.PExpire(ctx, k, window)
	}
	if n <= limit {
		return true, 0, nil
	}
	wait, err := s.cfg.Redis.PTTL(ctx, k).Result()
	if err != nil || wait <= 0 {
		// A key without expiry (a crash between INCR and PEXPIRE) would
		// refuse forever: give it its window now.
		s.cfg.Redis.PExpire(ctx, k, window)
		wait = window
	}
	return false, wait, nil
}

package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/web/catalog"
)

// ---- status links ----

// Status links are /s/ACCOUNT_ID.MAC, where
//
//	K   = HMAC-SHA256(StatusKey, "twofetch status link v1")
//	MAC = base64url(HMAC-SHA256(K, ACCOUNT_ID)[:16])
//
// Nothing is stored: the server recomputes the MAC and compares in
// constant time. A link is valid for as long as its account exists; it
// reveals only that account's portal and last outcome, never a secret. The
// derived key K keeps the server secret usable for other purposes, and
// changing StatusKey revokes every link at once. 128 bits of MAC make
// guessing a link for a known account id hopeless.

const statusMACLen = 16

// StatusKeyFile returns the status-link key kept in the file at path,
// creating the file (mode 0600, 32 random bytes) on first use, for
// single-machine installations that have no secret of their own to give.
// Several web servers behind one address must share one key.
func StatusKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) < 16 {
			return nil, fmt.Errorf("status key file %s holds %d bytes; want at least 16", path, len(b))
		}
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read status key: %w", err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	// Written aside and linked into place, so a concurrent reader sees the
	// whole key or no file, and two first starts agree on one key.
	f, err := os.CreateTemp(filepath.Dir(path), ".status-key-*")
	if err != nil {
		return nil, fmt.Errorf("create status key: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(key)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(f.Name(), path)
	}
	if errors.Is(err, fs.ErrExist) {
		return StatusKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("create status key: %w", err)
	}
	return key, nil
}

func (p *Pipeline) statusMAC(accountID string) string {
	k := hmac.New(sha256.New, p.StatusKey)
	k.Write([]byte("twofetch status link v1"))
	m := hmac.New(sha256.New, k.Sum(nil))
	m.Write([]byte(accountID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:statusMACLen])
}

func (p *Pipeline) statusToken(accountID string) string {
	return accountID + "." + p.statusMAC(accountID)
}

// statusAccountID returns the account a token speaks for, or "" when the
// token is not one this server made.
func (p *Pipeline) statusAccountID(token string) string {
	id, mac, ok := strings.Cut(token, ".")
	if !ok || id == "" || len(token) > 200 || len(p.StatusKey) == 0 {
		return ""
	}
	if !hmac.Equal([]byte(mac), []byte(p.statusMAC(id))) {
		return ""
	}
	return id
}

// StatusLink is the body of GET /api/v1/accounts/{id}/status-link.
type StatusLink struct {
	URL  string `json:"url"`
	Path string `json:"path"`
}

func (p *Pipeline) statusLink(w http.ResponseWriter, r *http.Request, t *twofetch.Tenant) error {
	a, err := p.Store.Account(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return notFoundOr(err, "account")
	}
	if len(p.StatusKey) == 0 {
		return twofetch.Errorf(twofetch.EUNAVAILABLE, "status pages are not configured on this server")
	}
	link := StatusLink{Path: "/s/" + p.statusToken(a.ID)}
	base := strings.TrimSuffix(p.BaseURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	link.URL = base + link.Path
	p.srv.JSON(w, r, http.StatusOK, link)
	return nil
}

// errTenantGone: the account's tenant was revoked, and with it the links
// it handed out.
var errTenantGone = errors.New("tenant revoked")

// statusView is what status.html renders.
type statusView struct {
	Lang   string
	Token  string
	Portal string
	// Tenant is the name customers know the tenant by; Contact its support.
	Tenant  string
	Contact twofetch.Contact
	Found   bool
	Failed  bool
	Paused  bool
	Running bool
	Outcome twofetch.Outcome
	// LastRun and NextRun are dates in the customer's language and the
	// tenant's time zone; empty when unknown.
	LastRun, NextRun string
	NewCount         int
	// Reenroll: the customer must connect the authenticator again.
	Reenroll bool
	// SentTo and SentAt say that an enrolment link is on its way: the
	// last digits of the phone and when the SMS went out. SMSFailed: the
	// last one could not be sent.
	SentTo, SentAt string
	SMSFailed      bool
	// CanRenew: the page may send a new link to the phone of the last
	// enrolment.
	CanRenew      bool
	Notice, Error string
	// code is the HTTP status of the answer; 200 when zero.
	code int
}

func (p *Pipeline) statusPage(w http.ResponseWriter, r *http.Request) {
	p.serveStatus(w, r, nil)
}

// statusRenew sends the customer a new enrolment link from the status
// page, to the phone of the account's last enrolment, within enrolment's
// limits.
func (p *Pipeline) statusRenew(w http.ResponseWriter, r *http.Request) {
	p.serveStatus(w, r, func(ctx context.Context, t *twofetch.Tenant, a *twofetch.Account, v *statusView) {
		if p.Renew == nil || !v.CanRenew {
			v.Error, v.code = catalog.Text(v.Lang, "status.reenroll_none"), http.StatusConflict
			return
		}
		ending, err := p.Renew(ctx, t, a.ID)
		switch {
		case err == nil:
			v.Notice = catalog.Text(v.Lang, "status.reenroll_renewed", ending)
			v.CanRenew = false
		case twofetch.ErrorCode(err) == twofetch.ERATELIMITED:
			// The limit is hourly: the same button would only be refused
			// again.
			v.Error, v.code = catalog.Text(v.Lang, "status.renew_limited"), http.StatusTooManyRequests
			v.CanRenew = false
		default:
			p.log().ErrorContext(ctx, "status page: new enrolment link", "account", a.ID, "err", err)
			v.Error, v.code = catalog.Text(v.Lang, "status.error_text"), http.StatusInternalServerError
		}
	})
}

// serveStatus shows an account's status page; act, when set, runs before
// the page is shown and may add a notice or an error.
func (p *Pipeline) serveStatus(w http.ResponseWriter, r *http.Request, act func(context.Context, *twofetch.Tenant, *twofetch.Account, *statusView)) {
	ctx := r.Context()
	lang := languageOf(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"))
	id := p.statusAccountID(r.PathValue("token"))
	var a *twofetch.Account
	var err error = twofetch.ErrNotFound
	if id != "" {
		a, err = p.Store.AccountByID(ctx, id)
	}
	if err != nil {
		if !twofetch.IsNotFound(err) {
			p.log().ErrorContext(ctx, "status page: load account", "err", err)
			p.render(w, r, http.StatusInternalServerError, "status.html", &statusView{Lang: lang, Failed: true})
			return
		}
		p.render(w, r, http.StatusNotFound, "status.html", &statusView{Lang: lang})
		return
	}
	t, v, err := p.statusOf(ctx, a, r)
	if errors.Is(err, errTenantGone) {
		p.render(w, r, http.StatusNotFound, "status.html", &statusView{Lang: lang})
		return
	}
	if err != nil {
		p.log().ErrorContext(ctx, "status page", "account", a.ID, "err", err)
		p.render(w, r, http.StatusInternalServerError, "status.html", &statusView{Lang: lang, Failed: true})
		return
	}
	v.Token = r.PathValue("token")
	if act != nil {
		act(ctx, t, a, v)
	}
	if v.code == 0 {
		v.code = http.StatusOK
	}
	p.render(w, r, v.code, "status.html", v)
}

func (p *Pipeline) statusOf(ctx context.Context, a *twofetch.Account, r *http.Request) (*twofetch.Tenant, *statusView, error) {
	v := &statusView{
		Found: true, Portal: p.portalName(a.Portal), Paused: a.Status == twofetch.AccountPaused,
		Outcome: a.LastOutcome,
	}
	t, err := p.Store.Tenant(ctx, a.TenantID)
	if err != nil {
		return nil, nil, fmt.Errorf("load tenant: %w", err)
	}
	if t.RevokedAt != nil {
		return nil, nil, errTenantGone
	}
	v.Tenant, v.Contact = t.ShownName(), t.Support
	loc := time.UTC
	if l, err := time.LoadLocation(t.TimeZone); err == nil && t.TimeZone != "" {
		loc = l
	}
	// The language the customer chose when enrolling beats the browser's,
	// which beats the tenant's default.
	es, err := p.Store.ListEnrollments(ctx, a.TenantID, a.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("list enrolments: %w", err)
	}
	var newest *twofetch.Enrollment
	for _, e := range es {
		if newest == nil || e.CreatedAt.After(newest.CreatedAt) {
			newest = e
		}
	}
	switch q := r.URL.Query().Get("lang"); {
	case knownLanguage(q):
		v.Lang = q
	case newest != nil && knownLanguage(newest.Language):
		v.Lang = newest.Language
	case r.Header.Get("Accept-Language") == "" && knownLanguage(t.Language):
		v.Lang = t.Language
	default:
		v.Lang = languageOf("", r.Header.Get("Accept-Language"))
	}
	// Only what happened: a link is said to be on its way only when its
	// SMS went out and the link still works.
	if newest != nil {
		open := newest.ExpiresAt.After(p.now()) && newest.Status != twofetch.EnrollmentConfirmed && newest.Status != twofetch.EnrollmentExpired
		switch {
		case open && newest.SMSCount > 0:
			v.SentTo = phoneEnding(newest.Phone)
			v.SentAt = catalog.Date(v.Lang, newest.UpdatedAt, loc)
		case newest.Status == twofetch.EnrollmentSMSFailed:
			v.SMSFailed = true
		}
		v.CanRenew = p.Renew != nil && newest.Phone != "" && v.SentTo == ""
	}
	runs, err := p.Store.ListRuns(ctx, twofetch.RunFilter{TenantID: a.TenantID, AccountID: a.ID, Page: twofetch.Page{Limit: 5}})
	if err != nil {
		return nil, nil, fmt.Errorf("list runs: %w", err)
	}
	var lastRun *time.Time
	for _, run := range runs {
		if run.Outcome == "" {
			v.Running = true
			continue
		}
		// The latest finished run is the truth; the account row may lag.
		v.Outcome, v.NewCount = run.Outcome, run.NewInvoices
		lastRun = run.FinishedAt
		break
	}
	if lastRun == nil {
		lastRun = a.LastRunAt
	}
	if lastRun != nil {
		v.LastRun = catalog.Date(v.Lang, *lastRun, loc)
	}
	// Due now: "next check" in the past would only confuse.
	if a.NextRunAt != nil && a.NextRunAt.After(p.now()) {
		v.NextRun = catalog.Date(v.Lang, *a.NextRunAt, loc)
	}
	v.Reenroll = v.Outcome == twofetch.OutcomeOTPMissing || v.Outcome == twofetch.OutcomeOTPRejected ||
		a.Status == twofetch.AccountNeedsEnrollment
	if !v.Reenroll {
		v.CanRenew = false
	}
	return t, v, nil
}

// phoneEnding is what a page shows of a phone number: its last two digits.
func phoneEnding(p string) string {
	if len(p) < 2 {
		return ""
	}
	return p[len(p)-2:]
}

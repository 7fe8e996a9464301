package enroll

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/web"
	"github.com/twofetch/twofetch/web/catalog"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var pageTemplate = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"t":      func(lang, key string, args ...any) string { return text(lang, key, args...) },
	"plural": func(lang, key string, n int) string { return catalog.Plural(lang, "enroll."+key, n) },
	"forms":  pluralForms,
	"group":  groupCode,
	"spell":  spellCode,
	"tel":    func(p string) template.URL { return template.URL("tel:" + p) },
	// k names a text's key-only variant for a portal without a QR code.
	"k": func(v *view, key string) string { return key + v.keySuffix() },
	// steps splits a menu path into its steps, one per line on a phone.
	"steps":     func(path string) []string { return strings.Split(path, " → ") },
	"urlbreaks": urlBreaks,
	"mailto": func(a string) template.URL {
		return template.URL("mailto:" + a)
	},
}).ParseFS(templateFS, "templates/page.html"))

// urlBreaks writes a settings address as the page shows it: without
// "https://" (lint allows no other scheme) and able to wrap after the
// slashes of its path only, so that on a phone
// "mysignins.microsoft.com/security-info" breaks between its parts, not
// inside a word.
func urlBreaks(u string) template.HTML {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		rest = u
	}
	parts := strings.SplitAfter(rest, "/")
	for i, p := range parts {
		parts[i] = template.HTMLEscapeString(p)
	}
	return template.HTML(strings.Join(parts, "<wbr>"))
}

// groupCode writes a code in two halves, as authenticator apps show it:
// "123 456", "1234 5678". The space does not break, so the code stays on
// one line; codes of odd length stay whole.
func groupCode(code string) string {
	if len(code) >= 6 && len(code)%2 == 0 {
		return code[:len(code)/2] + "\u00a0" + code[len(code)/2:]
	}
	return code
}

// spellCode spells a code digit by digit for screen readers, which would
// otherwise read "123 456" as two numbers.
func spellCode(code string) string {
	return strings.Join(strings.Split(code, ""), " ")
}

// Router is where Mount registers routes: public pages, and API routes
// behind the tenant's bearer token (which puts the tenant in the request
// context). *web.Server is one.
type Router interface {
	Handle(pattern string, h http.Handler)
	HandleAPI(pattern string, h http.Handler)
}

// Mount registers the enrolment API and the customer pages.
func (s *Service) Mount(r Router) {
	r.HandleAPI("POST /api/v1/accounts/{id}/enrollments", http.HandlerFunc(s.apiCreate))
	r.HandleAPI("GET /api/v1/accounts/{id}/enrollments/{eid}", http.HandlerFunc(s.apiGet))
	r.HandleAPI("POST /api/v1/accounts/{id}/enrollments/{eid}/resend", http.HandlerFunc(s.apiResend))
	// A key is enrolled once per sign-in: the login's enrolment serves
	// every account behind it, and the account routes above enrol the
	// account's login.
	r.HandleAPI("POST /api/v1/logins/{id}/enrollments", http.HandlerFunc(s.apiCreateForLogin))

	// Browsers send Sec-Fetch-Site/Origin; a cross-site form post to a
	// customer's link is refused. Programs without those headers pass.
	csrf := http.NewCrossOriginProtection()
	page := func(h sessionHandler) http.Handler {
		return securityHeaders(csrf.Handler(s.withSession(h, false)))
	}
	r.Handle("GET /e/{token}", page(s.showPage))
	r.Handle("GET /e/{token}/code", page(s.showCode))
	r.Handle("POST /e/{token}/photo", web.LongDeadlines(page(s.postPhoto)))
	r.Handle("POST /e/{token}/key", page(s.postKey))
	r.Handle("POST /e/{token}/choose", page(s.postChoose))
	r.Handle("POST /e/{token}/recovery", page(s.postRecovery))
	r.Handle("POST /e/{token}/confirm", page(s.postConfirm))
	r.Handle("POST /e/{token}/refused", page(s.postRefused))
	// An ended link's page offers a new one: this route serves ended links.
	r.Handle("POST /e/{token}/renew", securityHeaders(csrf.Handler(s.withSession(s.postRenew, true))))
	static, _ := fs.Sub(staticFS, "static")
	r.Handle("GET /assets/enroll/", cacheStatic(http.StripPrefix("/assets/enroll/", http.FileServerFS(static))))
}

// securityHeaders: the page may use the camera and its own script; the web
// server adds no-referrer, which keeps the link token from other sites.
var securityHeaders = web.PageHeaders(
	"default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
	"camera=(self), geolocation=(), microphone=()")

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// ---- operator API ----

type enrollmentJSON struct {
	ID          string                    `json:"id"`
	LoginID     string                    `json:"login_id"`
	AccountID   string                    `json:"account_id"`
	Status      twofetch.EnrollmentStatus `json:"status"`
	Phone       string                    `json:"phone"`
	Language    string                    `json:"language"`
	Issuer      string                    `json:"issuer,omitempty"`
	KeyAccount  string                    `json:"key_account,omitempty"`
	Error       string                    `json:"error_detail,omitempty"`
	SMSCount    int                       `json:"sms_count"`
	ExpiresAt   time.Time                 `json:"expires_at"`
	CreatedAt   time.Time                 `json:"created_at"`
	UpdatedAt   time.Time                 `json:"updated_at"`
	ConfirmedAt *time.Time                `json:"confirmed_at,omitempty"`
}

func toJSON(e *twofetch.Enrollment) enrollmentJSON {
	return enrollmentJSON{ID: e.ID, LoginID: e.LoginID, AccountID: e.AccountID, Status: e.Status, Phone: e.Phone, Language: e.Language,
		Issuer: e.Issuer, KeyAccount: e.KeyAccount, Error: e.Error, SMSCount: e.SMSCount,
		ExpiresAt: e.ExpiresAt, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt, ConfirmedAt: e.ConfirmedAt}
}

func (s *Service) apiCreate(w http.ResponseWriter, r *http.Request) {
	t := twofetch.TenantFromContext(r.Context())
	if t == nil {
		writeError(w, twofetch.Errorf(twofetch.EUNAUTHORIZED, "missing or invalid bearer token"))
		return
	}
	var body struct {
		Phone    string `json:"phone"`
		Language string `json:"language"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		writeError(w, twofetch.Errorf(twofetch.EINVALID, "request body: %v", err))
		return
	}
	e, _, err := s.Start(r.Context(), t, r.PathValue("id"), body.Phone, body.Language)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, toJSON(e))
}

// apiCreateForLogin starts an enrolment of a login through its first
// account.
func (s *Service) apiCreateForLogin(w http.ResponseWriter, r *http.Request) {
	t := twofetch.TenantFromContext(r.Context())
	if t == nil {
		writeError(w, twofetch.Errorf(twofetch.EUNAUTHORIZED, "missing or invalid bearer token"))
		return
	}
	as, err := s.cfg.Store.LoginAccounts(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	if len(as) == 0 {
		writeError(w, twofetch.Errorf(twofetch.ENOTFOUND, "login not found"))
		return
	}
	r.SetPathValue("id", as[0].ID)
	s.apiCreate(w, r)
}

// pathEnrollment is the enrolment the API path names, checked against
// the tenant and the account in the path.
func (s *Service) pathEnrollment(r *http.Request) (*twofetch.Tenant, *twofetch.Enrollment, error) {
	t := twofetch.TenantFromContext(r.Context())
	if t == nil {
		return nil, nil, twofetch.Errorf(twofetch.EUNAUTHORIZED, "missing or invalid bearer token")
	}
	e, err := s.Get(r.Context(), t.ID, r.PathValue("eid"))
	if err == nil && e.AccountID != r.PathValue("id") {
		err = twofetch.ErrNotFound
	}
	return t, e, err
}

func (s *Service) apiGet(w http.ResponseWriter, r *http.Request) {
	_, e, err := s.pathEnrollment(r)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toJSON(e))
}

func (s *Service) apiResend(w http.ResponseWriter, r *http.Request) {
	t, e, err := s.pathEnrollment(r)
	if err == nil {
		e, err = s.Resend(r.Context(), t.ID, e.ID)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toJSON(e))
}

// ---- customer pages ----

// view is what page.html renders.
type view struct {
	Lang  string
	Token string
	// Portal is the portal's name; Tenant the name customers know the
	// tenant by, and Contact how they reach its support. Tenant is empty
	// only for a link nobody issued.
	Portal  string
	Tenant  string
	Contact twofetch.Contact
	// State is start, received, choose, confirmed, connected (a used
	// link), expired or notfound.
	State    string
	Error    string
	Received *Received
	Choices  []Choice
	Notice   string
	// Key is the setup key the customer typed, kept when it is refused.
	Key string
	// Refused: the customer said the portal refused the code; the page
	// says what to try.
	Refused bool
	// OwnAppMissing: Done was pressed without confirming the customer's
	// own app scanned the code too.
	OwnAppMissing bool
	// ConnectedAt is when a used link connected the portal, in the
	// customer's language and the tenant's time zone.
	ConnectedAt string
	// PushApp is set for portals that only ask for an approval in an app,
	// which cannot be given automatically: the page says so.
	PushApp string
	// SettingsURL, Path, CantScan and Note are the portal's enrolment
	// help in the page's language, empty where the script has none;
	// Wording names its second login step.
	SettingsURL, Path, CantScan, Note, Wording string
	// KeyOnly: the portal shows no QR code, only a key to copy; the page
	// leads with the key form and offers no photo.
	KeyOnly bool
	// MenusIn is the language Path and CantScan are shown in when the
	// script lacks them in the page's language; the page says so.
	MenusIn string
}

// keySuffix picks the variant of a catalog text for a portal that hands
// over only a key ("step2_title_key"), whose texts speak of no QR code.
func (v *view) keySuffix() string {
	if v.KeyOnly {
		return "_key"
	}
	return ""
}

// sessionHandler serves a page of a link.
type sessionHandler func(http.ResponseWriter, *http.Request, *session)

// withSession opens the link of the request for h. Unknown links are not
// found; a used or expired link gets the page that says so, with a way
// forward, unless ended is set, in which case h serves it.
func (s *Service) withSession(h sessionHandler, ended bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss, err := s.open(r.Context(), r.PathValue("token"))
		if err != nil {
			if twofetch.IsNotFound(err) {
				s.render(w, r, http.StatusNotFound, &view{Lang: acceptLanguage(r), State: "notfound"}, twofetch.Errorf(twofetch.ENOTFOUND, "unknown link"))
				return
			}
			s.fail(w, r, &view{Lang: acceptLanguage(r), State: "start"}, err)
			return
		}
		if !ended && ss.e.Status == twofetch.EnrollmentConfirmed {
			s.render(w, r, http.StatusGone, s.viewOf(ss, "connected"), twofetch.Errorf(twofetch.EGONE, "this link was already used"))
			return
		}
		if !ended && ss.e.Status == twofetch.EnrollmentExpired {
			s.render(w, r, http.StatusGone, s.viewOf(ss, "expired"), twofetch.Errorf(twofetch.EGONE, "this link has expired"))
			return
		}
		h(w, r, ss)
	})
}

func (s *Service) viewOf(ss *session, state string) *view {
	v := &view{Lang: ss.e.Language, Token: ss.tokenFromPath, Portal: s.cfg.PortalName(ss.account.Portal), State: state,
		Tenant: ss.tenant.ShownName(), Contact: ss.tenant.Support}
	info := s.cfg.PortalInfo(ss.account.Portal)
	if info.approvalOnly() {
		v.PushApp = info.PushApp
	}
	v.Wording = catalog.Wording(v.Lang, "other")
	v.KeyOnly = info.keyOnly()
	if h := info.Help; h != nil {
		v.SettingsURL = h.SettingsURL
		v.Note = in(h.Note, v.Lang)
		var shownIn string
		v.Path, shownIn = menus(h.Path, v.Lang)
		// The link to the setup key is named in the path's language, so
		// one sentence about the menus' language covers both; where the
		// script lacks it there, the page's own words stand in.
		if shownIn == "" {
			shownIn = v.Lang
		}
		if cs, ok := h.CantScan[shownIn]; ok {
			v.CantScan = cs
		} else if v.Path == "" {
			v.CantScan, shownIn = menus(h.CantScan, v.Lang)
		}
		if shownIn != "" && shownIn != v.Lang {
			v.MenusIn = shownIn
		}
		if h.Wording != "" {
			v.Wording = catalog.Wording(v.Lang, h.Wording)
		}
	}
	if state == "connected" && ss.e.ConfirmedAt != nil {
		v.ConnectedAt = catalog.Date(v.Lang, *ss.e.ConfirmedAt, tenantZone(ss.tenant))
	}
	return v
}

// tenantZone is the time zone dates are shown in: the tenant's, else UTC.
func tenantZone(t *twofetch.Tenant) *time.Location {
	if t.TimeZone != "" {
		if loc, err := time.LoadLocation(t.TimeZone); err == nil {
			return loc
		}
	}
	return time.UTC
}

func (s *Service) showPage(w http.ResponseWriter, r *http.Request, ss *session) {
	v := s.viewOf(ss, "start")
	if ss.e.Status == twofetch.EnrollmentKeyReceived {
		rec, err := s.cachedCode(r.Context(), ss)
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		v.State, v.Received = "received", rec
	}
	if wantsJSON(r) {
		body := map[string]any{"status": ss.e.Status, "portal": v.Portal, "tenant": v.Tenant}
		if !v.Contact.IsZero() {
			body["support"] = v.Contact
		}
		if v.PushApp != "" {
			body["approval_app"] = v.PushApp
		}
		writeJSON(w, http.StatusOK, body)
		return
	}
	s.render(w, r, http.StatusOK, v, nil)
}

func (s *Service) showCode(w http.ResponseWriter, r *http.Request, ss *session) {
	rec, err := s.cachedCode(r.Context(), ss)
	if err != nil {
		writeError(w, toAPIError(err))
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

func (s *Service) postPhoto(w http.ResponseWriter, r *http.Request, ss *session) {
	if !s.limit(w, r, ss, "photo", 30) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxPhotoBytes+64<<10)
	f, _, err := r.FormFile("photo")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(w, r, s.viewOf(ss, "start"), &customerError{413, codeTooLarge, "err_too_large", "upload too large", ""})
			return
		}
		s.fail(w, r, s.viewOf(ss, "start"), &customerError{400, codeUnreadable, "err_unreadable", "no photo in the form", ""})
		return
	}
	defer f.Close()
	photo, err := io.ReadAll(io.LimitReader(f, s.cfg.MaxPhotoBytes+1))
	if err != nil {
		s.fail(w, r, s.viewOf(ss, "start"), &customerError{400, codeUnreadable, "err_unreadable", "upload interrupted", ""})
		return
	}
	if int64(len(photo)) > s.cfg.MaxPhotoBytes {
		s.fail(w, r, s.viewOf(ss, "start"), &customerError{413, codeTooLarge, "err_too_large", "photo too large", ""})
		return
	}
	rec, err := s.acceptPhoto(r.Context(), ss, photo)
	s.answer(w, r, ss, rec, err, "")
}

// maxKeyField bounds the typed key kept on the page after a refusal.
const maxKeyField = 200

func (s *Service) postKey(w http.ResponseWriter, r *http.Request, ss *session) {
	if !s.limit(w, r, ss, "key", 20) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	key := r.PostFormValue("key")
	if strings.TrimSpace(key) == "" {
		s.fail(w, r, s.viewOf(ss, "start"), &customerError{400, codeBadKey, "err_bad_key", "empty", "empty"})
		return
	}
	rec, err := s.acceptKeyText(r.Context(), ss, key)
	s.answer(w, r, ss, rec, err, key)
}

func (s *Service) postChoose(w http.ResponseWriter, r *http.Request, ss *session) {
	if !s.limit(w, r, ss, "key", 20) {
		return
	}
	i, err := strconv.Atoi(r.PostFormValue("index"))
	if err != nil {
		s.fail(w, r, s.viewOf(ss, "start"), &customerError{400, codeBadKey, "err_choose_again", "no choice", ""})
		return
	}
	rec, err := s.choose(r.Context(), ss, i)
	s.answer(w, r, ss, rec, err, "")
}

func (s *Service) postRecovery(w http.ResponseWriter, r *http.Request, ss *session) {
	if !s.limit(w, r, ss, "key", 20) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	codes := strings.TrimSpace(r.PostFormValue("codes"))
	v := s.viewOf(ss, "start")
	if codes != "" {
		b := []byte(codes)
		err := s.cfg.Vault.Seal(r.Context(), keyRef(ss.e, twofetch.FieldRecoveryCodes), b)
		clear(b)
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		s.audit(r.Context(), ss.e, "customer", "enrollment.recovery_codes", "")
		v.Notice = text(v.Lang, "recovery_saved")
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"saved": codes != ""})
		return
	}
	s.withCode(r.Context(), ss, v)
	s.render(w, r, http.StatusOK, v, nil)
}

// withCode puts the received state and its live code into v when a key
// is waiting for confirmation.
func (s *Service) withCode(ctx context.Context, ss *session, v *view) {
	if ss.e.Status == twofetch.EnrollmentKeyReceived {
		if rec, err := s.cachedCode(ctx, ss); err == nil {
			v.State, v.Received = "received", rec
		}
	}
}

func (s *Service) postConfirm(w http.ResponseWriter, r *http.Request, ss *session) {
	ownApp := r.PostFormValue("own_app") != ""
	if !wantsJSON(r) && !ownApp && ss.e.Status == twofetch.EnrollmentKeyReceived {
		// The page asks for the tick before Done; a browser that skipped
		// the check (no HTML5 validation) is asked again, not let
		// through: without their own app the customer is locked out.
		v := s.viewOf(ss, "start")
		s.withCode(r.Context(), ss, v)
		v.OwnAppMissing = true
		v.Error = text(v.Lang, "own_app_required"+v.keySuffix())
		s.render(w, r, http.StatusUnprocessableEntity, v, nil)
		return
	}
	if err := s.confirm(r.Context(), ss, ownApp); err != nil {
		s.fail(w, r, s.viewOf(ss, "start"), err)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"status": twofetch.EnrollmentConfirmed})
		return
	}
	s.render(w, r, http.StatusOK, s.viewOf(ss, "confirmed"), nil)
}

// postRefused is the customer's answer that the portal refused the code:
// the page shows a fresh code and what to try, and support can see it in
// the audit log.
func (s *Service) postRefused(w http.ResponseWriter, r *http.Request, ss *session) {
	if !s.limit(w, r, ss, "refused", 20) {
		return
	}
	if ss.e.Status != twofetch.EnrollmentKeyReceived {
		s.fail(w, r, s.viewOf(ss, "start"), &customerError{409, codeNotReceived, "err_no_key", "no key received yet", ""})
		return
	}
	s.audit(r.Context(), ss.e, "customer", "enrollment.code_refused", "")
	if wantsJSON(r) {
		rec, err := s.cachedCode(r.Context(), ss)
		if err != nil {
			writeError(w, toAPIError(err))
			return
		}
		writeJSON(w, http.StatusOK, rec)
		return
	}
	v := s.viewOf(ss, "start")
	s.withCode(r.Context(), ss, v)
	v.Refused = true
	s.render(w, r, http.StatusOK, v, nil)
}

// postRenew sends a new link for an expired one (or the newer link that
// replaced it) to the same phone.
func (s *Service) postRenew(w http.ResponseWriter, r *http.Request, ss *session) {
	state := "expired"
	if ss.e.Status == twofetch.EnrollmentConfirmed {
		state = "connected"
	}
	v := s.viewOf(ss, state)
	if state == "expired" && ss.e.Status != twofetch.EnrollmentExpired {
		// Still working: there is nothing to renew, show the link's page.
		http.Redirect(w, r, "/e/"+ss.tokenFromPath, http.StatusSeeOther)
		return
	}
	newer, err := s.renew(r.Context(), ss)
	if err != nil {
		status := http.StatusInternalServerError
		switch twofetch.ErrorCode(err) {
		case twofetch.ERATELIMITED:
			status, v.Error = http.StatusTooManyRequests, text(v.Lang, "err_rate")
		case twofetch.ECONFLICT, twofetch.EGONE:
			status, v.Error = http.StatusConflict, text(v.Lang, "err_internal")
		default:
			s.cfg.Logger.ErrorContext(r.Context(), "renew enrolment link", "err", err)
			v.Error = text(v.Lang, "err_internal")
		}
		if wantsJSON(r) {
			writeError(w, err)
			return
		}
		s.render(w, r, status, v, nil)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"sent": true, "newer": newer})
		return
	}
	if newer {
		v.Notice = text(v.Lang, "renewed_newer", phoneEnding(ss.e.Phone))
	} else {
		v.Notice = text(v.Lang, "renewed", phoneEnding(ss.e.Phone))
	}
	s.render(w, r, http.StatusOK, v, nil)
}

// answer renders the result of a photo, key or choice. key is the text
// the customer typed, kept in the field when it is refused.
func (s *Service) answer(w http.ResponseWriter, r *http.Request, ss *session, rec *Received, err error, key string) {
	var choose *ErrChoose
	if errors.As(err, &choose) {
		if wantsJSON(r) {
			writeJSONStatus(w, http.StatusConflict, map[string]any{"error": map[string]any{
				"code": codeChoose, "message": "several keys found; POST index to " + "choose", "choices": choose.Choices}})
			return
		}
		v := s.viewOf(ss, "choose")
		v.Choices = choose.Choices
		s.render(w, r, http.StatusOK, v, nil)
		return
	}
	if err != nil {
		v := s.viewOf(ss, "start")
		if len(key) <= maxKeyField {
			v.Key = key
		}
		s.fail(w, r, v, err)
		return
	}
	if err := s.cacheCode(r.Context(), ss, rec); err != nil {
		s.cfg.Logger.WarnContext(r.Context(), "enrolment code cache", "err", err)
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, rec)
		return
	}
	// Post/redirect/get: reloading the code page must not re-upload.
	http.Redirect(w, r, "/e/"+ss.tokenFromPath, http.StatusSeeOther)
}

// fail renders err: customer errors in the page's language, anything else
// as a generic message (the cause goes to the log).
func (s *Service) fail(w http.ResponseWriter, r *http.Request, v *view, err error) {
	var ce *customerError
	status := http.StatusInternalServerError
	switch {
	case errors.As(err, &ce):
		status = ce.status
		if ce.reason != "" {
			v.Error = text(v.Lang, ce.msg, reasonText(v.Lang, ce.reason, ce.detail))
		} else {
			v.Error = text(v.Lang, ce.msg)
		}
	case twofetch.ErrorCode(err) == twofetch.ERATELIMITED:
		status = http.StatusTooManyRequests
		v.Error = text(v.Lang, "err_rate")
	default:
		s.cfg.Logger.ErrorContext(r.Context(), "enrolment page", "err", err)
		v.Error = text(v.Lang, "err_internal")
	}
	s.render(w, r, status, v, toAPIError(err))
}

func toAPIError(err error) error {
	var ce *customerError
	if errors.As(err, &ce) {
		return &apiError{status: ce.status, code: ce.code, message: ce.detail}
	}
	return err
}

func (s *Service) render(w http.ResponseWriter, r *http.Request, status int, v *view, apiErr error) {
	if wantsJSON(r) {
		if apiErr == nil {
			apiErr = twofetch.Errorf(twofetch.EINTERNAL, "no JSON form of this page")
		}
		writeError(w, apiErr)
		return
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, v); err != nil {
		s.cfg.Logger.ErrorContext(r.Context(), "render enrolment page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// limit applies the per-link and per-address limits of an action.
func (s *Service) limit(w http.ResponseWriter, r *http.Request, ss *session, action string, perLink int64) bool {
	ok, err := s.allow(r.Context(), action+":"+ss.e.ID, perLink, time.Hour)
	if err == nil && ok {
		ok, err = s.allow(r.Context(), "ip:"+clientIP(r), 120, time.Hour)
	}
	if err != nil {
		s.fail(w, r, s.viewOf(ss, "start"), err)
		return false
	}
	if !ok {
		s.fail(w, r, s.viewOf(ss, "start"), twofetch.Errorf(twofetch.ERATELIMITED, "too many attempts; wait a few minutes"))
		return false
	}
	return true
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// cachedCode returns the live code shown to the customer. A reload within
// the same window shows the same code instead of asking the vault for a new
// one (which would wait for the next window); the code lives in Redis only
// until it expires.
func (s *Service) cachedCode(ctx context.Context, ss *session) (*Received, error) {
	b, err := s.cfg.Redis.Get(ctx, codeCacheKey(ss.e)).Bytes()
	if err == nil {
		var rec Received
		if json.Unmarshal(b, &rec) == nil {
			if rec.ValidUntil.IsZero() {
				return &rec, nil
			}
			if now := s.cfg.Now(); rec.ValidUntil.Sub(now) > 3*time.Second {
				rec.SecondsLeft = int(rec.ValidUntil.Sub(now) / time.Second)
				if rec.ValidFrom != nil && !rec.ValidFrom.After(now) {
					rec.ValidFrom, rec.SecondsUntil = nil, 0
				} else if rec.ValidFrom != nil {
					rec.SecondsUntil = secondsUntil(*rec.ValidFrom, now)
				}
				return &rec, nil
			}
		}
	}
	rec, err := s.liveCode(ctx, ss)
	if err != nil {
		return nil, err
	}
	if err := s.cacheCode(ctx, ss, rec); err != nil {
		s.cfg.Logger.WarnContext(ctx, "enrolment code cache", "err", err)
	}
	return rec, nil
}

func (s *Service) cacheCode(ctx context.Context, ss *session, rec *Received) error {
	ttl := rec.ValidUntil.Sub(s.cfg.Now())
	if rec.ValidUntil.IsZero() {
		// A counter-based code (HOTP, MobilePASS) stays valid until used,
		// and each new one advances the counter: show the same one until
		// the customer is done.
		ttl = counterCodeTTL
	}
	if ttl <= 0 {
		return nil
	}
	b, _ := json.Marshal(rec)
	return s.cfg.Redis.Set(ctx, codeCacheKey(ss.e), b, ttl).Err()
}

// counterCodeTTL is how long the page keeps showing one code of a
// counter-based key.
const counterCodeTTL = 30 * time.Minute

func codeCacheKey(e *twofetch.Enrollment) string { return "twofetch:enroll:code:" + e.ID }

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

func acceptLanguage(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if l, ok := normalizeLanguage(tag); ok {
			return l
		}
	}
	return "en"
}

// apiError is an error with its own HTTP status and code, for the JSON twin.
type apiError struct {
	status        int
	code, message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func writeJSON(w http.ResponseWriter, status int, v any) { writeJSONStatus(w, status, v) }

func writeJSONStatus(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	var rl *RateLimitError
	if errors.As(err, &rl) {
		w.Header().Set("Retry-After", strconv.Itoa(int((rl.RetryAfter+time.Second-1)/time.Second)))
	}
	code, msg := twofetch.ErrorCode(err), twofetch.ErrorMessage(err)
	status := web.StatusOf(code)
	if errors.As(err, &ae) {
		status, code, msg = ae.status, ae.code, ae.message
	}
	writeJSONStatus(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

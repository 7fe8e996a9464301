package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/twofetch/twofetch"
)

//go:embed templates/*.html
var pageFS embed.FS

//go:embed static
var pageStatic embed.FS

var pageTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"t": func(lang, key string, args ...any) string { return statusText(lang, key, args...) },
	"outcome": func(lang string, o twofetch.Outcome, field, portal string) string {
		return outcomeText(lang, o, field, portal)
	},
	"kind": outcomeKind,
	"when": func(t *time.Time, loc *time.Location) string { return formatTime(t, loc) },
	"ptr":  func(t time.Time) *time.Time { return &t },
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}).ParseFS(pageFS, "templates/*.html"))

// pageCSP is the enrolment pages' policy: our own stylesheet and images,
// nothing else, no scripts at all.
const pageCSP = "default-src 'none'; img-src 'self' data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// pageHeaders: status links carry their token in the path; the server's
// no-referrer keeps it from other sites.
var pageHeaders = PageHeaders(pageCSP, "camera=(), geolocation=(), microphone=()")

func (p *Pipeline) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		p.log().ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (p *Pipeline) mountPages(s *Server) {
	static, _ := fs.Sub(pageStatic, "static")
	s.Handle("GET /assets/web/", http.StripPrefix("/assets/web/", cacheFor(time.Hour, http.FileServerFS(static))))
	if len(p.StatusKey) > 0 {
		s.Handle("GET /s/{token}", pageHeaders(http.HandlerFunc(p.statusPage)))
	}

	csrf := http.NewCrossOriginProtection()
	s.Handle("GET /support/login", pageHeaders(http.HandlerFunc(p.loginPage)))
	s.Handle("POST /support/login", pageHeaders(csrf.Handler(http.HandlerFunc(p.login))))
	s.Handle("POST /support/logout", pageHeaders(csrf.Handler(http.HandlerFunc(p.logout))))
	s.Handle("GET /support", pageHeaders(p.admin(http.HandlerFunc(p.supportHome))))
	s.Handle("GET /support/runs/{rid}", pageHeaders(p.admin(http.HandlerFunc(p.supportRun))))
	s.Handle("GET /support/runs/{rid}/screenshot.png", pageHeaders(p.admin(http.HandlerFunc(p.artifact))))
	s.Handle("GET /support/runs/{rid}/page.html", pageHeaders(p.admin(http.HandlerFunc(p.artifact))))
	s.Handle("GET /support/runs/{rid}/steps.log", pageHeaders(p.admin(http.HandlerFunc(p.artifact))))
	s.Handle("POST /support/runs/{rid}/rerun", pageHeaders(csrf.Handler(p.admin(http.HandlerFunc(p.supportRerun)))))
}

func cacheFor(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(d.Seconds())))
		h.ServeHTTP(w, r)
	})
}

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
	Lang      string
	Portal    string
	Found     bool
	Failed    bool
	Paused    bool
	Running   bool
	Outcome   twofetch.Outcome
	LastRun   *time.Time
	NextRun   *time.Time
	Location  *time.Location
	NewCount  int
	Reenroll  bool
	Enrolling bool
}

func (p *Pipeline) statusPage(w http.ResponseWriter, r *http.Request) {
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
	v, err := p.statusOf(ctx, a, r)
	if errors.Is(err, errTenantGone) {
		p.render(w, r, http.StatusNotFound, "status.html", &statusView{Lang: lang})
		return
	}
	if err != nil {
		p.log().ErrorContext(ctx, "status page", "account", a.ID, "err", err)
		p.render(w, r, http.StatusInternalServerError, "status.html", &statusView{Lang: lang, Failed: true})
		return
	}
	p.render(w, r, http.StatusOK, "status.html", v)
}

func (p *Pipeline) statusOf(ctx context.Context, a *twofetch.Account, r *http.Request) (*statusView, error) {
	v := &statusView{
		Found: true, Portal: p.portalName(a.Portal), Paused: a.Status == twofetch.AccountPaused,
		Outcome: a.LastOutcome, LastRun: a.LastRunAt, NextRun: a.NextRunAt, Location: time.UTC,
	}
	t, err := p.Store.Tenant(ctx, a.TenantID)
	if err != nil {
		return nil, fmt.Errorf("load tenant: %w", err)
	}
	if t.RevokedAt != nil {
		return nil, errTenantGone
	}
	if loc, err := time.LoadLocation(t.TimeZone); err == nil && t.TimeZone != "" {
		v.Location = loc
	}
	// The language the customer chose when enrolling beats the browser's,
	// which beats the tenant's default.
	es, err := p.Store.ListEnrollments(ctx, a.TenantID, a.ID)
	if err != nil {
		return nil, fmt.Errorf("list enrolments: %w", err)
	}
	var newest *twofetch.Enrollment
	for _, e := range es {
		if newest == nil || e.CreatedAt.After(newest.CreatedAt) {
			newest = e
		}
		if (e.Status == twofetch.EnrollmentSMSSent || e.Status == twofetch.EnrollmentKeyReceived) && e.ExpiresAt.After(p.now()) {
			v.Enrolling = true
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
	runs, err := p.Store.ListRuns(ctx, twofetch.RunFilter{TenantID: a.TenantID, AccountID: a.ID, Page: twofetch.Page{Limit: 5}})
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	for _, run := range runs {
		if run.Outcome == "" {
			v.Running = true
			continue
		}
		// The latest finished run is the truth; the account row may lag.
		v.Outcome, v.NewCount = run.Outcome, run.NewInvoices
		v.LastRun = run.FinishedAt
		break
	}
	if v.NextRun != nil && !v.NextRun.After(p.now()) {
		v.NextRun = nil // due now: "next check" in the past would only confuse
	}
	v.Reenroll = v.Outcome == twofetch.OutcomeOTPMissing || v.Outcome == twofetch.OutcomeOTPRejected ||
		a.Status == twofetch.AccountNeedsEnrollment
	return v, nil
}

func formatTime(t *time.Time, loc *time.Location) string {
	if t == nil || t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// ---- support views ----

const supportPrefix = "/support"

func isSupportPath(p string) bool {
	return p == supportPrefix || strings.HasPrefix(p, supportPrefix+"/")
}

type loginView struct{ Error string }

func (p *Pipeline) loginPage(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "login.html", &loginView{})
}

// login opens a support session for a tenant's admin token or, where one
// is configured, the operator token; the cookie carries only the session's
// random id.
func (p *Pipeline) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	token := strings.TrimSpace(r.PostFormValue("token"))
	fail := func() {
		p.render(w, r, http.StatusUnauthorized, "login.html", &loginView{Error: "This is not a valid admin token."})
	}
	broken := func(err error) {
		p.log().ErrorContext(r.Context(), "support login", "err", err)
		p.render(w, r, http.StatusInternalServerError, "login.html", &loginView{Error: "Something went wrong on our side. Try again in a minute."})
	}
	if token == "" || len(token) > 200 || strings.ContainsAny(token, " \t\r\n;") {
		fail()
		return
	}
	if p.isOperatorToken(token) {
		if err := p.startSession(w, r, session{Kind: sessionOperator}); err != nil {
			broken(err)
			return
		}
		p.log().InfoContext(r.Context(), "operator signed in to the support views")
		http.Redirect(w, r, QueuesPath+"/", http.StatusSeeOther)
		return
	}
	hash := twofetch.HashToken(token)
	t, err := p.Store.TenantByAdminTokenHash(r.Context(), hash)
	if twofetch.IsNotFound(err) || (err == nil && t.RevokedAt != nil) {
		fail()
		return
	}
	if err != nil {
		broken(err)
		return
	}
	p.endSession(w, r)
	if err := p.startSession(w, r, session{Kind: sessionTenant, TenantID: t.ID, AdminHash: hex.EncodeToString(hash)}); err != nil {
		broken(err)
		return
	}
	http.Redirect(w, r, supportPrefix, http.StatusSeeOther)
}

func (p *Pipeline) logout(w http.ResponseWriter, r *http.Request) {
	p.endSession(w, r)
	http.Redirect(w, r, supportPrefix+"/login", http.StatusSeeOther)
}

// Failures the support home page reads at most; older ones in the window
// are summarised as "more".
const (
	supportWindow   = 7 * 24 * time.Hour
	supportMaxRuns  = 1000
	supportPageSize = 200
)

type failureGroup struct {
	Portal, PortalName string
	Outcome            twofetch.Outcome
	Count              int
	Accounts           int
	Latest             *twofetch.Run
	accounts           map[string]bool
}

type supportHomeView struct {
	Tenant    string
	Since     time.Time
	Groups    []*failureGroup
	Recent    []*twofetch.Run
	Total     int
	Truncated bool
	Queues    bool
}

func (p *Pipeline) supportHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t := TenantFrom(ctx)
	since := p.now().Add(-supportWindow).UTC()
	v := &supportHomeView{Tenant: t.Name, Since: since}
	groups := map[string]*failureGroup{}
	f := twofetch.RunFilter{TenantID: t.ID, Failed: true, Since: since, Page: twofetch.Page{Limit: supportPageSize}}
	for {
		runs, err := p.Store.ListRuns(ctx, f)
		if err != nil {
			p.supportError(w, r, fmt.Errorf("list failed runs: %w", err))
			return
		}
		for _, run := range runs {
			key := run.Portal + "\x00" + string(run.Outcome)
			g := groups[key]
			if g == nil {
				// Runs come newest first, so the first seen is the latest.
				g = &failureGroup{Portal: run.Portal, PortalName: p.portalName(run.Portal), Outcome: run.Outcome, Latest: run, accounts: map[string]bool{}}
				groups[key] = g
				v.Groups = append(v.Groups, g)
			}
			g.Count++
			g.accounts[run.AccountID] = true
			g.Accounts = len(g.accounts)
			if len(v.Recent) < 50 {
				v.Recent = append(v.Recent, run)
			}
			v.Total++
		}
		if len(runs) < f.Limit {
			break
		}
		if v.Total >= supportMaxRuns {
			v.Truncated = true
			break
		}
		f.After = runs[len(runs)-1].ID
	}
	slices.SortStableFunc(v.Groups, func(a, b *failureGroup) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Portal+string(a.Outcome), b.Portal+string(b.Outcome))
	})
	p.render(w, r, http.StatusOK, "support.html", v)
}

type supportRunView struct {
	Queues     bool
	StatusPath string // the customer's status page of the account
	Run        *twofetch.Run
	State      string
	Account    *twofetch.Account
	PortalName string
	Explain    string
	Screenshot bool
	PageHTML   bool
	StepLog    string
	LogCut     bool
	Error      string
}

// Step logs longer than this are cut on the page; the whole file is a
// download away.
const maxInlineLog = 256 << 10

func (p *Pipeline) supportRun(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t := TenantFrom(ctx)
	run, err := p.Store.Run(ctx, t.ID, r.PathValue("rid"))
	if err != nil {
		p.supportError(w, r, notFoundOr(err, "run"))
		return
	}
	v := &supportRunView{Run: run, State: runState(run), PortalName: p.portalName(run.Portal)}
	if len(p.StatusKey) > 0 {
		v.StatusPath = "/s/" + p.statusToken(run.AccountID)
	}
	if run.Outcome != "" {
		v.Explain = outcomeText("en", run.Outcome, "action", v.PortalName)
	}
	if a, err := p.Store.Account(ctx, t.ID, run.AccountID); err == nil {
		v.Account = a
	}
	if run.Artifacts != "" {
		v.Screenshot = p.hasArtifact(ctx, run, "screenshot.png")
		v.PageHTML = p.hasArtifact(ctx, run, "page.html")
	}
	// The step log is kept with every run; a failed run's steps.log
	// artifact is the same log as text, for download.
	if len(run.Steps) > 0 {
		var b strings.Builder
		for _, st := range run.Steps {
			b.WriteString(st.String())
			b.WriteByte('\n')
		}
		log := b.String()
		v.LogCut = len(log) > maxInlineLog && run.Artifacts != ""
		v.StepLog = strings.ToValidUTF8(log[:min(len(log), maxInlineLog)], "\uFFFD")
	} else if f, err := p.openArtifact(ctx, run, "steps.log"); err == nil {
		b, _ := io.ReadAll(io.LimitReader(f, maxInlineLog+1))
		f.Close()
		v.LogCut = len(b) > maxInlineLog
		v.StepLog = strings.ToValidUTF8(string(b[:min(len(b), maxInlineLog)]), "\uFFFD")
	}
	if msg := r.URL.Query().Get("error"); msg == "paused" {
		v.Error = "The account is paused; resume it before starting a run."
	}
	p.render(w, r, http.StatusOK, "support_run.html", v)
}

// artifactTypes are the only files served from a run's artifacts, with the
// types they are served as. The page HTML came from a portal: it is served
// as a plain-text download so it can never run on this origin.
var artifactTypes = map[string]string{
	"screenshot.png": "image/png",
	"page.html":      "text/plain; charset=utf-8",
	"steps.log":      "text/plain; charset=utf-8",
}

// openArtifact opens a run's artifact in the blob store. The key comes
// from the run id and a fixed file name, never from what the run row
// says, so a tampered row cannot make the server read other objects.
func (p *Pipeline) openArtifact(ctx context.Context, run *twofetch.Run, name string) (io.ReadCloser, error) {
	if run.Artifacts == "" || !validArtifactID(run.ID) {
		return nil, twofetch.ErrNotFound
	}
	if _, ok := twofetch.ArtifactFiles[name]; !ok {
		return nil, twofetch.ErrNotFound
	}
	return p.Blob.Get(ctx, twofetch.ArtifactPrefix(run.ID)+name)
}

func validArtifactID(id string) bool {
	return id != "" && len(id) <= 64 && strings.Trim(id, "abcdefghijklmnopqrstuvwxyz0123456789_") == ""
}

func (p *Pipeline) hasArtifact(ctx context.Context, run *twofetch.Run, name string) bool {
	f, err := p.openArtifact(ctx, run, name)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

func (p *Pipeline) artifact(w http.ResponseWriter, r *http.Request) {
	t := TenantFrom(r.Context())
	name := path.Base(r.URL.Path)
	ct, ok := artifactTypes[name]
	run, err := p.Store.Run(r.Context(), t.ID, r.PathValue("rid"))
	if !ok || err != nil {
		p.supportError(w, r, notFoundOr(errOr(err, twofetch.ErrNotFound), "artifact"))
		return
	}
	f, err := p.openArtifact(r.Context(), run, name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) && !twofetch.IsNotFound(err) {
			p.log().ErrorContext(r.Context(), "open artifact", "run", run.ID, "file", name, "err", err)
		}
		p.supportError(w, r, twofetch.Errorf(twofetch.ENOTFOUND, "this run has no %s", name))
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	if name == "page.html" {
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": run.ID + "-page.html.txt"}))
	}
	if _, err := io.Copy(w, io.LimitReader(f, maxArtifactSize)); err != nil {
		p.log().WarnContext(r.Context(), "send artifact", "run", run.ID, "file", name, "err", err)
	}
}

// maxArtifactSize bounds what one artifact response sends.
const maxArtifactSize = 64 << 20

func errOr(err, def error) error {
	if err != nil {
		return err
	}
	return def
}

func (p *Pipeline) supportRerun(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t := TenantFrom(ctx)
	run, err := p.Store.Run(ctx, t.ID, r.PathValue("rid"))
	if err != nil {
		p.supportError(w, r, notFoundOr(err, "run"))
		return
	}
	a, err := p.Store.Account(ctx, t.ID, run.AccountID)
	if err != nil {
		p.supportError(w, r, notFoundOr(err, "account"))
		return
	}
	next, err := p.rerun(ctx, a)
	if twofetch.IsConflict(err) {
		http.Redirect(w, r, supportPrefix+"/runs/"+url.PathEscape(run.ID)+"?error=paused", http.StatusSeeOther)
		return
	}
	if err != nil {
		p.supportError(w, r, err)
		return
	}
	p.audit(r, t, "run.start", next.ID, "account="+a.ID+" rerun_of="+run.ID)
	http.Redirect(w, r, supportPrefix+"/runs/"+url.PathEscape(next.ID), http.StatusSeeOther)
}

type errorView struct {
	Status  int
	Message string
}

// supportError shows err as a page: support staff are in a browser.
func (p *Pipeline) supportError(w http.ResponseWriter, r *http.Request, err error) {
	code := twofetch.ErrorCode(err)
	if code == twofetch.EINTERNAL {
		p.log().ErrorContext(r.Context(), "support page failed", "route", r.Pattern, "err", err)
	}
	status := StatusOf(code)
	p.render(w, r, status, "error.html", &errorView{Status: status, Message: twofetch.ErrorMessage(err)})
}

// ---- texts ----

// languages the customer pages speak, in the order of preference when the
// browser names none of them.
var languages = []string{"en", "de", "nl"}

func knownLanguage(l string) bool { return slices.Contains(languages, l) }

// languageOf picks the query's language, else the first known language of
// an Accept-Language header, else English.
func languageOf(query, accept string) string {
	if knownLanguage(query) {
		return query
	}
	for _, part := range strings.Split(accept, ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if knownLanguage(base) {
			return base
		}
	}
	return "en"
}

func statusText(lang, key string, args ...any) string {
	m, ok := statusMessages[lang][key]
	if !ok {
		m = statusMessages["en"][key]
	}
	if len(args) == 0 {
		return m
	}
	return fmt.Sprintf(m, args...)
}

// outcomeKind sorts outcomes by who acts next: nobody (ok), the customer,
// or twofetch and its support (wait).
func outcomeKind(o twofetch.Outcome) string {
	switch o {
	case twofetch.OutcomeOK, twofetch.OutcomeNoDocuments, twofetch.OutcomeHealed:
		return "ok"
	case twofetch.OutcomeBadCredentials, twofetch.OutcomeOTPRejected, twofetch.OutcomeOTPMissing,
		twofetch.OutcomeUnsupported2FA, twofetch.OutcomeActionNeeded:
		return "customer"
	case "":
		return "none"
	}
	return "wait"
}

// outcomeText returns the title or action ("title", "action") of outcome o
// for the customer, with the portal's name filled in.
func outcomeText(lang string, o twofetch.Outcome, field, portal string) string {
	t, ok := outcomeMessages[lang][o]
	if !ok {
		t = outcomeMessages["en"][o]
	}
	s := t[0]
	if field == "action" {
		s = t[1]
	}
	return strings.ReplaceAll(s, "{portal}", portal)
}

var statusMessages = map[string]map[string]string{
	"en": {
		"title":            "Your %s connection",
		"notfound_title":   "Link not found",
		"notfound_text":    "Check that the whole link was opened. If it still does not work, ask your bookkeeping service for a new one.",
		"error_title":      "Something went wrong",
		"error_text":       "Something went wrong on our side. Please try again in a minute.",
		"last_run":         "Last check: %s",
		"never":            "Not checked yet. The first check runs soon.",
		"next_run":         "Next check: %s",
		"running":          "A check is running right now. Reload this page in a minute to see its result.",
		"paused":           "Your bookkeeping service has paused this connection. There is nothing to do.",
		"new_invoices":     "New invoices in the last check: %d",
		"todo":             "What to do",
		"reenroll_title":   "Connect your authenticator again",
		"reenroll_text":    "Your bookkeeping service sends you a link by SMS. Open it on your phone and photograph the QR code that %s shows when you add an authenticator app.",
		"reenroll_pending": "A link is already on its way: look for the SMS from your bookkeeping service.",
		"footer":           "This page shows only the state of this connection. It never shows passwords or codes.",
	},
	"de": {
		"title":            "Ihre %s-Verbindung",
		"notfound_title":   "Link nicht gefunden",
		"notfound_text":    "Prüfen Sie, ob der ganze Link geöffnet wurde. Wenn es weiterhin nicht klappt, bitten Sie Ihren Buchhaltungsservice um einen neuen.",
		"error_title":      "Etwas ist schiefgegangen",
		"error_text":       "Bei uns ist etwas schiefgegangen. Bitte versuchen Sie es in einer Minute noch einmal.",
		"last_run":         "Letzte Prüfung: %s",
		"never":            "Noch nicht geprüft. Die erste Prüfung läuft in Kürze.",
		"next_run":         "Nächste Prüfung: %s",
		"running":          "Gerade läuft eine Prüfung. Laden Sie die Seite in einer Minute neu, um das Ergebnis zu sehen.",
		"paused":           "Ihr Buchhaltungsservice hat diese Verbindung pausiert. Sie müssen nichts tun.",
		"new_invoices":     "Neue Rechnungen bei der letzten Prüfung: %d",
		"todo":             "Was ist zu tun",
		"reenroll_title":   "Authenticator neu verbinden",
		"reenroll_text":    "Ihr Buchhaltungsservice schickt Ihnen einen Link per SMS. Öffnen Sie ihn auf Ihrem Handy und fotografieren Sie den QR-Code, den %s beim Hinzufügen einer Authenticator-App anzeigt.",
		"reenroll_pending": "Ein Link ist schon unterwegs: Achten Sie auf die SMS Ihres Buchhaltungsservice.",
		"footer":           "Diese Seite zeigt nur den Stand dieser Verbindung. Sie zeigt nie Passwörter oder Codes.",
	},
	"nl": {
		"title":            "Uw %s-koppeling",
		"notfound_title":   "Link niet gevonden",
		"notfound_text":    "Controleer of de hele link is geopend. Werkt het nog steeds niet, vraag dan uw boekhouddienst om een nieuwe.",
		"error_title":      "Er ging iets mis",
		"error_text":       "Er ging bij ons iets mis. Probeer het over een minuut opnieuw.",
		"last_run":         "Laatste controle: %s",
		"never":            "Nog niet gecontroleerd. De eerste controle volgt binnenkort.",
		"next_run":         "Volgende controle: %s",
		"running":          "Er loopt nu een controle. Laad deze pagina over een minuut opnieuw om het resultaat te zien.",
		"paused":           "Uw boekhouddienst heeft deze koppeling gepauzeerd. U hoeft niets te doen.",
		"new_invoices":     "Nieuwe facturen bij de laatste controle: %d",
		"todo":             "Wat te doen",
		"reenroll_title":   "Koppel uw authenticator opnieuw",
		"reenroll_text":    "Uw boekhouddienst stuurt u een link per sms. Open die op uw telefoon en fotografeer de QR-code die %s toont wanneer u een authenticator-app toevoegt.",
		"reenroll_pending": "Er is al een link onderweg: let op de sms van uw boekhouddienst.",
		"footer":           "Deze pagina toont alleen de stand van deze koppeling. Wachtwoorden of codes worden nooit getoond.",
	},
}

// outcomeMessages holds, per language and outcome, a title and what the
// customer should do. {portal} is the portal's name.
var outcomeMessages = map[string]map[twofetch.Outcome][2]string{
	"en": {
		twofetch.OutcomeOK:             {"Everything works", "Nothing to do. We fetch new invoices from {portal} every day."},
		twofetch.OutcomeNoDocuments:    {"Everything works", "No new invoices since the last check. Nothing to do."},
		twofetch.OutcomeHealed:         {"Everything works", "We fetched your invoices from {portal}, which changed its login page; our support is updating to it. Nothing to do."},
		twofetch.OutcomeBadCredentials: {"Password not accepted", "{portal} did not accept the username or password. If you changed your password, give the new one to your bookkeeping service."},
		twofetch.OutcomeOTPRejected:    {"Login code not accepted", "{portal} rejected the code from your authenticator key. This happens when the authenticator was set up again. Connect it again as described below."},
		twofetch.OutcomeOTPMissing:     {"Authenticator key needed", "{portal} asks for a code from an authenticator app, and we do not have its key yet. Connect your authenticator as described below."},
		twofetch.OutcomeUnsupported2FA: {"Login method not supported", "{portal} asked for a confirmation we cannot give for you: a push message, a code by SMS or e-mail, or a security key. In the security settings of {portal}, switch two-step login to an authenticator app."},
		twofetch.OutcomeActionNeeded:   {"{portal} needs your attention", "{portal} wants something done before it lets us in, such as accepting new terms, changing an expired password or confirming a new device. Log in to {portal} yourself once and follow its instructions."},
		twofetch.OutcomeCaptcha:        {"Held up for now", "{portal} asked for a human check. We try again later. Nothing to do for now."},
		twofetch.OutcomeBlocked:        {"Held up for now", "{portal} refused our login for the moment. We try again later and our support is looking into it. Nothing to do for now."},
		twofetch.OutcomeRateLimited:    {"Held up for now", "{portal} asked us to slow down. We try again later. Nothing to do."},
		twofetch.OutcomePortalChanged:  {"We are on it", "{portal} changed its website and our support is adapting to it. Nothing to do."},
		twofetch.OutcomePortalDown:     {"{portal} is not reachable", "{portal} did not answer. We try again automatically. Nothing to do."},
		twofetch.OutcomeTransient:      {"Temporary problem", "The last check was interrupted. We try again automatically. Nothing to do."},
	},
	"de": {
		twofetch.OutcomeOK:             {"Alles in Ordnung", "Nichts zu tun. Wir holen neue Rechnungen von {portal} jeden Tag ab."},
		twofetch.OutcomeNoDocuments:    {"Alles in Ordnung", "Seit der letzten Prüfung gibt es keine neuen Rechnungen. Nichts zu tun."},
		twofetch.OutcomeHealed:         {"Alles in Ordnung", "Wir haben Ihre Rechnungen von {portal} abgeholt. {portal} hat seine Anmeldeseite geändert, und unser Support passt sich daran an. Nichts zu tun."},
		twofetch.OutcomeBadCredentials: {"Passwort nicht akzeptiert", "{portal} hat Benutzername oder Passwort nicht akzeptiert. Wenn Sie Ihr Passwort geändert haben, teilen Sie das neue Ihrem Buchhaltungsservice mit."},
		twofetch.OutcomeOTPRejected:    {"Anmeldecode nicht akzeptiert", "{portal} hat den Code Ihres Authenticator-Schlüssels abgelehnt. Das passiert, wenn der Authenticator neu eingerichtet wurde. Verbinden Sie ihn neu, wie unten beschrieben."},
		twofetch.OutcomeOTPMissing:     {"Authenticator-Schlüssel fehlt", "{portal} verlangt einen Code aus einer Authenticator-App, und uns fehlt noch deren Schlüssel. Verbinden Sie Ihren Authenticator, wie unten beschrieben."},
		twofetch.OutcomeUnsupported2FA: {"Anmeldeverfahren nicht unterstützt", "{portal} verlangt eine Bestätigung, die wir nicht für Sie geben können: eine Push-Nachricht, einen Code per SMS oder E-Mail oder einen Sicherheitsschlüssel. Stellen Sie in den Sicherheitseinstellungen von {portal} die zweistufige Anmeldung auf eine Authenticator-App um."},
		twofetch.OutcomeActionNeeded:   {"{portal} braucht Ihre Aufmerksamkeit", "{portal} verlangt vor der Anmeldung etwas von Ihnen, etwa neue Bedingungen zu akzeptieren, ein abgelaufenes Passwort zu ändern oder ein neues Gerät zu bestätigen. Melden Sie sich einmal selbst bei {portal} an und folgen Sie den Hinweisen."},
		twofetch.OutcomeCaptcha:        {"Vorübergehend aufgehalten", "{portal} hat eine Prüfung verlangt, ob ein Mensch anfragt. Wir versuchen es später erneut. Vorerst nichts zu tun."},
		twofetch.OutcomeBlocked:        {"Vorübergehend aufgehalten", "{portal} hat unsere Anmeldung vorerst abgelehnt. Wir versuchen es später erneut, und unser Support kümmert sich darum. Vorerst nichts zu tun."},
		twofetch.OutcomeRateLimited:    {"Vorübergehend aufgehalten", "{portal} hat uns gebeten, langsamer anzufragen. Wir versuchen es später erneut. Nichts zu tun."},
		twofetch.OutcomePortalChanged:  {"Wir kümmern uns darum", "{portal} hat seine Website geändert, und unser Support passt sich daran an. Nichts zu tun."},
		twofetch.OutcomePortalDown:     {"{portal} ist nicht erreichbar", "{portal} hat nicht geantwortet. Wir versuchen es automatisch erneut. Nichts zu tun."},
		twofetch.OutcomeTransient:      {"Vorübergehendes Problem", "Die letzte Prüfung wurde unterbrochen. Wir versuchen es automatisch erneut. Nichts zu tun."},
	},
	"nl": {
		twofetch.OutcomeOK:             {"Alles werkt", "U hoeft niets te doen. We halen elke dag nieuwe facturen op bij {portal}."},
		twofetch.OutcomeNoDocuments:    {"Alles werkt", "Geen nieuwe facturen sinds de laatste controle. U hoeft niets te doen."},
		twofetch.OutcomeHealed:         {"Alles werkt", "We hebben uw facturen opgehaald bij {portal}, dat zijn inlogpagina heeft gewijzigd; onze support past zich daarop aan. U hoeft niets te doen."},
		twofetch.OutcomeBadCredentials: {"Wachtwoord niet geaccepteerd", "{portal} accepteerde de gebruikersnaam of het wachtwoord niet. Hebt u uw wachtwoord gewijzigd, geef het nieuwe dan door aan uw boekhouddienst."},
		twofetch.OutcomeOTPRejected:    {"Inlogcode niet geaccepteerd", "{portal} weigerde de code van uw authenticator-sleutel. Dat gebeurt wanneer de authenticator opnieuw is ingesteld. Koppel hem opnieuw zoals hieronder beschreven."},
		twofetch.OutcomeOTPMissing:     {"Authenticator-sleutel nodig", "{portal} vraagt om een code uit een authenticator-app, en we hebben de sleutel daarvan nog niet. Koppel uw authenticator zoals hieronder beschreven."},
		twofetch.OutcomeUnsupported2FA: {"Inlogmethode niet ondersteund", "{portal} vroeg om een bevestiging die we niet voor u kunnen geven: een pushbericht, een code per sms of e-mail, of een beveiligingssleutel. Stel in de beveiligingsinstellingen van {portal} de tweestapsverificatie in op een authenticator-app."},
		twofetch.OutcomeActionNeeded:   {"{portal} vraagt uw aandacht", "{portal} wil eerst iets van u, zoals nieuwe voorwaarden accepteren, een verlopen wachtwoord wijzigen of een nieuw apparaat bevestigen. Log zelf één keer in bij {portal} en volg de aanwijzingen."},
		twofetch.OutcomeCaptcha:        {"Even opgehouden", "{portal} vroeg om een controle of er een mens inlogt. We proberen het later opnieuw. U hoeft nu niets te doen."},
		twofetch.OutcomeBlocked:        {"Even opgehouden", "{portal} weigerde onze aanmelding voorlopig. We proberen het later opnieuw en onze support kijkt ernaar. U hoeft nu niets te doen."},
		twofetch.OutcomeRateLimited:    {"Even opgehouden", "{portal} vroeg ons het rustiger aan te doen. We proberen het later opnieuw. U hoeft niets te doen."},
		twofetch.OutcomePortalChanged:  {"We zijn ermee bezig", "{portal} heeft zijn website gewijzigd en onze support past zich daarop aan. U hoeft niets te doen."},
		twofetch.OutcomePortalDown:     {"{portal} is niet bereikbaar", "{portal} reageerde niet. We proberen het automatisch opnieuw. U hoeft niets te doen."},
		twofetch.OutcomeTransient:      {"Tijdelijk probleem", "De laatste controle werd onderbroken. We proberen het automatisch opnieuw. U hoeft niets te doen."},
	},
}

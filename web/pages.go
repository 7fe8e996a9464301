package web

// The HTML pages are the customer's status page (status.go), the support
// views (support.go) and the run artifacts they show (artifacts.go); this
// file holds what they share: templates, assets, languages.

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/web/catalog"
)

//go:embed templates/*.html
var pageFS embed.FS

//go:embed static
var pageStatic embed.FS

var pageTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"t":       func(lang, key string, args ...any) string { return catalog.Text(lang, "status."+key, args...) },
	"plural":  func(lang, key string, n int) string { return catalog.Plural(lang, "status."+key, n) },
	"outcome": catalog.Outcome,
	// s and splural are the support pages' texts.
	"s":          func(lang, key string, args ...any) string { return catalog.Text(lang, "support."+key, args...) },
	"splural":    func(lang, key string, n int) string { return catalog.Plural(lang, "support."+key, n) },
	"kind":       outcomeKind,
	"when":       func(t *time.Time, loc *time.Location) string { return formatTime(t, loc) },
	"ptr":        func(t time.Time) *time.Time { return &t },
	"tx":         catalog.Text,
	"tel":        func(p string) template.URL { return template.URL("tel:" + p) },
	"mailto":     func(a string) template.URL { return template.URL("mailto:" + a) },
	"emailParts": emailParts,
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

// supportCSP adds our own script to pageCSP, and fetches of our own pages:
// the support views follow a queued run to its outcome in place. Without
// the script they reload instead.
const supportCSP = "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

var supportHeaders = PageHeaders(supportCSP, "camera=(), geolocation=(), microphone=()")

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
		s.Handle("POST /s/{token}/renew", pageHeaders(http.NewCrossOriginProtection().Handler(http.HandlerFunc(p.statusRenew))))
	}

	csrf := http.NewCrossOriginProtection()
	s.Handle("GET /support/login", pageHeaders(http.HandlerFunc(p.loginPage)))
	s.Handle("POST /support/login", pageHeaders(csrf.Handler(http.HandlerFunc(p.login))))
	s.Handle("POST /support/logout", pageHeaders(csrf.Handler(http.HandlerFunc(p.logout))))
	s.Handle("GET /support", supportHeaders(p.admin(http.HandlerFunc(p.supportHome))))
	s.Handle("GET /support/runs/{rid}", supportHeaders(p.admin(http.HandlerFunc(p.supportRun))))
	s.Handle("GET /support/runs/{rid}/screenshot.png", pageHeaders(p.admin(http.HandlerFunc(p.artifact))))
	s.Handle("GET /support/runs/{rid}/page.html", pageHeaders(p.admin(http.HandlerFunc(p.artifact))))
	s.Handle("GET /support/runs/{rid}/steps.log", pageHeaders(p.admin(http.HandlerFunc(p.artifact))))
	s.Handle("POST /support/runs/{rid}/rerun", pageHeaders(csrf.Handler(p.admin(http.HandlerFunc(p.supportRerun)))))
	s.Handle("POST /support/groups/rerun", pageHeaders(csrf.Handler(p.admin(http.HandlerFunc(p.supportRerunGroup)))))
	s.Handle("POST /support/accounts/{aid}/resend", pageHeaders(csrf.Handler(p.admin(http.HandlerFunc(p.supportResend)))))
}

func cacheFor(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(d.Seconds())))
		h.ServeHTTP(w, r)
	})
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

// supportLanguage is the language of a tenant's support pages: the
// tenant's own, else English.
func supportLanguage(t *twofetch.Tenant) string {
	if t != nil && knownLanguage(t.Language) {
		return t.Language
	}
	return "en"
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

// formatTime is how the support views show a moment: exact and
// unambiguous, for people comparing logs.
func formatTime(t *time.Time, loc *time.Location) string {
	if t == nil || t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// emailParts cuts an e-mail address where a line may break: after the @
// and before each dot of the domain ("hulp@", "devries-boekhouding",
// ".example"). A break at a hyphen would read as hyphenation.
func emailParts(a string) []string {
	at := strings.LastIndexByte(a, '@')
	if at < 0 {
		return []string{a}
	}
	parts := []string{a[:at+1]}
	domain := a[at+1:]
	for {
		i := strings.IndexByte(domain[min(1, len(domain)):], '.')
		if i < 0 {
			break
		}
		parts = append(parts, domain[:i+1])
		domain = domain[i+1:]
	}
	return append(parts, domain)
}

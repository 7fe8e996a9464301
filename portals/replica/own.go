package replica

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"

	qrcode "github.com/skip2/go-qrcode"
)

// A portal whose pages are known from public sources serves its own pages:
// its spec sets Pages, which registers the portal's routes with its own
// markup, texts and flow, and uses the shared backend below (users, the
// TOTP check with replay refusal, trusted devices, sessions, invoices,
// modes, counters). Portals without Pages get the shared template of
// flow.go and pages.go, which stands for pages no source describes.

// Routes registers a portal's handlers by full URL, so a portal on several
// hosts names each route the way its pages link to it.
type Routes struct {
	p    *Portal
	mux  *http.ServeMux
	seen map[string]bool
	// shared holds what the replicas of one server share, by a key of the
	// sharing replicas' choosing.
	shared *sync.Map
}

// Handle serves method on the URL's host and path. A path that ends in "/"
// is that page only, not the tree below it; {name} segments are path
// values.
func (rs *Routes) Handle(method, raw string, h http.HandlerFunc) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		panic(fmt.Sprintf("replica %s: bad URL %q: %v", rs.p.spec.ID, raw, err))
	}
	pattern := method + " " + u.Host + u.Path
	if strings.HasSuffix(u.Path, "/") {
		pattern += "{$}"
	}
	rs.seen[pattern] = true
	rs.mux.HandleFunc(pattern, h)
}

// Has reports whether a pattern ("GET host/path") is registered.
func (rs *Routes) Has(pattern string) bool { return rs.seen[pattern] }

// currentMode is the portal's misbehaviour right now.
func (p *Portal) currentMode() Mode {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode
}

// layoutPrefix is the prefix a portal's own pages put before their ids and
// field names in mode ChangedLayout, as a redesign renames them; "" otherwise.
func (p *Portal) layoutPrefix() string {
	if p.currentMode()&ChangedLayout != 0 {
		return "v2-"
	}
	return ""
}

// lookup returns the user with the e-mail address (any case), or nil.
func (p *Portal) lookup(email string) *user {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.users[strings.ToLower(strings.TrimSpace(email))]
}

// passwordOK checks a password in constant time; mode RejectPassword
// refuses every password.
func (p *Portal) passwordOK(u *user, pw string) bool {
	if u == nil || p.currentMode()&RejectPassword != 0 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(pw), []byte(u.password)) == 1
}

// signIn opens a session for a user whose password was accepted and
// returns it with the stage it starts in: past 2FA on a trusted device or
// for a user without a key, at the e-mail device check in mode NewDevice,
// otherwise at the 2FA step. keep makes the session cookie outlast the
// browser ("keep me signed in").
func (p *Portal) signIn(w http.ResponseWriter, r *http.Request, u *user, keep bool) (*session, stage) {
	mode := p.currentMode()
	p.mu.Lock()
	p.stats.PasswordLogins++
	trusted := false
	if c, err := r.Cookie(p.spec.DeviceCookie); err == nil && p.devices[c.Value] == u {
		trusted = true
	}
	s := &session{user: u, stage: stage2FA}
	switch {
	case mode&NewDevice != 0 && !trusted:
		s.stage = stageNewDevice
	case trusted || u.key == nil:
		s.stage = stageIn
	}
	st := s.stage
	p.mu.Unlock()
	p.startSession(w, s, keep)
	return s, st
}

// verifyCode checks an authenticator code for the session's user, counts
// it, and on success moves the session past 2FA (to the terms page in mode
// Terms). It reports whether the code was accepted.
func (p *Portal) verifyCode(s *session, code string) bool {
	mode := p.currentMode()
	p.mu.Lock()
	defer p.mu.Unlock()
	ok := p.checkCode(s.user, code)
	if !ok {
		p.stats.CodesRefused++
		return false
	}
	p.stats.CodesAccepted++
	s.stage = stageIn
	if mode&Terms != 0 {
		s.stage = stageTerms
	}
	return true
}

// trustDevice marks this browser as trusted for the user, so the next
// password login skips the code.
func (p *Portal) trustDevice(w http.ResponseWriter, u *user) {
	t := token()
	p.mu.Lock()
	p.devices[t] = u
	p.mu.Unlock()
	http.SetCookie(w, p.cookie(p.spec.DeviceCookie, t, 180*24*3600))
}

// setStage moves a session on, under the lock.
func (p *Portal) setStage(s *session, st stage) {
	p.mu.Lock()
	s.stage = st
	p.mu.Unlock()
}

// invoice returns the user's invoice with the portal id, or nil.
func (p *Portal) invoice(u *user, id string) *invoiceView {
	for _, v := range p.invoiceViews(u) {
		if v.ID == id {
			return &v
		}
	}
	return nil
}

// serveInvoicePDF answers with u's invoice id as a PDF attachment, or 404
// when u has no such invoice.
func (p *Portal) serveInvoicePDF(w http.ResponseWriter, r *http.Request, u *user, id, title string) {
	inv := p.invoice(u, id)
	if inv == nil {
		http.NotFound(w, r)
		return
	}
	p.servePDF(w, u, inv, title)
}

// servePDF answers with the invoice as a PDF attachment and counts the
// download.
func (p *Portal) servePDF(w http.ResponseWriter, u *user, inv *invoiceView, title string) {
	p.mu.Lock()
	p.stats.Downloads++
	p.mu.Unlock()
	pdf := invoicePDF(title, []string{
		"Invoice number: " + inv.Number,
		"Invoice date: " + inv.ShownDate,
		"Amount: " + inv.Shown,
		"Billed to: " + u.email,
		"Reference: " + inv.ID,
	})
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.pdf"`, inv.Number))
	w.Header().Set("Content-Length", fmt.Sprint(len(pdf)))
	_, _ = w.Write(pdf)
}

// keyQR returns the user's key as a QR code image (a data URL) and as the
// setup key typed by hand.
func (p *Portal) keyQR(u *user) (template.URL, string, error) {
	png, err := qrcode.Encode(keyURI(u.key), qrcode.Medium, 256)
	if err != nil {
		return "", "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)), setupKey(u.key), nil
}

// pageSet is one portal's own templates: each page defines "content" (and
// may define "head"), executed inside the portal's "layout".
type pageSet map[string]*template.Template

// newPageSet parses a portal's layout and pages; a template error is a
// programming error and panics at start.
func newPageSet(layout string, pages map[string]string, funcs template.FuncMap) pageSet {
	base := template.New("layout").Funcs(template.FuncMap{
		"css": func(s string) template.CSS { return template.CSS(s) },
		"js":  func(s string) template.JS { return template.JS(s) },
	})
	if funcs != nil {
		base = base.Funcs(funcs)
	}
	base = template.Must(base.Parse(layout))
	set := pageSet{}
	for name, src := range pages {
		set[name] = template.Must(template.Must(base.Clone()).Parse(src))
	}
	return set
}

// render writes one page of the set with status.
func (ps pageSet) render(w http.ResponseWriter, status int, name string, data any) {
	t, ok := ps[name]
	if !ok {
		http.Error(w, "no page "+name, http.StatusInternalServerError)
		return
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", data); err != nil {
		http.Error(w, "template "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// writeJSON answers with a JSON body.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

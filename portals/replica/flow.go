package replica

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// routes registers the portal's pages: its own (spec.Pages) where public
// sources describe them, otherwise the shared template, whose spec decides
// URLs, field names and the billing style. Each host's root leads to the
// billing page unless the portal serves a page there.
func (p *Portal) routes(mux *http.ServeMux, shared *sync.Map) {
	sp := p.spec
	rs := &Routes{p: p, mux: mux, seen: map[string]bool{}, shared: shared}
	if sp.Pages != nil {
		sp.Pages(p, rs)
	} else {
		p.templateRoutes(rs)
	}
	for _, h := range sp.ownHosts() {
		if !rs.Has("GET " + h + "/{$}") {
			mux.HandleFunc("GET "+h+"/{$}", func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, sp.Billing.URL, http.StatusFound)
			})
		}
	}
}

func (p *Portal) templateRoutes(rs *Routes) {
	sp := p.spec
	handle := rs.Handle
	handle("GET", sp.Login.URL, p.loginPage)
	handle("POST", sp.Login.URL, p.loginSubmit)
	if sp.Login.PasswordURL != "" && sp.Login.PasswordURL != sp.Login.URL {
		handle("POST", sp.Login.PasswordURL, p.loginSubmit)
	}
	if sp.Picker != nil {
		handle("GET", sp.Picker.URL, p.pickerPage)
		handle("POST", sp.Picker.URL, p.pickerSubmit)
	}
	handle("GET", sp.TwoFA.URL, p.twoFAPage)
	handle("POST", sp.TwoFA.URL, p.twoFASubmit)
	handle("GET", sp.Billing.URL, p.billingPage)
	if sp.Billing.API != "" {
		handle("GET", sp.Billing.API, p.billingAPI)
	}
	if sp.Billing.Style == buttonDownload {
		handle("POST", sp.Billing.Document, p.document)
	} else {
		handle("GET", sp.Billing.Document, p.document)
	}
	handle("GET", sp.Settings, p.settingsPage)
	handle("GET", sp.Terms, p.termsPage)
	handle("POST", sp.Terms, p.termsSubmit)
}

// view is the spec as currently rendered and parsed: redesigned in mode
// ChangedLayout.
func (p *Portal) view() (*spec, Mode) {
	p.mu.Lock()
	m := p.mode
	p.mu.Unlock()
	if m&ChangedLayout != 0 {
		return p.spec.redesigned(), m
	}
	return p.spec, m
}

func (p *Portal) loginPage(w http.ResponseWriter, r *http.Request) {
	sp, _ := p.view()
	p.render(w, http.StatusOK, "login", &pageData{S: sp, Title: sp.Login.Heading, Return: returnTo(r)})
}

func (p *Portal) loginSubmit(w http.ResponseWriter, r *http.Request) {
	sp, mode := p.view()
	_ = r.ParseForm()
	email := strings.TrimSpace(r.PostForm.Get(sp.Login.Email.Name))
	password, hasPassword := r.PostForm[sp.Login.Password.Name]
	d := &pageData{S: sp, Title: sp.Login.Heading, Email: email, Return: r.PostForm.Get("return_to")}

	p.mu.Lock()
	u := p.users[strings.ToLower(email)]
	p.mu.Unlock()
	twoStep := sp.Login.PasswordURL != ""
	if twoStep && !hasPassword {
		if u == nil {
			d.Error = sp.Text.UnknownUser
			p.render(w, http.StatusOK, "login", d)
			return
		}
		p.render(w, http.StatusOK, "password", d)
		return
	}
	pw := ""
	if len(password) > 0 {
		pw = password[0]
	}
	if !p.passwordOK(u, pw) {
		d.Error = sp.Text.BadPassword
		page := "login"
		if twoStep && u != nil {
			page = "password"
		}
		p.render(w, http.StatusOK, page, d)
		return
	}
	if mode&Captcha != 0 {
		p.render(w, http.StatusOK, "captcha", d)
		return
	}

	// "Keep me signed in" turns the session cookie into a lasting one.
	keep := sp.Login.Remember.Name != "" && r.PostForm.Get(sp.Login.Remember.Name) != ""
	s, st := p.signIn(w, r, u, keep)

	switch st {
	case stageNewDevice:
		p.render(w, http.StatusOK, "newdevice", d)
	case stageIn:
		p.enter(w, r, s, d.Return)
	default:
		next := sp.TwoFA.URL
		if sp.Picker != nil && mode&PushOnly == 0 {
			next = sp.Picker.URL
		}
		http.Redirect(w, r, withReturn(next, d.Return), http.StatusFound)
	}
}

func (p *Portal) pickerPage(w http.ResponseWriter, r *http.Request) {
	sp, _ := p.view()
	if p.pending(w, r) == nil {
		return
	}
	p.render(w, http.StatusOK, "picker", &pageData{S: sp, Title: sp.Picker.Heading, Return: returnTo(r)})
}

func (p *Portal) pickerSubmit(w http.ResponseWriter, r *http.Request) {
	sp, _ := p.view()
	if p.pending(w, r) == nil {
		return
	}
	_ = r.ParseForm()
	ret := r.PostForm.Get("return_to")
	if r.PostForm.Get(sp.Picker.Name) != sp.Picker.App {
		// Any other method sends something to a phone: the replica has
		// nothing to send, so it says so and stays on the picker.
		p.render(w, http.StatusOK, "picker", &pageData{S: sp, Title: sp.Picker.Heading, Return: ret,
			Error: "This method is not available right now. Choose another way to confirm it's you."})
		return
	}
	http.Redirect(w, r, withReturn(sp.TwoFA.URL, ret), http.StatusFound)
}

func (p *Portal) twoFAPage(w http.ResponseWriter, r *http.Request) {
	sp, mode := p.view()
	if p.pending(w, r) == nil {
		return
	}
	d := &pageData{S: sp, Title: sp.TwoFA.Heading, Return: returnTo(r)}
	if mode&PushOnly != 0 {
		p.render(w, http.StatusOK, "push", d)
		return
	}
	p.render(w, http.StatusOK, "twofa", d)
}

func (p *Portal) twoFASubmit(w http.ResponseWriter, r *http.Request) {
	sp, mode := p.view()
	s := p.pending(w, r)
	if s == nil {
		return
	}
	_ = r.ParseForm()
	d := &pageData{S: sp, Title: sp.TwoFA.Heading, Return: r.PostForm.Get("return_to")}
	if mode&PushOnly != 0 {
		p.render(w, http.StatusOK, "push", d)
		return
	}
	if !p.verifyCode(s, r.PostForm.Get(sp.TwoFA.Code.Name)) {
		d.Error = sp.Text.BadCode
		p.render(w, http.StatusOK, "twofa", d)
		return
	}
	if sp.TwoFA.Remember.Name != "" && r.PostForm.Get(sp.TwoFA.Remember.Name) != "" {
		p.trustDevice(w, s.user)
	}
	p.enter(w, r, s, d.Return)
}

// enter sends a freshly logged-in session where it was going, through the
// terms page when that is pending.
func (p *Portal) enter(w http.ResponseWriter, r *http.Request, s *session, ret string) {
	p.mu.Lock()
	st := s.stage
	p.mu.Unlock()
	if st == stageTerms {
		http.Redirect(w, r, p.spec.Terms, http.StatusFound)
		return
	}
	if ret == "" || !p.ownURL(ret) {
		ret = p.spec.Billing.URL
	}
	http.Redirect(w, r, ret, http.StatusFound)
}

func (p *Portal) termsPage(w http.ResponseWriter, r *http.Request) {
	sp, _ := p.view()
	if s, st := p.session(r); s == nil || (st != stageTerms && st != stageIn) {
		p.toLogin(w, r)
		return
	}
	p.render(w, http.StatusOK, "terms", &pageData{S: sp, Title: "Terms of Service"})
}

func (p *Portal) termsSubmit(w http.ResponseWriter, r *http.Request) {
	s, _ := p.session(r)
	if s == nil {
		p.toLogin(w, r)
		return
	}
	p.mu.Lock()
	if s.stage == stageTerms {
		s.stage = stageIn
	}
	p.mu.Unlock()
	http.Redirect(w, r, p.spec.Billing.URL, http.StatusFound)
}

func (p *Portal) billingPage(w http.ResponseWriter, r *http.Request) {
	sp, _ := p.view()
	s := p.authed(w, r)
	if s == nil {
		return
	}
	d := &pageData{S: sp, Title: sp.Billing.Heading, Email: s.user.email}
	if sp.Billing.Style != jsonAPI {
		d.Invoices = p.invoiceViews(s.user)
	}
	p.render(w, http.StatusOK, "billing", d)
}

func (p *Portal) billingAPI(w http.ResponseWriter, r *http.Request) {
	s, st := p.session(r)
	if s == nil || st != stageIn {
		writeJSON(w, http.StatusUnauthorized, []byte(`{"error":{"type":"unauthorized","message":"Not logged in."}}`))
		return
	}
	type item struct {
		ID       string `json:"id"`
		Number   string `json:"number"`
		Date     string `json:"date"`
		Amount   string `json:"amount"`
		Currency string `json:"currency"`
		PDF      string `json:"pdf_url"`
	}
	out := struct {
		Data    []item `json:"data"`
		HasMore bool   `json:"has_more"`
	}{Data: []item{}}
	for _, v := range p.invoiceViews(s.user) {
		out.Data = append(out.Data, item{v.ID, v.Number, v.ISODate, v.Decimal, v.Currency, v.URL})
	}
	b, _ := json.Marshal(out)
	writeJSON(w, http.StatusOK, b)
}

// document serves one invoice: a PDF attachment, or for printPage portals
// the HTML invoice the customer prints.
func (p *Portal) document(w http.ResponseWriter, r *http.Request) {
	sp, _ := p.view()
	s := p.authed(w, r)
	if s == nil {
		return
	}
	id := r.PathValue("id")
	if id == "" {
		_ = r.ParseForm()
		id = r.PostForm.Get("id")
	}
	var inv *invoiceView
	for _, v := range p.invoiceViews(s.user) {
		if v.ID == id {
			inv = &v
			break
		}
	}
	if inv == nil {
		http.Error(w, "Invoice not found", http.StatusNotFound)
		return
	}
	p.mu.Lock()
	p.stats.Downloads++
	p.mu.Unlock()
	if sp.Billing.Style == printPage {
		p.render(w, http.StatusOK, "invoice", &pageData{S: sp, Title: "Invoice " + inv.Number, Email: s.user.email, Invoice: inv})
		return
	}
	pdf := invoicePDF(sp.Name+" Invoice", []string{
		"Invoice number: " + inv.Number,
		"Invoice date: " + inv.ShownDate,
		"Amount: " + inv.Shown,
		"Billed to: " + s.user.email,
		"Reference: " + inv.ID,
	})
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.pdf"`, inv.Number))
	w.Header().Set("Content-Length", fmt.Sprint(len(pdf)))
	_, _ = w.Write(pdf)
}

func (p *Portal) settingsPage(w http.ResponseWriter, r *http.Request) {
	sp, _ := p.view()
	s := p.authed(w, r)
	if s == nil || s.user.key == nil {
		return
	}
	qr, key, err := p.keyQR(s.user)
	if err != nil {
		http.Error(w, "QR code: "+err.Error(), http.StatusInternalServerError)
		return
	}
	p.render(w, http.StatusOK, "settings", &pageData{S: sp, Title: "Two-factor authentication", Email: s.user.email,
		QR: qr, SetupKey: key})
}

func (p *Portal) startSession(w http.ResponseWriter, s *session, lasting bool) {
	t := token()
	p.mu.Lock()
	p.sessions[t] = s
	p.mu.Unlock()
	maxAge := 0
	if lasting {
		maxAge = 14 * 24 * 3600
	}
	http.SetCookie(w, p.cookie(p.spec.SessionCookie, t, maxAge))
}

func (p *Portal) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", Domain: p.spec.CookieDomain,
		MaxAge: maxAge, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}
}

// session returns the request's session and its stage as of now (the
// stage is read under the lock; sessions change stage as the login goes on).
func (p *Portal) session(r *http.Request) (*session, stage) {
	c, err := r.Cookie(p.spec.SessionCookie)
	if err != nil {
		return nil, 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.sessions[c.Value]
	if s == nil {
		return nil, 0
	}
	return s, s.stage
}

// pending returns the session waiting at the 2FA step, or sends the
// browser back to the login page.
func (p *Portal) pending(w http.ResponseWriter, r *http.Request) *session {
	s, st := p.session(r)
	if s == nil || st != stage2FA {
		p.toLogin(w, r)
		return nil
	}
	return s
}

// authed returns the logged-in session, or redirects to the login page
// (or the terms page) as the real portals do.
func (p *Portal) authed(w http.ResponseWriter, r *http.Request) *session {
	s, st := p.session(r)
	switch {
	case s != nil && st == stageIn:
		return s
	case s != nil && st == stageTerms:
		http.Redirect(w, r, p.spec.Terms, http.StatusFound)
	default:
		p.toLogin(w, r)
	}
	return nil
}

func (p *Portal) toLogin(w http.ResponseWriter, r *http.Request) {
	here := "https://" + r.Host + r.URL.RequestURI()
	if r.Method != http.MethodGet {
		here = ""
	}
	http.Redirect(w, r, withReturn(p.spec.Login.URL, here), http.StatusFound)
}

func (p *Portal) ownURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" {
		return false
	}
	for _, h := range p.spec.hosts() {
		if u.Host == h {
			return true
		}
	}
	return false
}

// ownsURL reports whether raw is an https URL on one of the portal's own
// hosts (not a sign-in host it shares with its family).
func (p *Portal) ownsURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "https" && slices.Contains(p.spec.ownHosts(), u.Host)
}

func returnTo(r *http.Request) string { return r.URL.Query().Get("return_to") }

func withReturn(target, ret string) string {
	if ret == "" {
		return target
	}
	return target + "?return_to=" + url.QueryEscape(ret)
}

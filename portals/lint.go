package portals

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/twofetch/twofetch"
)

// maxPages bounds a pagination: a portal with more pages than this is
// better filtered by date.
const maxPages = 1000

// maxStepTimeout keeps a mistyped timeout from holding a browser context
// for hours.
const maxStepTimeout = 5 * time.Minute

// lint runs the checks the schema cannot express. It assumes the script
// passed the schema.
func lint(s *Script) []Problem {
	l := &linter{s: s, defined: map[string]bool{}, creds: map[string]Credential{}, secretFields: secretFields(s)}
	if u, err := url.Parse(s.Homepage); err == nil && !HostListed(s.Hosts, u.Hostname()) {
		l.addf("/homepage", "host %q of the homepage is not listed in hosts", u.Hostname())
	}
	creds := map[string]bool{}
	for i, c := range s.Credentials {
		if creds[c.Name] {
			l.addf(fmt.Sprintf("/credentials/%d", i), "credential %q is listed twice", c.Name)
		}
		creds[c.Name] = true
		l.creds[c.Name] = c
	}
	if s.Session != nil {
		l.checkURL("/session/url", s.Session.URL)
		l.cond("/session/logged_in", &s.Session.LoggedIn)
		if s.Session.LoggedOut != nil {
			l.cond("/session/logged_out", s.Session.LoggedOut)
		}
	}
	l.flow = "login"
	l.steps("/login", s.Login, false)
	l.flow = "documents"
	l.steps("/documents", s.Documents, false)
	for i := range s.Outcomes {
		l.cond(fmt.Sprintf("/outcomes/%d/when", i), &s.Outcomes[i].When)
	}

	if l.usesPassword && !creds["password"] {
		l.addf("/credentials", "the login types {{password}} but credentials do not list password")
	}
	if l.usesUsername && !creds["username"] {
		l.addf("/credentials", "the login types {{username}} but credentials do not list username")
	}
	hasTOTP := slices.Contains(s.TwoFactor, "totp") || slices.Contains(s.TwoFactor, "hotp")
	switch {
	case l.usesOTP && !hasTOTP:
		l.addf("/two_factor", "the login types {{otp}} but two_factor lists neither totp nor hotp")
	case hasTOTP && !l.usesOTP:
		l.addf("/login", "two_factor offers totp but the login never types {{otp}}")
	}
	if len(s.Documents) > 0 && !l.downloads {
		l.addf("/documents", "the documents flow has no download or go step, so it can never store anything")
	}
	if e := s.Enrollment; e != nil && e.SettingsURL != "" {
		// The customer opens it on a computer from a page that says it
		// is safe: it must be the portal's own page over https.
		if u, err := url.Parse(e.SettingsURL); err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
			l.addf("/enrollment/settings_url", "settings_url must be an https URL of the portal, not %q", e.SettingsURL)
		}
	}
	if e := s.Enrollment; e != nil && e.Setup != "" && e.Setup != "qr" && e.Setup != "key" {
		l.addf("/enrollment/setup", "setup must be qr or key, not %q", e.Setup)
	}
	if e := s.Enrollment; e.KeyOnly() && e.SettingsURL != "" {
		// The page would send the customer to a computer for a QR code
		// the portal never shows there.
		l.addf("/enrollment/settings_url", "a portal with setup: key shows no QR code on a computer; give the path to its key instead of settings_url")
	}
	if s.PushApp != "" && !slices.Contains(s.TwoFactor, "push") {
		l.addf("/push_app", "push_app names an approval app but two_factor does not list push")
	}
	return l.probs
}

type linter struct {
	s       *Script
	probs   []Problem
	flow    string
	defined map[string]bool
	creds   map[string]Credential

	usesPassword, usesUsername, usesOTP, downloads bool
	// secretFields are the selectors, ids and names of the fields the
	// script types the username, password or code into.
	secretFields []string
	// rowStack holds the row fields of the enclosing loops; nil for a loop
	// over a JS list, whose fields lint cannot know.
	rowStack []map[string]Field
}

func (l *linter) addf(ptr, format string, args ...any) {
	l.probs = append(l.probs, Problem{File: l.s.File, Path: ptr, Message: fmt.Sprintf(format, args...)})
}

func (l *linter) steps(ptr string, steps []Step, inLoop bool) {
	for i := range steps {
		l.step(fmt.Sprintf("%s/%d", ptr, i), &steps[i], inLoop)
	}
}

// tmpl checks the placeholders of one template. secretOK is true only for
// the value of a type step.
// kind checks a document kind that is not a template.
func (l *linter) kind(ptr, s string) {
	if len(templateNames(s)) > 0 {
		return
	}
	if _, err := twofetch.ParseDocumentKind(s); err != nil {
		l.addf(ptr, "%v", err)
	}
}

func (l *linter) tmpl(ptr, s string, secretOK, inLoop bool, row map[string]Field) {
	for _, name := range templateNames(s) {
		switch {
		case name == varUsername:
			l.usesUsername = true
		case l.creds[name].Secret && name != varPassword:
			if !secretOK {
				l.addf(ptr, "{{%s}} is a secret credential and may only be used in the value of a type step", name)
			}
		case isSecretName(name):
			if !secretOK {
				l.addf(ptr, "{{%s}} may only be used in the value of a type step, where it is never logged", name)
				continue
			}
			if name == varPassword {
				l.usesPassword = true
			} else {
				l.usesOTP = true
				if l.flow != "login" {
					l.addf(ptr, "{{otp}} may only be typed in the login flow")
				}
			}
		case strings.HasPrefix(name, "row."):
			if !inLoop {
				l.addf(ptr, "{{%s}} is only defined inside for_each", name)
			} else if row != nil {
				if _, ok := row[strings.TrimPrefix(name, "row.")]; !ok {
					l.addf(ptr, "{{%s}}: the for_each reads no field %q", name, strings.TrimPrefix(name, "row."))
				}
			}
		case strings.Contains(name, "."):
			l.addf(ptr, "{{%s}}: only row.FIELD may contain a dot", name)
		case name == varSince:
		default:
			if _, cred := l.creds[name]; !cred && !l.defined[name] {
				l.addf(ptr, "{{%s}} is used before any extract, js or set step defines it", name)
			}
		}
	}
}

// credentialReaders are ways JavaScript reaches the fields that hold the
// username, password or code without naming them; a js step may fetch() to
// any host, so it must not read them at all.
var credentialReaders = []string{"password", "one-time-code", "document.forms", ".elements", "{{username}}", "{{otp}}"}

// js refuses JavaScript that reads the username, password or code fields.
func (l *linter) js(ptr, code string) {
	lc := strings.ToLower(code)
	for _, r := range credentialReaders {
		if strings.Contains(lc, r) {
			l.addf(ptr, "JavaScript may not read the username, password or code fields (it mentions %q): it could send them to any host", r)
			return
		}
	}
	for _, f := range l.secretFields {
		if strings.Contains(lc, strings.ToLower(f)) {
			l.addf(ptr, "JavaScript may not read the username, password or code fields (it names %q, which a type step fills with a credential)", f)
			return
		}
	}
}

func isCredential(s *Script, name string) bool {
	for _, c := range s.Credentials {
		if c.Name == name {
			return true
		}
	}
	return false
}

var selectorNames = regexp.MustCompile(`#([A-Za-z0-9_-]+)|\[(?:name|id)\s*[~|^$*]?=\s*["']?([^"'\]]+)`)

// secretFields lists the selectors of the type steps that type the
// username, password or code, with the ids and names inside them.
func secretFields(s *Script) []string {
	var out []string
	var walk func([]Step)
	walk = func(steps []Step) {
		for i := range steps {
			st := &steps[i]
			if st.Type != nil {
				for _, n := range templateNames(st.Type.Value) {
					if n == varUsername || isSecretName(n) || isCredential(s, n) {
						out = append(out, st.Type.Selector)
						for _, m := range selectorNames.FindAllStringSubmatch(st.Type.Selector, -1) {
							out = append(out, m[1]+m[2])
						}
					}
				}
			}
			walk(st.Then)
			walk(st.Else)
			if st.ForEach != nil {
				walk(st.ForEach.Do)
			}
		}
	}
	walk(s.Login)
	walk(s.Documents)
	out = slices.DeleteFunc(out, func(f string) bool { return len(f) < 3 })
	return out
}

// define records a variable; credential and job names cannot be reused,
// or a step would silently type something else than the customer gave.
func (l *linter) define(ptr, name string) {
	if _, cred := l.creds[name]; cred || name == varUsername || isSecretName(name) {
		l.addf(ptr, "variable %q would hide the credential of that name", name)
	}
	l.defined[name] = true
}

func (l *linter) checkURL(ptr, raw string) {
	if strings.HasPrefix(raw, "{{") {
		return // the host comes from the page; checked when it runs
	}
	u, err := url.Parse(placeholder.ReplaceAllString(raw, "x"))
	if err != nil || u.Scheme != "https" || u.Host == "" {
		l.addf(ptr, "%q is not an absolute https URL", raw)
		return
	}
	if !HostListed(l.s.Hosts, u.Hostname()) {
		l.addf(ptr, "host %q is not listed in hosts", u.Hostname())
	}
}

func (l *linter) regex(ptr, re string) {
	if _, err := regexp.Compile(re); err != nil {
		l.addf(ptr, "bad regular expression: %v", err)
	}
}

func (l *linter) cond(ptr string, c *Cond) {
	var row map[string]Field
	if n := len(l.rowStack); n > 0 {
		row = l.rowStack[n-1]
	}
	for k, v := range map[string]string{"selector": c.Selector, "visible": c.Visible, "url": c.URL, "text": c.Text} {
		l.tmpl(ptr+"/"+k, v, false, len(l.rowStack) > 0, row)
	}
	if c.URL != "" {
		l.regex(ptr+"/url", c.URL)
	}
	if c.Status != "" {
		l.regex(ptr+"/status", c.Status)
	}
	if c.Not != nil {
		l.cond(ptr+"/not", c.Not)
	}
	for i := range c.Any {
		l.cond(fmt.Sprintf("%s/any/%d", ptr, i), &c.Any[i])
	}
	for i := range c.All {
		l.cond(fmt.Sprintf("%s/all/%d", ptr, i), &c.All[i])
	}
}

func (l *linter) step(ptr string, st *Step, inLoop bool) {
	var row map[string]Field
	if n := len(l.rowStack); n > 0 {
		row = l.rowStack[n-1]
	}
	t := func(p, s string) { l.tmpl(ptr+p, s, false, inLoop, row) }
	sel := func(p, s string) {
		t(p, s)
		if strings.Contains(s, ":scope") && (!inLoop || row == nil) {
			l.addf(ptr+p, ":scope names the current row, so it only works inside a for_each over rows")
		}
	}
	if ks := st.kinds(); len(ks) != 1 {
		l.addf(ptr, "a step needs exactly one action, found %d (%s)", len(ks), strings.Join(ks, ", "))
		return
	}
	if time.Duration(st.Timeout) > maxStepTimeout {
		l.addf(ptr+"/timeout", "timeout %v exceeds the maximum of %v", time.Duration(st.Timeout), maxStepTimeout)
	}
	switch {
	case st.Navigate != nil:
		t("/navigate", st.Navigate.URL)
		l.checkURL(ptr+"/navigate", st.Navigate.URL)
	case st.Wait != nil:
		l.cond(ptr+"/wait", &st.Wait.Cond)
	case st.Type != nil:
		sel("/type/selector", st.Type.Selector)
		l.tmpl(ptr+"/type/value", st.Type.Value, true, inLoop, row)
	case st.Click != nil:
		sel("/click", st.Click.Selector)
		t("/click/text", st.Click.Text)
	case st.Select != nil:
		sel("/select/selector", st.Select.Selector)
		t("/select/value", st.Select.Value)
		t("/select/label", st.Select.Label)
	case st.If != nil:
		l.cond(ptr+"/if", st.If)
		l.steps(ptr+"/then", st.Then, inLoop)
		l.steps(ptr+"/else", st.Else, inLoop)
	case st.ForEach != nil:
		fe := st.ForEach
		for name, f := range fe.Fields {
			if f.Regex != "" {
				l.regex(ptr+"/for_each/fields/"+name+"/regex", f.Regex)
			}
		}
		if fe.Items != "" {
			if !l.defined[fe.Items] {
				l.addf(ptr+"/for_each/items", "variable %q is used before any js or set step defines it", fe.Items)
			}
			l.rowStack = append(l.rowStack, nil)
		} else {
			if fe.Fields == nil {
				fe.Fields = map[string]Field{}
			}
			l.rowStack = append(l.rowStack, fe.Fields)
		}
		if fe.ID != "" {
			l.tmpl(ptr+"/for_each/id", fe.ID, false, true, l.rowStack[len(l.rowStack)-1])
		}
		if fe.Date != "" {
			l.tmpl(ptr+"/for_each/date", fe.Date, false, true, l.rowStack[len(l.rowStack)-1])
		}
		l.steps(ptr+"/for_each/do", fe.Do, true)
		l.rowStack = l.rowStack[:len(l.rowStack)-1]
	case st.Extract != nil:
		for name, f := range st.Extract {
			if f.Regex != "" {
				l.regex(ptr+"/extract/"+name+"/regex", f.Regex)
			}
			l.define(ptr+"/extract/"+name, name)
		}
	case st.JS != nil:
		l.js(ptr+"/js/script", st.JS.Script)
		if st.JS.Var != "" {
			l.define(ptr+"/js/var", st.JS.Var)
		}
	case st.Download != nil:
		d := st.Download
		l.downloads = true
		if l.flow != "documents" {
			l.addf(ptr, "downloads belong in the documents flow")
		}
		for p, v := range map[string]string{"id": d.ID, "kind": d.Kind, "number": d.Number, "date": d.Date, "amount": d.Amount, "currency": d.Currency, "url": d.URL, "base64": d.Base64} {
			t("/download/"+p, v)
		}
		l.kind(ptr+"/download/kind", d.Kind)
		if d.URL != "" {
			l.checkURL(ptr+"/download/url", d.URL)
		}
		if d.Click != "" {
			sel("/download/click", d.Click)
		}
	case st.Print != nil:
		pr := st.Print
		l.downloads = true
		if l.flow != "documents" {
			l.addf(ptr, "print stores a document, so it belongs in the documents flow")
		}
		// The id and the URL are known before the page opens; the other
		// templates may use what the step reads from the page.
		t("/print/id", pr.ID)
		t("/print/url", pr.URL)
		if pr.URL != "" {
			l.checkURL(ptr+"/print/url", pr.URL)
		}
		if pr.Ready != nil {
			l.cond(ptr+"/print/ready", pr.Ready)
		}
		for name, f := range pr.Extract {
			if f.Regex != "" {
				l.regex(ptr+"/print/extract/"+name+"/regex", f.Regex)
			}
			l.define(ptr+"/print/extract/"+name, name)
		}
		for p, v := range map[string]string{"kind": pr.Kind, "number": pr.Number, "date": pr.Date, "amount": pr.Amount, "currency": pr.Currency} {
			t("/print/"+p, v)
		}
		l.kind(ptr+"/print/kind", pr.Kind)
		for i, r := range pr.Remove {
			sel(fmt.Sprintf("/print/remove/%d", i), r)
		}
	case st.Go != nil:
		l.downloads = true
		for k, v := range st.Go.Args {
			t("/go/args/"+k, v)
		}
	case st.Frame != nil:
		sel("/frame/selector", st.Frame.Selector)
		l.steps(ptr+"/frame/do", st.Frame.Do, inLoop)
	case st.Popup != nil:
		sel("/popup/click", st.Popup.Click)
		l.steps(ptr+"/popup/do", st.Popup.Do, inLoop)
	case st.Paginate != nil:
		p := st.Paginate
		sel("/paginate/next", p.Next)
		sel("/paginate/more", p.More)
		if p.Max > maxPages {
			l.addf(ptr+"/paginate/max", "max %d exceeds the limit of %d pages", p.Max, maxPages)
		}
		had := l.defined["page"]
		if p.URL != "" {
			l.defined["page"] = true
			if !templateUses(p.URL, "page") {
				l.addf(ptr+"/paginate/url", "the URL never uses {{page}}, so every page would be the same")
			}
			t("/paginate/url", p.URL)
			l.checkURL(ptr+"/paginate/url", p.URL)
		} else if p.Stop != nil {
			l.addf(ptr+"/paginate/stop", "stop only applies to a pagination by url")
		}
		if p.Stop != nil {
			l.cond(ptr+"/paginate/stop", p.Stop)
		}
		l.steps(ptr+"/paginate/do", p.Do, inLoop)
		l.defined["page"] = had
	case st.Set != nil:
		for k, v := range st.Set {
			t("/set/"+k, v)
		}
		for k := range st.Set {
			l.define(ptr+"/set/"+k, k)
		}
	}
}

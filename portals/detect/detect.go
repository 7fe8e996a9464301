// Package detect finds the login fields of a web page: the username (or
// e-mail, or other identifier), the password, a one-time code and the
// button that submits them, and says what kind of sign-in step the page
// is. Support staff use it to start a portal script from a login URL, and
// the runner to find a field a portal has moved.
//
// The page is read once in the browser (what is visible, labels, the text
// around each control); the scoring runs in Go on that snapshot, so it is
// the same for a live page, a saved file and a test fixture.
package detect

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

//go:embed snapshot.js
var snapshotJS string

//go:embed selector.js
var selectorJS string

// Role is what a detected element is for.
type Role string

const (
	Username Role = "username"
	Password Role = "password"
	OTP      Role = "otp"
	Submit   Role = "submit"
)

// Kind is the sign-in step a page shows.
type Kind string

const (
	KindLogin        Kind = "login"         // identifier and password together
	KindIdentifier   Kind = "identifier"    // identifier only; the password follows on the next page
	KindPassword     Kind = "password"      // password only; the identifier was given before
	KindCode         Kind = "code"          // a one-time code prompt
	KindMethodPicker Kind = "method_picker" // a choice of second factors
	KindOther        Kind = "other"
)

// Channel is where the code a prompt asks for comes from, as the page says.
type Channel string

const (
	ChannelAuthenticator Channel = "authenticator"
	ChannelSMS           Channel = "sms"
	ChannelEmail         Channel = "email"
	ChannelUnknown       Channel = "unknown"
)

// Field is one detected element.
type Field struct {
	Role     Role   `json:"role"`
	Selector string `json:"selector"`
	// Confidence is between 0 and 1: how clearly this element, rather
	// than another or none, plays the role.
	Confidence float64 `json:"confidence"`
	Tag        string  `json:"tag"`
	Type       string  `json:"type,omitempty"`
	Name       string  `json:"name,omitempty"`
	ID         string  `json:"id,omitempty"`
	Text       string  `json:"text,omitempty"` // label, placeholder or button text
	// Boxes is the number of inputs of a code typed one digit per box;
	// Selector is then the first box.
	Boxes int `json:"boxes,omitempty"`
	// Why lists the signals that chose the element.
	Why []string `json:"why"`

	idx int
}

// Result is what a page holds.
type Result struct {
	URL      string  `json:"url"`
	Title    string  `json:"title"`
	Kind     Kind    `json:"kind"`
	Username *Field  `json:"username,omitempty"`
	Password *Field  `json:"password,omitempty"`
	OTP      *Field  `json:"otp,omitempty"`
	Submit   *Field  `json:"submit,omitempty"`
	Channel  Channel `json:"channel,omitempty"` // with an OTP field or a code prompt
	// Methods are the second factors a method picker offers.
	Methods []string `json:"methods,omitempty"`
	// Frames is the chain of iframes (selectors, outermost first) the
	// fields are in; empty for the page's own document. A script reaches
	// them with frame steps.
	Frames []string `json:"frames,omitempty"`
}

// Fields returns the detected fields in the order a person fills them.
func (r *Result) Fields() []*Field {
	var out []*Field
	for _, f := range []*Field{r.Username, r.Password, r.OTP, r.Submit} {
		if f != nil {
			out = append(out, f)
		}
	}
	return out
}

// Snapshot is the page as the browser showed it.
type Snapshot struct {
	URL      string    `json:"url"`
	Title    string    `json:"title"`
	Text     string    `json:"text"`
	Controls []Control `json:"controls"`
}

// Control is one form control, button or short link of the page.
type Control struct {
	Idx          int    `json:"idx"` // position in document order
	Tag          string `json:"tag"`
	Type         string `json:"type"`
	Name         string `json:"name"`
	ID           string `json:"id"`
	Class        string `json:"cls"`
	Autocomplete string `json:"autocomplete"`
	Placeholder  string `json:"placeholder"`
	Aria         string `json:"aria"`
	Title        string `json:"title"`
	Value        string `json:"value"`
	Text         string `json:"text"`
	Src          string `json:"src"`
	Href         string `json:"href"`
	Label        string `json:"label"`
	Near         string `json:"near"`
	InputMode    string `json:"inputmode"`
	MaxLength    int    `json:"maxlength"`
	Pattern      string `json:"pattern"`
	Visible      bool   `json:"visible"`
	Disabled     bool   `json:"disabled"`
	Form         int    `json:"form"`
	FormText     string `json:"formText"`
	X, Y, W, H   int
	Where        string `json:"where"`
	Parent       int    `json:"parent"`
	Grand        int    `json:"grand"`
}

// Detect reads the page open in the chromedp tab ctx. When the page's own
// document shows no sign-in step, the iframes in it are read too (nested
// ones up to maxFrameDepth deep), same-origin or not: many portals embed
// their sign-in from an identity host. A result found in an iframe names
// the chain of iframes in Frames; its selectors hold inside the innermost.
func Detect(ctx context.Context) (*Result, error) {
	res, err := detectIn(scope{ctx: ctx})
	if err != nil || res.Kind != KindOther {
		return res, err
	}
	if fr := detectFrames(ctx, scope{ctx: ctx}, nil); fr != nil {
		return fr, nil
	}
	return res, nil
}

// scope is a document to read: the tab's main frame (ctxID 0), an
// isolated world in one of its iframes, or the main world of an iframe
// that runs in a process of its own (its own target).
type scope struct {
	ctx   context.Context
	ctxID runtime.ExecutionContextID
}

func evaluate[T any](sc scope, expr string) (T, error) {
	var opts []chromedp.EvaluateOption
	if sc.ctxID != 0 {
		id := sc.ctxID
		opts = append(opts, func(p *runtime.EvaluateParams) { p.ContextID = id })
	}
	return chromedp.Run(sc.ctx, chromedp.Evaluate[T](expr, opts...))
}

func detectIn(sc scope) (*Result, error) {
	snap, err := evaluate[Snapshot](sc, snapshotJS)
	if err != nil {
		return nil, fmt.Errorf("detect: read page: %w", err)
	}
	res := Analyze(&snap)
	fields := res.Fields()
	if len(fields) == 0 {
		return res, nil
	}
	idxs := make([]int, len(fields))
	for i, f := range fields {
		idxs[i] = f.idx
	}
	arg, _ := json.Marshal(idxs)
	sels, err := evaluate[[]string](sc, selectorJS+"("+string(arg)+")")
	if err != nil {
		return nil, fmt.Errorf("detect: build selectors: %w", err)
	}
	for i, f := range fields {
		if i < len(sels) {
			f.Selector = sels[i]
		}
	}
	return res, nil
}

// maxFrameDepth bounds how deep iframes in iframes are read.
const maxFrameDepth = 3

// framesJS lists the document-order indexes of the visible iframes of a
// document, large enough to hold a form.
const framesJS = `Array.from(document.getElementsByTagName("*")).map((e, i) => [e, i]).filter(([e]) => {
  if (e.tagName !== "IFRAME") return false;
  const r = e.getBoundingClientRect(), st = getComputedStyle(e);
  return r.width >= 100 && r.height >= 50 && st.visibility !== "hidden" && st.display !== "none";
}).map(([, i]) => i)`

// detectFrames reads the iframes of sc, depth first in document order, and
// returns the first sign-in step found, or nil.
func detectFrames(tab context.Context, sc scope, chain []string) *Result {
	if len(chain) >= maxFrameDepth {
		return nil
	}
	idxs, err := evaluate[[]int](sc, framesJS)
	if err != nil || len(idxs) == 0 {
		return nil
	}
	arg, _ := json.Marshal(idxs)
	sels, err := evaluate[[]string](sc, selectorJS+"("+string(arg)+")")
	if err != nil {
		return nil
	}
	for _, sel := range sels {
		if sel == "" {
			continue
		}
		inner, release, err := frameScope(tab, sc, sel)
		if err != nil {
			continue
		}
		path := append(slices.Clone(chain), sel)
		res, err := detectIn(inner)
		if err == nil && res.Kind != KindOther {
			release()
			res.Frames = path
			return res
		}
		res = detectFrames(tab, inner, path)
		release()
		if res != nil {
			return res
		}
	}
	return nil
}

// frameScope finds the document of the iframe sel in sc: an isolated world
// in the same target, whatever the frame's origin, or, for a frame that
// runs in another process, the frame's own target, attached until release.
func frameScope(tab context.Context, sc scope, sel string) (scope, func(), error) {
	q, _ := json.Marshal(sel)
	p := runtime.EvaluateParams{Expression: "document.querySelector(" + string(q) + ")"}
	if sc.ctxID != 0 {
		p.ContextID = sc.ctxID
	}
	obj, err := chromedp.Call(sc.ctx, runtime.Evaluate, p)
	if err != nil || obj.Result == nil || obj.Result.ObjectID == "" {
		return scope{}, nil, fmt.Errorf("detect: iframe %s not found", sel)
	}
	node, err := chromedp.Call(sc.ctx, dom.DescribeNode, dom.DescribeNodeParams{ObjectID: obj.Result.ObjectID})
	if err != nil || node.Node == nil || node.Node.FrameID == "" {
		return scope{}, nil, fmt.Errorf("detect: %s is not an iframe", sel)
	}
	world, err := chromedp.Call(sc.ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: node.Node.FrameID, WorldName: "twofetch-detect"})
	if err == nil {
		return scope{ctx: sc.ctx, ctxID: world.ExecutionContextID}, func() {}, nil
	}
	// A cross-site iframe is a target of its own, whose id is the frame's.
	// Detaching leaves it on the page: the page is read, not changed.
	c, cancel := chromedp.NewContext(tab, chromedp.WithTargetID(target.ID(node.Node.FrameID)), chromedp.WithDetachOnCancel())
	if err := chromedp.Do(c); err != nil {
		cancel()
		return scope{}, nil, fmt.Errorf("detect: attach to iframe %s: %w", sel, err)
	}
	return scope{ctx: c}, cancel, nil
}

// Index is the element's position in document order, which the
// benchmark compares with the labelled elements.
func (f *Field) Index() int { return f.idx }

var (
	reUser     = regexp.MustCompile(`(?i)user|login|e-?mail|mail|account|acct|ident|benutzer|nutzer|anmelde|kennung|usuario|utilisateur|identifiant|courriel|nick|uname|member|customer|kunden|handle|логин|почт|пользовател|имя|użytkownik|gebruiker|correo|utente|conta|\bid\b|_id\b|\blog\b`)
	reEmail    = regexp.MustCompile(`(?i)e-?mail|courriel|correo|почт`)
	rePass     = regexp.MustCompile(`(?i)pass|pwd|kennwort|contrase|mot de passe|senha|пароль|hasło|haslo|parola|wachtwoord|\bpw\b`)
	reNewPass  = regexp.MustCompile(`(?i)confirm|repeat|retype|again|verify|new.?pass|pass.?(2|new|conf|rep)|wiederhol|bestätig|neues`)
	reSearch   = regexp.MustCompile(`(?i)search|such|recherch|busca|поиск|keyword|query|^q$|newsletter|subscri|coupon|promo|zip|postal|captcha`)
	reOTP      = regexp.MustCompile(`(?i)otp|totp|one.?time|2fa|mfa|two.?factor|2.?step|verif|security.?code|sicherheitscode|bestätigungscode|authenticat|auth.?code|passcode|token|\bpin\b|\bcode\b|_code|code_|einmal|approvals_code|app_totp|sms.?code`)
	reCaptcha  = regexp.MustCompile(`(?i)captcha`)
	reLoginKW  = regexp.MustCompile(`(?i)log.?in|sign.?in|signin|logon|log.?on|auth|session|anmeld|einlog|connexion|connect|entrar|acceder|accedi|iniciar|войти|вход|zaloguj|inlog|user`)
	reRegister = regexp.MustCompile(`(?i)regist|sign.?up|signup|join|create|inscri|registr|регистр|newsletter|subscri|search|such|forgot|lost|reset|recover|vergessen|oubli|olvid|restore|remind`)
	reSubmitKW = regexp.MustCompile(`(?i)log.?\s?in|sign.?\s?in|logon|submit|continue|next|weiter|anmelden|einloggen|enter|^go$|^ok$|^>+$|entrar|connexion|connecter|accedi|acceder|войти|вход|zaloguj|inloggen|iniciar|acessar|verify|confirm|send|senden|bestätigen|fortfahren|absenden|login|signin|^»$|^→$`)
	reImageSub = regexp.MustCompile(`(?i)log.?in|sign.?in|submit|go|enter|ok|button|btn|anmeld|einlog`)
	reAside    = regexp.MustCompile(`(?i)\b(header|nav|aside|dialog)\b|navbar|topbar|top-bar|top_bar|masthead|sidebar|side-bar|popup|pop-up|modal|dropdown|overlay|lightbox|flyout|toolbar|userbar|quick.?login|mini.?login|box.?login|login.?box`)
	reNotSub   = regexp.MustCompile(`(?i)regist|sign.?up|signup|join|create|forgot|lost|reset|recover|vergessen|oubli|search|suche|cancel|abbrech|subscribe|newsletter|facebook|google|twitter|apple|back|zurück|help|clear`)
)

type scored struct {
	c     *Control
	score float64
	why   []string
}

func (s *scored) add(v float64, why string) {
	s.score += v
	s.why = append(s.why, fmt.Sprintf("%s %+.1f", why, v))
}

// ownText is what the control says about itself, without its neighbours.
func ownText(c *Control) string {
	return strings.Join([]string{c.Name, c.ID, c.Label, c.Placeholder, c.Aria, c.Title, c.Autocomplete}, " ")
}

func isTextLike(c *Control) bool {
	if c.Tag != "input" {
		return false
	}
	switch c.Type {
	case "text", "email", "tel", "number", "", "login", "username", "user":
		return true
	}
	// Unknown types render as text inputs.
	switch c.Type {
	case "password", "submit", "button", "image", "reset", "checkbox", "radio", "file", "hidden", "search",
		"date", "datetime-local", "month", "week", "time", "color", "range", "url":
		return false
	}
	return true
}

func isButton(c *Control) bool {
	switch c.Tag {
	case "button":
		return c.Type != "reset"
	case "input":
		return c.Type == "submit" || c.Type == "image" || c.Type == "button"
	}
	return true // a, [role=button], clickable containers
}

// codeScore rates a control as a one-time code input.
func codeScore(c *Control) *scored {
	s := &scored{c: c}
	own := ownText(c)
	if c.Autocomplete == "one-time-code" {
		s.add(5, "autocomplete=one-time-code")
	}
	if reOTP.MatchString(own) && !reCaptcha.MatchString(own) {
		s.add(3, "named as a code")
	} else if reOTP.MatchString(c.Near) && !reCaptcha.MatchString(c.Near) {
		s.add(1.5, "text before it speaks of a code")
	}
	if c.InputMode == "numeric" || c.InputMode == "decimal" || c.Type == "tel" || c.Type == "number" {
		s.add(1, "numeric input")
	}
	if c.MaxLength >= 4 && c.MaxLength <= 8 {
		s.add(1.5, fmt.Sprintf("maxlength=%d", c.MaxLength))
	}
	if strings.Contains(c.Pattern, `\d`) || strings.Contains(c.Pattern, "[0-9]") {
		s.add(1, "digits pattern")
	}
	if reEmail.MatchString(own) || c.Type == "email" || c.Autocomplete == "username" || c.Autocomplete == "email" {
		s.add(-4, "an e-mail or username field")
	}
	if reSearch.MatchString(own) || reCaptcha.MatchString(own) {
		s.add(-4, "search or captcha field")
	}
	if c.Type == "password" && (c.Autocomplete == "current-password" || c.Autocomplete == "new-password") {
		s.add(-4, "a password field")
	}
	if c.Type == "password" && rePass.MatchString(own) && !reOTP.MatchString(strings.Join([]string{c.Name, c.ID, c.Autocomplete}, " ")) {
		s.add(-2, "named as a password")
	}
	return s
}

// Analyze scores a snapshot. Selectors are left empty: Detect fills them
// in the browser.
func Analyze(snap *Snapshot) *Result {
	var vis, all []*Control
	for i := range snap.Controls {
		c := &snap.Controls[i]
		c.Type = strings.ToLower(c.Type)
		all = append(all, c)
		if c.Visible {
			vis = append(vis, c)
		}
	}
	res := analyze(snap, vis)
	if res.Username != nil || res.Password != nil || res.OTP != nil {
		return res
	}
	// A sign-in form that opens on a click is hidden until then: still the
	// form to fill, but less certainly.
	hidden := analyze(snap, all)
	if len(hidden.Fields()) == 0 {
		return res
	}
	for _, f := range hidden.Fields() {
		f.Confidence = math.Round(50*f.Confidence) / 100
		f.Why = append(f.Why, "hidden until opened")
	}
	return hidden
}

func analyze(snap *Snapshot, vis []*Control) *Result {
	res := &Result{URL: snap.URL, Title: snap.Title}
	formCount := map[int]map[string]int{}
	for _, c := range vis {
		m := formCount[c.Form]
		if m == nil {
			m = map[string]int{}
			formCount[c.Form] = m
		}
		switch {
		case c.Tag == "input" && c.Type == "password":
			m["password"]++
		case isTextLike(c) || c.Tag == "select" || c.Tag == "textarea":
			m["text"]++
		}
	}

	// One-time code: a single input, or one box per digit.
	var otp *scored
	for _, c := range vis {
		if c.Disabled || c.Tag != "input" || !(isTextLike(c) || c.Type == "password") {
			continue
		}
		s := codeScore(c)
		if s.score >= 3.5 && (otp == nil || s.score > otp.score) {
			otp = s
		}
	}
	boxes, first := digitBoxes(vis)
	if boxes >= 4 && (otp == nil || otp.score < 6) {
		otp = &scored{c: first, score: 6, why: []string{fmt.Sprintf("%d one-character boxes in a row", boxes)}}
	} else {
		boxes = 0
	}

	// Password: a password input that is not a code, in the form most like
	// a sign-in form.
	var pass *scored
	for _, c := range vis {
		if c.Tag != "input" || c.Type != "password" || c.Disabled {
			continue
		}
		if otp != nil && (otp.c == c || (boxes > 0 && c.Parent == first.Parent)) {
			continue
		}
		s := &scored{c: c, score: 2}
		own := ownText(c)
		switch c.Autocomplete {
		case "current-password":
			s.add(2, "autocomplete=current-password")
		case "new-password":
			s.add(-2, "autocomplete=new-password")
		}
		if reNewPass.MatchString(c.Name + " " + c.ID + " " + c.Label + " " + c.Placeholder) {
			s.add(-1.5, "a new or repeated password")
		}
		if rePass.MatchString(own) {
			s.add(0.5, "named as a password")
		}
		formScore(s, c, formCount)
		if reAside.MatchString(c.Where) {
			s.add(-0.5, "in a header, side bar or pop-up")
		}
		// Header boxes come before the page's own form: on a tie, the later.
		if pass == nil || s.score >= pass.score {
			pass = s
		}
	}
	if pass != nil && pass.score <= 0 {
		pass = nil
	}

	// Username: the text input nearest before the password, in its form.
	var user *scored
	for _, c := range vis {
		if !isTextLike(c) || c.Disabled || (otp != nil && otp.c == c && (pass == nil || otp.score >= 5)) {
			continue
		}
		if boxes > 0 && c.Parent == first.Parent {
			continue
		}
		s := &scored{c: c}
		own := ownText(c)
		switch c.Autocomplete {
		case "username", "email":
			s.add(3, "autocomplete="+c.Autocomplete)
		}
		if c.Type == "email" {
			s.add(2, "type=email")
		}
		if reUser.MatchString(own) {
			s.add(2, "named as a user or e-mail")
		} else if reUser.MatchString(c.Near) {
			s.add(1, "text before it names a user or e-mail")
		}
		if reSearch.MatchString(own) {
			s.add(-4, "search or other non-login field")
		}
		if cs := codeScore(c); cs.score >= 3.5 {
			s.add(-3, "looks like a code field")
		}
		if pass != nil {
			p := pass.c
			switch {
			case c.Form == p.Form && c.Form >= 0:
				s.add(2, "in the password's form")
			case c.Form == -1 && p.Form == -1 && c.Idx < p.Idx && p.Idx-c.Idx < 60:
				s.add(1.5, "just before the password")
			default:
				s.add(-3, "away from the password")
			}
			if c.Idx < p.Idx {
				s.add(1, "before the password")
				if !anyTextBetween(vis, c, p) {
					s.add(1.5, "the last text input before the password")
				}
			} else {
				s.add(-1.5, "after the password")
			}
		} else {
			formScore(s, c, formCount)
			if formCount[c.Form]["text"] > 2 {
				s.add(-1, "one of many inputs")
			}
		}
		if user == nil || s.score > user.score {
			user = s
		}
	}
	minUser := 2.5
	if pass == nil {
		minUser = 3.5
	}
	if user != nil && user.score < minUser {
		user = nil
	}

	// Submit: the button of the same form that says it signs in.
	var anchor *Control
	switch {
	case pass != nil:
		anchor = pass.c
	case user != nil:
		anchor = user.c
	case otp != nil:
		anchor = otp.c
	}
	var sub *scored
	if anchor != nil {
		for _, c := range vis {
			if !isButton(c) {
				continue
			}
			s := &scored{c: c}
			words := strings.Join([]string{c.Text, c.Value, c.Aria, c.Title}, " ")
			switch {
			case c.Tag == "input" && (c.Type == "submit" || c.Type == "image"):
				s.add(2, "a submit input")
			case c.Tag == "button" && c.Type == "submit":
				s.add(2, "a submit button")
			case c.Tag == "button" || c.Tag == "input":
				s.add(1, "a button")
			}
			if reSubmitKW.MatchString(strings.TrimSpace(words)) {
				s.add(2, "says it signs in or continues")
			} else if c.Type == "image" && reImageSub.MatchString(c.Src+" "+c.Name+" "+c.ID) {
				s.add(1, "image named as a submit")
			} else if reSubmitKW.MatchString(c.Name + " " + c.ID + " " + c.Class) {
				s.add(1, "named as a submit")
			}
			if reNotSub.MatchString(words) || reNotSub.MatchString(c.Name+" "+c.ID+" "+c.Href) {
				s.add(-4, "another action")
			}
			switch {
			case c.Form == anchor.Form && c.Form >= 0:
				s.add(3, "in the same form")
			case c.Form == -1 && anchor.Form == -1 && c.Idx > anchor.Idx && c.Idx-anchor.Idx < 80:
				s.add(2, "just after the fields")
			case c.Form != anchor.Form && c.Form >= 0:
				s.add(-4, "in another form")
			}
			if c.Idx > anchor.Idx {
				s.add(0.5, "after the fields")
			}
			if c.Tag == "a" && c.Href != "" && !strings.HasPrefix(c.Href, "#") && !strings.HasPrefix(strings.ToLower(c.Href), "javascript") {
				s.add(-2, "a link to another page")
			}
			if c.Disabled {
				s.add(-0.5, "disabled until filled")
			}
			if sub == nil || s.score > sub.score || (s.score == sub.score && c.Form == anchor.Form && c.Idx > anchor.Idx && sub.c.Idx < anchor.Idx) {
				sub = s
			}
		}
		if sub != nil && sub.score < 3 {
			sub = nil
		}
	}

	// An identifier step is continued by a button; an e-mail field whose
	// only button subscribes or searches is no sign-in.
	if pass == nil && user != nil && (otp == nil || otp.c != user.c) && sub == nil {
		user = nil
	}

	// A lone password input on a page that asks for a code is the code.
	text := strings.ToLower(snap.Text)
	if pass != nil && user == nil && otp == nil && codePage.MatchString(text) && !rePass.MatchString(pass.c.Label+pass.c.Placeholder+pass.c.Aria) {
		if cs := codeScore(pass.c); cs.score >= 1 {
			otp = &scored{c: pass.c, score: 3.5, why: append(cs.why, "the page asks for a code")}
			pass = nil
		}
	}

	res.Username = toField(Username, user, 4)
	res.Password = toField(Password, pass, 3)
	res.OTP = toField(OTP, otp, 5)
	res.Submit = toField(Submit, sub, 4)
	if res.OTP != nil && boxes > 0 {
		res.OTP.Boxes = boxes
	}
	methods := methodsOffered(vis)
	switch {
	case res.Password != nil && res.Username != nil:
		res.Kind = KindLogin
	case res.Password != nil:
		res.Kind = KindPassword
	case res.OTP != nil:
		res.Kind = KindCode
	case len(methods) >= 2:
		res.Kind = KindMethodPicker
		res.Methods = methods
	case res.Username != nil:
		res.Kind = KindIdentifier
	default:
		res.Kind = KindOther
	}
	if res.OTP != nil {
		res.Channel = channel(text, res.OTP)
	}
	return res
}

// formScore rates the form around c as a sign-in form.
func formScore(s *scored, c *Control, counts map[int]map[string]int) {
	m := counts[c.Form]
	if c.Form >= 0 {
		switch {
		case reRegister.MatchString(c.FormText) && !reLoginKW.MatchString(c.FormText):
			s.add(-1.5, "form named for another purpose")
		case reLoginKW.MatchString(c.FormText):
			s.add(1, "form named for signing in")
		}
		if m["password"] >= 2 {
			s.add(-1.5, "form with several passwords")
		}
		if m["text"] > 3 {
			s.add(-1, "form with many fields")
		}
	}
}

func anyTextBetween(vis []*Control, a, b *Control) bool {
	for _, c := range vis {
		if c.Idx > a.Idx && c.Idx < b.Idx && isTextLike(c) {
			return true
		}
	}
	return false
}

// digitBoxes finds the longest run of visible one-character inputs that
// share a parent or grandparent: a code typed one digit per box.
func digitBoxes(vis []*Control) (int, *Control) {
	best, bestFirst := 0, (*Control)(nil)
	run, runFirst := 0, (*Control)(nil)
	var prev *Control
	for _, c := range vis {
		one := c.Tag == "input" && c.MaxLength == 1 && (isTextLike(c) || c.Type == "password")
		if !one {
			if c.Tag == "input" && c.Type != "hidden" {
				run, prev = 0, nil
			}
			continue
		}
		if prev != nil && (c.Parent == prev.Parent || c.Grand == prev.Grand) {
			run++
		} else {
			run, runFirst = 1, c
		}
		prev = c
		if run > best {
			best, bestFirst = run, runFirst
		}
	}
	return best, bestFirst
}

var (
	codePage = regexp.MustCompile(`\bcode\b|verification|authenticat|one-time|einmal|bestätigungs|sicherheits|2-step|two-factor|zwei-faktor|2fa`)
	// The page says the code went to an inbox: this prompt is not one an
	// authenticator key can answer.
	emailSent = regexp.MustCompile(`(sent|send|emailed|e-mailed|mailed|delivered|gesendet|geschickt|envoyé|enviado|inviato)[^.!?\n]{0,60}(e-?mail|inbox|@|posteingang|courriel|correo)|(e-?mail|inbox|posteingang|courriel|correo)[^.!?\n]{0,60}(sent|gesendet|geschickt|envoyé|enviado)|check your (e-?mail|inbox)|per e-?mail|by e-?mail|via e-?mail|to your e-?mail`)
	smsSent   = regexp.MustCompile(`text message|\bsms\b|sent to your (phone|mobile)|ending in \d|phone number ending|an ihr (handy|telefon|mobiltelefon)`)
	authApp   = regexp.MustCompile(`authenticat(or|ion) app|authenticator|auth app|google authenticator|totp|app (zur|für) authentifizierung|authentifizierungs-?app|generated by (your|the) app|from your app`)
	methodRe  = map[string]*regexp.Regexp{
		"totp":         authApp,
		"sms":          regexp.MustCompile(`text message|\bsms\b|phone call|call me|voice`),
		"email":        regexp.MustCompile(`e-?mail`),
		"push":         regexp.MustCompile(`push|notification|approve|mobile app`),
		"security_key": regexp.MustCompile(`security key|passkey|webauthn|fido|yubikey`),
		"recovery":     regexp.MustCompile(`recovery code|backup code|wiederherstellungscode`),
	}
)

// channel says where the page expects the code from. E-mail wins: the
// worst mistake is typing an authenticator code where an e-mailed one is
// expected and counting the rejection against the customer's key.
func channel(text string, f *Field) Channel {
	named := strings.ToLower(f.Name + " " + f.ID + " " + f.Text)
	switch {
	case emailSent.MatchString(text) || strings.Contains(named, "email") || strings.Contains(named, "e-mail"):
		return ChannelEmail
	case authApp.MatchString(text) || strings.Contains(named, "totp") || strings.Contains(named, "authenticator"):
		return ChannelAuthenticator
	case smsSent.MatchString(text) || strings.Contains(named, "sms"):
		return ChannelSMS
	}
	return ChannelUnknown
}

func methodsOffered(vis []*Control) []string {
	seen := map[string]bool{}
	for _, c := range vis {
		if !isButton(c) && !(c.Tag == "input" && c.Type == "radio") {
			continue
		}
		t := strings.ToLower(strings.Join([]string{c.Text, c.Value, c.Label, c.Aria}, " "))
		for m, re := range methodRe {
			if re.MatchString(t) {
				seen[m] = true
			}
		}
	}
	var out []string
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

func toField(r Role, s *scored, scale float64) *Field {
	if s == nil {
		return nil
	}
	c := s.c
	text := c.Label
	for _, t := range []string{c.Placeholder, c.Aria, c.Text, c.Value, c.Title} {
		if text == "" {
			text = t
		}
	}
	return &Field{
		Role: r, Tag: c.Tag, Type: c.Type, Name: c.Name, ID: c.ID, Text: text,
		Confidence: math.Round(100*(1-math.Exp(-math.Max(s.score, 0)/scale))) / 100,
		Why:        s.why,
		idx:        c.Idx,
	}
}

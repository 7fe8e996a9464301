// Package portals is the portal-script engine: the declarative format in
// which support staff describe how to log into a portal and fetch its
// invoices, its JSON Schema, the loader and linter, and the runner that
// plays a script in headless Chromium through a shared browser pool.
//
// A script is one YAML (or JSON) file; see docs/portals.md for the guide
// and the step reference generated from schema.json.
package portals

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Script is one portal: what it is, how to tell that a session is still
// logged in, how to log in, how to fetch documents, and which page states
// mean the run cannot go on.
type Script struct {
	// Schema lets editors find schema.json; the runner ignores it.
	Schema string `yaml:"$schema,omitempty" json:"$schema,omitempty"`
	ID     string `yaml:"id" json:"id"`
	Name   string `yaml:"name" json:"name"`
	// Homepage is the portal's public start page.
	Homepage string `yaml:"homepage" json:"homepage"`
	// Hosts lists every host name the script navigates to or downloads
	// from; replicas map exactly these names, and lint rejects others.
	// "*.example.com" admits any host below example.com, for portals that
	// give each customer a host of their own (HostListed).
	Hosts []string `yaml:"hosts" json:"hosts"`
	// Countries are ISO 3166-1 alpha-2 codes, or "*" for everywhere.
	Countries   []string     `yaml:"countries" json:"countries"`
	Credentials []Credential `yaml:"credentials" json:"credentials"`
	// TwoFactor lists the second factors the portal offers; the script
	// always answers with an authenticator code (totp) where offered.
	TwoFactor []string `yaml:"two_factor" json:"two_factor"`
	// PushApp names the app in which the portal asks for approval (push),
	// so customers are told which app cannot be answered automatically.
	PushApp string `yaml:"push_app,omitempty" json:"push_app,omitempty"`
	// Enrollment is the help the enrolment page shows the customer; nil
	// when the portal's help pages say nothing the page could use.
	Enrollment *Enrollment `yaml:"enrollment,omitempty" json:"enrollment,omitempty"`
	// Verified says what the script last passed its test against, and when.
	Verified Verified `yaml:"verified" json:"verified"`
	// Sources name the public evidence the script's URLs, selectors, texts
	// and flow come from; a script without sources does not load.
	Sources []Source `yaml:"sources" json:"sources"`
	// Notes is free text for support staff.
	Notes string `yaml:"notes,omitempty" json:"notes,omitempty"`
	// Locale (BCP 47, e.g. de-DE) is how the portal prints dates and
	// amounts; downloads read theirs in it (default en).
	Locale string `yaml:"locale,omitempty" json:"locale,omitempty"`
	// Consent dismisses cookie-consent banners wherever they appear:
	// "reject" or "accept" after every page load and before every click
	// and type; empty leaves banners to the steps.
	Consent string `yaml:"consent,omitempty" json:"consent,omitempty"`
	// Heal lets a run whose login field (username, password, code or the
	// submit button after them) is no longer where the script says ask
	// the detector for it, finish, and end healed so support updates the
	// script. Off until the script's flow is trusted.
	Heal bool `yaml:"heal,omitempty" json:"heal,omitempty"`
	// Uses names the fragments (shared logins, shared outcome rules) the
	// script was assembled from. They are resolved when the script is
	// loaded: Login, Outcomes and the other sections already hold their
	// steps and rules.
	Uses []Use `yaml:"-" json:"-"`

	Session *Session `yaml:"session,omitempty" json:"session,omitempty"`
	Login   []Step   `yaml:"login" json:"login"`
	// Documents is empty for a portal whose documents pages are not known:
	// its runs sign in and answer the second factor, and fetch nothing.
	Documents []Step        `yaml:"documents,omitempty" json:"documents,omitempty"`
	Outcomes  []OutcomeRule `yaml:"outcomes,omitempty" json:"outcomes,omitempty"`

	// File is where the script was loaded from, for messages.
	File string `yaml:"-" json:"-"`
}

// Enrollment tells a customer where the portal shows the QR code of its
// authenticator setup, in the portal's own words where they are known, so
// the enrolment page can say "open this page, follow this path" instead of
// "find the security settings". Every value comes from the portal's public
// help pages, named in the script's sources.
type Enrollment struct {
	// SettingsURL is the page to open on the computer (https).
	SettingsURL string `yaml:"settings_url,omitempty" json:"settings_url,omitempty"`
	// Wording is what the portal calls its second login step: two-step,
	// two-factor, login-verification or other.
	Wording string `yaml:"wording,omitempty" json:"wording,omitempty"`
	// Path is where the QR code appears ("Security → 2-Step Verification
	// → Authenticator app"), in the portal's words in each language a
	// source shows them in; it may lack English (a German-only portal).
	Path Text `yaml:"path,omitempty" json:"path,omitempty"`
	// CantScan is the portal's link that shows the setup key instead,
	// like Path in the languages a source shows.
	CantScan Text `yaml:"cant_scan,omitempty" json:"cant_scan,omitempty"`
	// Note holds prerequisites or limits ("set up the mobile app first").
	Note Text `yaml:"note,omitempty" json:"note,omitempty"`
	// Setup is how the portal hands the authenticator's secret over:
	// qr (the default: a QR code with a link to the key beside it) or
	// key (a key or token string only, never a QR code on a computer),
	// so the SMS and the page lead with the key instead of a photo.
	Setup string `yaml:"setup,omitempty" json:"setup,omitempty"`
}

// KeyOnly reports whether the portal hands over a setup key but never
// shows a QR code on a computer.
func (e *Enrollment) KeyOnly() bool { return e != nil && e.Setup == "key" }

// TextLanguages are the languages of customer texts in scripts: the
// languages of the enrolment and status pages.
var TextLanguages = []string{"en", "de", "nl"}

// Text is a customer text per language: en always, de and nl where known
// (the portal's menu names of Enrollment may lack en).
type Text map[string]string

// In returns the text in lang, or else in the first of TextLanguages it
// has.
func (t Text) In(lang string) string {
	if v, ok := t[lang]; ok {
		return v
	}
	for _, l := range TextLanguages {
		if v, ok := t[l]; ok {
			return v
		}
	}
	return ""
}

// Credential is one field the customer gives for this portal: username
// and password, and whatever else the portal's sign-in asks for (customer
// number, account id, shop domain). A type step types it as {{NAME}}.
type Credential struct {
	// Name is username, password, or a lower-case name of the portal's
	// own field (customer_number, shop_domain).
	Name string `yaml:"name" json:"name"`
	// Label is how the portal calls the field ("E-mail address").
	Label string `yaml:"label,omitempty" json:"label,omitempty"`
	// Secret fields (a PIN) come from the vault and are never logged;
	// password is always secret.
	Secret bool `yaml:"secret,omitempty" json:"secret,omitempty"`
}

// IsSecret reports whether the field's value must never be logged.
func (c Credential) IsSecret() bool { return c.Secret || c.Name == varPassword }

// Source is one piece of public evidence a script is built on: a page
// (help centre, the public 2FA directory) or a file of an open-source
// scraper, and the day it was read.
type Source struct {
	// URL of a public page.
	URL string `yaml:"url,omitempty" json:"url,omitempty"`
	// Repo ("owner/name") and Path name a file of a public repository.
	Repo string `yaml:"repo,omitempty" json:"repo,omitempty"`
	Path string `yaml:"path,omitempty" json:"path,omitempty"`
	// Read is the day the source was read (YYYY-MM-DD).
	Read string `yaml:"read" json:"read"`
	// Shows says what the script takes from it ("login field ids").
	Shows string `yaml:"shows,omitempty" json:"shows,omitempty"`
}

// String names the source for lists: its URL or repo/path.
func (s Source) String() string {
	if s.URL != "" {
		return s.URL
	}
	return s.Repo + ":" + s.Path
}

// Verified records what a script last passed, and when.
type Verified struct {
	// Against is "replica" (the local replica), "live" (the real portal)
	// or "none".
	Against string `yaml:"against" json:"against"`
	// Date is, for a replica, the date of the evidence the replica
	// reproduces; for live, the day of the passing run (YYYY-MM-DD).
	Date string `yaml:"date,omitempty" json:"date,omitempty"`
	// By names who ran a live test.
	By string `yaml:"by,omitempty" json:"by,omitempty"`
}

// UnmarshalYAML accepts the short form "none".
func (v *Verified) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		v.Against = n.Value
		return nil
	}
	type plain Verified
	return n.Decode((*plain)(v))
}

// String is how lists and the README show it.
func (v Verified) String() string {
	switch v.Against {
	case "replica":
		return "local replica (evidence of " + v.Date + ")"
	case "live":
		s := "the live portal on " + v.Date
		if v.By != "" {
			s += " by " + v.By
		}
		return s
	}
	return "not verified"
}

// Use is one fragment a script is assembled from, with its parameters.
type Use struct {
	Name string            `json:"name"`
	With map[string]string `json:"with,omitempty"`
}

// Session says how to recognise a live session, so that a run which
// restored its cookies can skip login and 2FA.
type Session struct {
	// URL is opened first; typically the billing page.
	URL string `yaml:"url" json:"url"`
	// LoggedIn holds on a page only a logged-in user sees.
	LoggedIn Cond `yaml:"logged_in" json:"logged_in"`
	// LoggedOut, when given, ends the check early on the login page
	// instead of waiting for LoggedIn until the step timeout.
	LoggedOut *Cond `yaml:"logged_out,omitempty" json:"logged_out,omitempty"`
	// KeepCookies stores the cookies sealed in the vault after a
	// successful run (default true); false for portals that forbid reuse.
	KeepCookies *bool `yaml:"keep_cookies,omitempty" json:"keep_cookies,omitempty"`
}

// Keep reports whether cookies are kept between runs.
func (s *Session) Keep() bool { return s != nil && (s.KeepCookies == nil || *s.KeepCookies) }

// OutcomeRule maps a page state to an outcome. Rules are checked, in order,
// after the login flow and whenever a step fails, so that a wrong-password
// page is reported as bad_credentials rather than as a missing element.
type OutcomeRule struct {
	When    Cond   `yaml:"when" json:"when"`
	Outcome string `yaml:"outcome" json:"outcome"`
	// Detail is shown to the customer or support; never put secrets here.
	Detail string `yaml:"detail,omitempty" json:"detail,omitempty"`
	// NoRetry marks a page the portal will show again to every attempt of
	// the day (a refusal of the browser itself): the run is not retried
	// before the next daily run, and support is alerted at once.
	NoRetry bool `yaml:"no_retry,omitempty" json:"no_retry,omitempty"`
}

// Cond is a test of the page state. Set exactly one of its fields; Any,
// All and Not combine conditions.
type Cond struct {
	// Selector holds when a CSS selector matches an element.
	Selector string `yaml:"selector,omitempty" json:"selector,omitempty"`
	// Visible holds when a CSS selector matches a rendered, visible element.
	Visible string `yaml:"visible,omitempty" json:"visible,omitempty"`
	// URL is a regular expression (RE2 and JavaScript alike) matched
	// against the page's full URL.
	URL string `yaml:"url,omitempty" json:"url,omitempty"`
	// Text holds when the visible text of the page contains it,
	// ignoring case.
	Text string `yaml:"text,omitempty" json:"text,omitempty"`
	// JS is a JavaScript expression evaluated in the page; truthy holds.
	JS string `yaml:"js,omitempty" json:"js,omitempty"`
	// Status is a regular expression matched against the HTTP status of
	// the document now shown, so a 429 or 503 after a form post is
	// recognised without relying on the error page's text.
	Status string `yaml:"status,omitempty" json:"status,omitempty"`
	Not    *Cond  `yaml:"not,omitempty" json:"not,omitempty"`
	Any    []Cond `yaml:"any,omitempty" json:"any,omitempty"`
	All    []Cond `yaml:"all,omitempty" json:"all,omitempty"`
}

// Step is one action. Exactly one of the action fields (Navigate … Fail)
// is set; Name, Timeout and Optional apply to any of them.
type Step struct {
	// Name labels the step in the step log; defaults to its kind.
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// Timeout bounds the step (default 30s), never beyond the job's deadline.
	Timeout Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// Optional steps that find no element are skipped instead of failing
	// the run; they do not wait for the element to appear.
	Optional bool `yaml:"optional,omitempty" json:"optional,omitempty"`

	Navigate *NavigateStep `yaml:"navigate,omitempty" json:"navigate,omitempty"`
	Wait     *WaitStep     `yaml:"wait,omitempty" json:"wait,omitempty"`
	Type     *TypeStep     `yaml:"type,omitempty" json:"type,omitempty"`
	Click    *ClickStep    `yaml:"click,omitempty" json:"click,omitempty"`
	Select   *SelectStep   `yaml:"select,omitempty" json:"select,omitempty"`
	// If runs Then when the condition holds now (it does not wait), Else
	// otherwise.
	If       *Cond             `yaml:"if,omitempty" json:"if,omitempty"`
	Then     []Step            `yaml:"then,omitempty" json:"then,omitempty"`
	Else     []Step            `yaml:"else,omitempty" json:"else,omitempty"`
	ForEach  *ForEachStep      `yaml:"for_each,omitempty" json:"for_each,omitempty"`
	Extract  map[string]Field  `yaml:"extract,omitempty" json:"extract,omitempty"`
	JS       *JSStep           `yaml:"js,omitempty" json:"js,omitempty"`
	Download *DownloadStep     `yaml:"download,omitempty" json:"download,omitempty"`
	Go       *GoStep           `yaml:"go,omitempty" json:"go,omitempty"`
	Fail     *FailStep         `yaml:"fail,omitempty" json:"fail,omitempty"`
	Set      map[string]string `yaml:"set,omitempty" json:"set,omitempty"`
	Frame    *FrameStep        `yaml:"frame,omitempty" json:"frame,omitempty"`
	Popup    *PopupStep        `yaml:"popup,omitempty" json:"popup,omitempty"`
	Consent  *ConsentStep      `yaml:"consent,omitempty" json:"consent,omitempty"`
	Paginate *PaginateStep     `yaml:"paginate,omitempty" json:"paginate,omitempty"`
	Print    *PrintStep        `yaml:"print,omitempty" json:"print,omitempty"`
}

// PrintStep stores a receipt that is a web page, the way a person keeps
// one with Print → Save as PDF: the page (URL, opened in the run's own tab
// and session, or else the current page) is printed to PDF by the browser
// with the portal's print styles, and its number, date and amount are read
// from the page itself. ID must be known before the page opens, so a
// receipt already stored is not opened again.
type PrintStep struct {
	// ID is the portal's id of the receipt (template, typically
	// {{row.id}}).
	ID string `yaml:"id" json:"id"`
	// URL of the receipt page (template); empty prints the current page.
	// After printing, the tab goes back to the page it came from.
	URL string `yaml:"url,omitempty" json:"url,omitempty"`
	// Ready holds once the receipt has rendered; printing waits for it.
	Ready *Cond `yaml:"ready,omitempty" json:"ready,omitempty"`
	// Extract reads values from the receipt page into variables, which
	// the templates below may use.
	Extract map[string]Field `yaml:"extract,omitempty" json:"extract,omitempty"`
	// Kind is receipt unless given (invoice, statement, credit_note).
	Kind     string `yaml:"kind,omitempty" json:"kind,omitempty"`
	Number   string `yaml:"number,omitempty" json:"number,omitempty"`
	Date     string `yaml:"date,omitempty" json:"date,omitempty"`
	Amount   string `yaml:"amount,omitempty" json:"amount,omitempty"`
	Currency string `yaml:"currency,omitempty" json:"currency,omitempty"`
	Locale   string `yaml:"locale,omitempty" json:"locale,omitempty"`
	// Remove lists elements (CSS selectors) taken out of the page before
	// it is printed: navigation a portal's print styles leave in.
	Remove []string `yaml:"remove,omitempty" json:"remove,omitempty"`
	// Paper is the sheet size where the page's own CSS (@page) sets none:
	// a4 (the default) or letter.
	Paper string `yaml:"paper,omitempty" json:"paper,omitempty"`
}

// FrameStep runs Do inside an iframe: conditions, fields and clicks then
// address the iframe's document. Frames nest; a cross-site iframe works
// like any other.
type FrameStep struct {
	Selector string `yaml:"selector" json:"selector"`
	Do       []Step `yaml:"do" json:"do"`
}

// PopupStep clicks an element that opens a new tab or window and runs Do
// in it; the tab is closed afterwards and the steps go on in the page
// that opened it.
type PopupStep struct {
	Click string `yaml:"click" json:"click"`
	Do    []Step `yaml:"do" json:"do"`
}

// ConsentStep dismisses a cookie-consent banner of a known consent
// manager if one is shown, rejecting what can be rejected. In YAML it is
// written as reject or accept.
type ConsentStep struct {
	// Action is "reject" (the default: only necessary cookies) or
	// "accept", for portals whose sign-in does not work without.
	Action string `yaml:"action" json:"action"`
}

func (c *ConsentStep) UnmarshalYAML(v *yaml.Node) error {
	if v.Kind == yaml.ScalarNode {
		c.Action = v.Value
		return nil
	}
	type plain ConsentStep
	return v.Decode((*plain)(c))
}

// PaginateStep runs Do on every page of a list: it follows a next button
// (Next), clicks "load more" until it is gone (More) or opens a URL per
// page number (URL with {{page}}), visiting at most Max pages.
type PaginateStep struct {
	Next string `yaml:"next,omitempty" json:"next,omitempty"`
	More string `yaml:"more,omitempty" json:"more,omitempty"`
	URL  string `yaml:"url,omitempty" json:"url,omitempty"`
	// Start is the first page number of URL (default 1).
	Start int `yaml:"start,omitempty" json:"start,omitempty"`
	// Stop ends a URL pagination at the first page where it holds (an
	// empty list).
	Stop *Cond `yaml:"stop,omitempty" json:"stop,omitempty"`
	// Max caps the pages visited (default 50).
	Max int    `yaml:"max,omitempty" json:"max,omitempty"`
	Do  []Step `yaml:"do" json:"do"`
}

// Kind returns the step's action name, "" when none is set.
func (s *Step) Kind() string {
	kinds := s.kinds()
	if len(kinds) == 0 {
		return ""
	}
	return kinds[0]
}

func (s *Step) kinds() []string {
	var k []string
	add := func(set bool, name string) {
		if set {
			k = append(k, name)
		}
	}
	add(s.Navigate != nil, "navigate")
	add(s.Wait != nil, "wait")
	add(s.Type != nil, "type")
	add(s.Click != nil, "click")
	add(s.Select != nil, "select")
	add(s.If != nil, "if")
	add(s.ForEach != nil, "for_each")
	add(s.Extract != nil, "extract")
	add(s.JS != nil, "js")
	add(s.Download != nil, "download")
	add(s.Go != nil, "go")
	add(s.Fail != nil, "fail")
	add(s.Set != nil, "set")
	add(s.Frame != nil, "frame")
	add(s.Popup != nil, "popup")
	add(s.Consent != nil, "consent")
	add(s.Paginate != nil, "paginate")
	add(s.Print != nil, "print")
	return k
}

// Label is the step's name for logs.
func (s *Step) Label() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Kind()
}

// NavigateStep opens a URL and waits for the page to load. In YAML it is
// written as the URL alone.
type NavigateStep struct {
	URL string `yaml:"url" json:"url"`
}

func (n *NavigateStep) UnmarshalYAML(v *yaml.Node) error {
	if v.Kind == yaml.ScalarNode {
		n.URL = v.Value
		return nil
	}
	type plain NavigateStep
	return v.Decode((*plain)(n))
}

// WaitStep waits until its condition holds, or the network is idle.
type WaitStep struct {
	Cond `yaml:",inline" json:",inline"`
	// NetworkIdle waits until no request has been in flight for 500ms.
	NetworkIdle bool `yaml:"network_idle,omitempty" json:"network_idle,omitempty"`
}

// TypeStep fills a field. Value is a template: {{username}}, {{password}}
// and {{otp}} are filled in from the vault at the moment of typing and
// never logged; {{NAME}} and {{row.NAME}} are variables.
type TypeStep struct {
	Selector string `yaml:"selector" json:"selector"`
	Value    string `yaml:"value" json:"value"`
	// Submit presses Enter after typing.
	Submit bool `yaml:"submit,omitempty" json:"submit,omitempty"`
	// Boxes types one character into each element Selector matches, for
	// codes entered one digit per box.
	Boxes bool `yaml:"boxes,omitempty" json:"boxes,omitempty"`
}

// ClickStep clicks the first element matching Selector, waiting for it
// to be visible. In YAML it may be written as the selector alone.
type ClickStep struct {
	Selector string `yaml:"selector" json:"selector"`
	// Text picks, among the elements Selector matches, the first whose
	// visible text contains it (ignoring case): the authenticator-app
	// entry of a method picker.
	Text string `yaml:"text,omitempty" json:"text,omitempty"`
}

func (c *ClickStep) UnmarshalYAML(v *yaml.Node) error {
	if v.Kind == yaml.ScalarNode {
		c.Selector = v.Value
		return nil
	}
	type plain ClickStep
	return v.Decode((*plain)(c))
}

// SelectStep chooses an option of a <select> by value or by visible label.
type SelectStep struct {
	Selector string `yaml:"selector" json:"selector"`
	Value    string `yaml:"value,omitempty" json:"value,omitempty"`
	Label    string `yaml:"label,omitempty" json:"label,omitempty"`
}

// Field reads one value from the page: the text (or an attribute) of the
// first element matching Selector, optionally narrowed by a regular
// expression (its first group, if any, else the whole match).
type Field struct {
	Selector string `yaml:"selector,omitempty" json:"selector,omitempty"`
	// Attr reads an attribute (href, data-id, …) instead of the text.
	// "href" and "src" are resolved to absolute URLs.
	Attr  string `yaml:"attr,omitempty" json:"attr,omitempty"`
	Regex string `yaml:"regex,omitempty" json:"regex,omitempty"`
}

// ForEachStep repeats Do for each row: either each element matching Rows
// (fields are read relative to the row element) or each item of the list
// variable Items (set by a js step). Inside, {{row.FIELD}} is the row's field.
type ForEachStep struct {
	Rows   string           `yaml:"rows,omitempty" json:"rows,omitempty"`
	Fields map[string]Field `yaml:"fields,omitempty" json:"fields,omitempty"`
	Items  string           `yaml:"items,omitempty" json:"items,omitempty"`
	// ID is the template of a row's invoice id; rows whose id is already
	// stored are skipped before any of their steps run.
	ID string `yaml:"id,omitempty" json:"id,omitempty"`
	// Limit caps the number of rows visited (0: all).
	Limit int `yaml:"limit,omitempty" json:"limit,omitempty"`
	// Date is the template of a row's date, as printed; with a date
	// window (Job.Since) older rows are skipped before any of their steps.
	Date string `yaml:"date,omitempty" json:"date,omitempty"`
	Do   []Step `yaml:"do" json:"do"`
}

// JSStep runs JavaScript in the page as the body of an async function, so
// it may await fetch() (which carries the session's cookies) and must
// return its result. The arguments vars and row hold the variables and
// the current row. The result is stored in the variable Var.
type JSStep struct {
	Script string `yaml:"script" json:"script"`
	Var    string `yaml:"var,omitempty" json:"var,omitempty"`
}

// DownloadStep stores one document. Exactly one source is set: URL (fetched
// inside the page with the session's cookies), Click (a browser download
// started by clicking), Base64 (a variable or template holding the file) or
// Print (the current page printed to PDF).
type DownloadStep struct {
	// ID is the portal's invoice id (template); documents already stored
	// are skipped.
	ID string `yaml:"id" json:"id"`
	// Kind (template) is invoice (the default), receipt, statement or
	// credit_note.
	Kind     string `yaml:"kind,omitempty" json:"kind,omitempty"`
	Number   string `yaml:"number,omitempty" json:"number,omitempty"`
	Date     string `yaml:"date,omitempty" json:"date,omitempty"`
	Amount   string `yaml:"amount,omitempty" json:"amount,omitempty"`
	Currency string `yaml:"currency,omitempty" json:"currency,omitempty"`

	URL    string `yaml:"url,omitempty" json:"url,omitempty"`
	Click  string `yaml:"click,omitempty" json:"click,omitempty"`
	Base64 string `yaml:"base64,omitempty" json:"base64,omitempty"`
	Print  bool   `yaml:"print,omitempty" json:"print,omitempty"`

	// ContentType is the type the portal serves (default application/pdf);
	// a PDF must start with %PDF-, anything else must match this type.
	ContentType string `yaml:"content_type,omitempty" json:"content_type,omitempty"`
	// Locale overrides the script's locale for this download's date and
	// amount.
	Locale string `yaml:"locale,omitempty" json:"locale,omitempty"`
}

// GoStep calls a step written in Go and registered with RegisterStep. In
// YAML it may be written as the name alone.
type GoStep struct {
	Name string            `yaml:"name" json:"name"`
	Args map[string]string `yaml:"args,omitempty" json:"args,omitempty"`
}

func (g *GoStep) UnmarshalYAML(v *yaml.Node) error {
	if v.Kind == yaml.ScalarNode {
		g.Name = v.Value
		return nil
	}
	type plain GoStep
	return v.Decode((*plain)(g))
}

// FailStep ends the run with an outcome, for states a branch recognises.
type FailStep struct {
	Outcome string `yaml:"outcome" json:"outcome"`
	Detail  string `yaml:"detail,omitempty" json:"detail,omitempty"`
}

// Duration is a time.Duration written as "30s", "2m".
type Duration time.Duration

func (d *Duration) UnmarshalYAML(v *yaml.Node) error {
	x, err := time.ParseDuration(strings.TrimSpace(v.Value))
	if err != nil {
		return fmt.Errorf("line %d: bad duration %q (want e.g. 30s, 2m)", v.Line, v.Value)
	}
	if x <= 0 {
		return fmt.Errorf("line %d: duration %q must be positive", v.Line, v.Value)
	}
	*d = Duration(x)
	return nil
}

func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// Family names the sign-in the script uses: the login fragment it uses
// (login/amazon gives "amazon"), so portals of one family can share one
// login; a script that signs in by itself is its own family.
func (s *Script) Family() string {
	for _, u := range s.Uses {
		if f, ok := strings.CutPrefix(u.Name, "login/"); ok {
			return f
		}
	}
	return s.ID
}

// UsesOTP reports whether the script types an authenticator code anywhere.
func (s *Script) UsesOTP() bool {
	found := false
	walkSteps(s.Login, func(st *Step) {
		if st.Type != nil && templateUses(st.Type.Value, "otp") {
			found = true
		}
	})
	return found
}

// walkSteps calls f for every step, depth first, including nested ones.
func walkSteps(steps []Step, f func(*Step)) {
	for i := range steps {
		st := &steps[i]
		f(st)
		walkSteps(st.Then, f)
		walkSteps(st.Else, f)
		if st.ForEach != nil {
			walkSteps(st.ForEach.Do, f)
		}
		if st.Frame != nil {
			walkSteps(st.Frame.Do, f)
		}
		if st.Popup != nil {
			walkSteps(st.Popup.Do, f)
		}
		if st.Paginate != nil {
			walkSteps(st.Paginate.Do, f)
		}
	}
}

// GoSteps lists the names of the Go steps a script calls.
func GoSteps(s *Script) []string {
	var names []string
	walkAll(s, func(st *Step) {
		if st.Go != nil && !slices.Contains(names, st.Go.Name) {
			names = append(names, st.Go.Name)
		}
	})
	return names
}

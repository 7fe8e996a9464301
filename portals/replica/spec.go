package replica

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"time"
)

// spec describes one portal: the URLs, form fields and texts that make the
// shared login/2FA/billing machinery look like that portal. Each portal's
// file holds only its spec.
type spec struct {
	ID, Name string
	Lang     string // "de" formats dates and amounts the German way
	Currency string
	Color    string // header colour, so a screenshot shows which replica it is

	// Cookies: the session cookie's name and, for portals that log in on one
	// host and show the account on another, the parent domain.
	SessionCookie string
	DeviceCookie  string
	CookieDomain  string

	Login   loginSpec
	Picker  *pickerSpec // method picker before the code page, where the portal has one
	TwoFA   twoFASpec
	Billing billingSpec
	// Settings is the 2FA settings page that shows the key as a QR code.
	Settings string
	// Terms is where updated terms wait for acceptance (mode Terms).
	Terms string

	InvoiceIDPrefix     string
	InvoiceNumberPrefix string

	Text texts

	// Pages, when set, registers the portal's own pages (its markup, ids,
	// texts and flow as public sources show them) in place of the shared
	// template. The spec's Login.URL, Billing.URL, Settings and Terms still
	// name where the shared backend sends a browser (to log in, after
	// login, to show the key, to accept terms).
	Pages func(p *Portal, rs *Routes)
	// DemoToken, when set, is the demo user's SafeNet MobilePASS token
	// string instead of a TOTP key, for portals whose second factor is
	// MobilePASS.
	DemoToken string
	// Mint, when set, makes an invoice's id and number in the portal's own
	// format from a stable hash and the portal's invoice counter.
	Mint func(sum []byte, seq int) (id, number string)
	// MintDated, when set, makes an invoice's id and number from its date
	// instead, for documents named after their period (a monthly
	// statement).
	MintDated func(date time.Time) (id, number string)
	// Hosts are further host names the portal's own pages use (an API or
	// invoice host), beyond those of the URLs above.
	Hosts []string
	// Family names the sign-in this portal shares with others (the
	// login/NAME fragment of its script, registered with registerFamily).
	// The portals of a family share one account per address, the sessions
	// of the sign-in and the browsers it trusts; the family's sign-in pages
	// are served once, on the family's hosts.
	Family string
	// Of, when set, names the replica that serves this portal: a product
	// on the same site and sign-in as another (PayPal's monthly summary on
	// PayPal's pages) shares its pages, users, sessions and documents
	// rather than claiming the same hosts twice.
	Of string
	// With names replicas that must run alongside this one: a product
	// whose sign-in another replica serves (Bitbucket on Atlassian's
	// id.atlassian.com).
	With []string
	// Refuse, when set, may answer a request in a portal-wide mode (a
	// challenge or block page of the bot protection in front of the whole
	// portal) with the portal's own page instead of the shared error page;
	// it reports whether it answered.
	Refuse func(w http.ResponseWriter, r *http.Request, m Mode) bool
}

// issuer is the name an authenticator app shows for the portal's keys: the
// family's for a shared sign-in (one key for every product).
func (sp *spec) issuer() string {
	if f, ok := families[sp.Family]; ok {
		return f.Issuer
	}
	return sp.Name
}

// familySpec is a sign-in shared by several portals.
type familySpec struct {
	Name string
	// Issuer is the name of the family's keys in an authenticator app.
	Issuer string
	// Hosts are the sign-in's own hosts, served once for the family; the
	// portals' own hosts stay theirs.
	Hosts []string
	// Pages registers the sign-in's pages; f.portalFor tells which of the
	// family's portals a request is for (its misbehaviour and counters).
	Pages func(f *family, rs *Routes)
}

var families = map[string]*familySpec{}

func registerFamily(fs *familySpec) {
	if _, dup := families[fs.Name]; dup {
		panic("replica: duplicate family " + fs.Name)
	}
	families[fs.Name] = fs
}

type field struct{ Name, ID, Label string }

type button struct{ ID, Label string }

type loginSpec struct {
	URL string
	// PasswordURL, when set, makes login two steps: the e-mail form posts to
	// URL and the password form to PasswordURL.
	PasswordURL string
	Heading     string
	Email       field
	Password    field
	Remember    field // "keep me signed in"; empty Name: none
	Next        button
	Submit      button
}

type pickerSpec struct {
	URL     string
	Heading string
	Name    string // radio group name
	// IDPrefix starts each option's id, followed by its value; default
	// "method-".
	IDPrefix string
	App      string // value of the authenticator-app option
	Others   []string
	Submit   button
}

type twoFASpec struct {
	URL      string
	Heading  string
	Hint     string
	Code     field
	Remember field // "remember this device"; empty Name: none
	Submit   button
}

type listStyle int

const (
	// linkTable: an HTML table with a download link per row.
	linkTable listStyle = iota
	// jsonAPI: the page fills its table from an internal JSON API.
	jsonAPI
	// buttonDownload: each row has a button that posts a form whose answer
	// is the PDF.
	buttonDownload
	// printPage: each row links to an HTML invoice page meant to be printed.
	printPage
)

// Kind names the list style for the page templates.
func (s listStyle) Kind() string {
	switch s {
	case jsonAPI:
		return "api"
	case buttonDownload:
		return "buttons"
	case printPage:
		return "print"
	case linkTable:
		return "links"
	}
	return "unknown"
}

type billingSpec struct {
	URL      string
	Heading  string
	Style    listStyle
	API      string // jsonAPI: the endpoint the page fetches
	Document string // URL pattern of one document, with {id} as a whole path segment
	TableID  string
}

type texts struct {
	BadPassword string
	UnknownUser string
	BadCode     string
	Captcha     string
	Push        string
	NewDevice   string
	Terms       string
}

var registry = map[string]*spec{}

func register(sp *spec) {
	if _, dup := registry[sp.ID]; dup {
		panic("replica: duplicate portal " + sp.ID)
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&sp.Text.BadPassword, "Your password is incorrect.")
	def(&sp.Text.UnknownUser, "We cannot find an account with that e-mail address.")
	def(&sp.Text.BadCode, "The code you entered is not valid.")
	def(&sp.Text.Captcha, "Please solve this puzzle so we know you are a real person.")
	def(&sp.Text.Push, "We sent a notification to your phone. Approve it to continue.")
	def(&sp.Text.NewDevice, "We don't recognise this device. We sent a verification code to your e-mail address.")
	def(&sp.Text.Terms, "We have updated our Terms of Service. Please review and accept them to continue.")
	def(&sp.DeviceCookie, "trusted_device")
	if sp.Picker != nil {
		def(&sp.Picker.IDPrefix, "method-")
	}
	def(&sp.Currency, "USD")
	def(&sp.Color, "#333")
	registry[sp.ID] = sp
}

func specByID(id string) (*spec, bool) {
	sp, ok := registry[id]
	return sp, ok
}

// IDs lists every replica id, sorted.
func IDs() []string {
	ids := make([]string, 0, len(registry))
	for id := range registry {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// hosts returns every host name the portal's URLs use.
func (sp *spec) hosts() []string {
	var hs []string
	for _, raw := range sp.urls() {
		if u, err := url.Parse(raw); err == nil && u.Host != "" && !slices.Contains(hs, u.Host) {
			hs = append(hs, u.Host)
		}
	}
	return hs
}

func (sp *spec) urls() []string {
	us := []string{sp.Login.URL, sp.Login.PasswordURL, sp.TwoFA.URL, sp.Billing.URL,
		sp.Billing.API, sp.Billing.Document, sp.Settings, sp.Terms}
	if sp.Picker != nil {
		us = append(us, sp.Picker.URL)
	}
	for _, h := range sp.Hosts {
		us = append(us, "https://"+h+"/")
	}
	return slices.DeleteFunc(us, func(s string) bool { return s == "" })
}

// redesigned returns the spec as the portal looks after a redesign: every id
// and form field name changed, so scripts that rely on them stop finding
// their elements.
func (sp *spec) redesigned() *spec {
	c := *sp
	f := func(x field) field {
		if x.Name != "" {
			x.Name = "v2-" + x.Name
		}
		if x.ID != "" {
			x.ID = "v2-" + x.ID
		}
		return x
	}
	b := func(x button) button {
		if x.ID != "" {
			x.ID = "v2-" + x.ID
		}
		return x
	}
	c.Login.Email, c.Login.Password, c.Login.Remember = f(c.Login.Email), f(c.Login.Password), f(c.Login.Remember)
	c.Login.Next, c.Login.Submit = b(c.Login.Next), b(c.Login.Submit)
	if c.Picker != nil {
		p := *c.Picker
		p.Name = "v2-" + p.Name
		p.IDPrefix = "v2-" + p.IDPrefix
		p.Submit = b(p.Submit)
		c.Picker = &p
	}
	c.TwoFA.Code, c.TwoFA.Remember, c.TwoFA.Submit = f(c.TwoFA.Code), f(c.TwoFA.Remember), b(c.TwoFA.Submit)
	c.Billing.TableID = "v2-" + c.Billing.TableID
	return &c
}

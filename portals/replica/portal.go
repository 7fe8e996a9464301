package replica

import (
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twofetch/twofetch/otpauth"
)

// Demo account present on every replica.
const (
	DemoEmail    = "demo@example.com"
	DemoPassword = "demo-password"
)

// Mode makes a replica misbehave the way its real portal sometimes does.
// Modes combine; zero is a well-behaved portal.
type Mode uint

const (
	// RejectPassword refuses every password, even the right one.
	RejectPassword Mode = 1 << iota
	// RejectCode refuses every authenticator code.
	RejectCode
	// Captcha answers the password step with a captcha challenge.
	Captcha
	// PushOnly offers only approval on a phone at the 2FA step.
	PushOnly
	// NewDevice asks for a code sent by e-mail before going on.
	NewDevice
	// Terms puts updated terms to accept between login and the account.
	Terms
	// ChangedLayout renames the ids and names of every form field, button
	// and table, as a redesign would.
	ChangedLayout
	// Down answers every request with 503.
	Down
	// RateLimited answers every request with 429 and a Retry-After.
	RateLimited
	// Blocked answers every request with 403, as bot protection does.
	Blocked
	// RefuseBrowser makes a sign-in refuse the browser itself as automated
	// or insecure, with its own page (Google's "This browser or app may
	// not be secure"), the same to every attempt.
	RefuseBrowser
)

// Invoice is one document a replica offers for download.
type Invoice struct {
	ID       string // portal's own id, stable across runs
	Number   string
	Date     time.Time
	Amount   int64 // minor units
	Currency string
}

// Stats counts what a replica saw, so tests can tell a run that skipped
// login or downloads from one that did them.
type Stats struct {
	PasswordLogins int // accepted passwords
	CodesAccepted  int
	CodesRefused   int
	Downloads      int
}

type user struct {
	email, password string
	key             *otpauth.Key
	usedSteps       map[uint64]bool
}

type stage int

const (
	stage2FA stage = iota + 1
	stageNewDevice
	stageTerms
	stageIn
)

type session struct {
	user  *user
	stage stage
}

// Portal is one replica: its description plus the mutable state tests drive.
type Portal struct {
	spec *spec
	now  func() time.Time

	// mu guards the fields below; the portals of one family share it,
	// with the accounts, sessions and trusted devices it guards.
	mu       *sync.Mutex
	mode     Mode
	delay    time.Duration
	users    map[string]*user
	sessions map[string]*session
	devices  map[string]*user // trusted-device tokens
	invoices map[*user][]*Invoice
	seq      int
	stats    Stats
}

// identity is what the portals of a family share: one account per address,
// the sessions of their one sign-in and the browsers it trusts.
type identity struct {
	mu       sync.Mutex
	users    map[string]*user
	sessions map[string]*session
	devices  map[string]*user
}

func newIdentity() *identity {
	return &identity{users: map[string]*user{}, sessions: map[string]*session{}, devices: map[string]*user{}}
}

// newPortal makes a portal on its own identity, or on the family's shared
// one (id non-nil).
func newPortal(sp *spec, now func() time.Time, id *identity) *Portal {
	if id == nil {
		id = newIdentity()
	}
	p := &Portal{
		spec:     sp,
		now:      now,
		mu:       &id.mu,
		users:    id.users,
		sessions: id.sessions,
		devices:  id.devices,
		invoices: map[*user][]*Invoice{},
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	demo := p.users[strings.ToLower(DemoEmail)]
	if demo == nil {
		demo = p.addUser(DemoEmail, DemoPassword, demoKey(sp))
	}
	for range 3 {
		p.addInvoice(demo)
	}
	return p
}

// ID returns the portal id (the script's id).
func (p *Portal) ID() string { return p.spec.ID }

// Name returns the portal's display name.
func (p *Portal) Name() string { return p.spec.Name }

// SetMode replaces the portal's misbehaviour; SetMode(0) restores normal
// behaviour.
func (p *Portal) SetMode(m Mode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = m
}

// SetDelay makes every page of the portal answer after d, like an overloaded
// portal.
func (p *Portal) SetDelay(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delay = d
}

// ExpireSessions logs every browser out, as a portal does when its sessions
// time out (for a family, out of the shared sign-in and so of every
// product); trusted devices stay trusted.
func (p *Portal) ExpireSessions() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.sessions)
}

// Stats returns the counters since start.
func (p *Portal) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// AddUser creates an account with a fresh authenticator key and three
// invoices, and returns the key. Tests use their own users so that their
// logins never compete for the same time step.
//
// In a family (one sign-in for several products) the account is the
// family's: adding an address that another product of the family already
// has, with the same password, gives that account this product and its
// three invoices, and returns the account's key.
func (p *Portal) AddUser(email, password string) (*otpauth.Key, error) {
	secret := make([]byte, 20)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	k := &otpauth.Key{Type: otpauth.TOTP, Issuer: p.spec.issuer(), Account: email,
		Secret: secret, Algorithm: otpauth.SHA1, Digits: 6, Period: 30}
	p.mu.Lock()
	defer p.mu.Unlock()
	u, ok := p.users[strings.ToLower(email)]
	switch {
	case !ok:
		u = p.addUser(email, password, k)
	case p.spec.Family == "" || u.password != password:
		return nil, fmt.Errorf("replica %s: user %s exists", p.spec.ID, email)
	case len(p.invoices[u]) > 0:
		return nil, fmt.Errorf("replica %s: user %s already has this product", p.spec.ID, email)
	}
	for range 3 {
		p.addInvoice(u)
	}
	kc := *u.key
	return &kc, nil
}

// AddInvoice issues the next invoice to the user, dated today.
func (p *Portal) AddInvoice(email string) (Invoice, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	u, ok := p.users[strings.ToLower(email)]
	if !ok || len(p.invoices[u]) == 0 {
		return Invoice{}, fmt.Errorf("replica %s: no user %s", p.spec.ID, email)
	}
	inv := p.addInvoice(u)
	inv.Date = p.now().UTC().Truncate(24 * time.Hour)
	if p.spec.MintDated != nil {
		inv.ID, inv.Number = p.spec.MintDated(inv.Date)
	}
	return *inv, nil
}

// Invoices returns the user's invoices, newest first.
func (p *Portal) Invoices(email string) []Invoice {
	p.mu.Lock()
	defer p.mu.Unlock()
	u, ok := p.users[strings.ToLower(email)]
	if !ok {
		return nil
	}
	out := make([]Invoice, 0, len(p.invoices[u]))
	for _, inv := range slices.Backward(p.invoices[u]) {
		out = append(out, *inv)
	}
	return out
}

func (p *Portal) addUser(email, password string, k *otpauth.Key) *user {
	u := &user{email: email, password: password, key: k, usedSteps: map[uint64]bool{}}
	p.users[strings.ToLower(email)] = u
	return u
}

// addInvoice gives u its next monthly invoice. Ids and numbers are derived
// from the portal and a counter so they look like the portal's own and stay
// the same from one server start to the next.
func (p *Portal) addInvoice(u *user) *Invoice {
	p.seq++
	n := len(p.invoices[u])
	first := time.Date(2026, time.August, 1, 0, 0, 0, 0, time.UTC)
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%s/%d", p.spec.ID, u.email, p.seq))
	id, number := p.spec.InvoiceIDPrefix+hex.EncodeToString(sum[:6]), fmt.Sprintf("%s%06d", p.spec.InvoiceNumberPrefix, 1000+p.seq)
	if p.spec.Mint != nil {
		id, number = p.spec.Mint(sum[:], p.seq)
	}
	inv := &Invoice{
		ID:       id,
		Number:   number,
		Date:     first.AddDate(0, n, 0),
		Amount:   int64(1200 + 731*((p.seq*7)%11)),
		Currency: p.spec.Currency,
	}
	if p.spec.MintDated != nil {
		inv.ID, inv.Number = p.spec.MintDated(inv.Date)
	}
	p.invoices[u] = append(p.invoices[u], inv)
	return inv
}

// checkCode verifies an authenticator code with one step of drift either
// way, and refuses a code whose step this user already spent, as portals
// that follow RFC 6238 section 5.2 do.
func (p *Portal) checkCode(u *user, code string) bool {
	if p.mode&RejectCode != 0 || u.key == nil {
		return false
	}
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	now := u.key.Step(p.now())
	for _, s := range []uint64{now - 1, now, now + 1} {
		want, err := u.key.Code(s)
		if err != nil || want != code {
			continue
		}
		if u.usedSteps[s] {
			return false
		}
		u.usedSteps[s] = true
		for old := range u.usedSteps {
			if old+2 < now {
				delete(u.usedSteps, old)
			}
		}
		return true
	}
	return false
}

// demoKey is the demo user's fixed key: derived from the portal id so that
// an enrolled demo account keeps working across server starts.
func demoKey(sp *spec) *otpauth.Key {
	if sp.DemoToken != "" {
		k, err := otpauth.MobilePassKey(sp.DemoToken, "")
		if err != nil {
			panic("replica " + sp.ID + ": demo token: " + err.Error())
		}
		return k
	}
	// A family's portals share the demo account, so its key follows the
	// family.
	sum := sha256.Sum256([]byte("twofetch replica demo key/" + cmp.Or(sp.Family, sp.ID)))
	return &otpauth.Key{Type: otpauth.TOTP, Issuer: sp.issuer(), Account: DemoEmail,
		Secret: sum[:20], Algorithm: otpauth.SHA1, Digits: 6, Period: 30}
}

// DemoKey returns the otpauth URI of demo@example.com's authenticator key on
// the replica id (for MobilePASS portals, its token string), or "" for an
// unknown id.
func DemoKey(id string) string {
	sp, ok := specByID(id)
	if !ok {
		return ""
	}
	if sp.Of != "" {
		return DemoKey(sp.Of)
	}
	if sp.DemoToken != "" {
		return sp.DemoToken
	}
	return keyURI(demoKey(sp))
}

// DemoFields returns the credentials beyond username and password that the
// replica id's script asks for, as the replica knows them (Slack's
// workspace, Shopify's store, Facebook's ad account and business,
// ActiveCampaign's account), or nil.
func DemoFields(id string) map[string]string {
	switch id {
	case "slack":
		return map[string]string{"workspace": SlackWorkspace}
	case "facebook":
		return map[string]string{"ad_account_id": FacebookAdAccount, "business_id": FacebookBusiness}
	case "shopify":
		return map[string]string{"store": ShopifyStore}
	case "activecampaign":
		return map[string]string{"account": ActiveCampaignAccount}
	}
	return nil
}

func keyURI(k *otpauth.Key) string {
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(k.Secret)
	q := url.Values{}
	q.Set("secret", secret)
	q.Set("issuer", k.Issuer)
	q.Set("algorithm", string(k.Algorithm))
	q.Set("digits", fmt.Sprint(k.Digits))
	q.Set("period", fmt.Sprint(k.Period))
	label := url.PathEscape(k.Issuer) + ":" + url.PathEscape(k.Account)
	return "otpauth://totp/" + label + "?" + q.Encode()
}

// setupKey is the secret as portals print it under "can't scan?": base32 in
// groups of four.
func setupKey(k *otpauth.Key) string {
	s := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(k.Secret)
	var groups []string
	for len(s) > 4 {
		groups = append(groups, s[:4])
		s = s[4:]
	}
	return strings.Join(append(groups, s), " ")
}

func token() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// AddUserWithKey creates an account with the given authenticator key and
// three invoices: the same sign-in on portals the replica serves apart,
// as the stores of a family (Amazon.de and Amazon.fr) know one Amazon
// account.
func (p *Portal) AddUserWithKey(email, password string, k *otpauth.Key) error {
	kc := *k
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.users[strings.ToLower(email)]; ok {
		return fmt.Errorf("replica %s: user %s exists", p.spec.ID, email)
	}
	u := p.addUser(email, password, &kc)
	for range 3 {
		p.addInvoice(u)
	}
	return nil
}

package replica

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"html/template"
	"strings"
	"sync"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/twofetch/twofetch/otpauth"
)

// The replicas of the portals known from the source documents
// (portals/sources): FinanceCloud / smartMSC, IV Produkt Cloud, FinRust and
// Smart Workplace. Each serves its own pages as its document shows them;
// this file holds what they share beyond the common backend: whether a
// user's second factor is set up yet, MobilePASS counters, recovery codes
// and smartIDENT approval requests.
//
// The documents show pages as text, never their HTML, and none shows a
// page after sign-in or an error message. So in every one of these
// replicas the ids and names of fields are assumed, a refused password or
// code brings the same form back with its fields empty (no error text is
// invented), and the page after sign-in shows the portal's name only.

// seedState is the state a source-document replica keeps beyond users and
// sessions.
type seedState struct {
	mu sync.Mutex
	// setUp is false for users whose second factor is not set up yet:
	// their next login shows the set-up pages first.
	setUp map[*user]bool
	// next is the MobilePASS counter the portal expects next per user;
	// submitted lists the counter of every code submitted (-1 for a code
	// of no counter nearby), in order.
	next      map[*user]uint64
	submitted map[*user][]int64
	// recovery holds each user's recovery codes, shown once at set-up;
	// recoveryTried counts submissions of any of them.
	recovery      map[*user][]string
	recoveryTried int
	// approvals counts smartIDENT approval requests; polls the page's
	// checks for an approval, which never comes.
	approvals, polls int
}

var (
	seedMu     sync.Mutex
	seedStates = map[*Portal]*seedState{}
)

func seedOf(p *Portal) *seedState {
	seedMu.Lock()
	defer seedMu.Unlock()
	st := seedStates[p]
	if st == nil {
		st = &seedState{setUp: map[*user]bool{}, next: map[*user]uint64{},
			submitted: map[*user][]int64{}, recovery: map[*user][]string{}}
		seedStates[p] = st
	}
	return st
}

// needsSetUp reports whether u's second factor is still to be set up.
func (p *Portal) needsSetUp(u *user) bool {
	st := seedOf(p)
	st.mu.Lock()
	defer st.mu.Unlock()
	done, known := st.setUp[u]
	return known && !done
}

func (p *Portal) markSetUp(u *user, done bool) {
	st := seedOf(p)
	st.mu.Lock()
	st.setUp[u] = done
	st.mu.Unlock()
}

// DemoSetUpEmail is a second demo user, with DemoPassword, on the replicas
// of portals that set up the second factor at login (IV Produkt Cloud,
// FinRust): its second factor is not set up yet, so its next login shows
// the set-up pages with a fresh key, as a customer meets them.
const DemoSetUpEmail = "setup@example.com"

func (p *Portal) addUserToSetUp() {
	if _, err := p.AddUserToSetUp(DemoSetUpEmail, DemoPassword); err != nil {
		panic("replica " + p.spec.ID + ": " + err.Error())
	}
}

// AddUserToSetUp adds a user whose second factor is not set up yet, with
// the key the portal will show at set-up.
func (p *Portal) AddUserToSetUp(email, password string) (*otpauth.Key, error) {
	k, err := p.AddUser(email, password)
	if err != nil {
		return nil, err
	}
	p.markSetUp(p.lookup(email), false)
	return k, nil
}

// RecoveryCodes returns the recovery codes the portal showed the user at
// set-up, and how many times any user's recovery code was submitted since.
func (p *Portal) RecoveryCodes(email string) (codes []string, tried int) {
	u := p.lookup(email)
	st := seedOf(p)
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]string(nil), st.recovery[u]...), st.recoveryTried
}

// usedRecoveryCode counts a submitted value that is one of the portal's
// recovery codes.
func (p *Portal) usedRecoveryCode(value string) {
	v := strings.ToLower(strings.Join(strings.Fields(value), ""))
	st := seedOf(p)
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, codes := range st.recovery {
		for _, c := range codes {
			if strings.ReplaceAll(c, "-", "") == strings.ReplaceAll(v, "-", "") {
				st.recoveryTried++
				return
			}
		}
	}
}

// newRecoveryCodes gives u eight codes. Their number and form are not in
// the document (it only says a screen of recovery codes follows); these
// are assumed.
func (p *Portal) newRecoveryCodes(u *user) []string {
	codes := make([]string, 8)
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	for i := range codes {
		b := make([]byte, 5)
		_, _ = rand.Read(b)
		s := strings.ToLower(enc.EncodeToString(b))
		codes[i] = s[:4] + "-" + s[4:]
	}
	st := seedOf(p)
	st.mu.Lock()
	st.recovery[u] = codes
	st.mu.Unlock()
	return append([]string(nil), codes...)
}

// SmartIDENT returns how many approvals the replica asked for in the
// smartIDENT app, and how often pages checked whether one was given.
func (p *Portal) SmartIDENT() (approvals, polls int) {
	st := seedOf(p)
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.approvals, st.polls
}

// mobilePassLookAhead is how many counter values past the expected one the
// replica accepts, so codes shown but never typed do not lock a token out.
// The document does not give the real server's window; this is assumed.
const mobilePassLookAhead = 10

// checkMobilePass verifies a MobilePASS code: HOTP-SHA256 at a counter from
// the one expected to the look-ahead window, never one already used. It
// records the counter of every code submitted, accepted or not.
func (p *Portal) checkMobilePass(u *user, code string) bool {
	code = strings.TrimSpace(code)
	st := seedOf(p)
	st.mu.Lock()
	defer st.mu.Unlock()
	next := st.next[u]
	found := int64(-1)
	// A code of an earlier counter is looked for too, so a replayed code
	// is recorded as such.
	for c := uint64(0); c < next+mobilePassLookAhead+100; c++ {
		if want, err := u.key.Code(c); err == nil && want == code {
			found = int64(c)
			break
		}
	}
	st.submitted[u] = append(st.submitted[u], found)
	if found < 0 || uint64(found) < next || uint64(found) >= next+mobilePassLookAhead || p.currentMode()&RejectCode != 0 {
		return false
	}
	st.next[u] = uint64(found) + 1
	return true
}

// MobilePassCounters lists the counter of every code submitted for the
// user, in order (-1: no counter of the token gives that code).
func (p *Portal) MobilePassCounters(email string) []int64 {
	u := p.lookup(email)
	st := seedOf(p)
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]int64(nil), st.submitted[u]...)
}

// AddMobilePassUser adds a user with a fresh MobilePASS token and returns
// its self-enrolment token string (the activation code the app imports).
func (p *Portal) AddMobilePassUser(email, password string) (string, error) {
	entropy := make([]byte, 10)
	if _, err := rand.Read(entropy); err != nil {
		return "", err
	}
	code := mobilePassActivation(entropy)
	k, err := otpauth.MobilePassKey(code, "")
	if err != nil {
		return "", err
	}
	if _, err := p.AddUser(email, password); err != nil {
		return "", err
	}
	p.mu.Lock()
	p.users[strings.ToLower(email)].key = k
	p.mu.Unlock()
	return code, nil
}

// mobilePassActivation writes 80 bits of token entropy as a MobilePASS
// activation code: four groups of four base32 characters, each followed by
// its checksum character (the weighted sum of the group's characters
// modulo 32), the inverse of otpauth.MobilePassKey.
func mobilePassActivation(entropy []byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	data := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(entropy)
	var b strings.Builder
	for g := range 4 {
		if g > 0 {
			b.WriteByte('-')
		}
		sum := 0
		for j := range 4 {
			c := data[g*4+j]
			sum += int(c) * (1 + j)
			b.WriteByte(c)
		}
		b.WriteByte(alphabet[sum%32])
	}
	return b.String()
}

// demoMobilePass is the demo user's token string on a MobilePASS replica:
// derived from the portal id, so an enrolled demo account keeps working
// across server starts.
func demoMobilePass(id string) string {
	sum := sha256.Sum256([]byte("twofetch replica demo token/" + id))
	return mobilePassActivation(sum[:10])
}

// setUpQR is u's key as the set-up pages show it: a QR code drawn with
// whole pixels per module, so it stays sharp on screen and in photos
// whatever the length of the account name.
func (p *Portal) setUpQR(u *user) (template.URL, error) {
	p.mu.Lock()
	uri := keyURI(u.key)
	p.mu.Unlock()
	png, err := qrcode.Encode(uri, qrcode.Medium, -6)
	if err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)), nil
}

// signedInPage is what these replicas show after sign-in: the portal's
// name only, since no document shows that page.
const signedInPage = `{{define "content"}}<!-- The source document does not show the pages after sign-in. -->
<h1 class="signed-in">{{.Name}}</h1>{{end}}`

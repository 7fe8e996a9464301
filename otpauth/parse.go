package otpauth

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// maxTextBytes bounds the text Parse looks at; the largest QR code holds
// under 3 KB.
const maxTextBytes = 64 << 10

// Parse turns what a customer scanned or typed into authenticator keys:
// an otpauth://totp or otpauth://hotp URI, a steam:// URI, a Google
// Authenticator export (otpauth-migration://, several keys), a base32 setup
// key typed by hand, or a SafeNet MobilePASS activation code. A text of
// several lines that each hold a URI, as authenticator apps export them as
// plain text, gives the keys of every line. Every key returned has passed
// Validate. A text that is not a usable key gives a *RefusedError saying
// why, in words for the customer.
func Parse(text string) ([]*Key, error) {
	if len(text) > maxTextBytes {
		return nil, refused("too_long", "This text is far too long to be an authenticator code.")
	}
	s := strings.TrimSpace(strings.TrimPrefix(text, "\uFEFF"))
	if s == "" {
		return nil, refused("empty", "There is no text to read a key from.")
	}
	if lines := uriLines(s); lines != nil {
		var keys []*Key
		for i, line := range lines {
			k, err := parseOne(line)
			if err != nil {
				for _, k := range keys {
					k.Zero()
				}
				var re *RefusedError
				if errors.As(err, &re) {
					return nil, refusef(re.Code, "Line %d: %s", i+1, re.Reason)
				}
				return nil, err
			}
			keys = append(keys, k...)
		}
		return keys, nil
	}
	return parseOne(s)
}

// uriLines returns the non-empty lines of s when there are several and
// each starts with a URI scheme; otherwise nil.
func uriLines(s string) []string {
	if !strings.ContainsAny(s, "\r\n") {
		return nil
	}
	var lines []string
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if _, _, ok := splitScheme(line); !ok {
			return nil
		}
		lines = append(lines, line)
	}
	return lines
}

// parseOne parses a trimmed text that holds one code.
func parseOne(s string) ([]*Key, error) {
	scheme, rest, ok := splitScheme(s)
	switch scheme {
	case "otpauth", "otpauth-migration", "steam":
		// Control characters never belong in a URI, and a second URI run
		// into the first would end up in the first key's names.
		if strings.IndexFunc(s, unicode.IsControl) >= 0 || moreThanOneURI(s) {
			return nil, refused("garbled", "The text holds more than one code or is garbled; scan or paste one code at a time.")
		}
	}
	if !ok {
		if isMicrosoftText(strings.ToLower(s)) {
			return nil, refused("microsoft", reasonMicrosoft)
		}
		if looksLikeMobilePass(s) {
			k, err := MobilePassKey(s, "")
			if err != nil {
				return nil, err
			}
			return []*Key{k}, nil
		}
		return parseSetupKey(s)
	}
	switch scheme {
	case "otpauth":
		k, err := parseKeyURI(rest)
		if err != nil {
			return nil, err
		}
		return []*Key{k}, nil
	case "otpauth-migration":
		m, err := parseMigrationURI(rest)
		if err != nil {
			return nil, err
		}
		return m.Keys, nil
	case "steam":
		return parseSteam(rest)
	case "phonefactor", "msauth", "ms-authenticator":
		return nil, refused("microsoft", reasonMicrosoft)
	case "http", "https":
		return nil, refuseLink(rest)
	case "market", "itms-apps", "itms-appss", "appmarket":
		return nil, refused("app_store", reasonAppStore)
	}
	if isMicrosoftText(strings.ToLower(s)) {
		return nil, refused("microsoft", reasonMicrosoft)
	}
	return nil, refused("not_a_key", reasonNotKey)
}

// moreThanOneURI reports whether s holds a second otpauth scheme. Only the
// scheme with its colon counts: a secret or name may spell "otpauth", and
// colons inside a URI's names are escaped.
func moreThanOneURI(s string) bool {
	l := strings.ToLower(s)
	return strings.Count(l, "otpauth:")+strings.Count(l, "otpauth-migration:") > 1
}

const reasonAppStore = "This code is a link to an app in an app store, not a key. " +
	"In the portal, continue past the app download step until it shows the QR code for setting up an authenticator app, then take a photo of that code."

// splitScheme splits "scheme:rest" or "scheme://rest"; the scheme is
// lower-cased. Setup keys and activation codes never contain a colon.
func splitScheme(s string) (scheme, rest string, ok bool) {
	i := strings.IndexByte(s, ':')
	if i <= 0 {
		return "", "", false
	}
	for j := 0; j < i; j++ {
		c := s[j]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (j == 0 || !('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return "", "", false
		}
	}
	return strings.ToLower(s[:i]), strings.TrimPrefix(s[i+1:], "//"), true
}

var microsoftHosts = []string{
	"microsoftonline.com", "mysignins.microsoft.com", "aka.ms",
	"account.activedirectory.windowsazure.com", "mobileappcommunicator.auth.microsoft.com",
}

var appStoreHosts = []string{
	"apps.apple.com", "itunes.apple.com", "play.google.com", "appgallery.huawei.com",
	"apps.microsoft.com", "f-droid.org",
}

func isMicrosoftText(lower string) bool {
	if strings.Contains(lower, "phonefactor") {
		return true
	}
	for _, h := range microsoftHosts {
		if strings.HasPrefix(lower, h+"/") || lower == h || strings.Contains(lower, "."+h) {
			return true
		}
	}
	return false
}

func hostIs(host string, domains []string) bool {
	for _, d := range domains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// refuseLink explains why a web address is not a key; rest is what follows
// "https://".
func refuseLink(rest string) error {
	host := rest
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	host = strings.ToLower(host)
	switch {
	case hostIs(host, microsoftHosts):
		return refused("microsoft", reasonMicrosoft)
	case hostIs(host, appStoreHosts):
		return refused("app_store", reasonAppStore)
	}
	where := "a web page"
	if validHost(host) {
		where = "a web page on " + host
	}
	return refused("web_link", "This code is a link to "+where+", not an authenticator key. "+
		"In the portal, go on to the step that shows a QR code for an authenticator app and take a photo of that code.")
}

// validHost reports whether a host name is plain enough to repeat to the
// customer.
func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// query holds the raw (still escaped) parameters of a URI, first
// occurrence wins, names lower-cased.
type query map[string]string

func parseQuery(q string) query {
	if i := strings.IndexByte(q, '#'); i >= 0 {
		q = q[:i]
	}
	params := query{}
	for part := range strings.SplitSeq(q, "&") {
		name, value, _ := strings.Cut(part, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		// Setup pages that print the URI into HTML without unescaping it
		// turn "&" into "&amp;".
		name = strings.TrimPrefix(name, "amp;")
		if name == "" {
			continue
		}
		if _, dup := params[name]; !dup {
			params[name] = value
		}
	}
	return params
}

// get returns the unescaped value of a parameter; '+' is a space, as in
// HTML forms, which several generators use to build the URI.
func (q query) get(name string) string {
	v, ok := q[name]
	if !ok {
		return ""
	}
	if u, err := url.QueryUnescape(v); err == nil {
		return u
	}
	return strings.ReplaceAll(v, "+", " ")
}

// parseKeyURI parses what follows "otpauth://".
func parseKeyURI(rest string) (*Key, error) {
	head, rawQuery, _ := strings.Cut(rest, "?")
	typ, rawLabel, _ := strings.Cut(head, "/")
	q := parseQuery(rawQuery)

	k := &Key{Algorithm: SHA1, Digits: 6, Period: 30}
	encoder := strings.ToLower(strings.TrimSpace(q.get("encoder")))
	switch strings.ToLower(typ) {
	case "totp":
		k.Type = TOTP
		if encoder == "steam" {
			k.Type = Steam
		}
	case "hotp":
		k.Type = HOTP
		if encoder == "mobilepass" {
			k.Type = MobilePass
		}
	case "steam":
		// Aegis and other apps export Steam Guard keys this way.
		k.Type = Steam
	case "":
		return nil, refused("malformed", "The authenticator code does not say whether it is time-based or counter-based.")
	default:
		return nil, refused("unsupported_kind", "This authenticator code is of a kind that is not supported: only time-based (TOTP) and counter-based (HOTP) codes are.")
	}

	label := rawLabel
	if u, err := url.PathUnescape(rawLabel); err == nil {
		label = u
	}
	k.setNames(label, q.get("issuer"))

	if _, ok := q["algorithm"]; ok {
		a, err := parseAlgorithm(q.get("algorithm"))
		if err != nil {
			return nil, err
		}
		k.Algorithm = a
	}
	if _, ok := q["digits"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(q.get("digits")))
		if err != nil {
			return nil, refused("malformed", "The number of digits in the code is not a number.")
		}
		k.Digits = n
	}
	if _, ok := q["period"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(q.get("period")))
		if err != nil {
			return nil, refused("malformed", "The time period in the code is not a number of seconds.")
		}
		k.Period = n
	}
	switch k.Type {
	case HOTP, MobilePass:
		k.Period = 0
		if _, ok := q["counter"]; ok {
			n, err := strconv.ParseUint(strings.TrimSpace(q.get("counter")), 10, 64)
			if err != nil {
				return nil, refused("malformed", "The counter in the code is not a number.")
			}
			k.Counter = n
		}
		if k.Type == MobilePass {
			k.Algorithm = SHA256
		}
	case Steam:
		k.Algorithm, k.Digits, k.Period = SHA1, 5, 30
		if k.Issuer == "" {
			k.Issuer = "Steam"
		}
	}

	if _, ok := q["secret"]; !ok {
		return nil, refused("no_secret", reasonNoSecret)
	}
	secret, err := decodeSecret(q.get("secret"))
	if err != nil {
		return nil, err
	}
	k.Secret = secret
	if err := k.Validate(); err != nil {
		k.Zero()
		return nil, err
	}
	return k, nil
}

func parseAlgorithm(s string) (Algorithm, error) {
	a := strings.ToUpper(strings.TrimSpace(s))
	a = strings.Map(func(r rune) rune {
		if r == '-' || r == '_' {
			return -1
		}
		return r
	}, a)
	a = strings.TrimPrefix(a, "HMAC")
	switch a {
	case "", "SHA1":
		return SHA1, nil
	case "SHA256":
		return SHA256, nil
	case "SHA512":
		return SHA512, nil
	case "MD5":
		return "", refused("unsupported_algorithm", "The code asks for the MD5 algorithm, which is not supported; only SHA1, SHA256 and SHA512 are.")
	}
	return "", refused("unsupported_algorithm", "The code asks for an unknown algorithm; only SHA1, SHA256 and SHA512 are supported.")
}

// parseSteam parses what follows "steam://": the base32 shared secret.
func parseSteam(rest string) ([]*Key, error) {
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	rest = strings.TrimSuffix(rest, "/")
	// The Steam client's own links (steam://run/…, steam://connect/…)
	// share the scheme.
	if strings.Contains(rest, "/") {
		return nil, refused("web_link", "This is a link that opens the Steam app, not a Steam Guard key.")
	}
	if u, err := url.PathUnescape(rest); err == nil {
		rest = u
	}
	secret, err := decodeSecret(rest)
	if err != nil {
		return nil, err
	}
	k := &Key{Type: Steam, Issuer: "Steam", Secret: secret, Algorithm: SHA1, Digits: 5, Period: 30}
	if err := k.Validate(); err != nil {
		k.Zero()
		return nil, err
	}
	return []*Key{k}, nil
}

// parseSetupKey reads a base32 key typed by hand, such as
// "ajjb tz5c qxsw l4f2 uo77 uxyf fv54 wmb6". Such keys are always TOTP,
// SHA1, 6 digits, 30 seconds: portals that use anything else show a QR code.
func parseSetupKey(s string) ([]*Key, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '-' && c != '=' {
			return nil, refused("not_a_key", reasonNotKey)
		}
	}
	secret, err := decodeSecret(s)
	if err != nil {
		return nil, err
	}
	k := &Key{Type: TOTP, Secret: secret, Algorithm: SHA1, Digits: 6, Period: 30}
	if err := k.Validate(); err != nil {
		k.Zero()
		return nil, err
	}
	return []*Key{k}, nil
}

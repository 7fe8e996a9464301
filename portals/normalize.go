package portals

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Portals print dates and amounts the way their customers read them
// ("12 nov. 2026", "1.234,56 €", "$1,234.56"); invoices are stored with
// ISO 8601 dates and a decimal amount with an ISO 4217 currency. The
// locale (a BCP 47 tag such as de-DE) settles what the text alone cannot:
// whether 1.234 is a thousand or one, whether 03/04 is March or April.

// maxFieldLen caps what the parsers read; a printed date or amount is
// short, and a page that hands over a whole paragraph is not a field.
const maxFieldLen = 200

// localeInfo is what a locale says about numbers and numeric dates.
type localeInfo struct {
	decimalComma bool   // 1.234,56 rather than 1,234.56
	order        string // order of numeric dates: "dmy", "mdy" or "ymd"
	dollar       string // the currency "$" means
	krone        string // the currency "kr" means
	yen          string // the currency "¥" means
}

func lookupLocale(tag string) localeInfo {
	tag = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(tag)), "_", "-")
	lang, region, _ := strings.Cut(tag, "-")
	if i := strings.IndexByte(region, '-'); i >= 0 {
		region = region[:i]
	}
	li := localeInfo{order: "dmy", dollar: "USD", krone: "SEK", yen: "JPY"}
	switch lang {
	case "de", "fr", "es", "it", "nl", "pt", "da", "sv", "nb", "no", "nn", "fi", "pl", "cs", "sk", "ru", "uk", "tr", "ro", "hu", "el", "bg", "hr", "sl", "et", "lv", "lt", "id", "vi":
		li.decimalComma = true
	}
	switch lang {
	case "ja", "ko", "hu", "lt":
		li.order = "ymd"
	case "zh":
		li.order, li.yen = "ymd", "CNY"
	case "da":
		li.krone = "DKK"
	case "nb", "no", "nn":
		li.krone = "NOK"
	}
	switch region {
	case "us", "ph":
		li.order = "mdy"
	case "ch", "li":
		li.decimalComma = false // de-CH writes 1'234.50
	case "ca":
		li.dollar = "CAD"
		if lang == "en" {
			li.order = "ymd"
		}
	case "au":
		li.dollar = "AUD"
	case "nz":
		li.dollar = "NZD"
	case "sg":
		li.dollar = "SGD"
	case "hk":
		li.dollar = "HKD"
	case "mx":
		li.dollar = "MXN"
	case "dk":
		li.krone = "DKK"
	case "no":
		li.krone = "NOK"
	case "cn":
		li.yen = "CNY"
	}
	if lang == "en" && region == "" {
		li.order = "mdy"
	}
	return li
}

// currencySigns maps what pages print to ISO 4217 codes; "$", "kr" and "¥"
// depend on the locale.
var currencySigns = map[string]string{
	"€": "EUR", "£": "GBP", "₹": "INR", "₩": "KRW", "₺": "TRY", "₽": "RUB", "₴": "UAH", "₪": "ILS", "฿": "THB", "₫": "VND", "₱": "PHP",
	"zł": "PLN", "kč": "CZK", "ft": "HUF", "lei": "RON", "chf": "CHF", "fr": "CHF", "fr.": "CHF", "sfr": "CHF", "sfr.": "CHF",
	"us$": "USD", "u$s": "USD", "c$": "CAD", "ca$": "CAD", "a$": "AUD", "au$": "AUD", "nz$": "NZD", "s$": "SGD", "hk$": "HKD", "r$": "BRL", "mx$": "MXN",
}

// ParseAmount reads a printed amount such as "1.234,56 €", "$1,234.56",
// "EUR 12.50", "-12,00" or "(45.00)" and returns it as a decimal with a
// point and no grouping ("1234.56"), and the ISO 4217 code of the currency
// it names ("" when it names none).
func ParseAmount(s, locale string) (amount, currency string, err error) {
	if len(s) > maxFieldLen {
		return "", "", fmt.Errorf("amount %.20q… is too long", s)
	}
	li := lookupLocale(locale)
	orig := s
	s = norm.NFKC.String(s)
	neg := false
	if t := strings.TrimSpace(s); strings.HasPrefix(t, "(") && strings.HasSuffix(t, ")") {
		neg, s = true, t[1:len(t)-1]
	}
	// Split into a number and the letters and signs around it.
	var num, rest strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r == '.' || r == ',' || r == '\'' || r == '’':
			num.WriteRune(r)
		case r == '-' || r == '−' || r == '–':
			neg = true
		case r == '+':
		case unicode.IsSpace(r):
			if num.Len() > 0 {
				num.WriteRune(' ')
			}
			rest.WriteRune(' ')
		default:
			rest.WriteRune(r)
		}
	}
	currency, err = currencyOf(rest.String(), li)
	if err != nil {
		return "", "", fmt.Errorf("amount %q: %w", orig, err)
	}
	n := strings.TrimSpace(num.String())
	// Letters next to the sign (R$, US$) were read into the currency; dots
	// that belong to "Fr." or "kr." leave a stray separator behind.
	n = strings.Trim(n, ".,' ")
	if n == "" {
		return "", "", fmt.Errorf("amount %q has no number", orig)
	}
	intPart, frac, err := splitNumber(n, li)
	if err != nil {
		return "", "", fmt.Errorf("amount %q: %w", orig, err)
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	amount = intPart
	if frac != "" {
		amount += "." + frac
	}
	if neg && strings.Trim(amount, "0.") != "" {
		amount = "-" + amount
	}
	return amount, currency, nil
}

// splitNumber tells the decimal separator from grouping.
func splitNumber(n string, li localeInfo) (string, string, error) {
	groups := strings.FieldsFunc(n, func(r rune) bool { return r == ' ' || r == '\'' || r == '’' })
	n = strings.Join(groups, "")
	if len(groups) > 1 {
		for _, g := range groups[1:] {
			if len(g) < 3 {
				return "", "", errors.New("spaces inside the number do not group thousands")
			}
		}
	}
	lastDot, lastComma := strings.LastIndexByte(n, '.'), strings.LastIndexByte(n, ',')
	dec := byte(0)
	switch {
	case lastDot >= 0 && lastComma >= 0:
		dec = '.'
		if lastComma > lastDot {
			dec = ','
		}
	case lastDot >= 0 || lastComma >= 0:
		sep := byte('.')
		if lastComma >= 0 {
			sep = ','
		}
		after := len(n) - 1 - strings.LastIndexByte(n, sep)
		switch {
		case strings.Count(n, string(sep)) > 1:
			// 1.234.567 groups; a decimal separator appears once.
		case after != 3:
			dec = sep
		case (sep == ',') == li.decimalComma:
			// "1,234" in a decimal-comma locale: 1.234
			dec = sep
		}
	}
	intPart, frac := n, ""
	if dec != 0 {
		i := strings.LastIndexByte(n, dec)
		intPart, frac = n[:i], n[i+1:]
		if strings.ContainsAny(frac, ".,") {
			return "", "", errors.New("separators after the decimal separator")
		}
	}
	grp := strings.Split(strings.NewReplacer(".", ",").Replace(intPart), ",")
	for i, g := range grp {
		if g == "" || (i > 0 && len(g) != 3) || (i == 0 && len(grp) > 1 && len(g) > 3) {
			return "", "", errors.New("digits are not grouped by thousands")
		}
	}
	return strings.Join(grp, ""), frac, nil
}

func currencyOf(rest string, li localeInfo) (string, error) {
	var found []string
	add := func(c string) {
		for _, f := range found {
			if f == c {
				return
			}
		}
		found = append(found, c)
	}
	for _, w := range strings.Fields(rest) {
		lw := strings.ToLower(w)
		switch {
		case len(w) == 3 && isUpperASCII(w):
			add(w)
		case currencySigns[lw] != "":
			add(currencySigns[lw])
		case lw == "kr" || lw == "kr.":
			add(li.krone)
		default:
			// Signs written against each other or against letters: "US$",
			// "€EUR" is unusual, "$" alone common.
			for _, r := range lw {
				switch r {
				case '$':
					add(li.dollar)
				case '¥', '円', '元':
					add(li.yen)
				default:
					if c := currencySigns[string(r)]; c != "" {
						add(c)
					}
				}
			}
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("names several currencies (%s)", strings.Join(found, ", "))
}

func isUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// monthNames lists month names and their usual abbreviations in the
// languages of the portals' customers. Words are compared without accents.
var monthNames = [12][]string{
	{"january", "jan", "januar", "janvier", "janv", "enero", "ene", "gennaio", "gen", "januari", "janeiro", "jänner", "jaenner", "jän", "stycznia", "styczen", "tammikuuta"},
	{"february", "feb", "februar", "fevrier", "fev", "fevr", "febrero", "febbraio", "februari", "fevereiro", "fev", "lutego", "luty"},
	{"march", "mar", "marz", "maerz", "mars", "marzo", "maart", "mrt", "marco", "marca", "marzec"},
	{"april", "apr", "avril", "avr", "abril", "abr", "aprile", "kwietnia", "kwiecien"},
	{"may", "mai", "mayo", "maggio", "mag", "mei", "maio", "maja", "maj"},
	{"june", "jun", "juni", "juin", "junio", "giugno", "giu", "junho", "czerwca", "czerwiec"},
	{"july", "jul", "juli", "juillet", "juil", "julio", "luglio", "lug", "julho", "lipca", "lipiec"},
	{"august", "aug", "aout", "agosto", "ago", "augustus", "sierpnia", "sierpien"},
	{"september", "sep", "sept", "septembre", "septiembre", "settembre", "set", "setembro", "wrzesnia", "wrzesien"},
	{"october", "oct", "oktober", "okt", "octobre", "octubre", "ottobre", "ott", "outubro", "out", "pazdziernika", "pazdziernik"},
	{"november", "nov", "novembre", "noviembre", "novembro", "listopada", "listopad"},
	{"december", "dec", "dezember", "dez", "decembre", "diciembre", "dic", "dicembre", "dezembro", "grudnia", "grudzien"},
}

var monthByName = func() map[string]time.Month {
	m := map[string]time.Month{}
	for i, names := range monthNames {
		for _, n := range names {
			m[n] = time.Month(i + 1)
		}
	}
	return m
}()

// fold lower-cases a word and drops its accents: "févr." → "fevr".
func fold(w string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(w)) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		switch r {
		case 'ł':
			r = 'l'
		case 'ß':
			b.WriteString("ss")
			continue
		}
		b.WriteRune(r)
	}
	return strings.Trim(b.String(), ".,")
}

// ParseDate reads a printed date such as "12 nov. 2026", "12.11.2026",
// "Nov 12, 2026", "12. November 2026", "2026-11-12" or "11/12/2026" (in
// en-US) and returns it as YYYY-MM-DD. Weekday names and words such as
// "de" are ignored; a time of day after the date is dropped.
func ParseDate(s, locale string) (string, error) {
	if len(s) > maxFieldLen {
		return "", fmt.Errorf("date %.20q… is too long", s)
	}
	orig := s
	s = strings.TrimSpace(norm.NFKC.String(s))
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		if t, err := time.Parse(time.DateOnly, s[:10]); err == nil {
			return t.Format(time.DateOnly), nil
		}
	}
	li := lookupLocale(locale)
	// Tokens: runs of digits and runs of letters; the rest separates.
	var nums []string
	var month time.Month
	var tok strings.Builder
	var words []string
	flush := func() {
		if tok.Len() > 0 {
			words = append(words, tok.String())
			tok.Reset()
		}
	}
	prevDigit := false
	for _, r := range s {
		isDigit := r >= '0' && r <= '9'
		switch {
		case isDigit || unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			if tok.Len() > 0 && isDigit != prevDigit {
				flush()
			}
			tok.WriteRune(r)
			prevDigit = isDigit
		case r == ':':
			// A time of day: the date is complete before it.
			flush()
			if len(words) > 0 && isDigits(words[len(words)-1]) {
				words = words[:len(words)-1]
			}
			goto done
		default:
			flush()
		}
	}
	flush()
done:
	for _, w := range words {
		if isDigits(w) {
			nums = append(nums, w)
			continue
		}
		f := fold(w)
		switch f {
		case "st", "nd", "rd", "th", "er", "e", "o", "a":
			continue // ordinals: 1st, 1er, 1º
		}
		if m, ok := monthByName[f]; ok {
			if month != 0 && month != m {
				return "", fmt.Errorf("date %q names two months", orig)
			}
			month = m
		}
		// Other words (weekdays, "de", "of") carry no part of the date.
	}
	var y, m, d int
	atoi := func(x string) int { n, _ := strconv.Atoi(x); return n }
	switch {
	case month != 0 && len(nums) == 2:
		m = int(month)
		if len(nums[0]) == 4 {
			y, d = atoi(nums[0]), atoi(nums[1])
		} else {
			d, y = atoi(nums[0]), atoi(nums[1])
		}
	case month == 0 && len(nums) == 3:
		a, b, c := nums[0], nums[1], nums[2]
		switch {
		case len(a) == 4:
			y, m, d = atoi(a), atoi(b), atoi(c)
		case li.order == "mdy":
			m, d, y = atoi(a), atoi(b), atoi(c)
		case li.order == "ymd" && len(c) <= 2 && len(a) <= 2:
			y, m, d = atoi(a), atoi(b), atoi(c)
		default:
			d, m, y = atoi(a), atoi(b), atoi(c)
		}
		if len(c) != 4 && len(a) != 4 && len(c) != 2 {
			return "", fmt.Errorf("date %q has no year", orig)
		}
	default:
		return "", fmt.Errorf("date %q is not a date (want day, month and year)", orig)
	}
	if y < 100 {
		y += 2000
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if y < 1970 || y > 2200 || t.Day() != d || int(t.Month()) != m {
		return "", fmt.Errorf("date %q is not a valid day", orig)
	}
	return t.Format(time.DateOnly), nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

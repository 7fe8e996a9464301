package portals

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Identity is the "device" a portal sees for one login: chosen once, kept
// sealed, and the same on every run and every worker. The user agent and
// client hints follow the pinned browser, so they change for every login
// together when the browser is upgraded, and for no other reason.
type Identity struct {
	// Browser is the full version the user agent was made for, e.g.
	// 156.0.8078.114; a different running browser refreshes UserAgent.
	Browser   string `json:"browser"`
	UserAgent string `json:"user_agent"`
	// Languages are navigator.languages and, in this order, Accept-Language.
	Languages []string `json:"languages"`
	// TimeZone is an IANA name, the tenant's.
	TimeZone          string  `json:"time_zone"`
	ScreenWidth       int     `json:"screen_width"`
	ScreenHeight      int     `json:"screen_height"`
	WindowWidth       int     `json:"window_width"`
	WindowHeight      int     `json:"window_height"`
	DeviceScaleFactor float64 `json:"device_scale_factor"`
}

// IdentityHints is what a new identity is drawn from.
type IdentityHints struct {
	// Language is the tenant's language (de, en, fr…); Country the
	// portal's (DE, US…; "*" or empty when it serves everyone).
	Language, Country string
	// TimeZone is the tenant's IANA time zone; empty picks one from the
	// country or the language.
	TimeZone string
}

// desktopScreens are the most common desktop resolutions (StatCounter,
// desktop screen resolution stats, 2024–2025), weighted by share. The
// device scale factor of a Linux desktop at these sizes is 1.
var desktopScreens = []struct{ w, h, weight int }{
	{1920, 1080, 24}, {1536, 864, 11}, {1366, 768, 10}, {1440, 900, 6},
	{1280, 720, 5}, {2560, 1440, 5}, {1600, 900, 4}, {1680, 1050, 3}, {1280, 800, 3},
}

// panelHeights are the screen rows a desktop's panels take from a
// maximised window (none, GNOME's top bar, KDE's and Cinnamon's panels).
var panelHeights = []int{0, 32, 44, 40}

// regions is the usual region of a language when the portal's country
// does not say, and zones the time zone of a country when the tenant
// has none.
var (
	regions = map[string]string{"de": "DE", "en": "US", "fr": "FR", "es": "ES", "it": "IT", "nl": "NL",
		"pl": "PL", "pt": "PT", "sv": "SE", "da": "DK", "fi": "FI", "nb": "NO", "cs": "CZ", "at": "AT"}
	zones = map[string]string{"DE": "Europe/Berlin", "AT": "Europe/Vienna", "CH": "Europe/Zurich",
		"US": "America/New_York", "GB": "Europe/London", "FR": "Europe/Paris", "ES": "Europe/Madrid",
		"IT": "Europe/Rome", "NL": "Europe/Amsterdam", "PL": "Europe/Warsaw", "PT": "Europe/Lisbon",
		"SE": "Europe/Stockholm", "DK": "Europe/Copenhagen", "FI": "Europe/Helsinki", "NO": "Europe/Oslo",
		"CZ": "Europe/Prague", "IE": "Europe/Dublin", "BE": "Europe/Brussels", "CA": "America/Toronto",
		"AU": "Australia/Sydney", "SG": "Asia/Singapore", "IN": "Asia/Kolkata", "JP": "Asia/Tokyo"}
)

// NewIdentity draws an identity for a login from hints, for the browser
// whose user agent is browserUA (as Browser.getVersion reports it).
func NewIdentity(h IdentityHints, browserUA string) (*Identity, error) {
	lang := strings.ToLower(strings.TrimSpace(h.Language))
	if i := strings.IndexAny(lang, "-_"); i > 0 {
		lang = lang[:i]
	}
	if lang == "" {
		lang = "en"
	}
	country := strings.ToUpper(strings.TrimSpace(h.Country))
	if country == "" || country == "*" {
		country = regions[lang]
	}
	if country == "" {
		country = "US"
	}
	langs := []string{lang + "-" + country, lang}
	if lang != "en" {
		langs = append(langs, "en-US", "en")
	}
	tz := h.TimeZone
	if tz == "" {
		tz = zones[country]
	}
	if tz == "" {
		tz = "Europe/Berlin"
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return nil, fmt.Errorf("portals: identity time zone %q: %w", tz, err)
	}
	total := 0
	for _, s := range desktopScreens {
		total += s.weight
	}
	pick := randInt(total)
	scr := desktopScreens[0]
	for _, s := range desktopScreens {
		if pick < s.weight {
			scr = s
			break
		}
		pick -= s.weight
	}
	id := &Identity{
		Languages: langs, TimeZone: tz,
		ScreenWidth: scr.w, ScreenHeight: scr.h,
		WindowWidth: scr.w, WindowHeight: scr.h - panelHeights[randInt(len(panelHeights))],
		DeviceScaleFactor: 1,
	}
	id.setBrowser(browserUA)
	return id, nil
}

func randInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return int(v.Int64())
}

var headlessProduct = regexp.MustCompile(`HeadlessChrome/([0-9.]+)`)

// setBrowser makes the user agent the browser's own, minus the word
// "Headless": the same string the headed browser of that version sends.
func (id *Identity) setBrowser(browserUA string) {
	id.UserAgent = headlessProduct.ReplaceAllString(browserUA, "Chrome/$1")
	if m := regexp.MustCompile(`Chrome/([0-9.]+)`).FindStringSubmatch(id.UserAgent); m != nil {
		id.Browser = m[1]
	}
}

// Refresh follows a browser upgrade: the user agent of the browser that
// runs now. It reports whether anything changed, so the caller stores it.
func (id *Identity) Refresh(browserUA string) bool {
	before := id.UserAgent
	id.setBrowser(browserUA)
	return id.UserAgent != before
}

// Validate refuses a stored identity that could not have been drawn.
func (id *Identity) Validate() error {
	switch {
	case id.UserAgent == "" || strings.Contains(id.UserAgent, "Headless"):
		return fmt.Errorf("identity has user agent %q", id.UserAgent)
	case len(id.Languages) == 0:
		return fmt.Errorf("identity has no language")
	case id.ScreenWidth < 640 || id.ScreenHeight < 480 || id.WindowWidth <= 0 || id.WindowHeight <= 0 ||
		id.WindowWidth > id.ScreenWidth || id.WindowHeight > id.ScreenHeight:
		return fmt.Errorf("identity has screen %dx%d and window %dx%d", id.ScreenWidth, id.ScreenHeight, id.WindowWidth, id.WindowHeight)
	case id.DeviceScaleFactor < 1 || id.DeviceScaleFactor > 3:
		return fmt.Errorf("identity has device scale factor %v", id.DeviceScaleFactor)
	}
	if _, err := time.LoadLocation(id.TimeZone); err != nil {
		return fmt.Errorf("identity time zone: %w", err)
	}
	return nil
}

// ParseIdentity reads a stored identity.
func ParseIdentity(b []byte) (*Identity, error) {
	var id Identity
	if err := json.Unmarshal(b, &id); err != nil {
		return nil, fmt.Errorf("portals: stored identity: %w", err)
	}
	if err := id.Validate(); err != nil {
		return nil, fmt.Errorf("portals: stored identity: %w", err)
	}
	return &id, nil
}

// AcceptLanguage is the header value Chromium derives from Languages.
func (id *Identity) AcceptLanguage() string {
	var b strings.Builder
	for i, l := range id.Languages {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l)
		if i > 0 {
			q := 1 - 0.1*float64(i)
			if q < 0.1 {
				q = 0.1
			}
			b.WriteString(";q=" + strconv.FormatFloat(q, 'f', 1, 64))
		}
	}
	return b.String()
}

// flags are the command-line switches that give a browser process this
// identity. Launch switches reach every frame, worker and request of the
// process natively, where a per-page override would have to be repeated
// for each new target.
func (id *Identity) flags() map[string]string {
	return map[string]string{
		"user-agent":                id.UserAgent,
		"lang":                      id.Languages[0],
		"accept-lang":               strings.Join(id.Languages, ","),
		"window-size":               fmt.Sprintf("%d,%d", id.WindowWidth, id.WindowHeight),
		"screen-info":               fmt.Sprintf("{%dx%d devicePixelRatio=%s}", id.ScreenWidth, id.ScreenHeight, strconv.FormatFloat(id.DeviceScaleFactor, 'f', -1, 64)),
		"force-device-scale-factor": strconv.FormatFloat(id.DeviceScaleFactor, 'f', -1, 64),
	}
}

// env is the process environment of the identity: Chromium takes its time
// zone from TZ, for pages and workers alike.
func (id *Identity) env() []string { return []string{"TZ=" + id.TimeZone} }

// override applies the identity to one tab of a browser that other logins
// share (a remote browser), through DevTools overrides rather than page
// scripts: a patched getter is itself a mark.
func (id *Identity) override(ctx context.Context) error {
	if err := id.overrideUserAgent(ctx); err != nil {
		return err
	}
	if _, err := chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: id.Languages[0]}); err != nil {
		return err
	}
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: id.TimeZone}); err != nil {
		return err
	}
	_, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: int64(id.WindowWidth), Height: int64(id.WindowHeight) - 87, DeviceScaleFactor: id.DeviceScaleFactor,
		ScreenWidth: int64(id.ScreenWidth), ScreenHeight: int64(id.ScreenHeight),
	})
	return err
}

// overrideUserAgent sets the user agent with its client hints, as the
// headed browser of that version reports them on Linux.
func (id *Identity) overrideUserAgent(ctx context.Context) error {
	major, _, _ := strings.Cut(id.Browser, ".")
	brands := []*emulation.UserAgentBrandVersion{{Brand: "Not:A-Brand", Version: "8"}, {Brand: "Chromium", Version: major}}
	full := []*emulation.UserAgentBrandVersion{{Brand: "Not:A-Brand", Version: "8.0.0.0"}, {Brand: "Chromium", Version: id.Browser}}
	_, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
		UserAgent: id.UserAgent, AcceptLanguage: strings.Join(id.Languages, ","), Platform: "Linux x86_64",
		UserAgentMetadata: &emulation.UserAgentMetadata{
			Brands: brands, FullVersionList: full, Platform: "Linux", PlatformVersion: "",
			Architecture: "x86", Bitness: "64", Model: "", Mobile: false, FormFactors: []string{"Desktop"},
		},
	})
	return err
}

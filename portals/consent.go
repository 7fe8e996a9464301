package portals

import (
	"context"
	"encoding/json"
	"fmt"
)

// consentManager is the first layer of a consent manager's banner as the
// sources show it: the element that holds the banner and its buttons.
// Selectors may pierce a shadow root (>>>).
type consentManager struct {
	Name   string `json:"name"`
	Banner string `json:"banner"`
	Reject string `json:"reject"`
	Accept string `json:"accept"`
}

// consentManagers are the common consent managers in their real markup.
// Sources, read 2026-12-06:
//   - OneTrust: duckduckgo/autoconsent lib/cmps/onetrust.ts (#onetrust-banner-sdk,
//     #onetrust-accept-btn-handler); #onetrust-reject-all-handler from public
//     scrapers that reject OneTrust banners (code index).
//   - Cookiebot: duckduckgo/autoconsent lib/cmps/cookiebot.ts (#CybotCookiebotDialog,
//     #CybotCookiebotDialogBodyButtonDecline, #CybotCookiebotDialogBodyButtonAccept,
//     #CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll).
//   - Usercentrics: the banner lives in the open shadow root of #usercentrics-root;
//     button[data-testid="uc-deny-all-button"] and uc-accept-all-button (several
//     public scrapers and test suites in the code index).
//   - Didomi: #didomi-host, #didomi-notice-disagree-button, #didomi-notice-agree-button
//     (public scrapers in the code index; developers.didomi.io ids).
//   - TrustArc: #truste-consent-track, #truste-consent-required (reject) and
//     #truste-consent-button (accept) (public scrapers and consent tools in the
//     code index; duckduckgo/autoconsent lib/cmps/trustarc-top.ts).
var consentManagers = []consentManager{
	{"OneTrust", "#onetrust-banner-sdk", "#onetrust-reject-all-handler", "#onetrust-accept-btn-handler"},
	{"Cookiebot", "#CybotCookiebotDialog", "#CybotCookiebotDialogBodyButtonDecline", "#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll, #CybotCookiebotDialogBodyButtonAccept"},
	{"Usercentrics", "#usercentrics-root", `#usercentrics-root >>> button[data-testid="uc-deny-all-button"]`, `#usercentrics-root >>> button[data-testid="uc-accept-all-button"]`},
	{"Didomi", "#didomi-host", "#didomi-notice-disagree-button", "#didomi-notice-agree-button"},
	{"TrustArc", "#truste-consent-track", "#truste-consent-required", "#truste-consent-button"},
}

// consentFindJS returns the manager and button to click: the first
// manager whose button for the action is visible. Reject falls back to
// accept only when the banner offers no way to reject.
const consentFindJS = `((cmps, action) => {
	for (const c of cmps) {
		const want = action === 'accept' ? c.accept : c.reject;
		const btn = want.split(/\s*,\s*(?![^\[]*\])/).map(s => __q(document, s)).find(__vis);
		if (btn) return {name: c.name, sel: want.split(/\s*,\s*(?![^\[]*\])/).find(s => __vis(__q(document, s))), banner: c.banner};
	}
	if (action !== 'accept') {
		for (const c of cmps) {
			if (__vis(__q(document, c.banner)) && !__q(document, c.reject)) {
				const sel = c.accept.split(/\s*,\s*(?![^\[]*\])/).find(s => __vis(__q(document, s)));
				if (sel) return {name: c.name + ' (no reject button)', sel, banner: c.banner};
			}
		}
	}
	return null;
})`

// dismissConsent clicks the banner of a known consent manager if one is
// shown in the tab's page, and waits until it is gone. It returns the
// manager's name, "" when there was none.
func (rn *run) dismissConsent(ctx context.Context, action string) (string, error) {
	if action == "" {
		action = "reject"
	}
	cj, err := json.Marshal(consentManagers)
	if err != nil {
		return "", err
	}
	var found *struct{ Name, Sel, Banner string }
	// Banners belong to the page, not to an iframe the steps are in.
	frames := rn.frames
	rn.frames = nil
	defer func() { rn.frames = frames }()
	if err := rn.eval(ctx, wrapJS(fmt.Sprintf("%s(%s, %s)", consentFindJS, cj, jsString(action))), false, &found); err != nil || found == nil {
		if err != nil && isNavigationError(err) {
			err = nil
		}
		return "", err
	}
	if err := rn.clickScoped(ctx, found.Sel, "", -1); err != nil {
		return found.Name, err
	}
	// The button goes away with its banner (or the page reloads): only
	// then may the next click land on what was under it. A shadow host
	// may stay behind, empty, so the button is what is watched.
	gone := wrapJS(fmt.Sprintf("!__vis(__q(document, %s))", jsString(found.Sel)))
	return found.Name, rn.pollScope(ctx, gone)
}

// autoConsent dismisses a banner before an action when the script asks
// for it everywhere (consent: reject|accept); it never waits for one.
func (rn *run) autoConsent(ctx context.Context) error {
	if rn.s == nil || rn.s.Consent == "" {
		return nil
	}
	name, err := rn.dismissConsent(ctx, rn.s.Consent)
	if name != "" {
		rn.log.Debug("consent banner dismissed", "manager", name, "action", rn.s.Consent)
	}
	return err
}

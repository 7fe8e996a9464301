package enroll

import (
	"encoding/json"
	"strings"

	"github.com/twofetch/twofetch/sms"
	"github.com/twofetch/twofetch/web/catalog"
)

// text returns an enrolment text of the catalog in lang, formatted with
// args.
func text(lang, key string, args ...any) string {
	return catalog.Text(lang, "enroll."+key, args...)
}

// smsText names who asks (the tenant) and for what (the portal), so the
// link does not come from nowhere, and then where the portal shows the QR
// code on the computer: the script's menu path in lang, shortened in
// the middle as far as sms.MaxParts needs, or else the portal's word for
// its second step; nothing for a portal that only asks for approval in
// its app. A portal that hands over only a setup key gets the path to
// that key, and never a QR code on a computer. The texts are made plain
// (sms.Plain) so that the arrows of a path do not turn the message into
// UCS-2.
func smsText(lang, tenant, portal, link string, info PortalInfo) string {
	body := sms.Plain(text(lang, "sms", tenant, portal, link))
	if info.approvalOnly() {
		return body // no QR code to find
	}
	h := info.Help
	pathKey := "sms_path"
	if info.keyOnly() {
		pathKey = "sms_key_path"
	}
	fits := func(hint string) bool {
		parts, _ := sms.Parts(body + " " + hint)
		return parts <= sms.MaxParts
	}
	if h != nil {
		if path, ok := h.Path[lang]; ok {
			// Shortened in the middle: the first step says where to
			// start, the last ones what to click at the end.
			steps := strings.Split(sms.Plain(path), " > ")
			for drop := 0; drop == 0 || drop < len(steps)-1; drop++ {
				shown := strings.Join(steps, " > ")
				if drop > 0 {
					shown = steps[0] + " > ... > " + strings.Join(steps[1+drop:], " > ")
				}
				if hint := sms.Plain(text(lang, pathKey, portal, shown)); fits(hint) {
					return body + " " + hint
				}
			}
		}
	}
	if info.keyOnly() {
		// No "turn on …" here: a key-only portal may hand its key over
		// by e-mail, which the page explains at length.
		for _, hint := range []string{text(lang, "sms_key_setup", portal), text(lang, "sms_key_short")} {
			if hint = sms.Plain(hint); fits(hint) {
				return body + " " + hint
			}
		}
		return body
	}
	wording := "other"
	if h != nil && h.Wording != "" {
		wording = h.Wording
	}
	if hint := sms.Plain(text(lang, "sms_setup", portal, catalog.Wording(lang, wording))); fits(hint) {
		return body + " " + hint
	}
	return body
}

// reasonText explains a refused key in lang from its refusal code; the
// English reason of otpauth stands in for a code the catalog lacks.
func reasonText(lang, code, english string) string {
	if s, ok := catalog.Lookup(lang, "reason."+code); ok {
		return s
	}
	if s, ok := catalog.Lookup("en", "reason."+code); ok {
		return s
	}
	return english
}

// pluralForms is a count's text in every plural form of lang, as JSON
// for the page's script ({"one": "{n} second left", "other": …}).
func pluralForms(lang, key string) string {
	b, _ := json.Marshal(catalog.PluralTemplates(lang, "enroll."+key))
	return string(b)
}

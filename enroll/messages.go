package enroll

import (
	"encoding/json"

	"github.com/twofetch/twofetch/web/catalog"
)

// text returns an enrolment text of the catalog in lang, formatted with
// args.
func text(lang, key string, args ...any) string {
	return catalog.Text(lang, "enroll."+key, args...)
}

// smsText names who asks (the tenant) and for what (the portal), so the
// link does not come from nowhere.
func smsText(lang, tenant, portal, link string) string {
	return text(lang, "sms", tenant, portal, link)
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

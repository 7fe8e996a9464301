package portals

import "regexp"

// Templates are strings with {{NAME}} placeholders. The names username,
// password and otp come from the job; row.FIELD from the current loop row;
// any other name from a variable set by extract, js or set.
var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\s*\}\}`)

// Secret placeholder names: their values come from the vault and are never
// logged, never substituted outside a type step.
const (
	varUsername = "username"
	varPassword = "password"
	varOTP      = "otp"
	// varSince is the start of the job's date window, YYYY-MM-DD, or
	// empty when the job fetches everything.
	varSince = "since"
)

func isSecretName(name string) bool { return name == varPassword || name == varOTP }

// templateNames lists the placeholder names used in s, in order.
func templateNames(s string) []string {
	var names []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		names = append(names, m[1])
	}
	return names
}

func templateUses(s, name string) bool {
	for _, n := range templateNames(s) {
		if n == name {
			return true
		}
	}
	return false
}

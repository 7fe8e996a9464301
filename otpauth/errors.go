package otpauth

import "fmt"

// RefusedError says why a text is not a key twofetch can use. Reason is
// written for the customer who scanned or typed it and never contains the
// secret; Code names the reason for pages that speak other languages.
type RefusedError struct {
	// Code is one of RefusalCodes.
	Code   string
	Reason string
}

func (e *RefusedError) Error() string { return e.Reason }

// RefusalCodes are the values of RefusedError.Code.
var RefusalCodes = []string{
	"empty", "too_long", "garbled", "not_a_key", "web_link", "app_store", "microsoft",
	"no_secret", "short_secret", "long_secret", "not_base32", "digit_not_letter",
	"unsupported_kind", "unsupported_algorithm", "unsupported_digits", "unsupported_period",
	"unsupported_parameters", "malformed",
	"export_damaged", "export_empty", "export_too_large",
	"mobilepass_format", "mobilepass_characters", "mobilepass_checksum",
}

func refused(code, reason string) error { return &RefusedError{Code: code, Reason: reason} }

func refusef(code, format string, args ...any) error {
	return &RefusedError{Code: code, Reason: fmt.Sprintf(format, args...)}
}

// Reasons used in more than one place.
const (
	reasonMicrosoft = "This code only works in the Microsoft Authenticator app. " +
		"In the portal, choose to use a different authenticator app (Microsoft calls it \"I want to use a different authenticator app\"), then scan the new code it shows."
	reasonNoSecret    = "The code contains no secret key, so no login codes can be made from it."
	reasonShortSecret = "The secret key in this code is too short (less than 80 bits) to be a real authenticator key; check that it was copied completely."
	reasonNotBase32   = "The secret key in this code is not valid: setup keys only contain the letters A to Z and the digits 2 to 7."
	reasonNotKey      = "This is not an authenticator setup code or key."
)

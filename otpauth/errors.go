package otpauth

import "fmt"

// RefusedError says why a text is not a key twofetch can use. Reason is
// written for the customer who scanned or typed it and never contains the
// secret.
type RefusedError struct {
	Reason string
}

func (e *RefusedError) Error() string { return e.Reason }

func refused(reason string) error { return &RefusedError{Reason: reason} }

func refusef(format string, args ...any) error {
	return &RefusedError{Reason: fmt.Sprintf(format, args...)}
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

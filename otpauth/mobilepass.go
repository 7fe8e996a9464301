package otpauth

import "fmt"

// mobilePassCode generates a SafeNet MobilePASS code from the derived key.
func mobilePassCode(key []byte, c uint64, digits int) (string, error) {
	return "", fmt.Errorf("otpauth: MobilePASS codes are not supported")
}

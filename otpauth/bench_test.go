package otpauth

import (
	"testing"
	"time"
)

func BenchmarkParse(b *testing.B) {
	for name, text := range map[string]string{
		"uri":       "otpauth://totp/ACME%20Co:john@example.com?secret=AJJBTZ5CQXSWL4F2UO77UXYFFV54WMB6&issuer=ACME%20Co&algorithm=SHA256&digits=8&period=60",
		"migration": "otpauth-migration://offline?data=Ci0KEBfNhW48%2BTYHuJJjaGSVaDgSDHRlc3RAdGVzdC5kZRoFQXBwbGUgASgBMAIKLwoUULGGAD3E0ueYHAy7s69SLeV1tHISCXVzZXJAdGVzdBoGVG9rZW4yIAEoATACEAEYASAAKJbEnKb%2B%2F%2F%2F%2F%2FwE%3D",
		"setup-key": "ajjb tz5c qxsw l4f2 uo77 uxyf fv54 wmb6",
		"refused":   "https://apps.apple.com/app/google-authenticator/id388497605",
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				Parse(text)
			}
		})
	}
}

func BenchmarkCodeAt(b *testing.B) {
	for _, alg := range []Algorithm{SHA1, SHA256, SHA512} {
		k := &Key{Type: TOTP, Secret: []byte("12345678901234567890"), Algorithm: alg, Digits: 6, Period: 30}
		at := time.Unix(1_700_000_000, 0)
		b.Run(string(alg), func(b *testing.B) {
			for b.Loop() {
				if _, err := k.CodeAt(at); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

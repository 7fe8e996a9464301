package otpauth

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// Exports published in the test suites of other Google Authenticator
// importers, decoded here without any help from our encoder.
func TestMigrationPublishedExports(t *testing.T) {
	t.Run("two TOTP keys, negative batch id (2FAGuard)", func(t *testing.T) {
		m, err := ParseMigration("otpauth-migration://offline?data=Ci0KEBfNhW48%2BTYHuJJjaGSVaDgSDHRlc3RAdGVzdC5kZRoFQXBwbGUgASgBMAIKLwoUULGGAD3E0ueYHAy7s69SLeV1tHISCXVzZXJAdGVzdBoGVG9rZW4yIAEoATACEAEYASAAKJbEnKb%2B%2F%2F%2F%2F%2FwE%3D")
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Keys) != 2 || m.Version != 1 || m.BatchSize != 1 || m.BatchIndex != 0 || m.BatchID >= 0 {
			t.Fatalf("got %d keys, version %d, batch %d/%d id %d", len(m.Keys), m.Version, m.BatchIndex, m.BatchSize, m.BatchID)
		}
		want{TOTP, "Apple", "", "test@test.de", "C7GYK3R47E3APOESMNUGJFLIHA", SHA1, 6, 30, 0}.check(t, m.Keys[0])
		if m.Keys[1].Issuer != "Token2" || m.Keys[1].Account != "user@test" || len(m.Keys[1].Secret) != 20 {
			t.Errorf("second key %+v", m.Keys[1])
		}
	})
	t.Run("HOTP with counter, no issuer", func(t *testing.T) {
		keys, err := Parse("otpauth-migration://offline?data=CiUKEPqlBekzoNEukL7qlsjBCDYSCWhvdHAgZGVtbyABKAEwATgE")
		if err != nil {
			t.Fatal(err)
		}
		want{HOTP, "", "", "hotp demo", "7KSQL2JTUDIS5EF65KLMRQIIGY", SHA1, 6, 0, 4}.check(t, keys[0])
	})
}

// pbKey builds one OtpParameters message with the reference protobuf wire
// package, independent of our encoder.
func pbKey(secret []byte, name, issuer string, alg, digits, typ, counter uint64) []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendBytes(b, secret)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendString(b, name)
	b = protowire.AppendTag(b, 3, protowire.BytesType)
	b = protowire.AppendString(b, issuer)
	for _, f := range []struct {
		num protowire.Number
		v   uint64
	}{{4, alg}, {5, digits}, {6, typ}, {7, counter}} {
		b = protowire.AppendTag(b, f.num, protowire.VarintType)
		b = protowire.AppendVarint(b, f.v)
	}
	return b
}

func pbPayload(keys ...[]byte) []byte {
	var b []byte
	for _, k := range keys {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, k)
	}
	// An unknown field a later app version might add is skipped.
	b = protowire.AppendTag(b, 15, protowire.Fixed32Type)
	b = protowire.AppendFixed32(b, 7)
	return b
}

func migrationURI(payload []byte) string {
	return "otpauth-migration://offline?data=" + url.QueryEscape(base64.StdEncoding.EncodeToString(payload))
}

func TestMigrationDecode(t *testing.T) {
	secret := []byte("12345678901234567890")
	s := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	tests := []struct {
		name   string
		key    []byte
		want   want
		reason string
	}{
		{"TOTP defaults", pbKey(secret, "john", "ACME", 0, 0, 0, 0), want{TOTP, "ACME", "", "john", s, SHA1, 6, 30, 0}, ""},
		{"SHA256 8 digits", pbKey(secret, "john", "ACME", 2, 2, 2, 0), want{TOTP, "ACME", "", "john", s, SHA256, 8, 30, 0}, ""},
		{"SHA512", pbKey(secret, "john", "ACME", 3, 1, 2, 0), want{TOTP, "ACME", "", "john", s, SHA512, 6, 30, 0}, ""},
		{"HOTP", pbKey(secret, "john", "", 1, 1, 1, 99), want{HOTP, "", "", "john", s, SHA1, 6, 0, 99}, ""},
		{"issuer in the name", pbKey(secret, "ACME:john", "", 1, 1, 2, 0), want{TOTP, "ACME", "", "john", s, SHA1, 6, 30, 0}, ""},
		{"name repeats the issuer", pbKey(secret, "ACME:john", "ACME", 1, 1, 2, 0), want{TOTP, "ACME", "", "john", s, SHA1, 6, 30, 0}, ""},
		{"name has another issuer", pbKey(secret, "Old:john", "ACME", 1, 1, 2, 0), want{TOTP, "ACME", "Old", "john", s, SHA1, 6, 30, 0}, ""},
		{"MD5", pbKey(secret, "john", "ACME", 4, 1, 2, 0), want{}, "MD5"},
		{"unknown algorithm", pbKey(secret, "john", "ACME", 9, 1, 2, 0), want{}, "unknown algorithm"},
		{"unknown digits", pbKey(secret, "john", "ACME", 1, 3, 2, 0), want{}, "number of digits"},
		{"unknown type", pbKey(secret, "john", "ACME", 1, 1, 3, 0), want{}, "unknown kind"},
		{"short secret", pbKey(secret[:9], "john", "ACME", 1, 1, 2, 0), want{}, "80 bits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := Parse(migrationURI(pbPayload(tt.key)))
			if tt.reason != "" {
				var re *RefusedError
				if !errors.As(err, &re) || !strings.Contains(re.Reason, tt.reason) || !strings.Contains(re.Reason, "Key 1 of 1 in this export (ACME:john)") {
					t.Fatalf("Parse = %v, %v; want a refusal about %q naming the key", keys, err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.check(t, keys[0])
		})
	}
}

func TestMigrationRoundTrip(t *testing.T) {
	m := &Migration{
		Keys: []*Key{
			{Type: TOTP, Issuer: "ACME", Account: "john@example.com", Secret: []byte("12345678901234567890"), Algorithm: SHA1, Digits: 6, Period: 30},
			{Type: TOTP, Issuer: "Bänk", LabelIssuer: "Bank", Account: "ünïcode", Secret: bytes.Repeat([]byte{0xfb}, 64), Algorithm: SHA512, Digits: 8, Period: 30},
			{Type: HOTP, Account: "a:b", Secret: bytes.Repeat([]byte{0x3e}, 16), Algorithm: SHA256, Digits: 6, Counter: 1 << 40},
			{Type: TOTP, Issuer: "x:y", Account: "z", Secret: bytes.Repeat([]byte{0xff}, 10), Algorithm: SHA1, Digits: 6, Period: 30},
		},
		Version: 1, BatchSize: 3, BatchIndex: 2, BatchID: -123456,
	}
	uri, err := m.URI()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseMigration(uri)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || got.BatchSize != 3 || got.BatchIndex != 2 || got.BatchID != -123456 || len(got.Keys) != len(m.Keys) {
		t.Fatalf("got %+v", got)
	}
	for i := range m.Keys {
		if !sameKey(got.Keys[i], m.Keys[i]) {
			t.Errorf("key %d: got %+v, want %+v", i, got.Keys[i], m.Keys[i])
		}
	}

	// The same export as the other forms the data parameter arrives in.
	data := strings.TrimPrefix(uri, "otpauth-migration://offline?data=")
	raw, err := url.QueryUnescape(data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(raw, "+") || !strings.Contains(raw, "/") {
		t.Fatalf("test export %q lacks '+' or '/'; pick other secrets", raw)
	}
	for name, text := range map[string]string{
		"unescaped base64":          "otpauth-migration://offline?data=" + raw,
		"plus turned into a space":  "otpauth-migration://offline?data=" + strings.ReplaceAll(raw, "+", " "),
		"plus as %20":               "otpauth-migration://offline?data=" + strings.ReplaceAll(raw, "+", "%20"),
		"without padding":           "otpauth-migration://offline?data=" + strings.TrimRight(raw, "="),
		"URL-safe alphabet":         "otpauth-migration://offline?data=" + strings.NewReplacer("+", "-", "/", "_").Replace(raw),
		"upper-case scheme":         "OTPAUTH-MIGRATION://OFFLINE?data=" + data,
		"other parameters in front": "otpauth-migration://offline?v=1&data=" + data,
	} {
		t.Run(name, func(t *testing.T) {
			keys, err := Parse(text)
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != len(m.Keys) || !sameKey(keys[1], m.Keys[1]) {
				t.Errorf("keys differ from the export")
			}
		})
	}
}

func TestMigrationEncodeRefuses(t *testing.T) {
	for name, k := range map[string]*Key{
		"Steam":      {Type: Steam, Secret: make([]byte, 20), Algorithm: SHA1, Digits: 5, Period: 30},
		"60 seconds": {Type: TOTP, Secret: make([]byte, 20), Algorithm: SHA1, Digits: 6, Period: 60},
		"7 digits":   {Type: TOTP, Secret: make([]byte, 20), Algorithm: SHA1, Digits: 7, Period: 30},
	} {
		if _, err := (&Migration{Keys: []*Key{k}}).URI(); err == nil {
			t.Errorf("%s: exported a key Google Authenticator cannot hold", name)
		}
	}
}

func TestMigrationDamaged(t *testing.T) {
	good := pbPayload(pbKey([]byte("12345678901234567890"), "john", "ACME", 1, 1, 2, 0))
	tests := map[string]string{
		"not base64":       "otpauth-migration://offline?data=%%%",
		"truncated":        migrationURI(good[:len(good)-10]),
		"bad wire type":    migrationURI([]byte{0x0b, 0x01}),
		"field zero":       migrationURI([]byte{0x00, 0x01}),
		"varint overflow":  migrationURI(append([]byte{0x10}, bytes.Repeat([]byte{0xff}, 11)...)),
		"key as a varint":  migrationURI([]byte{0x08, 0x01}),
		"version as bytes": migrationURI(append(good, 0x12, 0x00)),
		"length too long":  migrationURI([]byte{0x0a, 0x7f, 0x01}),
		"no keys":          migrationURI([]byte{0x10, 0x01}),
		"too large":        "otpauth-migration://offline?data=" + strings.Repeat("A", 12000),
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			keys, err := Parse(text)
			var re *RefusedError
			if !errors.As(err, &re) {
				t.Fatalf("Parse = %v, %v; want a refusal", keys, err)
			}
		})
	}
}

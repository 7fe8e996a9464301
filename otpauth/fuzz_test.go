package otpauth

import (
	"bytes"
	"encoding/base32"
	"errors"
	"slices"
	"strings"
	"testing"
)

// The seed corpora live in testdata/fuzz/<FuzzName>: the quirk and refusal
// tables' texts plus what earlier fuzzing runs found interesting.

func refusal(t *testing.T, err error) {
	t.Helper()
	var re *RefusedError
	if !errors.As(err, &re) || re.Reason == "" {
		t.Fatalf("error %v (%T) is not a *RefusedError with a reason", err, err)
	}
	if !slices.Contains(RefusalCodes, re.Code) {
		t.Fatalf("refusal %q has code %q, which is not one of RefusalCodes", re.Reason, re.Code)
	}
}

func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		keys, err := Parse(text)
		if err != nil {
			refusal(t, err)
			if keys != nil {
				t.Fatal("keys returned with an error")
			}
			return
		}
		if len(keys) == 0 {
			t.Fatal("no keys and no error")
		}
		for _, k := range keys {
			if err := k.Validate(); err != nil {
				t.Fatalf("Parse returned an invalid key: %v", err)
			}
			if _, err := k.Code(1); err != nil {
				t.Fatalf("valid key cannot make a code: %v", err)
			}
			again, err := Parse(k.URI())
			if err != nil {
				t.Fatalf("Parse(URI()) = %v", err)
			}
			if len(again) != 1 || !sameKey(again[0], k) {
				t.Fatalf("Parse(URI()) = %+v, want %+v", again[0], k)
			}
		}
	})
}

func FuzzMigration(f *testing.F) {
	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) > maxMigrationBytes {
			return
		}
		m, err := decodeMigration(bytes.Clone(payload))
		if err != nil {
			refusal(t, err)
			return
		}
		for _, k := range m.Keys {
			if err := k.Validate(); err != nil {
				t.Fatalf("decoded an invalid key: %v", err)
			}
		}
		uri, err := m.URI()
		if err != nil {
			t.Fatalf("a decoded export does not encode: %v", err)
		}
		again, err := ParseMigration(uri)
		if err != nil {
			t.Fatalf("re-encoded export does not parse: %v", err)
		}
		if again.Version != m.Version || again.BatchSize != m.BatchSize || again.BatchIndex != m.BatchIndex ||
			again.BatchID != m.BatchID || len(again.Keys) != len(m.Keys) {
			t.Fatalf("round trip changed the export: %+v != %+v", again, m)
		}
		for i := range m.Keys {
			if !sameKey(again.Keys[i], m.Keys[i]) {
				t.Fatalf("key %d changed: %+v != %+v", i, again.Keys[i], m.Keys[i])
			}
		}
	})
}

func FuzzMigrationData(f *testing.F) {
	f.Fuzz(func(t *testing.T, data string) {
		b, err := decodeMigrationData(data)
		if err != nil {
			refusal(t, err)
			return
		}
		if len(b) > maxMigrationBytes {
			t.Fatalf("decoded %d bytes, over the cap", len(b))
		}
	})
}

func FuzzDecodeSecret(f *testing.F) {
	std := base32.StdEncoding.WithPadding(base32.NoPadding)
	f.Fuzz(func(t *testing.T, s string) {
		b, err := decodeSecret(s)
		if err != nil {
			refusal(t, err)
			return
		}
		if len(b) < minSecretBytes {
			t.Fatalf("accepted a %d-byte secret", len(b))
		}
		// Canonical encodings decode as the standard library does.
		norm := strings.TrimRight(strings.ToUpper(strings.NewReplacer(" ", "", "\t", "", "\n", "", "\r", "", "-", "").Replace(s)), "=")
		if n := len(norm) % 8; n == 0 || n == 2 || n == 4 || n == 5 || n == 7 {
			if ref, err := std.DecodeString(norm); err == nil && std.EncodeToString(ref) == norm && !bytes.Equal(ref, b) {
				t.Fatalf("decoded %x, encoding/base32 %x", b, ref)
			}
		}
		again, err := decodeSecret(encodeBase32(b))
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("re-encoded secret decodes to %x, %v", again, err)
		}
	})
}

func FuzzMobilePass(f *testing.F) {
	f.Fuzz(func(t *testing.T, code, policy string) {
		k, err := MobilePassKey(code, policy)
		if err != nil {
			refusal(t, err)
			return
		}
		if err := k.Validate(); err != nil {
			t.Fatal(err)
		}
		if c, err := k.Code(0); err != nil || len(c) != 6 {
			t.Fatalf("code %q, %v", c, err)
		}
	})
}

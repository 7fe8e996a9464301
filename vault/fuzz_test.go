package vault

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzParseSealed: stored values come back from a database that someone
// else may have written to. Parsing must never panic, and what parses must
// marshal back to the same bytes, so nothing is silently reinterpreted.
func FuzzParseSealed(f *testing.F) {
	f.Add([]byte{formatV1, 0, 1, 'k', 0, 1, 'w', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseSealed(b)
		if err != nil {
			return
		}
		if got := s.marshal(); !bytes.Equal(got, b) {
			t.Fatalf("marshal(parse(%x)) = %x", b, got)
		}
	})
}

// FuzzParseKeyring: the keyring file may be damaged or edited by hand. A
// keyring that parses must survive a write and a reread unchanged.
func FuzzParseKeyring(f *testing.F) {
	f.Add([]byte(`{"format":1,"active":1,"keys":[{"term":1,"key":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := parseKeyring(b)
		if err != nil {
			return
		}
		f := k.file()
		k2, err := parseKeyring(mustJSON(t, f))
		if err != nil {
			t.Fatalf("rewritten keyring does not parse: %v", err)
		}
		if a, b := k.KeyIDs(), k2.KeyIDs(); len(a) != len(b) || a[len(a)-1] != b[len(b)-1] {
			t.Fatalf("key ids changed across a rewrite: %v vs %v", a, b)
		}
	})
}

func mustJSON(t *testing.T, f *keyringFile) []byte {
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

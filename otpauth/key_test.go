package otpauth

import (
	"bytes"
	"encoding/base32"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	pqhotp "github.com/pquerna/otp/hotp"
	pqtotp "github.com/pquerna/otp/totp"
)

// RFC 4226 appendix D.
func TestRFC4226(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	k := &Key{Type: HOTP, Secret: []byte("12345678901234567890"), Algorithm: SHA1, Digits: 6}
	if err := k.Validate(); err != nil {
		t.Fatal(err)
	}
	for c, w := range want {
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			got, err := k.Code(uint64(c))
			if err != nil || got != w {
				t.Errorf("counter %d: got %q, %v; want %q", c, got, err, w)
			}
		})
	}
}

// RFC 6238 appendix B, with the seed lengths of the reference
// implementation for each hash.
func TestRFC6238(t *testing.T) {
	seeds := map[Algorithm][]byte{
		SHA1:   []byte("12345678901234567890"),
		SHA256: []byte("12345678901234567890123456789012"),
		SHA512: []byte("1234567890123456789012345678901234567890123456789012345678901234"),
	}
	tests := []struct {
		unix int64
		alg  Algorithm
		want string
	}{
		{59, SHA1, "94287082"}, {59, SHA256, "46119246"}, {59, SHA512, "90693936"},
		{1111111109, SHA1, "07081804"}, {1111111109, SHA256, "68084774"}, {1111111109, SHA512, "25091201"},
		{1111111111, SHA1, "14050471"}, {1111111111, SHA256, "67062674"}, {1111111111, SHA512, "99943326"},
		{1234567890, SHA1, "89005924"}, {1234567890, SHA256, "91819424"}, {1234567890, SHA512, "93441116"},
		{2000000000, SHA1, "69279037"}, {2000000000, SHA256, "90698825"}, {2000000000, SHA512, "38618901"},
		{20000000000, SHA1, "65353130"}, {20000000000, SHA256, "77737706"}, {20000000000, SHA512, "47863826"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.alg, tt.unix), func(t *testing.T) {
			k := &Key{Type: TOTP, Secret: seeds[tt.alg], Algorithm: tt.alg, Digits: 8, Period: 30}
			if err := k.Validate(); err != nil {
				t.Fatal(err)
			}
			got, err := k.CodeAt(time.Unix(tt.unix, 0))
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// Steam Guard codes recorded from the Steam mobile app with a throw-away
// account, as published in KeePassXC's test suite.
func TestSteamCode(t *testing.T) {
	keys, err := Parse("otpauth://totp/test:test@example.com?secret=63BEDWCQZKTQWPESARIERL5DTTQFCJTK&issuer=Valve&algorithm=SHA1&digits=5&period=30&encoder=steam")
	if err != nil {
		t.Fatal(err)
	}
	k := keys[0]
	for unix, want := range map[int64]string{1511200518: "FR8RV", 1511200714: "9P3VP"} {
		got, err := k.CodeAt(time.Unix(unix, 0))
		if err != nil || got != want {
			t.Errorf("at %d: got %q, %v; want %q", unix, got, err, want)
		}
	}
}

// Codes agree with pquerna/otp, an independent implementation, over random
// keys of every supported shape.
func TestCodesMatchPquerna(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	algs := map[Algorithm]otp.Algorithm{SHA1: otp.AlgorithmSHA1, SHA256: otp.AlgorithmSHA256, SHA512: otp.AlgorithmSHA512}
	digits := map[int]otp.Digits{6: otp.DigitsSix, 8: otp.DigitsEight}
	for i := range 200 {
		secret := make([]byte, 10+rng.IntN(54))
		for j := range secret {
			secret[j] = byte(rng.Uint32())
		}
		alg := []Algorithm{SHA1, SHA256, SHA512}[i%3]
		d := []int{6, 8}[i%2]
		b32 := base32.StdEncoding.EncodeToString(secret)
		if i%4 < 2 {
			period := []int{30, 60}[i%4]
			k := &Key{Type: TOTP, Secret: secret, Algorithm: alg, Digits: d, Period: period}
			at := time.Unix(rng.Int64N(4_000_000_000), 0)
			got, err := k.CodeAt(at)
			if err != nil {
				t.Fatal(err)
			}
			want, err := pqtotp.GenerateCodeCustom(b32, at, pqtotp.ValidateOpts{Period: uint(period), Digits: digits[d], Algorithm: algs[alg]})
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("TOTP %s/%d/%d at %d: got %s, pquerna %s", alg, d, period, at.Unix(), got, want)
			}
		} else {
			c := rng.Uint64()
			k := &Key{Type: HOTP, Secret: secret, Algorithm: alg, Digits: d}
			got, err := k.Code(c)
			if err != nil {
				t.Fatal(err)
			}
			want, err := pqhotp.GenerateCodeCustom(b32, c, pqhotp.ValidateOpts{Digits: digits[d], Algorithm: algs[alg]})
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("HOTP %s/%d counter %d: got %s, pquerna %s", alg, d, c, got, want)
			}
		}
	}
}

func TestStepAndStepEnd(t *testing.T) {
	k := &Key{Type: TOTP, Period: 60}
	at := time.Unix(1_700_000_123, 0)
	s := k.Step(at)
	if s != 1_700_000_123/60 {
		t.Errorf("Step = %d", s)
	}
	if end := k.StepEnd(s); end.Unix() != int64(s+1)*60 || !end.After(at) {
		t.Errorf("StepEnd = %v", end)
	}
}

func validKey() *Key {
	return &Key{Type: TOTP, Issuer: "ACME", Account: "john@example.com", Secret: bytes.Repeat([]byte{7}, 20), Algorithm: SHA1, Digits: 6, Period: 30}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(k *Key)
		reason string // empty: valid
	}{
		{"valid TOTP", func(k *Key) {}, ""},
		{"valid HOTP", func(k *Key) { k.Type, k.Period, k.Counter = HOTP, 0, 5 }, ""},
		{"valid Steam", func(k *Key) { k.Type, k.Digits = Steam, 5 }, ""},
		{"valid MobilePASS", func(k *Key) { k.Type, k.Period, k.Algorithm = MobilePass, 0, SHA256 }, ""},
		{"unknown type", func(k *Key) { k.Type = "yotp" }, "not supported"},
		{"no secret", func(k *Key) { k.Secret = nil }, "no secret"},
		{"79-bit secret", func(k *Key) { k.Secret = k.Secret[:9] }, "80 bits"},
		{"huge secret", func(k *Key) { k.Secret = make([]byte, 257) }, "unusually long"},
		{"unset algorithm", func(k *Key) { k.Algorithm = "" }, "algorithm"},
		{"MD5", func(k *Key) { k.Algorithm = "MD5" }, "algorithm"},
		{"5 digits", func(k *Key) { k.Digits = 5 }, "5-digit"},
		{"9 digits", func(k *Key) { k.Digits = 9 }, "9-digit"},
		{"Steam with 6 digits", func(k *Key) { k.Type = Steam }, "Steam"},
		{"MobilePASS with SHA1", func(k *Key) { k.Type, k.Period = MobilePass, 0 }, "SHA256"},
		{"zero period", func(k *Key) { k.Period = 0 }, "seconds"},
		{"period of a day", func(k *Key) { k.Period = 86400 }, "seconds"},
		{"TOTP with counter", func(k *Key) { k.Counter = 3 }, "counter"},
		{"HOTP with period", func(k *Key) { k.Type = HOTP }, "time period"},
		{"control character in account", func(k *Key) { k.Account = "john\x00" }, "cannot be shown"},
		{"untrimmed issuer", func(k *Key) { k.Issuer = " ACME" }, "cannot be shown"},
		{"long account", func(k *Key) { k.Account = strings.Repeat("a", 257) }, "too long"},
		{"label issuer with colon", func(k *Key) { k.LabelIssuer = "A:B" }, "colon"},
		{"label issuer equal to issuer", func(k *Key) { k.LabelIssuer = "ACME" }, "differs"},
		{"label issuer without issuer", func(k *Key) { k.Issuer, k.LabelIssuer = "", "ACME" }, "differs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := validKey()
			tt.change(k)
			err := k.Validate()
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var re *RefusedError
			if !errors.As(err, &re) {
				t.Fatalf("Validate = %v, want *RefusedError", err)
			}
			if !strings.Contains(re.Reason, tt.reason) {
				t.Errorf("reason %q does not mention %q", re.Reason, tt.reason)
			}
		})
	}
}

func TestURIRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		key  *Key
		uri  string
	}{
		{"TOTP", validKey(),
			"otpauth://totp/ACME:john@example.com?secret=A4DQOBYHA4DQOBYHA4DQOBYHA4DQOBYH&issuer=ACME&algorithm=SHA1&digits=6&period=30"},
		{"HOTP SHA512 8 digits, no names",
			&Key{Type: HOTP, Secret: []byte("12345678901234567890"), Algorithm: SHA512, Digits: 8, Counter: 12},
			"otpauth://hotp/?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA512&digits=8&counter=12"},
		{"label issuer kept apart",
			&Key{Type: TOTP, Issuer: "ACME Cloud", LabelIssuer: "ACME", Account: "j s", Secret: []byte("12345678901234567890"), Algorithm: SHA256, Digits: 7, Period: 60},
			"otpauth://totp/ACME:j%20s?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME+Cloud&algorithm=SHA256&digits=7&period=60"},
		{"colons in issuer and account",
			&Key{Type: TOTP, Issuer: "A:B", Account: "x:y?z#&", Secret: []byte("12345678901234567890"), Algorithm: SHA1, Digits: 6, Period: 30},
			"otpauth://totp/:x%3Ay%3Fz%23&?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=A%3AB&algorithm=SHA1&digits=6&period=30"},
		{"Steam",
			&Key{Type: Steam, Issuer: "Steam", Account: "gamer", Secret: []byte("12345678901234567890"), Algorithm: SHA1, Digits: 5, Period: 30},
			"otpauth://totp/Steam:gamer?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Steam&algorithm=SHA1&digits=5&period=30&encoder=steam"},
		{"MobilePASS",
			&Key{Type: MobilePass, Issuer: "MobilePASS", Secret: []byte("12345678901234567890"), Algorithm: SHA256, Digits: 6, Counter: 3},
			"otpauth://hotp/MobilePASS:?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=MobilePASS&algorithm=SHA256&digits=6&counter=3&encoder=mobilepass"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.key.Validate(); err != nil {
				t.Fatal(err)
			}
			uri := tt.key.URI()
			if uri != tt.uri {
				t.Errorf("URI:\n got %s\nwant %s", uri, tt.uri)
			}
			keys, err := Parse(uri)
			if err != nil {
				t.Fatalf("Parse(URI()): %v", err)
			}
			if len(keys) != 1 || !sameKey(keys[0], tt.key) {
				t.Errorf("Parse(URI()) = %+v, want %+v", keys[0], tt.key)
			}
		})
	}
}

func sameKey(a, b *Key) bool {
	return a.Type == b.Type && a.Issuer == b.Issuer && a.LabelIssuer == b.LabelIssuer && a.Account == b.Account &&
		bytes.Equal(a.Secret, b.Secret) && a.Algorithm == b.Algorithm && a.Digits == b.Digits &&
		a.Period == b.Period && a.Counter == b.Counter
}

func TestZero(t *testing.T) {
	k := validKey()
	secret := k.Secret
	k.Zero()
	if k.Secret != nil {
		t.Error("Secret still set")
	}
	if !bytes.Equal(secret, make([]byte, len(secret))) {
		t.Error("secret bytes not overwritten")
	}
	if _, err := k.CodeAt(time.Now()); err == nil {
		t.Error("a zeroed key still generates codes")
	}
}

func TestLabel(t *testing.T) {
	for _, tt := range []struct{ issuer, account, want string }{
		{"ACME", "john", "ACME:john"}, {"ACME", "", "ACME"}, {"", "john", "john"}, {"", "", ""},
	} {
		k := &Key{Issuer: tt.issuer, Account: tt.account}
		if got := k.Label(); got != tt.want {
			t.Errorf("Label(%q, %q) = %q, want %q", tt.issuer, tt.account, got, tt.want)
		}
	}
}

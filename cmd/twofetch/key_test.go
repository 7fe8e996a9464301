package main

import (
	"encoding/json"
	"strings"
	"testing"
)

const (
	// RFC 6238 appendix B's SHA1 seed; 1111111109 gives 07081804 with 8 digits.
	rfcSeed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	rfcURI  = "otpauth://totp/ACME:john@example.com?secret=" + rfcSeed + "&issuer=ACME&digits=8"
)

func TestKeyCode(t *testing.T) {
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"TOTP at a given time", "", []string{"key", "code", "--at", "1111111109", rfcURI}, "ACME:john@example.com 07081804\n"},
		{"TOTP from stdin", rfcURI + "\n", []string{"key", "code", "--at", "59", "-"}, "ACME:john@example.com 94287082\n"},
		{"HOTP at its counter", "", []string{"key", "code", "otpauth://hotp/VPN:ann?secret=" + rfcSeed + "&counter=9"}, "VPN:ann 520489\n"},
		{"setup key in words", "", []string{"key", "code", "--at", "59", "gezd", "gnbv", "gy3t", "qojq", "gezd", "gnbv", "gy3t", "qojq"}, ": 287082\n"},
		{"Steam", "", []string{"key", "code", "--at", "1511200518", "steam://63BEDWCQZKTQWPESARIERL5DTTQFCJTK"}, "Steam: FR8RV\n"},
		{"MobilePASS", "", []string{"key", "code", "XUU75-RROTT-Y5IP6-U3BMV"}, "MobilePASS: 246805\n"},
		{"Google Authenticator export", "", []string{"key", "code", "--at", "59",
			"otpauth-migration://offline?data=CiUKEPqlBekzoNEukL7qlsjBCDYSCWhvdHAgZGVtbyABKAEwATgE"}, ":hotp demo "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runIn(t, nil, tt.stdin, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if !strings.HasPrefix(stdout, tt.want) || (strings.HasSuffix(tt.want, "\n") && stdout != tt.want) {
				t.Errorf("stdout %q, want %q", stdout, tt.want)
			}
		})
	}
}

func TestKeyParse(t *testing.T) {
	code, stdout, stderr := runIn(t, nil, "", "key", "parse", rfcURI)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if strings.Contains(stdout, rfcSeed) || strings.Contains(stdout, "secret") {
		t.Errorf("parse printed the secret without --show-secret:\n%s", stdout)
	}
	var keys []map[string]any
	if err := json.Unmarshal([]byte(stdout), &keys); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	want := map[string]any{"type": "totp", "issuer": "ACME", "account": "john@example.com", "algorithm": "SHA1", "digits": 8.0, "period": 30.0}
	if len(keys) != 1 || len(keys[0]) != len(want) {
		t.Fatalf("got %v, want [%v]", keys, want)
	}
	for k, v := range want {
		if keys[0][k] != v {
			t.Errorf("%s = %v, want %v", k, keys[0][k], v)
		}
	}

	code, stdout, _ = runIn(t, nil, "", "key", "parse", "--show-secret", "otpauth://hotp/VPN:ann?secret="+strings.ToLower(rfcSeed))
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	keys = nil
	if err := json.Unmarshal([]byte(stdout), &keys); err != nil {
		t.Fatal(err)
	}
	if keys[0]["secret"] != rfcSeed || keys[0]["counter"] != 0.0 || !strings.HasPrefix(keys[0]["uri"].(string), "otpauth://hotp/VPN:ann?secret="+rfcSeed) {
		t.Errorf("--show-secret output %v", keys[0])
	}
}

func TestKeyExportBatch(t *testing.T) {
	// Code 1 of 2 of an export: the customer is told there is more.
	const part = "otpauth-migration://offline?data=CiQKFDEyMzQ1Njc4OTAxMjM0NTY3ODkwEgRqb2huGgRBQ01FMAIQARgCIAA%3D"
	code, stdout, stderr := runIn(t, nil, "", "key", "code", "--at", "59", part)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if stdout != "ACME:john 287082\n" || !strings.Contains(stderr, "code 1 of 2") {
		t.Errorf("stdout %q, stderr %q", stdout, stderr)
	}
}

func TestKeyRefused(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		status int
		reason string
	}{
		{"Microsoft", []string{"key", "code", "phonefactor://activate_account?code=1"}, 1, "a different authenticator app"},
		{"short secret", []string{"key", "parse", "otpauth://totp/x?secret=JBSWY3DP"}, 1, "80 bits"},
		{"app store", []string{"key", "parse", "https://apps.apple.com/app/id388497605"}, 1, "app store"},
		{"no text", []string{"key", "code"}, 2, "needs TEXT"},
		{"no subcommand", []string{"key"}, 2, "parse or code"},
		{"bad --at", []string{"key", "code", "--at", "yesterday", rfcURI}, 2, "--at"},
		{"unknown subcommand", []string{"key", "show", rfcURI}, 2, "unknown key subcommand"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runIn(t, nil, "", tt.args...)
			if code != tt.status {
				t.Errorf("exit %d, want %d", code, tt.status)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if !strings.Contains(stderr, tt.reason) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.reason)
			}
		})
	}
}

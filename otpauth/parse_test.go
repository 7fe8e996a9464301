package otpauth

import (
	"encoding/base32"
	"errors"
	"strings"
	"testing"
)

// want describes a parsed key; secret is base32 without padding.
type want struct {
	typ         Type
	issuer      string
	labelIssuer string
	account     string
	secret      string
	alg         Algorithm
	digits      int
	period      int
	counter     uint64
}

func (w want) check(t *testing.T, k *Key) {
	t.Helper()
	got := want{k.Type, k.Issuer, k.LabelIssuer, k.Account, base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(k.Secret),
		k.Algorithm, k.Digits, k.Period, k.Counter}
	if got != w {
		t.Errorf("got  %+v\nwant %+v", got, w)
	}
	if err := k.Validate(); err != nil {
		t.Errorf("parsed key does not validate: %v", err)
	}
	again, err := Parse(k.URI())
	if err != nil || len(again) != 1 || !sameKey(again[0], k) {
		t.Errorf("Parse(URI()) = %v, %v: not the same key", again, err)
	}
}

const (
	s16 = "JBSWY3DPEHPK3PXP"                 // 80 bits, Google's documentation example
	s32 = "AJJBTZ5CQXSWL4F2UO77UXYFFV54WMB6" // 160 bits
)

// Quirks of otpauth URIs and typed keys, each with where it is seen.
func TestParseQuirks(t *testing.T) {
	totp := func(issuer, account, secret string) want {
		return want{TOTP, issuer, "", account, secret, SHA1, 6, 30, 0}
	}
	tests := []struct {
		name, seen, text string
		want             want
	}{
		{"canonical", "Google's Key Uri Format documentation",
			"otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
			totp("Example", "alice@google.com", s16)},
		{"label without issuer prefix", "generators that follow the spec's advice to give the issuer as a parameter only (speakeasy, otplib)",
			"otpauth://totp/alice@example.com?secret=" + s32 + "&issuer=ACME",
			totp("ACME", "alice@example.com", s32)},
		{"issuer only in the label", "URIs made before the issuer parameter existed",
			"otpauth://totp/ACME:alice?secret=" + s32,
			totp("ACME", "alice", s32)},
		{"issuer parameter differs from label prefix", "portals renamed after their label format was fixed; keep both",
			"otpauth://totp/ACME:alice?secret=" + s32 + "&issuer=ACME%20Cloud",
			want{TOTP, "ACME Cloud", "ACME", "alice", s32, SHA1, 6, 30, 0}},
		{"percent-encoded spaces and colon", "encodeURIComponent/urllib quote of the whole label",
			"otpauth://totp/ACME%20Co%3Ajohn%20doe?secret=" + s32 + "&issuer=ACME%20Co",
			totp("ACME Co", "john doe", s32)},
		{"raw spaces", "hand-built URIs and QR generators that do not escape",
			"otpauth://totp/ACME Co: john doe?secret=" + s32 + "&issuer=ACME Co",
			totp("ACME Co", "john doe", s32)},
		{"plus as space in the issuer", "servers that build the query with Java's URLEncoder or HTML-form encoding",
			"otpauth://totp/ACME%20Co:john?secret=" + s32 + "&issuer=ACME+Co",
			totp("ACME Co", "john", s32)},
		{"lower-case secret", "generators that lower-case the secret",
			"otpauth://totp/ACME:john?secret=" + strings.ToLower(s32) + "&issuer=ACME",
			totp("ACME", "john", s32)},
		{"secret grouped with spaces", "portals that put the grouped display form of the key in the URI",
			"otpauth://totp/ACME:john?secret=AJJB%20TZ5C%20QXSW%20L4F2%20UO77%20UXYF%20FV54%20WMB6&issuer=ACME",
			totp("ACME", "john", s32)},
		{"secret grouped with dashes", "portals that show keys in dashed groups",
			"otpauth://totp/ACME:john?secret=AJJB-TZ5C-QXSW-L4F2-UO77-UXYF-FV54-WMB6&issuer=ACME",
			totp("ACME", "john", s32)},
		{"raw padding", "Python's base64.b32encode, which pads",
			"otpauth://totp/ACME:john?secret=JBSWY3DPEHPK3PXPJBSWY3DPEA======&issuer=ACME",
			totp("ACME", "john", "JBSWY3DPEHPK3PXPJBSWY3DPEA")},
		{"escaped padding", "padded secrets run through encodeURIComponent",
			"otpauth://totp/ACME:john?secret=JBSWY3DPEHPK3PXPJBSWY3DPEA%3D%3D%3D%3D%3D%3D&issuer=ACME",
			totp("ACME", "john", "JBSWY3DPEHPK3PXPJBSWY3DPEA")},
		{"odd-length secret", "portals generating random base32 strings; Google Authenticator drops the leftover bits",
			"otpauth://totp/ACME:john?secret=" + s16 + "JBS&issuer=ACME",
			totp("ACME", "john", s16+"JA")},
		{"SHA256, 8 digits, 60 seconds", "banking and government portals",
			"otpauth://totp/Bank:john?secret=" + s32 + "&issuer=Bank&algorithm=SHA256&digits=8&period=60",
			want{TOTP, "Bank", "", "john", s32, SHA256, 8, 60, 0}},
		{"SHA512, 7 digits", "RFC 6238-style configurable servers",
			"otpauth://totp/X:y?secret=" + s32 + "&algorithm=SHA512&digits=7",
			want{TOTP, "X", "", "y", s32, SHA512, 7, 30, 0}},
		{"algorithm spelled differently", "libraries writing sha256, SHA-256 or HmacSHA256",
			"otpauth://totp/X:y?secret=" + s32 + "&algorithm=hmac-sha-256",
			want{TOTP, "X", "", "y", s32, SHA256, 6, 30, 0}},
		{"HOTP with counter", "event-based hardware-token replacements",
			"otpauth://hotp/VPN:john?secret=" + s32 + "&issuer=VPN&counter=42",
			want{HOTP, "VPN", "", "john", s32, SHA1, 6, 0, 42}},
		{"HOTP without counter", "generators that leave the required counter out; it starts at 0",
			"otpauth://hotp/VPN:john?secret=" + s32,
			want{HOTP, "VPN", "", "john", s32, SHA1, 6, 0, 0}},
		{"unknown parameters", "FreeOTP's image, Authy-style icon and color, lock",
			"otpauth://totp/ACME:john?secret=" + s32 + "&issuer=ACME&image=https%3A%2F%2Fexample.com%2Flogo.png&color=ff0000&lock=false",
			totp("ACME", "john", s32)},
		{"upper-case scheme, type and parameter names", "hand-written URIs",
			"OTPAUTH://TOTP/ACME:john?SECRET=" + s32 + "&Issuer=ACME",
			totp("ACME", "john", s32)},
		{"HTML-escaped ampersands", "URIs copied out of a setup page's HTML",
			"otpauth://totp/ACME:john?secret=" + s32 + "&amp;issuer=ACME&amp;digits=8",
			want{TOTP, "ACME", "", "john", s32, SHA1, 8, 30, 0}},
		{"no label at all", "minimal generators",
			"otpauth://totp?secret=" + s32,
			totp("", "", s32)},
		{"surrounding whitespace and BOM", "text pasted from documents",
			"\ufeff  otpauth://totp/ACME:john?secret=" + s32 + "&issuer=ACME\r\n",
			totp("ACME", "john", s32)},
		{"duplicate parameter", "generators appending their defaults after the real values; the first wins",
			"otpauth://totp/ACME:john?secret=" + s32 + "&digits=8&digits=6",
			want{TOTP, "ACME", "", "john", s32, SHA1, 8, 30, 0}},
		{"control characters in the label", "hostile or broken generators",
			"otpauth://totp/ACME%00:john%E2%80%AE%0A?secret=" + s32,
			totp("ACME", "john", s32)},
		{"Steam by encoder", "KeePassXC's Steam format",
			"otpauth://totp/Steam:gamer?secret=" + s32 + "&issuer=Steam&digits=5&encoder=steam",
			want{Steam, "Steam", "", "gamer", s32, SHA1, 5, 30, 0}},
		{"Steam as a type", "Aegis and andOTP exports",
			"otpauth://steam/Steam:gamer?secret=" + s32 + "&issuer=Steam&digits=5",
			want{Steam, "Steam", "", "gamer", s32, SHA1, 5, 30, 0}},
		{"steam:// secret", "WinAuth and password managers (steam://SECRET)",
			"steam://" + s32,
			want{Steam, "Steam", "", "", s32, SHA1, 5, 30, 0}},
		{"setup key typed by hand", "the 'can't scan?' text of Google-style enrolment pages",
			"ajjb tz5c qxsw l4f2 uo77 uxyf fv54 wmb6",
			totp("", "", s32)},
		{"setup key with dashes and mixed case", "keys copied from portals that group with dashes",
			"AJJB-tz5c-QXSW-l4f2-UO77-uxyf-FV54-wmb6",
			totp("", "", s32)},
		{"setup key over several lines", "keys pasted from an e-mail",
			"AJJB TZ5C QXSW L4F2\nUO77 UXYF FV54 WMB6\n",
			totp("", "", s32)},
		{"setup key with padding", "keys shown with the '=' of Python's b32encode",
			"JBSWY3DPEHPK3PXPJBSWY3DPEA======",
			totp("", "", "JBSWY3DPEHPK3PXPJBSWY3DPEA")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := Parse(tt.text)
			if err != nil {
				t.Fatalf("Parse (seen: %s): %v", tt.seen, err)
			}
			if len(keys) != 1 {
				t.Fatalf("got %d keys", len(keys))
			}
			tt.want.check(t, keys[0])
		})
	}
}

// Texts that are not usable keys, with a word each reason must contain.
func TestParseRefusals(t *testing.T) {
	tests := []struct {
		name, text, reason string
	}{
		{"empty", " \n", "no text"},
		{"Microsoft work account", "phonefactor://activate_account?code=123456789&url=https%3A%2F%2Fmobileappcommunicator.auth.microsoft.com%2Factivate%2F123",
			"a different authenticator app"},
		{"Microsoft sign-in page", "https://login.microsoftonline.com/common/oauth2/authorize?client_id=x", "a different authenticator app"},
		{"Microsoft security info", "https://mysignins.microsoft.com/security-info", "a different authenticator app"},
		{"Microsoft link without scheme", "login.microsoftonline.com/abc", "a different authenticator app"},
		{"Microsoft app link", "msauth://activate?code=1", "a different authenticator app"},
		{"App Store", "https://apps.apple.com/app/google-authenticator/id388497605", "app store"},
		{"Play Store", "https://play.google.com/store/apps/details?id=com.google.android.apps.authenticator2", "app store"},
		{"market link", "market://details?id=com.google.android.apps.authenticator2", "app store"},
		{"other web page", "https://portal.example.com/2fa/setup?token=abc", "web page on portal.example.com"},
		{"web page with odd host", "http://user@[::1]:80/x", "link to a web page,"},
		{"e-mail address", "mailto:support@example.com", "not an authenticator"},
		{"Wi-Fi code", "WIFI:S:home;T:WPA;P:secret;;", "not an authenticator"},
		{"prose", "Scan this code with your app!", "not an authenticator"},
		{"no secret", "otpauth://totp/ACME:john?issuer=ACME", "no secret"},
		{"empty secret", "otpauth://totp/ACME:john?secret=&issuer=ACME", "no secret"},
		{"secret of separators", "otpauth://totp/ACME:john?secret=%20-%20", "no secret"},
		{"secret not base32", "otpauth://totp/ACME:john?secret=JBSWY3DP!HPK3PXP", "A to Z"},
		{"secret with 0 and 1", "otpauth://totp/ACME:john?secret=JBSWY3DP0HPK3PX1", "O, I, L or B"},
		{"secret in base64", "otpauth://totp/ACME:john?secret=cnOgv/KdpLoP6Nbh0GMkXkPXALQ=", "A to Z"},
		{"secret under 80 bits", "otpauth://totp/ACME:john?secret=JBSWY3DPEHPK3PX", "80 bits"},
		{"secret of 40 bits", "otpauth://totp/ACME:john?secret=JBSWY3DP", "80 bits"},
		{"5 digits", "otpauth://totp/ACME:john?secret=" + s32 + "&digits=5", "6, 7 or 8"},
		{"9 digits", "otpauth://totp/ACME:john?secret=" + s32 + "&digits=9", "6, 7 or 8"},
		{"digits not a number", "otpauth://totp/ACME:john?secret=" + s32 + "&digits=six", "not a number"},
		{"MD5", "otpauth://totp/ACME:john?secret=" + s32 + "&algorithm=MD5", "MD5"},
		{"unknown algorithm", "otpauth://totp/ACME:john?secret=" + s32 + "&algorithm=SHA3-256", "unknown algorithm"},
		{"period 0", "otpauth://totp/ACME:john?secret=" + s32 + "&period=0", "seconds"},
		{"period not a number", "otpauth://totp/ACME:john?secret=" + s32 + "&period=30s", "seconds"},
		{"negative counter", "otpauth://hotp/ACME:john?secret=" + s32 + "&counter=-1", "counter"},
		{"unknown type", "otpauth://yotp/ACME:john?secret=" + s32, "only time-based"},
		{"missing type", "otpauth:///ACME:john?secret=" + s32, "time-based or counter-based"},
		{"Steam client link", "steam://run/440", "opens the Steam app"},
		{"typed key too short", "JBSW Y3DP", "80 bits"},
		{"typed key with 8", "AJJB TZ5C QXSW L4F2 UO77 UXYF FV54 WMB8", "O, I, L or B"},
		{"far too long", strings.Repeat("A", maxTextBytes+1), "too long"},
		{"migration of another kind", "otpauth-migration://online?data=CgA", "unknown kind"},
		{"migration without data", "otpauth-migration://offline?foo=bar", "no keys"},
		{"two URIs run together", "otpauth://totp/A:a?issuer=A otpauth://totp/B:b?secret=" + s32 + "&secret=" + s32, "more than one code"},
		{"URI with a tab", "otpauth://totp/A:a?secret=" + s32 + "&issuer=A\tB", "more than one code"},
		{"bad line in a list", "otpauth://totp/A:a?secret=" + s32 + "\notpauth://totp/B:b?secret=JBSWY3DP\n", "Line 2: The secret key in this code is too short"},
		{"mistyped MobilePASS code", "XUU75-RROTT-Y5IP6-U3BMX", "mistyped"},
		{"MobilePASS code with a 9", "XUU79-RROTT-Y5IP6-U3BMV", "8 or 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := Parse(tt.text)
			var re *RefusedError
			if !errors.As(err, &re) {
				t.Fatalf("Parse = %v, %v; want *RefusedError", keys, err)
			}
			refusal(t, err)
			if !strings.Contains(re.Reason, tt.reason) {
				t.Errorf("reason %q does not contain %q", re.Reason, tt.reason)
			}
			if keys != nil {
				t.Errorf("keys returned with the error")
			}
		})
	}
}

// A reason is shown to customers and logged; it must never repeat the
// secret it was given.
func TestRefusalsDoNotRepeatSecrets(t *testing.T) {
	const secret = "MZXW6YTBOI"
	for _, text := range []string{
		"otpauth://totp/ACME:john?secret=" + secret,
		"otpauth://totp/ACME:john?secret=" + secret + "MZXW6YTBOI&digits=12",
		"otpauth://totp/ACME:john?secret=" + secret + "MZXW6YTBOI&algorithm=" + secret,
		"otpauth://" + secret + "/x?secret=" + secret + "MZXW6YTBOI",
		"https://example.com/?secret=" + secret,
		secret,
	} {
		_, err := Parse(text)
		if err == nil {
			t.Fatalf("Parse(%q) accepted", text)
		}
		if strings.Contains(strings.ToUpper(err.Error()), secret) {
			t.Errorf("reason %q repeats the secret", err)
		}
	}
}

// Authenticator apps (Aegis, 2FAS, andOTP, Bitwarden) export plain text
// with one URI per line.
func TestParseLines(t *testing.T) {
	text := "otpauth://totp/A:a?secret=" + s32 + "\r\n\n  otpauth-migration://offline?data=CiUKEPqlBekzoNEukL7qlsjBCDYSCWhvdHAgZGVtbyABKAEwATgE\nsteam://" + s32 + "\n"
	keys, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 || keys[0].Issuer != "A" || keys[1].Type != HOTP || keys[2].Type != Steam {
		t.Errorf("got %d keys: %+v", len(keys), keys)
	}
}

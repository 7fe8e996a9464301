package otpauth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Migration is one QR code of a Google Authenticator export
// ("otpauth-migration://offline?data=…"). A large export is split into
// BatchSize codes numbered from BatchIndex 0, all with the same BatchID.
type Migration struct {
	Keys       []*Key
	Version    int
	BatchSize  int
	BatchIndex int
	BatchID    int32
}

// maxMigrationBytes bounds the decoded payload; a QR code holds under 3 KB.
const maxMigrationBytes = 8 << 10

// ParseMigration parses a Google Authenticator export code. Parse returns
// the same keys; this also tells which code of a batch it was, so a caller
// can ask for the others.
func ParseMigration(text string) (*Migration, error) {
	s := strings.TrimSpace(text)
	scheme, rest, ok := splitScheme(s)
	if !ok || scheme != "otpauth-migration" {
		return nil, refused("export_damaged", "This is not a Google Authenticator export code.")
	}
	return parseMigrationURI(rest)
}

func parseMigrationURI(rest string) (*Migration, error) {
	host, rawQuery, _ := strings.Cut(rest, "?")
	if !strings.EqualFold(strings.TrimSuffix(host, "/"), "offline") {
		return nil, refused("export_damaged", "This Google Authenticator export code is of an unknown kind.")
	}
	data, ok := parseQuery(rawQuery)["data"]
	if !ok || data == "" {
		return nil, refused("export_empty", "This Google Authenticator export code contains no keys.")
	}
	payload, err := decodeMigrationData(data)
	if err != nil {
		return nil, err
	}
	defer clear(payload)
	return decodeMigration(payload)
}

var errDamagedExport = refused("export_damaged", "This Google Authenticator export code is damaged; export the accounts again and scan the new code.")

// decodeMigrationData undoes the URI and base64 encodings of the data
// parameter. Google Authenticator does not always escape '+' and '/', and a
// '+' that went through form decoding on its way here arrives as a space.
func decodeMigrationData(v string) ([]byte, error) {
	if u, err := url.PathUnescape(v); err == nil {
		v = u
	}
	v = strings.Map(func(r rune) rune {
		switch r {
		case ' ':
			return '+'
		case '-':
			return '+'
		case '_':
			return '/'
		case '\n', '\r', '\t':
			return -1
		}
		return r
	}, v)
	v = strings.TrimRight(v, "=")
	if base64.RawStdEncoding.DecodedLen(len(v)) > maxMigrationBytes {
		return nil, refused("export_too_large", "This Google Authenticator export code is too large.")
	}
	b, err := base64.RawStdEncoding.DecodeString(v)
	if err != nil {
		clear(b)
		return nil, errDamagedExport
	}
	return b, nil
}

// The export is a protobuf message (field numbers from Google
// Authenticator's MigrationPayload):
//
//	MigrationPayload { repeated OtpParameters otp_parameters = 1; int32 version = 2;
//	                   int32 batch_size = 3; int32 batch_index = 4; int32 batch_id = 5; }
//	OtpParameters { bytes secret = 1; string name = 2; string issuer = 3;
//	                Algorithm algorithm = 4; DigitCount digits = 5; OtpType type = 6; int64 counter = 7; }
//	Algorithm { UNSPECIFIED = 0; SHA1 = 1; SHA256 = 2; SHA512 = 3; MD5 = 4; }
//	DigitCount { UNSPECIFIED = 0; SIX = 1; EIGHT = 2; }
//	OtpType { UNSPECIFIED = 0; HOTP = 1; TOTP = 2; }
//
// A decoder for this one message is shorter than the generated code and
// keeps every allocation in view, so secrets can be cleared.

const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

// maxMigrationKeys bounds the keys of one code; Google Authenticator puts
// at most ten in each.
const maxMigrationKeys = 100

type pbField struct {
	num   uint64
	wire  int
	value uint64 // varint and fixed fields
	bytes []byte // length-delimited fields, aliasing the input
}

// readField reads one field from b and returns the rest.
func readField(b []byte) (pbField, []byte, error) {
	tag, b, err := readVarint(b)
	if err != nil {
		return pbField{}, nil, err
	}
	f := pbField{num: tag >> 3, wire: int(tag & 7)}
	if f.num == 0 {
		return pbField{}, nil, errDamagedExport
	}
	switch f.wire {
	case wireVarint:
		f.value, b, err = readVarint(b)
	case wireFixed64:
		if len(b) < 8 {
			return pbField{}, nil, errDamagedExport
		}
		b = b[8:]
	case wireFixed32:
		if len(b) < 4 {
			return pbField{}, nil, errDamagedExport
		}
		b = b[4:]
	case wireBytes:
		var n uint64
		n, b, err = readVarint(b)
		if err == nil && n > uint64(len(b)) {
			err = errDamagedExport
		}
		if err == nil {
			f.bytes, b = b[:n], b[n:]
		}
	default:
		err = errDamagedExport
	}
	return f, b, err
}

func readVarint(b []byte) (uint64, []byte, error) {
	var v uint64
	for i := 0; i < 10 && i < len(b); i++ {
		c := b[i]
		if i == 9 && c > 1 {
			return 0, nil, errDamagedExport
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, b[i+1:], nil
		}
	}
	return 0, nil, errDamagedExport
}

func decodeMigration(b []byte) (m *Migration, err error) {
	m = &Migration{}
	defer func() {
		if err != nil {
			for _, k := range m.Keys {
				k.Zero()
			}
			m = nil
		}
	}()
	var params [][]byte
	for len(b) > 0 {
		var f pbField
		f, b, err = readField(b)
		if err != nil {
			return m, err
		}
		want := wireVarint
		if f.num == 1 {
			want = wireBytes
		}
		if f.num <= 5 && f.wire != want {
			return m, errDamagedExport
		}
		switch f.num {
		case 1:
			if len(params) == maxMigrationKeys {
				return m, refused("export_too_large", "This Google Authenticator export code holds too many keys.")
			}
			params = append(params, f.bytes)
		case 2:
			m.Version = int(int32(f.value))
		case 3:
			m.BatchSize = int(int32(f.value))
		case 4:
			m.BatchIndex = int(int32(f.value))
		case 5:
			m.BatchID = int32(f.value)
		}
	}
	if len(params) == 0 {
		return m, refused("export_empty", "This Google Authenticator export code contains no keys.")
	}
	for i, p := range params {
		k, label, err := decodeOtpParameters(p)
		if err != nil {
			var re *RefusedError
			if errors.As(err, &re) && err != errDamagedExport {
				if label != "" {
					label = " (" + label + ")"
				}
				return m, refusef(re.Code, "Key %d of %d in this export%s cannot be used: %s", i+1, len(params), label, re.Reason)
			}
			return m, err
		}
		m.Keys = append(m.Keys, k)
	}
	return m, nil
}

// decodeOtpParameters decodes one key; label names it in errors.
func decodeOtpParameters(b []byte) (k *Key, label string, err error) {
	var secret []byte
	var name, issuer string
	var alg, digits, typ, counter uint64
	for len(b) > 0 {
		var f pbField
		f, b, err = readField(b)
		if err != nil {
			return nil, "", err
		}
		want := wireVarint
		if f.num <= 3 {
			want = wireBytes
		}
		if f.num <= 7 && f.wire != want {
			return nil, "", errDamagedExport
		}
		switch f.num {
		case 1:
			secret = f.bytes
		case 2:
			name = string(f.bytes)
		case 3:
			issuer = string(f.bytes)
		case 4:
			alg = f.value
		case 5:
			digits = f.value
		case 6:
			typ = f.value
		case 7:
			counter = f.value
		}
	}
	k = &Key{}
	k.setNames(name, issuer)
	label = k.Label()
	switch typ {
	case 0, 2:
		k.Type, k.Period = TOTP, 30
	case 1:
		k.Type, k.Counter = HOTP, counter
	default:
		return nil, label, refused("unsupported_kind", "it is of an unknown kind.")
	}
	switch alg {
	case 0, 1:
		k.Algorithm = SHA1
	case 2:
		k.Algorithm = SHA256
	case 3:
		k.Algorithm = SHA512
	case 4:
		return nil, label, refused("unsupported_algorithm", "it uses the MD5 algorithm, which is not supported.")
	default:
		return nil, label, refused("unsupported_algorithm", "it uses an unknown algorithm.")
	}
	switch digits {
	case 0, 1:
		k.Digits = 6
	case 2:
		k.Digits = 8
	default:
		return nil, label, refused("unsupported_digits", "it asks for an unknown number of digits.")
	}
	k.Secret = append([]byte(nil), secret...)
	if err := k.Validate(); err != nil {
		k.Zero()
		return nil, label, err
	}
	return k, label, nil
}

// URI encodes m as Google Authenticator exports it. Only what the format
// can carry is accepted: TOTP with 30-second periods and HOTP, 6 or 8
// digits.
func (m *Migration) URI() (string, error) {
	// Sized up front so that no partial copy of a secret is left behind
	// by append growing the buffer.
	params := make([][]byte, 0, len(m.Keys))
	defer func() {
		for _, p := range params {
			clear(p)
		}
	}()
	size := 64
	for i, k := range m.Keys {
		p, err := encodeOtpParameters(k)
		if err != nil {
			return "", fmt.Errorf("otpauth: export key %d: %w", i+1, err)
		}
		params = append(params, p)
		size += len(p) + 16
	}
	b := make([]byte, 0, size)
	defer func() { clear(b) }()
	for _, p := range params {
		b = appendBytesField(b, 1, p)
	}
	b = appendVarintField(b, 2, uint64(int64(m.Version)))
	b = appendVarintField(b, 3, uint64(int64(m.BatchSize)))
	b = appendVarintField(b, 4, uint64(int64(m.BatchIndex)))
	b = appendVarintField(b, 5, uint64(int64(m.BatchID)))
	return "otpauth-migration://offline?data=" + url.QueryEscape(base64.StdEncoding.EncodeToString(b)), nil
}

func encodeOtpParameters(k *Key) ([]byte, error) {
	var typ, alg, digits uint64
	switch {
	case k.Type == TOTP && k.Period == 30:
		typ = 2
	case k.Type == HOTP:
		typ = 1
	default:
		return nil, fmt.Errorf("a %s key with period %d cannot be exported", k.Type, k.Period)
	}
	switch k.Algorithm {
	case SHA1:
		alg = 1
	case SHA256:
		alg = 2
	case SHA512:
		alg = 3
	default:
		return nil, fmt.Errorf("algorithm %q cannot be exported", k.Algorithm)
	}
	switch k.Digits {
	case 6:
		digits = 1
	case 8:
		digits = 2
	default:
		return nil, fmt.Errorf("%d digits cannot be exported", k.Digits)
	}
	prefix, account, split := k.labelParts()
	name := account
	if split {
		name = prefix + ":" + account
	}
	p := make([]byte, 0, len(k.Secret)+len(name)+len(k.Issuer)+64)
	p = appendBytesField(p, 1, k.Secret)
	p = appendBytesField(p, 2, []byte(name))
	p = appendBytesField(p, 3, []byte(k.Issuer))
	p = appendVarintField(p, 4, alg)
	p = appendVarintField(p, 5, digits)
	p = appendVarintField(p, 6, typ)
	if k.Type == HOTP {
		p = appendVarintField(p, 7, k.Counter)
	}
	return p, nil
}

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendVarintField(b []byte, num int, v uint64) []byte {
	b = appendVarint(b, uint64(num)<<3|wireVarint)
	return appendVarint(b, v)
}

func appendBytesField(b []byte, num int, v []byte) []byte {
	b = appendVarint(b, uint64(num)<<3|wireBytes)
	b = appendVarint(b, uint64(len(v)))
	return append(b, v...)
}

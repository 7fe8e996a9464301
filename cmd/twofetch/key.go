package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/twofetch/twofetch/otpauth"
)

func init() {
	register(&Command{
		Name:    "key",
		Summary: "read authenticator keys from QR-code text or a setup key, and print them or their codes",
		Usage:   "parse [--show-secret] TEXT|- | code [--at UNIX] TEXT|-",
		Help: `
TEXT is what a QR code holds or what the customer typed: an otpauth:// URI,
a Google Authenticator export (otpauth-migration://), a steam:// URI, a
base32 setup key (spaces and dashes allowed) or a SafeNet MobilePASS
activation code. "-" reads it from standard input; several arguments are
joined with spaces, so a grouped setup key needs no quotes.

key parse prints the keys found as a JSON array (type, issuer, account,
algorithm, digits, period or counter); the secret, in base32, and the full
URI only with --show-secret.

key code prints one line per key, "ISSUER:ACCOUNT CODE", for the time given
by --at (seconds since 1970, default now); counter-based keys show the code
of the counter they state.

A text that is not a usable key exits with status 1 and the reason on
standard error.`,
		Run: runKey,
	})
}

// maxKeyInput bounds what is read from standard input; QR codes hold under
// 3 KB.
const maxKeyInput = 1 << 20

func runKey(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 {
		return usagef("key needs a subcommand: parse or code")
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("twofetch key "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var showSecret bool
	var at string
	switch sub {
	case "parse":
		fs.BoolVar(&showSecret, "show-secret", false, "include the secret and the full URI")
	case "code":
		fs.StringVar(&at, "at", "", "seconds since 1970 to compute the codes for (default now)")
	default:
		return usagef("unknown key subcommand %q", sub)
	}
	if err := fs.Parse(args); err != nil {
		return usagef("key %s: %v", sub, err)
	}
	if fs.NArg() == 0 {
		return usagef("key %s needs TEXT, or - to read it from standard input", sub)
	}
	text := strings.Join(fs.Args(), " ")
	if text == "-" {
		b, err := io.ReadAll(io.LimitReader(m.Stdin, maxKeyInput))
		if err != nil {
			return fmt.Errorf("read standard input: %w", err)
		}
		text = string(b)
	}
	keys, err := otpauth.Parse(text)
	if err != nil {
		return err
	}
	defer func() {
		for _, k := range keys {
			k.Zero()
		}
	}()
	if mig, err := otpauth.ParseMigration(text); err == nil && mig.BatchSize > 1 {
		fmt.Fprintf(m.Stderr, "twofetch key: this export is code %d of %d; the other codes hold more keys\n", mig.BatchIndex+1, mig.BatchSize)
	}
	if sub == "parse" {
		return printKeys(m.Stdout, keys, showSecret)
	}
	now := time.Now()
	if at != "" {
		sec, err := strconv.ParseInt(at, 10, 64)
		if err != nil || sec < 0 {
			return usagef("--at wants seconds since 1970, not %q", at)
		}
		now = time.Unix(sec, 0)
	}
	for _, k := range keys {
		var code string
		if k.TimeBased() {
			code, err = k.CodeAt(now)
		} else {
			code, err = k.Code(k.Counter)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s:%s %s\n", k.Issuer, k.Account, code)
	}
	return nil
}

// keyJSON is the printed form of a key; Counter is a pointer so that a
// counter-based key shows its counter even when it is 0.
type keyJSON struct {
	Type        otpauth.Type      `json:"type"`
	Issuer      string            `json:"issuer,omitempty"`
	LabelIssuer string            `json:"label_issuer,omitempty"`
	Account     string            `json:"account,omitempty"`
	Algorithm   otpauth.Algorithm `json:"algorithm"`
	Digits      int               `json:"digits"`
	Period      int               `json:"period,omitempty"`
	Counter     *uint64           `json:"counter,omitempty"`
	Secret      string            `json:"secret,omitempty"`
	URI         string            `json:"uri,omitempty"`
}

func printKeys(w io.Writer, keys []*otpauth.Key, showSecret bool) error {
	out := make([]keyJSON, 0, len(keys))
	for _, k := range keys {
		j := keyJSON{Type: k.Type, Issuer: k.Issuer, LabelIssuer: k.LabelIssuer, Account: k.Account,
			Algorithm: k.Algorithm, Digits: k.Digits, Period: k.Period}
		if !k.TimeBased() {
			c := k.Counter
			j.Counter = &c
		}
		if showSecret {
			j.Secret, j.URI = k.SecretBase32(), k.URI()
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

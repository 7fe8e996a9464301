package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/vault"
)

func init() {
	register(&Command{
		Name:    "vault",
		Summary: "rotate the key-encryption key of the secret vault, or show its state",
		Usage:   "rotate [--rewrap-only] | status",
		Help: `
vault rotate adds a key-encryption key and rewraps the data key of every
stored secret under it. With the local keyring (DATA_DIR/keyring.json) the
new key is written to the keyring before anything is rewrapped, and the old
keys stay in it, so running workers keep opening every secret throughout.
With TWOFETCH_KMS_KEY_ID, AWS rotates the key material itself; rotate
rewraps what is still wrapped by any other key, e.g. after the key id was
changed. With TWOFETCH_MASTER_KEY given as "NEW,OLD", rotate rewraps
everything under NEW; afterwards OLD can be dropped.

When KMS or a master key is configured and a keyring file exists in the
data directory, its keys still unwrap, so rotate also moves secrets from the
keyring to the configured key.

If rotate stops part-way, nothing is lost: run it again (or with
--rewrap-only, which adds no key) to finish.

vault status prints the key that wraps new secrets and how many secrets are
still wrapped by other keys.`,
		Settings: []string{"data-dir", "database-url", "master-key", "kms-key-id", "aws-endpoint-url"},
		Run:      runVault,
	})
}

func runVault(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 {
		return usagef("vault needs a subcommand: rotate or status")
	}
	sub, rest := args[0], args[1:]
	rewrapOnly := false
	switch sub {
	case "rotate":
		for _, a := range rest {
			if a != "--rewrap-only" && a != "-rewrap-only" {
				return usagef("vault rotate: unexpected argument %q", a)
			}
			rewrapOnly = true
		}
	case "status":
		if len(rest) > 0 {
			return usagef("vault status takes no arguments")
		}
	default:
		return usagef("unknown vault subcommand %q", sub)
	}

	st, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	kek, err := vaultKEK(ctx, m)
	if err != nil {
		return err
	}
	v, err := vault.New(vault.Config{Store: st, KEK: kek, Logger: m.Logger})
	if err != nil {
		return err
	}
	if _, err := vault.SealWebhookSecrets(ctx, v, st); err != nil {
		return err
	}

	if sub == "status" {
		return vaultStatus(ctx, m, st, v)
	}
	var stats vault.RotateStats
	if rewrapOnly {
		stats, err = v.Rewrap(ctx)
	} else {
		stats, err = v.Rotate(ctx)
	}
	fmt.Fprintf(m.Stdout, "key %s: %d rewrapped, %d rewritten meanwhile, %d failed\n",
		stats.KeyID, stats.Rewrapped, stats.Rewritten, stats.Failed)
	if err != nil {
		return fmt.Errorf("rotation incomplete, run it again to finish: %w", err)
	}
	return nil
}

// statusLimit caps how many secrets status counts; beyond it the exact
// number does not change what the operator does next.
const statusLimit = 100000

func vaultStatus(ctx context.Context, m *Main, st twofetch.Store, v *vault.Vault) error {
	fmt.Fprintf(m.Stdout, "key: %s\n", v.KeyID())
	old, err := st.SecretsNotWrappedBy(ctx, v.KeyID(), statusLimit+1)
	if err != nil {
		return fmt.Errorf("list secrets: %w", err)
	}
	byKey := map[string]int{}
	for _, s := range old {
		byKey[s.KeyID]++
	}
	n := fmt.Sprint(len(old))
	if len(old) > statusLimit {
		n = fmt.Sprintf("more than %d", statusLimit)
	}
	fmt.Fprintf(m.Stdout, "secrets wrapped by other keys: %s\n", n)
	for id, c := range byKey {
		fmt.Fprintf(m.Stdout, "  %s: %d\n", id, c)
	}
	return nil
}

// vaultKEK is the configured key-encryption key: KMS, else the master key,
// else the keyring file. A keyring file left in the data directory next to
// KMS or a master key is chained behind it, so secrets still wrapped by the
// keyring open and rotation moves them to the configured key.
func vaultKEK(ctx context.Context, m *Main) (vault.KEK, error) {
	dir, err := m.Config.DataDir()
	if err != nil {
		return nil, err
	}
	ringPath := filepath.Join(dir, "keyring.json")
	var primary vault.KEK
	switch {
	case m.Config.String("kms-key-id") != "":
		cfg, err := m.awsConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("TWOFETCH_KMS_KEY_ID: %w", err)
		}
		client := kms.NewFromConfig(cfg, func(o *kms.Options) {
			if ep := m.Config.String("aws-endpoint-url"); ep != "" {
				o.BaseEndpoint = aws.String(ep)
			}
		})
		primary = vault.NewKMS(client, m.Config.String("kms-key-id"))
	case m.Config.String("master-key") != "":
		k, err := vault.MasterKey(m.Config.String("master-key"))
		if err != nil {
			return nil, fmt.Errorf("TWOFETCH_MASTER_KEY: %w", err)
		}
		primary = k
	default:
		k, err := vault.OpenKeyring(ringPath)
		if err != nil {
			return nil, fmt.Errorf("TWOFETCH_DATA_DIR: %w", err)
		}
		return k, nil
	}
	if _, err := os.Stat(ringPath); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return primary, nil
		}
		return nil, fmt.Errorf("TWOFETCH_DATA_DIR: %w", err)
	}
	ring, err := vault.OpenKeyring(ringPath)
	if err != nil {
		return nil, fmt.Errorf("TWOFETCH_DATA_DIR: %w", err)
	}
	m.Logger.InfoContext(ctx, "keyring file found next to the configured key; its keys still unwrap", "keys", strings.Join(ring.KeyIDs(), ","))
	return vault.Chain(primary, ring), nil
}

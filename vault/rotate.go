package vault

import (
	"context"
	"errors"
	"fmt"

	"github.com/twofetch/twofetch"
)

// RotateStats reports what a rotation did.
type RotateStats struct {
	// KeyID wraps every data key once rotation has finished.
	KeyID string `json:"key_id"`
	// Rewrapped counts data keys rewrapped under KeyID.
	Rewrapped int `json:"rewrapped"`
	// Rewritten counts secrets another writer replaced while they were being
	// rewrapped; their new value is already under KeyID.
	Rewritten int `json:"rewritten"`
	// Failed counts secrets that could not be opened; they are left as they
	// are, and the error says why.
	Failed int `json:"failed"`
}

// rotateBatch is how many secrets one listing returns; each is rewrapped
// and written on its own, so a crash loses at most nothing.
const rotateBatch = 100

// Rotate adds a key-encryption key (for a keyring file, persisted before
// anything is rewrapped) and rewraps every stored data key under it. The
// ciphertexts stay as they are; only the wrapped data keys change.
//
// Old keys keep unwrapping throughout, so secrets stay readable while it
// runs. If it stops part-way, nothing is lost: every secret is wrapped by
// either the old or the new key, and running Rotate again (which adds yet
// another key) or Rewrap finishes the job.
func (v *Vault) Rotate(ctx context.Context) (RotateStats, error) {
	v.mu.Lock()
	next, err := v.kek.rotate(ctx)
	if err == nil {
		v.kek = next
	}
	v.mu.Unlock()
	if err != nil {
		return RotateStats{}, err
	}
	v.log.InfoContext(ctx, "vault: key-encryption key rotated", "key_id", next.keyID())
	return v.Rewrap(ctx)
}

// Rewrap rewraps every data key not yet wrapped by the current
// key-encryption key, without adding a key.
func (v *Vault) Rewrap(ctx context.Context) (RotateStats, error) {
	kek := v.currentKEK()
	stats := RotateStats{KeyID: kek.keyID()}
	failed := map[twofetch.SecretRef]bool{}
	var errs []error
	for {
		// A keyring can learn of a newer key mid-way (another process
		// rotated); list against the key wraps now go to, or secrets
		// already under it would be listed, and rewrapped, forever.
		stats.KeyID = kek.keyID()
		// Secrets that failed stay unwrapped by the new key and would come
		// back in every listing; ask for enough to see past them.
		list, err := v.store.SecretsNotWrappedBy(ctx, stats.KeyID, rotateBatch+len(failed))
		if err != nil {
			return stats, fmt.Errorf("vault: list secrets to rewrap: %w", err)
		}
		progress := false
		for _, s := range list {
			if failed[s.Ref] {
				continue
			}
			if s.KeyID == kek.keyID() {
				continue
			}
			progress = true
			switch err := v.rewrapOne(ctx, kek, s); {
			case err == nil:
				stats.Rewrapped++
			case twofetch.IsConflict(err):
				// Rewritten meanwhile: the next listing shows it again if
				// the writer still used an old key.
				stats.Rewritten++
			case errors.Is(err, ErrCorrupt):
				failed[s.Ref] = true
				stats.Failed++
				errs = append(errs, err)
			default:
				// Store or KMS trouble: stop, a rerun continues from here.
				return stats, err
			}
		}
		if !progress && stats.KeyID == kek.keyID() {
			break
		}
		if err := ctx.Err(); err != nil {
			return stats, err
		}
	}
	v.log.InfoContext(ctx, "vault: rewrap finished", "key_id", stats.KeyID,
		"rewrapped", stats.Rewrapped, "rewritten", stats.Rewritten, "failed", stats.Failed)
	if len(errs) > 0 {
		return stats, fmt.Errorf("vault: %d secrets could not be rewrapped: %w", len(errs), errors.Join(errs...))
	}
	return stats, nil
}

func (v *Vault) rewrapOne(ctx context.Context, kek KEK, s *twofetch.Secret) error {
	sv, err := parseSealed(s.Sealed)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, s.Ref, err)
	}
	dk, err := kek.unwrap(ctx, sv.keyID, sv.wrapped, s.Ref)
	if err != nil {
		return fmt.Errorf("vault: unwrap %s: %w", s.Ref, err)
	}
	defer clear(dk)
	// Make sure the whole value opens before committing to the new wrap: a
	// rewrap must never turn a readable secret into an unreadable one.
	p, err := decrypt(dk, sv.nonce, sv.ciphertext, dataAAD(s.Ref))
	if err != nil {
		return fmt.Errorf("vault: open %s: %w", s.Ref, err)
	}
	clear(p)
	wrapped, id, err := kek.wrap(ctx, dk, s.Ref)
	if err != nil {
		return err
	}
	sv.wrapped, sv.keyID = wrapped, id
	s.Sealed, s.KeyID = sv.marshal(), id
	if err := v.store.UpdateSecret(ctx, s); err != nil {
		if twofetch.IsConflict(err) {
			return err
		}
		return fmt.Errorf("vault: store rewrapped %s: %w", s.Ref, err)
	}
	return nil
}

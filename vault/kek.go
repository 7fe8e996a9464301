package vault

import (
	"context"
	"fmt"
	"strings"

	"github.com/twofetch/twofetch"
)

// KEK is a key-encryption key: it wraps and unwraps the per-secret data
// keys. Implementations live in this package (OpenKeyring, MasterKey,
// NewKMS, Chain) because a wrong one silently loses every secret.
type KEK interface {
	// keyID names the key that wraps new data keys; stored with each
	// secret so rotation finds what still needs rewrapping.
	keyID() string
	// owns reports whether this KEK can unwrap data keys wrapped by id.
	owns(id string) bool
	// generate returns a new data key and its wrapped form, bound to ref.
	generate(ctx context.Context, ref twofetch.SecretRef) (plain, wrapped []byte, id string, err error)
	// wrap wraps an existing data key under the current key, bound to ref.
	wrap(ctx context.Context, plain []byte, ref twofetch.SecretRef) (wrapped []byte, id string, err error)
	// unwrap returns the data key; ErrCorrupt when it is bound elsewhere.
	unwrap(ctx context.Context, id string, wrapped []byte, ref twofetch.SecretRef) ([]byte, error)
	// rotate returns the KEK to use from now on. Keys that wrapped earlier
	// data keys stay available for unwrapping.
	rotate(ctx context.Context) (KEK, error)
}

// Chain returns a KEK that wraps with primary and unwraps with whichever of
// primary and older owns a data key's key id. It moves a vault from one kind
// of key to another (keyring to KMS, say): configure the chain, run Rotate,
// and afterwards older is no longer needed.
func Chain(primary KEK, older ...KEK) KEK {
	return &chain{primary: primary, older: older}
}

type chain struct {
	primary KEK
	older   []KEK
}

func (c *chain) keyID() string { return c.primary.keyID() }

func (c *chain) owns(id string) bool { return c.pick(id) != nil }

func (c *chain) pick(id string) KEK {
	if c.primary.owns(id) {
		return c.primary
	}
	for _, k := range c.older {
		if k.owns(id) {
			return k
		}
	}
	return nil
}

func (c *chain) generate(ctx context.Context, ref twofetch.SecretRef) ([]byte, []byte, string, error) {
	return c.primary.generate(ctx, ref)
}

func (c *chain) wrap(ctx context.Context, plain []byte, ref twofetch.SecretRef) ([]byte, string, error) {
	return c.primary.wrap(ctx, plain, ref)
}

func (c *chain) unwrap(ctx context.Context, id string, wrapped []byte, ref twofetch.SecretRef) ([]byte, error) {
	k := c.pick(id)
	if k == nil {
		return nil, unknownKey(id)
	}
	return k.unwrap(ctx, id, wrapped, ref)
}

func (c *chain) rotate(ctx context.Context) (KEK, error) {
	p, err := c.primary.rotate(ctx)
	if err != nil {
		return nil, err
	}
	return &chain{primary: p, older: c.older}, nil
}

func unknownKey(id string) error {
	return fmt.Errorf("%w: key-encryption key %q is not configured", ErrCorrupt, id)
}

func kindOf(id string) string {
	k, _, _ := strings.Cut(id, ":")
	return k
}

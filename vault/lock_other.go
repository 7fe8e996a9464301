//go:build !unix

package vault

import "errors"

func lockFile(string) (func(), error) {
	return nil, errors.New("vault: rotating a keyring file needs a Unix file lock; use TWOFETCH_MASTER_KEY or KMS on this system")
}

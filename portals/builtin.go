package portals

import "github.com/twofetch/twofetch/portals/scripts"

// Builtin loads the portal scripts embedded in the binary.
func Builtin() (*Registry, error) { return Load(scripts.FS) }

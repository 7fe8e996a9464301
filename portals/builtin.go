package portals

import (
	"io/fs"

	"github.com/twofetch/twofetch/portals/scripts"
)

// builtinFS holds the built-in scripts and their fragments.
var builtinFS fs.FS = scripts.FS

// Builtin loads the portal scripts embedded in the binary.
func Builtin() (*Registry, error) { return Load(scripts.FS) }

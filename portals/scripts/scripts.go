// Package scripts holds the portal scripts shipped with twofetch, one YAML
// file per portal, embedded so the binary carries them. Each script is
// tested in headless Chromium against its local replica (portals/replica).
package scripts

import "embed"

// FS holds the script files at its root, <id>.yaml, and the fragments
// they use in folders: login/<name>.yaml, outcomes/<name>.yaml.
//
//go:embed *.yaml */*.yaml
var FS embed.FS

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/twofetch/twofetch/portals"
	"github.com/twofetch/twofetch/web"
)

// portalsSettings are read by every process that plays or lists scripts.
var portalsSettings = []string{"portals-dir"}

var (
	dirScriptsMu sync.Mutex
	dirScripts   = map[*Main]*portals.Registry{}
)

// portalScripts is the set of portal scripts this process uses: the
// built-in ones, overridden and extended by --portals-dir when set. Every
// part of one process shares one registry, so they agree on versions and
// read the folder once a second at most.
func (m *Main) portalScripts() (*portals.Registry, error) {
	base, err := builtinPortals()
	if err != nil {
		return nil, fmt.Errorf("load built-in portal scripts: %w", err)
	}
	if !m.Config.Has("portals-dir") || m.Config.String("portals-dir") == "" {
		return base, nil
	}
	dirScriptsMu.Lock()
	defer dirScriptsMu.Unlock()
	if reg := dirScripts[m]; reg != nil {
		return reg, nil
	}
	reg, err := base.WithDir(m.Config.String("portals-dir"), m.Logger)
	if err != nil {
		return nil, fmt.Errorf("TWOFETCH_PORTALS_DIR: %w", err)
	}
	dirScripts[m] = reg
	m.OnClose(func() error {
		dirScriptsMu.Lock()
		defer dirScriptsMu.Unlock()
		delete(dirScripts, m)
		return nil
	})
	return reg, nil
}

// isScriptFile tells a script file from a portal id.
func isScriptFile(s string) bool {
	switch filepath.Ext(s) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return strings.ContainsRune(s, filepath.Separator)
}

// testScript finds what `portal test` runs: a portal id of the scripts in
// use, or a script file (not built in, not in the scripts folder), which
// must pass lint first.
func (m *Main) testScript(target string) (*portals.Registry, *portals.Script, error) {
	reg, err := m.portalScripts()
	if err != nil {
		return nil, nil, err
	}
	if !isScriptFile(target) {
		s, ok := reg.Get(target)
		if !ok {
			return nil, nil, fmt.Errorf("no portal script %q (see twofetch portal list)", target)
		}
		return reg, s, nil
	}
	data, err := os.ReadFile(target)
	if err != nil {
		return nil, nil, err
	}
	reg, s, err := reg.WithFile(target, data)
	var le *portals.LintError
	if errors.As(err, &le) {
		for _, p := range le.Problems {
			fmt.Fprintln(m.Stderr, p.String())
		}
		return nil, nil, fmt.Errorf("%s does not pass lint (%d problem(s))", target, len(le.Problems))
	}
	return reg, s, err
}

// registryScripts shows the scripts in use to the portal health view.
type registryScripts struct{ *portals.Registry }

func (r registryScripts) Refused() []web.RefusedScript {
	var out []web.RefusedScript
	for _, ref := range r.Registry.Refused() {
		probs := make([]string, len(ref.Problems))
		for i, p := range ref.Problems {
			probs[i] = p.String()
		}
		out = append(out, web.RefusedScript{File: ref.File, Problems: probs, Since: ref.Since, InUse: ref.InUse})
	}
	return out
}

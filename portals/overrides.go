package portals

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"
)

// A scripts folder lets support fix or add a portal without a release: its
// files override the built-in scripts of the same id and add new ones. The
// folder is read again when a script is looked up (at most once a second),
// so every process that shares it picks up a change at its next job. A
// file that fails lint is refused, with the reason logged and kept for the
// support view, and the version in use before stays in use.

// rescanEvery bounds how often a busy process reads the folder.
const rescanEvery = time.Second

// Refusal is a scripts-folder file that failed lint.
type Refusal struct {
	File     string    `json:"file"`
	Problems []Problem `json:"problems"`
	Since    time.Time `json:"since"`
	// InUse is the version still used instead: the file's last good
	// content, or the built-in script; empty when the portal has none.
	InUse string `json:"in_use,omitempty"`
}

type overrides struct {
	dir string
	fs  fs.FS
	log *slog.Logger
	now func() time.Time

	// static holds one file given in memory: nothing to scan.
	static bool

	mu       sync.Mutex
	scanned  time.Time
	fragHash string
	files    map[string]*dirFile // by file name
}

type dirFile struct {
	hash    string  // of the content last read
	script  *Script // the last content that passed lint
	version string
	refused *Refusal
}

// WithDir returns a registry of r's scripts overridden and extended by the
// scripts in dir. Fragments there are used before the built-in ones. The
// folder must exist; its files may be broken (they are refused, not fatal).
func (r *Registry) WithDir(dir string, log *slog.Logger) (*Registry, error) {
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("portals: scripts folder: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("portals: scripts folder %s is not a folder", dir)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o := &overrides{dir: dir, fs: os.DirFS(dir), log: log, now: time.Now, files: map[string]*dirFile{}}
	o.scan(true)
	return &Registry{byID: r.byID, over: o}, nil
}

// WithFile returns a registry of r's scripts with the script in file name
// (read as data) in place of the one with its id, for testing a script
// that is not in use. Fragments come from the built-in scripts.
func (r *Registry) WithFile(name string, data []byte) (*Registry, *Script, error) {
	s, err := Parse(name, data)
	if err != nil {
		return nil, nil, err
	}
	o := &overrides{dir: path.Dir(name), static: true, files: map[string]*dirFile{
		path.Base(name): {script: s, version: scriptVersion(builtinFS, data, s)},
	}}
	return &Registry{byID: r.byID, over: o}, s, nil
}

// Reload reads the scripts folder now, instead of at the next look-up
// after a second.
func (r *Registry) Reload() {
	if r.over != nil {
		r.over.scan(true)
	}
}

// Refused lists the folder's files that failed lint, by file name.
func (r *Registry) Refused() []Refusal {
	if r.over == nil {
		return nil
	}
	o := r.over
	o.scan(false)
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Refusal
	for _, f := range o.files {
		if f.refused != nil {
			ref := *f.refused
			if f.script != nil {
				ref.InUse = f.version
			}
			out = append(out, ref)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	for i := range out {
		if out[i].InUse == "" {
			id := strings.TrimSuffix(out[i].File, path.Ext(out[i].File))
			if s, ok := r.byID[id]; ok {
				out[i].InUse = r.builtinVersion(s)
			}
		}
	}
	return out
}

// Version is the content hash of the script in use for id: the file's and
// those of the fragments it uses, so two processes running the same text
// report the same version. Empty for an unknown id.
func (r *Registry) Version(id string) string {
	if r.over != nil {
		if f := r.over.get(id); f != nil {
			return f.version
		}
	}
	s, ok := r.byID[id]
	if !ok {
		return ""
	}
	return r.builtinVersion(s)
}

// Origin says where the script in use for id comes from: "built-in" or
// the file in the scripts folder.
func (r *Registry) Origin(id string) string {
	if r.over != nil {
		if f := r.over.get(id); f != nil {
			return path.Join(r.over.dir, path.Base(f.script.File))
		}
	}
	if _, ok := r.byID[id]; ok {
		return "built-in"
	}
	return ""
}

func (r *Registry) builtinVersion(s *Script) string {
	data, err := fs.ReadFile(builtinFS, path.Base(s.File))
	if err != nil {
		return ""
	}
	return scriptVersion(builtinFS, data, s)
}

// scriptVersion hashes a script's text and the fragments it uses.
func scriptVersion(fsys fs.FS, data []byte, s *Script) string {
	h := sha256.New()
	h.Write(data)
	for _, u := range s.Uses {
		frag, _ := fs.ReadFile(fsys, u.Name+".yaml")
		fmt.Fprintf(h, "\x00%s\x00", u.Name)
		h.Write(frag)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func (o *overrides) get(id string) *dirFile {
	o.scan(false)
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, f := range o.files {
		if f.script != nil && f.script.ID == id {
			return f
		}
	}
	return nil
}

func (o *overrides) all() []*Script {
	o.scan(false)
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []*Script
	for _, f := range o.files {
		if f.script != nil {
			out = append(out, f.script)
		}
	}
	return out
}

// overlayFS reads the scripts folder first, then the built-in scripts, so
// a folder's script can use built-in fragments and override them.
type overlayFS struct{ top, under fs.FS }

func (o overlayFS) Open(name string) (fs.File, error) {
	f, err := o.top.Open(name)
	if err == nil {
		return f, nil
	}
	return o.under.Open(name)
}

func (o overlayFS) ReadDir(name string) ([]fs.DirEntry, error) {
	return fs.ReadDir(o.top, name)
}

// scan reads the folder when force or when the last read is old enough.
func (o *overrides) scan(force bool) {
	if o.static {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.now()
	if !force && now.Sub(o.scanned) < rescanEvery {
		return
	}
	o.scanned = now
	entries, err := fs.ReadDir(o.fs, ".")
	if err != nil {
		// A folder that went away keeps what was loaded: better the last
		// good scripts than none during a redeploy.
		o.log.Error("portal scripts folder unreadable; keeping the scripts loaded before", "dir", o.dir, "err", err)
		return
	}
	// A changed fragment changes every script that may use it.
	fh := sha256.New()
	seen := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			sub, _ := fs.ReadDir(o.fs, e.Name())
			for _, f := range sub {
				if data, err := fs.ReadFile(o.fs, path.Join(e.Name(), f.Name())); err == nil {
					fmt.Fprintf(fh, "%s/%s\x00", e.Name(), f.Name())
					fh.Write(data)
				}
			}
		}
	}
	fragHash := hex.EncodeToString(fh.Sum(nil))
	fragsChanged := fragHash != o.fragHash
	o.fragHash = fragHash
	fsys := overlayFS{top: o.fs, under: builtinFS}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !isScriptName(name) {
			continue
		}
		seen[name] = true
		data, err := fs.ReadFile(o.fs, name)
		if err != nil {
			o.log.Error("portal script unreadable; keeping the version in use", "file", path.Join(o.dir, name), "err", err)
			continue
		}
		sum := sha256.Sum256(data)
		hash := hex.EncodeToString(sum[:])
		f := o.files[name]
		if f == nil {
			f = &dirFile{}
			o.files[name] = f
		}
		if f.hash == hash && !fragsChanged {
			continue
		}
		f.hash = hash
		s, err := ParseWith(fsys, o.dir, name, data)
		if err != nil {
			var le *LintError
			probs := []Problem{{File: path.Join(o.dir, name), Message: err.Error()}}
			if errors.As(err, &le) {
				probs = le.Problems
			}
			f.refused = &Refusal{File: name, Problems: probs, Since: now}
			msgs := make([]string, len(probs))
			for i, p := range probs {
				msgs[i] = p.String()
			}
			o.log.Error("portal script refused; the version in use before stays in use", "file", path.Join(o.dir, name), "problems", strings.Join(msgs, "; "))
			continue
		}
		if prev := f.script; prev != nil && prev.ID != s.ID {
			o.log.Info("portal script changed id", "file", name, "was", prev.ID, "now", s.ID)
		}
		f.script, f.refused = s, nil
		f.version = scriptVersion(fsys, data, s)
		o.log.Info("portal script loaded from the scripts folder", "file", path.Join(o.dir, name), "id", s.ID, "version", f.version)
	}
	for name := range o.files {
		if !seen[name] {
			delete(o.files, name)
			o.log.Info("portal script removed from the scripts folder", "file", path.Join(o.dir, name))
		}
	}
}

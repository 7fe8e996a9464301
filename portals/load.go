package portals

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"gopkg.in/yaml.v3"
)

// SchemaJSON is the JSON Schema of portal scripts, for editors and docs.
//
//go:embed schema.json
var SchemaJSON []byte

// maxScriptSize caps a script file; real scripts are a few kilobytes.
const maxScriptSize = 1 << 20

var (
	compiledSchema         = sync.OnceValues(func() (*jsonschema.Schema, error) { return compileSchema("schema.json") })
	compiledFragmentSchema = sync.OnceValues(func() (*jsonschema.Schema, error) { return compileSchema("fragment.schema.json") })
)

// compileSchema compiles one of the two embedded schemas; the fragment
// schema refers to the script schema's definitions.
func compileSchema(name string) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	for n, data := range map[string][]byte{"schema.json": SchemaJSON, "fragment.schema.json": FragmentSchemaJSON} {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		if err := c.AddResource(n, doc); err != nil {
			return nil, err
		}
	}
	return c.Compile(name)
}

// Problem is one thing wrong with a script, located for the person fixing it.
type Problem struct {
	File string
	Line int // 0 when unknown
	// Path is a JSON pointer into the script, e.g. /login/3/type.
	Path    string
	Message string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	if p.Path != "" {
		fmt.Fprintf(&b, " (%s)", p.Path)
	}
	fmt.Fprintf(&b, ": %s", p.Message)
	return b.String()
}

// LintError lists every problem found in one or more scripts.
type LintError struct{ Problems []Problem }

func (e *LintError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Parse reads one script from YAML or JSON (JSON is YAML), resolves the
// fragments it uses from the built-in scripts, validates the whole against
// the schema and lints it. See ParseWith.
func Parse(name string, data []byte) (*Script, error) {
	return ParseWith(builtinFS, "portals/scripts", name, data)
}

// ParseWith reads one script, resolving the fragments it uses from
// fragments (FOLDER/NAME.yaml at its root; dir prefixes their file names in
// messages), validates the assembled script against the schema and lints
// it. name is used in messages and, minus its extension, must equal the
// script's id. A script with problems is returned along with a *LintError.
func ParseWith(fragments fs.FS, dir, name string, data []byte) (*Script, error) {
	if len(data) > maxScriptSize {
		return nil, &LintError{[]Problem{{File: name, Message: fmt.Sprintf("file is larger than %d bytes", maxScriptSize)}}}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &LintError{[]Problem{{File: name, Message: yamlMessage(err)}}}
	}
	if len(root.Content) == 0 {
		return nil, &LintError{[]Problem{{File: name, Message: "empty file"}}}
	}
	res := &resolver{fsys: fragments, dir: dir, origin: map[*yaml.Node]string{}}
	var probs []Problem
	add := func(ptr, msg string) {
		file, line := locate(&root, ptr, res.origin)
		if file == "" {
			file = name
		}
		probs = append(probs, Problem{File: file, Line: line, Path: ptr, Message: msg})
	}

	doc := root.Content[0]
	var uses []Use
	ownSources := false
	if doc.Kind == yaml.MappingNode {
		if sv, _ := mapValue(doc, "sources"); sv != nil && sv.Kind == yaml.SequenceNode && len(sv.Content) > 0 {
			ownSources = true
		}
		if _, i := mapValue(doc, "uses"); i >= 0 {
			if fragments == nil {
				return nil, &LintError{[]Problem{{File: name, Line: doc.Content[i].Line, Path: "/uses", Message: "uses fragments, but no fragment folder is given"}}}
			}
			uses = res.resolve(name, doc, nil)
			if len(res.probs) > 0 {
				return nil, &LintError{res.probs}
			}
		}
	}

	// The schema sees the assembled document as JSON would: converting
	// through JSON also rejects YAML-only constructs (non-string keys).
	leaves, err := validateNode(&root, compiledSchema)
	if err != nil {
		return nil, err
	}
	for _, l := range leaves {
		add(l.ptr, l.msg)
	}

	// A strict decode (yaml.Node.Decode cannot be strict, so through the
	// encoder) catches anything the schema let through.
	s := new(Script)
	var buf bytes.Buffer
	if err := yaml.NewEncoder(&buf).Encode(&root); err != nil {
		add("", yamlMessage(err))
		return nil, &LintError{probs}
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	if err := dec.Decode(s); err != nil {
		if len(probs) == 0 {
			add("", yamlMessage(err))
		}
		return nil, &LintError{probs}
	}
	s.File = name
	s.Uses = uses
	if len(probs) == 0 {
		if !ownSources {
			add("", "the script names no sources: list the public pages and open-source scrapers its URLs, selectors and texts come from (sources:)")
		}
		for _, p := range lint(s) {
			add(p.Path, p.Message)
		}
	}
	if base := strings.TrimSuffix(path.Base(name), path.Ext(name)); s.ID != "" && base != s.ID && path.Ext(name) != "" {
		add("/id", fmt.Sprintf("id %q does not match the file name %q", s.ID, path.Base(name)))
	}
	if len(probs) > 0 {
		sort.SliceStable(probs, func(i, j int) bool {
			if probs[i].File != probs[j].File {
				return probs[i].File == name
			}
			return probs[i].Line < probs[j].Line
		})
		return s, &LintError{probs}
	}
	return s, nil
}

func yamlMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// jsonable turns yaml.v3's decoded values into what encoding/json accepts.
func jsonable(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = jsonable(x)
		}
		return v
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[fmt.Sprint(k)] = jsonable(x)
		}
		return m
	case []any:
		for i, x := range v {
			v[i] = jsonable(x)
		}
		return v
	case time.Time:
		// YAML reads an unquoted 2026-12-06 as a timestamp; the schema
		// wants the day as written.
		if v.Equal(v.Truncate(24 * time.Hour)) {
			return v.Format(time.DateOnly)
		}
		return v.Format(time.RFC3339Nano)
	}
	return v
}

var schemaPrinter = message.NewPrinter(language.English)

type leaf struct{ ptr, msg string }

// schemaLeaves flattens a validation error to its most specific causes.
// Alternatives (oneOf) are reported as one message at their location, since
// listing why each alternative failed only confuses.
func schemaLeaves(ve *jsonschema.ValidationError) []leaf {
	var out []leaf
	seen := map[string]bool{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		kw := e.ErrorKind.KeywordPath()
		isAlt := len(kw) > 0 && (kw[len(kw)-1] == "oneOf" || kw[len(kw)-1] == "anyOf")
		if len(e.Causes) == 0 || isAlt {
			ptr := "/" + strings.Join(e.InstanceLocation, "/")
			if ptr == "/" {
				ptr = ""
			}
			msg := e.ErrorKind.LocalizedString(schemaPrinter)
			if isAlt {
				msg = altMessage(e)
			}
			if key := ptr + "\x00" + msg; !seen[key] {
				seen[key] = true
				out = append(out, leaf{ptr, msg})
			}
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return out
}

func altMessage(e *jsonschema.ValidationError) string {
	// A step with several action keys, or a download with several sources,
	// matches more than one alternative; one with none matches none.
	s := e.ErrorKind.LocalizedString(schemaPrinter)
	if k, ok := e.ErrorKind.(*kind.OneOf); ok && len(k.Subschemas) > 1 {
		return "sets more than one of mutually exclusive keys (a step has exactly one action; a download exactly one source)"
	}
	return "matches none of the allowed forms: " + s
}

// lineOf finds the line of the YAML node at a JSON pointer, or the nearest
// ancestor that exists.
func lineOf(root *yaml.Node, ptr string) int {
	_, line := locate(root, ptr, nil)
	return line
}

// locate finds the file and line of the YAML node at a JSON pointer, or of
// the nearest ancestor that exists; origin names the file of nodes that
// came from a fragment ("" for the script's own).
func locate(root *yaml.Node, ptr string, origin map[*yaml.Node]string) (string, int) {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	file := origin[n]
	if ptr == "" {
		return file, line
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == tok {
					next = n.Content[i+1]
					line = n.Content[i].Line
					file = origin[n.Content[i+1]]
					break
				}
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
				line = next.Line
				file = origin[next]
			}
		}
		if next == nil {
			return file, line
		}
		n = next
	}
	return file, line
}

// Registry holds loaded scripts by id.
type Registry struct {
	byID map[string]*Script
	// over layers a scripts folder on byID (overrides.go).
	over *overrides
}

// NewRegistry returns a registry of the given scripts; ids must be unique.
func NewRegistry(scripts ...*Script) (*Registry, error) {
	r := &Registry{byID: map[string]*Script{}}
	for _, s := range scripts {
		if prev, dup := r.byID[s.ID]; dup {
			return nil, fmt.Errorf("portals: id %q defined in both %s and %s", s.ID, prev.File, s.File)
		}
		r.byID[s.ID] = s
	}
	return r, nil
}

// Get returns the script with the given id.
func (r *Registry) Get(id string) (*Script, bool) {
	if r.over != nil {
		if f := r.over.get(id); f != nil {
			return f.script, true
		}
	}
	s, ok := r.byID[id]
	return s, ok
}

// List returns every script, sorted by id.
func (r *Registry) List() []*Script {
	byID := r.byID
	if r.over != nil {
		byID = maps.Clone(byID)
		for _, s := range r.over.all() {
			byID[s.ID] = s
		}
	}
	out := make([]*Script, 0, len(byID))
	for _, s := range byID {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Load reads every *.yaml, *.yml and *.json file at the root of fsys as a
// script, and the fragments in its folders (login/google.yaml). Any
// problem in any file, including a fragment no script uses, fails the load
// with a *LintError naming them all, so a broken script is never half-used.
func Load(fsys fs.FS) (*Registry, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("portals: %w", err)
	}
	var scripts []*Script
	probs := LintFragments(fsys, "")
	for _, e := range entries {
		if e.IsDir() || !isScriptName(e.Name()) {
			continue
		}
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("portals: %w", err)
		}
		s, err := ParseWith(fsys, "", e.Name(), data)
		var le *LintError
		switch {
		case errors.As(err, &le):
			probs = append(probs, le.Problems...)
		case err != nil:
			return nil, err
		default:
			scripts = append(scripts, s)
		}
	}
	if len(probs) > 0 {
		return nil, &LintError{probs}
	}
	return NewRegistry(scripts...)
}

func isScriptName(n string) bool {
	switch path.Ext(n) {
	case ".yaml", ".yml", ".json":
		return !strings.HasPrefix(n, ".")
	}
	return false
}

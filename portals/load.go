package portals

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"

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

var compiledSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SchemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("schema.json")
})

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

// Parse reads one script from YAML or JSON (JSON is YAML), validates it
// against the schema and lints it. name is used in messages and, minus its
// extension, must equal the script's id when it has one. A script with
// problems is returned along with a *LintError.
func Parse(name string, data []byte) (*Script, error) {
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
	var probs []Problem
	add := func(ptr, msg string) {
		probs = append(probs, Problem{File: name, Line: lineOf(&root, ptr), Path: ptr, Message: msg})
	}

	// The schema sees the document as JSON would: converting through JSON
	// also rejects YAML-only constructs (non-string keys) early.
	var generic any
	if err := root.Decode(&generic); err != nil {
		return nil, &LintError{[]Problem{{File: name, Message: yamlMessage(err)}}}
	}
	js, err := json.Marshal(jsonable(generic))
	if err != nil {
		return nil, &LintError{[]Problem{{File: name, Message: "not representable as JSON: " + err.Error()}}}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return nil, &LintError{[]Problem{{File: name, Message: err.Error()}}}
	}
	sch, err := compiledSchema()
	if err != nil {
		return nil, fmt.Errorf("portals: embedded schema: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return nil, err
		}
		for _, l := range schemaLeaves(ve) {
			add(l.ptr, l.msg)
		}
	}

	s := new(Script)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(s); err != nil {
		if len(probs) == 0 {
			add("", yamlMessage(err))
		}
		return nil, &LintError{probs}
	}
	s.File = name
	if len(probs) == 0 {
		for _, p := range lint(s) {
			add(p.Path, p.Message)
		}
	}
	if base := strings.TrimSuffix(path.Base(name), path.Ext(name)); s.ID != "" && base != s.ID && path.Ext(name) != "" {
		add("/id", fmt.Sprintf("id %q does not match the file name %q", s.ID, path.Base(name)))
	}
	if len(probs) > 0 {
		sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
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
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	if ptr == "" {
		return line
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
					break
				}
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
				line = next.Line
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}

// Registry holds loaded scripts by id.
type Registry struct {
	byID map[string]*Script
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
	s, ok := r.byID[id]
	return s, ok
}

// List returns every script, sorted by id.
func (r *Registry) List() []*Script {
	out := make([]*Script, 0, len(r.byID))
	for _, s := range r.byID {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Load reads every *.yaml, *.yml and *.json file at the root of fsys. Any
// problem in any file fails the load with a *LintError naming them all, so
// a broken script is never half-used.
func Load(fsys fs.FS) (*Registry, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("portals: %w", err)
	}
	var scripts []*Script
	var probs []Problem
	for _, e := range entries {
		if e.IsDir() || !isScriptName(e.Name()) {
			continue
		}
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("portals: %w", err)
		}
		s, err := Parse(e.Name(), data)
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

package portals

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// A fragment is part of a script written once and used by many: the login
// of a shared sign-in (login/google for Google Ads, Workspace and Cloud)
// or outcome rules every portal needs (outcomes/http). It lives in a
// folder beside the scripts, login/google.yaml, and a script names it in
// `uses`. Fragments are resolved when a script is loaded, so the schema
// and lint check the whole script, and problems inside a fragment name
// the fragment's file and line.
//
// How a fragment's sections join the script's:
//
//	login, documents        the fragment's steps run first, in the order of uses
//	outcomes                after the script's own rules, which are more specific
//	hosts, two_factor       added where missing
//	enrollment              the first fragment's, unless the script has its own
//	credentials             added where missing; the script's entry of the same name wins
//	sources                 added after the script's own
//
// A fragment declares parameters (params) and refers to them as
// {{param.NAME}} in any string; the script gives their values in `with`.

// fragmentName is DIR/NAME: a fragment always sits in a folder, so a
// script can never be used as a fragment of another.
var fragmentName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)+$`)

// paramRef finds {{param.NAME}} references.
var paramRef = regexp.MustCompile(`\{\{\s*param\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// fragmentSections are the keys a fragment may carry besides params,
// description and uses.
var fragmentSections = []string{"hosts", "credentials", "two_factor", "enrollment", "sources", "login", "documents", "outcomes"}

// maxFragmentDepth bounds fragments that use fragments.
const maxFragmentDepth = 4

//go:embed fragment.schema.json
var FragmentSchemaJSON []byte

// resolver assembles scripts from fragments found in fsys.
type resolver struct {
	fsys fs.FS
	// dir is prefixed to fragment file names in messages, so they read
	// like the script's own (portals/scripts/login/google.yaml).
	dir string
	// origin maps every node copied from a fragment to its file.
	origin map[*yaml.Node]string
	probs  []Problem
}

func (r *resolver) addf(file string, n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	r.probs = append(r.probs, Problem{File: file, Line: line, Message: fmt.Sprintf(format, args...)})
}

func (r *resolver) file(name string) string { return path.Join(r.dir, name+".yaml") }

// mapValue returns the value node of key in a mapping node, and its index.
func mapValue(m *yaml.Node, key string) (*yaml.Node, int) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, -1
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1], i
		}
	}
	return nil, -1
}

func deleteKey(m *yaml.Node, key string) {
	if _, i := mapValue(m, key); i >= 0 {
		m.Content = slices.Delete(m.Content, i, i+2)
	}
}

// setKey sets key to v, appending the key when it is missing.
func setKey(m *yaml.Node, key string, v *yaml.Node, line int) {
	if _, i := mapValue(m, key); i >= 0 {
		m.Content[i+1] = v
		return
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, Line: line}, v)
}

// parseUses reads the uses key of doc: a name, or a list of names and
// {name, with} maps.
func (r *resolver) parseUses(file string, doc *yaml.Node) ([]Use, []*yaml.Node) {
	u, _ := mapValue(doc, "uses")
	if u == nil {
		return nil, nil
	}
	items := []*yaml.Node{u}
	if u.Kind == yaml.SequenceNode {
		items = u.Content
	}
	var uses []Use
	var nodes []*yaml.Node
	for _, it := range items {
		var use Use
		switch it.Kind {
		case yaml.ScalarNode:
			use.Name = it.Value
		case yaml.MappingNode:
			var raw struct {
				Name string            `yaml:"name"`
				With map[string]string `yaml:"with"`
			}
			if err := it.Decode(&raw); err != nil {
				r.addf(file, it, "uses: %s", yamlMessage(err))
				continue
			}
			for i := 0; i+1 < len(it.Content); i += 2 {
				if k := it.Content[i].Value; k != "name" && k != "with" {
					r.addf(file, it.Content[i], "uses: unknown key %q (want name and with)", k)
				}
			}
			use = Use{Name: raw.Name, With: raw.With}
		default:
			r.addf(file, it, "uses: want a fragment name or {name, with}")
			continue
		}
		if !fragmentName.MatchString(use.Name) {
			r.addf(file, it, "uses: %q is not a fragment name (FOLDER/NAME, e.g. login/google)", use.Name)
			continue
		}
		if slices.ContainsFunc(uses, func(x Use) bool { return x.Name == use.Name }) {
			r.addf(file, it, "uses: %s is named twice", use.Name)
			continue
		}
		uses = append(uses, use)
		nodes = append(nodes, it)
	}
	return uses, nodes
}

// resolve replaces doc's uses by the fragments' content. file names doc in
// messages; stack holds the fragments being resolved, to refuse cycles.
func (r *resolver) resolve(file string, doc *yaml.Node, stack []string) []Use {
	uses, nodes := r.parseUses(file, doc)
	usesNode, _ := mapValue(doc, "uses")
	deleteKey(doc, "uses")
	if len(uses) == 0 {
		return nil
	}
	line := usesNode.Line
	var preLogin, preDocs, outcomes []*yaml.Node
	for i, use := range uses {
		if slices.Contains(stack, use.Name) || len(stack) >= maxFragmentDepth {
			r.addf(file, nodes[i], "uses: %s would use itself (through %s)", use.Name, strings.Join(append(stack, use.Name), " → "))
			continue
		}
		frag := r.fragment(use, file, nodes[i], stack)
		if frag == nil {
			continue
		}
		for _, key := range fragmentSections {
			fv, _ := mapValue(frag, key)
			if fv == nil {
				continue
			}
			sv, _ := mapValue(doc, key)
			switch key {
			case "login":
				preLogin = append(preLogin, fv.Content...)
			case "documents":
				preDocs = append(preDocs, fv.Content...)
			case "outcomes":
				outcomes = append(outcomes, fv.Content...)
			case "sources":
				if sv == nil || sv.Kind != yaml.SequenceNode {
					sv = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: line}
					setKey(doc, key, sv, line)
				}
				sv.Content = append(sv.Content, fv.Content...)
			case "enrollment":
				// The whole block, not key by key: a script that words
				// its path differently must not inherit the family's
				// settings page for another product.
				if sv == nil {
					setKey(doc, key, fv, line)
				}
			case "hosts", "two_factor":
				if sv == nil || sv.Kind != yaml.SequenceNode {
					sv = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: line, Style: yaml.FlowStyle}
					setKey(doc, key, sv, line)
				}
				for _, x := range fv.Content {
					if !slices.ContainsFunc(sv.Content, func(y *yaml.Node) bool { return y.Value == x.Value }) {
						sv.Content = append(sv.Content, x)
					}
				}
			case "credentials":
				merged := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: line}
				own := map[string]*yaml.Node{}
				if sv != nil {
					for _, c := range sv.Content {
						if n, _ := mapValue(c, "name"); n != nil {
							own[n.Value] = c
						}
					}
				}
				seen := map[string]bool{}
				for _, c := range fv.Content {
					n, _ := mapValue(c, "name")
					if n == nil {
						merged.Content = append(merged.Content, c)
						continue
					}
					seen[n.Value] = true
					if o := own[n.Value]; o != nil {
						c = o
					}
					merged.Content = append(merged.Content, c)
				}
				if sv != nil {
					for _, c := range sv.Content {
						if n, _ := mapValue(c, "name"); n == nil || !seen[n.Value] {
							merged.Content = append(merged.Content, c)
						}
					}
				}
				setKey(doc, key, merged, line)
			}
		}
	}
	prepend := func(key string, steps []*yaml.Node) {
		if len(steps) == 0 {
			return
		}
		sv, _ := mapValue(doc, key)
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: line, Content: slices.Clone(steps)}
		if sv != nil && sv.Kind == yaml.SequenceNode {
			seq.Line = sv.Line
			seq.Content = append(seq.Content, sv.Content...)
		}
		setKey(doc, key, seq, line)
	}
	prepend("login", preLogin)
	prepend("documents", preDocs)
	if len(outcomes) > 0 {
		sv, _ := mapValue(doc, "outcomes")
		if sv == nil || sv.Kind != yaml.SequenceNode {
			sv = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: line}
			setKey(doc, "outcomes", sv, line)
		}
		sv.Content = append(sv.Content, outcomes...)
	}
	return uses
}

// fragment reads, checks and instantiates one fragment for one use: its
// parameters are filled in and its own uses resolved. It returns the
// fragment's mapping node, or nil after recording problems.
func (r *resolver) fragment(use Use, file string, at *yaml.Node, stack []string) *yaml.Node {
	ffile := r.file(use.Name)
	data, err := fs.ReadFile(r.fsys, use.Name+".yaml")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			r.addf(file, at, "uses: there is no fragment %s (no file %s)", use.Name, ffile)
		} else {
			r.addf(file, at, "uses: %v", err)
		}
		return nil
	}
	doc, params, ok := r.checkFragment(ffile, data)
	if !ok {
		return nil
	}
	withNode := at
	if at.Kind == yaml.MappingNode {
		if w, _ := mapValue(at, "with"); w != nil {
			withNode = w
		}
	}
	values := map[string]string{}
	for k, v := range use.With {
		if _, ok := params[k]; !ok {
			r.addf(file, withNode, "uses %s: the fragment has no parameter %q (it has: %s)", use.Name, k, paramList(params))
			continue
		}
		values[k] = v
	}
	for k, p := range params {
		if _, ok := values[k]; ok {
			continue
		}
		if p.Default == nil {
			r.addf(file, at, "uses %s: parameter %q is required (%s)", use.Name, k, p.Description)
			continue
		}
		values[k] = *p.Default
	}
	r.substitute(ffile, doc, values)
	r.resolve(ffile, doc, append(stack, use.Name))
	r.markOrigin(doc, ffile)
	return doc
}

type fragmentParam struct {
	Description string  `yaml:"description"`
	Default     *string `yaml:"default"`
}

func paramList(params map[string]fragmentParam) string {
	if len(params) == 0 {
		return "none"
	}
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// checkFragment parses a fragment file and validates it against the
// fragment schema. It returns the document's mapping node and the declared
// parameters.
func (r *resolver) checkFragment(ffile string, data []byte) (*yaml.Node, map[string]fragmentParam, bool) {
	if len(data) > maxScriptSize {
		r.addf(ffile, nil, "file is larger than %d bytes", maxScriptSize)
		return nil, nil, false
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		r.addf(ffile, nil, "%s", yamlMessage(err))
		return nil, nil, false
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		r.addf(ffile, nil, "a fragment is a map of sections (params, login, outcomes, …)")
		return nil, nil, false
	}
	doc := root.Content[0]
	leaves, err := validateNode(&root, compiledFragmentSchema)
	if err != nil {
		r.addf(ffile, nil, "%v", err)
		return nil, nil, false
	}
	for _, l := range leaves {
		r.probs = append(r.probs, Problem{File: ffile, Line: lineOf(&root, l.ptr), Path: l.ptr, Message: l.msg})
	}
	if len(leaves) > 0 {
		return nil, nil, false
	}
	params := map[string]fragmentParam{}
	if pn, _ := mapValue(doc, "params"); pn != nil {
		if err := pn.Decode(&params); err != nil {
			r.addf(ffile, pn, "params: %s", yamlMessage(err))
			return nil, nil, false
		}
	}
	// Every reference must be declared, whether or not a script sets it.
	ok := true
	walkScalars(doc, func(n *yaml.Node) {
		for _, m := range paramRef.FindAllStringSubmatch(n.Value, -1) {
			if _, declared := params[m[1]]; !declared {
				r.addf(ffile, n, "{{param.%s}} is not declared in params", m[1])
				ok = false
			}
		}
	})
	deleteKey(doc, "params")
	deleteKey(doc, "description")
	deleteKey(doc, "$schema")
	return doc, params, ok
}

// walkScalars calls f for every scalar below n, keys excluded.
func walkScalars(n *yaml.Node, f func(*yaml.Node)) {
	switch n.Kind {
	case yaml.ScalarNode:
		f(n)
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			walkScalars(n.Content[i], f)
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			walkScalars(c, f)
		}
	case yaml.AliasNode:
		if n.Alias != nil {
			walkScalars(n.Alias, f)
		}
	}
}

func (r *resolver) substitute(ffile string, doc *yaml.Node, values map[string]string) {
	walkScalars(doc, func(n *yaml.Node) {
		if !strings.Contains(n.Value, "param.") {
			return
		}
		n.Value = paramRef.ReplaceAllStringFunc(n.Value, func(m string) string {
			return values[paramRef.FindStringSubmatch(m)[1]]
		})
	})
}

func (r *resolver) markOrigin(n *yaml.Node, file string) {
	if _, seen := r.origin[n]; seen {
		return
	}
	r.origin[n] = file
	for _, c := range n.Content {
		r.markOrigin(c, file)
	}
}

// fragmentFiles lists the fragment files below the root of fsys:
// FOLDER/NAME.yaml, one level deep.
func fragmentFiles(fsys fs.FS) ([]string, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		sub, err := fs.ReadDir(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		for _, f := range sub {
			if !f.IsDir() && path.Ext(f.Name()) == ".yaml" {
				names = append(names, e.Name()+"/"+strings.TrimSuffix(f.Name(), ".yaml"))
			}
		}
	}
	return names, nil
}

// LintFragments checks every fragment below the root of fsys against the
// fragment schema, including fragments no script uses yet. dir prefixes
// file names in messages.
func LintFragments(fsys fs.FS, dir string) []Problem {
	names, err := fragmentFiles(fsys)
	if err != nil {
		return []Problem{{File: dir, Message: err.Error()}}
	}
	r := &resolver{fsys: fsys, dir: dir, origin: map[*yaml.Node]string{}}
	for _, name := range names {
		if !fragmentName.MatchString(name) {
			r.addf(r.file(name), nil, "fragment names are lower case: FOLDER/NAME with letters, digits and dashes")
			continue
		}
		data, err := fs.ReadFile(fsys, name+".yaml")
		if err != nil {
			r.addf(r.file(name), nil, "%v", err)
			continue
		}
		doc, _, ok := r.checkFragment(r.file(name), data)
		if ok {
			r.resolveForLint(name, doc)
		}
	}
	return r.probs
}

// resolveForLint resolves a fragment's own uses, so a broken reference in
// an unused fragment is found too.
func (r *resolver) resolveForLint(name string, doc *yaml.Node) {
	r.resolve(r.file(name), doc, []string{name})
}

func validateNode(root *yaml.Node, compiled func() (*jsonschema.Schema, error)) ([]leaf, error) {
	var generic any
	if err := root.Decode(&generic); err != nil {
		return []leaf{{"", yamlMessage(err)}}, nil
	}
	js, err := json.Marshal(jsonable(generic))
	if err != nil {
		return []leaf{{"", "not representable as JSON: " + err.Error()}}, nil
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return []leaf{{"", err.Error()}}, nil
	}
	sch, err := compiled()
	if err != nil {
		return nil, fmt.Errorf("portals: embedded schema: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return nil, err
		}
		return schemaLeaves(ve), nil
	}
	return nil, nil
}

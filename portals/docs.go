package portals

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
)

//go:generate go test -run TestDocs -update

// StepKinds lists the step actions in the order the reference shows them.
// A test keeps it equal to the schema's step properties.
var StepKinds = []string{
	"navigate", "wait", "type", "click", "select", "if", "for_each",
	"extract", "js", "download", "go", "fail", "set",
	"frame", "popup", "consent", "paginate", "print",
}

// stepModifiers are the keys any step may carry besides its action.
var stepModifiers = []string{"name", "timeout", "optional"}

type schemaNode struct {
	Ref         string                 `json:"$ref"`
	Description string                 `json:"description"`
	Type        any                    `json:"type"`
	Enum        []any                  `json:"enum"`
	Const       any                    `json:"const"`
	Properties  map[string]*schemaNode `json:"properties"`
	Required    []string               `json:"required"`
	OneOf       []*schemaNode          `json:"oneOf"`
	Items       *schemaNode            `json:"items"`
	Defs        map[string]*schemaNode `json:"$defs"`
	Additional  any                    `json:"additionalProperties"`
}

func loadSchemaTree() (*schemaNode, error) {
	var root schemaNode
	if err := json.Unmarshal(SchemaJSON, &root); err != nil {
		return nil, err
	}
	return &root, nil
}

func (root *schemaNode) resolve(n *schemaNode) *schemaNode {
	for depth := 0; n != nil && n.Ref != "" && depth < 8; depth++ {
		desc := n.Description
		n = root.lookup(n.Ref)
		if desc != "" && n != nil {
			c := *n
			c.Description = desc
			n = &c
		}
	}
	return n
}

// lookup follows a local reference such as #/$defs/NAME/properties/KEY.
func (root *schemaNode) lookup(ref string) *schemaNode {
	toks := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
	if len(toks) < 2 || toks[0] != "$defs" {
		return nil
	}
	n := root.Defs[toks[1]]
	for i := 2; n != nil && i+1 < len(toks); i += 2 {
		if toks[i] != "properties" {
			return nil
		}
		n = n.Properties[toks[i+1]]
	}
	return n
}

// typeName renders a schema node's type for the reference.
func (root *schemaNode) typeName(n *schemaNode) string {
	if n == nil {
		return ""
	}
	switch {
	case n.Ref == "#/$defs/template":
		return "template"
	case n.Ref == "#/$defs/cond":
		return "condition"
	case n.Ref == "#/$defs/steps":
		return "steps"
	case n.Ref == "#/$defs/field":
		return "field"
	case n.Ref != "":
		return root.typeName(root.resolve(n))
	case n.Const != nil:
		b, _ := json.Marshal(n.Const)
		return string(b)
	case len(n.Enum) > 0:
		var s []string
		for _, e := range n.Enum {
			s = append(s, fmt.Sprint(e))
		}
		return "one of " + strings.Join(s, ", ")
	case len(n.OneOf) > 0:
		var s []string
		for _, o := range n.OneOf {
			s = append(s, root.typeName(o))
		}
		return strings.Join(s, " or ")
	case n.Type == "array" && n.Items != nil:
		return "list of " + root.typeName(n.Items)
	case n.Type == "object" && len(n.Properties) > 0:
		return "object"
	case n.Type == "object":
		return "map"
	case n.Type != nil:
		return fmt.Sprint(n.Type)
	}
	return "any"
}

// StepReference renders the Markdown reference of every step kind and of
// conditions from the embedded schema, so the docs cannot drift from what
// the loader accepts.
func StepReference() (string, error) {
	root, err := loadSchemaTree()
	if err != nil {
		return "", err
	}
	step := root.Defs["step"]
	var b strings.Builder
	b.WriteString("Every step is a map with exactly one action key. Any step may also carry:\n\n")
	for _, m := range stepModifiers {
		p := step.Properties[m]
		fmt.Fprintf(&b, "- `%s` (%s): %s\n", m, root.typeName(p), p.Description)
	}
	for _, k := range StepKinds {
		p := step.Properties[k]
		if p == nil {
			return "", fmt.Errorf("step kind %q missing from schema", k)
		}
		fmt.Fprintf(&b, "\n### `%s`\n\n%s\n", k, p.Description)
		obj := root.resolve(p)
		for _, o := range p.OneOf {
			if len(o.Properties) > 0 {
				obj = o
			}
		}
		if obj != nil && len(obj.Properties) > 0 && k != "wait" && k != "if" {
			b.WriteString("\n| key | type | required | meaning |\n|---|---|---|---|\n")
			names := make([]string, 0, len(obj.Properties))
			for n := range obj.Properties {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				q := obj.Properties[n]
				req := ""
				for _, r := range obj.Required {
					if r == n {
						req = "yes"
					}
				}
				fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", n, root.typeName(q), req, mdCell(q.Description))
			}
		}
	}
	fmt.Fprintf(&b, "\n### Conditions\n\n%s Used by `wait`, `if`, `session` and `outcomes`.\n\n", root.Defs["cond"].Description)
	b.WriteString("| key | type | holds when |\n|---|---|---|\n")
	cond := root.Defs["cond"]
	for _, n := range []string{"selector", "visible", "url", "text", "js", "not", "any", "all"} {
		q := cond.Properties[n]
		desc := q.Description
		switch n {
		case "not":
			desc = "The inner condition does not hold."
		case "any":
			desc = "At least one of the conditions holds."
		case "all":
			desc = "Every condition holds."
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", n, root.typeName(q), mdCell(desc))
	}
	fmt.Fprintf(&b, "\n### Fields\n\n%s Used by `extract` and `for_each`.\n\n| key | meaning |\n|---|---|\n", root.Defs["field"].Description)
	for _, n := range []string{"selector", "attr", "regex"} {
		fmt.Fprintf(&b, "| `%s` | %s |\n", n, mdCell(root.Defs["field"].Properties[n].Description))
	}
	fmt.Fprintf(&b, "\n### Outcomes\n\nAn outcome rule's `outcome`, and a `fail` step's, is %s.\n", root.typeName(root.Defs["outcome_rule"].Properties["outcome"]))
	return b.String(), nil
}

func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// MarkdownTable renders the portal table of the README: the sign-in
// (login family) each portal uses, with the portals sharing one grouped
// together, then id, name, 2FA methods and what each script was verified
// against.
func MarkdownTable(reg *Registry) string {
	list := reg.List()
	members := map[string]int{}
	for _, s := range list {
		members[s.Family()]++
	}
	// Shared sign-ins first, each family's portals together; then the
	// portals with a sign-in of their own.
	slices.SortStableFunc(list, func(a, b *Script) int {
		sa, sb := members[a.Family()] > 1, members[b.Family()] > 1
		switch {
		case sa && !sb:
			return -1
		case sb && !sa:
			return 1
		case sa && a.Family() != b.Family():
			return strings.Compare(a.Family(), b.Family())
		}
		return strings.Compare(a.ID, b.ID)
	})
	var b strings.Builder
	b.WriteString("| sign-in | id | portal | countries | 2FA offered | verified against |\n|---|---|---|---|---|---|\n")
	for _, s := range list {
		login := "own"
		if members[s.Family()] > 1 {
			login = "`login/" + s.Family() + "`"
		}
		verified := s.Verified.String()
		if len(s.Documents) == 0 && s.Verified.Against != "none" {
			verified = "sign-in and 2FA verified, no documents known; " + verified
		}
		portal := fmt.Sprintf("[%s](%s)", mdCell(s.Name), s.Homepage)
		if u, err := url.Parse(s.Homepage); err == nil && strings.HasSuffix(u.Hostname(), ".example") {
			// An address the evidence does not give is not linked.
			portal = mdCell(s.Name) + " (address assumed)"
		}
		for _, src := range s.Sources {
			if strings.HasPrefix(src.Path, "portals/sources/") {
				portal += fmt.Sprintf(", from a [source document](%s)", src.Path)
				break
			}
		}
		factors := strings.Join(s.TwoFactor, ", ")
		if !slices.Contains(s.TwoFactor, "totp") && !slices.Contains(s.TwoFactor, "hotp") {
			// Said outright: the customer has no key to enrol there.
			factors += " (no authenticator app)"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s | %s |\n", login, s.ID, portal,
			strings.Join(s.Countries, ", "), factors, verified)
	}
	return b.String()
}

var generatedBlock = regexp.MustCompile(`(?s)(<!-- BEGIN GENERATED: ([a-z-]+) -->\n).*?(<!-- END GENERATED: ([a-z-]+) -->)`)

// ReplaceGenerated replaces the body of each block
//
//	<!-- BEGIN GENERATED: NAME -->
//	…
//	<!-- END GENERATED: NAME -->
//
// in doc with parts[NAME]. It fails on a block without a part, so a typo in
// a marker is noticed.
func ReplaceGenerated(doc string, parts map[string]string) (string, error) {
	var err error
	out := generatedBlock.ReplaceAllStringFunc(doc, func(m string) string {
		sm := generatedBlock.FindStringSubmatch(m)
		if sm[2] != sm[4] {
			err = fmt.Errorf("generated block %q ends with marker %q", sm[2], sm[4])
			return m
		}
		body, ok := parts[sm[2]]
		if !ok {
			err = fmt.Errorf("no generator for block %q", sm[2])
			return m
		}
		if !strings.HasSuffix(body, "\n") {
			body += "\n"
		}
		return sm[1] + body + sm[3]
	})
	return out, err
}

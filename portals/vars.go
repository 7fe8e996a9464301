package portals

import (
	"fmt"
	"strings"
)

// expand replaces the placeholders of s with lookup's values; an unknown
// name is an error so that a typo never types an empty string.
func expand(s string, lookup func(name string) (string, error)) (string, error) {
	var firstErr error
	out := placeholder.ReplaceAllStringFunc(s, func(m string) string {
		name := placeholder.FindStringSubmatch(m)[1]
		v, err := lookup(name)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v
	})
	if firstErr != nil {
		return "", firstErr
	}
	return out, nil
}

// vars holds the variables of one run; row is the current loop row.
type vars struct {
	v   map[string]any
	row map[string]any
}

func (vs *vars) lookup(name string) (string, error) {
	if rest, ok := strings.CutPrefix(name, "row."); ok {
		if vs.row == nil {
			return "", fmt.Errorf("{{%s}} used outside for_each", name)
		}
		x, ok := vs.row[rest]
		if !ok {
			return "", fmt.Errorf("row has no field %q", rest)
		}
		return stringify(x), nil
	}
	x, ok := vs.v[name]
	if !ok {
		return "", fmt.Errorf("variable %q is not set", name)
	}
	return stringify(x), nil
}

func stringify(x any) string {
	switch x := x.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprintf("%d", int64(x))
		}
		return fmt.Sprintf("%g", x)
	default:
		return fmt.Sprint(x)
	}
}

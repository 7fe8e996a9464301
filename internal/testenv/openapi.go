package testenv

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// OpenAPI checks JSON against the subset of JSON Schema twofetch's OpenAPI
// document uses: $ref, type (one or a list), const, enum, required,
// properties, additionalProperties:false, items and allOf. Tests of the
// API and of webhook deliveries share it, so both hold the document to
// what the code writes.
type OpenAPI struct{ Doc map[string]any }

// LoadOpenAPI reads the document at path.
func LoadOpenAPI(t testing.TB, path string) OpenAPI {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return OpenAPI{Doc: doc}
}

// Resolve follows s's $ref chain within the document.
func (v OpenAPI) Resolve(s map[string]any) map[string]any {
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		node := any(v.Doc)
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			node = node.(map[string]any)[part]
		}
		s = node.(map[string]any)
	}
}

// ResponseSchema is the JSON schema of path's answer to method with status.
func (v OpenAPI) ResponseSchema(t testing.TB, method, path, status string) map[string]any {
	t.Helper()
	item, _ := v.Doc["paths"].(map[string]any)[path].(map[string]any)
	op, _ := item[method].(map[string]any)
	if op == nil {
		t.Fatalf("%s %s not documented", method, path)
	}
	resp, _ := op["responses"].(map[string]any)[status].(map[string]any)
	if resp == nil {
		t.Fatalf("%s %s: status %s not documented", method, path, status)
	}
	resp = v.Resolve(resp)
	schema, _ := resp["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
	if schema == nil {
		t.Fatalf("%s %s %s: no JSON schema", method, path, status)
	}
	return schema
}

// WebhookSchema is the JSON schema of the body of a webhook of type typ,
// or nil when the document does not describe that type.
func (v OpenAPI) WebhookSchema(typ string) map[string]any {
	hook, _ := v.Doc["webhooks"].(map[string]any)[typ].(map[string]any)
	op, _ := hook["post"].(map[string]any)
	body, _ := op["requestBody"].(map[string]any)
	content, _ := body["content"].(map[string]any)
	js, _ := content["application/json"].(map[string]any)
	s, _ := js["schema"].(map[string]any)
	return s
}

func jsonType(x any) string {
	switch x := x.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

// Check returns where x (decoded JSON) breaks schema s, naming each place
// from at.
func (v OpenAPI) Check(s map[string]any, x any, at string) []string {
	s = v.Resolve(s)
	var errs []string
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			errs = append(errs, v.Check(sub.(map[string]any), x, at)...)
		}
	}
	if want, ok := s["type"]; ok {
		got, match := jsonType(x), false
		types, isList := want.([]any)
		if !isList {
			types = []any{want}
		}
		for _, w := range types {
			if w == got || (w == "number" && got == "integer") {
				match = true
			}
		}
		if !match {
			return append(errs, fmt.Sprintf("%s: %s, want %v", at, got, want))
		}
	}
	if c, ok := s["const"]; ok && c != x {
		errs = append(errs, fmt.Sprintf("%s: %v, want %v", at, x, c))
	}
	if enum, ok := s["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			found = found || e == x
		}
		if !found {
			errs = append(errs, fmt.Sprintf("%s: %v not in %v", at, x, enum))
		}
	}
	switch x := x.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range asList(s["required"]) {
			if _, ok := x[r.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: required %q missing", at, r))
			}
		}
		for k, val := range x {
			ps, ok := props[k].(map[string]any)
			if !ok {
				if s["additionalProperties"] == false {
					errs = append(errs, fmt.Sprintf("%s: property %q not documented", at, k))
				}
				continue
			}
			errs = append(errs, v.Check(ps, val, at+"."+k)...)
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, el := range x {
				errs = append(errs, v.Check(items, el, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return errs
}

func asList(x any) []any { l, _ := x.([]any); return l }

package portals

import (
	"encoding/json"
	"flag"
	"os"
	"slices"
	"sort"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated parts of docs/portals.md")

const docsPath = "../docs/portals.md"

// TestDocs fails when the generated parts of docs/portals.md are stale;
// run it with -update to regenerate them.
func TestDocs(t *testing.T) {
	ref, err := StepReference()
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fragment, err := os.ReadFile("scripts/outcomes/http.yaml")
	if err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReplaceGenerated(string(old), map[string]string{
		"portals":  MarkdownTable(reg),
		"steps":    ref,
		"example":  "```yaml\n" + string(example) + "```\n",
		"fragment": "```yaml\n" + string(fragment) + "```\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got == string(old) {
		return
	}
	if *update {
		if err := os.WriteFile(docsPath, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is stale; run go test ./portals -run TestDocs -update", docsPath)
}

// TestStepKindsMatchSchema keeps the Go list of step kinds, the Step
// struct and the schema in step.
func TestStepKindsMatchSchema(t *testing.T) {
	var root struct {
		Defs map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(SchemaJSON, &root); err != nil {
		t.Fatal(err)
	}
	var inSchema []string
	for k := range root.Defs["step"].Properties {
		inSchema = append(inSchema, k)
	}
	sort.Strings(inSchema)
	want := slices.Concat(StepKinds, stepModifiers, []string{"then", "else"})
	sort.Strings(want)
	if !slices.Equal(inSchema, want) {
		t.Errorf("schema step keys %v\nGo knows %v", inSchema, want)
	}
	var st Step
	for _, k := range StepKinds {
		if k == "if" {
			continue
		}
		st = Step{}
		setKind(&st, k)
		if st.Kind() != k {
			t.Errorf("Step has no field for kind %q", k)
		}
	}
}

func setKind(st *Step, k string) {
	switch k {
	case "navigate":
		st.Navigate = &NavigateStep{}
	case "wait":
		st.Wait = &WaitStep{}
	case "type":
		st.Type = &TypeStep{}
	case "click":
		st.Click = &ClickStep{}
	case "select":
		st.Select = &SelectStep{}
	case "for_each":
		st.ForEach = &ForEachStep{}
	case "extract":
		st.Extract = map[string]Field{}
	case "js":
		st.JS = &JSStep{}
	case "download":
		st.Download = &DownloadStep{}
	case "go":
		st.Go = &GoStep{}
	case "fail":
		st.Fail = &FailStep{}
	case "set":
		st.Set = map[string]string{}
	case "frame":
		st.Frame = &FrameStep{}
	case "popup":
		st.Popup = &PopupStep{}
	case "consent":
		st.Consent = &ConsentStep{}
	case "paginate":
		st.Paginate = &PaginateStep{}
	case "print":
		st.Print = &PrintStep{}
	}
}

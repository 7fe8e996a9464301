package metrics

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestGrafanaDashboards checks that the dashboards in deploy/grafana are
// valid JSON and query only metrics this build exports, so a renamed
// metric cannot leave a panel silently empty.
func TestGrafanaDashboards(t *testing.T) {
	ch := make(chan *prometheus.Desc, 64)
	go func() { Registry.Describe(ch); close(ch) }()
	known := map[string]bool{}
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range ch {
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			known[m[1]] = true
		}
	}
	if !known["twofetch_runs_total"] {
		t.Fatalf("the registry describes no runs counter: %v", known)
	}
	files, _ := filepath.Glob("../deploy/grafana/*.json")
	if len(files) == 0 {
		t.Fatal("no dashboards in deploy/grafana")
	}
	used := regexp.MustCompile(`twofetch_[a-z_]+`)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Title  string
			Panels []struct {
				Title   string
				Targets []struct{ Expr string }
			}
		}
		if err := json.Unmarshal(data, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if d.Title == "" || len(d.Panels) == 0 {
			t.Fatalf("%s: no title or panels", f)
		}
		for _, p := range d.Panels {
			if len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no query", f, p.Title)
			}
			for _, tg := range p.Targets {
				for _, name := range used.FindAllString(tg.Expr, -1) {
					base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
					if !known[base] && !known[name] {
						t.Errorf("%s: panel %q queries %s, which this build does not export", f, p.Title, name)
					}
				}
			}
		}
	}
}

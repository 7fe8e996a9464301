package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The deploy files cannot be run here (no container engine), so this test
// checks what can go stale without one: every file parses, every manifest
// is well-formed, every subcommand and TWOFETCH_* variable they use exists.

var envVarRE = regexp.MustCompile(`\bTWOFETCH_[A-Z0-9_]+\b`)

func knownEnv() map[string]bool {
	m := map[string]bool{}
	for _, s := range Settings {
		m[s.Env] = true
		if s.Secret {
			m[s.Env+"_FILE"] = true
		}
	}
	return m
}

func checkEnvNames(t *testing.T, file string, data []byte) {
	t.Helper()
	known := knownEnv()
	for _, v := range envVarRE.FindAllString(string(data), -1) {
		if !known[v] {
			t.Errorf("%s uses %s, which is not a setting", file, v)
		}
	}
}

func TestDeployManifests(t *testing.T) {
	files, _ := filepath.Glob("../../deploy/k8s/*.yaml")
	if len(files) == 0 {
		t.Fatal("no Kubernetes manifests found")
	}
	byName := map[string]bool{}
	for _, f := range files {
		byName[filepath.Base(f)] = true
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkEnvNames(t, f, data)
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for i := 0; ; i++ {
			var doc map[string]any
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s document %d: %v", f, i, err)
			}
			if doc == nil {
				continue
			}
			if doc["apiVersion"] == nil || doc["kind"] == nil {
				t.Errorf("%s document %d lacks apiVersion or kind", f, i)
				continue
			}
			if doc["kind"] == "Kustomization" {
				continue
			}
			md, _ := doc["metadata"].(map[string]any)
			if md == nil || md["name"] == nil {
				t.Errorf("%s document %d (%v) lacks metadata.name", f, i, doc["kind"])
			}
			checkContainerArgs(t, f, doc)
		}
	}
	var k struct {
		Resources []string `yaml:"resources"`
	}
	data, _ := os.ReadFile("../../deploy/k8s/kustomization.yaml")
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatal(err)
	}
	for _, r := range k.Resources {
		if !byName[r] {
			t.Errorf("kustomization lists %s, which does not exist", r)
		}
	}
}

// checkContainerArgs finds containers[].args in a workload and checks that
// the first is a twofetch subcommand.
func checkContainerArgs(t *testing.T, file string, doc map[string]any) {
	t.Helper()
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if cs, ok := x["containers"].([]any); ok {
				for _, c := range cs {
					cm, _ := c.(map[string]any)
					args, _ := cm["args"].([]any)
					if len(args) == 0 {
						t.Errorf("%s: container %v has no args", file, cm["name"])
						continue
					}
					if _, ok := commands[args[0].(string)]; !ok {
						t.Errorf("%s: container %v runs unknown subcommand %v", file, cm["name"], args[0])
					}
				}
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(doc)
}

func TestDeployCompose(t *testing.T) {
	data, err := os.ReadFile("../../deploy/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	checkEnvNames(t, "compose.yaml", data)
	var c struct {
		Services map[string]struct {
			Image   string   `yaml:"image"`
			Command []string `yaml:"command"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"web", "worker", "scheduler", "migrate", "postgres", "redis"} {
		if _, ok := c.Services[want]; !ok {
			t.Errorf("compose has no %s service", want)
		}
	}
	for name, s := range c.Services {
		if s.Image != "twofetch:latest" {
			continue
		}
		if len(s.Command) == 0 {
			t.Errorf("compose service %s has no command", name)
			continue
		}
		if _, ok := commands[s.Command[0]]; !ok {
			t.Errorf("compose service %s runs unknown subcommand %s", name, s.Command[0])
		}
	}
}

func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("../../deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	checkEnvNames(t, "Dockerfile", data)
	s := string(data)
	for _, want := range []string{"./cmd/twofetch", "chromium-headless-shell", "USER 10001", `CMD ["all"]`} {
		if !strings.Contains(s, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if _, ok := commands["all"]; !ok {
		t.Error("the Dockerfile's default command all is not registered")
	}
}

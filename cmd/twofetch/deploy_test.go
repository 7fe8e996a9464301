package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/workers"
)

// The deploy files cannot be run here (no container engine), so this test
// checks what can go stale without one: every file parses, every manifest
// is well-formed, every subcommand and TWOFETCH_* variable they use exists.

var envVarRE = regexp.MustCompile(`\bTWOFETCH_[A-Z0-9_]+\b`)

// fileSecrets are the secret settings the manifests read from the files of
// a mounted Secret, through the variable Env_FILE.
var fileSecrets = []string{"TWOFETCH_MASTER_KEY", "TWOFETCH_SMS_WEBHOOK_SECRET", "TWOFETCH_STATUS_KEY", "TWOFETCH_METRICS_TOKEN"}

// knownEnv holds every setting's variable and, for secret settings, the
// variable naming the file it is read from.
func knownEnv() map[string]bool {
	m := map[string]bool{}
	for _, s := range Settings {
		m[s.Env] = true
		if s.Secret {
			m[s.Env+"_FILE"] = true
		}
	}
	for _, e := range fileSecrets {
		if m[e] {
			m[e+"_FILE"] = true
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
	more, _ := filepath.Glob("../../deploy/k8s/*/*.yaml")
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatal("no Kubernetes manifests found")
	}
	byName := map[string]bool{}
	for _, f := range files {
		rel, _ := filepath.Rel("../../deploy/k8s", f)
		byName[filepath.ToSlash(rel)] = true
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
	kustomizations := 0
	for name := range byName {
		if filepath.Base(name) != "kustomization.yaml" {
			continue
		}
		kustomizations++
		var k struct {
			Resources []string `yaml:"resources"`
			Bases     []string `yaml:"bases"`
		}
		data, _ := os.ReadFile(filepath.Join("../../deploy/k8s", name))
		if err := yaml.Unmarshal(data, &k); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Dir(name)
		for _, r := range append(k.Resources, k.Bases...) {
			p := filepath.ToSlash(filepath.Clean(filepath.Join(dir, r)))
			if !byName[p] && !byName[p+"/kustomization.yaml"] {
				t.Errorf("%s lists %s, which does not exist", name, r)
			}
		}
	}
	if kustomizations < 3 {
		t.Errorf("want the kustomizations deploy/k8s, deploy/k8s/base and deploy/k8s/keda; found %d", kustomizations)
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
			Deploy  struct {
				Replicas int `yaml:"replicas"`
			} `yaml:"deploy"`
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
	if r := c.Services["worker"].Deploy.Replicas; r < 2 {
		t.Errorf("compose runs %d workers, want two", r)
	}
	// A restarted Redis must keep the queue: append-only persistence.
	if !strings.Contains(strings.Join(c.Services["redis"].Command, " "), "--appendonly yes") {
		t.Error("compose's Redis runs without --appendonly yes")
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

// renderKustomize renders a kustomization the way an operator applies it.
// kubectl is installed by scripts/deps.sh; without it the test fails in CI
// and is skipped elsewhere.
func renderKustomize(t *testing.T, dir string) []map[string]any {
	t.Helper()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		testenv.Missing(t, "kubectl renders the Kubernetes manifests (scripts/deps.sh kubectl installs it)")
	}
	var stderr bytes.Buffer
	cmd := exec.Command(kubectl, "kustomize", dir)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, stderr.String())
	}
	var docs []map[string]any
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("kubectl kustomize %s printed unparsable YAML: %v", dir, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
	if len(docs) == 0 {
		t.Fatalf("kubectl kustomize %s rendered nothing", dir)
	}
	return docs
}

// dig walks nested maps by key.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func digList(v any, keys ...string) []any { l, _ := dig(v, keys...).([]any); return l }

func docName(d map[string]any) string {
	return fmt.Sprintf("%v/%v", d["kind"], dig(d, "metadata", "name"))
}

// secretSettingEnv lists the variables whose values are secrets: they may
// come from a Secret, never from a manifest's text.
func secretSettingEnv() map[string]bool {
	m := map[string]bool{"TWOFETCH_DATABASE_URL": true, "TWOFETCH_REDIS_URL": true}
	for _, e := range fileSecrets {
		m[e] = true
	}
	return m
}

// workerJobMemoryMiB is the measured memory per concurrent browser job (full
// Chromium, one browser per login: 274 MB; docs/scaling.md), which worker
// requests are sized from.
const workerJobMemoryMiB = 262

// workerShutdownSeconds is how long a worker waits for jobs in progress
// after SIGTERM before requeueing them (workers.ServerConfig's default).
const workerShutdownSeconds = 30

func TestDeployKustomizeRenders(t *testing.T) {
	for _, dir := range []string{"../../deploy/k8s", "../../deploy/k8s/keda"} {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			checkRendered(t, renderKustomize(t, dir), filepath.Base(dir) == "keda")
		})
	}
}

func checkRendered(t *testing.T, docs []map[string]any, wantScaler bool) {
	t.Helper()
	secretEnv := secretSettingEnv()
	byKind := map[string][]map[string]any{}
	for _, d := range docs {
		kind, _ := d["kind"].(string)
		byKind[kind] = append(byKind[kind], d)
		if ns := dig(d, "metadata", "namespace"); kind != "Namespace" && ns != "twofetch" {
			t.Errorf("%s is in namespace %v, want twofetch", docName(d), ns)
		}
	}
	if len(byKind["Secret"]) > 0 {
		t.Errorf("the manifests hold a Secret (%s); secrets are created outside them", docName(byKind["Secret"][0]))
	}
	for _, cm := range byKind["ConfigMap"] {
		data, _ := cm["data"].(map[string]any)
		for k, v := range data {
			if secretEnv[k] {
				t.Errorf("%s holds the secret setting %s", docName(cm), k)
			}
			if u, err := url.Parse(fmt.Sprint(v)); err == nil && u.User != nil {
				if _, has := u.User.Password(); has {
					t.Errorf("%s: %s holds a password", docName(cm), k)
				}
			}
		}
	}
	config := map[string]any{}
	if len(byKind["ConfigMap"]) == 1 {
		config, _ = byKind["ConfigMap"][0]["data"].(map[string]any)
	} else {
		t.Errorf("want one ConfigMap, got %d", len(byKind["ConfigMap"]))
	}

	deployments := map[string]map[string]any{}
	for _, d := range byKind["Deployment"] {
		comp, _ := dig(d, "spec", "template", "metadata", "labels", "app.kubernetes.io/component").(string)
		deployments[comp] = d
	}
	for _, comp := range []string{"web", "worker", "scheduler"} {
		if deployments[comp] == nil {
			t.Fatalf("no %s Deployment", comp)
		}
	}
	workloads := append(append([]map[string]any{}, byKind["Deployment"]...), byKind["Job"]...)
	for _, w := range workloads {
		checkPod(t, docName(w), dig(w, "spec", "template", "spec"), secretEnv)
	}

	// Web: probes, the shared keys from the Secret's files, Secure cookie.
	web := deployments["web"]
	webPod := dig(web, "spec", "template", "spec")
	webC := digList(webPod, "containers")[0]
	if p := dig(webC, "livenessProbe", "httpGet", "path"); p != "/healthz" {
		t.Errorf("web liveness probe path %v, want /healthz", p)
	}
	if p := dig(webC, "readinessProbe", "httpGet", "path"); p != "/readyz" {
		t.Errorf("web readiness probe path %v, want /readyz", p)
	}
	webEnv := containerEnv(webC)
	for _, name := range []string{"TWOFETCH_STATUS_KEY_FILE", "TWOFETCH_OPERATOR_TOKEN_FILE"} {
		if webEnv[name] == "" {
			t.Errorf("web pods do not read %s, so each pod would have its own", name)
		}
	}
	// The support session cookie is always Secure (a __Host- cookie), so
	// nothing needs saying behind the TLS ingress.
	if _, ok := config["TWOFETCH_SECURE_COOKIE"]; ok {
		t.Errorf("config sets TWOFETCH_SECURE_COOKIE, which is no longer a setting")
	}
	if r, _ := dig(web, "spec", "replicas").(int); r < 2 {
		t.Errorf("web has %d replicas, want at least 2", r)
	}

	// Ingress: TLS, routed to the web Service.
	if len(byKind["Ingress"]) != 1 {
		t.Fatalf("want one Ingress, got %d", len(byKind["Ingress"]))
	}
	ing := byKind["Ingress"][0]
	tls := digList(ing, "spec", "tls")
	if len(tls) == 0 || dig(tls[0], "secretName") == nil {
		t.Error("the Ingress does not terminate TLS")
	}
	routed := false
	for _, r := range digList(ing, "spec", "rules") {
		for _, p := range digList(r, "http", "paths") {
			if dig(p, "backend", "service", "name") == "twofetch-web" {
				routed = true
			}
		}
	}
	if !routed {
		t.Error("the Ingress does not route to the twofetch-web Service")
	}
	if len(byKind["Service"]) == 0 || dig(byKind["Service"][0], "spec", "selector", "app.kubernetes.io/component") != "web" {
		t.Error("no Service selects the web pods")
	}

	// Workers: memory from the measured figure, grace beyond the shutdown wait.
	worker := deployments["worker"]
	wPod := dig(worker, "spec", "template", "spec")
	wC := digList(wPod, "containers")[0]
	conc, err := strconv.Atoi(containerEnv(wC)["TWOFETCH_CONCURRENCY"])
	if err != nil || conc < 1 {
		t.Errorf("worker TWOFETCH_CONCURRENCY is not set to a number: %v", err)
	}
	reqS := fmt.Sprint(dig(wC, "resources", "requests", "memory"))
	req, err := memoryBytes(reqS)
	if err != nil {
		t.Errorf("worker memory request: %v", err)
	} else if need := int64(conc) * workerJobMemoryMiB << 20; req < need {
		t.Errorf("worker requests %s for %d concurrent jobs of %d MiB each", reqS, conc, workerJobMemoryMiB)
	}
	if g, _ := dig(wPod, "terminationGracePeriodSeconds").(int); g <= workerShutdownSeconds {
		t.Errorf("worker terminationGracePeriodSeconds %d does not cover the %d s a worker waits for its jobs", g, workerShutdownSeconds)
	}
	if r, _ := dig(deployments["scheduler"], "spec", "replicas").(int); r < 2 {
		t.Errorf("scheduler has %d replicas; two keep daily runs going through a drain", r)
	}

	// Every Deployment has a PodDisruptionBudget selecting its pods.
	for comp, d := range deployments {
		covered := false
		for _, pdb := range byKind["PodDisruptionBudget"] {
			sel, _ := dig(pdb, "spec", "selector", "matchLabels").(map[string]any)
			labels, _ := dig(d, "spec", "template", "metadata", "labels").(map[string]any)
			if len(sel) > 0 && subset(sel, labels) {
				covered = true
			}
		}
		if !covered {
			t.Errorf("no PodDisruptionBudget covers the %s pods", comp)
		}
	}

	so := byKind["ScaledObject"]
	if !wantScaler {
		if len(so) > 0 {
			t.Error("deploy/k8s holds a ScaledObject, which needs KEDA; it belongs in deploy/k8s/keda")
		}
		return
	}
	if len(so) != 1 {
		t.Fatalf("want one ScaledObject, got %d", len(so))
	}
	if n := dig(so[0], "spec", "scaleTargetRef", "name"); n != dig(worker, "metadata", "name") {
		t.Errorf("the ScaledObject scales %v, not the worker Deployment", n)
	}
	lists := map[string]bool{}
	for _, tr := range digList(so[0], "spec", "triggers") {
		if dig(tr, "type") != "redis" {
			continue
		}
		lists[fmt.Sprint(dig(tr, "metadata", "listName"))] = true
		if _, err := strconv.Atoi(fmt.Sprint(dig(tr, "metadata", "listLength"))); err != nil {
			t.Errorf("trigger on %v has no numeric listLength", dig(tr, "metadata", "listName"))
		}
	}
	for q := range workers.QueuePriorities {
		// asynq keeps a queue's waiting tasks in this list.
		if key := "asynq:{" + q + "}:pending"; !lists[key] {
			t.Errorf("the ScaledObject does not watch queue %s (%s)", q, key)
		}
	}
}

// memoryBytes reads a Kubernetes memory quantity in the units these
// manifests use.
func memoryBytes(q string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}}
	for _, u := range units {
		if n, ok := strings.CutSuffix(q, u.suffix); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			return v * u.mult, err
		}
	}
	return strconv.ParseInt(q, 10, 64)
}

func subset(sub, of map[string]any) bool {
	for k, v := range sub {
		if of[k] != v {
			return false
		}
	}
	return true
}

func containerEnv(c any) map[string]string {
	m := map[string]string{}
	for _, e := range digList(c, "env") {
		m[fmt.Sprint(dig(e, "name"))] = fmt.Sprint(dig(e, "value"))
	}
	return m
}

// checkPod checks what every twofetch pod must have: a non-root user, a
// read-only root file system, a pinned image, resources, and secrets only
// from Secrets (referenced keys, or files of a mounted Secret).
func checkPod(t *testing.T, name string, pod any, secretEnv map[string]bool) {
	t.Helper()
	if dig(pod, "securityContext", "runAsNonRoot") != true {
		t.Errorf("%s: pod does not set runAsNonRoot", name)
	}
	if u, _ := dig(pod, "securityContext", "runAsUser").(int); u == 0 {
		t.Errorf("%s: pod runs as uid 0 or sets no runAsUser", name)
	}
	secretMounts := map[string]bool{}
	for _, v := range digList(pod, "volumes") {
		if dig(v, "secret") != nil {
			secretMounts[fmt.Sprint(dig(v, "name"))] = true
		}
	}
	cs := digList(pod, "containers")
	if len(cs) == 0 {
		t.Errorf("%s: no containers", name)
	}
	for _, c := range cs {
		cn := fmt.Sprintf("%s container %v", name, dig(c, "name"))
		if dig(c, "securityContext", "readOnlyRootFilesystem") != true {
			t.Errorf("%s: root file system is writable", cn)
		}
		if dig(c, "securityContext", "allowPrivilegeEscalation") != false {
			t.Errorf("%s: allows privilege escalation", cn)
		}
		image := fmt.Sprint(dig(c, "image"))
		repo, tag := image, ""
		if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
			repo, tag = image[:i], image[i+1:]
		}
		if !strings.Contains(image, "@sha256:") && (tag == "" || tag == "latest") {
			t.Errorf("%s: image %s is not pinned to a release", cn, image)
		}
		if !strings.Contains(repo, "/") {
			t.Errorf("%s: image %s names no registry", cn, image)
		}
		for _, r := range []string{"requests.cpu", "requests.memory", "limits.memory"} {
			k := strings.Split(r, ".")
			if dig(c, "resources", k[0], k[1]) == nil {
				t.Errorf("%s: no resources.%s", cn, r)
			}
		}
		mounts := map[string]string{}
		for _, m := range digList(c, "volumeMounts") {
			mounts[fmt.Sprint(dig(m, "mountPath"))] = fmt.Sprint(dig(m, "name"))
		}
		for _, e := range digList(c, "env") {
			en := fmt.Sprint(dig(e, "name"))
			val, literal := dig(e, "value").(string)
			if secretEnv[en] && literal {
				t.Errorf("%s: secret %s is written in the manifest", cn, en)
			}
			if strings.HasSuffix(en, "_FILE") && strings.HasPrefix(en, "TWOFETCH_") {
				ok := false
				for dir, vol := range mounts {
					if secretMounts[vol] && strings.HasPrefix(val, dir+"/") {
						ok = true
					}
				}
				if !ok {
					t.Errorf("%s: %s=%s is not a file of a mounted Secret", cn, en, val)
				}
			}
		}
		checkEnvNames(t, cn, []byte(fmt.Sprint(digList(c, "env"))))
	}
}

package helm

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/internal/demo"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/server"
)

const chartDir = "driftmon"

// The parts of the rendered manifests the test reads.
type manifest struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Replicas *int `yaml:"replicas"`
		Strategy struct {
			Type          string `yaml:"type"`
			RollingUpdate any    `yaml:"rollingUpdate"`
		} `yaml:"strategy"`
		Template struct {
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
		// Service and ServiceMonitor.
		Ports []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
		Endpoints []struct {
			Port string `yaml:"port"`
			Path string `yaml:"path"`
		} `yaml:"endpoints"`
	} `yaml:"spec"`
}

type podSpec struct {
	TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
	SecurityContext               struct {
		RunAsNonRoot bool `yaml:"runAsNonRoot"`
	} `yaml:"securityContext"`
	Containers []container `yaml:"containers"`
	Volumes    []volume    `yaml:"volumes"`
}

type container struct {
	Name  string   `yaml:"name"`
	Args  []string `yaml:"args"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	StartupProbe   *probe `yaml:"startupProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	VolumeMounts   []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
	SecurityContext struct {
		ReadOnlyRootFilesystem bool `yaml:"readOnlyRootFilesystem"`
	} `yaml:"securityContext"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		// Port is a port's name or number.
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

type volume struct {
	Name      string `yaml:"name"`
	ConfigMap *struct {
		Name string `yaml:"name"`
	} `yaml:"configMap"`
	Secret *struct {
		SecretName string `yaml:"secretName"`
		Items      []struct {
			Key  string `yaml:"key"`
			Path string `yaml:"path"`
		} `yaml:"items"`
	} `yaml:"secret"`
	PersistentVolumeClaim *struct {
		ClaimName string `yaml:"claimName"`
	} `yaml:"persistentVolumeClaim"`
	EmptyDir *struct{} `yaml:"emptyDir"`
}

// rendering is one `helm template` output, by kind.
type rendering struct {
	byKind map[string][]manifest
}

func (r rendering) one(t *testing.T, kind string) manifest {
	t.Helper()
	if n := len(r.byKind[kind]); n != 1 {
		t.Fatalf("%d %s manifests rendered, want 1", n, kind)
	}
	return r.byKind[kind][0]
}

// helm returns the helm binary scripts/test.sh built.
func helm(t *testing.T) string {
	t.Helper()
	return testenv.RequireEnv(t, "DRIFTMON_HELM", "a helm binary")
}

// render runs `helm template` on the chart with the given arguments.
func render(t *testing.T, args ...string) (rendering, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), helm(t), append([]string{"template", "driftmon", chartDir, "--namespace", "monitoring"}, args...)...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return rendering{}, fmt.Errorf("helm template %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	r := rendering{byKind: map[string][]manifest{}}
	dec := yaml.NewDecoder(&out)
	for {
		var m manifest
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("decode the rendered manifests: %v", err)
		}
		if m.Kind != "" {
			r.byKind[m.Kind] = append(r.byKind[m.Kind], m)
		}
	}
	return r, nil
}

// portOf returns the port of a host:port address.
func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestChart renders the chart with its default values and with each values
// file under driftmon/ci, and checks that what the Deployment runs is a
// config driftmon loads, served where the probes, the Service and the
// ServiceMonitor look.
func TestChart(t *testing.T) {
	cases := []struct {
		name   string
		values string // "" renders the chart's defaults
		// What the values file sets, read from it by eye: replicas, the
		// probes' port name, the update strategy.
		replicas  int
		probePort string
		strategy  string
	}{
		{name: "defaults", replicas: 1, probePort: "http", strategy: "RollingUpdate"},
		{name: "full", values: "full-values.yaml", replicas: 3, probePort: "metrics", strategy: "Recreate"},
		{name: "embedded", values: "embedded-values.yaml", replicas: 1, probePort: "http", strategy: "Recreate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var args []string
			if tc.values != "" {
				args = append(args, "--values", filepath.Join(chartDir, "ci", tc.values))
			}
			r, err := render(t, args...)
			if err != nil {
				t.Fatal(err)
			}
			dep := r.one(t, "Deployment")
			if dep.Spec.Replicas == nil || *dep.Spec.Replicas != tc.replicas {
				t.Errorf("replicas = %v, want %d", dep.Spec.Replicas, tc.replicas)
			}
			if dep.Spec.Strategy.Type != tc.strategy {
				t.Errorf("strategy %q, want %q", dep.Spec.Strategy.Type, tc.strategy)
			}
			// The API server refuses rollingUpdate beside Recreate.
			if dep.Spec.Strategy.Type == "Recreate" && dep.Spec.Strategy.RollingUpdate != nil {
				t.Errorf("strategy Recreate with rollingUpdate %v", dep.Spec.Strategy.RollingUpdate)
			}
			pod := dep.Spec.Template.Spec
			if len(pod.Containers) != 1 {
				t.Fatalf("%d containers, want 1", len(pod.Containers))
			}
			c := pod.Containers[0]
			cfg := loadRendered(t, r, pod, c)

			// The ports: the container's are the ones the config listens
			// on, and the probes use the named one.
			ports := map[string]int{}
			for _, p := range c.Ports {
				ports[p.Name] = p.ContainerPort
			}
			if got, want := ports["http"], portOf(t, cfg.HTTP.Listen); got != want {
				t.Errorf("container port http = %d, config http.listen %s", got, cfg.HTTP.Listen)
			}
			if cfg.HTTP.MetricsListen != "" {
				if got, want := ports["metrics"], portOf(t, cfg.HTTP.MetricsListen); got != want {
					t.Errorf("container port metrics = %d, config http.metrics_listen %s", got, cfg.HTTP.MetricsListen)
				}
			} else if _, ok := ports["metrics"]; ok {
				t.Error("a metrics port without http.metrics_listen")
			}
			if tc.values == "" {
				// The default values keep serve's default port; only the
				// host differs (every interface instead of loopback).
				if got, want := ports["http"], portOf(t, config.DefaultListen); got != want {
					t.Errorf("default container port %d, serve's default listen is %s", got, config.DefaultListen)
				}
			}
			for name, p := range map[string]*probe{"startupProbe": c.StartupProbe, "livenessProbe": c.LivenessProbe, "readinessProbe": c.ReadinessProbe} {
				if p == nil {
					t.Errorf("no %s", name)
					continue
				}
				if p.HTTPGet.Port != tc.probePort {
					t.Errorf("%s on port %q, want %q", name, p.HTTPGet.Port, tc.probePort)
				}
			}
			svc := r.one(t, "Service")
			for _, p := range svc.Spec.Ports {
				if _, ok := ports[p.TargetPort]; !ok || p.Port != ports[p.TargetPort] {
					t.Errorf("service port %s: %d -> %q, container ports %v", p.Name, p.Port, p.TargetPort, ports)
				}
			}
			for _, sm := range r.byKind["ServiceMonitor"] {
				for _, e := range sm.Spec.Endpoints {
					if e.Port != tc.probePort || e.Path != "/metrics" {
						t.Errorf("ServiceMonitor scrapes %s on %q, want /metrics on %q", e.Path, e.Port, tc.probePort)
					}
				}
			}

			// Non-root, read-only root filesystem: only emptyDir and
			// persistent volumes are written.
			if !pod.SecurityContext.RunAsNonRoot || !c.SecurityContext.ReadOnlyRootFilesystem {
				t.Errorf("runAsNonRoot %v, readOnlyRootFilesystem %v", pod.SecurityContext.RunAsNonRoot, c.SecurityContext.ReadOnlyRootFilesystem)
			}
			// On SIGTERM serve writes each partition's final checkpoint
			// within 30 s (ingest's partition.final) and shuts HTTP down
			// within 5 s (server.Run): the kubelet must wait longer.
			if pod.TerminationGracePeriodSeconds <= 30+5 {
				t.Errorf("terminationGracePeriodSeconds %d leaves serve no time for its final checkpoints", pod.TerminationGracePeriodSeconds)
			}

			askProbes(t, cfg, c)
		})
	}
}

// loadRendered finds the config the container runs with, checks that the
// variables and files it names are what the pod provides, and loads it with
// config.Load, the Secrets replaced by values and files of the test's.
func loadRendered(t *testing.T, r rendering, pod podSpec, c container) *config.Config {
	t.Helper()
	i := slices.Index(c.Args, "--config")
	if len(c.Args) < 2 || c.Args[0] != "serve" || i < 0 || i+1 >= len(c.Args) {
		t.Fatalf("container args %q: want serve --config PATH", c.Args)
	}
	path := c.Args[i+1]
	vols := map[string]volume{}
	for _, v := range pod.Volumes {
		vols[v.Name] = v
	}
	cm := r.one(t, "ConfigMap")
	var data string
	for _, m := range c.VolumeMounts {
		if m.MountPath == filepath.Dir(path) && vols[m.Name].ConfigMap != nil && vols[m.Name].ConfigMap.Name == cm.Metadata.Name {
			data = cm.Data[filepath.Base(path)]
		}
	}
	if data == "" {
		t.Fatalf("%s is not a key of ConfigMap %s mounted at %s", filepath.Base(path), cm.Metadata.Name, filepath.Dir(path))
	}

	// Every *_env key names a variable the container sets.
	env := map[string]string{}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			// A value every secret's check accepts: a URL (Slack's
			// incoming webhook) is a token and a password too.
			env[e.Name] = "https://secret.example/" + e.Name
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		}
	}
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(data), &root); err != nil {
		t.Fatalf("the rendered config is not YAML: %v", err)
	}
	dir := t.TempDir()
	files := &fileMaker{t: t, root: dir}
	walk(&root, "", func(parent, key string, n *yaml.Node) {
		switch {
		case strings.HasSuffix(key, "_env"):
			v, ok := env[n.Value]
			if !ok {
				t.Errorf("%s names %s, which the container does not set", key, n.Value)
				return
			}
			t.Setenv(n.Value, v)
		case strings.HasSuffix(key, "_file"), parent == "reference" && key == "file", parent == "embedded" && key == "path":
			files.provide(c, vols, parent+"."+key, n)
		}
	})
	out, err := yaml.Marshal(&root)
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "driftmon.yaml")
	if err := os.WriteFile(cfgPath, out, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatalf("driftmon's loader refuses the rendered config: %v", err)
	}
	return cfg
}

// walk calls fn for every scalar value in a mapping, with its key and the
// key of the mapping holding it.
func walk(n *yaml.Node, parent string, fn func(parent, key string, n *yaml.Node)) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			walk(c, parent, fn)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			if v.Kind == yaml.ScalarNode {
				fn(parent, k, v)
			} else {
				walk(v, k, fn)
			}
		}
	}
}

// imageFiles are the files the Dockerfile copies into the image, which the
// default values name without mounting them.
var imageFiles = []string{"/etc/driftmon/demo-reference.csv"}

// fileMaker gives the files and folders the config names a place under
// root, after checking that the pod has them: in a mounted volume (a
// Secret's item, when it lists items) or in the image.
type fileMaker struct {
	t    *testing.T
	root string
	pair *[2][]byte // a self-signed certificate and its key, as PEM
}

func (f *fileMaker) provide(c container, vols map[string]volume, key string, n *yaml.Node) {
	t := f.t
	p := n.Value
	if !filepath.IsAbs(p) {
		t.Errorf("%s %s is relative: it would resolve against the config's read-only folder", key, p)
		return
	}
	inImage := slices.Contains(imageFiles, p)
	if inImage {
		df, err := os.ReadFile("../../Dockerfile")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(df), " "+p+"\n") {
			t.Errorf("%s %s: the Dockerfile copies no such file", key, p)
		}
	}
	mounted := false
	for _, m := range c.VolumeMounts {
		rel, err := filepath.Rel(m.MountPath, p)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue
		}
		mounted = true
		v := vols[m.Name]
		if key == "embedded.path" {
			if m.ReadOnly || (v.PersistentVolumeClaim == nil && v.EmptyDir == nil) {
				t.Errorf("embedded.path %s is on volume %s, not a writable volume", p, m.Name)
			}
			continue
		}
		if v.Secret != nil && len(v.Secret.Items) > 0 && !slices.ContainsFunc(v.Secret.Items, func(it struct {
			Key  string `yaml:"key"`
			Path string `yaml:"path"`
		}) bool {
			return it.Path == rel
		}) {
			t.Errorf("%s %s: Secret %s's items do not make %s", key, p, v.Secret.SecretName, rel)
		}
	}
	if !mounted && !inImage {
		t.Errorf("%s %s is in no mounted volume, nor in the image", key, p)
	}

	local := filepath.Join(f.root, p)
	n.Value = local
	if key == "embedded.path" {
		return // serve creates it
	}
	if err := os.MkdirAll(filepath.Dir(local), 0o700); err != nil {
		t.Fatal(err)
	}
	var err error
	switch key {
	case "reference.file":
		err = demo.WriteReference(local, 500)
	case "tls.ca_file", "tls.cert_file":
		err = os.WriteFile(local, f.tlsPair()[0], 0o600)
	case "tls.key_file":
		err = os.WriteFile(local, f.tlsPair()[1], 0o600)
	default: // a password, a token, a URL
		err = os.WriteFile(local, []byte("https://secret.example/file\n"), 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// tlsPair makes a self-signed certificate (its own CA) once.
func (f *fileMaker) tlsPair() [2][]byte {
	if f.pair != nil {
		return *f.pair
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "driftmon"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		f.t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		f.t.Fatal(err)
	}
	f.pair = &[2][]byte{
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}),
	}
	return *f.pair
}

// askProbes starts serve on the loaded config, its listeners on loopback
// ports standing for the container's, and asks each probe's path on the
// port the probe names: /healthz must answer 200 and /readyz 503 (neither
// Kafka nor storage answers here), not 404. Kafka and ClickHouse are moved
// to a loopback port nothing listens on, so nothing leaves the machine.
func askProbes(t *testing.T, cfg *config.Config, c container) {
	t.Helper()
	closed, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	nowhere := fmt.Sprintf("127.0.0.1:%d", closed)
	cfg.Kafka.Brokers = []string{nowhere}
	cfg.Storage.ClickHouse.Addr = []string{nowhere}
	listen := func() net.Listener {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		return ln
	}
	opt := server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Listener: listen()}
	addrs := map[string]string{"http": opt.Listener.Addr().String()}
	if cfg.HTTP.MetricsListen != "" {
		opt.MetricsListener = listen()
		addrs["metrics"] = opt.MetricsListener.Addr().String()
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, cfg, opt) }()
	defer func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("serve: %v", err)
		}
	}()
	for _, p := range []struct {
		name string
		p    *probe
		want int
	}{
		{"startupProbe", c.StartupProbe, http.StatusOK},
		{"livenessProbe", c.LivenessProbe, http.StatusOK},
		{"readinessProbe", c.ReadinessProbe, http.StatusServiceUnavailable},
	} {
		if p.p == nil {
			continue
		}
		addr, ok := addrs[p.p.HTTPGet.Port]
		if !ok {
			t.Errorf("%s: port %q is no port serve listens on", p.name, p.p.HTTPGet.Port)
			continue
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+p.p.HTTPGet.Path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != p.want {
			t.Errorf("%s GET %s: %s %s, want %d", p.name, p.p.HTTPGet.Path, resp.Status, body, p.want)
		}
	}
}

// TestChartRefuses: values that would give a pod serve cannot start, or one
// nothing can reach, fail at rendering with a message naming the value.
func TestChartRefuses(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"a variable no Secret fills", []string{"--set", "config.http.token_env=DRIFTMON_API_TOKEN"}, "DRIFTMON_API_TOKEN"},
		{"a receiver's variable no Secret fills", []string{"--values", filepath.Join(chartDir, "ci", "full-values.yaml"), "--set", "secretEnv.RETRAIN_SECRET=null"}, "RETRAIN_SECRET"},
		{"a loopback listen address", []string{"--set", "config.http.listen=127.0.0.1:8080"}, "loopback"},
		{"two instances on the embedded store", []string{"--values", filepath.Join(chartDir, "ci", "embedded-values.yaml"), "--set", "replicaCount=2"}, "replicaCount is 2"},
		{"a relative embedded path", []string{"--values", filepath.Join(chartDir, "ci", "embedded-values.yaml"), "--set", "config.storage.embedded.path=./data"}, "absolute"},
		{"an unknown anti-affinity", []string{"--set", "podAntiAffinity=always"}, "podAntiAffinity"},
		{"two anti-affinities", []string{"--set", "podAntiAffinity=soft", "--set-json", `affinity={"podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[]}}`}, "not both"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := render(t, tc.args...)
			if err == nil {
				t.Fatal("rendered")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

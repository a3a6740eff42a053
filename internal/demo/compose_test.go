package demo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/driftmon/driftmon/config"
)

// TestComposeFile checks docker-compose.yml's structure (no Docker engine
// runs where the tests do): the services, ports on loopback only, and that
// the config mounted into driftmon and the example config load with
// driftmon's own loader.
func TestComposeFile(t *testing.T) {
	b, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Image   string   `yaml:"image"`
			Build   any      `yaml:"build"`
			Ports   []string `yaml:"ports"`
			Volumes []string `yaml:"volumes"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"kafka", "kafka-topics", "clickhouse", "driftmon", "producer", "prometheus", "grafana"} {
		s, ok := c.Services[name]
		if !ok {
			t.Errorf("service %s missing", name)
			continue
		}
		if s.Image == "" && s.Build == nil {
			t.Errorf("service %s has neither image nor build", name)
		}
		for _, p := range s.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("service %s publishes %s beyond loopback", name, p)
			}
		}
	}
	mounted := ""
	for _, v := range c.Services["driftmon"].Volumes {
		if strings.HasSuffix(v, ":/etc/driftmon/driftmon.yaml:ro") {
			mounted = strings.TrimPrefix(strings.TrimSuffix(v, ":/etc/driftmon/driftmon.yaml:ro"), "./")
		}
	}
	if mounted == "" {
		t.Fatal("driftmon mounts no config at /etc/driftmon/driftmon.yaml")
	}
	// The mounted config names files of the image (the Dockerfile writes
	// the demo reference with `replay --write-reference`), which Load
	// checks: the test writes the same file here and points the config
	// at it.
	data, err := os.ReadFile("../../" + mounted)
	if err != nil {
		t.Fatal(err)
	}
	const imageRef = "/etc/driftmon/demo-reference.csv"
	if !strings.Contains(string(data), imageRef) {
		t.Fatalf("%s does not name the image's %s", mounted, imageRef)
	}
	dir := t.TempDir()
	ref, err := os.Create(filepath.Join(dir, "demo-reference.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := writeSynthReference(ref, 7, 100); err != nil {
		t.Fatal(err)
	}
	ref.Close()
	inContainer := filepath.Join(dir, "driftmon.yaml")
	if err := os.WriteFile(inContainer, []byte(strings.ReplaceAll(string(data), imageRef, ref.Name())), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{inContainer, "../../driftmon.example.yaml"} {
		cfg, err := config.Load(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if m := cfg.Model("demo"); m == nil || len(m.Features) != len(synthFeatures) {
			t.Errorf("%s: want the demo model with its %d features", path, len(synthFeatures))
		}
	}
}

package main

import (
	"os"
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
	for _, path := range []string{"../../" + mounted, "../../driftmon.example.yaml"} {
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

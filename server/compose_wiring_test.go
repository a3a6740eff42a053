package server_test

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/driftmon/driftmon/config"
)

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Command     any               `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	RawDepends  yaml.Node         `yaml:"depends_on"`
	Ports       []string          `yaml:"ports"`
	Volumes     []string          `yaml:"volumes"`
	Healthcheck *struct {
		Test any `yaml:"test"`
	} `yaml:"healthcheck"`
}

// dependsOn reads depends_on in either form (a list of names, or names to
// conditions); a listed name has condition "".
func (s *composeService) dependsOn(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	switch s.RawDepends.Kind {
	case 0:
	case yaml.SequenceNode:
		var names []string
		if err := s.RawDepends.Decode(&names); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			out[n] = ""
		}
	default:
		var m map[string]struct {
			Condition string `yaml:"condition"`
		}
		if err := s.RawDepends.Decode(&m); err != nil {
			t.Fatal(err)
		}
		for n, c := range m {
			out[n] = c.Condition
		}
	}
	return out
}

func flat(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var parts []string
		for _, p := range x {
			parts = append(parts, flat(p))
		}
		return strings.Join(parts, " ")
	}
	return ""
}

// TestComposeWiring checks that the services of docker-compose.yml fit
// together as `docker compose up` needs, since no engine runs here to try:
// Kafka in KRaft mode, the config's topics created by a one-shot service
// the consumers wait for, ClickHouse and driftmon healthy before what
// needs them, the addresses in driftmon's mounted config, Prometheus's
// target and Grafana's datasources naming the compose services and ports,
// Grafana installing the ClickHouse plugin and mounting the dashboards
// where the provisioning file looks, and every named volume declared.
func TestComposeWiring(t *testing.T) {
	b, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]*composeService `yaml:"services"`
		Volumes  map[string]any             `yaml:"volumes"`
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	svc := func(name string) *composeService {
		s := c.Services[name]
		if s == nil {
			t.Fatalf("service %s missing", name)
		}
		return s
	}

	kafka := svc("kafka")
	if !strings.HasPrefix(kafka.Image, "apache/kafka:") || !strings.Contains(kafka.Environment["KAFKA_PROCESS_ROLES"], "controller") {
		t.Errorf("kafka: %s with roles %q, want Apache Kafka in KRaft mode", kafka.Image, kafka.Environment["KAFKA_PROCESS_ROLES"])
	}
	for name := range c.Services {
		if strings.Contains(name, "zookeeper") {
			t.Errorf("service %s: KRaft needs no ZooKeeper", name)
		}
	}
	for _, name := range []string{"kafka", "clickhouse", "driftmon"} {
		if svc(name).Healthcheck == nil || svc(name).Healthcheck.Test == nil {
			t.Errorf("service %s has no healthcheck; others wait for it", name)
		}
	}
	wants := []struct{ svc, dep, cond string }{
		{"kafka-topics", "kafka", "service_healthy"},
		{"driftmon", "kafka-topics", "service_completed_successfully"},
		{"driftmon", "clickhouse", "service_healthy"},
		{"producer", "kafka-topics", "service_completed_successfully"},
		{"prometheus", "driftmon", ""},
		{"grafana", "prometheus", ""},
		{"grafana", "clickhouse", ""},
	}
	for _, w := range wants {
		got, ok := svc(w.svc).dependsOn(t)[w.dep]
		if !ok || w.cond != "" && got != w.cond {
			t.Errorf("%s depends on %s with %q, want %q", w.svc, w.dep, got, w.cond)
		}
	}

	// driftmon's mounted config (TestComposeFile loads it whole).
	var mounted string
	for _, v := range svc("driftmon").Volumes {
		if src, ok := strings.CutSuffix(v, ":/etc/driftmon/driftmon.yaml:ro"); ok {
			mounted = src
		}
	}
	raw, err := os.ReadFile(filepath.Join("..", mounted))
	if err != nil {
		t.Fatalf("driftmon's mounted config: %v", err)
	}
	// The keys the wiring depends on; TestComposeFile loads it whole.
	var cfg struct {
		Kafka struct {
			Brokers          []string `yaml:"brokers"`
			PredictionsTopic string   `yaml:"predictions_topic"`
			LabelsTopic      string   `yaml:"labels_topic"`
			DeadLetterTopic  string   `yaml:"dead_letter_topic"`
		} `yaml:"kafka"`
		Storage struct {
			Backend    config.Backend `yaml:"backend"`
			ClickHouse struct {
				Addr     []string `yaml:"addr"`
				Database string   `yaml:"database"`
			} `yaml:"clickhouse"`
		} `yaml:"storage"`
		HTTP struct {
			Listen string `yaml:"listen"`
		} `yaml:"http"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	topics := flat(svc("kafka-topics").Command)
	for _, topic := range []string{cfg.Kafka.PredictionsTopic, cfg.Kafka.LabelsTopic, cfg.Kafka.DeadLetterTopic} {
		if topic == "" || !strings.Contains(topics, topic) {
			t.Errorf("kafka-topics does not create %q", topic)
		}
	}
	if !strings.Contains(kafka.Environment["KAFKA_ADVERTISED_LISTENERS"], "//"+cfg.Kafka.Brokers[0]) {
		t.Errorf("driftmon's broker %s is not a listener kafka advertises (%s)", cfg.Kafka.Brokers[0], kafka.Environment["KAFKA_ADVERTISED_LISTENERS"])
	}
	if p := flat(svc("producer").Command); !strings.Contains(p, cfg.Kafka.Brokers[0]) {
		t.Errorf("the producer (%s) does not write to driftmon's broker %s", p, cfg.Kafka.Brokers[0])
	}
	if host, _, _ := net.SplitHostPort(cfg.Storage.ClickHouse.Addr[0]); cfg.Storage.Backend != config.BackendClickHouse || c.Services[host] == nil {
		t.Errorf("driftmon stores in %s %v, want the clickhouse service", cfg.Storage.Backend, cfg.Storage.ClickHouse.Addr)
	}
	_, port, _ := net.SplitHostPort(cfg.HTTP.Listen)
	if !slices.Contains(svc("driftmon").Ports, "127.0.0.1:"+port+":"+port) {
		t.Errorf("driftmon listens on %s but publishes %v", cfg.HTTP.Listen, svc("driftmon").Ports)
	}
	prom, err := os.ReadFile("../deploy/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(prom), `"driftmon:`+port+`"`) {
		t.Errorf("prometheus.yml does not scrape driftmon:%s", port)
	}

	// Grafana: the plugin, the provisioning folder, the dashboards where
	// the provider looks, and datasources at the services.
	g := svc("grafana")
	if !strings.Contains(g.Environment["GF_INSTALL_PLUGINS"], "grafana-clickhouse-datasource") {
		t.Errorf("grafana installs %q, want grafana-clickhouse-datasource", g.Environment["GF_INSTALL_PLUGINS"])
	}
	var provider struct {
		Providers []struct {
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	pb, err := os.ReadFile("../dashboards/provisioning/dashboards/driftmon.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(pb, &provider); err != nil || len(provider.Providers) == 0 {
		t.Fatalf("dashboard provisioning: %v", err)
	}
	for _, want := range []string{"./dashboards/provisioning:/etc/grafana/provisioning:ro",
		"./dashboards:" + provider.Providers[0].Options.Path + ":ro"} {
		if !slices.Contains(g.Volumes, want) {
			t.Errorf("grafana does not mount %s (volumes %v)", want, g.Volumes)
		}
	}
	ds, err := os.ReadFile("../dashboards/provisioning/datasources/datasources.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"url: http://prometheus:9090", "host: clickhouse", "port: 9000", "defaultDatabase: " + cfg.Storage.ClickHouse.Database} {
		if !strings.Contains(string(ds), want) {
			t.Errorf("datasources.yaml lacks %q", want)
		}
	}

	for name, s := range c.Services {
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if strings.HasPrefix(src, ".") || strings.HasPrefix(src, "/") {
				if _, err := os.Stat(filepath.Join("..", src)); err != nil {
					t.Errorf("service %s mounts %s: %v", name, src, err)
				}
				continue
			}
			if _, ok := c.Volumes[src]; !ok {
				t.Errorf("service %s uses volume %s, which is not declared", name, src)
			}
		}
	}
	for _, name := range []string{"kafka", "clickhouse", "prometheus", "grafana"} {
		if len(svc(name).Volumes) == 0 {
			t.Errorf("service %s keeps its data in no volume", name)
		}
	}
}

package dashboards_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"

	"github.com/driftmon/driftmon/ingest"
	"github.com/driftmon/driftmon/pipeline"
)

// recorder is a Registerer that keeps the names of what is registered.
type recorder struct{ names map[string]bool }

func (r *recorder) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc, 16)
	go func() { c.Describe(ch); close(ch) }()
	re := regexp.MustCompile(`fqName: "([a-z_]+)"`)
	for d := range ch {
		if m := re.FindStringSubmatch(d.String()); m != nil {
			r.names[m[1]] = true
		}
	}
	return nil
}

func (r *recorder) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		r.Register(c)
	}
}

func (r *recorder) Unregister(prometheus.Collector) bool { return true }

// exported lists the metric names driftmon registers, from the real
// constructors rather than a hand-kept list.
func exported(t *testing.T) map[string]bool {
	r := &recorder{names: map[string]bool{}}
	ingest.NewMetrics(r)
	pipeline.NewMetrics(r)
	if len(r.names) < 5 {
		t.Fatalf("found only %v", r.names)
	}
	return r.names
}

type panel struct {
	Title      string          `json:"title"`
	Datasource json.RawMessage `json:"datasource"`
	Targets    []struct {
		Expr   string `json:"expr"`
		RawSQL string `json:"rawSql"`
		DS     struct {
			UID string `json:"uid"`
		} `json:"datasource"`
	} `json:"targets"`
}

func TestDashboards(t *testing.T) {
	metrics := exported(t)
	var prov struct {
		Datasources []struct {
			UID string `yaml:"uid"`
		} `yaml:"datasources"`
	}
	b, err := os.ReadFile("provisioning/datasources/datasources.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &prov); err != nil {
		t.Fatal(err)
	}
	uids := map[string]bool{}
	for _, d := range prov.Datasources {
		uids[d.UID] = true
	}
	files, _ := filepath.Glob("*.json")
	if len(files) == 0 {
		t.Fatal("no dashboards")
	}
	metricRe := regexp.MustCompile(`driftmon_[a-z_]+`)
	tableRe := regexp.MustCompile(`driftmon\.([a-z_]+)`)
	tables := map[string]bool{"drift_results": true, "window_summaries": true, "alerts": true, "detections": true}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var d struct {
				UID    string  `json:"uid"`
				Panels []panel `json:"panels"`
			}
			if err := json.Unmarshal(b, &d); err != nil {
				t.Fatalf("not valid JSON: %v", err)
			}
			if d.UID == "" || len(d.Panels) == 0 {
				t.Fatal("dashboard without uid or panels")
			}
			for _, p := range d.Panels {
				for _, tg := range p.Targets {
					if !uids[tg.DS.UID] {
						t.Errorf("panel %q: datasource %q is not provisioned", p.Title, tg.DS.UID)
					}
					for _, m := range metricRe.FindAllString(tg.Expr, -1) {
						if !metrics[strings.TrimSuffix(strings.TrimSuffix(m, "_bucket"), "_count")] {
							t.Errorf("panel %q: metric %s is not exported", p.Title, m)
						}
					}
					for _, m := range tableRe.FindAllStringSubmatch(tg.RawSQL, -1) {
						if !tables[m[1]] {
							t.Errorf("panel %q: table %s is not in the schema", p.Title, m[1])
						}
					}
				}
			}
		})
	}
}

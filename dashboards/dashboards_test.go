package dashboards_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"

	"github.com/driftmon/driftmon/alerting"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/ingest"
	"github.com/driftmon/driftmon/pipeline"
	chstore "github.com/driftmon/driftmon/storage/clickhouse"
)

// recorder registers with a real registry and keeps the names of what it
// registered. Gather alone would not do: a vector without children (no
// model seen yet) is absent from it, yet the dashboards must name it.
type recorder struct {
	reg   *prometheus.Registry
	names map[string]bool
}

var fqNameRE = regexp.MustCompile(`fqName: "([a-zA-Z_:][a-zA-Z0-9_:]*)"`)

func (r *recorder) Register(c prometheus.Collector) error {
	if err := r.reg.Register(c); err != nil {
		return err
	}
	ch := make(chan *prometheus.Desc, 16)
	go func() { c.Describe(ch); close(ch) }()
	for d := range ch {
		if m := fqNameRE.FindStringSubmatch(d.String()); m != nil {
			r.names[m[1]] = true
		}
	}
	return nil
}

func (r *recorder) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

func (r *recorder) Unregister(c prometheus.Collector) bool { return r.reg.Unregister(c) }

// exported lists the metric names driftmon's serve registers, from the
// packages' own constructors on a real registry rather than a hand-kept
// list. What the registry gathers must be among them.
func exported(t *testing.T) map[string]bool {
	t.Helper()
	r := &recorder{reg: prometheus.NewRegistry(), names: map[string]bool{}}
	ingest.NewMetrics(r)
	pipeline.NewMetrics(r)
	alerting.NewMetrics(r)
	mfs, err := r.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if !r.names[mf.GetName()] {
			t.Fatalf("gathered %s, which no Desc named", mf.GetName())
		}
	}
	// Names the test relies on: if these vanish, the recorder is broken,
	// not the dashboards.
	for _, n := range []string{"driftmon_drift_statistic", "driftmon_events_rejected_total", "driftmon_alerts_firing"} {
		if !r.names[n] {
			t.Fatalf("%s not found among %v", n, r.names)
		}
	}
	return r.names
}

type datasource struct {
	Type string `json:"type" yaml:"type"`
	UID  string `json:"uid" yaml:"uid"`
}

type target struct {
	RefID      string      `json:"refId"`
	Datasource *datasource `json:"datasource"`
	Expr       string      `json:"expr"`
	RawSQL     string      `json:"rawSql"`
}

type panel struct {
	Title      string      `json:"title"`
	Type       string      `json:"type"`
	Datasource *datasource `json:"datasource"`
	Targets    []target    `json:"targets"`
	Panels     []panel     `json:"panels"` // a collapsed row's
	Repeat     string      `json:"repeat"`
}

type dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name       string      `json:"name"`
			Datasource *datasource `json:"datasource"`
			Query      any         `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []struct {
			Name       string      `json:"name"`
			Datasource *datasource `json:"datasource"`
			Expr       string      `json:"expr"`
			Target     *target     `json:"target"`
		} `json:"list"`
	} `json:"annotations"`
}

// query is one query of a dashboard, wherever it sits, with the
// datasource it goes to.
type query struct {
	where string
	ds    *datasource
	expr  string // PromQL
	sql   string // ClickHouse
	// dsOnly marks a datasource reference without a query of its own (a
	// panel's or an annotation's beside its targets').
	dsOnly bool
}

func (d *dashboard) queries() []query {
	var out []query
	var walk func(ps []panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			if p.Datasource != nil && len(p.Targets) == 0 {
				// A panel's own datasource is checked with its targets;
				// one without targets still has to resolve.
				out = append(out, query{where: fmt.Sprintf("panel %q", p.Title), ds: p.Datasource, dsOnly: true})
			}
			for _, tg := range p.Targets {
				if tg.Datasource != nil && p.Datasource != nil && *tg.Datasource != *p.Datasource {
					out = append(out, query{where: fmt.Sprintf("panel %q", p.Title), ds: p.Datasource, dsOnly: true})
				}
				ds := tg.Datasource
				if ds == nil {
					ds = p.Datasource
				}
				out = append(out, query{where: fmt.Sprintf("panel %q target %s", p.Title, tg.RefID), ds: ds, expr: tg.Expr, sql: tg.RawSQL})
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		q := ""
		switch x := v.Query.(type) {
		case string:
			q = x
		case map[string]any:
			q, _ = x["query"].(string)
		}
		out = append(out, query{where: fmt.Sprintf("variable %s", v.Name), ds: v.Datasource, expr: q})
	}
	for _, a := range d.Annotations.List {
		q := query{where: fmt.Sprintf("annotation %q", a.Name), ds: a.Datasource, expr: a.Expr}
		if a.Target != nil {
			q.sql = a.Target.RawSQL
			if a.Target.Datasource != nil {
				if a.Datasource != nil && *a.Datasource != *a.Target.Datasource {
					out = append(out, query{where: q.where, ds: a.Datasource, dsOnly: true})
				}
				q.ds = a.Target.Datasource
			}
		}
		out = append(out, q)
	}
	return out
}

func loadDashboards(t *testing.T) map[string]*dashboard {
	t.Helper()
	files, err := filepath.Glob("*.json")
	if err != nil || len(files) < 2 {
		t.Fatalf("dashboards: %v %v, want the overview and the model dashboard", files, err)
	}
	out := map[string]*dashboard{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d dashboard
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: not valid JSON: %v", f, err)
		}
		out[f] = &d
	}
	return out
}

func provisioned(t *testing.T) map[string]datasource {
	t.Helper()
	var prov struct {
		Datasources []datasource `yaml:"datasources"`
	}
	b, err := os.ReadFile("provisioning/datasources/datasources.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &prov); err != nil {
		t.Fatal(err)
	}
	out := map[string]datasource{}
	for _, d := range prov.Datasources {
		out[d.UID] = d
	}
	return out
}

var (
	metricRE = regexp.MustCompile(`\bdriftmon_[a-z_]+`)
	varRE    = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)
)

// TestDashboards checks every dashboard's structure and every query
// statically: each names a provisioned datasource of the right type,
// PromQL names only metrics driftmon registers, and template variables
// are defined.
func TestDashboards(t *testing.T) {
	metrics := exported(t)
	dss := provisioned(t)
	for _, want := range []string{"prometheus", "grafana-clickhouse-datasource"} {
		if !slices.ContainsFunc(slices.Collect(mapValues(dss)), func(d datasource) bool { return d.Type == want }) {
			t.Errorf("no %s datasource is provisioned", want)
		}
	}
	uids := map[string]string{}
	for f, d := range loadDashboards(t) {
		t.Run(f, func(t *testing.T) {
			if d.UID == "" || len(d.Panels) == 0 {
				t.Fatal("dashboard without uid or panels")
			}
			if other, dup := uids[d.UID]; dup {
				t.Errorf("uid %s is also %s's", d.UID, other)
			}
			uids[d.UID] = f
			vars := map[string]bool{}
			for _, v := range d.Templating.List {
				vars[v.Name] = true
			}
			qs := d.queries()
			if len(qs) == 0 {
				t.Fatal("no queries")
			}
			for _, q := range qs {
				if q.ds == nil {
					t.Errorf("%s: no datasource", q.where)
					continue
				}
				ds, ok := dss[q.ds.UID]
				switch {
				case !ok:
					t.Errorf("%s: datasource %q is not provisioned", q.where, q.ds.UID)
				case ds.Type != q.ds.Type:
					t.Errorf("%s: datasource %q is a %s, the dashboard says %s", q.where, q.ds.UID, ds.Type, q.ds.Type)
				}
				if q.expr == "" && q.sql == "" && !q.dsOnly {
					t.Errorf("%s: empty query", q.where)
				}
				if q.expr != "" && ds.Type != "prometheus" || q.sql != "" && ds.Type != "grafana-clickhouse-datasource" {
					t.Errorf("%s: a query of the wrong language for %s", q.where, ds.Type)
				}
				for _, m := range metricRE.FindAllString(q.expr, -1) {
					base := m
					for _, suf := range []string{"_bucket", "_sum", "_count"} {
						if b, ok := strings.CutSuffix(m, suf); ok && metrics[b] {
							base = b
						}
					}
					if !metrics[base] {
						t.Errorf("%s: metric %s is not exported", q.where, m)
					}
				}
				if q.expr != "" && !strings.Contains(q.expr, "driftmon_") {
					t.Errorf("%s: %q reads no driftmon metric", q.where, q.expr)
				}
				// drift_results says which row is a feature's verdict: a
				// query of covariate or prior rows by their drifted flag
				// or as the decision's history names decision = 1, and
				// none needs drift_result_meta for it.
				if strings.Contains(q.sql, "drift_result_meta") {
					t.Errorf("%s: reads drift_result_meta; drift_results has decision", q.where)
				}
				if strings.Contains(q.sql, "driftmon.drift_results") && (strings.Contains(q.sql, "'covariate'") || strings.Contains(q.sql, "'prior'")) &&
					!strings.Contains(q.sql, "decision = 1") {
					t.Errorf("%s: covariate or prior rows without decision = 1: reported methods would count", q.where)
				}
				for _, m := range varRE.FindAllStringSubmatch(q.expr+" "+q.sql, -1) {
					if !vars[m[1]] && !strings.HasPrefix(m[1], "__") {
						t.Errorf("%s: variable $%s is not defined", q.where, m[1])
					}
				}
			}
		})
	}
}

func mapValues[K comparable, V any](m map[K]V) func(func(V) bool) {
	return func(yield func(V) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

// grafanaSQL expands what Grafana and the ClickHouse plugin would before
// sending: template variables with a model and feature, the time filter
// macro with the last week. database replaces driftmon.
func grafanaSQL(sql, database string) string {
	sql = regexp.MustCompile(`\$__timeFilter\(([a-z_]+)\)`).ReplaceAllString(sql,
		"$1 >= toDateTime(1700000000) AND $1 <= toDateTime(1900000000)")
	return strings.NewReplacer(
		"${feature:singlequote}", "'amount', 'country'",
		"${model}", "demo",
		"driftmon.", database+".",
	).Replace(sql)
}

// TestDashboardSQL runs every ClickHouse query of the dashboards, as
// Grafana would send it, against driftmon's schema on a real server (a
// fresh database, migrated by the store's own Open): a table or column
// that does not exist, or SQL the server does not take, fails.
func TestDashboardSQL(t *testing.T) {
	addr := os.Getenv("DRIFTMON_CLICKHOUSE_ADDR")
	if addr == "" {
		msg := "DRIFTMON_CLICKHOUSE_ADDR not set: this test needs a ClickHouse server (scripts/test.sh starts one)"
		if os.Getenv("DRIFTMON_REQUIRE_INTEGRATION") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := fmt.Sprintf("driftmon_dashboards_%d", time.Now().UnixNano()%1e9)
	store, err := chstore.Open(ctx, chstore.Options{Addr: []string{addr}, Database: db})
	if err != nil {
		t.Fatal(err)
	}
	// One window with its results, so that the queries run over rows, not
	// only an empty schema.
	if err := store.WriteWindow(ctx, sampleWindow(), sampleResults(), 1); err != nil {
		t.Fatal(err)
	}
	store.Close()
	conn := clickhouse.OpenDB(&clickhouse.Options{Addr: []string{addr}})
	defer conn.Close()
	defer conn.Exec("DROP DATABASE IF EXISTS " + db)

	n, withRows := 0, 0
	for f, d := range loadDashboards(t) {
		for _, q := range d.queries() {
			if q.sql == "" {
				continue
			}
			n++
			if !strings.Contains(q.sql, "driftmon.") {
				t.Errorf("%s %s: reads no driftmon table", f, q.where)
			}
			sql := grafanaSQL(q.sql, db)
			rows, err := conn.QueryContext(ctx, sql)
			if err != nil {
				t.Errorf("%s %s: %v\n%s", f, q.where, err, sql)
				continue
			}
			got := 0
			var stats []float64 // the decision history's
			history := strings.HasPrefix(q.where, `panel "Decision statistic per window`)
			for rows.Next() {
				got++
				if history {
					var at time.Time
					var feature string
					var stat float64
					if err := rows.Scan(&at, &feature, &stat); err != nil {
						t.Errorf("%s %s: %v", f, q.where, err)
					}
					stats = append(stats, stat)
				}
			}
			if got > 0 {
				withRows++
			}
			// amount's verdict (psi, 0.4), not its reported
			// jensen_shannon.
			if history && (len(stats) != 1 || stats[0] != 0.4) {
				t.Errorf("%s %s: statistics %v, want the verdict's [0.4] alone", f, q.where, stats)
			}
			if err := rows.Err(); err != nil {
				t.Errorf("%s %s: %v", f, q.where, err)
			}
			rows.Close()
		}
	}
	if n < 5 {
		t.Errorf("%d ClickHouse queries, want the overview's and the model dashboard's", n)
	}
	// The statistic history, the histogram and the quality table read the
	// sample window; the alert and concept queries have nothing to find.
	t.Logf("rows: %d of %d", withRows, n)
	if withRows < 3 {
		t.Errorf("%d of %d queries found the sample window's rows", withRows, n)
	}
}

// sampleWindow is a window of model demo with a numeric feature over four
// reference bins, inside grafanaSQL's time filter.
func sampleWindow() *drift.WindowSummary {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := drift.NewFeatureSummary("amount", drift.Numeric, []float64{1, 2, 3}, drift.DefaultLimits(), 1)
	for _, x := range []float64{0.5, 1.5, 2.5, 3.5, 3.7} {
		f.Observe(drift.Value{Kind: drift.Number, Num: x})
	}
	return &drift.WindowSummary{Model: "demo", Seq: 1, Start: start, End: start.Add(time.Hour), Events: 5,
		Features: []*drift.FeatureSummary{f}}
}

func sampleResults() []drift.Result {
	w := sampleWindow()
	base := drift.Result{Model: "demo", WindowSeq: w.Seq, WindowStart: w.Start, WindowEnd: w.End, NReference: 100, NCurrent: 5}
	cov, reported, qual := base, base, base
	cov.Family, cov.Feature, cov.Method, cov.Statistic, cov.Threshold, cov.Drifted, cov.Decision =
		drift.Covariate, "amount", "psi", 0.4, 0.2, true, true
	reported.Family, reported.Feature, reported.Method, reported.Statistic, reported.Threshold =
		drift.Covariate, "amount", "jensen_shannon", 0.3, 0.1
	qual.Family, qual.Feature, qual.Method, qual.Statistic, qual.Threshold, qual.Drifted, qual.Decision =
		drift.Quality, "amount", "missing_share", 0.5, 0.1, true, true
	return []drift.Result{cov, reported, qual}
}

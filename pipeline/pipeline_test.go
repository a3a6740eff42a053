package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
	"unsafe"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/ingest"
	"github.com/driftmon/driftmon/pipeline"
	"github.com/driftmon/driftmon/reference"
	"github.com/driftmon/driftmon/storage"
	"github.com/driftmon/driftmon/storage/embedded"
	"github.com/driftmon/driftmon/window"
)

// The pipeline's Windows is what window.Windower is; pipeline cannot import
// window to check it itself.
var _ pipeline.Windows = (*window.Windower)(nil)

const (
	group       = "driftmon"
	predsTopic  = "predictions"
	labelsTopic = "labels"
)

var (
	// t0 is event time, on a minute boundary, so the one-minute windows
	// start at t0 + k minutes.
	t0 = time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)
	// wall is the service's clock, a day later: versions come from it.
	wall = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
)

// wallAt is the wall clock when record i is handled.
func wallAt(i int) time.Time { return wall.Add(time.Duration(i) * time.Second) }

// seq0 is the seq of the window starting at t0 (seq = start / duration).
var seq0 = t0.Unix() / 60

// refCSV is a reference of 99 rows: x = 0..98, c cycling a, b, c,
// prediction = x/100.
func refCSV() string {
	var b strings.Builder
	b.WriteString("x,c,prediction\n")
	for i := 0; i < 99; i++ {
		fmt.Fprintf(&b, "%d,%c,%g\n", i, "abc"[i%3], float64(i)/100)
	}
	return b.String()
}

// refEvaluator is the service's evaluation reduced to a file reference:
// detectors.Evaluate of the window against its model's reference.
type refEvaluator struct {
	refs   map[string]*drift.Reference
	policy detectors.Policy
}

func (e *refEvaluator) Evaluate(_ context.Context, w *drift.WindowSummary) ([]drift.Result, error) {
	return detectors.Evaluate(e.refs[w.Model], w, e.policy), nil
}

// fixture holds the models: "m" and "n", the same shape (x numeric, c
// categorical, a numeric prediction), one-minute windows.
type fixture struct {
	specs []window.Spec
	eval  *refEvaluator
}

func newFixture(t *testing.T, lateness, idle time.Duration) fixture {
	t.Helper()
	cols := []reference.Column{{Name: "x", Kind: drift.Numeric}, {Name: "c", Kind: drift.Categorical}}
	pred := &reference.Column{Name: "prediction", Kind: drift.Numeric}
	ref, err := reference.FromReader(context.Background(), strings.NewReader(refCSV()), "ref.csv", cols, pred, drift.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	// PSI at its fixed threshold decides, as the expected rows were worked
	// out: the windows here hold a handful of events, too few for a
	// calibrated threshold to flag anything.
	policy := detectors.DefaultPolicy()
	policy.Numeric.Decide, policy.Numeric.Calibration = stats.MethodPSI, nil
	if err := policy.Validate(); err != nil {
		t.Fatal(err)
	}
	f := fixture{eval: &refEvaluator{refs: map[string]*drift.Reference{}, policy: policy}}
	for _, model := range []string{"m", "n"} {
		f.specs = append(f.specs, window.Spec{
			Model: model, DefaultVersion: "1", Duration: time.Minute, AllowedLateness: lateness, IdleTimeout: idle,
			Features: []window.Feature{
				{Name: "x", Kind: drift.Numeric, Edges: ref.Feature("x").Edges},
				{Name: "c", Kind: drift.Categorical},
			},
			Prediction: drift.Numeric, PredictionEdges: ref.Prediction.Edges,
			Limits: drift.DefaultLimits(),
		})
		f.eval.refs[model] = ref
	}
	return f
}

// env is one service instance's view: a store on disk, a registry, and
// what the pipeline is built from.
type env struct {
	t     *testing.T
	fx    fixture
	dir   string
	store *embedded.Store
	reg   *prometheus.Registry
	m     *pipeline.Metrics
}

func newEnv(t *testing.T, fx fixture) *env {
	t.Helper()
	e := &env{t: t, fx: fx, dir: t.TempDir()}
	e.reopen()
	return e
}

// reopen closes the store (if open) and opens its directory again, with a
// fresh registry: a restarted process.
func (e *env) reopen() {
	e.t.Helper()
	if e.store != nil {
		if err := e.store.Close(); err != nil {
			e.t.Fatal(err)
		}
	}
	s, err := embedded.Open(e.dir)
	if err != nil {
		e.t.Fatal(err)
	}
	e.store = s
	e.t.Cleanup(func() { s.Close() })
	e.reg = prometheus.NewRegistry()
	e.m = pipeline.NewMetrics(e.reg)
}

// pipeline builds a Pipeline on e's store; mod changes the config.
func (e *env) pipeline(mod func(*pipeline.Config)) *pipeline.Pipeline {
	cfg := pipeline.Config{
		Group: group, PredictionsTopic: predsTopic, LabelsTopic: labelsTopic,
		NewWindows: func() pipeline.Windows { return window.New(e.fx.specs) },
		Store:      e.store, Evaluator: e.fx.eval, Metrics: e.m,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if mod != nil {
		mod(&cfg)
	}
	return pipeline.New(cfg)
}

func (e *env) open(pl *pipeline.Pipeline, topic string, partition int, now time.Time) (*pipeline.Partition, int64) {
	e.t.Helper()
	p, resume, err := pl.OpenPartition(context.Background(), topic, partition, now)
	if err != nil {
		e.t.Fatalf("OpenPartition %s/%d: %v", topic, partition, err)
	}
	return p, resume
}

// events builds predictions of model at the given event times (seconds
// after t0); event i has x = 7i mod 99, c = "abc"[i%3], output x/100.
func events(model string, secs ...int) []*drift.Prediction {
	out := make([]*drift.Prediction, len(secs))
	for i, s := range secs {
		x := float64(7 * i % 99)
		out[i] = &drift.Prediction{
			Model: model, ModelVersion: "1", ID: fmt.Sprintf("req-%d", i), Time: t0.Add(time.Duration(s) * time.Second),
			Features: []drift.Feature{
				{Name: "x", Value: drift.NumberValue(x)},
				{Name: "c", Value: drift.StringValue(string("abc"[i%3]))},
			},
			Output: drift.NumberValue(x / 100),
		}
	}
	return out
}

// feed hands preds[from:to] to p as records at offsets from..to-1, record
// i at wallAt(i).
func feed(t *testing.T, p *pipeline.Partition, preds []*drift.Prediction, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		raw := []byte(fmt.Sprintf(`{"id":%q}`, preds[i].ID))
		src := drift.Source{Topic: predsTopic, Offset: int64(i)}
		if err := p.Prediction(context.Background(), preds[i], raw, src, wallAt(i)); err != nil {
			t.Fatalf("Prediction %d: %v", i, err)
		}
	}
}

// series returns a metric family's values keyed by their labels, as
// name=value pairs in label-name order.
func series(t *testing.T, g prometheus.Gatherer, name string) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			var kv []string
			for _, l := range m.GetLabel() {
				kv = append(kv, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(kv)
			v := m.GetGauge().GetValue()
			if m.GetCounter() != nil {
				v = m.GetCounter().GetValue()
			}
			out[strings.Join(kv, ",")] = v
		}
	}
	return out
}

func count(t *testing.T, g prometheus.Gatherer, name string) int {
	t.Helper()
	n, err := testutil.GatherAndCount(g, name)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func storedWindows(t *testing.T, s storage.Store, model string) []*drift.WindowSummary {
	t.Helper()
	ws, err := s.Windows(context.Background(), model, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

func storedResults(t *testing.T, s storage.Store, q storage.ResultQuery) []drift.Result {
	t.Helper()
	rs, err := s.Results(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// rowKey names a result row by what identifies it within a window.
func rowKey(r drift.Result) string { return string(r.Family) + "/" + r.Feature + "/" + r.Method }

// defaultRows are the rows detectors.DefaultPolicy gives a window of the
// fixture's models (from the policy's method lists): x and prediction get
// psi, ks, jensen_shannon, wasserstein; c gets chi2, psi, jensen_shannon;
// plus the dataset's drifted_share. The decision method is psi throughout.
var defaultRows = []string{
	"covariate/c/chi2", "covariate/c/jensen_shannon", "covariate/c/psi",
	"covariate/x/jensen_shannon", "covariate/x/ks", "covariate/x/psi", "covariate/x/wasserstein",
	"dataset//drifted_share",
	"prior/prediction/jensen_shannon", "prior/prediction/ks", "prior/prediction/psi", "prior/prediction/wasserstein",
}

type observed struct {
	record  int // index of the record whose call closed the window
	seq     int64
	events  uint64
	results []drift.Result
}

func TestPredictionsCloseWindows(t *testing.T) {
	// Events at 0, 10, 20 s fill window 0; 65..100 s fill window 1, and
	// the one at 65 s moves the watermark (no lateness) to window 0's end,
	// closing it; 130 s closes window 1 and stays open itself.
	secs := []int{0, 10, 20, 65, 70, 80, 90, 100, 130}
	type closedWant struct {
		record int
		seq    int64
		events uint64
	}
	want := []closedWant{{3, seq0, 3}, {8, seq0 + 1, 5}}
	tests := []struct {
		name       string
		allMethods bool
		// statistic and threshold series of the model: the decision rows
		// (one per feature and the prediction) or every row but the
		// dataset's, which has a gauge of its own.
		statRows []string
	}{
		{"decision rows only", false, []string{"covariate/c/psi", "covariate/x/psi", "prior/prediction/psi"}},
		{"all methods", true, slices.DeleteFunc(slices.Clone(defaultRows), func(k string) bool { return k == "dataset//drifted_share" })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, newFixture(t, 0, 0))
			e.m.AllMethods = tc.allMethods
			var got []observed
			record := -1
			observer := func(w *drift.WindowSummary, results []drift.Result) {
				got = append(got, observed{record, w.Seq, w.Events, results})
				// Durable before observers hear of it.
				ws, err := e.store.Windows(ctx, w.Model, w.Start, w.End)
				if err != nil || len(ws) != 1 || ws[0].Events != w.Events {
					t.Errorf("window %d observed before it was stored: %v %v", w.Seq, ws, err)
				}
				rs := storedResults(t, e.store, storage.ResultQuery{Model: w.Model, From: w.Start, To: w.End})
				if len(rs) != len(results) {
					t.Errorf("window %d observed with %d results, %d stored", w.Seq, len(results), len(rs))
				}
			}
			pl := e.pipeline(func(c *pipeline.Config) { c.Observers = []pipeline.Observer{observer} })
			p, resume := e.open(pl, predsTopic, 0, wall)
			if resume != -1 {
				t.Fatalf("resume = %d without a checkpoint, want -1", resume)
			}
			preds := events("m", secs...)
			for i := range preds {
				record = i
				feed(t, p, preds, i, i+1)
			}

			if len(got) != len(want) {
				t.Fatalf("observers heard %d windows, want %d", len(got), len(want))
			}
			for i, w := range want {
				g := got[i]
				if g.record != w.record || g.seq != w.seq || g.events != w.events {
					t.Errorf("observed #%d: record %d seq %d events %d, want record %d seq %d events %d",
						i, g.record, g.seq, g.events, w.record, w.seq, w.events)
				}
				for _, r := range g.results {
					if r.Version != uint64(wallAt(w.record).UnixMilli()) {
						t.Errorf("observed #%d: result %s version %d, want %d", i, rowKey(r), r.Version, wallAt(w.record).UnixMilli())
						break
					}
				}
			}

			ws := storedWindows(t, e.store, "m")
			if len(ws) != len(want) {
				t.Fatalf("stored %d windows, want %d", len(ws), len(want))
			}
			var last []drift.Result
			for i, w := range want {
				sw := ws[i]
				start := time.Unix(w.seq*60, 0).UTC()
				if sw.Seq != w.seq || sw.Events != w.events || !sw.Start.Equal(start) || !sw.End.Equal(start.Add(time.Minute)) {
					t.Errorf("stored window %d: seq %d events %d [%v, %v), want seq %d events %d from %v",
						i, sw.Seq, sw.Events, sw.Start, sw.End, w.seq, w.events, start)
				}
				if x := sw.Feature("x"); x == nil || x.Count != w.events {
					t.Errorf("stored window %d: feature x %+v, want %d values", i, x, w.events)
				}
				rs := storedResults(t, e.store, storage.ResultQuery{Model: "m", From: start, To: start.Add(time.Minute)})
				var keys []string
				for _, r := range rs {
					keys = append(keys, rowKey(r))
					if r.Version != uint64(wallAt(w.record).UnixMilli()) || r.WindowSeq != w.seq {
						t.Errorf("window %d result %s: version %d seq %d, want %d, %d",
							i, rowKey(r), r.Version, r.WindowSeq, wallAt(w.record).UnixMilli(), w.seq)
					}
					if r.Family == drift.Covariate && r.Feature == "x" && r.NCurrent != w.events {
						t.Errorf("window %d result %s: n_current %d, want %d", i, rowKey(r), r.NCurrent, w.events)
					}
				}
				sort.Strings(keys)
				if !slices.Equal(keys, defaultRows) {
					t.Errorf("window %d results %v, want %v", i, keys, defaultRows)
				}
				last = rs
			}

			// Counters: two windows, 3 + 5 events; gauges: the last window.
			if got := series(t, e.reg, "driftmon_windows_closed_total")["model=m"]; got != 2 {
				t.Errorf("windows_closed_total = %v, want 2", got)
			}
			if got := series(t, e.reg, "driftmon_window_events_total")["model=m"]; got != 8 {
				t.Errorf("window_events_total = %v, want 8", got)
			}
			lastEnd := float64(t0.Add(2 * time.Minute).Unix())
			if got := series(t, e.reg, "driftmon_window_last_end_timestamp_seconds")["model=m"]; got != lastEnd {
				t.Errorf("window_last_end = %v, want %v", got, lastEnd)
			}
			wantStat, wantThr, wantDrifted := map[string]float64{}, map[string]float64{}, map[string]float64{}
			wantShare := map[string]float64{}
			for _, r := range last {
				labels := fmt.Sprintf("family=%s,feature=%s,method=%s,model=m", r.Family, r.Feature, r.Method)
				if r.Family == drift.Dataset {
					wantShare["model=m"] = r.Statistic
					continue
				}
				if slices.Contains(tc.statRows, rowKey(r)) {
					wantStat[labels], wantThr[labels] = r.Statistic, r.Threshold
				}
				if r.Decision {
					d := 0.0
					if r.Drifted {
						d = 1
					}
					wantDrifted[fmt.Sprintf("family=%s,feature=%s,model=m", r.Family, r.Feature)] = d
				}
			}
			if len(wantStat) != len(tc.statRows) || len(wantDrifted) != 3 {
				t.Fatalf("last window's rows give %d statistic and %d drifted series, want %d and 3", len(wantStat), len(wantDrifted), len(tc.statRows))
			}
			for _, c := range []struct {
				name string
				want map[string]float64
			}{
				{"driftmon_drift_statistic", wantStat},
				{"driftmon_drift_threshold", wantThr},
				{"driftmon_drift_drifted", wantDrifted},
				{"driftmon_drift_dataset_drifted_share", wantShare},
			} {
				if got := series(t, e.reg, c.name); !mapsEqual(got, c.want) {
					t.Errorf("%s = %v, want %v", c.name, got, c.want)
				}
			}
		})
	}
}

func mapsEqual(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// resumeSecs spans seven minutes with allowed lateness 30 s: out-of-order
// events within the lateness, late events after a close, and jumps that
// close several windows at once.
var resumeSecs = []int{
	0, 20, 50, 40, // window 0, 40 s out of order
	70, 95, // 95 s: watermark 65 s closes window 0
	61, 100, // 61 s: window 1, still open
	10,       // late: window 0 is closed
	130, 150, // 130 s: watermark 100 s; 150 s: watermark 120 s closes window 1
	185, 170, 200, // window 2 and 3
	245, 250, 300, 310, // up to window 5
	25, // late again
	355, 400, 420,
}

// windowView is what a stored window must keep across a restart.
type windowView struct {
	Seq                  int64
	Start, End           time.Time
	Events, Late         uint64
	ModelVersion         string
	Counts               []string
	Bins                 []uint64
	Categories           string
	Sum, Min, Max, PredS float64
}

func view(w *drift.WindowSummary) windowView {
	v := windowView{Seq: w.Seq, Start: w.Start.UTC(), End: w.End.UTC(), Events: w.Events, Late: w.Late, ModelVersion: w.ModelVersion}
	for _, f := range append(slices.Clone(w.Features), w.Prediction) {
		v.Counts = append(v.Counts, fmt.Sprintf("%s:%d/%d/%d", f.Name, f.Count, f.Missing, f.Invalid))
		v.Bins = append(v.Bins, f.BinCounts...)
	}
	v.Categories = fmt.Sprint(w.Feature("c").Categories)
	x := w.Feature("x")
	v.Sum, v.Min, v.Max, v.PredS = x.Sum, x.Min, x.Max, w.Prediction.Sum
	return v
}

// resultView identifies a result row and its outcome, not its version.
func resultView(r drift.Result) string {
	return fmt.Sprintf("%d %s %.12g %v %d/%d", r.WindowSeq, rowKey(r), r.Statistic, r.Drifted, r.NReference, r.NCurrent)
}

// openWindows restores a checkpoint's state into a fresh Windower and lists
// its open windows.
func openWindows(t *testing.T, fx fixture, s storage.Store) []string {
	t.Helper()
	cp, ok, err := s.LoadCheckpoint(context.Background(), group, predsTopic, 0)
	if err != nil || !ok {
		t.Fatalf("LoadCheckpoint: %v %v", ok, err)
	}
	w := window.New(fx.specs)
	if err := w.Restore(cp.State, wall); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range w.Open() {
		out = append(out, fmt.Sprintf("%s %d: %d events, %d late", s.Model, s.Seq, s.Events, s.Late))
	}
	return out
}

func TestCheckpointResume(t *testing.T) {
	fx := newFixture(t, 30*time.Second, 0)
	preds := events("m", resumeSecs...)
	n := len(preds)

	// The uninterrupted run.
	base := newEnv(t, fx)
	pl := base.pipeline(nil)
	p, _ := base.open(pl, predsTopic, 0, wall)
	feed(t, p, preds, 0, n)
	if err := p.Checkpoint(context.Background(), int64(n), wallAt(n)); err != nil {
		t.Fatal(err)
	}
	var wantWindows []windowView
	for _, w := range storedWindows(t, base.store, "m") {
		wantWindows = append(wantWindows, view(w))
	}
	var wantResults []string
	for _, r := range storedResults(t, base.store, storage.ResultQuery{Model: "m"}) {
		wantResults = append(wantResults, resultView(r))
	}
	wantOpen := openWindows(t, fx, base.store)
	// 6 windows close (0..5); 6 and 7 stay open. Checked so that a broken
	// fixture cannot make the comparison below vacuous.
	if len(wantWindows) != 6 || len(wantOpen) != 2 {
		t.Fatalf("uninterrupted run closed %d windows, left %v open; want 6 closed, 2 open", len(wantWindows), wantOpen)
	}
	var total uint64
	for _, w := range wantWindows {
		total += w.Events + w.Late
	}
	// Every record is in a closed window, late in one, or in an open one
	// (windows 6 and 7 hold the events at 400 and 420 s).
	if total != uint64(n-2) {
		t.Fatalf("closed windows account for %d records, want %d", total, n-2)
	}

	tests := []struct {
		name string
		at   int // records handled before the checkpoint
		// replayed: records handled after it, before the crash; they are
		// not covered by the checkpoint and come again after the restart.
		replayed int
	}{
		{"checkpoint before anything", 0, 0},
		{"checkpoint mid-window", 3, 0},
		{"checkpoint with two windows open", 7, 0},
		{"checkpoint after a late event", 9, 0},
		{"checkpoint at the end", n, 0},
		{"crash after closing windows past the checkpoint", 5, 6},
		{"crash just after a close", 11, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, fx)
			heard := map[int64]uint64{}
			observer := func(w *drift.WindowSummary, _ []drift.Result) {
				if ev, ok := heard[w.Seq]; ok && ev != w.Events {
					t.Errorf("window %d heard again with %d events, first with %d", w.Seq, w.Events, ev)
				}
				heard[w.Seq] = w.Events
			}
			withObserver := func(c *pipeline.Config) { c.Observers = []pipeline.Observer{observer} }

			p, resume := e.open(e.pipeline(withObserver), predsTopic, 0, wall)
			if resume != -1 {
				t.Fatalf("first open: resume = %d, want -1", resume)
			}
			feed(t, p, preds, 0, tc.at)
			if err := p.Checkpoint(ctx, int64(tc.at), wallAt(tc.at)); err != nil {
				t.Fatal(err)
			}
			feed(t, p, preds, tc.at, tc.at+tc.replayed)

			e.reopen() // the process dies; a new one opens the same directory
			p, resume = e.open(e.pipeline(withObserver), predsTopic, 0, wallAt(n))
			if resume != int64(tc.at) {
				t.Fatalf("resume = %d, want %d", resume, tc.at)
			}
			feed(t, p, preds, int(resume), n)
			if err := p.Checkpoint(ctx, int64(n), wallAt(n)); err != nil {
				t.Fatal(err)
			}

			var gotWindows []windowView
			for _, w := range storedWindows(t, e.store, "m") {
				gotWindows = append(gotWindows, view(w))
			}
			if len(gotWindows) != len(wantWindows) {
				t.Fatalf("stored %d windows, want %d", len(gotWindows), len(wantWindows))
			}
			for i := range wantWindows {
				if fmt.Sprint(gotWindows[i]) != fmt.Sprint(wantWindows[i]) {
					t.Errorf("window %d:\n got %+v\nwant %+v", i, gotWindows[i], wantWindows[i])
				}
				if heard[wantWindows[i].Seq] != wantWindows[i].Events {
					t.Errorf("observers heard window %d with %d events, want %d", wantWindows[i].Seq, heard[wantWindows[i].Seq], wantWindows[i].Events)
				}
			}
			if len(heard) != len(wantWindows) {
				t.Errorf("observers heard %d windows, want %d", len(heard), len(wantWindows))
			}
			var gotResults []string
			for _, r := range storedResults(t, e.store, storage.ResultQuery{Model: "m"}) {
				gotResults = append(gotResults, resultView(r))
			}
			if !slices.Equal(gotResults, wantResults) {
				t.Errorf("results differ from the uninterrupted run:\n got %v\nwant %v", gotResults, wantResults)
			}
			if got := openWindows(t, fx, e.store); !slices.Equal(got, wantOpen) {
				t.Errorf("open windows %v, want %v", got, wantOpen)
			}
		})
	}
}

func TestOpenPartitionWithoutCheckpoint(t *testing.T) {
	e := newEnv(t, newFixture(t, 0, 0))
	pl := e.pipeline(nil)
	for _, topic := range []string{predsTopic, labelsTopic} {
		for _, part := range []int{0, 3} {
			if _, resume := e.open(pl, topic, part, wall); resume != -1 {
				t.Errorf("%s/%d: resume = %d, want -1", topic, part, resume)
			}
		}
	}
	// A checkpoint of one partition says nothing of another.
	p, _ := e.open(pl, labelsTopic, 0, wall)
	if err := p.Checkpoint(context.Background(), 17, wall); err != nil {
		t.Fatal(err)
	}
	if _, resume := e.open(pl, labelsTopic, 0, wall); resume != 17 {
		t.Errorf("labels/0: resume = %d, want 17", resume)
	}
	for _, c := range []struct {
		topic string
		part  int
	}{{labelsTopic, 1}, {predsTopic, 0}} {
		if _, resume := e.open(pl, c.topic, c.part, wall); resume != -1 {
			t.Errorf("%s/%d: resume = %d, want -1", c.topic, c.part, resume)
		}
	}
	// Another group does not see it either.
	other := e.pipeline(func(c *pipeline.Config) { c.Group = "other" })
	if _, resume := e.open(other, labelsTopic, 0, wall); resume != -1 {
		t.Errorf("group other: resume = %d, want -1", resume)
	}
}

// flakyStore fails chosen writes with an outage before passing them on.
type flakyStore struct {
	*embedded.Store
	mu    sync.Mutex
	fail  map[string]int // op -> failures left; < 0 fails for ever
	calls map[string]int
	// during, when set, runs inside each failing call (a cancel that
	// lands while the write is in flight).
	during func()
}

var errDisk = fmt.Errorf("disk on fire: %w", storage.ErrUnavailable)

// maxCalls bounds a write that fails for ever: past it the store reports
// success without writing, so that a pipeline ignoring its context ends
// (and fails the test) rather than retrying for ever.
const maxCalls = 20

// try counts a call of op: an outage while failures are left, skip past
// maxCalls, else the embedded store's turn.
func (s *flakyStore) try(op string) (skip bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[op]++
	if s.calls[op] > maxCalls {
		return true, nil
	}
	if s.fail[op] == 0 {
		return false, nil
	}
	if s.fail[op] > 0 {
		s.fail[op]--
	}
	if s.during != nil {
		s.during()
	}
	return false, fmt.Errorf("%s: %w", op, errDisk)
}

func (s *flakyStore) WriteWindow(ctx context.Context, w *drift.WindowSummary, results []drift.Result, version uint64) error {
	if skip, err := s.try("window"); skip || err != nil {
		return err
	}
	return s.Store.WriteWindow(ctx, w, results, version)
}

func (s *flakyStore) SaveCheckpoint(ctx context.Context, cp drift.Checkpoint) error {
	if skip, err := s.try("checkpoint"); skip || err != nil {
		return err
	}
	return s.Store.SaveCheckpoint(ctx, cp)
}

func (s *flakyStore) WritePredictions(ctx context.Context, rows []drift.PredictionRecord) error {
	if skip, err := s.try("predictions"); skip || err != nil {
		return err
	}
	return s.Store.WritePredictions(ctx, rows)
}

func (s *flakyStore) WriteLabels(ctx context.Context, rows []drift.LabelRecord) error {
	if skip, err := s.try("labels"); skip || err != nil {
		return err
	}
	return s.Store.WriteLabels(ctx, rows)
}

// storeOps are the op labels of driftmon_storage_write_errors_total.
var storeOps = []string{"window", "checkpoint", "predictions", "labels"}

// drive runs the calls that reach one storage op: a prediction that closes
// a window (window), a checkpoint of a prediction (checkpoint, and with the
// raw log predictions), a checkpoint of a label (labels).
func drive(ctx context.Context, e *env, pl *pipeline.Pipeline, op string) error {
	if op == "labels" {
		p, _, err := pl.OpenPartition(ctx, labelsTopic, 0, wall)
		if err != nil {
			return err
		}
		l := &drift.Label{Model: "m", ID: "req-0", Time: t0, Label: drift.NumberValue(1)}
		if err := p.Label(ctx, l, []byte(`{"label":1}`), drift.Source{Topic: labelsTopic}, wall); err != nil {
			return err
		}
		return p.Checkpoint(ctx, 1, wall)
	}
	p, _, err := pl.OpenPartition(ctx, predsTopic, 0, wall)
	if err != nil {
		return err
	}
	preds := events("m", 0, 65) // the second closes window 0
	for i, pr := range preds {
		if err := p.Prediction(ctx, pr, []byte("{}"), drift.Source{Topic: predsTopic, Offset: int64(i)}, wallAt(i)); err != nil {
			return err
		}
	}
	return p.Checkpoint(ctx, 2, wallAt(2))
}

// durable reports whether what drive wrote for op is in the store.
func durable(t *testing.T, s *embedded.Store, op string) bool {
	t.Helper()
	ctx := context.Background()
	switch op {
	case "window":
		ws := storedWindows(t, s, "m")
		rs := storedResults(t, s, storage.ResultQuery{Model: "m"})
		return len(ws) == 1 && ws[0].Events == 1 && len(rs) == len(defaultRows)
	case "checkpoint":
		cp, ok, err := s.LoadCheckpoint(ctx, group, predsTopic, 0)
		return err == nil && ok && cp.Offset == 2
	case "predictions":
		rows, err := s.Predictions(ctx, "m")
		return err == nil && len(rows) == 2
	case "labels":
		rows, err := s.Labels(ctx, "m")
		return err == nil && len(rows) == 1 && rows[0].Label == "1"
	}
	t.Fatalf("unknown op %q", op)
	return false
}

// The tests of outages run in synctest bubbles: the pipeline's backoff
// (from 100 ms) passes in virtual time, and time.Since measures it exactly.

func TestStorageOutageIsRetried(t *testing.T) {
	tests := []struct {
		op       string
		failures int
		// Total backoff: retry waits [50, 100] ms, then [100, 200] ms.
		minWait, maxWait time.Duration
	}{
		{"window", 2, 150 * time.Millisecond, 300 * time.Millisecond},
		{"checkpoint", 1, 50 * time.Millisecond, 100 * time.Millisecond},
		{"predictions", 2, 150 * time.Millisecond, 300 * time.Millisecond},
		{"labels", 1, 50 * time.Millisecond, 100 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.op, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, newFixture(t, 0, 0))
				fs := &flakyStore{Store: e.store, fail: map[string]int{tc.op: tc.failures}, calls: map[string]int{}}
				pl := e.pipeline(func(c *pipeline.Config) { c.Store, c.RawLog = fs, true })
				start := time.Now()
				if err := drive(context.Background(), e, pl, tc.op); err != nil {
					t.Fatalf("drive: %v", err)
				}
				if waited := time.Since(start); waited < tc.minWait || waited > tc.maxWait {
					t.Errorf("backed off %v in all, want within [%v, %v]", waited, tc.minWait, tc.maxWait)
				}
				if fs.calls[tc.op] != tc.failures+1 {
					t.Errorf("%s written %d times, want %d", tc.op, fs.calls[tc.op], tc.failures+1)
				}
				if !durable(t, e.store, tc.op) {
					t.Errorf("%s not in the store after the outage", tc.op)
				}
				got := series(t, e.reg, "driftmon_storage_write_errors_total")
				for _, op := range storeOps {
					want := 0.0
					if op == tc.op {
						want = float64(tc.failures)
					}
					if got["op="+op] != want {
						t.Errorf("storage_write_errors_total{op=%s} = %v, want %v", op, got["op="+op], want)
					}
				}
			})
		})
	}
}

func TestStorageOutageEndsWithContext(t *testing.T) {
	// The store never recovers; the context is cancelled either 40 ms in,
	// inside the first backoff (at least 50 ms), or while the first write
	// is in flight. Either way the call returns at once with the store's
	// error and the context's; a failure is counted as an outage only
	// while the context was live.
	tests := []struct {
		name     string
		cancelAt time.Duration // 0: during the first write
		counted  float64
	}{
		{"cancelled during the backoff", 40 * time.Millisecond, 1},
		{"cancelled during the write", 0, 0},
	}
	for _, tc := range tests {
		for _, op := range storeOps {
			t.Run(tc.name+"/"+op, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					e := newEnv(t, newFixture(t, 0, 0))
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					fs := &flakyStore{Store: e.store, fail: map[string]int{op: -1}, calls: map[string]int{}}
					if tc.cancelAt > 0 {
						time.AfterFunc(tc.cancelAt, cancel)
					} else {
						fs.during = cancel
					}
					pl := e.pipeline(func(c *pipeline.Config) { c.Store, c.RawLog = fs, true })
					start := time.Now()
					err := drive(ctx, e, pl, op)
					if waited := time.Since(start); waited != tc.cancelAt {
						t.Errorf("returned %v after the start, want %v (when ctx ended)", waited, tc.cancelAt)
					}
					if !errors.Is(err, storage.ErrUnavailable) || !errors.Is(err, context.Canceled) {
						t.Errorf("err = %v, want the store's outage and the context's end", err)
					}
					if fs.calls[op] != 1 {
						t.Errorf("%s tried %d times, want 1", op, fs.calls[op])
					}
					if got := series(t, e.reg, "driftmon_storage_write_errors_total")["op="+op]; got != tc.counted {
						t.Errorf("storage_write_errors_total{op=%s} = %v, want %v", op, got, tc.counted)
					}
					if durable(t, e.store, op) {
						t.Errorf("%s stored although every write failed", op)
					}
				})
			})
		}
	}
}

func TestUnknownModel(t *testing.T) {
	errOther := errors.New("not an unknown model")
	tests := []struct {
		name   string
		reject func(error) error
		want   []error // errors.Is targets of Prediction's error
		not    []error
	}{
		{
			name: "rejected to the dead-letter topic",
			reject: func(err error) error {
				if errors.Is(err, window.ErrUnknownModel) {
					return fmt.Errorf("%w: %v", ingest.ErrReject, err)
				}
				return nil
			},
			want: []error{ingest.ErrReject},
		},
		{name: "no Reject: the raw error", want: []error{window.ErrUnknownModel}, not: []error{ingest.ErrReject}},
		{
			name:   "Reject declines: the raw error",
			reject: func(error) error { return nil },
			want:   []error{window.ErrUnknownModel}, not: []error{ingest.ErrReject},
		},
		{
			name:   "Reject's own error wins",
			reject: func(error) error { return errOther },
			want:   []error{errOther}, not: []error{window.ErrUnknownModel},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, newFixture(t, 0, 0))
			pl := e.pipeline(func(c *pipeline.Config) { c.Reject, c.RawLog = tc.reject, true })
			p, _ := e.open(pl, predsTopic, 0, wall)
			// Two events a window apart: were they windowed, the second
			// would close one.
			for i, pr := range events("ghost", 0, 65) {
				err := p.Prediction(ctx, pr, []byte("{}"), drift.Source{Topic: predsTopic, Offset: int64(i)}, wallAt(i))
				if err == nil {
					t.Fatalf("event %d of an unknown model accepted", i)
				}
				for _, target := range tc.want {
					if !errors.Is(err, target) {
						t.Errorf("event %d: err %v, want it to wrap %v", i, err, target)
					}
				}
				for _, target := range tc.not {
					if errors.Is(err, target) {
						t.Errorf("event %d: err %v wraps %v", i, err, target)
					}
				}
			}
			if err := p.Checkpoint(ctx, 2, wallAt(2)); err != nil {
				t.Fatal(err)
			}
			if models, err := e.store.Models(ctx); err != nil || len(models) != 0 {
				t.Errorf("models stored: %v %v", models, err)
			}
			if rows, err := e.store.Predictions(ctx, "ghost"); err != nil || len(rows) != 0 {
				t.Errorf("raw predictions of an unknown model stored: %v %v", rows, err)
			}
			if got := openWindows(t, e.fx, e.store); len(got) != 0 {
				t.Errorf("checkpoint holds windows: %v", got)
			}
			if n := count(t, e.reg, "driftmon_windows_closed_total") + count(t, e.reg, "driftmon_events_late_total"); n != 0 {
				t.Errorf("%d window or late series for an unknown model", n)
			}
		})
	}
}

// aliasBuf hands out strings over one buffer, as the decoder does, and
// overwrites them all on scribble: whatever kept such a string without
// copying it then holds garbage.
type aliasBuf struct{ b []byte }

func newAliasBuf() *aliasBuf { return &aliasBuf{b: make([]byte, 0, 1024)} }

func (a *aliasBuf) str(s string) string {
	if len(a.b)+len(s) > cap(a.b) {
		panic("aliasBuf too small") // a reallocation would stop aliasing
	}
	start := len(a.b)
	a.b = append(a.b, s...)
	return unsafe.String(&a.b[start], len(s))
}

func (a *aliasBuf) scribble() {
	for i := range a.b {
		a.b[i] = '#'
	}
	a.b = a.b[:0]
}

func TestRawLog(t *testing.T) {
	// Three predictions (a numeric output, a class output, then one
	// closing window 0) and three labels. flushRows 3 flushes on the third
	// of each; 100 waits for the checkpoint.
	tests := []struct {
		name      string
		flushRows int
		// stored before the checkpoint
		before int
	}{
		{"written on checkpoint", 100, 0},
		{"written when FlushRows is reached", 3, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, newFixture(t, 0, 0))
			pl := e.pipeline(func(c *pipeline.Config) { c.RawLog, c.FlushRows = true, tc.flushRows })
			pp, _ := e.open(pl, predsTopic, 2, wall)
			lp, _ := e.open(pl, labelsTopic, 2, wall)

			type in struct {
				id     string
				at     time.Duration
				output drift.Value
				body   string
			}
			preds := []in{
				{"req-1", 0, drift.NumberValue(0.25), `{"id":"req-1","prediction":0.25}`},
				{"req-2", 10 * time.Second, drift.StringValue("fraud"), `{"id":"req-2","prediction":"fraud"}`},
				{"req-3", 65 * time.Second, drift.NumberValue(1e-7), `{"id":"req-3","prediction":1e-7}`},
			}
			raw := make([]byte, 0, 256)
			strs := newAliasBuf()
			for i, pr := range preds {
				out := pr.output
				if out.Kind == drift.String {
					out.Str = strs.str(out.Str)
				}
				p := &drift.Prediction{Model: strs.str("m"), ModelVersion: strs.str("v7"), ID: strs.str(pr.id),
					Time: t0.Add(pr.at), Output: out,
					Features: []drift.Feature{{Name: strs.str("x"), Value: drift.NumberValue(1)}}}
				raw = append(raw[:0], pr.body...)
				if err := pp.Prediction(ctx, p, raw, drift.Source{Topic: predsTopic, Partition: 2, Offset: int64(10 + i)}, wallAt(i)); err != nil {
					t.Fatal(err)
				}
				strs.scribble()
				for j := range raw {
					raw[j] = '!'
				}
			}
			for i := 0; i < 3; i++ {
				l := &drift.Label{Model: strs.str("m"), ID: strs.str(fmt.Sprintf("req-%d", i+1)), Time: t0.Add(time.Hour),
					Label: drift.StringValue(strs.str([]string{"fraud", "ok", "fraud"}[i]))}
				raw = append(raw[:0], fmt.Sprintf(`{"label-of":%d}`, i+1)...)
				if err := lp.Label(ctx, l, raw, drift.Source{Topic: labelsTopic, Partition: 2, Offset: int64(20 + i)}, wallAt(i)); err != nil {
					t.Fatal(err)
				}
				strs.scribble()
				for j := range raw {
					raw[j] = '!'
				}
			}

			rr := storage.RawReader(e.store)
			check := func(stage string, want int) {
				t.Helper()
				ps, err := rr.Predictions(ctx, "m")
				if err != nil {
					t.Fatal(err)
				}
				ls, err := rr.Labels(ctx, "m")
				if err != nil {
					t.Fatal(err)
				}
				if len(ps) != want || len(ls) != want {
					t.Fatalf("%s: %d predictions and %d labels stored, want %d of each", stage, len(ps), len(ls), want)
				}
				if want == 0 {
					return
				}
				// Outputs as text: numbers with 'g' (0.25, 1e-07), classes
				// as they are.
				wantOut := []string{"0.25", "fraud", "1e-07"}
				for i, r := range ps {
					w := preds[i]
					if r.Model != "m" || r.ModelVersion != "v7" || r.ID != w.id || !r.Time.Equal(t0.Add(w.at)) ||
						r.Output != wantOut[i] || string(r.Body) != w.body ||
						r.Source != (drift.Source{Topic: predsTopic, Partition: 2, Offset: int64(10 + i)}) {
						t.Errorf("%s: prediction %d = %+v (body %s)", stage, i, r, r.Body)
					}
				}
				wantLabel := []string{"fraud", "ok", "fraud"}
				for i, r := range ls {
					if r.Model != "m" || r.ID != fmt.Sprintf("req-%d", i+1) || r.Label != wantLabel[i] ||
						string(r.Body) != fmt.Sprintf(`{"label-of":%d}`, i+1) ||
						r.Source != (drift.Source{Topic: labelsTopic, Partition: 2, Offset: int64(20 + i)}) {
						t.Errorf("%s: label %d = %+v (body %s)", stage, i, r, r.Body)
					}
				}
			}
			check("before the checkpoint", tc.before)
			if err := pp.Checkpoint(ctx, 13, wallAt(3)); err != nil {
				t.Fatal(err)
			}
			if err := lp.Checkpoint(ctx, 23, wallAt(3)); err != nil {
				t.Fatal(err)
			}
			check("after the checkpoint", 3)

			// The model name of the closed window survived the scribbles
			// too (window and metrics keep their own copies).
			if ws := storedWindows(t, e.store, "m"); len(ws) != 1 || ws[0].Events != 2 || ws[0].ModelVersion != "v7" {
				t.Errorf("stored windows %+v, want window 0 of m, version v7, 2 events", ws)
			}
			if got := series(t, e.reg, "driftmon_windows_closed_total"); !mapsEqual(got, map[string]float64{"model=m": 1}) {
				t.Errorf("windows_closed_total = %v", got)
			}
		})
	}
}

func TestCloseDropsModelSeries(t *testing.T) {
	// Per model, a closed window leaves 3 statistic, 3 threshold and 3
	// drifted series (the decision rows of x, c and the prediction), one
	// share and one last-end series.
	gauges := map[string]int{
		"driftmon_drift_statistic": 3, "driftmon_drift_threshold": 3, "driftmon_drift_drifted": 3,
		"driftmon_drift_dataset_drifted_share": 1, "driftmon_window_last_end_timestamp_seconds": 1,
	}
	const idle = 5 * time.Minute
	tests := []struct {
		name string
		// restore: partition 0's window of m is closed by Tick after a
		// restart, not by a prediction.
		restore bool
	}{
		{"windows closed by predictions", false},
		{"window restored from a checkpoint, closed by Tick", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, newFixture(t, 0, idle))
			pl := e.pipeline(nil)
			// Model m on partition 0, model n on partition 1.
			p0, _ := e.open(pl, predsTopic, 0, wall)
			p1, _ := e.open(pl, predsTopic, 1, wall)
			if tc.restore {
				feed(t, p0, events("m", 0, 10), 0, 2)
				if err := p0.Checkpoint(ctx, 2, wallAt(2)); err != nil {
					t.Fatal(err)
				}
				p0, _ = e.open(e.pipeline(nil), predsTopic, 0, wallAt(2))
				if err := p0.Tick(ctx, wallAt(2).Add(idle)); err != nil {
					t.Fatal(err)
				}
			} else {
				feed(t, p0, events("m", 0, 10, 65), 0, 3)
			}
			feed(t, p1, events("n", 0, 10, 65), 0, 3)
			if ws := storedWindows(t, e.store, "m"); len(ws) != 1 {
				t.Fatalf("model m: %d windows closed, want 1", len(ws))
			}
			for name, per := range gauges {
				if n := count(t, e.reg, name); n != 2*per {
					t.Errorf("before Close: %d %s series, want %d", n, name, 2*per)
				}
			}

			p0.Close()
			for name, per := range gauges {
				if n := count(t, e.reg, name); n != per {
					t.Errorf("after Close of m's partition: %d %s series, want %d (n's)", n, name, per)
				}
				for labels := range series(t, e.reg, name) {
					if !strings.Contains(labels, "model=n") {
						t.Errorf("after Close of m's partition: %s{%s} remains", name, labels)
					}
				}
			}
			// Counters are totals, not latest values: they stay.
			if got := series(t, e.reg, "driftmon_windows_closed_total")["model=m"]; got != 1 {
				t.Errorf("windows_closed_total{model=m} = %v after Close, want 1", got)
			}

			p1.Close()
			for name := range gauges {
				if n := count(t, e.reg, name); n != 0 {
					t.Errorf("after Close of both: %d %s series, want 0", n, name)
				}
			}
		})
	}
}

func TestLateEventsCounted(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, newFixture(t, 0, 0))
	p, _ := e.open(e.pipeline(nil), predsTopic, 0, wall)
	// 65 s closes window 0, so 10 s and 20 s are late; 130 s closes
	// window 1, which carries the two late events.
	preds := events("m", 0, 65, 10, 20, 130)
	strs := newAliasBuf()
	for i, pr := range preds {
		// The model name aliases a buffer overwritten after each call, as
		// the decoder's does.
		pr.Model = strs.str("m")
		if err := p.Prediction(ctx, pr, nil, drift.Source{Topic: predsTopic, Offset: int64(i)}, wallAt(i)); err != nil {
			t.Fatal(err)
		}
		strs.scribble()
	}
	const want = `
# HELP driftmon_events_late_total Predictions that arrived after their window had closed (counted, not summarised).
# TYPE driftmon_events_late_total counter
driftmon_events_late_total{model="m"} 2
`
	if err := testutil.GatherAndCompare(e.reg, strings.NewReader(want), "driftmon_events_late_total"); err != nil {
		t.Error(err)
	}
	ws := storedWindows(t, e.store, "m")
	if len(ws) != 2 || ws[0].Events != 1 || ws[0].Late != 0 || ws[1].Events != 1 || ws[1].Late != 2 {
		for _, w := range ws {
			t.Logf("window %d: %d events, %d late", w.Seq-seq0, w.Events, w.Late)
		}
		t.Errorf("want window 0 with 1 event, window 1 with 1 event and 2 late")
	}
}

// flakyEvaluator fails its first calls the way the service's evaluator
// does when a reference cannot be read or built, then evaluates.
type flakyEvaluator struct {
	*refEvaluator
	err   error // returned while failures are left
	fail  int   // failures left; < 0 fails for ever
	calls int
	none  bool // after the failures, report no reference (nil, nil)
}

func (e *flakyEvaluator) Evaluate(ctx context.Context, w *drift.WindowSummary) ([]drift.Result, error) {
	e.calls++
	if e.calls > maxCalls {
		return nil, nil // a pipeline that ignores its context ends the test
	}
	if e.fail != 0 {
		if e.fail > 0 {
			e.fail--
		}
		return nil, e.err
	}
	if e.none {
		return nil, nil
	}
	return e.refEvaluator.Evaluate(ctx, w)
}

// TestEvaluationRetried closes one window whose evaluation fails: a
// transient failure (a reference read from storage) is retried until the
// window is stored with its results; a reference that can never be built
// stores the window without results at once; no reference at all (the
// first window of a previous-window model) is no error.
func TestEvaluationRetried(t *testing.T) {
	transient := fmt.Errorf("read previous window: %w", storage.ErrUnavailable)
	tests := []struct {
		name    string
		eval    flakyEvaluator
		calls   int
		rows    int     // results stored
		retries float64 // driftmon_evaluation_retries_total{model="m"}
		errors  float64 // driftmon_evaluation_errors_total{model="m"}
		// Total backoff: retry waits [50, 100] ms, then [100, 200] ms.
		minWait, maxWait time.Duration
	}{
		{"transient", flakyEvaluator{err: transient, fail: 2}, 3, len(defaultRows), 2, 0,
			150 * time.Millisecond, 300 * time.Millisecond},
		{"unevaluable", flakyEvaluator{err: fmt.Errorf("%w: windows do not merge", pipeline.ErrUnevaluable), fail: -1},
			1, 0, 0, 1, 0, 0},
		{"storage refuses the read", flakyEvaluator{err: fmt.Errorf("bad name: %w", storage.ErrInvalid), fail: -1},
			1, 0, 0, 1, 0, 0},
		{"no reference", flakyEvaluator{none: true}, 1, 0, 0, 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, newFixture(t, 0, 0))
				ev := tc.eval
				ev.refEvaluator = e.fx.eval
				pl := e.pipeline(func(c *pipeline.Config) {
					c.Evaluator = &ev
					c.Permanent = func(err error) bool { return errors.Is(err, storage.ErrInvalid) }
				})
				start := time.Now()
				if err := drive(context.Background(), e, pl, "window"); err != nil {
					t.Fatalf("drive: %v", err)
				}
				if waited := time.Since(start); waited < tc.minWait || waited > tc.maxWait {
					t.Errorf("backed off %v in all, want within [%v, %v]", waited, tc.minWait, tc.maxWait)
				}
				if ev.calls != tc.calls {
					t.Errorf("evaluated %d times, want %d", ev.calls, tc.calls)
				}
				if ws := storedWindows(t, e.store, "m"); len(ws) != 1 {
					t.Errorf("%d windows stored, want 1", len(ws))
				}
				if rs := storedResults(t, e.store, storage.ResultQuery{Model: "m"}); len(rs) != tc.rows {
					t.Errorf("%d results stored, want %d", len(rs), tc.rows)
				}
				if got := series(t, e.reg, "driftmon_evaluation_retries_total")["model=m"]; got != tc.retries {
					t.Errorf("evaluation_retries_total = %v, want %v", got, tc.retries)
				}
				if got := series(t, e.reg, "driftmon_evaluation_errors_total")["model=m"]; got != tc.errors {
					t.Errorf("evaluation_errors_total = %v, want %v", got, tc.errors)
				}
			})
		})
	}
}

// TestEvaluationOutageEndsWithContext: while evaluation keeps failing, the
// window is neither stored nor passed; when the context ends (revoked,
// shutting down) the call returns with both errors, and the window replays
// from the last checkpoint.
func TestEvaluationOutageEndsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, newFixture(t, 0, 0))
		ev := &flakyEvaluator{refEvaluator: e.fx.eval, err: fmt.Errorf("read: %w", storage.ErrUnavailable), fail: -1}
		pl := e.pipeline(func(c *pipeline.Config) { c.Evaluator = ev })
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		time.AfterFunc(time.Second, cancel)
		err := drive(ctx, e, pl, "window")
		if !errors.Is(err, storage.ErrUnavailable) || !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want the evaluation's outage and the context's end", err)
		}
		if ev.calls < 3 {
			t.Errorf("evaluated %d times in a second of outage, want retries", ev.calls)
		}
		if ws := storedWindows(t, e.store, "m"); len(ws) != 0 {
			t.Errorf("%d windows stored while their evaluation failed, want 0", len(ws))
		}
		if _, ok, _ := e.store.LoadCheckpoint(context.Background(), group, predsTopic, 0); ok {
			t.Errorf("a checkpoint moved past the unevaluated window")
		}
	})
}

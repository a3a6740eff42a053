package storagetest

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage"
)

// Opener opens the storage called name for t. Within one t the same name
// reaches the same data again (the suite closes a store before reopening
// it); different names are independent storages, empty at first. The
// opener removes what it created when t ends; it may also register Close as
// a cleanup, since a second Close is a no-op.
type Opener func(t *testing.T, name string) storage.Store

// Run runs the contract suite against the stores open returns.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"WindowRoundTrip", testWindowRoundTrip},
		{"NonFiniteSums", testNonFiniteSums},
		{"SketchRoundTrip", testSketchRoundTrip},
		{"UnflattenableWindowRefused", testUnflattenableRefused},
		{"WindowsFilter", testWindowsFilter},
		{"WindowRewrite", testWindowRewrite},
		{"ResultsRoundTrip", testResultsRoundTrip},
		{"ReportedRowsNotDrifted", testReportedRowsNotDrifted},
		{"ResultsRewrite", testResultsRewrite},
		{"ResultsQuery", testResultsQuery},
		{"Checkpoints", testCheckpoints},
		{"RawLogs", testRawLogs},
		{"Models", testModels},
		{"Persistence", testPersistence},
		{"InvalidInput", testInvalidInput},
		{"Concurrent", testConcurrent},
		{"Close", testClose},
		{"Alerts", testAlerts},
		{"AlertsLimit", testAlertsLimit},
		{"AlertState", testAlertState},
		{"Outbox", testOutbox},
		{"Silences", testSilences},
		{"LookupPredictions", testLookupPredictions},
		{"LookupBatch", testLookupBatch},
		{"Labelled", testLabelled},
		{"WindowBounds", testWindowBounds},
		{"Detections", testDetections},
		{"LabelPersistence", testLabelPersistence},
		{"LabelInvalidInput", testLabelInvalidInput},
		{"Retention", testRetention},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

func writeWindow(t *testing.T, st storage.Store, w *drift.WindowSummary, rs []drift.Result, version uint64) {
	t.Helper()
	if err := st.WriteWindow(t.Context(), w, rs, version); err != nil {
		t.Fatalf("WriteWindow: %v", err)
	}
}

func windows(t *testing.T, st storage.Store, model string, from, to time.Time) []*drift.WindowSummary {
	t.Helper()
	ws, err := st.Windows(t.Context(), model, from, to)
	if err != nil {
		t.Fatalf("Windows(%q): %v", model, err)
	}
	return ws
}

func results(t *testing.T, st storage.Store, q storage.ResultQuery) []drift.Result {
	t.Helper()
	rs, err := st.Results(t.Context(), q)
	if err != nil {
		t.Fatalf("Results(%+v): %v", q, err)
	}
	return rs
}

func closeStore(t *testing.T, st storage.Store) {
	t.Helper()
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func windowKeys(ws []*drift.WindowSummary) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = fmt.Sprintf("%s/%s/%d", w.Model, w.ModelVersion, w.Seq)
	}
	return out
}

func testWindowRoundTrip(t *testing.T, open Opener) {
	st := open(t, "a")
	start := t0.Add(125 * time.Millisecond) // windows keep sub-second times
	w := fullWindow("fraud", "7", 42, start)
	want := fullWindow("fraud", "7", 42, start)
	checkFullWindow(t, want)
	empty := &drift.WindowSummary{Model: "fraud", ModelVersion: "7", Seq: 43, Start: w.End, End: w.End.Add(5 * time.Minute), Late: 1}
	writeWindow(t, st, w, nil, 1000)
	writeWindow(t, st, empty, nil, 1000)

	// The store must have copied: the window keeps counting after a write.
	w.Features[0].Observe(drift.NumberValue(1))
	w.Features[1].Observe(drift.StringValue("DE"))

	got := windows(t, st, "fraud", t0.Add(-time.Hour), t0.Add(time.Hour))
	if len(got) != 2 {
		t.Fatalf("got windows %v, want fraud/7/42 and fraud/7/43", windowKeys(got))
	}
	if d := diffWindow(want, got[0]); d != "" {
		t.Errorf("full window: %s", d)
	}
	if d := diffWindow(empty, got[1]); d != "" {
		t.Errorf("empty window: %s", d)
	}

	// What a reader gets is its own: changing it changes nothing stored.
	got[0].Features[0].BinCounts[0] = 999
	got[0].Features[0].Edges[0] = -1
	got[0].Features[1].Categories["DE"] = 999
	again := windows(t, st, "fraud", time.Time{}, time.Time{})
	if len(again) != 2 {
		t.Fatalf("got windows %v on second read", windowKeys(again))
	}
	if d := diffWindow(want, again[0]); d != "" {
		t.Errorf("second read: %s", d)
	}
}

// testNonFiniteSums stores sums that overflowed: 1e308 twice is +Inf, and
// its square +Inf already.
func testNonFiniteSums(t *testing.T, open Opener) {
	st := open(t, "a")
	build := func() *drift.WindowSummary {
		w := smallWindow("m", "1", 1, t0, 1e308, 1e308)
		w.Features[0].Observe(drift.NumberValue(-1e308))
		return w
	}
	want := build()
	if f := want.Features[0]; !math.IsInf(f.Sum, 1) || !math.IsInf(f.SumSq, 1) || f.Min != -1e308 {
		t.Fatalf("fixture: sum %v, sum of squares %v, min %v", f.Sum, f.SumSq, f.Min)
	}
	writeWindow(t, st, build(), nil, 1)
	got := windows(t, st, "m", time.Time{}, time.Time{})
	if len(got) != 1 {
		t.Fatalf("got windows %v", windowKeys(got))
	}
	if d := diffWindow(want, got[0]); d != "" {
		t.Error(d)
	}
}

func testSketchRoundTrip(t *testing.T, open Opener) {
	st := open(t, "a")
	build := func() *drift.WindowSummary {
		w := fullWindow("fraud", "7", 1, t0)
		big := drift.NewFeatureSummary("big", drift.Numeric, []float64{100, 500}, drift.DefaultLimits(), 9)
		for i := range 20000 {
			// A fixed permutation of 0..19999 spread over [0, 1000): enough
			// values for the sketch to compact.
			big.Observe(drift.NumberValue(float64((i*7919)%20000) / 20))
		}
		w.Features = append(w.Features, big)
		return w
	}
	want := build()
	writeWindow(t, st, build(), nil, 1)
	got := windows(t, st, "fraud", time.Time{}, time.Time{})
	if len(got) != 1 {
		t.Fatalf("got windows %v", windowKeys(got))
	}
	if d := diffWindow(want, got[0]); d != "" {
		t.Error(d)
	}
	if n := got[0].Feature("big").Sketch.Count(); n != 20000 {
		t.Errorf("restored sketch counts %d values, want 20000", n)
	}
}

// testUnflattenableRefused writes a full window (sketches, samples) with
// its results, one of whose summaries cannot be flattened into a row (a
// kind no row can name). The write is refused as invalid, and refused
// whole: no window row and none of its results, though both stores write
// results first.
func testUnflattenableRefused(t *testing.T, open Opener) {
	st := open(t, "a")
	w := fullWindow("fraud", "7", 1, t0)
	w.Features[1].Kind = 0
	err := st.WriteWindow(t.Context(), w, []drift.Result{result("fraud", "amount", t0, 0.5)}, 1)
	if !errors.Is(err, storage.ErrInvalid) {
		t.Fatalf("writing a window that cannot be flattened: err = %v, want ErrInvalid", err)
	}
	if errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("err = %v also says unavailable: a caller would retry it forever", err)
	}
	if got := windows(t, st, "fraud", time.Time{}, time.Time{}); len(got) != 0 {
		t.Errorf("refused window was stored: %v", windowKeys(got))
	}
	if got := results(t, st, storage.ResultQuery{}); len(got) != 0 {
		t.Errorf("results of the refused window were stored: %+v", got)
	}
}

func testWindowsFilter(t *testing.T, open Opener) {
	st := open(t, "a")
	// Seq i starts at t0 + (i-1)*5m; seq 2 exists under two model versions;
	// another model shares the times.
	for i := int64(1); i <= 4; i++ {
		start := t0.Add(time.Duration(i-1) * 5 * time.Minute)
		writeWindow(t, st, smallWindow("m", "1", i, start, 1), nil, 1)
		writeWindow(t, st, smallWindow("other", "1", i, start, 1), nil, 1)
	}
	writeWindow(t, st, smallWindow("m", "0", 2, t0.Add(5*time.Minute), 1), nil, 1)

	tests := []struct {
		name     string
		model    string
		from, to time.Time
		want     []string
	}{
		{"all", "m", time.Time{}, time.Time{}, []string{"m/1/1", "m/0/2", "m/1/2", "m/1/3", "m/1/4"}},
		{"half open", "m", t0.Add(5 * time.Minute), t0.Add(15 * time.Minute), []string{"m/0/2", "m/1/2", "m/1/3"}},
		{"from only", "m", t0.Add(10 * time.Minute), time.Time{}, []string{"m/1/3", "m/1/4"}},
		{"to only", "m", time.Time{}, t0.Add(5 * time.Minute), []string{"m/1/1"}},
		{"sub-second from", "m", t0.Add(5*time.Minute + time.Millisecond), t0.Add(time.Hour), []string{"m/1/3", "m/1/4"}},
		{"sub-second to", "m", t0, t0.Add(5*time.Minute + time.Millisecond), []string{"m/1/1", "m/0/2", "m/1/2"}},
		{"empty range", "m", t0.Add(time.Hour), t0.Add(2 * time.Hour), []string{}},
		{"unknown model", "nope", time.Time{}, time.Time{}, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := windowKeys(windows(t, st, tc.model, tc.from, tc.to))
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func testWindowRewrite(t *testing.T, open Opener) {
	st := open(t, "a")
	withCountry := func(w *drift.WindowSummary) *drift.WindowSummary {
		c := drift.NewFeatureSummary("country", drift.Categorical, nil, drift.DefaultLimits(), 1)
		c.Observe(drift.StringValue("DE"))
		w.Features = append(w.Features, c)
		return w
	}
	writeWindow(t, st, withCountry(smallWindow("m", "1", 5, t0, 1, 2, 3)), nil, 100)
	// A late rewrite: more events, and the country feature gone from the
	// config. The newer version replaces the whole window.
	writeWindow(t, st, smallWindow("m", "1", 5, t0, 1, 2, 3, 4, 5), nil, 200)
	// An older version arriving last (a replay) changes nothing.
	writeWindow(t, st, withCountry(smallWindow("m", "1", 5, t0, 9)), nil, 150)

	got := windows(t, st, "m", time.Time{}, time.Time{})
	if len(got) != 1 {
		t.Fatalf("got windows %v, want one", windowKeys(got))
	}
	want := smallWindow("m", "1", 5, t0, 1, 2, 3, 4, 5)
	if d := diffWindow(want, got[0]); d != "" {
		t.Error(d)
	}
	// Sanity of the fixture: 1..5 around edge 0 all land in the upper bin.
	if c := got[0].Features[0].BinCounts; !equalU64(c, []uint64{0, 5}) {
		t.Errorf("bin counts %v, want [0 5]", c)
	}
}

func testResultsRoundTrip(t *testing.T, open Opener) {
	st := open(t, "a")
	sub := 750 * time.Millisecond
	in := []drift.Result{
		{Model: "fraud", ModelVersion: "7", Family: drift.Covariate, Feature: "amount", Method: "ks",
			WindowSeq: 42, WindowStart: t0.Add(sub), WindowEnd: t0.Add(5*time.Minute + sub),
			Statistic: 0.31, PValue: pf(0.0125), Threshold: 0.05, Drifted: true, Decision: true,
			ThresholdSource: "calibrated:sub_windows+bh", NReference: 1000, NCurrent: 250, Version: 1},
		{Model: "fraud", ModelVersion: "7", Family: drift.Quality, Feature: "", Method: "volume",
			WindowSeq: 42, WindowStart: t0, WindowEnd: t0.Add(5 * time.Minute),
			Statistic: math.NaN(), Threshold: math.Inf(1), NReference: 0, NCurrent: 0},
		{Model: "fraud", ModelVersion: "7", Family: drift.Prior, Feature: "prediction", Method: "psi",
			WindowSeq: 42, WindowStart: t0, WindowEnd: t0.Add(5 * time.Minute),
			Statistic: math.Inf(-1), PValue: pf(math.SmallestNonzeroFloat64), Threshold: 0.2,
			NReference: math.MaxUint64, NCurrent: 1},
		// A threshold source of any bytes, on a row that is reported.
		{Model: "fraud", ModelVersion: "7", Family: drift.Covariate, Feature: "amount", Method: "psi",
			WindowSeq: 42, WindowStart: t0, WindowEnd: t0.Add(5 * time.Minute),
			Statistic: 0.1, Threshold: 0.2, ThresholdSource: "fixed:fallback 'x' \\ \"é\"\x00",
			NReference: 1000, NCurrent: 250},
	}
	writeWindow(t, st, nil, in, 1234)

	// Stored under the version argument; window times truncated to whole
	// seconds (drift_results holds DateTime); ordered by feature and
	// method here, since all share window_start.
	want := []drift.Result{in[1], in[0], in[3], in[2]}
	for i := range want {
		want[i].Version = 1234
		want[i].WindowStart = want[i].WindowStart.Truncate(time.Second)
		want[i].WindowEnd = want[i].WindowEnd.Truncate(time.Second)
	}
	got := results(t, st, storage.ResultQuery{Model: "fraud"})
	if len(got) != len(want) {
		t.Fatalf("got %d results, want %d", len(got), len(want))
	}
	for i := range want {
		if d := diffResult(want[i], got[i]); d != "" {
			t.Errorf("result %d: %s", i, d)
		}
	}
}

// testReportedRowsNotDrifted: a covariate or prior row other than its
// feature's decision row is stored not drifted, whatever it says; the
// decision rows and the other families keep theirs.
func testReportedRowsNotDrifted(t *testing.T, open Opener) {
	st := open(t, "a")
	row := func(fam drift.Family, feature, method string, drifted, decision bool) drift.Result {
		return drift.Result{Model: "m", ModelVersion: "1", Family: fam, Feature: feature, Method: method,
			WindowSeq: 1, WindowStart: t0, WindowEnd: t0.Add(5 * time.Minute),
			Statistic: 0.5, Threshold: 0.2, Drifted: drifted, Decision: decision}
	}
	in := []drift.Result{
		row(drift.Covariate, "a", "jensen_shannon", true, true),
		row(drift.Covariate, "a", "psi", true, false),      // reported
		row(drift.Prior, "prediction", "psi", true, false), // reported
		row(drift.Prior, "prediction", "jensen_shannon", false, true),
		row(drift.Quality, "a", "missing_share", true, false),
		row(drift.Concept, "", "accuracy", true, true),
		row(drift.Concept, "", "f1_macro", true, false),
		row(drift.Dataset, "", "drifted_share", true, true),
	}
	writeWindow(t, st, nil, in, 10)
	got := map[string]bool{}
	for _, r := range results(t, st, storage.ResultQuery{Model: "m"}) {
		got[string(r.Family)+"/"+r.Feature+"/"+r.Method] = r.Drifted
		if r.ReportOnly() && r.Drifted {
			t.Errorf("%s/%s/%s: reported and drifted", r.Family, r.Feature, r.Method)
		}
	}
	for _, r := range in {
		k := string(r.Family) + "/" + r.Feature + "/" + r.Method
		want := r.Drifted && !r.ReportOnly()
		if d, ok := got[k]; !ok || d != want {
			t.Errorf("%s: drifted %v (found %v), want %v", k, d, ok, want)
		}
	}
}

func testResultsRewrite(t *testing.T, open Opener) {
	st := open(t, "a")
	other := result("m", "y", t0, 0.9)
	writeWindow(t, st, nil, []drift.Result{result("m", "x", t0, 0.1), other}, 100)
	writeWindow(t, st, nil, []drift.Result{result("m", "x", t0, 0.2)}, 200)
	writeWindow(t, st, nil, []drift.Result{result("m", "x", t0, 0.3)}, 150) // older, late

	got := results(t, st, storage.ResultQuery{Model: "m"})
	want := []drift.Result{result("m", "x", t0, 0.2), other}
	want[0].Version, want[1].Version = 200, 100
	if len(got) != 2 {
		t.Fatalf("got %d results, want 2: %+v", len(got), got)
	}
	for i := range want {
		if d := diffResult(want[i], got[i]); d != "" {
			t.Errorf("result %d: %s", i, d)
		}
	}
}

func testResultsQuery(t *testing.T, open Opener) {
	st := open(t, "a")
	// The grid: 2 models x 2 versions x 3 windows x (2 covariate features x
	// 2 methods + 1 quality row) = 60 rows.
	var all []drift.Result
	starts := []time.Time{t0, t0.Add(5 * time.Minute), t0.Add(10 * time.Minute)}
	for _, m := range []string{"a", "b"} {
		for _, mv := range []string{"1", "2"} {
			var rs []drift.Result
			for wi, s := range starts {
				for _, f := range []string{"x", "y"} {
					for _, meth := range []string{"ks", "psi"} {
						r := result(m, f, s, float64(len(all)))
						r.ModelVersion, r.Method, r.WindowSeq = mv, meth, int64(wi)
						rs = append(rs, r)
						all = append(all, r)
					}
				}
				q := drift.Result{Model: m, ModelVersion: mv, Family: drift.Quality, Method: "volume",
					WindowSeq: int64(wi), WindowStart: s, WindowEnd: s.Add(5 * time.Minute), Statistic: 10}
				rs = append(rs, q)
				all = append(all, q)
			}
			writeWindow(t, st, nil, rs, 7)
		}
	}
	for i := range all {
		all[i].Version = 7
	}
	// The expected rows come from this predicate and order, written out
	// here rather than taken from the store's code; n is the hand count.
	type filter struct {
		model, mv, feature, method string
		family                     drift.Family
		from, to                   time.Time
	}
	keep := func(f filter, r drift.Result) bool {
		if f.model != "" && f.model != r.Model {
			return false
		}
		if f.mv != "" && f.mv != r.ModelVersion {
			return false
		}
		if f.family != "" && f.family != r.Family {
			return false
		}
		if f.feature != "" && f.feature != r.Feature {
			return false
		}
		if f.method != "" && f.method != r.Method {
			return false
		}
		if !f.from.IsZero() && r.WindowStart.Before(f.from) {
			return false
		}
		if !f.to.IsZero() && !r.WindowStart.Before(f.to) {
			return false
		}
		return true
	}
	order := func(a, b drift.Result) int {
		return cmp.Or(a.WindowStart.Compare(b.WindowStart), cmp.Compare(a.Feature, b.Feature),
			cmp.Compare(a.Method, b.Method), cmp.Compare(a.Model, b.Model),
			cmp.Compare(a.ModelVersion, b.ModelVersion), cmp.Compare(a.Family, b.Family))
	}
	half := 500 * time.Millisecond
	tests := []struct {
		name  string
		f     filter
		desc  bool
		limit int
		n     int
	}{
		{"all", filter{}, false, 0, 60},
		{"model", filter{model: "a"}, false, 0, 30},
		{"model version", filter{model: "a", mv: "2"}, false, 0, 15},
		{"family", filter{family: drift.Quality}, false, 0, 12},
		{"feature", filter{feature: "x"}, false, 0, 24},
		{"method", filter{method: "psi"}, false, 0, 24},
		{"from", filter{from: starts[1]}, false, 0, 40},
		{"to", filter{to: starts[1]}, false, 0, 20},
		{"from to", filter{from: starts[1], to: starts[2]}, false, 0, 20},
		// Sub-second bounds around whole-second starts: a start in the
		// same second as From but before it is out; one before To is in.
		{"sub-second from before a start", filter{from: starts[1].Add(-half)}, false, 0, 40},
		{"sub-second from after a start", filter{from: starts[1].Add(half)}, false, 0, 20},
		{"sub-second to after a start", filter{to: starts[1].Add(half)}, false, 0, 40},
		{"sub-second to before a start", filter{to: starts[1].Add(-half)}, false, 0, 20},
		{"everything", filter{model: "b", mv: "1", family: drift.Covariate, feature: "y", method: "ks"}, false, 0, 3},
		{"limit", filter{model: "a"}, false, 7, 7},
		{"no match", filter{model: "c"}, false, 0, 0},
		// Newest first: the limit keeps the newest rows. Model a has 10
		// rows per window, so 12 reach into the middle window, whose seq
		// and decision must come back too.
		{"descending", filter{model: "a"}, true, 0, 30},
		{"descending limit", filter{model: "a"}, true, 12, 12},
		{"descending from to", filter{from: starts[0], to: starts[2]}, true, 0, 40},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var want []drift.Result
			for _, r := range all {
				if keep(tc.f, r) {
					want = append(want, r)
				}
			}
			slices.SortFunc(want, order)
			if tc.desc {
				slices.SortStableFunc(want, func(a, b drift.Result) int { return b.WindowStart.Compare(a.WindowStart) })
			}
			if tc.limit > 0 && len(want) > tc.limit {
				want = want[:tc.limit]
			}
			if len(want) != tc.n {
				t.Fatalf("test table: %d rows match, hand count %d", len(want), tc.n)
			}
			got := results(t, st, storage.ResultQuery{Model: tc.f.model, ModelVersion: tc.f.mv,
				Family: tc.f.family, Feature: tc.f.feature, Method: tc.f.method,
				From: tc.f.from, To: tc.f.to, Descending: tc.desc, Limit: tc.limit})
			if len(got) != len(want) {
				t.Fatalf("got %d rows, want %d", len(got), len(want))
			}
			for i := range want {
				if d := diffResult(want[i], got[i]); d != "" {
					t.Fatalf("row %d: %s", i, d)
				}
			}
		})
	}
}

func testCheckpoints(t *testing.T, open Opener) {
	st := open(t, "a")
	ctx := t.Context()
	if _, ok, err := st.LoadCheckpoint(ctx, "g", "predictions", 0); err != nil || ok {
		t.Fatalf("empty store: ok %v, err %v", ok, err)
	}
	state := []byte("s1")
	save := func(partition int, offset int64, version uint64) {
		t.Helper()
		state = fmt.Appendf(state[:0], "state of %d at %d", partition, offset)
		cp := drift.Checkpoint{Group: "g", Topic: "predictions", Partition: partition, Offset: offset, State: state, Version: version}
		if err := st.SaveCheckpoint(ctx, cp); err != nil {
			t.Fatalf("SaveCheckpoint: %v", err)
		}
	}
	save(0, 10, 1)
	save(0, 30, 3)
	save(0, 20, 2) // older version written last: ignored
	save(1, 5, 9)
	state[0] = 'X' // the caller reuses its buffer

	check := func(st storage.Store) {
		t.Helper()
		tests := []struct {
			group, topic string
			partition    int
			ok           bool
			offset       int64
			version      uint64
		}{
			{"g", "predictions", 0, true, 30, 3},
			{"g", "predictions", 1, true, 5, 9},
			{"g", "predictions", 2, false, 0, 0},
			{"g", "labels", 0, false, 0, 0},
			{"h", "predictions", 0, false, 0, 0},
		}
		for _, tc := range tests {
			cp, ok, err := st.LoadCheckpoint(ctx, tc.group, tc.topic, tc.partition)
			if err != nil {
				t.Fatalf("LoadCheckpoint: %v", err)
			}
			if ok != tc.ok {
				t.Errorf("%s/%s/%d: ok %v, want %v", tc.group, tc.topic, tc.partition, ok, tc.ok)
				continue
			}
			if !ok {
				continue
			}
			wantState := fmt.Sprintf("state of %d at %d", tc.partition, tc.offset)
			if cp.Group != tc.group || cp.Topic != tc.topic || cp.Partition != tc.partition ||
				cp.Offset != tc.offset || cp.Version != tc.version || string(cp.State) != wantState {
				t.Errorf("%s/%s/%d: got %+v (state %q), want offset %d version %d state %q",
					tc.group, tc.topic, tc.partition, cp, cp.State, tc.offset, tc.version, wantState)
			}
		}
	}
	check(st)
	closeStore(t, st)
	check(open(t, "a"))
}

func testRawLogs(t *testing.T, open Opener) {
	st := open(t, "a")
	ctx := t.Context()
	buf := []byte(`{"model":"m","id":"req-1","prediction":0.87}`)
	body1 := bytes.Clone(buf)
	preds := []storage.PredictionRecord{
		{Model: "m", ModelVersion: "1", ID: "req-1", Time: t0.Add(125 * time.Millisecond), Output: "0.87", WindowSeq: 12, Body: buf,
			Source: drift.Source{Topic: "predictions", Partition: 0, Offset: 10}},
		{Model: "m", ModelVersion: "1", ID: "req-2", Time: t0.Add(time.Second), Output: "DE", WindowSeq: -3, Body: []byte(`{"id":"req-2"}`),
			Source: drift.Source{Topic: "predictions", Partition: 0, Offset: 11}},
		{Model: "other", ModelVersion: "1", ID: "req-1", Time: t0, Body: []byte(`{}`),
			Source: drift.Source{Topic: "predictions", Partition: 1, Offset: 10}},
		// A producer's clock in 1900: kept, at the earliest storable time.
		{Model: "m", ModelVersion: "1", ID: "req-0", Time: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), Body: []byte(`{"id":"req-0"}`),
			Source: drift.Source{Topic: "predictions", Partition: 0, Offset: 9}},
	}
	if err := st.WritePredictions(ctx, preds); err != nil {
		t.Fatalf("WritePredictions: %v", err)
	}
	copy(buf, "XXXXXXXX") // the decoder reuses its buffer
	// A replay writes req-1 again: it replaces itself.
	replay := preds[0]
	replay.Body = body1
	if err := st.WritePredictions(ctx, []storage.PredictionRecord{replay}); err != nil {
		t.Fatalf("WritePredictions (replay): %v", err)
	}
	if err := st.WritePredictions(ctx, nil); err != nil {
		t.Fatalf("WritePredictions (empty): %v", err)
	}
	got, err := st.Predictions(ctx, "m")
	if err != nil {
		t.Fatalf("Predictions: %v", err)
	}
	want := []storage.PredictionRecord{preds[3], preds[0], preds[1]}
	want[0].Time = storage.MinTime
	want[1].Body = body1
	if len(got) != len(want) {
		t.Fatalf("got %d predictions, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Model != w.Model || g.ModelVersion != w.ModelVersion || g.ID != w.ID || !g.Time.Equal(w.Time) ||
			g.Output != w.Output || g.WindowSeq != w.WindowSeq || !bytes.Equal(g.Body, w.Body) || g.Source != w.Source {
			t.Errorf("prediction %d: got %+v (body %s), want %+v (body %s)", i, g, g.Body, w, w.Body)
		}
	}

	labels := []storage.LabelRecord{
		{Model: "m", ID: "req-1", Time: t0.Add(48 * time.Hour), Label: "1", Body: []byte(`{"label":1}`),
			Source: drift.Source{Topic: "labels", Partition: 0, Offset: 3}},
		{Model: "m", ID: "req-2", Time: t0.Add(47 * time.Hour), Label: "0", Body: []byte(`{"label":0}`),
			Source: drift.Source{Topic: "labels", Partition: 0, Offset: 4}},
	}
	for range 2 { // written twice, stored once
		if err := st.WriteLabels(ctx, labels); err != nil {
			t.Fatalf("WriteLabels: %v", err)
		}
	}
	gotL, err := st.Labels(ctx, "m")
	if err != nil {
		t.Fatalf("Labels: %v", err)
	}
	wantL := []storage.LabelRecord{labels[1], labels[0]}
	if len(gotL) != len(wantL) {
		t.Fatalf("got %d labels, want %d: %+v", len(gotL), len(wantL), gotL)
	}
	for i := range wantL {
		g, w := gotL[i], wantL[i]
		if g.Model != w.Model || g.ID != w.ID || !g.Time.Equal(w.Time) || g.Label != w.Label ||
			!bytes.Equal(g.Body, w.Body) || g.Source != w.Source {
			t.Errorf("label %d: got %+v, want %+v", i, g, w)
		}
	}
}

func testModels(t *testing.T, open Opener) {
	st := open(t, "a")
	ctx := t.Context()
	if got, err := st.Models(ctx); err != nil || len(got) != 0 {
		t.Fatalf("empty store: Models = %v, %v", got, err)
	}
	writeWindow(t, st, smallWindow("b", "1", 1, t0, 1), nil, 1)
	writeWindow(t, st, smallWindow("b", "2", 1, t0, 1), nil, 1)
	writeWindow(t, st, nil, []drift.Result{result("a", "x", t0, 1)}, 1)
	// The raw log alone does not make a model: nothing was computed for it.
	if err := st.WritePredictions(ctx, []storage.PredictionRecord{{Model: "c", ID: "1", Time: t0}}); err != nil {
		t.Fatalf("WritePredictions: %v", err)
	}
	got, err := st.Models(ctx)
	if err != nil {
		t.Fatalf("Models: %v", err)
	}
	if want := []string{"a", "b"}; !slices.Equal(got, want) {
		t.Errorf("Models = %v, want %v", got, want)
	}
}

func testPersistence(t *testing.T, open Opener) {
	st := open(t, "a")
	ctx := t.Context()
	w := fullWindow("fraud", "7", 42, t0)
	rs := []drift.Result{result("fraud", "amount", t0, 0.5)}
	writeWindow(t, st, w, rs, 10)
	cp := drift.Checkpoint{Group: "g", Topic: "predictions", Partition: 3, Offset: 99, State: []byte{0, 1, 2, 255}, Version: 5}
	if err := st.SaveCheckpoint(ctx, cp); err != nil {
		t.Fatalf("SaveCheckpoint: %v", err)
	}
	pred := storage.PredictionRecord{Model: "fraud", ModelVersion: "7", ID: "req-1", Time: t0, Output: "0.5", Body: []byte(`{"a":1}`)}
	if err := st.WritePredictions(ctx, []storage.PredictionRecord{pred}); err != nil {
		t.Fatalf("WritePredictions: %v", err)
	}
	closeStore(t, st)

	st = open(t, "a")
	got := windows(t, st, "fraud", time.Time{}, time.Time{})
	if len(got) != 1 {
		t.Fatalf("after reopen: windows %v", windowKeys(got))
	}
	if d := diffWindow(fullWindow("fraud", "7", 42, t0), got[0]); d != "" {
		t.Errorf("window after reopen: %s", d)
	}
	gotR := results(t, st, storage.ResultQuery{})
	wantR := rs[0]
	wantR.Version = 10
	if len(gotR) != 1 {
		t.Fatalf("after reopen: %d results", len(gotR))
	}
	if d := diffResult(wantR, gotR[0]); d != "" {
		t.Errorf("result after reopen: %s", d)
	}
	gotCP, ok, err := st.LoadCheckpoint(ctx, "g", "predictions", 3)
	if err != nil || !ok || gotCP.Offset != 99 || gotCP.Version != 5 || !bytes.Equal(gotCP.State, cp.State) {
		t.Errorf("checkpoint after reopen: %+v, %v, %v", gotCP, ok, err)
	}
	ps, err := st.Predictions(ctx, "fraud")
	if err != nil || len(ps) != 1 || !bytes.Equal(ps[0].Body, pred.Body) {
		t.Errorf("predictions after reopen: %+v, %v", ps, err)
	}

	// Another name is another storage.
	other := open(t, "b")
	if ms, err := other.Models(ctx); err != nil || len(ms) != 0 {
		t.Errorf("fresh storage b: Models = %v, %v", ms, err)
	}
}

func testInvalidInput(t *testing.T, open Opener) {
	st := open(t, "a")
	ctx := t.Context()
	good := func() *drift.WindowSummary { return smallWindow("m", "1", 1, t0, 1) }
	tests := []struct {
		name string
		call func() error
	}{
		{"empty model", func() error {
			w := good()
			w.Model = ""
			return st.WriteWindow(ctx, w, nil, 1)
		}},
		{"start before 1970", func() error {
			w := good()
			w.Start = time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC)
			return st.WriteWindow(ctx, w, nil, 1)
		}},
		{"end after 2106", func() error {
			w := good()
			w.End = time.Date(2107, 1, 1, 0, 0, 0, 0, time.UTC)
			return st.WriteWindow(ctx, w, nil, 1)
		}},
		{"feature twice", func() error {
			w := good()
			w.Features = append(w.Features, w.Features[0])
			return st.WriteWindow(ctx, w, nil, 1)
		}},
		{"nil feature", func() error {
			w := good()
			w.Features = append(w.Features, nil)
			return st.WriteWindow(ctx, w, nil, 1)
		}},
		{"unknown kind", func() error {
			w := good()
			w.Features[0].Kind = 0
			return st.WriteWindow(ctx, w, nil, 1)
		}},
		{"result without method", func() error {
			r := result("m", "x", t0, 1)
			r.Method = ""
			return st.WriteWindow(ctx, nil, []drift.Result{r}, 1)
		}},
		{"result in 1960", func() error {
			return st.WriteWindow(ctx, nil, []drift.Result{result("m", "x", time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), 1)}, 1)
		}},
		{"checkpoint without group", func() error {
			return st.SaveCheckpoint(ctx, drift.Checkpoint{Topic: "predictions"})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, storage.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if errors.Is(err, storage.ErrUnavailable) {
				t.Fatalf("err = %v also says unavailable: a caller would retry it forever", err)
			}
		})
	}
	// Nothing of the refused writes was stored (a window with a valid
	// feature and results are refused whole).
	if got := windows(t, st, "m", time.Time{}, time.Time{}); len(got) != 0 {
		t.Errorf("refused windows stored: %v", windowKeys(got))
	}
	if got := results(t, st, storage.ResultQuery{}); len(got) != 0 {
		t.Errorf("refused results stored: %+v", got)
	}
}

func testConcurrent(t *testing.T, open Opener) {
	st := open(t, "a")
	const writers, perWriter = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter*3)
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				seq := int64(g*perWriter + i)
				w := smallWindow("m", "1", seq, t0.Add(time.Duration(seq)*time.Minute), float64(seq))
				r := result("m", "x", w.Start, float64(seq))
				if err := st.WriteWindow(t.Context(), w, []drift.Result{r}, uint64(seq+1)); err != nil {
					errs <- err
				}
				cp := drift.Checkpoint{Group: "g", Topic: "predictions", Partition: g, Offset: int64(i), Version: uint64(i + 1)}
				if err := st.SaveCheckpoint(t.Context(), cp); err != nil {
					errs <- err
				}
				if _, err := st.Windows(t.Context(), "m", time.Time{}, time.Time{}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got := windows(t, st, "m", time.Time{}, time.Time{})
	if len(got) != writers*perWriter {
		t.Fatalf("got %d windows, want %d", len(got), writers*perWriter)
	}
	for i, w := range got {
		if w.Seq != int64(i) || w.Features[0].Sum != float64(i) {
			t.Errorf("window %d: seq %d sum %v", i, w.Seq, w.Features[0].Sum)
		}
	}
	if rs := results(t, st, storage.ResultQuery{Model: "m"}); len(rs) != writers*perWriter {
		t.Errorf("got %d results, want %d", len(rs), writers*perWriter)
	}
	for g := range writers {
		cp, ok, err := st.LoadCheckpoint(t.Context(), "g", "predictions", g)
		if err != nil || !ok || cp.Offset != perWriter-1 {
			t.Errorf("partition %d: %+v, %v, %v", g, cp, ok, err)
		}
	}
}

func testClose(t *testing.T, open Opener) {
	st := open(t, "a")
	if err := st.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	closeStore(t, st)
	if err := st.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := st.Ping(t.Context()); err == nil {
		t.Error("Ping after Close succeeded")
	}
	if _, err := st.Windows(t.Context(), "m", time.Time{}, time.Time{}); err == nil {
		t.Error("Windows after Close succeeded")
	}
}

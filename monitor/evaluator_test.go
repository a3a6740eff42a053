package monitor

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/pipeline"
	"github.com/driftmon/driftmon/storage/embedded"
)

// comparisons drops the quality rows, which need no reference: what is
// left compares the window with one.
func comparisons(res []drift.Result) []drift.Result {
	var out []drift.Result
	for _, r := range res {
		if r.Family != drift.Quality {
			out = append(out, r)
		}
	}
	return out
}

func verdicts(res []drift.Result) map[string]bool {
	out := map[string]bool{}
	for _, r := range res {
		if r.Decision && r.Family == drift.Covariate {
			out[r.Feature] = r.Drifted
		}
	}
	return out
}

// TestEvaluatorPreviousWindow: the first window has nothing to compare with;
// each later one is compared with the one before it, which Observe
// recorded.
func TestEvaluatorPreviousWindow(t *testing.T) {
	abc, xyz := []string{"a", "b", "c"}, []string{"x", "y", "z"}
	ws := testenv.WindowsOf(t, []float64{0, 0, 3}, [][]string{abc, abc, xyz}, 500)
	e := NewEvaluator(nil, models(map[string]*Model{"m": {Source: Previous(), Drift: detectors.DefaultPolicy()}}))
	want := []map[string]bool{nil, {"x": false, "c": false}, {"x": true, "c": true}}
	for i, w := range ws {
		res, err := e.Evaluate(context.Background(), w)
		if err != nil {
			t.Fatal(err)
		}
		// As the pipeline does once the window is stored.
		e.Observe(w, res)
		got := verdicts(res)
		if want[i] == nil {
			if n := len(comparisons(res)); n != 0 {
				t.Errorf("window %d: %d results, want none (no previous window)", i, n)
			}
			// The quality checks need no reference: missing and invalid
			// shares of both features, the window's own checks.
			if n := len(res); n == 0 {
				t.Errorf("window %d: no quality rows", i)
			}
			continue
		}
		for f, d := range want[i] {
			if v, ok := got[f]; !ok || v != d {
				t.Errorf("window %d: %s verdict %v (present %v), want %v", i, f, v, ok, d)
			}
		}
	}
}

// TestEvaluatorPinnedWindows: windows inside the pinned range form the
// reference once the range has passed, read back from storage.
func TestEvaluatorPinnedWindows(t *testing.T) {
	abc := []string{"a", "b", "c"}
	ws := testenv.WindowsOf(t, []float64{0, 0, 0, 0, 2}, [][]string{abc, abc, abc, abc, abc}, 400)
	store, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	from, to := ws[0].Start, ws[2].Start // the first two windows
	e := NewEvaluator(store, models(map[string]*Model{"m": {Source: Window(from, to), Drift: detectors.DefaultPolicy()}}))
	for i, w := range ws {
		res, err := e.Evaluate(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.WriteWindow(ctx, w, res, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
		got := verdicts(res)
		switch {
		case i < 2 && len(comparisons(res)) != 0:
			t.Errorf("window %d lies in the pinned range: %d results, want none", i, len(comparisons(res)))
		case i >= 2 && len(got) != 2:
			t.Errorf("window %d: verdicts %v, want x and c", i, got)
		case i >= 2 && got["x"] != (i == 4):
			t.Errorf("window %d: x drifted = %v, want %v", i, got["x"], i == 4)
		}
		for _, r := range res {
			if r.Decision && r.Family == drift.Covariate && r.NReference != 800 {
				t.Errorf("window %d: %s compared with %d reference values, want the 800 of two pinned windows", i, r.Feature, r.NReference)
			}
		}
	}
}

// TestEvaluatorPreviousFromStorage: when the window Observe recorded is not
// the predecessor (none after a restart, a stale one after a rebalance, the
// window itself on a replay), the predecessor is read from storage.
//
// The verdicts tell which window served as reference: x ~ N(mean, 1) with
// 500 values per window, so means 3 standard deviations apart drift and
// equal means do not; the categories abc and xyz share no value.
func TestEvaluatorPreviousFromStorage(t *testing.T) {
	abc, xyz := []string{"a", "b", "c"}, []string{"x", "y", "z"}
	const day = 24 * time.Hour
	cases := []struct {
		name  string
		means []float64
		cats  [][]string
		// back moves stored window i back in time by back[i] (a model
		// that paused).
		back     []time.Duration
		stored   int   // windows [0, stored) are in storage
		observed int   // windows [0, observed) went through Observe
		eval     []int // windows evaluated in turn, with no Observe between
		want     map[string]bool
	}{
		{name: "restart compares 3 with 2, not nothing",
			// 3 against 2: equal; against 1 or 0: mean +3 and new
			// categories.
			means: []float64{0, 0, 3, 3}, cats: [][]string{abc, abc, xyz, xyz},
			stored: 3, observed: 0, eval: []int{3}, want: map[string]bool{"x": false, "c": false}},
		{name: "rebalance compares 3 with 2, not the stale 0",
			// Another instance stored 1 and 2; 0 is the last window
			// this one observed. 3 against 0 would drift.
			means: []float64{0, 3, 3, 3}, cats: [][]string{abc, xyz, xyz, xyz},
			stored: 3, observed: 1, eval: []int{3}, want: map[string]bool{"x": false, "c": false}},
		{name: "failed write replayed compares 2 with 1 both times",
			// 2 against 1 drifts; against itself nothing would.
			means: []float64{0, 0, 3}, cats: [][]string{abc, abc, xyz},
			stored: 2, observed: 2, eval: []int{2, 2}, want: map[string]bool{"x": true, "c": true}},
		{name: "stored window replayed compares 2 with 1, not itself",
			means: []float64{0, 0, 3}, cats: [][]string{abc, abc, xyz},
			stored: 3, observed: 3, eval: []int{2}, want: map[string]bool{"x": true, "c": true}},
		{name: "restart after a pause of 2 days finds 1",
			// Beyond the first lookback (1 day), within the second.
			means: []float64{3, 0, 0}, cats: [][]string{xyz, abc, abc},
			back:   []time.Duration{2 * day, 2 * day},
			stored: 2, observed: 0, eval: []int{2}, want: map[string]bool{"x": false, "c": false}},
		{name: "restart after a pause of 40 days finds nothing",
			means: []float64{0, 0, 0}, cats: [][]string{abc, abc, abc},
			back:   []time.Duration{40 * day, 40 * day},
			stored: 2, observed: 0, eval: []int{2}, want: nil},
		{name: "first window has nothing",
			means: []float64{0, 0}, cats: [][]string{abc, abc},
			stored: 0, observed: 0, eval: []int{0}, want: nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			ws := testenv.WindowsOf(t, tc.means, tc.cats, 500)
			if len(ws) != len(tc.means) {
				t.Fatalf("%d windows, want %d", len(ws), len(tc.means))
			}
			for i, d := range tc.back {
				c := *ws[i]
				c.Start, c.End = c.Start.Add(-d), c.End.Add(-d)
				ws[i] = &c
			}
			store, err := embedded.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			for i := range tc.stored {
				if err := store.WriteWindow(ctx, ws[i], nil, uint64(i+1)); err != nil {
					t.Fatal(err)
				}
			}
			e := NewEvaluator(store, models(map[string]*Model{"m": {Source: Previous(), Drift: detectors.DefaultPolicy()}}))
			for i := range tc.observed {
				e.Observe(ws[i], nil)
			}
			for n, i := range tc.eval {
				res, err := e.Evaluate(ctx, ws[i])
				if err != nil {
					t.Fatal(err)
				}
				got := verdicts(res)
				if tc.want == nil {
					if len(comparisons(res)) != 0 {
						t.Errorf("evaluation %d of window %d: %d results (verdicts %v), want none", n+1, i, len(comparisons(res)), got)
					}
					continue
				}
				if len(got) != len(tc.want) {
					t.Errorf("evaluation %d of window %d: verdicts %v, want %v", n+1, i, got, tc.want)
					continue
				}
				for f, d := range tc.want {
					if got[f] != d {
						t.Errorf("evaluation %d of window %d: %s drifted = %v, want %v", n+1, i, f, got[f], d)
					}
				}
			}
		})
	}
}

// TestEvaluatorObserveKeepsNewest: a window reopened by a late event and
// stored again after a newer one does not become the previous window, and
// only previous-window models are remembered.
func TestEvaluatorObserveKeepsNewest(t *testing.T) {
	abc := []string{"a", "b", "c"}
	ws := testenv.WindowsOf(t, []float64{0, 0}, [][]string{abc, abc}, 50)
	e := NewEvaluator(nil, models(map[string]*Model{
		"m": {Source: Previous(), Drift: detectors.DefaultPolicy()},
		"f": {Source: File(nil, ""), Drift: detectors.DefaultPolicy()},
	}))
	e.Observe(ws[1], nil)
	e.Observe(ws[0], nil)
	switch got, _ := previousOf(e, "m"); {
	case got == nil:
		t.Error("no previous window of m, want seq 1")
	case got != ws[1]:
		t.Errorf("previous window of m is seq %d, want 1", got.Seq)
	}
	other := *ws[1]
	other.Model = "f"
	e.Observe(&other, nil)
	// A file source keeps its file: a window observed does not become
	// what it compares with (here it has no file, so nothing).
	if ref, err := e.models.Get("f").Source.Reference(context.Background(), nil, &other); ref != nil || err != nil {
		t.Errorf("a file-reference model's window was remembered: %v, %v", ref, err)
	}
}

// TestEvaluatorErrorKinds: a reference read that fails is an error for the
// pipeline to retry; pinned windows that can never merge into a reference
// are ErrUnevaluable, so that the window is stored without results rather
// than retried for ever.
func TestEvaluatorErrorKinds(t *testing.T) {
	abc := []string{"a", "b", "c"}
	ctx := context.Background()
	ws := testenv.WindowsOf(t, []float64{0, 0, 0}, [][]string{abc, abc, abc}, 100)
	from, to := ws[0].Start, ws[2].Start
	pinned := func() *Models {
		return models(map[string]*Model{"m": {Source: Window(from, to), Drift: detectors.DefaultPolicy()}})
	}

	t.Run("storage unavailable", func(t *testing.T) {
		store, err := embedded.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		store.Close()
		_, err = NewEvaluator(store, pinned()).Evaluate(ctx, ws[2])
		if err == nil || errors.Is(err, pipeline.ErrUnevaluable) {
			t.Errorf("Evaluate on a closed store: %v, want an error to retry", err)
		}
	})
	t.Run("windows that do not merge", func(t *testing.T) {
		store, err := embedded.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		// The second pinned window lost a feature (the model's config
		// changed between them).
		narrow := *ws[1]
		narrow.Features = narrow.Features[:1]
		for i, w := range []*drift.WindowSummary{ws[0], &narrow} {
			if err := store.WriteWindow(ctx, w, nil, uint64(i+1)); err != nil {
				t.Fatal(err)
			}
		}
		_, err = NewEvaluator(store, pinned()).Evaluate(ctx, ws[2])
		if !errors.Is(err, pipeline.ErrUnevaluable) {
			t.Errorf("Evaluate with pinned windows that do not merge: %v, want ErrUnevaluable", err)
		}
	})
}

// TestBuildModelsWiresDriftPolicy: serve evaluates with the model's whole
// drift policy (a feature's own decide method, the correction) and keeps
// one calibration cache per model.
func TestBuildModelsWiresDriftPolicy(t *testing.T) {
	cfg, err := config.Parse([]byte(`
models:
  - name: m
    window: {events: 100}
    reference: {previous: true}
    features:
      x: {type: numeric, drift: {decide: ks, threshold: 0.01}}
      y: numeric
    drift: {correction: bonferroni}
`), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ms, err := Build(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := ms.Get("m")
	if m.cal == nil {
		t.Fatal("no calibration cache")
	}
	if s := m.Drift.Set("x", drift.Numeric); s.Decide != stats.MethodKS || s.Thresholds[stats.MethodKS] != 0.01 || s.Calibration != nil {
		t.Errorf("x decided by %s at %v (calibration %v), want ks at a fixed 0.01", s.Decide, s.Thresholds[stats.MethodKS], s.Calibration)
	}
	if s := m.Drift.Set("y", drift.Numeric); s.Decide != stats.MethodJensenShannon || s.Calibration == nil {
		t.Errorf("y: %+v, want the default calibrated jensen_shannon", s)
	}
	if m.Drift.Correction != detectors.CorrectionBonferroni {
		t.Errorf("correction %q", m.Drift.Correction)
	}
}

// models indexes test models by name.
func models(byName map[string]*Model) *Models {
	var list []*Model
	for name, m := range byName {
		m.Name = name
		list = append(list, m)
	}
	return NewModels(list...)
}

// previousOf is the window a model's previous-window source recorded.
func previousOf(e *Evaluator, model string) (*drift.WindowSummary, bool) {
	p, ok := e.models.Get(model).Source.(*previousSource)
	if !ok {
		return nil, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.prev, p.prev != nil
}

package main

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage/embedded"
	"github.com/driftmon/driftmon/window"
)

// windowsOf cuts n events per minute-long window, x ~ N(mean[w], 1) and c
// drawn from cats[w], into closed windows.
func windowsOf(t *testing.T, means []float64, cats [][]string, n int) []*drift.WindowSummary {
	t.Helper()
	spec := window.Spec{Model: "m", Duration: time.Minute, IdleTimeout: time.Hour, Limits: drift.DefaultLimits(),
		Features: []window.Feature{{Name: "x", Kind: drift.Numeric}, {Name: "c", Kind: drift.Categorical}}}
	w := window.New([]window.Spec{spec})
	r := rand.New(rand.NewPCG(1, 1))
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var out []*drift.WindowSummary
	for wi, mu := range means {
		for i := 0; i < n; i++ {
			p := &drift.Prediction{Model: "m", Time: base.Add(time.Duration(wi)*time.Minute + time.Duration(i)*time.Minute/time.Duration(n)),
				Features: []drift.Feature{{Name: "x", Value: drift.NumberValue(mu + r.NormFloat64())},
					{Name: "c", Value: drift.StringValue(cats[wi][r.IntN(len(cats[wi]))])}}}
			closed, _, err := w.Add(p, base)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, closed...)
		}
	}
	return append(out, w.Tick(base.Add(2*time.Hour))...)
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
// each later one is compared with the one before it.
func TestEvaluatorPreviousWindow(t *testing.T) {
	abc, xyz := []string{"a", "b", "c"}, []string{"x", "y", "z"}
	ws := windowsOf(t, []float64{0, 0, 3}, [][]string{abc, abc, xyz}, 500)
	e := newEvaluator(nil, map[string]*modelEval{"m": {kind: refPrevious, policy: detectors.DefaultPolicy()}})
	want := []map[string]bool{nil, {"x": false, "c": false}, {"x": true, "c": true}}
	for i, w := range ws {
		res, err := e.Evaluate(context.Background(), w)
		if err != nil {
			t.Fatal(err)
		}
		got := verdicts(res)
		if want[i] == nil {
			if len(res) != 0 {
				t.Errorf("window %d: %d results, want none (no previous window)", i, len(res))
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
	ws := windowsOf(t, []float64{0, 0, 0, 0, 2}, [][]string{abc, abc, abc, abc, abc}, 400)
	store, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	from, to := ws[0].Start, ws[2].Start // the first two windows
	e := newEvaluator(store, map[string]*modelEval{"m": {kind: refWindow, from: from, to: to, policy: detectors.DefaultPolicy()}})
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
		case i < 2 && len(res) != 0:
			t.Errorf("window %d lies in the pinned range: %d results, want none", i, len(res))
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

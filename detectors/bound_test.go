package detectors_test

import (
	"maps"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/sketch"
)

// TestBoundReference compares serve's rows against a bounded reference
// with the rows against the whole one, window by window: bit for bit for
// every feature whose values the bound keeps exactly (a sample within
// capacity, or few distinct values), and within the bound of
// sketch.Compact for the others, with the same verdicts and thresholds
// (the count windows' thresholds were calibrated at load on every value,
// other windows' sub-windows come from the bins kept in file order, a big
// window's bootstraps the exact bin counts on both sides).
func TestBoundReference(t *testing.T) {
	const capacity = sketch.DefaultCompactCap
	for _, n := range []int{1500, 20000} {
		whole, bounded := serveReference(t, n), serveReference(t, n)
		exact := map[string]bool{}
		for _, f := range whole.Features {
			if f.Kind == drift.Numeric {
				s := slices.Clone(f.SampleValues())
				slices.Sort(s)
				exact[f.Name] = len(slices.Compact(s)) <= capacity
			}
		}
		if n > capacity && !slices.Contains(slices.Collect(maps.Values(exact)), false) {
			t.Fatalf("n %d: every feature has at most %d distinct values: nothing approximate to test", n, capacity)
		}
		p := detectors.DefaultPolicy()
		p.ReportPValues = stats.PValueAsymptotic
		wholeCal, boundCal := detectors.NewCalibrations(), detectors.NewCalibrations()
		if _, err := boundCal.Bound(bounded, p, 2000, capacity, nil); err != nil {
			t.Fatal(err)
		}
		for _, f := range bounded.Features {
			if f.Kind == drift.Numeric && (f.Sample == nil) != (n > capacity) {
				t.Fatalf("n %d: %s kept its sample: %v", n, f.Name, f.Sample != nil)
			}
		}
		windows := []*drift.WindowSummary{
			serveWindow(whole, 1, 2000, 0), serveWindow(whole, 2, 2000, 0.2), serveWindow(whole, 3, 2000, 0.05),
			serveWindow(whole, 4, 30000, 0), serveWindow(whole, 5, 30000, 0.1),
			// Sizes not calibrated at load (a time window's): the
			// sub-windows come from the bins kept in file order.
			serveWindow(whole, 6, 3000, 0), serveWindow(whole, 7, 1000, 0.1),
		}
		for _, w := range windows {
			want := detectors.EvaluateCached(whole, w, p, wholeCal)
			got := detectors.EvaluateCached(bounded, w, p, boundCal)
			if len(got) != len(want) {
				t.Fatalf("n %d window %d: %d rows, want %d", n, w.Seq, len(got), len(want))
			}
			for i := range want {
				a, b := want[i], got[i]
				if reflect.DeepEqual(a, b) {
					continue
				}
				if a.Family != drift.Covariate || n <= capacity || exact[a.Feature] {
					t.Errorf("n %d window %d %s %s: bounded row\n%+v\nwant\n%+v", n, w.Seq, a.Feature, a.Method, b, a)
					continue
				}
				rf := whole.Feature(a.Feature)
				var bound float64
				switch a.Method {
				case stats.MethodKS:
					// Half a run of the compact summary, plus its rounding.
					bound = (math.Ceil(float64(rf.Count)/capacity)/2 + 1) / float64(rf.Count)
				case stats.MethodWasserstein:
					// A run's share of the values over its range, summed.
					bound = (rf.Max - rf.Min) * (math.Ceil(float64(rf.Count)/capacity) + 1) / float64(rf.Count)
				}
				if d := math.Abs(a.Statistic - b.Statistic); d > bound || a.Drifted != b.Drifted ||
					a.Threshold != b.Threshold || a.NReference != b.NReference {
					t.Errorf("n %d window %d %s %s: statistic %v, want %v (bound %g), drifted %v/%v, threshold %v/%v",
						n, w.Seq, a.Feature, a.Method, b.Statistic, a.Statistic, bound, b.Drifted, a.Drifted, b.Threshold, a.Threshold)
				}
			}
		}
	}
}

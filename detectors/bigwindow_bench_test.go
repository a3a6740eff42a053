package detectors

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
)

// BenchmarkEvaluateBigWindow times Evaluate of one numeric feature of a
// window of 1e6 values (normal, shifted by 0.05 and widened by 10%) with
// psi, ks, wasserstein and wasserstein_norm, against a reference of 5,000
// values (complete sample: the exact side) or of 100,000 (both sides
// sketched). "sketch" is the path big windows take; "subsample" the same
// summaries without their sketches, the path they took before (the tests
// on the 10,000-value samples). Building the summaries is outside the
// timer.
func BenchmarkEvaluateBigWindow(b *testing.B) {
	const nCur = 1_000_000
	p := DefaultPolicy()
	p.Numeric.Methods = []string{stats.MethodPSI, stats.MethodKS, stats.MethodWasserstein, stats.MethodWassersteinNorm}
	// The verdict by PSI at its fixed threshold: this measures the sketch
	// path's statistics, not a calibration.
	p.Numeric.Decide, p.Numeric.Calibration = stats.MethodPSI, nil
	rng := rand.New(rand.NewPCG(3, 4))
	for _, nRef := range []int{5000, 100000} {
		ref := make([]float64, nRef)
		for i := range ref {
			ref[i] = rng.NormFloat64()
		}
		edges := drift.DecileEdges(slices.Sorted(slices.Values(ref)))
		rs := numericSummary("x", edges, ref...)
		cs := drift.NewFeatureSummary("x", drift.Numeric, edges, drift.DefaultLimits(), 2)
		for range nCur {
			cs.AddNumber(0.05 + 1.1*rng.NormFloat64())
		}
		bare := *cs
		bare.Sketch = nil
		for _, path := range []struct {
			name string
			cur  *drift.FeatureSummary
		}{{"sketch", cs}, {"subsample", &bare}} {
			b.Run(fmt.Sprintf("ref=%d/%s", nRef, path.name), func(b *testing.B) {
				r := &drift.Reference{Features: []*drift.FeatureSummary{rs}}
				w := &drift.WindowSummary{Features: []*drift.FeatureSummary{path.cur}}
				for b.Loop() {
					if rows := Evaluate(r, w, p); len(rows) != 5 {
						b.Fatalf("%d rows", len(rows))
					}
				}
			})
		}
	}
}

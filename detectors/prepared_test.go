package detectors

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
)

// TestCachePreparesOnce: windows evaluated through one cache, from several
// goroutines at once, get exactly the rows each gets through a cache of
// its own, and the cache prepares the reference once: every window uses
// the same prepared features.
func TestCachePreparesOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	refVals := uniform(11, 3000)
	edges := drift.DecileEdges(slices.Sorted(slices.Values(refVals)))
	cats := func(n int, tilt float64) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "c" + strconv.Itoa(int(rng.Float64()*(4+tilt)))
		}
		return out
	}
	ref := &drift.Reference{
		Features:   []*drift.FeatureSummary{numericSummary("x", edges, refVals...), categoricalSummary("c", cats(3000, 0)...)},
		Prediction: numericSummary("prediction", edges, uniform(12, 3000)...),
	}
	var windows []*drift.WindowSummary
	for i, n := range []int{50, 400, 1200, 400} {
		vals := uniform(uint64(20+i), n)
		for j := range vals {
			vals[j] += 0.05 * float64(i)
		}
		windows = append(windows, &drift.WindowSummary{
			Seq:        int64(i),
			Features:   []*drift.FeatureSummary{numericSummary("x", edges, vals...), categoricalSummary("c", cats(n, float64(i))...)},
			Prediction: numericSummary("prediction", edges, uniform(uint64(40+i), n)...),
		})
	}
	p := DefaultPolicy()
	p.Numeric.Methods = stats.Methods(drift.Numeric)
	want := make([][]drift.Result, len(windows))
	for i, w := range windows {
		want[i] = EvaluateCached(ref, w, p, NewCalibrations())
	}
	cache := NewCalibrations()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i, w := range windows {
				if got := EvaluateCached(ref, w, p, cache); !reflect.DeepEqual(got, want[i]) {
					t.Errorf("window %d through a shared cache:\n%v\nwant\n%v", i, got, want[i])
				}
			}
		})
	}
	wg.Wait()
	prep := cache.prepared(ref)
	if prep.features["x"] != cache.prepared(ref).features["x"] || len(prep.features) != 2 || prep.prediction == nil {
		t.Error("the cache did not keep one prepared reference")
	}
}

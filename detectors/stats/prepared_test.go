package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/driftmon/driftmon/drift"
)

// TestPreparedSharedByWindows: a reference prepared once and compared with
// many windows, from several goroutines at once, gives each window exactly
// the statistics a reference prepared for it alone gives, on every path:
// the exact tests (complete samples), the sketch path (a window beyond its
// sample, against a complete and a sketched reference) and the decile bins
// of a reference without edges.
func TestPreparedSharedByWindows(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	summary := func(n int, edges []float64, shift float64, seed uint64) *drift.FeatureSummary {
		lim := drift.DefaultLimits()
		lim.SampleSize = 2000
		s := drift.NewFeatureSummary("x", drift.Numeric, edges, lim, seed)
		for range n {
			s.AddNumber(math.Round((rng.NormFloat64()+shift)*50) / 50) // ties
		}
		return s
	}
	refs := map[string]*drift.FeatureSummary{
		"complete": summary(1500, []float64{-1, 0, 1}, 0, 1),
		"sketched": summary(30000, []float64{-1, 0, 1}, 0, 2),
		"no edges": summary(1800, nil, 0, 3),
	}
	var windows []*drift.FeatureSummary
	for i, n := range []int{7, 300, 1999, 2500, 40000} {
		edges := []float64{-1, 0, 1}
		if i%2 == 1 {
			edges = nil // binned again, or at the reference's deciles
		}
		windows = append(windows, summary(n, edges, 0.1*float64(i), uint64(10+i)))
	}
	methods := Methods(drift.Numeric)
	type got struct {
		st     Stat
		nr, nc uint64
		ok     bool
	}
	stats := func(pair *FeaturePair) []got {
		var out []got
		for _, m := range methods {
			st, nr, nc, ok := pair.Stat(m)
			out = append(out, got{st, nr, nc, ok})
		}
		return out
	}
	same := func(a, b []got) bool {
		return slices.EqualFunc(a, b, func(x, y got) bool {
			return x.ok == y.ok && x.nr == y.nr && x.nc == y.nc && x.st.Note == y.st.Note &&
				math.Float64bits(x.st.Statistic) == math.Float64bits(y.st.Statistic) &&
				(x.st.PValue == nil) == (y.st.PValue == nil) &&
				(x.st.PValue == nil || math.Float64bits(*x.st.PValue) == math.Float64bits(*y.st.PValue))
		})
	}
	for name, rf := range refs {
		t.Run(name, func(t *testing.T) {
			want := make([][]got, len(windows))
			for i, cf := range windows {
				want[i] = stats(NewFeaturePair(rf, cf))
			}
			pr := Prepare(rf)
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for i, cf := range windows {
						if g := stats(pr.Pair(cf)); !same(g, want[i]) {
							t.Errorf("window %d: prepared once %v, alone %v", i, g, want[i])
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

// TestAlignPrepared: the reference's sorted categories merged with the
// window's are alignCategories' union, counts and order.
func TestAlignPrepared(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	counts := func(k int) map[string]uint64 {
		m := map[string]uint64{}
		for range k {
			m["c"+strconv.Itoa(rng.IntN(40))] = uint64(rng.IntN(3)) // zero counts too
		}
		return m
	}
	for trial := range 500 {
		r, c := counts(rng.IntN(30)), counts(rng.IntN(30))
		rf := &drift.FeatureSummary{Name: "c", Kind: drift.Categorical, Categories: r}
		wr, wc := alignCategories(r, c)
		gr, gc := alignPrepared(Prepare(rf), c)
		if !slices.Equal(wr, gr) || !slices.Equal(wc, gc) {
			t.Fatalf("trial %d: %v %v, want %v %v", trial, gr, gc, wr, wc)
		}
	}
}

package stats

import (
	"math/rand/v2"
	"testing"

	"github.com/driftmon/driftmon/drift"
)

// benchSizes are the sample sizes of the benchmarks, per side.
var benchSizes = []struct {
	name string
	n    int
}{{"n=1e3", 1000}, {"n=1e5", 100000}, {"n=1e6", 1000000}}

// benchSamples are a reference of standard normals and a window shifted by
// 0.05 and widened by 10%: a small drift, so KS and Cramer-von Mises take
// their usual paths (exact KS at 1e3, asymptotic beyond).
func benchSamples(n int) (ref, cur []float64) {
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	ref, cur = make([]float64, n), make([]float64, n)
	for i := range ref {
		ref[i] = rng.NormFloat64()
		cur[i] = 0.05 + 1.1*rng.NormFloat64()
	}
	return ref, cur
}

// BenchmarkNumeric times NumericStats for one method at a time, as
// `driftmon check --methods` runs it, sorting included (fresh unsorted
// copies are made outside the timer); "all" is every numeric method in one
// call, sharing the sort; "sort" is the two sorts alone.
func BenchmarkNumeric(b *testing.B) {
	methods := append(Methods(drift.Numeric), "all", "sort")
	for _, m := range methods {
		b.Run(m, func(b *testing.B) {
			for _, sz := range benchSizes {
				b.Run(sz.name, func(b *testing.B) {
					ref, cur := benchSamples(sz.n)
					r, c := make([]float64, sz.n), make([]float64, sz.n)
					var ms []string // nil: all
					if m != "all" {
						ms = []string{m}
					}
					for b.Loop() {
						b.StopTimer()
						copy(r, ref)
						copy(c, cur)
						b.StartTimer()
						if m == "sort" {
							SortFloats(r)
							SortFloats(c)
							continue
						}
						NumericStats(r, c, ms)
					}
				})
			}
		})
	}
}

// BenchmarkCategorical times CategoricalStats for each method on the counts
// of n observations: over two categories for z_test, twelve for the rest.
// The counts are made outside the timer; the methods cost O(categories),
// whatever n.
func BenchmarkCategorical(b *testing.B) {
	for _, m := range Methods(drift.Categorical) {
		b.Run(m, func(b *testing.B) {
			k := 12
			if m == MethodZTest {
				k = 2
			}
			for _, sz := range benchSizes {
				b.Run(sz.name, func(b *testing.B) {
					rng := rand.New(rand.NewPCG(uint64(sz.n), 2))
					rc, cc := make([]uint64, k), make([]uint64, k)
					for range sz.n {
						rc[rng.IntN(k)]++
						cc[min(rng.IntN(k+1), k-1)]++ // the last category a little heavier
					}
					ms := []string{m}
					for b.Loop() {
						CategoricalStats(rc, cc, ms)
					}
				})
			}
		})
	}
}

// BenchmarkCvMExactWorst is the costliest exact Cramer-von Mises p-value:
// 19 against 20 values (lcm 380, the widest range of path sums).
func BenchmarkCvMExactWorst(b *testing.B) {
	for b.Loop() {
		cvmExactSF(1000, 19, 20)
	}
}

package reference

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/driftmon/driftmon/drift"
)

// TestDecileEdgesBySelection: the deciles found by selection are
// drift.DecileEdges of the sorted values, on continuous and heavily tied
// columns, sorted and reversed ones, constant ones and every small size,
// and the values handed in are left as they were.
func TestDecileEdgesBySelection(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gens := map[string]func(i int) float64{
		"normal":     func(int) float64 { return rng.NormFloat64() },
		"integers":   func(int) float64 { return float64(rng.IntN(7)) },
		"binary":     func(int) float64 { return float64(rng.IntN(2)) },
		"skewed":     func(int) float64 { return math.Round(math.Exp(3*rng.NormFloat64())*100) / 100 },
		"ascending":  func(i int) float64 { return float64(i) },
		"descending": func(i int) float64 { return -float64(i) },
		"constant":   func(int) float64 { return 4.5 },
		"organ pipe": func(i int) float64 { return math.Abs(float64(i%200) - 100) },
	}
	sizes := []int{}
	for n := 1; n <= 70; n++ {
		sizes = append(sizes, n)
	}
	sizes = append(sizes, 101, 999, 1000, 4531, 20000, 100003)
	for name, gen := range gens {
		for _, n := range sizes {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = gen(i)
			}
			orig := slices.Clone(xs)
			sorted := slices.Sorted(slices.Values(xs))
			want := drift.DecileEdges(sorted)
			if got := decileEdges(xs); !slices.Equal(got, want) {
				t.Fatalf("%s, %d values: %v, want %v", name, n, got, want)
			}
			if !slices.Equal(xs, orig) {
				t.Fatalf("%s, %d values: the values handed in were reordered", name, n)
			}
		}
	}
}

// TestSelectRanksDepthLimit: with no depth left the part is sorted, and
// the ranks still hold their order statistics.
func TestSelectRanksDepthLimit(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, depth := range []int{0, 1, 2, 40} {
		xs := make([]float64, 5000)
		for i := range xs {
			xs[i] = float64(rng.IntN(1000))
		}
		sorted := slices.Sorted(slices.Values(xs))
		ranks := []int{0, 17, 499, 500, 2500, 4999}
		selectRanks(xs, ranks, depth)
		for _, r := range ranks {
			if xs[r] != sorted[r] {
				t.Errorf("depth %d: rank %d holds %v, want %v", depth, r, xs[r], sorted[r])
			}
		}
	}
}

func BenchmarkDecileEdges(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	xs := make([]float64, 20000)
	for i := range xs {
		xs[i] = rng.NormFloat64()
	}
	b.Run("select", func(b *testing.B) {
		for b.Loop() {
			decileEdges(xs)
		}
	})
	b.Run("sort", func(b *testing.B) {
		for b.Loop() {
			drift.DecileEdges(slices.Sorted(slices.Values(xs)))
		}
	})
}

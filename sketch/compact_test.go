package sketch

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

func TestCompactExactRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name string
		gen  func() float64
		n    int
	}{
		{"ages", func() float64 { return float64(18 + rng.IntN(60)) }, 20000},
		{"two values", func() float64 { return float64(rng.IntN(2)) }, 1000},
		{"continuous below cap", rng.NormFloat64, 2000},
		{"one value", func() float64 { return 0 }, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			xs := make([]float64, tc.n)
			for i := range xs {
				xs[i] = tc.gen()
			}
			slices.Sort(xs)
			c, err := NewCompact(xs, 2048)
			if err != nil {
				t.Fatal(err)
			}
			if !c.Exact() {
				t.Fatalf("not exact with %d values", tc.n)
			}
			if got := c.Expand(nil); !slices.Equal(got, xs) {
				t.Fatalf("expansion differs from the sample")
			}
			if c.N() != uint64(tc.n) {
				t.Fatalf("N %d, want %d", c.N(), tc.n)
			}
		})
	}
}

// TestCompactCDFBound holds the approximate summary to its stated bound:
// the expansion's empirical CDF within half a run (ceil(n/cap)/2 values,
// one more for the rounding of the run boundaries) of the sample's,
// checked at every sample value and between them.
func TestCompactCDFBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{2049, 5000, 20000, 100000} {
		for _, shape := range []string{"normal", "lognormal", "zeros and normal"} {
			xs := make([]float64, n)
			for i := range xs {
				switch shape {
				case "normal":
					xs[i] = rng.NormFloat64()
				case "lognormal":
					xs[i] = math.Exp(rng.NormFloat64() * 2)
				default:
					if rng.IntN(3) == 0 {
						xs[i] = 0
					} else {
						xs[i] = rng.NormFloat64()
					}
				}
			}
			slices.Sort(xs)
			const capacity = 2048
			c, err := NewCompact(xs, capacity)
			if err != nil {
				t.Fatal(err)
			}
			// The zeros leave fewer distinct values than the capacity at
			// the smallest n: exact, which the bound covers too.
			if len(c.Values()) > capacity || (c.Exact() && shape != "zeros and normal") {
				t.Fatalf("n %d %s: exact %v, %d entries", n, shape, c.Exact(), len(c.Values()))
			}
			ex := c.Expand(nil)
			bound := (math.Ceil(float64(n)/capacity)/2 + 1) / float64(n)
			cdf := func(s []float64, x float64) float64 {
				return float64(sort.Search(len(s), func(i int) bool { return s[i] > x })) / float64(len(s))
			}
			worst := 0.0
			for i, x := range xs {
				worst = max(worst, math.Abs(cdf(xs, x)-cdf(ex, x)))
				if i > 0 {
					mid := (x + xs[i-1]) / 2
					worst = max(worst, math.Abs(cdf(xs, mid)-cdf(ex, mid)))
				}
			}
			if worst > bound {
				t.Errorf("n %d %s: CDF off by %g, bound %g", n, shape, worst, bound)
			}
		}
	}
}

func TestCompactRejects(t *testing.T) {
	for name, xs := range map[string][]float64{
		"unsorted": {2, 1},
		"NaN":      {1, math.NaN()},
		"Inf":      {1, math.Inf(1)},
	} {
		if _, err := NewCompact(xs, 8); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/sketch"
)

// numericSummary observes xs into a fresh numeric summary over edges.
func numericSummary(name string, edges []float64, xs ...float64) *drift.FeatureSummary {
	s := drift.NewFeatureSummary(name, drift.Numeric, edges, drift.DefaultLimits(), 1)
	for _, x := range xs {
		s.Observe(drift.NumberValue(x))
	}
	return s
}

// pw builds a pwCDF from (x, left, right) triples.
func pw(knots ...[3]float64) pwCDF {
	var c pwCDF
	for _, k := range knots {
		c.xs, c.left, c.right = append(c.xs, k[0]), append(c.left, k[1]), append(c.right, k[2])
	}
	return c
}

// TestCDFDistancesByHand checks ks and wasserstein of piecewise linear
// CDFs against integrals done by hand, the crossing inside a linear piece
// included.
func TestCDFDistancesByHand(t *testing.T) {
	unit := pw([3]float64{0, 0, 0}, [3]float64{1, 1, 1}) // uniform on [0, 1]
	cases := []struct {
		name  string
		a, b  pwCDF
		ks, w float64
	}{
		// |x| on [0, 1/2], |1 - x| on [1/2, 1]: 1/8 + 1/8.
		{"uniform vs atom at 1/2", unit, pw([3]float64{0.5, 0, 1}), 0.5, 0.25},
		// A shift by 1/2 moves every unit of mass 1/2.
		{"uniform vs shifted", unit, pw([3]float64{0.5, 0, 0}, [3]float64{1.5, 1, 1}), 0.5, 0.5},
		// x/2 on [0, 1] (1/4), then 1 - x/2 on [1, 2] (1/4).
		{"uniform vs twice as wide", unit, pw([3]float64{0, 0, 0}, [3]float64{2, 1, 1}), 0.5, 0.5},
		// The difference is -x, then x - 1/2 (crossing 0 at 1/2), then
		// 1 - x: 1/32 + 1/16 + 1/32.
		{"uniform vs narrower, crossing", unit, pw([3]float64{0.25, 0, 0}, [3]float64{0.75, 1, 1}), 0.25, 0.125},
		{"identical", unit, unit, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, swap := range []bool{false, true} {
				a, b := c.a, c.b
				if swap {
					a, b = b, a
				}
				if got := cdfKS(a, b); math.Abs(got-c.ks) > 1e-15 {
					t.Errorf("swap %v: ks %v, want %v", swap, got, c.ks)
				}
				if got := cdfWasserstein(a, b); math.Abs(got-c.w) > 1e-15 {
					t.Errorf("swap %v: wasserstein %v, want %v", swap, got, c.w)
				}
			}
		})
	}
}

// TestCDFDistancesExactSamples: on two empirical CDFs the sketch path's
// machinery is the exact path (scipy's definitions, which the golden tests
// hold ksStatistic and cdfDistanceSorted to).
func TestCDFDistancesExactSamples(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 7, 500, 20000} {
		for _, ties := range []bool{false, true} {
			t.Run(fmt.Sprintf("n=%d/ties=%v", n, ties), func(t *testing.T) {
				r, c := make([]float64, n), make([]float64, n+n/3)
				for i := range r {
					r[i] = rng.NormFloat64()
				}
				for i := range c {
					c[i] = 0.2 + 1.3*rng.NormFloat64()
				}
				if ties {
					for i := range r {
						r[i] = math.Round(r[i] * 4)
					}
					for i := range c {
						c[i] = math.Round(c[i] * 4)
					}
				}
				SortFloats(r)
				SortFloats(c)
				er, ec := exactCDF(r), exactCDF(c)
				if got, want := cdfKS(er, ec), ksStatistic(r, c); got != want {
					t.Errorf("ks %v, exact path %v", got, want)
				}
				got, want := cdfWasserstein(er, ec), cdfDistanceSorted(r, c, 1)
				if math.Abs(got-want) > 1e-12*want {
					t.Errorf("wasserstein %v, exact path %v", got, want)
				}
			})
		}
	}
}

// TestSketchCDF holds the sketch's estimated CDF to the exact one within
// the error the FeaturePair doc states per sketched side (RankError plus the
// heaviest item's share), and checks its shape: ascending knots within
// [Min, Max], non-decreasing values ending at 1, atoms kept as jumps.
func TestSketchCDF(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	cases := []struct {
		name string
		n    int
		gen  func() float64
	}{
		{"normal", 200000, rng.NormFloat64},
		{"lognormal", 50000, func() float64 { return math.Exp(rng.NormFloat64()) }},
		{"binary", 30000, func() float64 { return float64(rng.IntN(10) / 7) }}, // 70% zeros
		{"small integers", 40000, func() float64 { return float64(rng.IntN(24)) }},
		{"mixed atom", 30000, func() float64 {
			if rng.IntN(2) == 0 {
				return 0.5
			}
			return rng.Float64()
		}},
		{"exact", 200, rng.Float64},
		{"constant", 20000, func() float64 { return 3 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := sketch.NewKLL(sketch.DefaultKLLK)
			xs := make([]float64, c.n)
			for i := range xs {
				xs[i] = c.gen()
				k.Add(xs[i])
			}
			SortFloats(xs)
			ex, sk := exactCDF(xs), sketchCDF(k)
			for i := range sk.xs {
				if i > 0 && (sk.xs[i] <= sk.xs[i-1] || sk.left[i] < sk.right[i-1]) {
					t.Fatalf("knot %d: not ascending", i)
				}
				if sk.right[i] < sk.left[i] || sk.xs[i] < k.Min() || sk.xs[i] > k.Max() {
					t.Fatalf("knot %d: (%v, %v, %v) outside [%v, %v]", i, sk.xs[i], sk.left[i], sk.right[i], k.Min(), k.Max())
				}
			}
			if last := sk.right[len(sk.right)-1]; last != 1 || sk.left[0] != 0 || sk.n != uint64(c.n) {
				t.Errorf("ends at %v, starts at %v, n %d", last, sk.left[0], sk.n)
			}
			_, ws := k.Items()
			var heaviest uint64
			for _, w := range ws {
				heaviest = max(heaviest, w)
			}
			bound := k.RankError() + float64(heaviest)/float64(c.n)
			d := cdfKS(ex, sk)
			if d > bound {
				t.Errorf("sup |F - F_sketch| = %v > %v", d, bound)
			}
			if c.n <= sketch.DefaultKLLK && d != 0 {
				t.Errorf("a sketch holding every value is off by %v", d)
			}
			t.Logf("sup error %.5f (bound %.5f), %d knots", d, bound, len(sk.xs))
		})
	}
}

// TestSketchDriftedPair is a big window with a known large drift:
// the reference is the grid i/n, i = 0..n-1, and the window the same grid
// shifted by 1/2, each fed in a shuffled order. By hand: D = 1/2 (below
// 1/2 the reference has half its values, the window none), W = 1/2 (a
// shift moves all the mass 1/2), and the grid's population std is
// sqrt((n^2 - 1) / 12) / n, so wasserstein_norm = 1/2 over that. Both a
// complete reference sample (exact side) and a reference beyond its sample
// (both sides sketched) are checked; energy, which has no sketch version,
// stays on the window's subsample. The statistics are read as Evaluate
// reads them for its rows: FeaturePair's, the methods with a value.
func TestSketchDriftedPair(t *testing.T) {
	const nc = 50000
	grid := func(n int, shift float64, seed uint64) []float64 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = shift + float64(i)/float64(n)
		}
		rng := rand.New(rand.NewPCG(seed, 1))
		rng.Shuffle(n, func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
		return xs
	}
	rows := func(rs, cs *drift.FeatureSummary, methods ...string) []drift.Result {
		pair := NewFeaturePair(rs, cs)
		var out []drift.Result
		for _, m := range methods {
			if st, nRef, nCur, ok := pair.Stat(m); ok {
				out = append(out, drift.Result{Method: m, Statistic: st.Statistic, PValue: st.PValue, NReference: nRef, NCurrent: nCur})
			}
		}
		return out
	}
	for _, nr := range []int{8000, 40000} {
		t.Run(fmt.Sprintf("reference %d", nr), func(t *testing.T) {
			edges := []float64{0.5}
			rs := numericSummary("x", edges, grid(nr, 0, 1)...)
			cs := numericSummary("x", edges, grid(nc, 0.5, 2)...)
			if cs.Sample.Complete() || rs.Sample.Complete() != (nr <= drift.DefaultSampleSize) {
				t.Fatal("samples not as the case needs")
			}
			got := map[string]drift.Result{}
			for _, r := range rows(rs, cs, MethodKS, MethodWasserstein, MethodWassersteinNorm, MethodEnergy) {
				got[r.Method] = r
			}
			n := float64(nr)
			sd := math.Sqrt((n*n-1)/12) / n
			want := map[string]float64{MethodKS: 0.5, MethodWasserstein: 0.5, MethodWassersteinNorm: 0.5 / sd}
			for m, w := range want {
				r := got[m]
				if math.Abs(r.Statistic-w) > 0.01 {
					t.Errorf("%s = %v, want %v within 0.01", m, r.Statistic, w)
				}
				if r.NReference != uint64(nr) || r.NCurrent != nc {
					t.Errorf("%s: n = %d, %d, want %d, %d", m, r.NReference, r.NCurrent, nr, nc)
				}
			}
			ks := got[MethodKS]
			if _, wantP, _ := ksPValue(nr, nc, ks.Statistic, PValueAuto); ks.PValue == nil || *ks.PValue != wantP || wantP > 1e-100 {
				t.Errorf("ks p-value %v, want %v (the asymptotic p-value at the true counts)", ks.PValue, wantP)
			}
			if e := got[MethodEnergy]; e.NCurrent != drift.DefaultSampleSize {
				t.Errorf("energy used %d window values, want the %d of the subsample", e.NCurrent, drift.DefaultSampleSize)
			}
			// Without its sketch the window falls back to its subsample
			// (ks left out: its exact p-value at 8,000 against 10,000
			// values takes half a second).
			bare := *cs
			bare.Sketch = nil
			for _, r := range rows(rs, &bare, MethodWasserstein, MethodWassersteinNorm) {
				if r.NCurrent != drift.DefaultSampleSize {
					t.Errorf("no sketch: %s used %d window values, want the subsample's %d", r.Method, r.NCurrent, drift.DefaultSampleSize)
				}
			}
		})
	}
}

// TestSideCDF: a sketched side's estimate, the sketch and the sample
// combined, stays within the bound the FeaturePair doc states and, on skewed
// streams, integrates to a smaller wasserstein error than either estimate
// alone (the reason for combining them).
func TestSideCDF(t *testing.T) {
	cases := []struct {
		name string
		gen  func(*rand.Rand) float64
	}{
		{"normal", func(r *rand.Rand) float64 { return r.NormFloat64() }},
		{"lognormal", func(r *rand.Rand) float64 { return math.Exp(r.NormFloat64()) }},
		{"pareto 2.5", func(r *rand.Rand) float64 { return math.Pow(1-r.Float64(), -1/2.5) }},
	}
	for _, c := range cases {
		for _, n := range []int{30000, 300000} {
			t.Run(fmt.Sprintf("%s/n=%d", c.name, n), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(n), 11))
				f := drift.NewFeatureSummary("x", drift.Numeric, nil, drift.DefaultLimits(), 12)
				xs := make([]float64, n)
				for i := range xs {
					xs[i] = c.gen(rng)
					f.AddNumber(xs[i])
				}
				SortFloats(xs)
				ex := exactCDF(xs)
				sd := populationStd(xs)
				side := sideCDF(f, func() []float64 { return sortedCopy(f.Sample.Values()) })
				sk := sketchCDF(f.Sketch)
				sub := exactCDF(sortedCopy(f.Sample.Values()))
				_, ws := f.Sketch.Items()
				bound := max(f.Sketch.RankError()+2*float64(slices.Max(ws))/float64(n), math.Sqrt(math.Log(200)/(2*float64(len(f.Sample.Values())))))
				if d := cdfKS(side, ex); d > bound {
					t.Errorf("sup error %v > %v", d, bound)
				}
				wSide, wSketch, wSub := cdfWasserstein(side, ex)/sd, cdfWasserstein(sk, ex)/sd, cdfWasserstein(sub, ex)/sd
				t.Logf("wasserstein error / std: combined %.4f, sketch %.4f, sample %.4f", wSide, wSketch, wSub)
				if wSide > min(wSketch, wSub) {
					t.Errorf("combined error %.4f, not below the sketch's %.4f and the sample's %.4f", wSide, wSketch, wSub)
				}
			})
		}
	}
}

// TestAnchored pins a deliberately wrong estimate to a summary's exact bin
// counts: 0 at Min; just below each edge the share of values below it
// (here 1, 3 and 6 of 8 below 2, 4 and 6); 1 at Max; and between anchors an
// affine map of the estimate, so it stays monotone.
func TestAnchored(t *testing.T) {
	f := numericSummary("x", []float64{2, 4, 6}, 1, 2.5, 3, 4.5, 5, 5.5, 7, 8)
	// A straight line from 1 to 8: F(2-) = 1/7, far from the exact 1/8.
	est := pwCDF{xs: []float64{1, 8}, left: []float64{0, 1}, right: []float64{0, 1}, n: 8}
	got := anchored(est, f)
	want := map[float64]float64{1: 0, 2: 1.0 / 8, 4: 3.0 / 8, 6: 6.0 / 8}
	u := cursor{c: &got}
	prev := 0.0
	for _, x := range []float64{1, 1.5, 2, 3, 4, 5, 6, 7, 7.9, 8} {
		l, r := u.at(x)
		if w, ok := want[x]; ok && math.Abs(l-w) > 1e-15 {
			t.Errorf("F(%v-) = %v, want %v", x, l, w)
		}
		if l < prev || r < l {
			t.Errorf("not monotone at %v: %v, %v after %v", x, l, r, prev)
		}
		prev = r
	}
	if _, r := u.at(8); r != 1 {
		t.Errorf("F(8) = %v, want 1", r)
	}
	// Between 2 and 4 the line's rise is mapped onto the exact one: at 3,
	// halfway along the line's segment, halfway from 1/8 to 3/8.
	u = cursor{c: &got}
	if l, _ := u.at(3); math.Abs(l-2.0/8) > 1e-15 {
		t.Errorf("F(3) = %v, want %v", l, 2.0/8)
	}
}

// TestWassersteinMeanCorrection: a window wholly above its reference has
// W = mean_cur - mean_ref, whatever the estimates say of either shape; the
// sketch path gives exactly that.
func TestWassersteinMeanCorrection(t *testing.T) {
	ref := pwCDF{xs: []float64{0, 1}, left: []float64{0, 1}, right: []float64{0, 1}, n: 100}
	// An estimate of the window that misplaces its mass (a line from 5 to
	// 9 where the values' mean is 6.25).
	cur := pwCDF{xs: []float64{5, 9}, left: []float64{0, 1}, right: []float64{0, 1}, n: 100}
	sp := &sketchPair{ref: ref, cur: cur, dMean: 6.25 - 0.5}
	if got := sp.wasserstein(); got != 5.75 {
		t.Errorf("wasserstein %v, want the exact 5.75", got)
	}
	if plain := cdfWasserstein(ref, cur); plain == 5.75 {
		t.Errorf("the uncorrected estimate is already %v: the case tests nothing", plain)
	}
}

// TestExactCDFShape: the compact empirical CDF (left and right one array,
// an untied sample its own knots) has the knots and values of the plain
// construction, one knot per distinct value with a jump of its count / n,
// and its capped slices cannot overwrite one another.
func TestExactCDFShape(t *testing.T) {
	for _, xs := range [][]float64{{3}, {1, 2, 5}, {1, 1, 2, 2, 2, 7}, {-1, 0, 0, 0.5, 0.5}, {4, 4, 4}} {
		c := exactCDF(xs)
		var want pwCDF
		prev := 0.0
		for i, x := range xs {
			if i+1 < len(xs) && xs[i+1] == x {
				continue
			}
			f := float64(i+1) / float64(len(xs))
			want.xs, want.left, want.right = append(want.xs, x), append(want.left, prev), append(want.right, f)
			prev = f
		}
		if !slices.Equal(c.xs, want.xs) || !slices.Equal(c.left, want.left) || !slices.Equal(c.right, want.right) || c.n != uint64(len(xs)) {
			t.Errorf("%v: %+v, want %+v", xs, c, want)
		}
		_ = append(c.left, 9)
		_ = append(c.xs, 9)
		if c.right[len(c.right)-1] != 1 || !slices.Equal(c.xs, want.xs) {
			t.Errorf("%v: an append overwrote the CDF", xs)
		}
	}
}

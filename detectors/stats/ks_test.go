package stats

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/driftmon/driftmon/detectors/internal/oracle"
)

// ksGolden mirrors testdata/ks_golden.json (made by testdata/gen.py from
// scipy 1.10).
type ksGolden struct {
	// [n, d, kstwo.sf(d, n)]
	KSTwo [][3]float64 `json:"kstwo"`
	// [n1, n2, h, p or null, ok] from scipy's exact two-sample computation
	Exact   [][5]json.RawMessage `json:"exact"`
	KS2Samp []struct {
		N1, N2    int
		C1, C2    float64
		Scale     float64
		Shift     float64
		Statistic float64
		PValue    float64 `json:"pvalue"`
	} `json:"ks_2samp"`
}

func loadKSGolden(t *testing.T) ksGolden {
	var g ksGolden
	readJSON(t, "ks_golden.json", &g)
	if len(g.KSTwo) == 0 || len(g.Exact) == 0 || len(g.KS2Samp) == 0 {
		t.Fatal("ks_golden.json is incomplete")
	}
	return g
}

// kolmogorovBranch names the algorithm kolmogorovSF picks, so a failure
// says which one is wrong and the test can insist every branch is reached.
func kolmogorovBranch(n int, x float64) string {
	nf := float64(n)
	t, nxx := nf*x, nf*x*x
	switch {
	case x <= 0.5/nf || x >= 1:
		return "support"
	case t <= 1:
		return "ruben-gambino-low"
	case t >= nf-1:
		return "ruben-gambino-high"
	case x >= 0.5:
		return "smirnov-half"
	case n <= 140 && nxx <= 0.754693:
		return "durbin"
	case n <= 140 && nxx <= 4:
		return "pomeranz"
	case n <= 140:
		return "smirnov"
	case nxx >= 370:
		return "zero"
	case nxx >= 2.2:
		return "smirnov"
	case n <= 100000 && nf*math.Pow(x, 1.5) <= 1.4:
		return "durbin"
	}
	return "pelz-good"
}

func TestKolmogorovSFGolden(t *testing.T) {
	g := loadKSGolden(t)
	reached := map[string]int{}
	for _, row := range g.KSTwo {
		n, d, want := int(row[0]), row[1], row[2]
		br := kolmogorovBranch(n, d)
		reached[br]++
		got := kolmogorovSF(n, d)
		// scipy's own methods differ in accuracy (Pelz-Good is an
		// approximation), but the same method in the same precision agrees
		// far closer than the p-value tolerance; hold it to 1e-10 absolute
		// and 1e-8 relative.
		if !(math.Abs(got-want) <= 1e-10 || closeRel(got, want, 1e-8)) {
			t.Errorf("kstwo.sf(%v, %d) [%s] = %.17g, scipy %.17g", d, n, br, got, want)
		}
	}
	for _, br := range []string{"support", "ruben-gambino-low", "ruben-gambino-high", "smirnov-half",
		"durbin", "pomeranz", "smirnov", "zero", "pelz-good"} {
		if reached[br] == 0 {
			t.Errorf("grid never reaches branch %s", br)
		}
	}
}

func TestKSExactGolden(t *testing.T) {
	g := loadKSGolden(t)
	failures := 0
	for _, row := range g.Exact {
		var n1, n2, h int
		var want *float64
		var wantOK bool
		for i, dst := range []any{&n1, &n2, &h, &want, &wantOK} {
			if err := json.Unmarshal(row[i], dst); err != nil {
				t.Fatalf("row %s: %v", row, err)
			}
		}
		lcm := n1 / gcd(n1, n2) * n2
		d := float64(h) / float64(lcm)
		stat, p, ok := ksExact(n1, n2, d)
		if ok != wantOK {
			t.Errorf("exact(%d, %d, h=%d): ok %v, scipy %v (p %v)", n1, n2, h, ok, wantOK, p)
			continue
		}
		if !ok {
			failures++
		}
		if stat != d {
			t.Errorf("exact(%d, %d, h=%d): statistic %v, want %v", n1, n2, h, stat, d)
		}
		if want == nil {
			if !math.IsNaN(p) {
				t.Errorf("exact(%d, %d, h=%d): p %v, scipy nan", n1, n2, h, p)
			}
			continue
		}
		// Same recursion, same order of operations: agreement is to the
		// last bits, far inside the 1e-6 the p-values need.
		if !(math.Abs(p-*want) <= 1e-12 || closeRel(p, *want, 1e-9)) {
			t.Errorf("exact(%d, %d, h=%d) = %.17g, scipy %.17g", n1, n2, h, p, *want)
		}
	}
	if failures == 0 {
		t.Error("grid never reaches scipy's fallback from exact to asymptotic")
	}
}

// synthetic rebuilds gen.py's deterministic samples.
func synthetic(n int, c, scale, shift float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = math.Mod(float64(i)*c, 1)*scale + shift
	}
	return x
}

func TestKSSyntheticGolden(t *testing.T) {
	g := loadKSGolden(t)
	for _, c := range g.KS2Samp {
		t.Run(fmt.Sprintf("%dx%d_shift%g", c.N1, c.N2, c.Shift), func(t *testing.T) {
			a := synthetic(c.N1, c.C1, 1, 0)
			b := synthetic(c.N2, c.C2, c.Scale, c.Shift)
			d, p := ks(a, b)
			oracle.CheckStat(t, "ks", d, c.Statistic)
			oracle.CheckP(t, "ks", p, c.PValue)
		})
	}
}

// TestKSHand checks small cases worked out by hand.
func TestKSHand(t *testing.T) {
	tests := []struct {
		name    string
		a, b    []float64
		d, p    float64
		comment string
	}{
		{
			// Complete separation of 2 and 2: of the C(4,2) = 6 orderings
			// only aabb and bbaa reach D = 1, so p = 2/6.
			name: "separated 2x2", a: []float64{1, 2}, b: []float64{3, 4}, d: 1, p: 1.0 / 3,
		},
		{
			// Separation of 3 and 4 values: 2 of C(7,3) = 35 orderings.
			name: "separated 3x4", a: []float64{5, 6, 7}, b: []float64{1, 2, 3, 4}, d: 1, p: 2.0 / 35,
		},
		{
			// Identical samples: D = 0 and p = 1.
			name: "identical", a: []float64{3, 1, 2}, b: []float64{2, 3, 1}, d: 0, p: 1,
		},
		{
			// a = {1,2}, b = {2,3}: F_a - F_b is 1/2 at 1, 1/2 at 2, 0 at 3.
			// D = 1/2 for n = 2: orderings with |path| reaching 1 step:
			// every path of 2 and 2 touches |x-y| >= 1, so p = 1.
			name: "half 2x2", a: []float64{2, 1}, b: []float64{3, 2}, d: 0.5, p: 1,
		},
		{
			// One value each, different: D = 1, both orderings reach it.
			name: "single values", a: []float64{0}, b: []float64{1}, d: 1, p: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := slices.Clone(tt.a), slices.Clone(tt.b)
			d, p := ks(a, b)
			if math.Abs(d-tt.d) > 1e-15 || math.Abs(p-tt.p) > 1e-12 {
				t.Errorf("KS = %v, %v; want %v, %v", d, p, tt.d, tt.p)
			}
			if !slices.Equal(a, tt.a) || !slices.Equal(b, tt.b) {
				t.Error("KS modified its inputs")
			}
		})
	}
}

func TestKSBadInput(t *testing.T) {
	tests := []struct {
		name string
		a, b []float64
	}{
		{"empty ref", nil, []float64{1}},
		{"empty cur", []float64{1}, []float64{}},
		{"nan", []float64{1, math.NaN()}, []float64{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, p := ks(tt.a, tt.b)
			if !math.IsNaN(d) || !math.IsNaN(p) {
				t.Errorf("KS = %v, %v; want NaN, NaN", d, p)
			}
			if w := wasserstein(tt.a, tt.b); !math.IsNaN(w) {
				t.Errorf("Wasserstein = %v; want NaN", w)
			}
		})
	}
}

// TestKSExactMatchesEnumeration checks the two exact recursions against a
// brute-force count of lattice paths, an independent computation: each of
// the C(n1+n2, n1) orderings of the pooled sample is a path, and D is the
// path's largest |i/n1 - j/n2|.
func TestKSExactMatchesEnumeration(t *testing.T) {
	for _, sz := range [][2]int{{3, 3}, {4, 6}, {5, 7}, {6, 6}, {2, 9}, {7, 8}} {
		n1, n2 := sz[0], sz[1]
		lcm := n1 / gcd(n1, n2) * n2
		counts := map[int]int{} // h = D*lcm -> number of paths
		total := 0
		var walk func(i, j, hmax int)
		walk = func(i, j, hmax int) {
			if i == n1 && j == n2 {
				counts[hmax]++
				total++
				return
			}
			if i < n1 {
				walk(i+1, j, max(hmax, absInt((i+1)*(lcm/n1)-j*(lcm/n2))))
			}
			if j < n2 {
				walk(i, j+1, max(hmax, absInt(i*(lcm/n1)-(j+1)*(lcm/n2))))
			}
		}
		walk(0, 0, 0)
		for h := 1; h <= lcm; h++ {
			atLeast := 0
			for hh, c := range counts {
				if hh >= h {
					atLeast += c
				}
			}
			want := float64(atLeast) / float64(total)
			_, got, ok := ksExact(n1, n2, float64(h)/float64(lcm))
			if !ok {
				// scipy's fallback: only allowed where rounding pushed p past 1
				if want != 1 {
					t.Errorf("%dx%d h=%d: exact failed, want %v", n1, n2, h, want)
				}
				continue
			}
			if math.Abs(got-want) > 1e-13 {
				t.Errorf("%dx%d h=%d: p = %.17g, enumeration %.17g", n1, n2, h, got, want)
			}
		}
	}
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// BenchmarkKSExactWorst is the costliest exact case: two unequal samples at
// the exact-size limit with a large statistic (the band method costs about
// 2 D n1 n2 steps).
func BenchmarkKSExactWorst(b *testing.B) {
	a := synthetic(10000, 0.6180339887498949, 1, 0)
	c := synthetic(9999, 0.7548776662466927, 1, 0.3)
	for b.Loop() {
		ks(a, c)
	}
}

func BenchmarkKSAsymptotic(b *testing.B) {
	a := synthetic(20000, 0.6180339887498949, 1, 0)
	c := synthetic(30000, 0.7548776662466927, 1, 0.002)
	for b.Loop() {
		ks(a, c)
	}
}

// ksStatisticMerge is ksStatistic as a plain merge over every pooled
// value: the definition the galloping one must equal bit for bit.
func ksStatisticMerge(a, b []float64) float64 {
	n1, n2 := float64(len(a)), float64(len(b))
	var i, j int
	var d float64
	for i < len(a) || j < len(b) {
		var v float64
		switch {
		case i == len(a):
			v = b[j]
		case j == len(b):
			v = a[i]
		default:
			v = min(a[i], b[j])
		}
		for i < len(a) && a[i] <= v {
			i++
		}
		for j < len(b) && b[j] <= v {
			j++
		}
		d = max(d, math.Abs(float64(i)/n1-float64(j)/n2))
	}
	return d
}

// TestKSStatisticGallop: the galloping statistic is the merge's, bit for
// bit, on continuous and heavily tied samples of all relative sizes,
// shifted or not, signed zeros included.
func TestKSStatisticGallop(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 20000 {
		n1, n2 := 1+rng.IntN(400), 1+rng.IntN(400)
		if trial%10 == 0 {
			n1 = 1 + rng.IntN(20000)
		}
		levels := 1 + rng.IntN(50)
		gen := func(n int, shift float64) []float64 {
			x := make([]float64, n)
			for i := range x {
				switch trial % 3 {
				case 0:
					x[i] = float64(rng.IntN(levels)) + shift
				case 1:
					x[i] = rng.NormFloat64() + shift
				default:
					x[i] = math.Copysign(0, rng.NormFloat64()) * float64(rng.IntN(2))
				}
			}
			SortFloats(x)
			return x
		}
		a, b := gen(n1, 0), gen(n2, float64(rng.IntN(3))*0.5)
		if got, want := ksStatistic(a, b), ksStatisticMerge(a, b); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("trial %d, %d x %d: %v, merge %v", trial, n1, n2, got, want)
		}
	}
}

// BenchmarkKSStatistic: the statistic alone, a window against a prepared
// reference ("merge" is the walk over every pooled value it replaced).
func BenchmarkKSStatistic(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][2]int{{2000, 2000}, {20000, 2000}, {100000, 2000}} {
		ref, cur := make([]float64, sz[0]), make([]float64, sz[1])
		for i := range ref {
			ref[i] = rng.NormFloat64()
		}
		for i := range cur {
			cur[i] = rng.NormFloat64() + 0.05
		}
		SortFloats(ref)
		SortFloats(cur)
		b.Run(fmt.Sprintf("ref=%d/window=%d/gallop", sz[0], sz[1]), func(b *testing.B) {
			for b.Loop() {
				ksStatistic(ref, cur)
			}
		})
		b.Run(fmt.Sprintf("ref=%d/window=%d/merge", sz[0], sz[1]), func(b *testing.B) {
			for b.Loop() {
				ksStatisticMerge(ref, cur)
			}
		})
	}
}

package stats

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/driftmon/driftmon/detectors/internal/oracle"
)

// adcvmGolden mirrors testdata/ad_cvm_golden.json (made by testdata/gen.py
// from scipy 1.10).
type adcvmGolden struct {
	KV       [][3]float64 `json:"kv"`      // [nu, x, scipy.special.kv(nu, x)]
	CvMInf   [][2]float64 `json:"cvm_inf"` // [x, _cdf_cvm_inf(x)]
	CvMExact [][4]float64 `json:"cvm_exact"`
	CvM2Samp []struct {
		synthSpec
		Statistic float64 `json:"statistic"`
		PValue    float64 `json:"pvalue"`
	} `json:"cramervonmises_2samp"`
	AD []struct {
		synthSpec
		Statistic float64 `json:"statistic"`
		Sig       float64 `json:"significance_level"`
		Clipped   *string `json:"clipped"`
	} `json:"anderson_ksamp"`
	ADLevels struct {
		Critical []float64 `json:"critical"`
		// [n1, n2, A2akN, statistic, significance level, "capped" | "floored" | null]
		Rows [][6]any `json:"rows"`
	} `json:"ad_levels"`
}

// synthSpec is a pair of gen.py's deterministic samples.
type synthSpec struct {
	N1     int     `json:"n1"`
	N2     int     `json:"n2"`
	C1     float64 `json:"c1"`
	C2     float64 `json:"c2"`
	Shift  float64 `json:"shift"`
	Levels float64 `json:"levels"`
}

// samples rebuilds gen.py's samples: synthetic values, floored to integers
// 0..levels-1 when levels > 0 (heavy ties).
func (s synthSpec) samples() (a, b []float64) {
	a, b = synthetic(s.N1, s.C1, 1, 0), synthetic(s.N2, s.C2, 1, s.Shift)
	if s.Levels > 0 {
		for _, x := range [][]float64{a, b} {
			for i := range x {
				x[i] = math.Floor(x[i] * s.Levels)
			}
		}
	}
	return a, b
}

func (s synthSpec) String() string {
	return fmt.Sprintf("%dx%d_shift%g_levels%g", s.N1, s.N2, s.Shift, s.Levels)
}

func loadADCvMGolden(t *testing.T) adcvmGolden {
	t.Helper()
	var g adcvmGolden
	readJSON(t, "ad_cvm_golden.json", &g)
	if len(g.KV) == 0 || len(g.CvMInf) == 0 || len(g.CvMExact) == 0 || len(g.CvM2Samp) == 0 ||
		len(g.AD) == 0 || len(g.ADLevels.Rows) == 0 {
		t.Fatal("ad_cvm_golden.json is incomplete")
	}
	return g
}

func relDiff(got, want float64) float64 {
	if got == want {
		return 0
	}
	return math.Abs(got-want) / math.Max(math.Abs(got), math.Abs(want))
}

// TestBesselKGolden holds K_nu to scipy.special.kv over x from 1e-300 to
// 690, densest for nu = 1/4. scipy's kv (AMOS) is itself accurate to a few
// 1e-14 (see besselK), which bounds the tolerance.
func TestBesselKGolden(t *testing.T) {
	g := loadADCvMGolden(t)
	worst := 0.0
	for _, row := range g.KV {
		nu, x, want := row[0], row[1], row[2]
		got := besselK(nu, x)
		d := relDiff(got, want)
		worst = max(worst, d)
		if !(d <= 1e-13) {
			t.Errorf("K_%g(%g) = %.17g, scipy %.17g (rel %.2g)", nu, x, got, want, d)
		}
	}
	t.Logf("worst relative difference from scipy.special.kv: %.2g over %d points", worst, len(g.KV))
}

// TestBesselKIdentities checks K_nu where it has a closed form or a known
// limit, independently of scipy and tighter than scipy's own accuracy.
func TestBesselKIdentities(t *testing.T) {
	for _, x := range []float64{1e-300, 1e-12, 1e-3, 0.1, 0.5, 1, 1.5, 2, 5, 6.25, 10, 50, 300, 700} {
		// K_{1/2}(x) = sqrt(pi/(2x)) e^-x (DLMF 10.39.2)
		want := math.Sqrt(math.Pi/(2*x)) * math.Exp(-x)
		if d := relDiff(besselK(0.5, x), want); d > 4e-15 {
			t.Errorf("K_1/2(%g) = %.17g, closed form %.17g (rel %.2g)", x, besselK(0.5, x), want, d)
		}
		if besselK(-0.25, x) != besselK(0.25, x) {
			t.Errorf("K_-1/4(%g) != K_1/4(%g)", x, x)
		}
	}
	// Small x: K_nu(x) ~ Gamma(nu)/2 (2/x)^nu (DLMF 10.30.2).
	if d := relDiff(besselK(0.25, 1e-280), math.Gamma(0.25)/2*math.Pow(2e280, 0.25)); d > 1e-14 {
		t.Errorf("K_1/4(1e-280) off its small-x limit by %.2g", d)
	}
	tests := []struct {
		nu, x float64
		want  float64
	}{
		{0.25, 0, math.Inf(1)},
		{0.25, math.Inf(1), 0},
		{0.25, -1, math.NaN()},
		{0.25, 1e-301, math.NaN()},
		{1.5, 1, math.NaN()},
		{math.NaN(), 1, math.NaN()},
		{0.25, math.NaN(), math.NaN()},
	}
	for _, tt := range tests {
		got := besselK(tt.nu, tt.x)
		if !(got == tt.want || math.IsNaN(got) && math.IsNaN(tt.want)) {
			t.Errorf("K_%g(%g) = %v, want %v", tt.nu, tt.x, got, tt.want)
		}
	}
}

// TestCvMLimitCDFGolden holds the limiting distribution to scipy's
// _cdf_cvm_inf from its 0.003 cut-off to x = 1000.
func TestCvMLimitCDFGolden(t *testing.T) {
	g := loadADCvMGolden(t)
	for _, row := range g.CvMInf {
		x, want := row[0], row[1]
		got := cvmLimitCDF(x)
		// The same series, truncated at the same term; the terms differ
		// only by K_{1/4}'s last digits.
		if !(math.Abs(got-want) <= 1e-13) {
			t.Errorf("cdf_cvm_inf(%g) = %.17g, scipy %.17g", x, got, want)
		}
	}
}

// TestCvMExactGolden holds the exact distribution to scipy's
// _pval_cvm_2samp_exact, also for statistics between lattice values
// (ties). Both count the same paths and divide by C(m+n, m), so they agree
// exactly.
func TestCvMExactGolden(t *testing.T) {
	g := loadADCvMGolden(t)
	for _, row := range g.CvMExact {
		m, n, u, want := int(row[0]), int(row[1]), row[2], row[3]
		if got := cvmExactSF(u, m, n); got != want {
			t.Errorf("exact(%d, %d, u=%v) = %.17g, scipy %.17g", m, n, u, got, want)
		}
	}
}

// TestCvMExactMatchesEnumeration checks the recursion against a brute-force
// count, an independent computation: each choice of the x positions among
// m+n pooled ranks is equally likely, and gives U directly from eq. 10.
func TestCvMExactMatchesEnumeration(t *testing.T) {
	for _, sz := range [][2]int{{2, 2}, {2, 5}, {3, 4}, {4, 4}, {3, 7}, {5, 6}, {6, 6}} {
		m, n := sz[0], sz[1]
		var us []float64
		var walk func(pos int, chosen []int)
		walk = func(pos int, chosen []int) {
			if len(chosen) == m {
				var sx, sy float64
				xi, yi := 0, 0
				for r := 1; r <= m+n; r++ {
					if xi < m && chosen[xi] == r {
						xi++
						sx += float64((r - xi) * (r - xi))
					} else {
						yi++
						sy += float64((r - yi) * (r - yi))
					}
				}
				us = append(us, float64(m)*sx+float64(n)*sy)
				return
			}
			for r := pos; r <= m+n; r++ {
				walk(r+1, append(chosen, r))
			}
		}
		walk(1, nil)
		slices.Sort(us)
		for _, u := range slices.Compact(slices.Clone(us)) {
			atLeast := 0
			for _, v := range us {
				if v >= u {
					atLeast++
				}
			}
			want := float64(atLeast) / float64(len(us))
			if got := cvmExactSF(u, m, n); math.Abs(got-want) > 1e-15 {
				t.Errorf("%dx%d U=%v: p = %.17g, enumeration %.17g", m, n, u, got, want)
			}
		}
	}
}

// TestCramerVonMisesGolden holds cramerVonMises to scipy's
// cramervonmises_2samp on deterministic samples: exact and asymptotic
// p-values, ties, and the p = 1 short cut.
func TestCramerVonMisesGolden(t *testing.T) {
	g := loadADCvMGolden(t)
	ties := loadCvMTies(t)
	for _, c := range g.CvM2Samp {
		t.Run(c.String(), func(t *testing.T) {
			a, b := c.samples()
			stat, p, exact := cramerVonMises(a, b)
			// Few distinct values: the empirical CDFs' statistic, not
			// scipy's (cvm_ties_golden.json).
			for _, tc := range ties.CvM2Samp {
				if tc.N1 == c.N1 && tc.N2 == c.N2 && tc.C2 == c.C2 && tc.Shift == c.Shift && tc.Levels == c.Levels {
					if tc.ScipyStatistic != c.Statistic {
						t.Fatalf("cvm_ties_golden.json was made from another ad_cvm_golden.json")
					}
					c.Statistic, c.PValue = tc.Statistic, tc.PValue
				}
			}
			if d := relDiff(stat, c.Statistic); d > 1e-12 {
				t.Errorf("statistic %.17g, scipy %.17g", stat, c.Statistic)
			}
			if math.Abs(p-c.PValue) > 1e-12 {
				t.Errorf("p %.17g, scipy %.17g", p, c.PValue)
			}
			if exact != (max(c.N1, c.N2) <= 20) {
				t.Errorf("exact %v for %d and %d values", exact, c.N1, c.N2)
			}
		})
	}
}

// TestAndersonDarlingGolden holds andersonDarling to scipy's anderson_ksamp
// on deterministic samples reaching the cap, the floor and the
// interpolation, with and without ties.
func TestAndersonDarlingGolden(t *testing.T) {
	g := loadADCvMGolden(t)
	reached := map[int]int{}
	for _, c := range g.AD {
		t.Run(c.String(), func(t *testing.T) {
			a, b := c.samples()
			stat, sig, clip := andersonDarling(a, b)
			if d := relDiff(stat, c.Statistic); d > 1e-12 {
				t.Errorf("statistic %.17g, scipy %.17g", stat, c.Statistic)
			}
			if d := relDiff(sig, c.Sig); d > 1e-12 {
				t.Errorf("significance level %.17g, scipy %.17g", sig, c.Sig)
			}
			if want := clipOf(c.Clipped); clip != want {
				t.Errorf("clip %d, scipy %d", clip, want)
			}
			reached[clip]++
		})
	}
	for _, clip := range []int{adCapped, adFloored, adInterpolated} {
		if reached[clip] == 0 {
			t.Errorf("no case reaches clip %d", clip)
		}
	}
}

func clipOf(s *string) int {
	switch {
	case s == nil:
		return adInterpolated
	case *s == "capped":
		return adCapped
	case *s == "floored":
		return adFloored
	}
	return 99
}

// TestADLevelsGolden pins the standardisation and the interpolation's
// edges: scipy's own anderson_ksamp, with its A2akN replaced by chosen
// values, gives statistics on the end critical values, one ulp either side
// of them, and on a grid between. At the lower edge the level jumps from
// 0.2457 (interpolated) to 0.25 (capped), at the upper from 0.00101 to
// 0.001: the fitted quadratic misses the table's end points.
func TestADLevelsGolden(t *testing.T) {
	g := loadADCvMGolden(t)
	if !slices.Equal(adCritical[:], g.ADLevels.Critical) {
		t.Errorf("critical values %v, scipy %v", adCritical, g.ADLevels.Critical)
	}
	reached := map[int]int{}
	for _, row := range g.ADLevels.Rows {
		n1, n2 := int(row[0].(float64)), int(row[1].(float64))
		a2kn, wantStat, wantSig := row[2].(float64), row[3].(float64), row[4].(float64)
		var clipName *string
		if s, ok := row[5].(string); ok {
			clipName = &s
		}
		if stat := adStandardize(a2kn, n1, n2); relDiff(stat, wantStat) > 1e-13 {
			t.Errorf("standardize(%v, %d, %d) = %.17g, scipy %.17g", a2kn, n1, n2, stat, wantStat)
		}
		sig, clip := adSignificance(wantStat)
		if relDiff(sig, wantSig) > 1e-13 || clip != clipOf(clipName) {
			t.Errorf("significance(%.17g) = %.17g (clip %d), scipy %.17g (%v)", wantStat, sig, clip, wantSig, row[5])
		}
		reached[clip]++
	}
	for _, clip := range []int{adCapped, adFloored, adInterpolated} {
		if reached[clip] < 3 {
			t.Errorf("clip %d reached %d times", clip, reached[clip])
		}
	}
}

// TestAndersonDarlingUndefined: where scipy raises or returns NaN.
func TestAndersonDarlingUndefined(t *testing.T) {
	tests := []struct {
		name string
		a, b []float64
	}{
		{"empty", nil, []float64{1, 2, 3}},
		{"two values", []float64{1}, []float64{2}},
		{"three values", []float64{1, 2}, []float64{3}}, // scipy: nan
		{"one distinct value", []float64{5, 5, 5}, []float64{5, 5}},
		{"nan", []float64{1, math.NaN()}, []float64{2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stat, sig, clip := andersonDarling(tt.a, tt.b)
			if !math.IsNaN(stat) || !math.IsNaN(sig) || clip != 0 {
				t.Errorf("= %v, %v, %d; want NaN, NaN, 0", stat, sig, clip)
			}
		})
	}
	// Four values, one of them repeated across the samples: defined
	// (scipy: statistic 0, level 0.25 capped).
	if stat, sig, clip := andersonDarling([]float64{1, 1}, []float64{1, 2}); stat != 0 || sig != 0.25 || clip != adCapped {
		t.Errorf("andersonDarling([1 1], [1 2]) = %v, %v, %d", stat, sig, clip)
	}
}

func TestCramerVonMisesUndefined(t *testing.T) {
	for _, tt := range []struct {
		name string
		a, b []float64
	}{
		{"one value", []float64{1}, []float64{2, 3}},
		{"empty", []float64{1, 2}, nil},
		{"nan", []float64{1, 2}, []float64{math.NaN(), 3}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if stat, p, _ := cramerVonMises(tt.a, tt.b); !math.IsNaN(stat) || !math.IsNaN(p) {
				t.Errorf("= %v, %v; want NaN", stat, p)
			}
		})
	}
}

// TestCramerVonMisesOneValue: one value on both sides is as few distinct
// values as there are, so T comes from the empirical CDFs, which are equal
// (both 1 at the value): T = 0 and p = 1 whatever the sizes
// (gen_cvm_ties.py's cvm_ecdf gives (0.0, 1.0) for 5 and 5, 30 and 30,
// 100 and 50). scipy's midrank formula, which assumes no ties, gives 0 only
// for equal sizes: with n = m every rank is (2n+1)/2 and U = 2n * sum_i
// ((2n+1)/2 - i)^2 = n^2 (4n^2 - 1)/6, so T = 0; with 100 and 50 copies
// the same formula in exact fractions gives T = 22499/3600 = 6.2497222 and
// scipy 1.10 agrees, p = 2.0729e-11 (`python3 -c 'import numpy as np; from
// scipy import stats; print(stats.cramervonmises_2samp(np.full(100,.1),
// np.full(50,.1)))'`). cvmRankU, the formula scipy uses, is checked to
// give scipy's value.
func TestCramerVonMisesOneValue(t *testing.T) {
	rep := func(n int) []float64 { return slices.Repeat([]float64{0.1}, n) }
	tests := []struct {
		name       string
		a, b       []float64
		scipyStat  float64
		exactValue bool // the exact p-value (at most 20 a side)
	}{
		{"5 and 5, exact", rep(5), rep(5), 0, true},
		{"30 and 30", rep(30), rep(30), 0, false},
		{"100 and 50", rep(100), rep(50), 22499.0 / 3600, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stat, p, exact := cramerVonMises(tt.a, tt.b)
			if stat != 0 || p != 1 {
				t.Errorf("T = %v, p = %v; want 0 and 1", stat, p)
			}
			if exact != tt.exactValue {
				t.Errorf("exact p-value %v, want %v", exact, tt.exactValue)
			}
			u, _ := cvmRankU(tt.a, tt.b)
			k, N := float64(len(tt.a)*len(tt.b)), float64(len(tt.a)+len(tt.b))
			oracle.CheckStat(t, "scipy's midrank T", u/(k*N)-(4*k-1)/(6*N), tt.scipyStat)
		})
	}
}

func TestNumpyFloorDivide(t *testing.T) {
	tests := []struct{ a, b, want float64 }{
		{7, 2, 3}, {-7, 2, -4}, {7, -2, -4}, {6, 3, 2}, {0.5, 1, 0}, {-0.5, 1, -1},
		{math.Copysign(0, -1), 5, math.Copysign(0, -1)}, {1e17, 3, 3.3333333333333332e+16},
	}
	for _, tt := range tests {
		got := numpyFloorDivide(tt.a, tt.b)
		if got != tt.want || math.Signbit(got) != math.Signbit(tt.want) {
			t.Errorf("%v // %v = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// cvmTies mirrors testdata/cvm_ties_golden.json (gen_cvm_ties.py): the
// Cramer-von Mises test on samples with few distinct values, T from the
// empirical CDFs and its p-value by scipy's rule, beside scipy's own.
type cvmTies struct {
	CvM2Samp []struct {
		synthSpec
		cvmTiesValues
	} `json:"cvm_2samp"`
	AsympDatasets []struct {
		Name, Column string
		cvmTiesValues
	} `json:"asymp_datasets"`
	AsympSynthetic []struct {
		synthSpec
		cvmTiesValues
	} `json:"asymp_synthetic"`
	Poisson struct {
		Ref, Cur []float64
		cvmTiesValues
	} `json:"poisson"`
}

type cvmTiesValues struct {
	Statistic      float64 `json:"statistic"`
	PValue         float64 `json:"pvalue"`
	Method         string  `json:"method"`
	ScipyStatistic float64 `json:"scipy_statistic"`
	ScipyPValue    float64 `json:"scipy_pvalue"`
}

func loadCvMTies(t *testing.T) cvmTies {
	t.Helper()
	var g cvmTies
	readJSON(t, "cvm_ties_golden.json", &g)
	if len(g.CvM2Samp) == 0 || len(g.AsympSynthetic) == 0 || len(g.Poisson.Ref) == 0 {
		t.Fatal("cvm_ties_golden.json is incomplete")
	}
	return g
}

// TestCramerVonMisesTies: on a Poisson(3) reference of 5,000 values and a
// healthy window of 500 (numpy's draws, in the golden file), the
// statistic from the empirical CDFs is gen_cvm_ties.py's, with its
// p-value; scipy's midrank formula, which cvmRankU reproduces, gives
// scipy's T of about 116 and a p-value below 1e-7 on the same samples.
func TestCramerVonMisesTies(t *testing.T) {
	g := loadCvMTies(t).Poisson
	x, y := sortedCopy(g.Ref), sortedCopy(g.Cur)
	if !fewDistinct(distinctValues(x, y), len(x)+len(y)) {
		t.Fatal("the Poisson samples do not count as few distinct values")
	}
	stat, p, exact := cramerVonMises(g.Ref, g.Cur)
	if exact || relDiff(stat, g.Statistic) > 1e-9 || math.Abs(p-g.PValue) > 1e-9 {
		t.Errorf("T = %.17g, p = %.17g (exact %v); want %.17g, %.17g", stat, p, exact, g.Statistic, g.PValue)
	}
	k, N := float64(len(x)*len(y)), float64(len(x)+len(y))
	u, _ := cvmRankU(x, y)
	scipyT := u/(k*N) - (4*k-1)/(6*N)
	if relDiff(scipyT, g.ScipyStatistic) > 1e-9 {
		t.Errorf("the rank formula gives %.17g, scipy %.17g", scipyT, g.ScipyStatistic)
	}
	t.Logf("T %.4f p %.4f; scipy's midrank T %.1f p %.2g", stat, p, g.ScipyStatistic, g.ScipyPValue)
}

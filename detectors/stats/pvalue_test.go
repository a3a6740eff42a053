package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/driftmon/driftmon/detectors/internal/oracle"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/internal/datasets"
)

// asympGolden mirrors testdata/asymp_golden.json (gen_asymp.py, scipy
// 1.10): ks_2samp(method='asymp') and cramervonmises_2samp(method=
// 'asymptotic') on data set slices, cleaned as the oracle cleans them,
// and on gen.py's synthetic samples.
type asympGolden struct {
	KSDatasets   []asympDataset   `json:"ks_datasets"`
	KSSynthetic  []asympSynthetic `json:"ks_synthetic"`
	CvMDatasets  []asympDataset   `json:"cvm_datasets"`
	CvMSynthetic []asympSynthetic `json:"cvm_synthetic"`
}

type asympDataset struct {
	Name, File, Column string
	Ref, Cur           [2]int
	NRef               int     `json:"n_ref"`
	NCur               int     `json:"n_cur"`
	Statistic          float64 `json:"statistic"`
	PValue             float64 `json:"pvalue"`
}

type asympSynthetic struct {
	N1, N2                   int
	C1, C2, Shift, Statistic float64
	Levels                   int
	PValue                   float64 `json:"pvalue"`
}

// synthetic rebuilds gen.py's samples, with_ties included.
func (s asympSynthetic) samples() (a, b []float64) {
	ties := func(x []float64) []float64 {
		if s.Levels > 0 {
			for i := range x {
				x[i] = math.Floor(x[i] * float64(s.Levels))
			}
		}
		return x
	}
	return ties(synthetic(s.N1, s.C1, 1, 0)), ties(synthetic(s.N2, s.C2, 1, s.Shift))
}

// checkAsymptotic holds method's Stat under PValueAsymptotic to scipy's
// asymptotic values, through a sorted pair and, while both samples fit
// the summaries' samples, through FeaturePair.StatWith as Evaluate reads
// it; PValueAuto keeps scipy's automatic choice.
func checkAsymptotic(t *testing.T, method string, r, c []float64, stat, p float64) {
	t.Helper()
	rs, cs := sortedCopy(r), sortedCopy(c)
	pair := &samplePair{ref: rs, cur: cs}
	got := pair.stat(method, PValueAsymptotic)
	oracle.CheckStat(t, method, got.Statistic, stat)
	oracle.CheckP(t, method+" (asymptotic)", *got.PValue, p)
	// The note starts with the p-value's kind; a ties warning may follow
	// (TestOracleGolden checks its text).
	if got.Note != "asymptotic p-value" && !strings.HasPrefix(got.Note, "asymptotic p-value; ties: ") {
		t.Errorf("%s note %q", method, got.Note)
	}
	if len(r) <= drift.DefaultSampleSize && len(c) <= drift.DefaultSampleSize {
		pr := NewFeaturePair(numericSummary("x", nil, r...), numericSummary("x", nil, c...))
		st, nr, nc, ok := pr.StatWith(method, PValueAsymptotic)
		if !ok || nr != uint64(len(r)) || nc != uint64(len(c)) || st.Statistic != got.Statistic || *st.PValue != *got.PValue {
			t.Errorf("FeaturePair %s = %+v (%d, %d), want %+v", method, st, nr, nc, got)
		}
		auto, _, _, _ := pr.Stat(method)
		if want := pair.stat(method, PValueAuto); *auto.PValue != *want.PValue {
			t.Errorf("FeaturePair.Stat %s p = %v, scipy's automatic choice %v", method, *auto.PValue, *want.PValue)
		}
	}
}

// TestAsymptoticGolden: above their bounds, ks and cramer_von_mises under
// PValueAsymptotic give scipy's method='asymp' / 'asymptotic' values.
func TestAsymptoticGolden(t *testing.T) {
	var g asympGolden
	readJSON(t, "asymp_golden.json", &g)
	if len(g.KSDatasets) == 0 || len(g.KSSynthetic) == 0 || len(g.CvMDatasets) == 0 || len(g.CvMSynthetic) == 0 {
		t.Fatal("asymp_golden.json is incomplete")
	}
	for _, s := range g.KSSynthetic {
		t.Run(fmt.Sprintf("ks/%dx%d_shift%g_levels%d", s.N1, s.N2, s.Shift, s.Levels), func(t *testing.T) {
			a, b := s.samples()
			checkAsymptotic(t, MethodKS, a, b, s.Statistic, s.PValue)
		})
	}
	// Few distinct values: the empirical CDFs' statistic, not scipy's
	// (cvm_ties_golden.json).
	ties := loadCvMTies(t)
	for _, s := range g.CvMSynthetic {
		t.Run(fmt.Sprintf("cvm/%dx%d_shift%g_levels%d", s.N1, s.N2, s.Shift, s.Levels), func(t *testing.T) {
			a, b := s.samples()
			stat, p := s.Statistic, s.PValue
			for _, tc := range ties.AsympSynthetic {
				if tc.N1 == s.N1 && tc.N2 == s.N2 && tc.Shift == s.Shift && int(tc.Levels) == s.Levels {
					stat, p = tc.Statistic, tc.PValue
				}
			}
			checkAsymptotic(t, MethodCramerVonMises, a, b, stat, p)
		})
	}
	dir := datasets.Dir(t)
	for method, cases := range map[string][]asympDataset{MethodKS: g.KSDatasets, MethodCramerVonMises: g.CvMDatasets} {
		for _, c := range cases {
			t.Run(method+"/"+c.Name+"/"+c.Column, func(t *testing.T) {
				raw := oracle.Values(t, dir, c.File, c.Column)
				r, x := oracle.Numbers(t, raw[c.Ref[0]:c.Ref[1]]), oracle.Numbers(t, raw[c.Cur[0]:c.Cur[1]])
				if len(r) != c.NRef || len(x) != c.NCur {
					t.Fatalf("sizes %d, %d; oracle %d, %d", len(r), len(x), c.NRef, c.NCur)
				}
				stat, p := c.Statistic, c.PValue
				for _, tc := range ties.AsympDatasets {
					if method == MethodCramerVonMises && tc.Name == c.Name && tc.Column == c.Column {
						stat, p = tc.Statistic, tc.PValue
					}
				}
				checkAsymptotic(t, method, r, x, stat, p)
			})
		}
	}
}

// TestAsymptoticBounds: below its bound each test keeps scipy's automatic
// (exact) p-value under PValueAsymptotic; from it, the asymptotic one.
func TestAsymptoticBounds(t *testing.T) {
	for _, tc := range []struct {
		method string
		n1, n2 int
		exact  bool
	}{
		{MethodKS, 99, 101, true}, {MethodKS, 100, 100, false}, {MethodKS, 1, 9999, true}, {MethodKS, 1, 10000, false},
		{MethodCramerVonMises, 9, 11, true}, {MethodCramerVonMises, 10, 10, false}, {MethodCramerVonMises, 5, 20, false},
		{MethodCramerVonMises, 4, 20, true},
	} {
		a, b := synthetic(tc.n1, 0.6180339887498949, 1, 0), synthetic(tc.n2, 0.7548776662466927, 1, 0.1)
		pair := &samplePair{ref: sortedCopy(a), cur: sortedCopy(b)}
		got, auto := pair.stat(tc.method, PValueAsymptotic), pair.stat(tc.method, PValueAuto)
		if auto.Note != "exact p-value" {
			t.Fatalf("%s %dx%d: scipy's automatic choice is not exact here", tc.method, tc.n1, tc.n2)
		}
		if wantNote := map[bool]string{true: "exact p-value", false: "asymptotic p-value"}[tc.exact]; got.Note != wantNote ||
			tc.exact && *got.PValue != *auto.PValue {
			t.Errorf("%s %dx%d: %q p = %v, automatic %v", tc.method, tc.n1, tc.n2, got.Note, *got.PValue, *auto.PValue)
		}
	}
}

// TestAsymptoticNearExact holds the distance between the asymptotic and
// the exact p-values to what PValueAsymptotic's doc says was measured:
// for KS, every lattice statistic down to an asymptotic p-value of 1e-5
// at sizes from its bound (n_ref n_cur >= 10,000) to 1,000 a side, at
// most 0.012 where the exact p-value lies in [0.01, 0.1] and 0.040
// anywhere; for Cramer-von Mises, 300 random pairs (normal, shifted by up
// to 2) at every pair of sizes up to 20 from its bound (10 x 10), at most
// 0.009 and 0.031. The short run checks the sizes where the worst cases
// lie; DRIFTMON_PVALUE_GRID=1 runs the whole grid (three minutes).
func TestAsymptoticNearExact(t *testing.T) {
	full := os.Getenv("DRIFTMON_PVALUE_GRID") != ""
	ksSizes := [][2]int{{100, 100}, {100, 101}, {20, 1000}, {100, 200}, {1000, 1000}}
	if full {
		ksSizes = nil
		for _, n1 := range []int{1, 2, 5, 10, 20, 50, 100, 101, 200, 500, 1000} {
			for _, n2 := range []int{100, 101, 150, 200, 307, 500, 1000, 1001, 2000, 5000, 10000} {
				if n2 >= n1 && n1*n2 >= KSAsymptoticFrom {
					ksSizes = append(ksSizes, [2]int{n1, n2})
				}
			}
		}
	}
	var ksAll, ksLevel float64
	for _, sz := range ksSizes {
		n1, n2 := sz[0], sz[1]
		lcm := n1 / gcd(n1, n2) * n2
		seen := map[float64]bool{}
		for s := 1; s <= 600; s++ {
			d := math.RoundToEven(float64(s)/100/math.Sqrt(float64(n1*n2)/float64(n1+n2))*float64(lcm)) / float64(lcm)
			if seen[d] || d > 1 {
				continue
			}
			seen[d] = true
			pa := ksAsymptotic(n1, n2, d)
			if pa < 1e-5 {
				break
			}
			if _, pe, ok := ksExact(n1, n2, d); ok {
				ksAll = max(ksAll, math.Abs(pe-pa))
				if pe >= 0.01 && pe <= 0.1 {
					ksLevel = max(ksLevel, math.Abs(pe-pa))
				}
			}
		}
	}
	if ksAll > 0.040 || ksLevel > 0.012 {
		t.Errorf("KS: asymptotic p-value off the exact one by up to %.4f (%.4f in [0.01, 0.1])", ksAll, ksLevel)
	}
	cvmSizes := [][2]int{{10, 10}, {10, 11}, {11, 11}, {12, 12}}
	if full {
		cvmSizes = nil
		for m := 2; m <= 20; m++ {
			for n := m; n <= 20; n++ {
				if m*n >= CvMAsymptoticFrom {
					cvmSizes = append(cvmSizes, [2]int{m, n})
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var cvmAll, cvmLevel float64
	for _, sz := range cvmSizes {
		for range 300 {
			x, y := make([]float64, sz[0]), make([]float64, sz[1])
			shift := 2 * rng.Float64()
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			for i := range y {
				y[i] = rng.NormFloat64() + shift
			}
			slices.Sort(x)
			slices.Sort(y)
			_, pe, _ := cramerVonMisesSorted(x, y, nil, PValueAuto)
			_, pa, _ := cramerVonMisesSorted(x, y, nil, PValueAsymptotic)
			cvmAll = max(cvmAll, math.Abs(pe-pa))
			if pe >= 0.01 && pe <= 0.1 {
				cvmLevel = max(cvmLevel, math.Abs(pe-pa))
			}
		}
	}
	if cvmAll > 0.031 || cvmLevel > 0.009 {
		t.Errorf("Cramer-von Mises: asymptotic p-value off the exact one by up to %.4f (%.4f in [0.01, 0.1])", cvmAll, cvmLevel)
	}
	t.Logf("KS: %.4f, %.4f in [0.01, 0.1]; Cramer-von Mises: %.4f, %.4f", ksAll, ksLevel, cvmAll, cvmLevel)
}

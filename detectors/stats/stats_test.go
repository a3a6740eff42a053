package stats

import (
	"math"
	"slices"
	"sort"
	"testing"

	"github.com/driftmon/driftmon/drift"
)

// TestNumericStatsMatchesFunctions: NumericStats, which sorts once and
// shares, gives what each statistic function gives on its own, at sizes on
// both sides of the radix sort's threshold and of the exact KS limit.
func TestNumericStatsMatchesFunctions(t *testing.T) {
	for _, n := range [][2]int{{15, 20}, {700, 300}, {20000, 30000}} {
		r := synthetic(n[0], 0.6180339887498949, 1, 0)
		c := synthetic(n[1], 0.7548776662466927, 1.1, 0.02)
		// some ties and negative values
		for i := range c {
			if i%7 == 0 {
				c[i] = math.Round(c[i]*20)/20 - 0.5
			}
		}
		got := NumericStats(slices.Clone(r), slices.Clone(c), nil)
		sorted := slices.Clone(r)
		sort.Float64s(sorted)
		edges := drift.DecileEdges(sorted)
		rc, cc := binValues(edges, r), binValues(edges, c)
		d, ksP := ks(r, c)
		ad, sig, _ := andersonDarling(r, c)
		cvm, cvmP, _ := cramerVonMises(r, c)
		want := map[string][2]float64{
			MethodKS:              {d, ksP},
			MethodWasserstein:     {wasserstein(r, c), math.NaN()},
			MethodWassersteinNorm: {wasserstein(r, c) / populationStd(r), math.NaN()},
			MethodEnergy:          {energy(r, c), math.NaN()},
			MethodAndersonDarling: {ad, sig},
			MethodCramerVonMises:  {cvm, cvmP},
			MethodPSI:             {psi(rc, cc), math.NaN()},
			MethodKL:              {kl(rc, cc), math.NaN()},
			MethodJensenShannon:   {jensenShannon(rc, cc), math.NaN()},
			MethodHellinger:       {hellinger(rc, cc), math.NaN()},
		}
		if len(got) != len(Methods(drift.Numeric)) {
			t.Fatalf("%d stats", len(got))
		}
		for i, st := range got {
			w, ok := want[st.Method]
			if !ok || st.Method != Methods(drift.Numeric)[i] {
				t.Errorf("stat %d: method %s", i, st.Method)
				continue
			}
			// Sorted order changes only numpy's summation order of the
			// reference's std; everything else is bit for bit.
			if !closeRel(st.Statistic, w[0], 1e-14) {
				t.Errorf("%v %s = %.17g, function %.17g", n, st.Method, st.Statistic, w[0])
			}
			if math.IsNaN(w[1]) != (st.PValue == nil) || st.PValue != nil && *st.PValue != w[1] {
				t.Errorf("%v %s p = %v, function %v", n, st.Method, st.PValue, w[1])
			}
		}
	}
}

// seq is from, from+1, ..., up to to.
func seq(from, to float64) []float64 {
	var out []float64
	for x := from; x <= to; x++ {
		out = append(out, x)
	}
	return out
}

func TestNumericStatsInputs(t *testing.T) {
	t.Run("sorts in place", func(t *testing.T) {
		r, c := []float64{3, 1, 2}, []float64{9, 7, 8, 7}
		NumericStats(r, c, []string{MethodKS})
		if !slices.Equal(r, []float64{1, 2, 3}) || !slices.Equal(c, []float64{7, 7, 8, 9}) {
			t.Errorf("r %v c %v", r, c)
		}
	})
	t.Run("chosen methods in the given order", func(t *testing.T) {
		got := NumericStats([]float64{1, 2, 3, 4}, []float64{2, 3, 4, 5}, []string{MethodPSI, MethodKS, "nope", MethodKS})
		if len(got) != 4 || got[0].Method != MethodPSI || got[1].Method != MethodKS || got[3].Method != MethodKS {
			t.Fatalf("%+v", got)
		}
		if !math.IsNaN(got[2].Statistic) || got[2].Note != "unknown numeric method" || got[2].PValue != nil {
			t.Errorf("unknown method: %+v", got[2])
		}
		if got[1].Statistic != got[3].Statistic || got[1].PValue == nil || got[1].Note != "exact p-value" {
			t.Errorf("ks %+v %+v", got[1], got[3])
		}
	})
	bad := []struct {
		name   string
		r, c   []float64
		reason string
	}{
		{"empty reference", nil, []float64{1}, "reference sample is empty"},
		{"empty current", []float64{1}, []float64{}, "current sample is empty"},
		{"nan", []float64{1, math.NaN()}, []float64{1}, "reference sample holds a non-finite value"},
		{"inf", []float64{1}, []float64{math.Inf(-1)}, "current sample holds a non-finite value"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			for _, st := range NumericStats(tt.r, tt.c, nil) {
				if !math.IsNaN(st.Statistic) || st.PValue != nil || st.Note != tt.reason {
					t.Errorf("%s: %+v", st.Method, st)
				}
			}
		})
	}
	t.Run("undefined methods say why", func(t *testing.T) {
		want := map[string]string{
			MethodWassersteinNorm: "reference std is 0",
			MethodAndersonDarling: "all values are identical",
		}
		for _, st := range NumericStats([]float64{2, 2, 2}, []float64{2, 2}, nil) {
			if note, undefined := want[st.Method]; undefined {
				if !math.IsNaN(st.Statistic) || st.PValue != nil || st.Note != note {
					t.Errorf("%s: %+v", st.Method, st)
				}
			} else if math.IsNaN(st.Statistic) {
				t.Errorf("%s undefined: %+v", st.Method, st)
			}
		}
		got := NumericStats([]float64{1}, []float64{2, 3}, []string{MethodAndersonDarling, MethodCramerVonMises})
		if got[0].Note != "needs at least four values in all" || got[1].Note != "needs at least two values a side" {
			t.Errorf("%+v", got)
		}
	})
	t.Run("clipped significance level", func(t *testing.T) {
		got := NumericStats(seq(1, 30), seq(31, 60), []string{MethodAndersonDarling})
		if got[0].PValue == nil || *got[0].PValue != 0.001 || got[0].Note != "significance level floored at 0.001" {
			t.Errorf("separated: %+v", got[0])
		}
		// The same 30 values twice: 30 distinct values in 60, which the
		// note calls few.
		got = NumericStats(seq(1, 30), seq(1, 30), []string{MethodAndersonDarling})
		if got[0].PValue == nil || *got[0].PValue != 0.25 ||
			got[0].Note != "significance level capped at 0.25; ties: 30 distinct values in 60; midrank statistic, level for continuous data" {
			t.Errorf("identical: %+v", got[0])
		}
	})
}

func TestCategoricalStats(t *testing.T) {
	ref, cur := []uint64{30, 70}, []uint64{45, 55}
	got := CategoricalStats(ref, cur, nil)
	if len(got) != len(Methods(drift.Categorical)) {
		t.Fatalf("%d stats", len(got))
	}
	chi, chiP, _ := chi2(ref, cur)
	z, zp := zTest(ref, cur)
	want := map[string]float64{
		MethodChi2: chi, MethodZTest: z, MethodTVD: tvd(ref, cur), MethodPSI: psi(ref, cur),
		MethodKL: kl(ref, cur), MethodJensenShannon: jensenShannon(ref, cur), MethodHellinger: hellinger(ref, cur),
	}
	for i, st := range got {
		if st.Method != Methods(drift.Categorical)[i] || st.Statistic != want[st.Method] {
			t.Errorf("stat %d: %+v, want %v", i, st, want[st.Method])
		}
		if (st.PValue != nil) != IsPValueMethod(st.Method) {
			t.Errorf("%s p-value %v", st.Method, st.PValue)
		}
	}
	if *got[0].PValue != chiP || *got[5].PValue != zp {
		t.Errorf("p-values %v %v", *got[0].PValue, *got[5].PValue)
	}

	three := CategoricalStats([]uint64{1, 2, 3}, []uint64{3, 2, 1}, []string{MethodZTest, MethodTVD})
	if !math.IsNaN(three[0].Statistic) || three[0].PValue != nil || three[0].Note != "needs exactly two categories" {
		t.Errorf("three categories: %+v", three[0])
	}
	if !closeRel(three[1].Statistic, 0.5*(2.0/6+0+2.0/6), 1e-15) {
		t.Errorf("tvd %v", three[1].Statistic)
	}
	for _, tt := range []struct {
		name     string
		ref, cur []uint64
		note     string
	}{
		{"lengths", []uint64{1, 2}, []uint64{1}, "reference and current counts differ in length"},
		{"empty reference", []uint64{0, 0}, []uint64{1, 2}, "reference sample is empty"},
		{"empty current", []uint64{1, 2}, []uint64{0, 0}, "current sample is empty"},
	} {
		for _, st := range CategoricalStats(tt.ref, tt.cur, nil) {
			if !math.IsNaN(st.Statistic) || st.Note != tt.note || st.PValue != nil {
				t.Errorf("%s: %+v", tt.name, st)
			}
		}
	}
	if st := CategoricalStats(ref, cur, []string{"nope"}); st[0].Note != "unknown categorical method" {
		t.Errorf("%+v", st)
	}
}

func TestZTestHand(t *testing.T) {
	tests := []struct {
		name     string
		ref, cur []uint64
		z, p     float64 // NaN: undefined
	}{
		// 50/100 against 50/100: no difference.
		{"equal shares", []uint64{50, 50}, []uint64{50, 50}, 0, 1},
		// p_r = 0.5, p_c = 0.3, pooled 0.4 over 100 + 100:
		// z = 0.2 / sqrt(0.24 * 0.02) = 2.886751345948129.
		{"shift", []uint64{50, 50}, []uint64{30, 70}, 0.2 / math.Sqrt(0.24*0.02), math.Erfc(0.2 / math.Sqrt(0.24*0.02) / math.Sqrt2)},
		// A category empty on both sides is no category.
		{"empty column dropped", []uint64{50, 0, 50}, []uint64{50, 0, 50}, 0, 1},
		{"one category", []uint64{5}, []uint64{7}, math.NaN(), math.NaN()},
		{"three categories", []uint64{1, 1, 1}, []uint64{1, 1, 1}, math.NaN(), math.NaN()},
		{"empty side", []uint64{0, 0}, []uint64{1, 1}, math.NaN(), math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z, p := zTest(tt.ref, tt.cur)
			if math.IsNaN(tt.z) {
				if !math.IsNaN(z) || !math.IsNaN(p) {
					t.Errorf("= %v, %v; want NaN", z, p)
				}
				return
			}
			if !closeRel(z, tt.z, 1e-14) || !closeRel(p, tt.p, 1e-14) {
				t.Errorf("= %.17g, %.17g; want %.17g, %.17g", z, p, tt.z, tt.p)
			}
			// swapping the sides flips the sign only
			if z2, p2 := zTest(tt.cur, tt.ref); z2 != -z || p2 != p {
				t.Errorf("swapped: %v, %v", z2, p2)
			}
		})
	}
}

// TestNormalSFTail: the tail keeps its relative precision (the z-test's
// p-values at large samples are far below 1e-9).
func TestNormalSFTail(t *testing.T) {
	for _, x := range []float64{-3, -0.5, 0, 0.5, 0.7071, 0.7072, 3, 9.797958971132712, 20, 38} {
		want := 0.5 * math.Erfc(x/math.Sqrt2)
		if !closeRel(normalSF(x), want, 1e-15) {
			t.Errorf("normalSF(%v) = %.17g, want %.17g", x, normalSF(x), want)
		}
	}
}

// TestWassersteinNormZeroSpread: over a reference of one value repeated,
// wasserstein_norm has no finite value, by every path. numpy does not say
// so by itself: np.std of 100 copies of 0.1 is 2.7755575615628914e-17, not
// 0, and W / np.std of 0.1 against 0.2 is 3602879701896397
// (`python3 -c 'import numpy as np; from scipy import stats;
// r=np.full(100,.1); print(np.std(r), stats.wasserstein_distance(r, np.full(100,.2))/np.std(r))'`).
// The last two cases, with spread, are worked by hand: W of {0, 1} and
// {1, 2} is 1 (each quantile moves by 1), np.std({0, 1}) = 0.5, so 2; and
// W of {0, 1} against itself is 0.
func TestWassersteinNormZeroSpread(t *testing.T) {
	rep := func(x float64, n int) []float64 { return slices.Repeat([]float64{x}, n) }
	tests := []struct {
		name     string
		ref, cur []float64
		want     float64 // NaN: no value, with the note
	}{
		{"three 2s", rep(2, 3), rep(2, 2), math.NaN()},
		{"0.1 against 0.2", rep(0.1, 100), rep(0.2, 100), math.NaN()},
		{"0.1 against itself, other sizes", rep(0.1, 100), rep(0.1, 50), math.NaN()},
		{"vicprice's imputed value", rep(0.003467, 4531), rep(0.004, 2000), math.NaN()},
		{"beyond the exact sample: the sketch path", rep(0.1, 3*drift.DefaultSampleSize), rep(0.2, 3*drift.DefaultSampleSize), math.NaN()},
		{"spread", []float64{0, 1}, []float64{1, 2}, 2},
		{"spread, no distance", []float64{0, 1}, []float64{0, 1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := func(path string, st Stat) {
				t.Helper()
				if math.IsNaN(tt.want) {
					if !math.IsNaN(st.Statistic) || st.Note != "reference std is 0" {
						t.Errorf("%s: %v (note %q), want no value and the note", path, st.Statistic, st.Note)
					}
				} else if st.Statistic != tt.want || st.Note != "" {
					t.Errorf("%s: %v (note %q), want %v", path, st.Statistic, st.Note, tt.want)
				}
			}
			if len(tt.ref) <= drift.DefaultSampleSize {
				check("NumericStats", NumericStats(slices.Clone(tt.ref), slices.Clone(tt.cur), []string{MethodWassersteinNorm})[0])
			}
			// serve's path: prepared summaries (sketched beyond the
			// sample), where a statistic without a value is no result.
			pr := Prepare(numericSummary("x", nil, tt.ref...)).Pair(numericSummary("x", nil, tt.cur...))
			st, _, _, ok := pr.Stat(MethodWassersteinNorm)
			switch {
			case math.IsNaN(tt.want) && ok:
				t.Errorf("FeaturePair: %v, want no result", st.Statistic)
			case !math.IsNaN(tt.want) && (!ok || st.Statistic != tt.want):
				t.Errorf("FeaturePair: %v (ok %v), want %v", st.Statistic, ok, tt.want)
			}
		})
	}
}

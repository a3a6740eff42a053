package stats

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/driftmon/driftmon/detectors/internal/oracle"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/internal/datasets"
)

// The golden files and the command that made them: see testdata/README.md.

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read golden: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
}

// closeRel is the golden tests' relative comparison, for the tests that
// hold the hand-written parts tighter than the oracle's tolerance.
var closeRel = oracle.CloseRel

// TestOracleGolden holds every statistic function, and NumericStats and
// CategoricalStats, to the oracle on slices of the real data sets, and
// checks that the cases reach every path of the hand-written tests.
func TestOracleGolden(t *testing.T) {
	g := oracle.Load(t, filepath.Join("testdata", "oracle_golden.json"))
	dir := datasets.Dir(t)
	reached := map[string]int{}
	for _, c := range g.Cases {
		for _, col := range c.Columns {
			t.Run(c.Name+"/"+col.Kind+"/"+col.Column, func(t *testing.T) {
				raw := oracle.Values(t, dir, c.File, col.Column)
				rRaw, cRaw := raw[c.Ref[0]:c.Ref[1]], raw[c.Cur[0]:c.Cur[1]]
				if col.Kind == "numeric" {
					checkNumericGolden(t, oracle.Numbers(t, rRaw), oracle.Numbers(t, cRaw), col, reached)
				} else {
					checkCategoricalGolden(t, oracle.Categories(rRaw), oracle.Categories(cRaw), col, reached)
				}
			})
		}
	}
	for _, path := range []string{
		"ad interpolated", "ad capped", "ad floored", "ad undefined",
		"cvm exact", "cvm exact ties", "cvm asymptotic", "cvm asymptotic ties", "cvm p=1 below 0.003",
		"z_test two categories", "z_test unseen in reference", "z_test one category", "z_test many categories",
	} {
		if reached[path] == 0 {
			t.Errorf("no golden case reaches %s", path)
		}
	}
}

func checkNumericGolden(t *testing.T, r, c []float64, want oracle.Column, reached map[string]int) {
	t.Helper()
	if len(r) != want.NRef || len(c) != want.NCur {
		t.Fatalf("sizes %d, %d; oracle %d, %d", len(r), len(c), want.NRef, want.NCur)
	}
	rCopy, cCopy := slices.Clone(r), slices.Clone(c)
	d, p := ks(r, c)
	oracle.CheckStat(t, "ks", d, want.KSStatistic)
	oracle.CheckP(t, "ks ("+want.KSMethod+")", p, want.KSPValue)
	w := wasserstein(r, c)
	oracle.CheckStat(t, "wasserstein", w, want.Wasserstein)
	// gen.py leaves the oracle's wasserstein_norm out over a reference of
	// one value, where np.std can be rounding noise (spreadStd).
	if sd := spreadStd(slices.Sorted(slices.Values(r))); want.WassersteinNorm == nil {
		if sd != 0 {
			t.Errorf("reference std %g, oracle has no wasserstein_norm", sd)
		}
	} else {
		oracle.CheckStat(t, "wasserstein_norm", w/sd, *want.WassersteinNorm)
	}
	oracle.CheckStat(t, "energy", energy(r, c), want.Energy)

	ad, sig, clip := andersonDarling(r, c)
	if want.ADStatistic == nil {
		reached["ad undefined"]++
		if !math.IsNaN(ad) || !math.IsNaN(sig) {
			t.Errorf("anderson_darling = %v, %v; scipy raises", ad, sig)
		}
	} else {
		oracle.CheckStat(t, "anderson_darling", ad, *want.ADStatistic)
		oracle.CheckP(t, "anderson_darling", sig, *want.ADPValue)
		wantClip := map[string]int{"capped": adCapped, "floored": adFloored}[deref(want.ADClipped)]
		if clip != wantClip {
			t.Errorf("anderson_darling clip %d, scipy %q", clip, deref(want.ADClipped))
		}
		reached["ad "+map[int]string{adCapped: "capped", adFloored: "floored", adInterpolated: "interpolated"}[clip]]++
	}
	cvm, cvmP, exact := cramerVonMises(r, c)
	if want.CvMStatistic == nil {
		if !math.IsNaN(cvm) {
			t.Errorf("cramer_von_mises = %v; scipy raises", cvm)
		}
	} else {
		oracle.CheckStat(t, "cramer_von_mises", cvm, *want.CvMStatistic)
		oracle.CheckP(t, "cramer_von_mises", cvmP, *want.CvMPValue)
		method := map[bool]string{true: "exact", false: "asymptotic"}[exact]
		if method != deref(want.CvMMethod) {
			t.Errorf("cramer_von_mises %s, scipy %s", method, deref(want.CvMMethod))
		}
		if hasTies(r, c) {
			method += " ties"
		}
		reached["cvm "+method]++
		if !exact && *want.CvMPValue == 1 {
			reached["cvm p=1 below 0.003"]++
		}
	}
	if !slices.Equal(r, rCopy) || !slices.Equal(c, cCopy) {
		t.Fatal("inputs modified")
	}

	sorted := slices.Clone(r)
	sort.Float64s(sorted)
	edges := drift.DecileEdges(sorted)
	rc, cc := binValues(edges, r), binValues(edges, c)
	oracle.CheckStat(t, "psi", psi(rc, cc), want.PSI)
	oracle.CheckStat(t, "kl", kl(rc, cc), want.KL)
	oracle.CheckStat(t, "jensen_shannon", jensenShannon(rc, cc), want.JS)
	oracle.CheckStat(t, "hellinger", hellinger(rc, cc), want.Hellinger)

	got := NumericStats(rCopy, cCopy, nil)
	checkStatsAgainstOracle(t, got, Methods(drift.Numeric), want)
	if !slices.IsSorted(rCopy) || !slices.IsSorted(cCopy) {
		t.Error("NumericStats left its inputs unsorted")
	}
	for _, st := range got {
		var wantNote string
		switch st.Method {
		case MethodKS:
			wantNote = "exact p-value"
			if want.KSMethod != "exact" {
				wantNote = "asymptotic p-value"
			}
		case MethodCramerVonMises:
			wantNote = map[string]string{"exact": "exact p-value", "asymptotic": "asymptotic p-value"}[deref(want.CvMMethod)]
		case MethodAndersonDarling:
			wantNote = map[string]string{"capped": "significance level capped at 0.25",
				"floored": "significance level floored at 0.001"}[deref(want.ADClipped)]
			if want.ADStatistic == nil {
				wantNote = "all values are identical"
			}
		case MethodWassersteinNorm:
			if want.WassersteinNorm == nil {
				wantNote = "reference std is 0"
			}
		}
		// Few distinct values (at most one per two values, counted here):
		// the tests for continuous data warn.
		pooled := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(r), c...))))
		if n := len(r) + len(c); 2*len(pooled) <= n && wantNote != "all values are identical" {
			ties := map[string]string{
				MethodKS:              "p-value for continuous data (conservative)",
				MethodAndersonDarling: "midrank statistic, level for continuous data",
				MethodCramerVonMises:  "T from the CDFs, not scipy's midranks; p-value for continuous data",
			}[st.Method]
			if ties != "" {
				wantNote = strings.TrimPrefix(wantNote+fmt.Sprintf("; ties: %d distinct values in %d; %s", len(pooled), n, ties), "; ")
			}
		}
		if st.Note != wantNote {
			t.Errorf("NumericStats %s note %q, want %q", st.Method, st.Note, wantNote)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// hasTies says whether the pooled sample repeats a value.
func hasTies(r, c []float64) bool {
	all := append(slices.Clone(r), c...)
	slices.Sort(all)
	return len(slices.Compact(all)) < len(r)+len(c)
}

// checkStatsAgainstOracle checks NumericStats' or CategoricalStats' result
// for every method of the kind, in order.
func checkStatsAgainstOracle(t *testing.T, got []Stat, methods []string, want oracle.Column) {
	t.Helper()
	if len(got) != len(methods) {
		t.Fatalf("%d stats for %d methods", len(got), len(methods))
	}
	for i, st := range got {
		what := "stats " + st.Method
		if st.Method != methods[i] {
			t.Errorf("stat %d is %s, want %s", i, st.Method, methods[i])
		}
		stat, p, defined, known := oracle.Want(want, st.Method)
		switch {
		case !known:
			t.Errorf("%s: not in the golden file", what)
		case !defined:
			if !math.IsNaN(st.Statistic) || st.PValue != nil || st.Note == "" {
				t.Errorf("%s = %v, %v, note %q; the oracle has no value", what, st.Statistic, st.PValue, st.Note)
			}
		default:
			oracle.CheckStat(t, what, st.Statistic, stat)
			if (p == nil) != (st.PValue == nil) {
				t.Errorf("%s: p-value %v, oracle %v", what, st.PValue, p)
			} else if p != nil {
				oracle.CheckP(t, what, *st.PValue, *p)
			}
		}
	}
}

func checkCategoricalGolden(t *testing.T, r, c map[string]uint64, want oracle.Column, reached map[string]int) {
	t.Helper()
	rc, cc := alignCategories(r, c)
	if int(sum(rc)) != want.NRef || int(sum(cc)) != want.NCur || len(rc) != want.NCategories {
		t.Fatalf("sizes %d, %d, %d categories; oracle %d, %d, %d",
			sum(rc), sum(cc), len(rc), want.NRef, want.NCur, want.NCategories)
	}
	stat, p, dof := chi2(rc, cc)
	oracle.CheckStat(t, "chi2", stat, want.Chi2Statistic)
	oracle.CheckP(t, "chi2", p, want.Chi2PValue)
	if dof != want.Chi2DOF {
		t.Errorf("chi2 dof %d, oracle %d", dof, want.Chi2DOF)
	}
	oracle.CheckStat(t, "psi", psi(rc, cc), want.PSI)
	oracle.CheckStat(t, "kl", kl(rc, cc), want.KL)
	oracle.CheckStat(t, "jensen_shannon", jensenShannon(rc, cc), want.JS)
	oracle.CheckStat(t, "hellinger", hellinger(rc, cc), want.Hellinger)
	oracle.CheckStat(t, "tvd", tvd(rc, cc), want.TVD)
	z, zp := zTest(rc, cc)
	switch {
	case want.ZStatistic == nil:
		if !math.IsNaN(z) || !math.IsNaN(zp) {
			t.Errorf("z_test = %v, %v for %d categories", z, zp, len(rc))
		}
		reached[map[bool]string{true: "z_test one category", false: "z_test many categories"}[len(rc) == 1]]++
	default:
		oracle.CheckStat(t, "z_test", z, *want.ZStatistic)
		oracle.CheckP(t, "z_test", zp, *want.ZPValue)
		// Two categories: z^2 is the uncorrected chi-square statistic.
		oracle.CheckStat(t, "z_test squared", z*z, want.Chi2Statistic)
		reached["z_test two categories"]++
		if slices.Contains(rc, 0) {
			reached["z_test unseen in reference"]++
		}
	}
	checkStatsAgainstOracle(t, CategoricalStats(rc, cc, nil), Methods(drift.Categorical), want)
}

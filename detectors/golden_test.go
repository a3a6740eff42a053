package detectors

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
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

// datasetsDir finds the shared data sets (see internal/datasets): skipped
// without them, failed under DRIFTMON_REQUIRE_INTEGRATION.
func datasetsDir(t *testing.T) string { return datasets.Dir(t) }

// closeRel is the golden tests' relative comparison, for the tests that
// hold the hand-written parts tighter than the oracle's tolerance.
var closeRel = oracle.CloseRel

// TestOracleGolden holds every statistic function, and NumericStats and
// CategoricalStats, to the oracle on slices of the real data sets, and
// checks that the cases reach every path of the hand-written tests.
func TestOracleGolden(t *testing.T) {
	g := oracle.Load(t, filepath.Join("testdata", "oracle_golden.json"))
	dir := datasetsDir(t)
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
	d, p := KS(r, c)
	oracle.CheckStat(t, "ks", d, want.KSStatistic)
	oracle.CheckP(t, "ks ("+want.KSMethod+")", p, want.KSPValue)
	w := Wasserstein(r, c)
	oracle.CheckStat(t, "wasserstein", w, want.Wasserstein)
	if sd := populationStd(r); want.WassersteinNorm == nil {
		if sd != 0 {
			t.Errorf("reference std %g, oracle has no wasserstein_norm", sd)
		}
	} else {
		oracle.CheckStat(t, "wasserstein_norm", w/sd, *want.WassersteinNorm)
	}
	oracle.CheckStat(t, "energy", Energy(r, c), want.Energy)

	ad, sig, clip := AndersonDarling(r, c)
	if want.ADStatistic == nil {
		reached["ad undefined"]++
		if !math.IsNaN(ad) || !math.IsNaN(sig) {
			t.Errorf("anderson_darling = %v, %v; scipy raises", ad, sig)
		}
	} else {
		oracle.CheckStat(t, "anderson_darling", ad, *want.ADStatistic)
		oracle.CheckP(t, "anderson_darling", sig, *want.ADPValue)
		wantClip := map[string]int{"capped": ADCapped, "floored": ADFloored}[deref(want.ADClipped)]
		if clip != wantClip {
			t.Errorf("anderson_darling clip %d, scipy %q", clip, deref(want.ADClipped))
		}
		reached["ad "+map[int]string{ADCapped: "capped", ADFloored: "floored", ADInterpolated: "interpolated"}[clip]]++
	}
	cvm, cvmP, exact := CramerVonMises(r, c)
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
	oracle.CheckStat(t, "psi", PSI(rc, cc), want.PSI)
	oracle.CheckStat(t, "kl", KL(rc, cc), want.KL)
	oracle.CheckStat(t, "jensen_shannon", JensenShannon(rc, cc), want.JS)
	oracle.CheckStat(t, "hellinger", Hellinger(rc, cc), want.Hellinger)

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
	stat, p, dof := Chi2(rc, cc)
	oracle.CheckStat(t, "chi2", stat, want.Chi2Statistic)
	oracle.CheckP(t, "chi2", p, want.Chi2PValue)
	if dof != want.Chi2DOF {
		t.Errorf("chi2 dof %d, oracle %d", dof, want.Chi2DOF)
	}
	oracle.CheckStat(t, "psi", PSI(rc, cc), want.PSI)
	oracle.CheckStat(t, "kl", KL(rc, cc), want.KL)
	oracle.CheckStat(t, "jensen_shannon", JensenShannon(rc, cc), want.JS)
	oracle.CheckStat(t, "hellinger", Hellinger(rc, cc), want.Hellinger)
	oracle.CheckStat(t, "tvd", TVD(rc, cc), want.TVD)
	z, zp := ZTest(rc, cc)
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

// TestEvaluateGolden runs Evaluate end to end on summaries built event by
// event from the data sets' rows, with samples large enough to be complete,
// and holds every row to the oracle: the verdicts (psi > 0.2 by default)
// follow from the oracle's psi, and the dataset row from those verdicts.
func TestEvaluateGolden(t *testing.T) {
	g := oracle.Load(t, filepath.Join("testdata", "oracle_golden.json"))
	dir := datasetsDir(t)
	lim := drift.DefaultLimits()
	lim.SampleSize = 20000 // complete samples: KS and Wasserstein are exact

	pol := DefaultPolicy()
	// The rows are held to the oracle's verdicts by PSI at its fixed
	// threshold; the default's calibrated Jensen-Shannon verdict is the
	// calibration tests' to check.
	pol.Numeric.Decide, pol.Numeric.Calibration = MethodPSI, nil
	pol.Numeric.Methods = Methods(drift.Numeric)
	pol.Categorical.Methods = Methods(drift.Categorical)
	if err := pol.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			ref, cur, want := goldenSummaries(t, dir, c.File, c.Ref, c.Cur, c.Columns, lim, binsAtReference)
			wantDrifted, judged := 0, 0
			for _, col := range c.Columns {
				judged++
				if col.PSI > 0.2 {
					wantDrifted++
				}
			}
			rows := Evaluate(ref, cur, pol)
			checkRowsSane(t, rows)
			seen := map[string]bool{}
			datasetRows := 0
			for _, r := range rows {
				if r.Family == drift.Dataset {
					datasetRows++
					share := float64(wantDrifted) / float64(judged)
					if r.Statistic != share || r.Drifted != (share > 0.5) || r.NCurrent != uint64(judged) {
						t.Errorf("dataset row %+v, want share %d/%d", r, wantDrifted, judged)
					}
					continue
				}
				col := want[r.Feature]
				seen[r.Feature+"/"+r.Method] = true
				if r.NReference != uint64(col.NRef) || r.NCurrent != uint64(col.NCur) {
					t.Errorf("%s/%s: n %d, %d; oracle %d, %d", r.Feature, r.Method, r.NReference, r.NCurrent, col.NRef, col.NCur)
				}
				checkRowAgainstOracle(t, r, col)
			}
			if datasetRows != 1 {
				t.Errorf("%d dataset rows", datasetRows)
			}
			for name, col := range want {
				for _, m := range Methods(kindOf(col.Kind)) {
					_, _, defined, _ := oracle.Want(col, m)
					if defined != seen[name+"/"+m] {
						t.Errorf("%s/%s: row written %v, oracle has a value %v", name, m, seen[name+"/"+m], defined)
					}
				}
			}
		})
	}
}

// binning says how goldenSummaries bins numeric features.
type binning int

const (
	binsAtReference  binning = iota // both sides at the reference's deciles, as the pipeline does
	binsCurrentOther                // the window at other edges: Evaluate rebins its sample
	binsNone                        // no edges anywhere: Evaluate bins both samples
)

// goldenSummaries builds a reference and a window, event by event, from the
// rows of one golden case, and returns the oracle's values by feature name
// (kind:column, as a column may be compared both ways).
func goldenSummaries(t *testing.T, dir, file string, refRows, curRows [2]int, cols []oracle.Column,
	lim drift.Limits, b binning) (*drift.Reference, *drift.WindowSummary, map[string]oracle.Column) {
	t.Helper()
	ref := &drift.Reference{Model: "m", ModelVersion: "1"}
	cur := &drift.WindowSummary{Model: "m", ModelVersion: "1", Seq: 7}
	want := map[string]oracle.Column{}
	for i, col := range cols {
		raw := oracle.Values(t, dir, file, col.Column)
		name := col.Kind + ":" + col.Column
		want[name] = col
		var rs, cs *drift.FeatureSummary
		if col.Kind == "numeric" {
			rv := oracle.Numbers(t, raw[refRows[0]:refRows[1]])
			sorted := slices.Clone(rv)
			sort.Float64s(sorted)
			refEdges := drift.DecileEdges(sorted)
			curEdges := refEdges
			switch b {
			case binsCurrentOther:
				curEdges = []float64{sorted[len(sorted)/2]}
			case binsNone:
				refEdges, curEdges = nil, nil
			}
			rs = drift.NewFeatureSummary(name, drift.Numeric, refEdges, lim, uint64(i))
			cs = drift.NewFeatureSummary(name, drift.Numeric, curEdges, lim, uint64(i))
			for _, x := range rv {
				rs.Observe(drift.NumberValue(x))
			}
			for _, x := range oracle.Numbers(t, raw[curRows[0]:curRows[1]]) {
				cs.Observe(drift.NumberValue(x))
			}
		} else {
			rs = drift.NewFeatureSummary(name, drift.Categorical, nil, lim, uint64(i))
			cs = drift.NewFeatureSummary(name, drift.Categorical, nil, lim, uint64(i))
			for _, s := range raw[refRows[0]:refRows[1]] {
				rs.Observe(drift.StringValue(s))
			}
			for _, s := range raw[curRows[0]:curRows[1]] {
				cs.Observe(drift.StringValue(s))
			}
		}
		ref.Features = append(ref.Features, rs)
		cur.Features = append(cur.Features, cs)
	}
	return ref, cur, want
}

// TestEvaluateGoldenBinning: a window binned at other edges, and a
// reference that fixed no edges, still give the oracle's histogram
// statistics, because complete samples are rebinned exactly.
func TestEvaluateGoldenBinning(t *testing.T) {
	g := oracle.Load(t, filepath.Join("testdata", "oracle_golden.json"))
	dir := datasetsDir(t)
	lim := drift.DefaultLimits()
	lim.SampleSize = 20000
	pol := DefaultPolicy()
	// The rows are held to the oracle's verdicts by PSI at its fixed
	// threshold; the default's calibrated Jensen-Shannon verdict is the
	// calibration tests' to check.
	pol.Numeric.Decide, pol.Numeric.Calibration = MethodPSI, nil
	pol.Numeric.Methods = []string{MethodPSI, MethodKL, MethodJensenShannon, MethodHellinger}
	for _, b := range []binning{binsCurrentOther, binsNone} {
		for _, c := range g.Cases {
			t.Run(fmt.Sprintf("%s/%d", c.Name, b), func(t *testing.T) {
				ref, cur, want := goldenSummaries(t, dir, c.File, c.Ref, c.Cur, c.Columns, lim, b)
				rows := Evaluate(ref, cur, pol)
				checkRowsSane(t, rows)
				n := 0
				for _, r := range rows {
					if r.Family == drift.Covariate {
						checkRowAgainstOracle(t, r, want[r.Feature])
						n++
					}
				}
				// four histogram methods per numeric column, three
				// categorical methods (chi2, psi, js) per categorical one
				wantN := 0
				for _, col := range c.Columns {
					wantN += map[string]int{"numeric": 4, "categorical": 3}[col.Kind]
				}
				if n != wantN {
					t.Errorf("%d covariate rows, want %d", n, wantN)
				}
			})
		}
	}
}

func kindOf(s string) drift.FeatureKind {
	if s == "numeric" {
		return drift.Numeric
	}
	return drift.Categorical
}

func checkRowAgainstOracle(t *testing.T, r drift.Result, col oracle.Column) {
	t.Helper()
	what := r.Feature + "/" + r.Method
	stat, p, defined, known := oracle.Want(col, r.Method)
	switch {
	case !known:
		t.Errorf("unexpected method %s", what)
		return
	case !defined:
		t.Errorf("%s: a row where the oracle has no value", what)
		return
	}
	switch r.Method {
	case MethodPSI:
		if r.Decision != true || r.Drifted != (col.PSI > 0.2) {
			t.Errorf("%s: decision %v drifted %v, oracle psi %g", what, r.Decision, r.Drifted, col.PSI)
		}
	case MethodJensenShannon:
		if r.Drifted != (col.JS > 0.1) {
			t.Errorf("%s: drifted %v, oracle js %g", what, r.Drifted, col.JS)
		}
	}
	oracle.CheckStat(t, what, r.Statistic, stat)
	if (p == nil) != (r.PValue == nil) {
		t.Fatalf("%s: p-value %v, oracle %v", what, r.PValue, p)
	}
	if p != nil {
		oracle.CheckP(t, what, *r.PValue, *p)
		if r.Drifted != (*p < 0.05) {
			// a p-value within the tolerance of the threshold could flip
			if math.Abs(*p-0.05) > oracle.PAbsTol {
				t.Errorf("%s: drifted %v, oracle p %g", what, r.Drifted, *p)
			}
		}
	}
	if r.Method != MethodPSI && r.Decision {
		t.Errorf("%s: decision on a non-decide method", what)
	}
}

// checkRowsSane checks what every row of Evaluate must satisfy.
func checkRowsSane(t *testing.T, rows []drift.Result) {
	t.Helper()
	for _, r := range rows {
		desc := fmt.Sprintf("%s/%s/%s", r.Family, r.Feature, r.Method)
		if !finite(r.Statistic) || (r.PValue != nil && !finite(*r.PValue)) {
			t.Errorf("%s: non-finite value %v %v", desc, r.Statistic, r.PValue)
		}
		if (r.PValue != nil) != IsPValueMethod(r.Method) {
			t.Errorf("%s: p-value presence %v", desc, r.PValue != nil)
		}
		if r.Version != 0 {
			t.Errorf("%s: version %d", desc, r.Version)
		}
		if r.Model != "m" || r.ModelVersion != "1" || r.WindowSeq != 7 {
			t.Errorf("%s: window identity %q %q %d", desc, r.Model, r.ModelVersion, r.WindowSeq)
		}
	}
}

package detectors

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/internal/datasets"
)

// The golden files and the command that made them: see testdata/README.md.

// Tolerances of the comparison with the oracle.
const (
	statRelTol = 1e-9
	pAbsTol    = 1e-6
)

// oracleGolden mirrors testdata/oracle_golden.json.
type oracleGolden struct {
	Cases []struct {
		Name    string         `json:"name"`
		File    string         `json:"file"`
		Ref     [2]int         `json:"ref"`
		Cur     [2]int         `json:"cur"`
		Columns []oracleColumn `json:"columns"`
	} `json:"cases"`
}

// oracleColumn holds the oracle's values for one column; pointers are null
// where the oracle has no value.
type oracleColumn struct {
	Column          string   `json:"column"`
	Kind            string   `json:"kind"`
	NRef            int      `json:"n_ref"`
	NCur            int      `json:"n_cur"`
	KSStatistic     float64  `json:"ks_statistic"`
	KSPValue        float64  `json:"ks_pvalue"`
	KSMethod        string   `json:"ks_method"`
	Wasserstein     float64  `json:"wasserstein"`
	WassersteinNorm *float64 `json:"wasserstein_norm"`
	Energy          float64  `json:"energy_distance"`
	PSI             float64  `json:"psi"`
	KL              float64  `json:"kl_cur_ref"`
	JS              float64  `json:"js_distance"`
	Hellinger       float64  `json:"hellinger"`
	Chi2Statistic   float64  `json:"chi2_statistic"`
	Chi2PValue      float64  `json:"chi2_pvalue"`
	Chi2DOF         int      `json:"chi2_dof"`
	// anderson_ksamp and cramervonmises; null (with an error) where scipy
	// raises
	ADStatistic  *float64 `json:"ad_statistic"`
	ADPValue     *float64 `json:"ad_pvalue"`
	ADClipped    *string  `json:"ad_clipped"` // "capped", "floored" or null
	CvMStatistic *float64 `json:"cvm_statistic"`
	CvMPValue    *float64 `json:"cvm_pvalue"`
	CvMMethod    *string  `json:"cvm_method"` // "exact" or "asymptotic"
	// z_test (null unless two categories) and tvd: numpy/scipy values of
	// gen.py, as the oracle has neither
	ZStatistic  *float64 `json:"z_statistic"`
	ZPValue     *float64 `json:"z_pvalue"`
	TVD         float64  `json:"tvd"`
	NCategories int      `json:"n_categories"`
}

// oracleWant is the oracle's value of one method for a column: defined is
// false where the oracle has none (so Evaluate must write no row and
// NumericStats/CategoricalStats must say NaN), known false for a method
// the golden file does not cover.
func oracleWant(col oracleColumn, method string) (stat float64, p *float64, defined, known bool) {
	switch method {
	case MethodKS:
		return col.KSStatistic, &col.KSPValue, true, true
	case MethodChi2:
		return col.Chi2Statistic, &col.Chi2PValue, true, true
	case MethodWasserstein:
		return col.Wasserstein, nil, true, true
	case MethodWassersteinNorm:
		if col.WassersteinNorm == nil {
			return 0, nil, false, true
		}
		return *col.WassersteinNorm, nil, true, true
	case MethodEnergy:
		return col.Energy, nil, true, true
	case MethodPSI:
		return col.PSI, nil, true, true
	case MethodKL:
		return col.KL, nil, true, true
	case MethodJensenShannon:
		return col.JS, nil, true, true
	case MethodHellinger:
		return col.Hellinger, nil, true, true
	case MethodAndersonDarling:
		if col.ADStatistic == nil {
			return 0, nil, false, true
		}
		return *col.ADStatistic, col.ADPValue, true, true
	case MethodCramerVonMises:
		if col.CvMStatistic == nil {
			return 0, nil, false, true
		}
		return *col.CvMStatistic, col.CvMPValue, true, true
	case MethodZTest:
		if col.ZStatistic == nil {
			return 0, nil, false, true
		}
		return *col.ZStatistic, col.ZPValue, true, true
	case MethodTVD:
		return col.TVD, nil, true, true
	}
	return 0, nil, false, false
}

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

// csvCache keeps parsed data sets across subtests.
var csvCache sync.Map // path -> map[string][]string

// column returns the raw (trimmed) values of one CSV column.
func column(t *testing.T, dir, file, name string) []string {
	t.Helper()
	path := filepath.Join(dir, file)
	v, ok := csvCache.Load(path)
	if !ok {
		f, err := os.Open(path)
		if err != nil {
			t.Fatalf("data set %s: %v", file, err)
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatalf("read %s: %v", file, err)
		}
		cols := map[string][]string{}
		for i, h := range rows[0] {
			vals := make([]string, 0, len(rows)-1)
			for _, r := range rows[1:] {
				vals = append(vals, strings.TrimSpace(r[i]))
			}
			cols[strings.TrimSpace(h)] = vals
		}
		v, _ = csvCache.LoadOrStore(path, cols)
	}
	vals, ok := v.(map[string][]string)[name]
	if !ok {
		t.Fatalf("%s has no column %q", file, name)
	}
	return vals
}

// missingTokens are the oracle's missing values.
var missingTokens = map[string]bool{"": true, "?": true, "NA": true, "nan": true, "NaN": true, "null": true}

// numbers parses raw values as the oracle does: missing tokens and
// non-finite numbers are dropped.
func numbers(t *testing.T, raw []string) []float64 {
	t.Helper()
	out := make([]float64, 0, len(raw))
	for _, s := range raw {
		if missingTokens[s] {
			continue
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("parse %q: %v", s, err)
		}
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			out = append(out, f)
		}
	}
	return out
}

func categories(raw []string) map[string]uint64 {
	m := map[string]uint64{}
	for _, s := range raw {
		if !missingTokens[s] {
			m[s]++
		}
	}
	return m
}

func closeRel(got, want, rel float64) bool {
	if got == want {
		return true
	}
	return math.Abs(got-want) <= rel*math.Max(math.Abs(got), math.Abs(want))+1e-15
}

func checkStat(t *testing.T, what string, got, want float64) {
	t.Helper()
	if !closeRel(got, want, statRelTol) {
		t.Errorf("%s = %.17g, oracle %.17g (rel diff %.3g)", what, got, want, math.Abs(got-want)/math.Abs(want))
	}
}

func checkP(t *testing.T, what string, got, want float64) {
	t.Helper()
	if !(math.Abs(got-want) <= pAbsTol) {
		t.Errorf("%s p = %.17g, oracle %.17g", what, got, want)
	}
}

// TestOracleGolden holds every statistic function, and NumericStats and
// CategoricalStats, to the oracle on slices of the real data sets, and
// checks that the cases reach every path of the hand-written tests.
func TestOracleGolden(t *testing.T) {
	var g oracleGolden
	readJSON(t, "oracle_golden.json", &g)
	dir := datasetsDir(t)
	reached := map[string]int{}
	for _, c := range g.Cases {
		for _, col := range c.Columns {
			t.Run(c.Name+"/"+col.Kind+"/"+col.Column, func(t *testing.T) {
				raw := column(t, dir, c.File, col.Column)
				rRaw, cRaw := raw[c.Ref[0]:c.Ref[1]], raw[c.Cur[0]:c.Cur[1]]
				if col.Kind == "numeric" {
					checkNumericGolden(t, numbers(t, rRaw), numbers(t, cRaw), col, reached)
				} else {
					checkCategoricalGolden(t, categories(rRaw), categories(cRaw), col, reached)
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

func checkNumericGolden(t *testing.T, r, c []float64, want oracleColumn, reached map[string]int) {
	t.Helper()
	if len(r) != want.NRef || len(c) != want.NCur {
		t.Fatalf("sizes %d, %d; oracle %d, %d", len(r), len(c), want.NRef, want.NCur)
	}
	rCopy, cCopy := slices.Clone(r), slices.Clone(c)
	d, p := KS(r, c)
	checkStat(t, "ks", d, want.KSStatistic)
	checkP(t, "ks ("+want.KSMethod+")", p, want.KSPValue)
	w := Wasserstein(r, c)
	checkStat(t, "wasserstein", w, want.Wasserstein)
	if sd := populationStd(r); want.WassersteinNorm == nil {
		if sd != 0 {
			t.Errorf("reference std %g, oracle has no wasserstein_norm", sd)
		}
	} else {
		checkStat(t, "wasserstein_norm", w/sd, *want.WassersteinNorm)
	}
	checkStat(t, "energy", Energy(r, c), want.Energy)

	ad, sig, clip := AndersonDarling(r, c)
	if want.ADStatistic == nil {
		reached["ad undefined"]++
		if !math.IsNaN(ad) || !math.IsNaN(sig) {
			t.Errorf("anderson_darling = %v, %v; scipy raises", ad, sig)
		}
	} else {
		checkStat(t, "anderson_darling", ad, *want.ADStatistic)
		checkP(t, "anderson_darling", sig, *want.ADPValue)
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
		checkStat(t, "cramer_von_mises", cvm, *want.CvMStatistic)
		checkP(t, "cramer_von_mises", cvmP, *want.CvMPValue)
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
	checkStat(t, "psi", PSI(rc, cc), want.PSI)
	checkStat(t, "kl", KL(rc, cc), want.KL)
	checkStat(t, "jensen_shannon", JensenShannon(rc, cc), want.JS)
	checkStat(t, "hellinger", Hellinger(rc, cc), want.Hellinger)

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
func checkStatsAgainstOracle(t *testing.T, got []Stat, methods []string, want oracleColumn) {
	t.Helper()
	if len(got) != len(methods) {
		t.Fatalf("%d stats for %d methods", len(got), len(methods))
	}
	for i, st := range got {
		what := "stats " + st.Method
		if st.Method != methods[i] {
			t.Errorf("stat %d is %s, want %s", i, st.Method, methods[i])
		}
		stat, p, defined, known := oracleWant(want, st.Method)
		switch {
		case !known:
			t.Errorf("%s: not in the golden file", what)
		case !defined:
			if !math.IsNaN(st.Statistic) || st.PValue != nil || st.Note == "" {
				t.Errorf("%s = %v, %v, note %q; the oracle has no value", what, st.Statistic, st.PValue, st.Note)
			}
		default:
			checkStat(t, what, st.Statistic, stat)
			if (p == nil) != (st.PValue == nil) {
				t.Errorf("%s: p-value %v, oracle %v", what, st.PValue, p)
			} else if p != nil {
				checkP(t, what, *st.PValue, *p)
			}
		}
	}
}

func checkCategoricalGolden(t *testing.T, r, c map[string]uint64, want oracleColumn, reached map[string]int) {
	t.Helper()
	rc, cc := alignCategories(r, c)
	if int(sum(rc)) != want.NRef || int(sum(cc)) != want.NCur || len(rc) != want.NCategories {
		t.Fatalf("sizes %d, %d, %d categories; oracle %d, %d, %d",
			sum(rc), sum(cc), len(rc), want.NRef, want.NCur, want.NCategories)
	}
	stat, p, dof := Chi2(rc, cc)
	checkStat(t, "chi2", stat, want.Chi2Statistic)
	checkP(t, "chi2", p, want.Chi2PValue)
	if dof != want.Chi2DOF {
		t.Errorf("chi2 dof %d, oracle %d", dof, want.Chi2DOF)
	}
	checkStat(t, "psi", PSI(rc, cc), want.PSI)
	checkStat(t, "kl", KL(rc, cc), want.KL)
	checkStat(t, "jensen_shannon", JensenShannon(rc, cc), want.JS)
	checkStat(t, "hellinger", Hellinger(rc, cc), want.Hellinger)
	checkStat(t, "tvd", TVD(rc, cc), want.TVD)
	z, zp := ZTest(rc, cc)
	switch {
	case want.ZStatistic == nil:
		if !math.IsNaN(z) || !math.IsNaN(zp) {
			t.Errorf("z_test = %v, %v for %d categories", z, zp, len(rc))
		}
		reached[map[bool]string{true: "z_test one category", false: "z_test many categories"}[len(rc) == 1]]++
	default:
		checkStat(t, "z_test", z, *want.ZStatistic)
		checkP(t, "z_test", zp, *want.ZPValue)
		// Two categories: z^2 is the uncorrected chi-square statistic.
		checkStat(t, "z_test squared", z*z, want.Chi2Statistic)
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
	var g oracleGolden
	readJSON(t, "oracle_golden.json", &g)
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
					_, _, defined, _ := oracleWant(col, m)
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
func goldenSummaries(t *testing.T, dir, file string, refRows, curRows [2]int, cols []oracleColumn,
	lim drift.Limits, b binning) (*drift.Reference, *drift.WindowSummary, map[string]oracleColumn) {
	t.Helper()
	ref := &drift.Reference{Model: "m", ModelVersion: "1"}
	cur := &drift.WindowSummary{Model: "m", ModelVersion: "1", Seq: 7}
	want := map[string]oracleColumn{}
	for i, col := range cols {
		raw := column(t, dir, file, col.Column)
		name := col.Kind + ":" + col.Column
		want[name] = col
		var rs, cs *drift.FeatureSummary
		if col.Kind == "numeric" {
			rv := numbers(t, raw[refRows[0]:refRows[1]])
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
			for _, x := range numbers(t, raw[curRows[0]:curRows[1]]) {
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
	var g oracleGolden
	readJSON(t, "oracle_golden.json", &g)
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

func checkRowAgainstOracle(t *testing.T, r drift.Result, col oracleColumn) {
	t.Helper()
	what := r.Feature + "/" + r.Method
	stat, p, defined, known := oracleWant(col, r.Method)
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
	checkStat(t, what, r.Statistic, stat)
	if (p == nil) != (r.PValue == nil) {
		t.Fatalf("%s: p-value %v, oracle %v", what, r.PValue, p)
	}
	if p != nil {
		checkP(t, what, *r.PValue, *p)
		if r.Drifted != (*p < 0.05) {
			// a p-value within the tolerance of the threshold could flip
			if math.Abs(*p-0.05) > pAbsTol {
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

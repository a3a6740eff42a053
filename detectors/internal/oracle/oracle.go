package oracle

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/driftmon/driftmon/drift"
)

// Tolerances of the comparison with the oracle.
const (
	StatRelTol = 1e-9
	PAbsTol    = 1e-6
)

// Golden mirrors oracle_golden.json.
type Golden struct {
	Cases []Case `json:"cases"`
}

// Case is a data set's rows [Ref[0], Ref[1]) as reference and [Cur[0],
// Cur[1]) as current (0-based data rows, the header excluded), and the
// oracle's values for some of its columns.
type Case struct {
	Name    string   `json:"name"`
	File    string   `json:"file"`
	Ref     [2]int   `json:"ref"`
	Cur     [2]int   `json:"cur"`
	Columns []Column `json:"columns"`
}

// Column holds the oracle's values for one column; pointers are null
// where the oracle has no value.
type Column struct {
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
	// CvMTies: the CvM values are cvm_ties_golden.json's (see Load).
	CvMTies bool `json:"-"`
	// z_test (null unless two categories) and tvd: numpy/scipy values of
	// gen.py, as the oracle has neither
	ZStatistic  *float64 `json:"z_statistic"`
	ZPValue     *float64 `json:"z_pvalue"`
	TVD         float64  `json:"tvd"`
	NCategories int      `json:"n_categories"`
}

// Load reads the golden file at path, with cvm_ties_golden.json beside it
// laid over its Cramer-von Mises values: on samples with few distinct
// values driftmon computes the statistic from the empirical CDFs, not by
// scipy's midrank formula (detectors/stats' cramerVonMises says why), and
// that file holds the values of that definition for the columns where it
// applies (testdata/gen_cvm_ties.py); Ties marks them.
func Load(t testing.TB, path string) Golden {
	t.Helper()
	var g Golden
	readJSON(t, path, &g)
	var ties struct {
		Oracle []TiesCase `json:"oracle"`
	}
	readJSON(t, filepath.Join(filepath.Dir(path), "cvm_ties_golden.json"), &ties)
	byCol := map[[2]string]TiesCase{}
	for _, c := range ties.Oracle {
		byCol[[2]string{c.Name, c.Column}] = c
	}
	used := 0
	for i := range g.Cases {
		for j := range g.Cases[i].Columns {
			col := &g.Cases[i].Columns[j]
			c, ok := byCol[[2]string{g.Cases[i].Name, col.Column}]
			if !ok || col.Kind != "numeric" {
				continue
			}
			if col.CvMStatistic == nil || *col.CvMStatistic != c.ScipyStatistic {
				t.Fatalf("cvm_ties_golden.json: %s/%s was made from another oracle_golden.json", c.Name, c.Column)
			}
			stat, p, method := c.Statistic, c.PValue, c.Method
			col.CvMStatistic, col.CvMPValue, col.CvMMethod, col.CvMTies = &stat, &p, &method, true
			used++
		}
	}
	if used != len(ties.Oracle) {
		t.Fatalf("cvm_ties_golden.json: %d of its %d cases match oracle_golden.json", used, len(ties.Oracle))
	}
	return g
}

// TiesCase is one case of cvm_ties_golden.json: the Cramer-von Mises test
// on samples with few distinct values, the statistic from the empirical
// CDFs and its p-value by scipy's rule, beside scipy's own values.
type TiesCase struct {
	Name           string  `json:"name"`
	Column         string  `json:"column"`
	NRef           int     `json:"n_ref"`
	NCur           int     `json:"n_cur"`
	Statistic      float64 `json:"statistic"`
	PValue         float64 `json:"pvalue"`
	Method         string  `json:"method"`
	ScipyStatistic float64 `json:"scipy_statistic"`
	ScipyPValue    float64 `json:"scipy_pvalue"`
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", filepath.Base(path), err)
	}
}

// Want is the oracle's value of one method for a column: defined is false
// where the oracle has none (so Evaluate must write no row and
// NumericStats/CategoricalStats must say NaN), known false for a method
// the golden file does not cover. Methods are named as in drift_results
// (this package cannot import the statistics it checks).
func Want(col Column, method string) (stat float64, p *float64, defined, known bool) {
	switch method {
	case "ks":
		return col.KSStatistic, &col.KSPValue, true, true
	case "chi2":
		return col.Chi2Statistic, &col.Chi2PValue, true, true
	case "wasserstein":
		return col.Wasserstein, nil, true, true
	case "wasserstein_norm":
		if col.WassersteinNorm == nil {
			return 0, nil, false, true
		}
		return *col.WassersteinNorm, nil, true, true
	case "energy":
		return col.Energy, nil, true, true
	case "psi":
		return col.PSI, nil, true, true
	case "kl":
		return col.KL, nil, true, true
	case "jensen_shannon":
		return col.JS, nil, true, true
	case "hellinger":
		return col.Hellinger, nil, true, true
	case "anderson_darling":
		if col.ADStatistic == nil {
			return 0, nil, false, true
		}
		return *col.ADStatistic, col.ADPValue, true, true
	case "cramer_von_mises":
		if col.CvMStatistic == nil {
			return 0, nil, false, true
		}
		return *col.CvMStatistic, col.CvMPValue, true, true
	case "z_test":
		if col.ZStatistic == nil {
			return 0, nil, false, true
		}
		return *col.ZStatistic, col.ZPValue, true, true
	case "tvd":
		return col.TVD, nil, true, true
	}
	return 0, nil, false, false
}

// csvCache keeps parsed data sets across subtests.
var csvCache sync.Map // path -> map[string][]string

// Values returns the raw (trimmed) values of one CSV column of the data
// set file in dir.
func Values(t testing.TB, dir, file, name string) []string {
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

// Numbers parses raw values as the oracle does: missing tokens and
// non-finite numbers are dropped.
func Numbers(t testing.TB, raw []string) []float64 {
	t.Helper()
	out := make([]float64, 0, len(raw))
	for _, s := range raw {
		if drift.IsMissingToken(s) {
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

// Categories counts raw values as the oracle does, missing tokens left
// out.
func Categories(raw []string) map[string]uint64 {
	m := map[string]uint64{}
	for _, s := range raw {
		if !drift.IsMissingToken(s) {
			m[s]++
		}
	}
	return m
}

// CloseRel reports whether got is within rel of want, relatively (and
// 1e-15 absolutely, for values at 0).
func CloseRel(got, want, rel float64) bool {
	if got == want {
		return true
	}
	return math.Abs(got-want) <= rel*math.Max(math.Abs(got), math.Abs(want))+1e-15
}

// CheckStat holds a statistic to the oracle's, within StatRelTol.
func CheckStat(t testing.TB, what string, got, want float64) {
	t.Helper()
	if !CloseRel(got, want, StatRelTol) {
		t.Errorf("%s = %.17g, oracle %.17g (rel diff %.3g)", what, got, want, math.Abs(got-want)/math.Abs(want))
	}
}

// CheckP holds a p-value to the oracle's, within PAbsTol.
func CheckP(t testing.TB, what string, got, want float64) {
	t.Helper()
	if !(math.Abs(got-want) <= PAbsTol) {
		t.Errorf("%s p = %.17g, oracle %.17g", what, got, want)
	}
}

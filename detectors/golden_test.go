package detectors

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/driftmon/driftmon/detectors/internal/oracle"
	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/internal/datasets"
)

// goldenFile holds the oracle's values, which package stats' tests hold
// each statistic to and these tests hold Evaluate's rows to; it and the
// command that made it: see stats/testdata/README.md.
var goldenFile = filepath.Join("stats", "testdata", "oracle_golden.json")

// TestEvaluateGolden runs Evaluate end to end on summaries built event by
// event from the data sets' rows, with samples large enough to be complete,
// and holds every row to the oracle: the verdicts (psi > 0.2 by default)
// follow from the oracle's psi, and the dataset row from those verdicts.
func TestEvaluateGolden(t *testing.T) {
	g := oracle.Load(t, goldenFile)
	dir := datasets.Dir(t)
	lim := drift.DefaultLimits()
	lim.SampleSize = 20000 // complete samples: KS and Wasserstein are exact

	pol := DefaultPolicy()
	// The rows are held to the oracle's verdicts by PSI at its fixed
	// threshold; the default's calibrated Jensen-Shannon verdict is the
	// calibration tests' to check.
	pol.Numeric.Decide, pol.Numeric.Calibration = stats.MethodPSI, nil
	pol.Numeric.Methods = stats.Methods(drift.Numeric)
	pol.Categorical.Methods = stats.Methods(drift.Categorical)
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
				for _, m := range stats.Methods(kindOf(col.Kind)) {
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
	g := oracle.Load(t, goldenFile)
	dir := datasets.Dir(t)
	lim := drift.DefaultLimits()
	lim.SampleSize = 20000
	pol := DefaultPolicy()
	// The rows are held to the oracle's verdicts by PSI at its fixed
	// threshold; the default's calibrated Jensen-Shannon verdict is the
	// calibration tests' to check.
	pol.Numeric.Decide, pol.Numeric.Calibration = stats.MethodPSI, nil
	pol.Numeric.Methods = []string{stats.MethodPSI, stats.MethodKL, stats.MethodJensenShannon, stats.MethodHellinger}
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
	case stats.MethodPSI:
		if r.Decision != true || r.Drifted != (col.PSI > 0.2) {
			t.Errorf("%s: decision %v drifted %v, oracle psi %g", what, r.Decision, r.Drifted, col.PSI)
		}
	case stats.MethodJensenShannon:
		// Reported only (PSI decides): never drifted, flagged at its
		// usual level.
		if r.Drifted || Flagged(r) != (col.JS > 0.1) {
			t.Errorf("%s: drifted %v flagged %v, oracle js %g", what, r.Drifted, Flagged(r), col.JS)
		}
	}
	oracle.CheckStat(t, what, r.Statistic, stat)
	if (p == nil) != (r.PValue == nil) {
		t.Fatalf("%s: p-value %v, oracle %v", what, r.PValue, p)
	}
	if p != nil {
		oracle.CheckP(t, what, *r.PValue, *p)
		if Flagged(r) != (*p < 0.05) {
			// a p-value within the tolerance of the threshold could flip
			if math.Abs(*p-0.05) > oracle.PAbsTol {
				t.Errorf("%s: flagged %v, oracle p %g", what, Flagged(r), *p)
			}
		}
	}
	if r.Method != stats.MethodPSI && r.Decision {
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
		if (r.PValue != nil) != stats.IsPValueMethod(r.Method) {
			t.Errorf("%s: p-value presence %v", desc, r.PValue != nil)
		}
		if r.Version != 0 {
			t.Errorf("%s: version %d", desc, r.Version)
		}
		if r.Drifted && !r.Decision {
			t.Errorf("%s: drifted on a row that only reports", desc)
		}
		if r.Model != "m" || r.ModelVersion != "1" || r.WindowSeq != 7 {
			t.Errorf("%s: window identity %q %q %d", desc, r.Model, r.ModelVersion, r.WindowSeq)
		}
	}
}

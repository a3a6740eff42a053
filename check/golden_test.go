package check

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/driftmon/driftmon/internal/datasets"
)

// Tolerances of the comparison with the oracle, as in detectors/stats'
// golden tests.
const (
	statRelTol = 1e-9
	pAbsTol    = 1e-6
)

// pairsGolden mirrors testdata/pairs_golden.json (see testdata/gen.py).
type pairsGolden struct {
	Cases []struct {
		Name        string   `json:"name"`
		File        string   `json:"file"`
		Ref         [2]int   `json:"ref"`
		Cur         [2]int   `json:"cur"`
		Ignore      []string `json:"ignore"`
		Categorical []string `json:"categorical"`
		Columns     []struct {
			Name       string `json:"name"`
			Kind       string `json:"kind"`
			NReference uint64 `json:"n_reference"`
			NCurrent   uint64 `json:"n_current"`
			Results    map[string]struct {
				Statistic *float64 `json:"statistic"`
				PValue    *float64 `json:"p_value"`
			} `json:"results"`
		} `json:"columns"`
	} `json:"cases"`
}

func loadPairs(t *testing.T) pairsGolden {
	t.Helper()
	b, err := os.ReadFile("testdata/pairs_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g pairsGolden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

// cvmTies reads the Cramer-von Mises values of check's pairs whose columns
// hold few distinct values, where driftmon computes the statistic from the
// empirical CDFs rather than by scipy's midrank formula
// (detectors/stats/testdata/gen_cvm_ties.py made them), keyed by case and
// column, and lays them over g's.
func cvmTies(t *testing.T, g *pairsGolden) {
	t.Helper()
	b, err := os.ReadFile("../detectors/stats/testdata/cvm_ties_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var ties struct {
		CheckPairs []struct {
			Name, Column   string
			Statistic      float64 `json:"statistic"`
			PValue         float64 `json:"pvalue"`
			ScipyStatistic float64 `json:"scipy_statistic"`
		} `json:"check_pairs"`
	}
	if err := json.Unmarshal(b, &ties); err != nil {
		t.Fatal(err)
	}
	used := 0
	for _, tc := range ties.CheckPairs {
		for i := range g.Cases {
			for j := range g.Cases[i].Columns {
				col := &g.Cases[i].Columns[j]
				if g.Cases[i].Name != tc.Name || col.Name != tc.Column {
					continue
				}
				w := col.Results["cramer_von_mises"]
				if w.Statistic == nil || *w.Statistic != tc.ScipyStatistic {
					t.Fatalf("cvm_ties_golden.json: %s/%s was made from another pairs_golden.json", tc.Name, tc.Column)
				}
				stat, p := tc.Statistic, tc.PValue
				w.Statistic, w.PValue = &stat, &p
				col.Results["cramer_von_mises"] = w
				used++
			}
		}
	}
	if used != len(ties.CheckPairs) {
		t.Fatalf("cvm_ties_golden.json: %d of its %d check pairs match pairs_golden.json", used, len(ties.CheckPairs))
	}
}

// TestGoldenPairs runs check on slices of every shared data set, as CSV
// and as Parquet, and holds each column's kind, counts and statistics to
// the oracle's values for the same files (Cramer-von Mises on few distinct
// values: to its definition's, see cvmTies).
func TestGoldenPairs(t *testing.T) {
	g := loadPairs(t)
	if len(g.Cases) == 0 {
		t.Fatal("no golden cases")
	}
	cvmTies(t, &g)
	for _, c := range g.Cases {
		for _, format := range []string{"csv", "parquet"} {
			t.Run(c.Name+"/"+format, func(t *testing.T) {
				dir := t.TempDir()
				ref := datasets.Slice(t, c.File, c.Ref[0], c.Ref[1], dir, "ref.csv")
				cur := datasets.Slice(t, c.File, c.Cur[0], c.Cur[1], dir, "cur.csv")
				if format == "parquet" {
					ref, cur = toParquet(t, ref), toParquet(t, cur)
				}
				rep, err := Run(context.Background(), Options{Reference: ref, Current: cur,
					Ignore: c.Ignore, Categorical: c.Categorical})
				if err != nil {
					t.Fatal(err)
				}
				if len(rep.Columns) != len(c.Columns) {
					t.Fatalf("%d columns compared, the oracle compared %d", len(rep.Columns), len(c.Columns))
				}
				for _, want := range c.Columns {
					got := findColumn(rep, want.Name)
					if got == nil {
						t.Errorf("column %s: not compared", want.Name)
						continue
					}
					if kind := map[string]string{"numeric": "numeric", "categorical": "categorical"}[want.Kind]; got.Kind != kind {
						t.Errorf("column %s: kind %s, the oracle says %s", want.Name, got.Kind, want.Kind)
						continue
					}
					if got.NReference != want.NReference || got.NCurrent != want.NCurrent {
						t.Errorf("column %s: n %d/%d, the oracle %d/%d", want.Name, got.NReference, got.NCurrent, want.NReference, want.NCurrent)
					}
					for m, w := range want.Results {
						r := findResult(got, m)
						if r == nil {
							t.Errorf("column %s: no %s result", want.Name, m)
							continue
						}
						if w.Statistic == nil {
							if !math.IsNaN(r.Statistic) {
								t.Errorf("column %s %s: statistic %v, the oracle has none", want.Name, m, r.Statistic)
							}
						} else if !closeRel(r.Statistic, *w.Statistic) {
							t.Errorf("column %s %s: statistic %.17g, the oracle %.17g", want.Name, m, r.Statistic, *w.Statistic)
						}
						if w.PValue != nil && (r.PValue == nil || math.Abs(*r.PValue-*w.PValue) > pAbsTol) {
							t.Errorf("column %s %s: p-value %v, the oracle %.17g", want.Name, m, fmtP(r.PValue), *w.PValue)
						}
					}
				}
			})
		}
	}
}

func findColumn(r *Report, name string) *Column {
	for i := range r.Columns {
		if r.Columns[i].Name == name {
			return &r.Columns[i]
		}
	}
	return nil
}

func findResult(c *Column, method string) *Result {
	for i := range c.Results {
		if c.Results[i].Method == method {
			return &c.Results[i]
		}
	}
	return nil
}

func closeRel(got, want float64) bool {
	if got == want {
		return true
	}
	return math.Abs(got-want) <= statRelTol*math.Max(math.Abs(want), 1e-300)
}

func fmtP(p *float64) any {
	if p == nil {
		return "none"
	}
	return *p
}

// toParquet converts a CSV file to Parquet next to it.
func toParquet(t *testing.T, csvPath string) string {
	t.Helper()
	out := filepath.Join(filepath.Dir(csvPath), filepath.Base(csvPath)+".parquet")
	datasets.ToParquet(t, csvPath, out)
	return out
}

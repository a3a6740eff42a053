package detectors

import (
	"slices"
	"testing"

	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
)

// TestReportPValues: with ReportPValues asymptotic, the tests a feature
// only reports take their asymptotic p-value where scipy's automatic
// choice is exact, and every other value of every row stays as it was;
// the deciding test keeps the exact p-value.
func TestReportPValues(t *testing.T) {
	refVals, curVals := uniform(31, 1500), uniform(32, 40)
	for i := range curVals {
		curVals[i] += 0.1
	}
	edges := drift.DecileEdges(slices.Sorted(slices.Values(refVals)))
	ref := &drift.Reference{Features: []*drift.FeatureSummary{numericSummary("x", edges, refVals...), numericSummary("y", edges, refVals...)}}
	cur := &drift.WindowSummary{Features: []*drift.FeatureSummary{numericSummary("x", edges, curVals...), numericSummary("y", edges, curVals...)}}
	p := DefaultPolicy()
	p.Numeric.Methods = stats.Methods(drift.Numeric)
	p.Features = map[string]FeatureSet{"y": {Kind: drift.Numeric, MethodSet: p.Numeric}}
	y := p.Features["y"]
	y.Decide, y.Calibration = stats.MethodKS, nil
	p.Features["y"] = y
	auto := Evaluate(ref, cur, p)
	p.ReportPValues = stats.PValueAsymptotic
	cheap := Evaluate(ref, cur, p)
	if len(auto) != len(cheap) {
		t.Fatalf("%d rows, %d with asymptotic reports", len(auto), len(cheap))
	}
	pair := stats.NewFeaturePair(ref.Features[0], cur.Features[0])
	changed := 0
	for i, a := range auto {
		c := cheap[i]
		if a.Feature == "x" && a.Method == stats.MethodKS {
			want, _, _, _ := pair.StatWith(stats.MethodKS, stats.PValueAsymptotic)
			exact, _, _, _ := pair.Stat(stats.MethodKS)
			if *c.PValue != *want.PValue || *a.PValue != *exact.PValue || *c.PValue == *a.PValue || c.Decision {
				t.Errorf("x ks: p %v, want the asymptotic %v (exact %v)", *c.PValue, *want.PValue, *a.PValue)
			}
			c.PValue, c.Statistic, c.Drifted = a.PValue, a.Statistic, a.Drifted
			changed++
		}
		if a.Feature == "y" && a.Method == stats.MethodKS && (!c.Decision || *c.PValue != *a.PValue) {
			t.Errorf("y ks decides: p %v, want the exact %v", *c.PValue, *a.PValue)
		}
		// cramer_von_mises at 1,500 x 40 is asymptotic either way.
		if !equalRows(a, c) {
			t.Errorf("row %d %s %s: %+v, with asymptotic reports %+v", i, a.Feature, a.Method, a, c)
		}
	}
	if changed != 1 {
		t.Errorf("%d report-only ks rows", changed)
	}
}

func equalRows(a, b drift.Result) bool {
	if (a.PValue == nil) != (b.PValue == nil) || a.PValue != nil && *a.PValue != *b.PValue {
		return false
	}
	a.PValue, b.PValue = nil, nil
	return a == b
}

package detectors

import (
	"math"
	"testing"

	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
)

// bhExample is worked by hand in stats/testdata/README.md
// ("Benjamini-Hochberg by hand"): eight p-values at level 0.05.
var bhExample = []float64{0.041, 0.001, 0.074, 0.039, 0.205, 0.008, 0.06, 0.042}

func TestAdjustLevels(t *testing.T) {
	tests := func(level float64) []Test {
		out := make([]Test, len(bhExample))
		for i, p := range bhExample {
			out[i] = Test{P: p, Level: level}
		}
		return out
	}
	cases := []struct {
		name       string
		correction string
		tests      []Test
		// drifted by index of bhExample
		drifted []bool
		level   float64 // every test's corrected level, when shared
	}{
		{"none", CorrectionNone, tests(0.05), []bool{true, true, false, true, false, true, false, true}, 0.05},
		{"bonferroni", CorrectionBonferroni, tests(0.05), []bool{false, true, false, false, false, false, false, false}, 0.05 / 8},
		// BH-adjusted p-values (hand): 0.0672 0.008 0.08457 0.0672 0.205
		// 0.032 0.08 0.0672; below 0.05: the 0.001 and the 0.008. k = 2.
		{"bh", CorrectionBH, tests(0.05), []bool{false, true, false, false, false, true, false, false}, 0.05 * 2 / 8},
		// At level 0.1 the adjusted p-values below 0.1 are all but 0.205:
		// k = 7.
		{"bh at 0.1", CorrectionBH, tests(0.1), []bool{true, true, true, true, false, true, true, true}, 0.1 * 7 / 8},
		// No p below its first step: nothing drifts, the level is the
		// first step.
		{"bh none", CorrectionBH, []Test{{0.5, 0.05}, {0.9, 0.05}}, []bool{false, false}, 0.05 / 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := AdjustLevels(tc.correction, tc.tests)
			for i, lv := range got {
				if math.Abs(lv-tc.level) > 1e-15 {
					t.Errorf("test %d: level %g, want %g", i, lv, tc.level)
				}
				if d := tc.tests[i].P < lv; d != tc.drifted[i] {
					t.Errorf("test %d (p %g): drifted %v, want %v", i, tc.tests[i].P, d, tc.drifted[i])
				}
			}
		})
	}
}

// With levels that differ (calibrated thresholds), BH runs on p / level.
func TestAdjustLevelsMixed(t *testing.T) {
	got := AdjustLevels(CorrectionBH, []Test{{P: 0.004, Level: 0.01}, {P: 0.03, Level: 0.05}, {P: 0.2, Level: 0.05}})
	// ratios 0.4, 0.6, 4 against steps 1/3, 2/3, 1: k = 2.
	want := []float64{0.01 * 2 / 3, 0.05 * 2 / 3, 0.05 * 2 / 3}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-15 {
			t.Errorf("test %d: level %g, want %g", i, got[i], want[i])
		}
	}
}

// TestEvaluateCorrection: the correction lowers the thresholds of the
// features decided by a p-value method, leaves the distance-decided ones
// alone, and the dataset row counts the corrected verdicts.
func TestEvaluateCorrection(t *testing.T) {
	ref, cur := &drift.Reference{}, &drift.WindowSummary{}
	// Three categorical features decided by chi2 with p-values near
	// 0.0067, 0.03 and 1, and one numeric decided by PSI.
	for _, f := range []struct {
		name   string
		ra, rb int
		ca, cb int
	}{{"a", 50, 50, 31, 69}, {"b", 50, 50, 35, 65}, {"c", 50, 50, 50, 50}} {
		ref.Features = append(ref.Features, categoricalSummary(f.name, concat(repeat("x", f.ra), repeat("y", f.rb))...))
		cur.Features = append(cur.Features, categoricalSummary(f.name, concat(repeat("x", f.ca), repeat("y", f.cb))...))
	}
	ref.Features = append(ref.Features, numericSummary("n", []float64{0.5}, 0, 0, 1, 1))
	cur.Features = append(cur.Features, numericSummary("n", []float64{0.5}, 1, 1, 1, 1))
	p := fixedPolicy()
	p.Categorical.Decide = stats.MethodChi2
	raw := map[string]float64{}
	for _, r := range Evaluate(ref, cur, p) {
		if r.Decision && r.PValue != nil {
			raw[r.Feature] = *r.PValue
		}
	}
	if !(raw["a"] < 0.05/3 && raw["b"] > 0.05/3 && raw["b"] < 0.05) {
		t.Fatalf("p-values %v do not separate the corrections", raw)
	}
	for _, tc := range []struct {
		correction string
		drifted    map[string]bool
		source     string
	}{
		{CorrectionNone, map[string]bool{"a": true, "b": true, "c": false, "n": true}, ""},
		{CorrectionBonferroni, map[string]bool{"a": true, "b": false, "c": false, "n": true}, "bonferroni"},
		// BH: ratios 0.13, 0.6, 20 against 1/3, 2/3, 1: k = 2.
		{CorrectionBH, map[string]bool{"a": true, "b": true, "c": false, "n": true}, "bh"},
	} {
		t.Run(tc.correction, func(t *testing.T) {
			p.Correction = tc.correction
			drifts := 0
			for _, r := range Evaluate(ref, cur, p) {
				switch {
				case r.Family == drift.Dataset:
					if want := float64(drifts) / 4; r.Statistic != want {
						t.Errorf("drifted share %g, want %g", r.Statistic, want)
					}
				case r.Decision:
					if r.Drifted != tc.drifted[r.Feature] {
						t.Errorf("%s: drifted %v, want %v", r.Feature, r.Drifted, tc.drifted[r.Feature])
					}
					if r.Drifted {
						drifts++
					}
					wantSource := tc.source
					if r.Feature == "n" {
						wantSource = ""
					}
					if r.ThresholdSource != wantSource {
						t.Errorf("%s: source %q, want %q", r.Feature, r.ThresholdSource, wantSource)
					}
				}
			}
		})
	}
}

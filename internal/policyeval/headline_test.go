package policyeval

import (
	"testing"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/internal/datasets"
)

// Default is the default policy's rule for the protocol: numeric columns
// by PSI at its calibrated threshold, categorical ones by PSI > 0.2
// (detectors.DefaultPolicy).
func Default() Rule {
	p := detectors.DefaultPolicy()
	num := Calibrated(p.Numeric.Decide, *p.Numeric.Calibration)
	cat := Fixed(p.Categorical.Decide, p.Categorical.Thresholds[p.Categorical.Decide])
	return Rule{Name: "driftmon default", Prepare: func(ref []float64, isCat bool) func([]float64) (bool, bool) {
		if isCat {
			return cat.Prepare(ref, true)
		}
		return num.Prepare(ref, false)
	}}
}

// TestHeadline holds the README's claims about the default policy and the
// peers' on the shared data sets (the full table: TestQualityTable).
func TestHeadline(t *testing.T) {
	rules := []Rule{Default(), NannyML(WindowSize)}
	for _, c := range Cases() {
		t.Run(c.Name, func(t *testing.T) {
			cols, err := ReadColumns(datasets.Path(t, c.File), c.Columns)
			if err != nil {
				t.Fatal(err)
			}
			s := Run(c, cols, rules, WindowSize)
			ours, nanny := s[0], s[1]
			if ours.Undecided > 0 {
				t.Errorf("default: %d windows without a verdict", ours.Undecided)
			}
			if c.Control {
				if ours.Share() > 0.05 {
					t.Errorf("default flags %d of %d control windows (%.1f%%), want at most 5%%", ours.Flagged, ours.Windows, 100*ours.Share())
				}
				// NannyML's rule calibrates on two or three reference
				// chunks here, too few for its sigma: it cries wolf.
				if nanny.Share() <= 0.05 {
					t.Errorf("NannyML default flags %.1f%% of control windows; the README says it flags far more than 5%%", 100*nanny.Share())
				}
				return
			}
			if ours.FirstAfter < ours.Columns*9/10 {
				t.Errorf("default flags %d of %d columns in the first window after the change %v, want at least 90%%", ours.FirstAfter, ours.Columns, ours.FirstWindow)
			}
			// electricity's columns are one constant before the change:
			// nothing there may be flagged. (Weather and insects drift
			// before their marked change too; the README says so.)
			if c.File == "electricity.csv" && ours.Flagged > 0 {
				t.Errorf("default flags %d windows before the change", ours.Flagged)
			}
		})
	}
}

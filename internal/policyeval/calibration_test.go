package policyeval

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/internal/datasets"
)

// oracleCase is one row of testdata/calibration_oracle.json, written by
// testdata/calibration_oracle.py (its doc has the command) from the scipy
// oracle's binning and Jensen-Shannon distance and numpy's own bootstrap.
type oracleCase struct {
	Column    string  `json:"column"`
	Reference int     `json:"reference"`
	Order     string  `json:"order"` // "file", or "stride": row k*1009 mod n
	M         int     `json:"m"`
	JS        float64 `json:"js"`
	// SubWindows and SubMean: the reference's sub-windows against the
	// rest (absent below two of them).
	SubWindows int     `json:"sub_windows"`
	SubMean    float64 `json:"sub_mean"`
	// BootMean and BootSD: 2,000 multinomial bootstrap pairs.
	BootMean float64 `json:"boot_mean"`
	BootSD   float64 `json:"boot_sd"`
}

func readOracle(t *testing.T) []oracleCase {
	t.Helper()
	b, err := os.ReadFile("testdata/calibration_oracle.json")
	if err != nil {
		t.Fatal(err)
	}
	var out []oracleCase
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// strided is the scramble the oracle makes: position k takes row k*1009
// mod n, which takes every sub-window from all over the file.
func strided(x []float64) []float64 {
	out := make([]float64, len(x))
	for k := range x {
		out[k] = x[(k*1009)%len(x)]
	}
	return out
}

// TestShortReferences holds the calibration sound on electricity's
// references of 4,531 and 10,000 rows, in file order (date is a time
// index; the prices and demands move over months) and scrambled, against
// the rows from 30,000 on in windows of 500, 906, 907 and 2,000 rows: the
// reference holds 9, 5, 4 and 2 windows of them (4,531 rows), so the
// sub-windows decide on one side of 906/907 and the bootstrap on the
// other. The default policy's Jensen-Shannon decides, as check runs it.
//
// Every expectation is the oracle's: the distance of the window, the mean
// over the sub-windows, and the bootstrap level (numpy's mean + 3.09 sd,
// k widened for 100 draws, within 15%: a hundred resamples estimate it to
// about 5%). date, nswprice, vicprice, vicdemand and transfer moved (date:
// every value past the reference's range; vicprice, vicdemand, transfer
// were one imputed constant before row 17,424): their distance exceeds
// the most the rule allows, max(0.1, twice the bootstrap level) with the
// 15% margin, so they must drift whatever the order; period, the
// protocol's control, must not.
func TestShortReferences(t *testing.T) {
	cases := readOracle(t)
	names := []string{"date", "nswprice", "vicprice", "vicdemand", "transfer", "period"}
	cols, err := ReadColumns(datasets.Path(t, "electricity.csv"), names)
	if err != nil {
		t.Fatal(err)
	}
	col := map[string][]float64{}
	for i, n := range names {
		col[n] = cols[i]
	}
	p := detectors.DefaultPolicy()
	method, fixed, cal := p.Numeric.Decide, p.Numeric.Thresholds[p.Numeric.Decide], *p.Numeric.Calibration
	const widened = 3.09289858099624 // multipliers[100] in detectors' tests, from scipy
	thresholds := map[string]float64{}
	for _, c := range cases {
		name := fmt.Sprintf("%s/%d/%s/%d", c.Column, c.Reference, c.Order, c.M)
		t.Run(name, func(t *testing.T) {
			ref := col[c.Column][:c.Reference]
			if c.Order == "stride" {
				ref = strided(ref)
			}
			cur := col[c.Column][30000 : 30000+c.M]
			got := detectors.CalibrateNumeric(ref, nil, c.M, method, cal)
			st := stat(method, ref, cur, false)
			if math.Abs(st.Statistic-c.JS) > 1e-9 {
				t.Errorf("distance %.12g, oracle %.12g", st.Statistic, c.JS)
			}
			level := c.BootMean + widened*c.BootSD
			th := got.Threshold
			switch {
			case c.BootSD == 0:
				// A constant reference: nothing to scale, the fixed
				// threshold decides, and no stability to report.
				if got.Source != detectors.SourceFixedFallback || got.Stability.Measured() {
					t.Fatalf("constant reference: %+v, want the fixed fallback", got)
				}
				th = fixed
			default:
				if got.Stability.Windows != c.SubWindows || math.Abs(got.Stability.WindowMean-c.SubMean) > 1e-9 {
					t.Errorf("sub-windows %d of mean %.12g, oracle %d of mean %.12g", got.Stability.Windows, got.Stability.WindowMean, c.SubWindows, c.SubMean)
				}
				if r := got.Stability.Resampled / level; r < 0.85 || r > 1.15 {
					t.Errorf("bootstrap level %.4g, oracle %.4g", got.Stability.Resampled, level)
				}
				if th > 1 || th < got.Stability.Resampled || th > detectors.CapFactor*got.Stability.Resampled*(1+1e-12) {
					t.Errorf("threshold %.4g outside [%.4g, %g x it] or above 1 (%s)", th, got.Stability.Resampled, float64(detectors.CapFactor), got.Source)
				}
				// The oracle's sub-windows against twice its resamples'
				// mean, where they are clearly apart (a hundred resamples
				// estimate the mean to about 3%).
				if limit := detectors.CapFactor * c.BootMean; c.SubWindows > 0 && math.Abs(c.SubMean/limit-1) > 0.1 && got.Stability.Unstable() != (c.SubMean > limit) {
					t.Errorf("unstable %v; oracle sub-window mean %.4g against twice the resamples' %.4g", got.Stability.Unstable(), c.SubMean, limit)
				}
			}
			thresholds[name] = th
			drifted := detectors.Drifted(method, st.Statistic, nil, th)
			if c.Column == "period" {
				if drifted {
					t.Errorf("control drifted: %.4g > %.4g", st.Statistic, th)
				}
				return
			}
			if bound := max(fixed, detectors.CapFactor*level*1.15); !(c.JS > bound) {
				t.Fatalf("the oracle's distance %.4g is not past the rule's largest threshold %.4g: not a case that must drift", c.JS, bound)
			}
			if !drifted {
				t.Errorf("distance %.4g not above threshold %.4g (%s)", st.Statistic, th, got.Source)
			}
		})
	}
	// One row more must not move the threshold by more than the cap (and
	// the few percent the bootstrap's level itself moves between two
	// sizes): the sub-windows hand over to the bootstrap between 906 and
	// 907 rows of a 4,531-row reference.
	for _, c := range cases {
		if c.M != 906 {
			continue
		}
		a := thresholds[fmt.Sprintf("%s/%d/%s/906", c.Column, c.Reference, c.Order)]
		b := thresholds[fmt.Sprintf("%s/%d/%s/907", c.Column, c.Reference, c.Order)]
		if r := a / b; r > detectors.CapFactor*1.1 || r < 1/(detectors.CapFactor*1.1) {
			t.Errorf("%s, %d rows, %s order: threshold %.4g at 906 rows, %.4g at 907", c.Column, c.Reference, c.Order, a, b)
		}
	}
}

// TestThresholdWithinReach: no calibrated Jensen-Shannon, Hellinger or
// TVD threshold is above 1, the most they can take, down to windows of a
// few values (whose noise alone reaches it); on ordered electricity
// columns that drift within the reference and on a scrambled copy.
func TestThresholdWithinReach(t *testing.T) {
	cols, err := ReadColumns(datasets.Path(t, "electricity.csv"), []string{"date", "nswprice", "nswdemand"})
	if err != nil {
		t.Fatal(err)
	}
	cal := detectors.DefaultCalibration()
	for _, col := range cols {
		for _, ref := range [][]float64{col[:4531], strided(col[:4531])} {
			for _, m := range []int{2, 5, 20, 100, 906, 907, 3000} {
				for _, method := range []string{stats.MethodJensenShannon, stats.MethodHellinger} {
					got := detectors.CalibrateNumeric(ref, nil, m, method, cal)
					if got.Source == detectors.SourceFixedFallback || !(got.Threshold > 0 && got.Threshold <= 1) {
						t.Errorf("%s at %d rows: %+v", method, m, got)
					}
				}
			}
		}
	}
}

package policyeval

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/internal/datasets"
)

var tableOut = flag.String("table", "", "write the full quality table (every candidate policy) as Markdown to this file")

// Candidates are the policies the full table compares.
func Candidates() []Rule {
	cal := detectors.DefaultCalibration()
	return []Rule{
		Fixed(detectors.MethodKS, 0.05),
		Calibrated(detectors.MethodKS, cal),
		Fixed(detectors.MethodPSI, 0.2),
		Fixed(detectors.MethodPSI, 0.1),
		Calibrated(detectors.MethodPSI, cal),
		Calibrated(detectors.MethodPSI, floor(cal, 0.05)),
		Calibrated(detectors.MethodPSI, floor(cal, 0.1)),
		Fixed(detectors.MethodWassersteinNorm, 0.1),
		Calibrated(detectors.MethodWassersteinNorm, cal),
		Fixed(detectors.MethodJensenShannon, 0.1),
		Calibrated(detectors.MethodJensenShannon, cal),
		Fixed(detectors.MethodChi2, 0.05),
		Calibrated(detectors.MethodChi2, cal),
		Evidently(),
		NannyML(WindowSize),
	}
}

// TestQualityTable writes the full table when -table is given:
//
//	go test ./internal/policyeval -run TestQualityTable -table /tmp/quality.md
func TestQualityTable(t *testing.T) {
	if *tableOut == "" {
		t.Skip("pass -table FILE to write the full quality table")
	}
	rules := Candidates()
	var b strings.Builder
	fmt.Fprintf(&b, "| case |")
	for _, r := range rules {
		fmt.Fprintf(&b, " %s |", r.Name)
	}
	fmt.Fprintf(&b, "\n|---|%s\n", strings.Repeat("---|", len(rules)))
	for _, c := range Cases() {
		cols, err := ReadColumns(datasets.Path(t, c.File), c.Columns)
		if err != nil {
			t.Fatal(err)
		}
		scores := Run(c, cols, rules, WindowSize)
		fmt.Fprintf(&b, "| %s |", c.Name)
		for _, s := range scores {
			fmt.Fprintf(&b, " %s |", cell(c, s))
		}
		b.WriteString("\n")
	}
	// The same controls at other window sizes: a fixed threshold's false
	// alarm rate moves with the sample size, a calibrated one should not.
	sizes := []int{50, 200, 500, 2000}
	small := []Rule{
		Fixed(detectors.MethodKS, 0.05), Calibrated(detectors.MethodKS, detectors.DefaultCalibration()),
		Fixed(detectors.MethodPSI, 0.2), Fixed(detectors.MethodPSI, 0.1), Calibrated(detectors.MethodPSI, detectors.DefaultCalibration()),
		Calibrated(detectors.MethodJensenShannon, detectors.DefaultCalibration()), Evidently(),
	}
	fmt.Fprintf(&b, "\n| control, window rows |")
	for _, r := range small {
		fmt.Fprintf(&b, " %s |", r.Name)
	}
	fmt.Fprintf(&b, " NannyML default |\n|---|%s\n", strings.Repeat("---|", len(small)+1))
	for _, c := range Cases() {
		// day is a control only for windows of whole weeks (2,000 rows
		// are 41 days); 200 rows are four days of seven.
		if !c.Control || c.Categorical {
			continue
		}
		cols, err := ReadColumns(datasets.Path(t, c.File), c.Columns)
		if err != nil {
			t.Fatal(err)
		}
		for _, size := range sizes {
			scores := Run(c, cols, append(small[:len(small):len(small)], NannyML(size)), size)
			fmt.Fprintf(&b, "| %s, %d |", c.Name, size)
			for _, s := range scores {
				fmt.Fprintf(&b, " %s |", cell(c, s))
			}
			b.WriteString("\n")
		}
	}
	if err := os.WriteFile(*tableOut, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
}

// cell renders a score: a control's flagged share, a drift's windows
// flagged before the change and columns flagged in the first window after.
func cell(c Case, s Score) string {
	var out string
	if c.Control {
		out = fmt.Sprintf("%d/%d (%.1f%%)", s.Flagged, s.Windows, 100*s.Share())
	} else {
		out = fmt.Sprintf("before %d/%d; first after %d/%d", s.Flagged, s.Windows, s.FirstAfter, s.Columns)
	}
	if s.Undecided > 0 {
		out += fmt.Sprintf("; %d n/a", s.Undecided)
	}
	return out
}

func floor(c detectors.Calibration, f float64) detectors.Calibration {
	c.Floor = f
	return c
}

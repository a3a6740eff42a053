package policyeval

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/internal/datasets"
)

var tableOut = flag.String("table", "", "write the full quality table (every candidate policy) as Markdown to this file")

// Candidates are the policies the full table compares.
func Candidates() []Rule {
	cal := detectors.DefaultCalibration()
	return []Rule{
		Fixed(stats.MethodKS, 0.05),
		Calibrated(stats.MethodKS, cal),
		Fixed(stats.MethodPSI, 0.2),
		Fixed(stats.MethodPSI, 0.1),
		Calibrated(stats.MethodPSI, cal),
		Calibrated(stats.MethodPSI, floor(cal, 0.05)),
		Fixed(stats.MethodWassersteinNorm, 0.1),
		Calibrated(stats.MethodWassersteinNorm, cal),
		Fixed(stats.MethodJensenShannon, 0.1),
		Calibrated(stats.MethodJensenShannon, cal),
		Fixed(stats.MethodChi2, 0.05),
		Calibrated(stats.MethodChi2, cal),
		Evidently(),
		NannyML(WindowSize),
	}
}

// TestQualityTable writes the README's quality table, then the full
// candidates table and the window-size table, when -table is given:
//
//	go test ./internal/policyeval -run TestQualityTable -table /tmp/quality.md
func TestQualityTable(t *testing.T) {
	if *tableOut == "" {
		t.Skip("pass -table FILE to write the quality tables")
	}
	var b strings.Builder
	readme := []Rule{Default(), Evidently(), NannyML(WindowSize), Fixed(stats.MethodPSI, 0.2), Fixed(stats.MethodKS, 0.05)}
	b.WriteString("README table (windows of 2,000 rows):\n\n")
	writeTable(t, &b, readme, WindowSize, false)
	b.WriteString("\nEvery candidate (windows of 2,000 rows):\n\n")
	writeTable(t, &b, Candidates(), WindowSize, false)
	// The same controls at other window sizes: a fixed threshold's false
	// alarm rate moves with the sample size, a calibrated one should not.
	cal := detectors.DefaultCalibration()
	small := []Rule{
		Default(), Evidently(), Fixed(stats.MethodKS, 0.05), Calibrated(stats.MethodKS, cal),
		Fixed(stats.MethodPSI, 0.2), Fixed(stats.MethodPSI, 0.1), Calibrated(stats.MethodPSI, cal),
		Fixed(stats.MethodJensenShannon, 0.1),
	}
	for _, size := range []int{50, 200, 500} {
		fmt.Fprintf(&b, "\nNumeric controls, windows of %d rows (NannyML's chunks the same size):\n\n", size)
		writeTable(t, &b, append(small[:len(small):len(small)], NannyML(size)), size, true)
	}
	if err := os.WriteFile(*tableOut, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
}

// writeTable writes one Markdown table: a row per case (only the numeric
// controls when controlsOnly: electricity's day is a control only for
// windows of whole weeks, and 2,000 rows are 41 days, 200 four), a column
// per rule.
func writeTable(t *testing.T, b *strings.Builder, rules []Rule, size int, controlsOnly bool) {
	t.Helper()
	b.WriteString("| case |")
	for _, r := range rules {
		fmt.Fprintf(b, " %s |", r.Name)
	}
	fmt.Fprintf(b, "\n|---|%s\n", strings.Repeat("---|", len(rules)))
	for _, c := range Cases() {
		if controlsOnly && (!c.Control || c.Categorical) {
			continue
		}
		cols, err := ReadColumns(datasets.Path(t, c.File), c.Columns)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(b, "| %s |", c.Name)
		for _, s := range Run(c, cols, rules, size) {
			fmt.Fprintf(b, " %s |", cell(c, s))
		}
		b.WriteString("\n")
	}
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

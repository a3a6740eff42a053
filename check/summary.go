package check

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/driftmon/driftmon/detectors/stats"
)

// The verdicts of a column in the summary.
const (
	verdictDrifted = "drifted"
	verdictNoDrift = "no drift"
	// verdictReportOnly: the deciding method has no threshold (--decide
	// wasserstein, say), so its value is reported and never drifts.
	verdictReportOnly = "report only"
	// verdictNotCompared: a side has no values; nothing was computed.
	verdictNotCompared = "not compared"
)

// verdictRank orders the verdicts in the summary.
var verdictRank = map[string]int{verdictDrifted: 0, verdictNoDrift: 1, verdictReportOnly: 2, verdictNotCompared: 3}

// summaryRow is one column as both the table and the HTML page's summary
// show it: the verdict and what it rests on, without the reported methods.
type summaryRow struct {
	*Column
	// Index is the column's place in the report (the file's order).
	Index int
	// Anchor is the id of the column's section in the HTML page.
	Anchor  string
	Verdict string
	// Decision is the deciding method's result; nil when not compared.
	Decision *Result
	// Past says how far the decision's value is past its threshold, as a
	// ratio: the statistic over the threshold for a distance, the
	// threshold over the p-value for a test (+Inf at p = 0). Above 1 is
	// drifted; NaN when there is no threshold or no value.
	Past float64
	// Failed are the quality checks that failed.
	Failed []Result
}

// summary returns a row per column, drifted first, then by how far past
// its threshold each one is (the nearest to drifting first among the
// others), then the report-only and the not compared ones; columns that
// tie keep the file's order. The order is the one a reader wants when
// fifty columns do not fit a screen: what failed, and what nearly did.
func (r *Report) summary() []summaryRow {
	rows := make([]summaryRow, len(r.Columns))
	for i := range r.Columns {
		c := &r.Columns[i]
		row := summaryRow{Column: c, Index: i, Anchor: anchor(c.Name, i), Past: math.NaN()}
		for j := range c.Results {
			if c.Results[j].Decision {
				row.Decision = &c.Results[j]
			}
		}
		switch d := row.Decision; {
		case d == nil:
			row.Verdict = verdictNotCompared
		case d.Threshold == 0:
			row.Verdict = verdictReportOnly
		case c.Drifted:
			row.Verdict = verdictDrifted
		default:
			row.Verdict = verdictNoDrift
		}
		if d := row.Decision; d != nil && d.Threshold > 0 {
			row.Past = past(*d)
		}
		for _, q := range c.Quality {
			if q.Drifted {
				row.Failed = append(row.Failed, q)
			}
		}
		rows[i] = row
	}
	slices.SortStableFunc(rows, func(a, b summaryRow) int {
		if c := cmp.Compare(verdictRank[a.Verdict], verdictRank[b.Verdict]); c != 0 {
			return c
		}
		// cmp.Compare orders NaN first; an unknown distance goes last.
		an, bn := math.IsNaN(a.Past), math.IsNaN(b.Past)
		if an || bn {
			return cmp.Compare(boolInt(an), boolInt(bn))
		}
		return cmp.Compare(b.Past, a.Past)
	})
	return rows
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// past is how far a decision's value is past its threshold; see
// summaryRow.Past.
func past(d Result) float64 {
	if stats.IsPValueMethod(d.Method) {
		if d.PValue == nil || math.IsNaN(*d.PValue) {
			return math.NaN()
		}
		if *d.PValue == 0 {
			return math.Inf(1)
		}
		return d.Threshold / *d.PValue
	}
	return d.Statistic / d.Threshold
}

// anchor is the id of a column's section: "col-" and its name when the
// name is made of letters, digits, '_', '-' and '.', which read well in a
// link (report.html#col-amount); else "column-" and its place in the file,
// which needs no escaping. The two prefixes differ, so they never clash.
func anchor(name string, i int) string {
	ok := name != ""
	for _, r := range name {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_-.", r))) {
			ok = false
			break
		}
	}
	if ok {
		return "col-" + name
	}
	return "column-" + strconv.Itoa(i)
}

// decisionValue is the number a decision's threshold judges: the p-value
// of a test, the statistic of a distance; NaN when undefined.
func decisionValue(d *Result) float64 {
	if d == nil {
		return math.NaN()
	}
	if stats.IsPValueMethod(d.Method) {
		if d.PValue == nil {
			return math.NaN()
		}
		return *d.PValue
	}
	return d.Statistic
}

// thresholdText renders a threshold with its sense: "p < 0.05" for a
// test, "> 0.1" for a distance, "-" for a method that only reports.
func thresholdText(r Result, digits int) string {
	switch {
	case r.Threshold == 0:
		return "-"
	case stats.IsPValueMethod(r.Method):
		return "p < " + numDigits(r.Threshold, digits)
	}
	return "> " + numDigits(r.Threshold, digits)
}

// sourceText names where a decision's threshold came from: the result's
// threshold_source, "fixed" when that is empty.
func sourceText(r Result) string {
	switch {
	case r.Threshold == 0:
		return "-"
	case r.ThresholdSource == "":
		return "fixed"
	}
	return r.ThresholdSource
}

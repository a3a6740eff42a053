package check

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Report is the outcome of a check, in the JSON shape users script
// against.
type Report struct {
	Reference     string   `json:"reference"`
	Current       string   `json:"current"`
	RowsReference int64    `json:"rows_reference"`
	RowsCurrent   int64    `json:"rows_current"`
	Columns       []Column `json:"columns"`
	// Skipped are the columns left out because a file holds them in a
	// type no statistic reads.
	Skipped []Skipped `json:"skipped,omitempty"`
	Dataset Dataset   `json:"dataset"`
	// QualityFailures counts the failed quality checks over all columns:
	// a broken file fails check as drift does.
	QualityFailures int `json:"quality_failures"`
}

// Skipped is a column left out, and why.
type Skipped struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Column is one compared column.
type Column struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Drifted is the column's one verdict, from the DecidedBy method.
	Drifted   bool   `json:"drifted"`
	DecidedBy string `json:"decided_by"`
	// NReference and NCurrent count the values compared: finite numbers,
	// or non-missing categories.
	NReference       uint64 `json:"n_reference"`
	NCurrent         uint64 `json:"n_current"`
	MissingReference uint64 `json:"missing_reference"`
	MissingCurrent   uint64 `json:"missing_current"`
	// InvalidReference and InvalidCurrent count cells of a numeric column
	// that are not finite numbers (text, NaN, infinities): left out of
	// every statistic.
	InvalidReference uint64   `json:"invalid_reference"`
	InvalidCurrent   uint64   `json:"invalid_current"`
	Note             string   `json:"note,omitempty"`
	Results          []Result `json:"results"`
	// Quality holds the data quality checks of the current column
	// against the reference's (method = the check's name; Drifted: the
	// check failed). The same checks as the service's, computed exactly.
	Quality []Result `json:"quality"`
	// Distribution is both sides over the reference's bins (numbers) or
	// the categories, for the HTML report's chart; nil for a column with
	// no reference values.
	Distribution *Distribution `json:"distribution,omitempty"`
}

// Result is one method's value on one column.
type Result struct {
	Method string `json:"method"`
	// Statistic is NaN where the method is undefined (Note says why):
	// null in JSON.
	Statistic float64  `json:"statistic"`
	PValue    *float64 `json:"p_value"`
	// Threshold: p-value methods drift when p < threshold, distances when
	// statistic > threshold; 0 means reported only. On a reported result,
	// the method's usual level: whether its value is past it is what the
	// method would have said had it decided.
	Threshold float64 `json:"threshold"`
	// ThresholdSource says where the verdict row's threshold came from
	// when it is not the method's fixed one (detectors' Source* names,
	// "+bonferroni" or "+bh" after a correction); "" otherwise.
	ThresholdSource string `json:"threshold_source"`
	// Decision marks the column's verdict: the DecidedBy method's result.
	// The others are reported only and never Drifted, as in the service's
	// drift_results. A quality check is its own verdict: Drifted says it
	// failed, Decision is false.
	Decision bool   `json:"decision"`
	Drifted  bool   `json:"drifted"`
	Note     string `json:"note,omitempty"`
}

// MarshalJSON writes an undefined statistic or p-value as null.
func (r Result) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Method    string   `json:"method"`
		Statistic *float64 `json:"statistic"`
		PValue    *float64 `json:"p_value"`
		Threshold float64  `json:"threshold"`
		Source    string   `json:"threshold_source"`
		Decision  bool     `json:"decision"`
		Drifted   bool     `json:"drifted"`
		Note      string   `json:"note,omitempty"`
	}{r.Method, finiteOrNil(&r.Statistic), finiteOrNil(r.PValue), r.Threshold, r.ThresholdSource, r.Decision, r.Drifted, r.Note})
}

func finiteOrNil(x *float64) *float64 {
	if x == nil || math.IsNaN(*x) || math.IsInf(*x, 0) {
		return nil
	}
	return x
}

// Dataset is the verdict over all columns.
type Dataset struct {
	// Columns counts the columns with values on both sides.
	Columns        int     `json:"columns"`
	DriftedColumns int     `json:"drifted_columns"`
	DriftedShare   float64 `json:"drifted_share"`
	// Threshold is the share of drifted columns allowed
	// (--max-drifted-share); Drifted is DriftedShare above it.
	Threshold float64 `json:"threshold"`
	Drifted   bool    `json:"drifted"`
	// Correction is the correction applied to the p-value verdicts, if
	// any.
	Correction string `json:"correction,omitempty"`
}

// WriteJSON writes the report as one indented JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report for a terminal: one row per column, drifted
// ones marked, then the data set's verdict. A column's statistics start
// with its verdict's (marked * when drifted); the reported ones follow
// after "report:", never marked.
func (r *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "reference: %s (%d rows)\ncurrent:   %s (%d rows)\n\n", r.Reference, r.RowsReference, r.Current, r.RowsCurrent)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COLUMN\tKIND\tN_REF\tN_CUR\tMISSING\tINVALID\tVERDICT\tQUALITY\tSTATISTICS (the verdict's, * drifted; report: the others)")
	for _, c := range r.Columns {
		verdict := "ok"
		switch {
		case c.Note != "" && len(c.Results) == 0:
			verdict = "-"
		case c.Drifted:
			verdict = "DRIFT (" + c.DecidedBy + ")"
		}
		var stats, reported []string
		for _, s := range c.Results {
			if s.Decision {
				stats = append(stats, s.short())
			} else {
				reported = append(reported, s.short())
			}
		}
		if len(reported) > 0 {
			stats = append(stats, "report: "+strings.Join(reported, "  "))
		}
		if c.Note != "" {
			stats = append(stats, "["+c.Note+"]")
		}
		quality := "ok"
		var failed []string
		for _, q := range c.Quality {
			if q.Drifted {
				failed = append(failed, q.Method+"="+num(q.Statistic))
			}
		}
		if len(failed) > 0 {
			quality = "FAIL " + strings.Join(failed, " ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d/%d\t%d/%d\t%s\t%s\t%s\n", c.Name, c.Kind, c.NReference, c.NCurrent,
			c.MissingReference, c.MissingCurrent, c.InvalidReference, c.InvalidCurrent, verdict, quality, strings.Join(stats, "  "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "skipped %s: %s\n", s.Name, s.Reason)
	}
	d := r.Dataset
	verdict := "no drift"
	if d.Drifted {
		verdict = "DRIFT"
	}
	if _, err := fmt.Fprintf(w, "\ndataset: %s: %d of %d columns drifted (share %.3f, allowed %.3f)\n",
		verdict, d.DriftedColumns, d.Columns, d.DriftedShare, d.Threshold); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "quality: %d checks failed\n", r.QualityFailures)
	return err
}

// short renders a result as "ks=0.0312 p=0.0041*".
func (s Result) short() string {
	var b strings.Builder
	b.WriteString(s.Method)
	b.WriteByte('=')
	b.WriteString(num(s.Statistic))
	if s.PValue != nil {
		b.WriteString(" p=")
		b.WriteString(num(*s.PValue))
	}
	if s.Drifted {
		b.WriteByte('*')
	}
	return b.String()
}

func num(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return strconv.FormatFloat(x, 'g', 4, 64)
}

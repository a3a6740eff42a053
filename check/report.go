package check

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
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

// TableWidth is the most characters a line of the default table takes: a
// CI log or a terminal shows it unwrapped.
const TableWidth = 120

// WriteTable writes the report for a terminal, every line at most
// TableWidth characters: the files, then one row per column in the
// summary's order (drifted first, then by how far past its threshold)
// with what its verdict rests on: the deciding method, the value its
// threshold judges (a test's p-value, "p=...", else the statistic), the
// threshold and where it came from, and the failed quality checks; then
// the notes and the data set's verdict. Numbers have three significant
// digits. A long column name is elided in its middle and the quality cell
// loses whole checks from its end, only as far as the line needs (see
// writeFitted); WriteTableWide has the rest.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	r.writeFiles(&b, TableWidth)
	rows := [][]string{{"COLUMN", "KIND", "VERDICT", "DECIDED BY", "STATISTIC", "THRESHOLD", "SOURCE", "QUALITY"}}
	var notes []string
	for _, s := range r.summary() {
		method, value, threshold, source := "-", "-", "-", "-"
		if d := s.Decision; d != nil {
			method, threshold = d.Method, thresholdText(*d, 3)
			source = narrowSource.Replace(sourceText(*d))
			value = numDigits(decisionValue(d), 3)
			if d.PValue != nil {
				value = "p=" + value
			}
			// A note explains an undefined value ("n/a"); the others
			// (which p-value, say) are the JSON's and the wide table's.
			if d.Note != "" && math.IsNaN(decisionValue(d)) {
				notes = append(notes, s.Name+": "+d.Method+": "+d.Note)
			} else if w := warning(d.Note); w != "" {
				notes = append(notes, s.Name+": "+d.Method+": "+w)
			}
		}
		if s.Note != "" {
			notes = append(notes, s.Name+": "+s.Note)
		}
		rows = append(rows, []string{s.Name, shortKind(s.Kind), tableVerdict(s.Verdict), method, value, threshold, source,
			qualityText(s.Failed, 3, false)})
	}
	writeFitted(&b, rows, TableWidth)
	for _, n := range notes {
		b.WriteString(elideEnd("note "+n, TableWidth) + "\n")
	}
	r.writeVerdict(&b, TableWidth)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteTableWide writes what WriteTable leaves out, one row per column in
// the same order and nothing elided: the counts of values, missing and
// invalid cells, the failed quality checks with their values and limits,
// and every method's statistic and p-value, the verdict's first (starred
// when drifted), the reported ones after "report:", never starred.
func (r *Report) WriteTableWide(w io.Writer) error {
	var b strings.Builder
	r.writeFiles(&b, 0)
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COLUMN\tKIND\tVERDICT\tDECIDED BY\tTHRESHOLD\tSOURCE\tN_REF\tN_CUR\tMISSING\tINVALID\tQUALITY\tSTATISTICS (the verdict's, * drifted; report: the others)")
	for _, s := range r.summary() {
		threshold, source := "-", "-"
		var stats, reported []string
		for _, res := range s.Results {
			if res.Decision {
				threshold, source = thresholdText(res, 4), sourceText(res)
				stats = append(stats, res.short())
			} else {
				reported = append(reported, res.short())
			}
		}
		if len(reported) > 0 {
			stats = append(stats, "report: "+strings.Join(reported, "  "))
		}
		if d := s.Decision; d != nil && warning(d.Note) != "" {
			stats = append(stats, "["+d.Method+": "+warning(d.Note)+"]")
		}
		if s.Note != "" {
			stats = append(stats, "["+s.Note+"]")
		}
		method := s.DecidedBy
		if s.Decision == nil {
			method = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d/%d\t%d/%d\t%s\t%s\n", s.Name, s.Kind, tableVerdict(s.Verdict), method,
			threshold, source, s.NReference, s.NCurrent, s.MissingReference, s.MissingCurrent, s.InvalidReference, s.InvalidCurrent,
			qualityText(s.Failed, 4, true), strings.Join(stats, "  "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	r.writeVerdict(&b, 0)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeFiles writes which files were compared; a path too long for width
// (0: any) is elided in its middle, keeping the file's name.
func (r *Report) writeFiles(b *strings.Builder, width int) {
	for _, f := range []struct {
		label, path string
		rows        int64
	}{{"reference: ", r.Reference, r.RowsReference}, {"current:   ", r.Current, r.RowsCurrent}} {
		rows := fmt.Sprintf(" (%d rows)", f.rows)
		path := f.path
		if width > 0 {
			path = elideMiddle(path, width-len(f.label)-len(rows))
		}
		b.WriteString(f.label + path + rows + "\n")
	}
	b.WriteString("\n")
}

// writeVerdict writes the skipped columns and the data set's verdict.
func (r *Report) writeVerdict(b *strings.Builder, width int) {
	for _, s := range r.Skipped {
		line := "skipped " + s.Name + ": " + s.Reason
		if width > 0 {
			line = elideEnd(line, width)
		}
		b.WriteString(line + "\n")
	}
	d := r.Dataset
	verdict := "no drift"
	if d.Drifted {
		verdict = "DRIFT"
	}
	fmt.Fprintf(b, "\ndataset: %s: %d of %d columns drifted (share %.3f, allowed %.3f)", verdict, d.DriftedColumns, d.Columns,
		d.DriftedShare, d.Threshold)
	if d.Correction != "" && d.Correction != "none" {
		fmt.Fprintf(b, ", p-values corrected by %s", d.Correction)
	}
	fmt.Fprintf(b, "\nquality: %d checks failed\n", r.QualityFailures)
}

// narrowSource shortens a threshold source for the narrow table:
// "bootstrap", "sub_windows", "fallback" (a calibration with nothing to go
// on), "+bonf" for Bonferroni; the wide table and the JSON spell them out.
var narrowSource = strings.NewReplacer("calibrated:", "", "fixed:", "", "bonferroni", "bonf")

// tableVerdict is a summary verdict as the tables write it: DRIFT in
// capitals, to be found at a glance and by grep.
func tableVerdict(v string) string {
	switch v {
	case verdictDrifted:
		return "DRIFT"
	case verdictNoDrift:
		return "ok"
	case verdictReportOnly:
		return "report"
	}
	return "-"
}

// shortKind abbreviates a kind for the narrow table.
func shortKind(k string) string {
	switch k {
	case "numeric":
		return "num"
	case "categorical":
		return "cat"
	case "boolean":
		return "bool"
	}
	return k
}

// qualityText is "ok", or FAIL and each failed check with its value (and
// its limit, when withLimit).
func qualityText(failed []Result, digits int, withLimit bool) string {
	if len(failed) == 0 {
		return "ok"
	}
	parts := make([]string, len(failed))
	for i, q := range failed {
		parts[i] = q.Method + "=" + numDigits(q.Statistic, digits)
		if withLimit {
			parts[i] += " (limit " + numDigits(q.Threshold, digits) + ")"
		}
	}
	return "FAIL " + strings.Join(parts, ", ")
}

// How the two cells that give way shrink, in turn, until the line fits:
// a name first, to 20 characters (enough of both ends to tell it from its
// neighbours, see elideNames), then the quality cell to 24 (FAIL and its
// first check with its value), then the quality cell to 12 (its first
// check's name, cut) before the name to 12, as a name cut shorter may no
// longer tell columns apart. The last steps only matter for a long
// threshold source ("sub_windows+bonf") beside long numbers.
var shrinkSteps = []struct {
	last bool // the quality cell, else the name
	min  int
}{{false, 20}, {true, 24}, {true, 12}, {false, 12}, {true, 8}}

// writeFitted writes rows of cells in columns two spaces apart, the lines
// no longer than width: when the cells' natural widths do not fit, the
// first column (the column's name) and the last (quality) give way in the
// steps of shrinkSteps; the other cells are short by construction (method
// names, three-digit numbers). Names are elided in their middle (see
// elideNames); the quality cell by whole checks from its end, counting
// those left out, as its first check matters most.
func writeFitted(b *strings.Builder, rows [][]string, width int) {
	n := len(rows[0])
	widths := make([]int, n)
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	total := 2 * (n - 1)
	for _, w := range widths {
		total += w
	}
	for _, step := range shrinkSteps {
		col := 0
		if step.last {
			col = n - 1
		}
		if over := total - width; over > 0 && widths[col] > step.min {
			cut := min(over, widths[col]-step.min)
			widths[col] -= cut
			total -= cut
		}
	}
	names := make([]string, len(rows)-1)
	for i, row := range rows[1:] {
		names[i] = row[0]
	}
	names = elideNames(names, widths[0])
	for r, row := range rows {
		var line strings.Builder
		for i, c := range row {
			switch {
			case i == 0 && r > 0:
				c = names[r-1]
			case i == n-1:
				line.WriteString(elideList(c, widths[i]))
				continue
			}
			line.WriteString(c)
			line.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2))
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
}

// elideNames shortens the names longer than n characters by replacing
// their middle with "...", keeping as many of their first characters as
// of their last, or, where that makes two of them alike, moving the cut
// toward the start (then the end) until they differ: names that share a
// long prefix (customer_..._feature_07_sum_7d) differ near their end.
// When no cut tells them all apart, the even one stands.
func elideNames(names []string, n int) []string {
	keep := n - 3
	if keep < 2 {
		return names
	}
	even := (keep + 1) / 2
	heads := []int{even}
	for h := even - 1; h >= 1; h-- {
		heads = append(heads, h)
	}
	for h := even + 1; h < keep; h++ {
		heads = append(heads, h)
	}
	var first []string
	for _, h := range heads {
		out := make([]string, len(names))
		seen := map[string]bool{}
		unique := true
		for i, name := range names {
			out[i] = elideAt(name, n, h)
			unique = unique && !seen[out[i]]
			seen[out[i]] = true
		}
		if unique {
			return out
		}
		if first == nil {
			first = out
		}
	}
	return first
}

// elideAt shortens s to n characters, keeping its first head characters,
// "..." and its last n-3-head.
func elideAt(s string, n, head int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:head]) + "..." + string(r[len(r)-(n-3-head):])
}

// elideMiddle shortens s to at most n characters by replacing its middle
// with "...", keeping its start and end.
func elideMiddle(s string, n int) string {
	if n < 5 {
		return s
	}
	return elideAt(s, n, (n-3+1)/2)
}

// elideList shortens a list "FAIL a=1, b=2, c=3" to at most n characters
// by leaving out whole items from its end and saying how many: "FAIL a=1
// (+2)"; when not even the first item fits, the same without the values
// ("FAIL a (+2)": which check failed matters more than by how much); an
// item is cut only when its name alone does not fit.
func elideList(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	items := strings.Split(s, ", ")
	bare := make([]string, len(items))
	for i, it := range items {
		bare[i], _, _ = strings.Cut(it, "=")
	}
	for _, list := range [][]string{items, bare} {
		for keep := len(list); keep > 0; keep-- {
			t := strings.Join(list[:keep], ", ")
			if keep < len(list) {
				t += fmt.Sprintf(" (+%d)", len(list)-keep)
			}
			if utf8.RuneCountInString(t) <= n {
				return t
			}
		}
	}
	return elideEnd(bare[0], n)
}

// elideEnd shortens s to at most n characters, ending in "...".
func elideEnd(s string, n int) string {
	r := []rune(s)
	if len(r) <= n || n < 4 {
		return s
	}
	return string(r[:n-3]) + "..."
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

func num(x float64) string { return numDigits(x, 4) }

// numDigits formats x with the given significant digits; "n/a" for an
// undefined value.
func numDigits(x float64, digits int) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return strconv.FormatFloat(x, 'g', digits, 64)
}

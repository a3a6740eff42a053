package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/driftmon/driftmon/check"
)

var checkCommand = &command{
	name:     "check",
	synopsis: []string{"reference", "current", "[format]", "[flags]"},
	summary:  "compare two files; exit 0 no drift, 1 drift, 2 error",
	doc: `Compares every column of B (the current data) with the same column of A
(the reference, a training set say), CSV or Parquet, exactly, and runs the
data quality checks on each column of B. Exit status: 0 no drift and no
failed quality check, 1 drift or a failed quality check, 2 usage or input
error. On a terminal, a run longer than a few seconds shows its progress on
stderr (rows read, columns compared); elsewhere it prints nothing there
but errors.`,
	define: defineCheck,
}

// defineCheck registers check's flags; the command compares two files:
// exit 0 without drift, 1 with drift, 2 on a usage or input error.
func defineCheck(fs *flag.FlagSet, e *env) func(context.Context) int {
	var o check.Options
	fs.StringVar(&o.Reference, "reference", "", "the reference `FILE` (CSV or Parquet)")
	fs.StringVar(&o.Current, "current", "", "the current `FILE` (CSV or Parquet)")
	columns := fs.String("columns", "", "comma-separated columns to compare (default: all, and both files must have the same columns)")
	ignore := fs.String("ignore", "", "comma-separated columns to leave out")
	categorical := fs.String("categorical", "", "comma-separated columns to treat as categorical")
	numeric := fs.String("numeric", "", "comma-separated columns to treat as numeric (non-numbers count as invalid)")
	methods := fs.String("methods", "", "comma-separated statistics to report (default: all of each column's kind)")
	fs.BoolVar(&o.Strict, "strict", false, "refuse a non-number in a numeric column instead of counting it as invalid")
	fs.Float64Var(&o.MaxDriftedShare, "max-drifted-share", 0, "share of drifted columns that still passes (0: any drifted column fails)")
	decide := fs.String("decide", "", "comma-separated decision methods: METHOD for every kind of column that has it, COLUMN=METHOD for one column (default: jensen_shannon for numbers, psi for categories)")
	fs.StringVar(&o.Calibrate, "calibrate", "auto", "thresholds calibrated from the reference: auto (numeric verdicts), on (every verdict) or off (fixed thresholds)")
	fs.Float64Var(&o.K, "k", 3, "calibrated threshold: mean + k standard deviations of the statistic over reference sub-windows")
	fs.StringVar(&o.Correction, "correction", "none", "correction of the p-value verdicts across columns: none, bonferroni or bh (Benjamini-Hochberg)")
	ranges := fs.String("ranges", "", "comma-separated valid ranges of numeric columns, as column=lo:hi (default: the reference's min and max widened by a tenth of their span)")
	failOnQuality := fs.Bool("fail-on-quality", true, "exit 1 when a quality check fails, as on drift")
	format := newChoice("table", "table", "json", "html")
	fs.Var(format, "format", "the report: a table, JSON, or one self-contained HTML page with a chart per column (best with --output)")
	output := fs.String("output", "", "write the report to this `FILE` instead of standard output")
	wide := fs.Bool("wide", false, "with --format table: every method's statistic and p-value, counts and quality limits, in lines wider than 120 characters")
	return func(ctx context.Context) int {
		stdout, stderr := e.stdout, e.stderr
		if *wide && format.value != "table" {
			fmt.Fprintln(stderr, "driftmon check: --wide is for --format table")
			return ExitUsage
		}
		o.Columns, o.Ignore, o.Categorical, o.Numeric, o.Methods, o.Decide =
			list(*columns), list(*ignore), list(*categorical), list(*numeric), list(*methods), list(*decide)

		var err error
		if o.Ranges, err = parseRanges(*ranges); err != nil {
			fmt.Fprintln(stderr, "driftmon check: --ranges:", err)
			return ExitUsage
		}
		if e.terminal {
			o.Progress = new(check.Progress)
			ticks, stop := e.progress()
			done := showProgress(stderr, o.Progress, ticks)
			defer func() { stop(); done() }()
		}
		rep, err := check.Run(ctx, o)
		if err != nil {
			fmt.Fprintln(stderr, "driftmon check:", strings.TrimPrefix(err.Error(), check.ErrInput.Error()+": "))
			return ExitUsage
		}
		if err := writeReport(rep, format.value, *wide, *output, stdout); err != nil {
			fmt.Fprintln(stderr, "driftmon check:", err)
			return ExitUsage
		}
		if rep.Dataset.Drifted || (*failOnQuality && rep.QualityFailures > 0) {
			return ExitDrift
		}
		return ExitOK
	}
}

func writeReport(rep *check.Report, format string, wide bool, output string, stdout io.Writer) (err error) {
	w := stdout
	if output != "" {
		f, err := os.Create(output)
		if err != nil {
			return fmt.Errorf("--output: %w", err)
		}
		defer func() {
			if cerr := f.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("--output: %w", cerr)
			}
		}()
		w = f
	}
	switch format {
	case "json":
		return rep.WriteJSON(w)
	case "html":
		return rep.WriteHTML(w)
	}
	if wide {
		return rep.WriteTableWide(w)
	}
	return rep.WriteTable(w)
}

// list splits a comma-separated flag, dropping empty items.
func list(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// parseRanges reads "col=lo:hi,col2=lo:hi".
func parseRanges(s string) (map[string][2]float64, error) {
	out := map[string][2]float64{}
	for _, item := range list(s) {
		name, r, ok := strings.Cut(item, "=")
		lo, hi, ok2 := strings.Cut(r, ":")
		if !ok || !ok2 || name == "" {
			return nil, fmt.Errorf("%q: want column=lo:hi", item)
		}
		a, err := strconv.ParseFloat(lo, 64)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", item, err)
		}
		b, err := strconv.ParseFloat(hi, 64)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", item, err)
		}
		out[name] = [2]float64{a, b}
	}
	return out, nil
}

package check

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/driftmon/driftmon/internal/datasets"
)

// wideNames are 50 column names of 68 to 70 characters that share a long
// prefix and differ at their ends, as a feature store names them: the
// table must elide them and still tell them apart.
func wideNames() []string {
	names := make([]string, 50)
	for i := range names {
		names[i] = fmt.Sprintf("customer_account_activity_rolling_window_aggregate_feature_%02d_%s", i,
			[]string{"sum_7d", "mean_30d", "max_90d"}[i%3])
	}
	return names
}

// wideFixture writes two files of the 50 wideNames columns in a folder
// whose path alone is over 120 characters: a reference of 1,000 rows and
// a current of 200 (so numeric thresholds calibrate on five sub-windows).
// Every fifth column is categorical (a, b, c; the current adds d to every
// other one of them); the numeric ones are normal, the current shifted by
// 3 sigma in every third column, with a third of its cells missing in
// every seventh; the last column is empty in the current file, so it is
// not compared.
func wideFixture(t *testing.T) Options {
	t.Helper()
	names := wideNames()
	dir := filepath.Join(t.TempDir(), "nightly_training_pipeline_reports_for_the_customer_activity_model",
		"candidate_datasets_compared_against_the_production_reference")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	write := func(name string, rows int, current bool) string {
		var b strings.Builder
		b.WriteString(strings.Join(names, ",") + "\n")
		for r := range rows {
			for i := range names {
				if i > 0 {
					b.WriteByte(',')
				}
				switch {
				case current && (i == len(names)-1 || i%7 == 0 && r%3 == 0):
					// missing
				case i%5 == 0:
					cats := "abc"
					if current && i%10 == 0 {
						cats = "abcd"
					}
					b.WriteByte(cats[rng.IntN(len(cats))])
				default:
					x := rng.NormFloat64()
					if current && i%3 == 0 {
						x += 3
					}
					b.WriteString(fmt.Sprintf("%.4f", x))
				}
			}
			b.WriteByte('\n')
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return Options{Reference: write("reference_snapshot_of_production_traffic.csv", 1000, false),
		Current: write("candidate_training_set.csv", 200, true)}
}

// halves compares a shared data set's first half of rows with its second.
func halves(t *testing.T, file string) Options {
	t.Helper()
	b, err := os.ReadFile(datasets.Path(t, file))
	if err != nil {
		t.Fatal(err)
	}
	rows := bytes.Count(b, []byte("\n")) - 1
	dir := t.TempDir()
	return Options{Reference: datasets.Slice(t, file, 0, rows/2, dir, "first-half.csv"),
		Current: datasets.Slice(t, file, rows/2, rows, dir, "second-half.csv")}
}

// TestTableWidth: every line of the default table is at most 120
// characters, on the shared data sets (the hourly bike file is left out:
// it has the daily one's columns and takes seconds) and on the wide
// synthetic files under every kind of verdict and threshold source, and
// every column still has exactly one row, recognisable by its name's
// start and end, with its verdict. Names are elided only where the line
// needs it.
func TestTableWidth(t *testing.T) {
	tests := []struct {
		name    string
		options func(t *testing.T) Options
		// elided: the names must be shortened to fit; otherwise none may be.
		elided bool
	}{
		{"electricity", func(t *testing.T) Options { return halves(t, "electricity.csv") }, false},
		{"weather_noaa", func(t *testing.T) Options { return halves(t, "weather_noaa.csv") }, false},
		{"bike_sharing_day", func(t *testing.T) Options { return halves(t, "bike_sharing_day.csv") }, false},
		{"insects_gradual_balanced", func(t *testing.T) Options { return halves(t, "insects_gradual_balanced.csv") }, false},
		{"sea", func(t *testing.T) Options { return halves(t, "sea.csv") }, false},
		{"wide synthetic", wideFixture, true},
		// ks calibrated on sub-windows and Bonferroni-corrected: the longest
		// threshold source, "sub_windows+bonf", and p-values.
		{"wide synthetic, ks corrected", func(t *testing.T) Options {
			o := wideFixture(t)
			o.Decide, o.Calibrate, o.Correction = []string{"ks"}, "on", "bonferroni"
			return o
		}, true},
		// wasserstein has no threshold: every numeric column report only.
		{"wide synthetic, report only", func(t *testing.T) Options {
			o := wideFixture(t)
			o.Decide = []string{"wasserstein"}
			return o
		}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Run(context.Background(), tc.options(t))
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := rep.WriteTable(&b); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for i, line := range strings.Split(out, "\n") {
				if n := utf8.RuneCountInString(line); n > TableWidth {
					t.Errorf("line %d is %d characters, over %d: %q", i+1, n, TableWidth, line)
				}
			}
			rows := tableRows(t, out)
			elided := 0
			for _, c := range rep.Columns {
				var found []string
				for cell, row := range rows {
					if cell == c.Name || namesMatch(cell, c.Name) {
						found = append(found, row)
						if cell != c.Name {
							elided++
						}
					}
				}
				if len(found) != 1 {
					t.Errorf("column %s: %d rows in the table, want 1: %q", c.Name, len(found), found)
					continue
				}
				want := "ok"
				switch d := decisionOf(&c); {
				case d == nil:
					want = "-"
				case d.Threshold == 0:
					want = "report"
				case c.Drifted:
					want = "DRIFT"
				}
				if f := strings.Fields(found[0]); len(f) < 3 || f[2] != want {
					t.Errorf("column %s: row %q, want verdict %s", c.Name, found[0], want)
				}
			}
			if len(rows) != len(rep.Columns) {
				t.Errorf("%d table rows, want one per column (%d)", len(rows), len(rep.Columns))
			}
			if tc.elided != (elided == len(rep.Columns)) || !tc.elided && elided > 0 {
				t.Errorf("%d of %d names elided; want all: %v", elided, len(rep.Columns), tc.elided)
			}
		})
	}
}

// tableRows maps each row's first cell (a column's name, perhaps elided)
// to the row: the lines between the COLUMN header and the blank line.
func tableRows(t *testing.T, out string) map[string]string {
	t.Helper()
	lines := strings.Split(out, "\n")
	rows := map[string]string{}
	in := false
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "COLUMN "):
			in = true
		case in && (l == "" || strings.HasPrefix(l, "note ")):
			return rows
		case in:
			name := strings.Fields(l)[0]
			if _, dup := rows[name]; dup {
				t.Errorf("two rows start with %q", name)
			}
			rows[name] = l
		}
	}
	t.Fatalf("no table in:\n%s", out)
	return nil
}

// namesMatch says whether cell is name elided in its middle: the name's
// start, "...", the name's end, shorter than the name.
func namesMatch(cell, name string) bool {
	head, tail, ok := strings.Cut(cell, "...")
	return ok && len(cell) < len(name) && strings.HasPrefix(name, head) && strings.HasSuffix(name, tail) &&
		len(head) > 0 && len(tail) > 0
}

func decisionOf(c *Column) *Result {
	for i := range c.Results {
		if c.Results[i].Decision {
			return &c.Results[i]
		}
	}
	return nil
}

// TestWideTable: --wide names every method each column computed, with its
// statistic and, for a test, its p-value, and the verdict's first.
func TestWideTable(t *testing.T) {
	rep, err := Run(context.Background(), wideFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteTableWide(&b); err != nil {
		t.Fatal(err)
	}
	rows := tableRows(t, b.String())
	for _, c := range rep.Columns {
		row, ok := rows[c.Name]
		if !ok {
			t.Errorf("no row for %s", c.Name)
			continue
		}
		stats := row[strings.Index(row, "  "+c.DecidedBy+"=")+2:]
		if len(c.Results) > 0 && !strings.HasPrefix(stats, c.DecidedBy+"=") {
			t.Errorf("%s: the statistics do not start with the verdict's (%s): %q", c.Name, c.DecidedBy, row)
		}
		for _, r := range c.Results {
			want := r.Method + "=" + num(r.Statistic)
			if r.PValue != nil {
				want += " p=" + num(*r.PValue)
			}
			if !strings.Contains(row, want) {
				t.Errorf("%s: row lacks %q: %q", c.Name, want, row)
			}
		}
	}
}

// TestElide: the cut strings keep what identifies them and are exactly as
// long as asked.
func TestElide(t *testing.T) {
	tests := []struct {
		name, in string
		n        int
		f        func(string, int) string
		want     string
	}{
		{"middle, short enough", "amount", 6, elideMiddle, "amount"},
		// 10 characters: 4 of the start, "...", 3 of the end.
		{"middle", "feature_01_sum_7d", 10, elideMiddle, "feat..._7d"},
		{"middle, unicode", "größe_der_bestellung", 9, elideMiddle, "grö...ung"},
		{"end", "out_of_range_share=0.5", 10, elideEnd, "out_of_..."},
		{"list, whole items", "FAIL a=1, b=2, c=3", 15, elideList, "FAIL a=1 (+2)"},
		{"list, fits", "FAIL a=1, b=2, c=3", 18, elideList, "FAIL a=1, b=2, c=3"},
		{"list, fewer items", "FAIL out_of_range_share=0.25, missing_share=0.5", 40, elideList, "FAIL out_of_range_share=0.25 (+1)"},
		{"list, one name", "FAIL out_of_range_share=0.25, missing_share=0.5", 28, elideList, "FAIL out_of_range_share (+1)"},
		{"list, first too long", "FAIL out_of_range_share=1, b=2", 12, elideList, "FAIL out_..."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.f(tc.in, tc.n)
			if got != tc.want || utf8.RuneCountInString(got) > tc.n {
				t.Errorf("got %q, want %q (at most %d characters)", got, tc.want, tc.n)
			}
		})
	}
}

// TestSummaryOrder: drifted first, the farthest past its threshold first;
// then the others, the nearest to drifting first; then report only and
// not compared.
func TestSummaryOrder(t *testing.T) {
	p := func(x float64) *float64 { return &x }
	col := func(name string, drifted bool, r ...Result) Column {
		for i := range r {
			r[i].Decision = true
			r[i].Drifted = drifted
		}
		return Column{Name: name, Drifted: drifted, Results: r}
	}
	rep := &Report{Columns: []Column{
		col("empty", false),
		col("far", true, Result{Method: "jensen_shannon", Statistic: 0.5, Threshold: 0.1}),   // 5 x
		col("report", false, Result{Method: "wasserstein", Statistic: 3}),                    // no threshold
		col("calm", false, Result{Method: "psi", Statistic: 0.01, Threshold: 0.2}),           // 0.05 x
		col("near", false, Result{Method: "ks", PValue: p(0.1), Threshold: 0.05}),            // 0.5 x
		col("zero-p", true, Result{Method: "ks", PValue: p(0), Threshold: 0.05}),             // infinitely
		col("just", true, Result{Method: "jensen_shannon", Statistic: 0.12, Threshold: 0.1}), // 1.2 x
		col("undefined", false, Result{Method: "jensen_shannon", Statistic: math.NaN(), Threshold: 0.1}),
	}}
	var got []string
	for _, s := range rep.summary() {
		got = append(got, s.Name)
	}
	want := "zero-p far just near calm undefined report empty"
	if strings.Join(got, " ") != want {
		t.Errorf("order %v, want %s", got, want)
	}
}

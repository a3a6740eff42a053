package check

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/quality"
)

// writeFiles writes named CSV texts into a temporary folder.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestInputErrors(t *testing.T) {
	const good = "x,c\n1,a\n2,b\n3,a\n"
	tests := []struct {
		name     string
		ref, cur string
		opts     func(*Options)
		want     string // a part of the message, with DIR for the folder
	}{
		{"empty reference", "", good, nil, "DIR/ref.csv: empty file: no header row"},
		{"header only", "x,c\n", good, nil, "DIR/ref.csv: no data rows, only a header"},
		{"current lacks a column", good, "x\n1\n", nil, "the headers differ: only DIR/ref.csv has c"},
		{"current has another column", good, "x,c,d\n1,a,0\n", nil, "only DIR/cur.csv has d"},
		{"named column missing", good, good, func(o *Options) { o.Columns = []string{"x", "y"} }, `DIR/ref.csv: column "y" is not in the header (it has x, c)`},
		{"categorical flag names no column", good, good, func(o *Options) { o.Categorical = []string{"z"} }, `--categorical: column "z" is not in the header of DIR/ref.csv`},
		{"both kinds", good, good, func(o *Options) { o.Categorical, o.Numeric = []string{"x"}, []string{"x"} }, `column "x" is given both as --categorical and as --numeric`},
		{"unknown method", good, good, func(o *Options) { o.Methods = []string{"ks", "t_test"} }, `--methods: unknown method "t_test"`},
		{"short row", good, "x,c\n1,a\n2\n", nil, "DIR/cur.csv: line 3"},
		{"strict refuses text in a numeric column", good, "x,c\n1,a\n2,b\noops,a\n", func(o *Options) { o.Strict = true },
			`DIR/cur.csv: line 4: column "x": "oops" is not a number (--strict)`},
		{"share out of range", good, good, func(o *Options) { o.MaxDriftedShare = 1.5 }, "--max-drifted-share 1.5"},
		{"everything ignored", good, good, func(o *Options) { o.Ignore = []string{"x", "c"} }, "no columns left to compare"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"ref.csv": tc.ref, "cur.csv": tc.cur})
			o := Options{Reference: filepath.Join(dir, "ref.csv"), Current: filepath.Join(dir, "cur.csv")}
			if tc.opts != nil {
				tc.opts(&o)
			}
			_, err := Run(context.Background(), o)
			if err == nil {
				t.Fatalf("no error, want one containing %q", tc.want)
			}
			if !errors.Is(err, ErrInput) && !strings.Contains(tc.want, "line") {
				t.Errorf("error %v does not wrap ErrInput", err)
			}
			if want := strings.ReplaceAll(tc.want, "DIR", dir); !strings.Contains(err.Error(), want) {
				t.Errorf("error %q\nwant it to contain %q", err, want)
			}
		})
	}
}

// TestKinds checks inference from the reference: a column that turns to
// text after many numbers is categorical and its earlier numbers count as
// categories; text in the current file's numeric column is invalid.
func TestKinds(t *testing.T) {
	var ref, cur strings.Builder
	ref.WriteString("late,num,empty,flag\n")
	cur.WriteString("late,num,empty,flag\n")
	for i := 0; i < 10000; i++ {
		ref.WriteString("1,2.5,,true\n")
		cur.WriteString("1,2.5,NA,false\n")
	}
	ref.WriteString("word,3,,false\n")
	cur.WriteString("2,text,?,true\n")
	dir := writeFiles(t, map[string]string{"ref.csv": ref.String(), "cur.csv": cur.String()})
	rep, err := Run(context.Background(), Options{Reference: filepath.Join(dir, "ref.csv"), Current: filepath.Join(dir, "cur.csv")})
	if err != nil {
		t.Fatal(err)
	}
	late := findColumn(rep, "late")
	if late.Kind != "categorical" || late.NReference != 10001 || late.NCurrent != 10001 {
		t.Errorf("late: %s with n %d/%d, want categorical 10001/10001", late.Kind, late.NReference, late.NCurrent)
	}
	// Reference: 10000 x "1" and one "word"; current 10000 x "1", one "2":
	// TVD = 0.5 (|1/10001 - 0| + |0 - 1/10001|) = 1/10001.
	if r := findResult(late, "tvd"); r == nil || math.Abs(r.Statistic-1.0/10001) > 1e-15 {
		t.Errorf("late tvd: %+v, want 1/10001", r)
	}
	num := findColumn(rep, "num")
	if num.Kind != "numeric" || num.NCurrent != 10000 || num.InvalidCurrent != 1 || num.InvalidReference != 0 {
		t.Errorf("num: %+v, want numeric with 10000 current values and 1 invalid", num)
	}
	empty := findColumn(rep, "empty")
	if empty.MissingReference != 10001 || empty.MissingCurrent != 10001 || empty.Note != "no values in either file" || len(empty.Results) != 0 {
		t.Errorf("empty: %+v", empty)
	}
	// true/false text counts as categories.
	if flag := findColumn(rep, "flag"); flag.Kind != "categorical" || !flag.Drifted {
		t.Errorf("flag: %+v, want categorical and drifted (1 true in 10001 against 1 false)", flag)
	}
	if rep.Dataset.Columns != 3 {
		t.Errorf("dataset: %d columns with values, want 3", rep.Dataset.Columns)
	}
}

// TestVerdicts checks the column verdicts: the default policy's
// (Jensen-Shannon calibrated for numbers, PSI > 0.2 for categories),
// --decide's (KS and chi2 at p < 0.05 here), the
// data set's share and --methods narrowing.
func TestVerdicts(t *testing.T) {
	var ref, cur strings.Builder
	ref.WriteString("same,moved,c\n")
	cur.WriteString("same,moved,c\n")
	for i := 0; i < 200; i++ {
		// moved: the current values are the reference's plus 100, so
		// half of them lie above the reference's range.
		ref.WriteString(strconv.Itoa(i) + "," + strconv.Itoa(i) + ",a\n")
		cur.WriteString(strconv.Itoa(i) + "," + strconv.Itoa(i+100) + ",a\n")
	}
	dir := writeFiles(t, map[string]string{"ref.csv": ref.String(), "cur.csv": cur.String()})
	o := Options{Reference: filepath.Join(dir, "ref.csv"), Current: filepath.Join(dir, "cur.csv"), Methods: []string{"psi"}}
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	same, moved := findColumn(rep, "same"), findColumn(rep, "moved")
	if same.Drifted || !moved.Drifted || same.DecidedBy != "jensen_shannon" {
		t.Errorf("default: same drifted=%v, moved drifted=%v (by %s); want false, true, by jensen_shannon", same.Drifted, moved.Drifted, same.DecidedBy)
	}
	// 200 values cannot hold 5 sub-windows of 200: the bootstrap.
	if r := findResult(moved, "jensen_shannon"); r == nil || r.ThresholdSource != detectors.SourceBootstrap || r.Threshold == 0.1 {
		t.Errorf("moved jensen_shannon %+v, want a bootstrap-calibrated threshold", r)
	}
	if c := findColumn(rep, "c"); c.Drifted || c.DecidedBy != "psi" || findResult(c, "psi").ThresholdSource != "" {
		t.Errorf("c: %+v, want not drifted, by psi at its fixed threshold", c)
	}

	// psi is both kinds' method, ks only the numbers': ks for numbers.
	o.Decide = []string{"ks", "psi"}
	if rep, err = Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if m, c := findColumn(rep, "moved"), findColumn(rep, "c"); m.DecidedBy != "ks" || c.DecidedBy != "psi" {
		t.Errorf("--decide ks,psi: numbers by %s, categories by %s; want ks, psi", m.DecidedBy, c.DecidedBy)
	}

	o.Decide = []string{"ks", "chi2"}
	if rep, err = Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	same, moved = findColumn(rep, "same"), findColumn(rep, "moved")
	if same.Drifted || !moved.Drifted || same.DecidedBy != "ks" {
		t.Errorf("--decide ks: same drifted=%v, moved drifted=%v (by %s); want false, true, by ks", same.Drifted, moved.Drifted, same.DecidedBy)
	}
	// --methods psi: psi, and ks for the verdict.
	if len(moved.Results) != 2 || findResult(moved, "psi") == nil || findResult(moved, "ks") == nil {
		t.Errorf("moved results %+v, want psi and ks only", moved.Results)
	}
	// Shifting 200 distinct values by 100: D = 100/200 = 0.5.
	if ks := findResult(moved, "ks"); ks == nil || ks.Statistic != 0.5 || ks.ThresholdSource == "" {
		t.Errorf("moved ks %+v, want D = 0.5 at a calibrated level", ks)
	}
	if c := findColumn(rep, "c"); c.Drifted || c.DecidedBy != "chi2" {
		t.Errorf("c: %+v, want not drifted, by chi2", c)
	}
	d := rep.Dataset
	if d.Columns != 3 || d.DriftedColumns != 1 || !d.Drifted || math.Abs(d.DriftedShare-1.0/3) > 1e-15 {
		t.Errorf("dataset %+v, want 1 of 3 drifted and drifted", d)
	}
	o.MaxDriftedShare = 0.5
	if rep, err = Run(context.Background(), o); err != nil || rep.Dataset.Drifted {
		t.Errorf("with --max-drifted-share 0.5: %+v, %v; want not drifted", rep.Dataset, err)
	}

	// --calibrate off: the fixed levels; COLUMN=METHOD for one column.
	o.MaxDriftedShare = 0
	o.Calibrate, o.Decide = "off", []string{"moved=wasserstein_norm"}
	if rep, err = Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if m := findColumn(rep, "moved"); m.DecidedBy != "wasserstein_norm" || findResult(m, "wasserstein_norm").Threshold != 0 || m.Drifted {
		t.Errorf("moved: %+v, want decided by wasserstein_norm, report only (threshold 0) so not drifted", m)
	}
	if s := findColumn(rep, "same"); s.DecidedBy != "jensen_shannon" || findResult(s, "jensen_shannon").Threshold != 0.1 || findResult(s, "jensen_shannon").ThresholdSource != "" {
		t.Errorf("same: %+v, want jensen_shannon at 0.1", s)
	}
}

func TestPolicyFlagErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.csv": "x,c\n1,a\n2,b\n"})
	a := filepath.Join(dir, "a.csv")
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Decide: []string{"nope"}}, `--decide "nope": unknown method`},
		{Options{Decide: []string{"x=chi2"}}, `chi2 is not a method of numeric column "x"`},
		{Options{Decide: []string{"zz=ks"}}, `column "zz" is not compared`},
		{Options{Calibrate: "maybe"}, `--calibrate "maybe"`},
		{Options{K: -1}, `--k -1`},
		{Options{Correction: "holm"}, `--correction "holm"`},
	} {
		tc.o.Reference, tc.o.Current = a, a
		_, err := Run(context.Background(), tc.o)
		if err == nil || !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an input error with %q", tc.o, err, tc.want)
		}
	}
}

// TestCorrection: with KS deciding, Bonferroni over four columns lowers
// the level to 0.0125 and lets the one with p between 0.0125 and 0.05
// pass; the distance-decided column is untouched.
func TestCorrection(t *testing.T) {
	var ref, cur strings.Builder
	ref.WriteString("a,b,c,d\n")
	cur.WriteString("a,b,c,d\n")
	for i := 0; i < 100; i++ {
		ref.WriteString(fmt.Sprintf("%d,%d,%d,%d\n", i, i, i, i))
		// a: shifted by 20 (p about 1e-2 to 1e-1); b: by 60; c, d: none.
		cur.WriteString(fmt.Sprintf("%d,%d,%d,%d\n", i+21, i+60, i, i))
	}
	dir := writeFiles(t, map[string]string{"ref.csv": ref.String(), "cur.csv": cur.String()})
	o := Options{Reference: filepath.Join(dir, "ref.csv"), Current: filepath.Join(dir, "cur.csv"), Methods: []string{"ks"},
		Decide: []string{"ks", "d=psi"}, Calibrate: "off"}
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	pa := *findResult(findColumn(rep, "a"), "ks").PValue
	if !(pa > 0.05/3 && pa < 0.05) {
		t.Fatalf("a's KS p-value %g is not between 0.05/3 and 0.05; the test needs another shift", pa)
	}
	if !findColumn(rep, "a").Drifted {
		t.Error("without correction a drifts")
	}
	o.Correction = detectors.CorrectionBonferroni
	if rep, err = Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	a, b := findColumn(rep, "a"), findColumn(rep, "b")
	ra := findResult(a, "ks")
	if a.Drifted || !b.Drifted || ra.Threshold != 0.05/3 || ra.ThresholdSource != "bonferroni" {
		t.Errorf("bonferroni: a %+v drifted %v, b drifted %v; want a not drifted at 0.05/3, b drifted", ra, a.Drifted, b.Drifted)
	}
	if r := findResult(findColumn(rep, "d"), "psi"); r.Threshold != 0.2 || r.ThresholdSource != "" {
		t.Errorf("d, decided by psi: %+v, want untouched", r)
	}
	if rep.Dataset.Correction != "bonferroni" {
		t.Errorf("dataset correction %q", rep.Dataset.Correction)
	}
}

// TestParquetTypes reads a file pyarrow wrote (table/testdata): its schema
// decides the kinds, and the columns no statistic reads (dates,
// timestamps, lists, structs) are skipped by default but refused when
// named.
func TestParquetTypes(t *testing.T) {
	const path = "../table/testdata/types.parquet"
	rep, err := Run(context.Background(), Options{Reference: path, Current: path})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, c := range rep.Columns {
		kinds[c.Name] = c.Kind
		if c.Drifted {
			t.Errorf("column %s drifted against itself", c.Name)
		}
	}
	want := map[string]string{"i32": "numeric", "i64": "numeric", "u32": "numeric", "i8": "numeric", "f32": "numeric",
		"f64": "numeric", "dec": "numeric", "flag": "boolean", "s": "categorical", "bin": "categorical"}
	if !maps.Equal(kinds, want) {
		t.Errorf("kinds %v\nwant  %v", kinds, want)
	}
	var skipped []string
	for _, s := range rep.Skipped {
		skipped = append(skipped, s.Name)
	}
	if !slices.Equal(skipped, []string{"day", "ts", "tags", "pt"}) {
		t.Errorf("skipped %v, want day, ts, tags, pt", skipped)
	}
	if _, err := Run(context.Background(), Options{Reference: path, Current: path, Columns: []string{"f64", "ts"}}); err == nil ||
		!strings.Contains(err.Error(), "column ts") {
		t.Errorf("naming a timestamp column: %v, want an error naming it", err)
	}
}

// TestReferenceUnstable: a reference in file order that drifts within
// itself (ramp: 0, 1, ..., 999) against a window of its own last 200
// rows. The five sub-windows of 200 rows are each disjoint from the rest
// (the deciles fall at 99.9, 199.8, ...), a Jensen-Shannon distance of 1
// apiece, so the column's quality checks hold a failed reference_unstable
// of statistic 1 (resamples lie about a tenth as far) and the verdict is
// drift at the capped threshold, not "ok" at a threshold of 1. The same
// reference rows shuffled are a quiet reference, against which the window
// (a fifth of the range) drifts as well.
func TestReferenceUnstable(t *testing.T) {
	rows := make([]string, 1000)
	for i := range rows {
		rows[i] = strconv.Itoa(i)
	}
	cur := "x\n" + strings.Join(rows[800:], "\n") + "\n"
	shuffled := slices.Clone(rows)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	dir := writeFiles(t, map[string]string{
		"ramp.csv":     "x\n" + strings.Join(rows, "\n") + "\n",
		"shuffled.csv": "x\n" + strings.Join(shuffled, "\n") + "\n",
		"cur.csv":      cur,
	})
	for _, tc := range []struct {
		ref              string
		unstable, drifts bool
	}{{"ramp.csv", true, true}, {"shuffled.csv", false, true}} {
		rep, err := Run(context.Background(), Options{Reference: filepath.Join(dir, tc.ref), Current: filepath.Join(dir, "cur.csv")})
		if err != nil {
			t.Fatal(err)
		}
		x := findColumn(rep, "x")
		var row *Result
		for i := range x.Quality {
			if x.Quality[i].Method == quality.ReferenceUnstable {
				row = &x.Quality[i]
			}
		}
		js := findResult(x, "jensen_shannon")
		if row == nil || js == nil {
			t.Fatalf("%s: quality %+v, results %+v", tc.ref, x.Quality, x.Results)
		}
		if row.Drifted != tc.unstable || x.Drifted != tc.drifts || !(js.Threshold < 1) {
			t.Errorf("%s: reference_unstable %+v, verdict %v at %g (%s); want unstable %v, drift %v, a threshold below 1",
				tc.ref, *row, x.Drifted, js.Threshold, js.ThresholdSource, tc.unstable, tc.drifts)
		}
		if tc.unstable && (math.Abs(row.Statistic-1) > 1e-12 || js.ThresholdSource != detectors.SourceCapped || rep.QualityFailures != 1) {
			t.Errorf("%s: statistic %g, source %q, %d quality failures; want 1, %q, 1", tc.ref, row.Statistic, js.ThresholdSource, rep.QualityFailures, detectors.SourceCapped)
		}
	}
}

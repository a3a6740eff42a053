package demo

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/driftmon/driftmon/internal/datasets"
)

// writeCSV writes a header and rows to a file in a test's folder.
func writeCSV(t *testing.T, name string, header []string, rows [][]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write(header)
	w.WriteAll(rows)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// oddCSV is a file whose header the config would refuse as it is: the
// event's own field names, a space, a name given twice, and a time index
// t (row number), which drifts in every window; its values are stable
// otherwise (seeded draws, the same all through).
func oddCSV(t *testing.T) string {
	r := rand.New(rand.NewPCG(1, 2))
	var rows [][]string
	for i := range 1100 {
		rows = append(rows, []string{strconv.Itoa(i), ff(r.NormFloat64()), strconv.Itoa(r.IntN(2)),
			ff(r.Float64()), ff(r.Float64()), []string{"a", "b", "c"}[r.IntN(3)], strconv.Itoa(1000 + i)})
	}
	return writeCSV(t, "odd.csv", []string{"t", "label", "prediction", "a b", "a b", "timestamp", "id"}, rows)
}

// TestDemoCSV replays files a user could have: every column whose name the
// config refuses is renamed by the stated rule and monitored; no malformed
// record is sent unless asked; --ignore leaves a column out.
func TestDemoCSV(t *testing.T) {
	odd := oddCSV(t)
	// 1,100 rows: 110 are the reference, 990 make 5 windows of 200 rows
	// (the last one 190).
	const windows = 5
	renamed := []string{"csv_label", "csv_prediction", "a_b", "a_b_5", "csv_timestamp", "csv_id"}
	tests := []struct {
		name     string
		args     []string
		features []string // the features of every window
		dead     int64    // dead-lettered records
		tDrifts  bool     // the time index drifts in every window
	}{
		{"renamed, no injected errors", nil, append([]string{"t"}, renamed...), 0, true},
		{"injected errors on request", []string{"--inject-errors"}, append([]string{"t"}, renamed...), 3, true},
		{"ignored by header and by demo name", []string{"--ignore", "t,a b,csv_id"},
			[]string{"csv_label", "csv_prediction", "csv_timestamp"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := runDemoAll(t, append([]string{"--data", odd, "--window", "200"}, tt.args...)...)
			if len(run.windows) != windows || run.summary.DeadLettered != tt.dead {
				t.Fatalf("%d windows and %d dead letters, want %d and %d", len(run.windows), run.summary.DeadLettered, windows, tt.dead)
			}
			for i, w := range run.windows {
				var names []string
				for _, f := range w.Features {
					names = append(names, f.Name)
				}
				slices.Sort(names)
				want := slices.Sorted(slices.Values(tt.features))
				if !slices.Equal(names, want) {
					t.Errorf("window %d: features %v, want %v", i, names, want)
				}
			}
			// t counts up past the reference's range, so every window
			// drifts on it (or, ignored, on nothing: the rest are drawn
			// from one distribution all through).
			got := driftedWindows(run.windows)
			if tt.tDrifts && len(got["t"]) != windows {
				t.Errorf("t drifted in windows %v, want all %d", got["t"], windows)
			}
			delete(got, "t")
			if len(got) > 0 && !tt.tDrifts {
				t.Errorf("drifted: %v, want nothing", got)
			}
		})
	}
}

// TestDemoCSVUsage: a bad flag or file stops the demo before it starts,
// with exit status 2 and an error naming the flag and the header column.
func TestDemoCSVUsage(t *testing.T) {
	odd := oddCSV(t)
	short := writeCSV(t, "short.csv", []string{"x"}, [][]string{{"1"}, {"2"}})
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown ignored columns", []string{"--data", odd, "--ignore", "t,nope,gone"}, `--ignore: "nope", "gone" not in the header (its columns: "t", "label"`},
		{"a label without prediction", []string{"--data", odd, "--label", "label"}, "--label needs --prediction"},
		{"an ambiguous prediction", []string{"--data", odd, "--prediction", "a b"},
			`--prediction "a b": the header holds it 2 times, as column 4 (demo name a_b), column 5 (demo name a_b_5)`},
		{"column flags without data", []string{"--ignore", "t"}, "--ignore, --label and --prediction name columns of --data"},
		// oddCSV's timestamp column holds a, b or c from its first row,
		// line 2; a_b is in [0, 1] (a score), t counts up (a regression).
		{"a score's labels are 0 or 1", []string{"--data", odd, "--prediction", "a_b", "--label", "timestamp"},
			`--label "timestamp": line 2 holds "`},
		{"a regression's labels are numbers", []string{"--data", odd, "--prediction", "t", "--label", "timestamp"},
			`--label "timestamp": line 2 holds "`},
		{"too few rows", []string{"--data", short}, "2 rows; want at least 20 after the header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := runCLI(tt.args, &out, &errOut); code != 2 {
				t.Fatalf("exit %d, want 2; stderr:\n%s", code, errOut.String())
			}
			if !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("stderr %q does not say %q", errOut.String(), tt.want)
			}
		})
	}
}

// TestDemoCSVConcept replays a labelled file whose outcomes stop following
// the model's scores halfway: the demo shows realised performance, worse
// from the change on and not before, with every window's labels counted.
// x is uniform on [0, 1], the score s = 1/(1+exp(-8(x-0.5))), and the label
// is 1 with probability s up to row 2,200, 1-s after it: a model right
// about 0.8 of the time (E max(s, 1-s) over x, about 0.80), then about
// 0.2. Windows of 400 rows follow a 440-row reference, so row 2,200 opens
// window (2200-440)/400 = 4.4, inside window 4.
func TestDemoCSVConcept(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var rows [][]string
	for i := range 4400 {
		x := r.Float64()
		s := 1 / (1 + math.Exp(-8*(x-0.5)))
		p := s
		if i >= 2200 {
			p = 1 - s
		}
		label := 0
		if r.Float64() < p {
			label = 1
		}
		rows = append(rows, []string{ff(x), strconv.FormatFloat(s, 'f', 4, 64), strconv.Itoa(label)})
	}
	path := writeCSV(t, "scored.csv", []string{"x", "score", "outcome"}, rows)
	run := runDemoAll(t, "--data", path, "--window", "400", "--label", "outcome", "--prediction", "score")
	checkCSVConcept(t, run, 400, 4)
}

// checkCSVConcept: every window has a complete concept line whose accuracy
// is worse from window change on and not before, and no input drifted.
func checkCSVConcept(t *testing.T, run demoRun, rows, change int) {
	t.Helper()
	if len(run.windows) == 0 {
		t.Fatal("no windows")
	}
	if got := driftedWindows(run.windows); len(got) > 0 {
		t.Errorf("drifted: %v, want nothing (the inputs never move)", got)
	}
	first := run.windows[0].WindowSeq
	last := map[int64]demoLine{}
	for _, l := range run.concept {
		if prev, ok := last[l.WindowSeq]; !ok || l.Labelled >= prev.Labelled {
			last[l.WindowSeq] = l
		}
	}
	for w := range run.windows {
		l, ok := last[first+int64(w)]
		if !ok {
			t.Errorf("window %d: no concept line", w)
			continue
		}
		if w < len(run.windows)-1 && l.Labelled != uint64(rows) {
			t.Errorf("window %d: %d labelled, want %d", w, l.Labelled, rows)
		}
		acc, ok := l.metric("accuracy")
		if !ok {
			t.Errorf("window %d: no accuracy in %+v", w, l.Metrics)
			continue
		}
		if worse := w >= change; acc.Drifted != worse {
			t.Errorf("window %d: accuracy %.3f (threshold %.3f) worse=%v, want %v", w, acc.Statistic, acc.Threshold, acc.Drifted, worse)
		}
	}
}

// TestDemoSEAConcept replays the SEA data set, which is pure concept drift
// (sea.csv: f1, f2, f3 uniform on [0, 10] all through; label = f1+f2 <=
// theta with 10% noise, theta 8 until row 12,500, then 9, 7 and 9.5), with
// the score of a model that learned the first concept,
// 1/(1+exp(4(f1+f2-8))). The first 5,000 rows are the reference, then
// windows of 1,000: row 12,500 falls in window (12500-5000)/1000 = 7.5,
// so windows 0-6 are all the first concept and performance is worse from
// window 7 on (each later concept moves the boundary by 0.5 to 1.5, about
// 4-13% of the rows), while no input drifts.
func TestDemoSEAConcept(t *testing.T) {
	src, err := os.Open(datasets.Path(t, "sea.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	all, err := csv.NewReader(src).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for _, r := range all[1:] {
		f1, err1 := strconv.ParseFloat(r[0], 64)
		f2, err2 := strconv.ParseFloat(r[1], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("row %v", r)
		}
		rows = append(rows, append(slices.Clone(r), fmt.Sprintf("%.4f", 1/(1+math.Exp(4*(f1+f2-8))))))
	}
	path := writeCSV(t, "sea-scored.csv", append(slices.Clone(all[0]), "score"), rows)
	run := runDemoAll(t, "--data", path, "--window", "1000", "--label", "label", "--prediction", "score")
	if len(run.windows) != 45 {
		t.Fatalf("%d windows, want (50000-5000)/1000 = 45", len(run.windows))
	}
	checkCSVConcept(t, run, 1000, 7)
}

// TestDemoCSVSaysWhatItDid: before the run, the text names every renamed
// column by its header and position, and the columns given a role.
func TestDemoCSVSaysWhatItDid(t *testing.T) {
	odd := oddCSV(t)
	var out, errOut bytes.Buffer
	// oddCSV's "prediction" column holds 0 or 1: a label here.
	args := []string{"--data", odd, "--window", "200", "--ignore", "t", "--prediction", "a_b", "--label", "prediction"}
	if code := runCLI(args, &out, &errOut); code != 0 {
		t.Fatalf("demo exited %d\nstderr:\n%s", code, errOut.String())
	}
	for _, want := range []string{
		`driftmon demo: header column 1 "t" is left out`,
		`driftmon demo: header column 2 "label" is feature csv_label`,
		`driftmon demo: header column 3 "prediction" is the label, sent after the next window's rows`,
		`driftmon demo: header column 4 "a b" is the prediction, of kind score`,
		`driftmon demo: header column 5 "a b" is feature a_b_5`,
		`driftmon demo: header column 6 "timestamp" is feature csv_timestamp`,
		`driftmon demo: header column 7 "id" is feature csv_id`,
	} {
		if !strings.Contains(out.String(), want+"\n") {
			t.Errorf("stdout does not say %q:\n%s", want, out.String())
		}
	}
}

package reference

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/internal/datasets"
)

// golden is testdata/golden.json, written by testdata/golden.py from the
// oracle (see testdata/README.md).
type golden struct {
	Electricity struct {
		RefRows int `json:"ref_rows"`
		Numeric map[string]struct {
			InnerEdges []float64 `json:"inner_edges"`
			RefCounts  []uint64  `json:"ref_counts"`
			NRef       uint64    `json:"n_ref"`
			RefMean    float64   `json:"ref_mean"`
			RefStd     float64   `json:"ref_std"`
		} `json:"numeric"`
		Categorical map[string]map[string]uint64 `json:"categorical"`
	} `json:"electricity"`
	Kinds map[string][][2]string `json:"kinds"`
}

func loadGolden(t *testing.T) *golden {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// dataset returns the path of a shared data set (see internal/datasets).
func dataset(t testing.TB, name string) string { return datasets.Path(t, name) }

// electricityRef writes the header and the first rows data rows of
// electricity.csv, byte for byte, to a temporary file, as golden.py does.
func electricityRef(t testing.TB, rows int) string {
	t.Helper()
	b, err := os.ReadFile(dataset(t, "electricity.csv"))
	if err != nil {
		t.Fatal(err)
	}
	end := 0
	for range rows + 1 {
		i := bytes.IndexByte(b[end:], '\n')
		if i < 0 {
			t.Fatalf("electricity.csv has fewer than %d rows", rows)
		}
		end += i + 1
	}
	p := filepath.Join(t.TempDir(), "reference.csv")
	if err := os.WriteFile(p, b[:end], 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func relClose(got, want, tol float64) bool {
	if got == want {
		return true
	}
	return math.Abs(got-want) <= tol*math.Max(math.Abs(got), math.Abs(want))
}

func TestLoadElectricity(t *testing.T) {
	g := loadGolden(t)
	path := electricityRef(t, g.Electricity.RefRows)
	features := []Column{
		{"nswprice", drift.Numeric}, {"period", drift.Numeric}, {"vicprice", drift.Numeric},
		{"day", drift.Categorical},
	}
	f, err := Load(context.Background(), path, Spec{Features: features, Prediction: &Column{"class", drift.Categorical}, Limits: drift.DefaultLimits()})
	if err != nil {
		t.Fatal(err)
	}
	ref := f.Ref
	if ref.Source != "file:"+path {
		t.Errorf("Source = %q", ref.Source)
	}
	for _, name := range []string{"nswprice", "period", "vicprice"} {
		t.Run(name, func(t *testing.T) {
			want, ok := g.Electricity.Numeric[name]
			if !ok {
				t.Fatalf("no golden values for %s", name)
			}
			s := ref.Feature(name)
			if s == nil {
				t.Fatal("no summary")
			}
			if len(s.Edges) != len(want.InnerEdges) {
				t.Fatalf("edges %v, oracle %v", s.Edges, want.InnerEdges)
			}
			for i := range s.Edges {
				if !relClose(s.Edges[i], want.InnerEdges[i], 1e-12) {
					t.Errorf("edge %d = %.17g, oracle %.17g", i, s.Edges[i], want.InnerEdges[i])
				}
			}
			if !slices.Equal(s.BinCounts, want.RefCounts) {
				t.Errorf("bin counts %v, oracle %v", s.BinCounts, want.RefCounts)
			}
			if s.Count != want.NRef || s.Missing != 0 || s.Invalid != 0 {
				t.Errorf("count/missing/invalid = %d/%d/%d, oracle n %d", s.Count, s.Missing, s.Invalid, want.NRef)
			}
			// The summary's running sums lose a little to rounding
			// against numpy's pairwise sums.
			if !relClose(s.Mean(), want.RefMean, 1e-12) {
				t.Errorf("mean %.17g, oracle %.17g", s.Mean(), want.RefMean)
			}
			if math.Abs(s.Std()-want.RefStd) > 1e-9*math.Max(want.RefStd, want.RefMean) {
				t.Errorf("std %.17g, oracle %.17g", s.Std(), want.RefStd)
			}
			if !s.Sample.Complete() || uint64(len(s.Sample.Values())) != want.NRef {
				t.Errorf("sample holds %d of %d values", len(s.Sample.Values()), want.NRef)
			}
			if s.Sketch.Count() != want.NRef {
				t.Errorf("sketch counts %d values, want %d", s.Sketch.Count(), want.NRef)
			}
		})
	}
	t.Run("day", func(t *testing.T) {
		want := g.Electricity.Categorical["day"]
		s := ref.Feature("day")
		if s == nil {
			t.Fatal("no summary")
		}
		if !mapsEqual(s.Categories, want) {
			t.Errorf("categories %v, oracle %v", s.Categories, want)
		}
		if s.Count != uint64(g.Electricity.RefRows) || s.Missing != 0 {
			t.Errorf("count %d missing %d", s.Count, s.Missing)
		}
	})
	t.Run("prediction", func(t *testing.T) {
		s := ref.Prediction
		if s == nil || s.Name != PredictionName || s.Kind != drift.Categorical {
			t.Fatalf("prediction summary %+v", s)
		}
		if s.Count != uint64(g.Electricity.RefRows) || len(s.Categories) != 2 {
			t.Errorf("count %d, categories %v", s.Count, s.Categories)
		}
	})
}

func mapsEqual(a, b map[string]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// A sample smaller than the column (a file beyond MaxExactValues, here
// lowered to the sample size) leaves everything else exact, and a rebuilt
// reference draws the same sample.
func TestLoadSampleBeyondLimit(t *testing.T) {
	defer func(n int) { maxExactValues = n }(maxExactValues)
	maxExactValues = 100
	g := loadGolden(t)
	path := electricityRef(t, g.Electricity.RefRows)
	want := g.Electricity.Numeric["nswprice"]
	lim := drift.Limits{SampleSize: 100}
	build := func() *drift.FeatureSummary {
		f, err := Load(context.Background(), path, Spec{Features: []Column{{"nswprice", drift.Numeric}}, Limits: lim})
		if err != nil {
			t.Fatal(err)
		}
		return f.Ref.Features[0]
	}
	s, again := build(), build()
	if len(s.Sample.Values()) != 100 || s.Sample.Complete() || s.Sample.Seen() != want.NRef {
		t.Errorf("sample: %d values, complete %v, seen %d", len(s.Sample.Values()), s.Sample.Complete(), s.Sample.Seen())
	}
	if !slices.Equal(s.BinCounts, want.RefCounts) || len(s.Edges) != len(want.InnerEdges) {
		t.Errorf("bins %v over %v, oracle %v over %v", s.BinCounts, s.Edges, want.RefCounts, want.InnerEdges)
	}
	if !slices.Equal(s.Sample.Values(), again.Sample.Values()) {
		t.Error("a rebuilt reference drew another sample")
	}
	if s.MaxCategories != 0 || again.Sketch.Count() != want.NRef {
		t.Errorf("max categories %d, sketch count %d", s.MaxCategories, again.Sketch.Count())
	}
}

// A file reference within MaxExactValues keeps every value, whatever the
// windows' sample size: small windows are then tested against the whole
// reference, and big ones have one exact side.
func TestLoadKeepsTheWholeReference(t *testing.T) {
	g := loadGolden(t)
	path := electricityRef(t, g.Electricity.RefRows)
	want := g.Electricity.Numeric["nswprice"]
	f, err := Load(context.Background(), path, Spec{Features: []Column{{"nswprice", drift.Numeric}}, Limits: drift.Limits{SampleSize: 100}})
	if err != nil {
		t.Fatal(err)
	}
	s := f.Ref.Features[0].Sample
	if !s.Complete() || s.Seen() != want.NRef || uint64(len(s.Values())) != want.NRef {
		t.Errorf("sample: %d values, complete %v, seen %d; want all %d", len(s.Values()), s.Complete(), s.Seen(), want.NRef)
	}
}

// smallCSV has a numeric, a categorical and a boolean feature and a class
// prediction; the expected counts in TestFromReaderCounts are by hand,
// row by row.
const smallCSV = `x,c,b,p
1,a,true,UP
,b,False,DOWN
?,,1,UP
NA,?,0,
nan,NA,TRUE,UP
NaN,a,yes,DOWN
null,a,,UP
abc,nan,2,UP
inf,b,t,UP
-inf,null,FALSE,UP
NAN,c,0,DOWN
2.5,c, true ,UP
 3 , a ,1,UP
1_000,a,0,UP
-nan,a,1,UP
0x10,a,1,UP
1e400,a,1,UP
`

func TestFromReaderCounts(t *testing.T) {
	features := []Column{{"x", drift.Numeric}, {"c", drift.Categorical}, {"b", drift.Boolean}}
	tests := []struct {
		name     string
		lim      drift.Limits
		feature  string // "" for the prediction
		count    uint64
		missing  uint64
		invalid  uint64
		cats     map[string]uint64
		checkNum func(t *testing.T, s *drift.FeatureSummary)
	}{
		{
			// Valid: 1, 2.5, 3, 1_000 (Python reads it as 1000).
			// Missing: "", ?, NA, nan, NaN, null.
			// Invalid: abc, inf, -inf, NAN, -nan (NaN), 0x10 (not a
			// Python float), 1e400 (overflows to inf).
			name: "numeric", feature: "x", count: 4, missing: 6, invalid: 7,
			checkNum: func(t *testing.T, s *drift.FeatureSummary) {
				// Deciles of [1 2.5 3 1000], h = 3q between order
				// statistics: q=.1 -> 1+1.5*.3 = 1.45, .2 -> 1.9,
				// .3 -> 2.35, .4 -> 2.5+.5*.2 = 2.6, .5 -> 2.75,
				// .6 -> 2.9, .7 -> 3+997*.1 = 102.7, .8 -> 401.8,
				// .9 -> 700.9 (numpy.quantile agrees). Then 1 falls in
				// bin 0, 2.5 in bin 3 ([2.35,2.6)), 3 in bin 6
				// ([2.9,102.7)), 1000 in bin 9.
				wantEdges := []float64{1.45, 1.9, 2.35, 2.6, 2.75, 2.9, 102.7, 401.8, 700.9}
				for i := range wantEdges {
					if i >= len(s.Edges) || !relClose(s.Edges[i], wantEdges[i], 1e-12) {
						t.Fatalf("edges %v, want %v", s.Edges, wantEdges)
					}
				}
				if want := []uint64{1, 0, 0, 1, 0, 0, 1, 0, 0, 1}; !slices.Equal(s.BinCounts, want) {
					t.Errorf("bin counts %v, want %v", s.BinCounts, want)
				}
				if s.Sum != 1006.5 || s.Min != 1 || s.Max != 1000 {
					t.Errorf("sum %v min %v max %v, want 1006.5 1 1000", s.Sum, s.Min, s.Max)
				}
				if got := s.Sample.Values(); !slices.Equal(got, []float64{1, 2.5, 3, 1000}) {
					t.Errorf("sample %v, want the values in file order", got)
				}
			},
		},
		{
			// a: rows 1 6 7 13 14 15 16 17; b: 2 9; c: 11 12.
			// Missing: "", ?, NA, nan, null.
			name: "categorical", feature: "c", count: 12, missing: 5,
			cats: map[string]uint64{"a": 8, "b": 2, "c": 2},
		},
		{
			// Beyond two categories, c goes to __other__.
			name: "category bound", feature: "c", lim: drift.Limits{MaxCategories: 2}, count: 12, missing: 5,
			cats: map[string]uint64{"a": 8, "b": 2, drift.OtherCategory: 2},
		},
		{
			// true: rows 1 3 5 12 13 15 16 17; false: 2 4 10 11 14;
			// invalid: yes, 2, t; missing: row 7.
			name: "boolean", feature: "b", count: 13, missing: 1, invalid: 3,
			cats: map[string]uint64{"true": 8, "false": 5},
		},
		{
			// DOWN: rows 2 6 11; missing: row 4; UP: the other 13.
			name: "prediction", count: 16, missing: 1,
			cats: map[string]uint64{"UP": 13, "DOWN": 3},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ref, err := FromReader(context.Background(), strings.NewReader(smallCSV), "small.csv", features, &Column{"p", drift.Categorical}, tc.lim)
			if err != nil {
				t.Fatal(err)
			}
			s := ref.Prediction
			if tc.feature != "" {
				s = ref.Feature(tc.feature)
			}
			if s.Count != tc.count || s.Missing != tc.missing || s.Invalid != tc.invalid {
				t.Errorf("count/missing/invalid = %d/%d/%d, want %d/%d/%d", s.Count, s.Missing, s.Invalid, tc.count, tc.missing, tc.invalid)
			}
			if s.Total() != 17 {
				t.Errorf("total %d, want the 17 rows", s.Total())
			}
			if tc.cats != nil && !mapsEqual(s.Categories, tc.cats) {
				t.Errorf("categories %v, want %v", s.Categories, tc.cats)
			}
			if tc.checkNum != nil {
				tc.checkNum(t, s)
			}
		})
	}
}

func TestFromReaderErrors(t *testing.T) {
	x := []Column{{"x", drift.Numeric}}
	xc := []Column{{"x", drift.Numeric}, {"c", drift.Categorical}}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name     string
		ctx      context.Context
		csv      string
		features []Column
		pred     *Column
		maxVals  int
		want     string
		is       error
	}{
		{name: "short row", csv: "x,c\n1,a\n2\n", features: xc,
			want: "bad.csv:3: 1 fields, the header has 2: wrong number of fields", is: csv.ErrFieldCount},
		{name: "long row after a quoted newline", csv: "x,c\n1,\"a\nb\"\n\n2,a,extra\n", features: xc,
			want: "bad.csv:5: 3 fields, the header has 2: wrong number of fields", is: csv.ErrFieldCount},
		{name: "declared column not in header", csv: "x,c\n1,a\n", features: append(xc, Column{"amount", drift.Numeric}),
			want: `bad.csv:1: column "amount": not in the header`, is: ErrColumnNotFound},
		{name: "prediction column not in header", csv: "x,c\n1,a\n", features: x, pred: &Column{"score", drift.Numeric},
			want: `bad.csv:1: column "score": not in the header`, is: ErrColumnNotFound},
		{name: "empty file", csv: "", features: x,
			want: "bad.csv: empty file: no header row", is: ErrNoHeader},
		{name: "numeric column without a number", csv: "x,c\n,a\nabc,b\ninf,c\n", features: xc,
			want: `bad.csv: column "x": no valid numeric values`, is: ErrNoValidValues},
		{name: "bare quote", csv: "x,c\n1,a\"b\n", features: xc,
			want: `bad.csv:2:4: bare " in non-quoted-field`, is: csv.ErrBareQuote},
		{name: "header repeats a declared column", csv: "x,x\n1,2\n", features: x,
			want: `bad.csv:1: column "x": appears more than once in the header`, is: ErrDuplicateColumn},
		{name: "feature declared twice", csv: "x\n1\n", features: append(x, x...),
			want: `bad.csv: column "x": appears more than once among the features`, is: ErrDuplicateColumn},
		{name: "no columns", csv: "x\n1\n",
			want: "bad.csv: no feature or prediction columns", is: ErrNoColumns},
		{name: "unknown kind", csv: "x\n1\n", features: []Column{{"x", 0}},
			want: `bad.csv: column "x": unknown kind 0`},
		{name: "too many values", csv: "x\n1\n2\n\n3\nNA\n4\n", features: x, maxVals: 3,
			want: `bad.csv:7: column "x": more than 3 values: too many values for an exact reference`, is: ErrTooManyValues},
		{name: "cancelled", ctx: cancelled, csv: "x\n1\n", features: x,
			want: "bad.csv: context canceled", is: context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.maxVals > 0 {
				maxNumericValues = tc.maxVals
				t.Cleanup(func() { maxNumericValues = MaxNumericValues })
			}
			ctx := tc.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			ref, err := FromReader(ctx, strings.NewReader(tc.csv), "bad.csv", tc.features, tc.pred, drift.DefaultLimits())
			if err == nil {
				t.Fatalf("no error; reference %+v", ref)
			}
			if err.Error() != tc.want {
				t.Errorf("error %q\n want %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
			// The same from a file, named by its path.
			path := filepath.Join(t.TempDir(), "bad.csv")
			if err := os.WriteFile(path, []byte(tc.csv), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := Load(ctx, path, Spec{Features: tc.features, Prediction: tc.pred, Limits: drift.DefaultLimits()})
			if want := strings.Replace(tc.want, "bad.csv", path, 1); err == nil || err.Error() != want {
				t.Errorf("Load: error %v, file %+v\n want %q", err, f, want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("Load: error %q is not %v", err, tc.is)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(context.Background(), filepath.Join(t.TempDir(), "absent.csv"), Spec{Features: []Column{{"x", drift.Numeric}}})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v, want one that is fs.ErrNotExist", err)
	}
}

func TestInferColumnsDatasets(t *testing.T) {
	g := loadGolden(t)
	for _, name := range []string{"weather_noaa.csv", "electricity.csv"} {
		t.Run(name, func(t *testing.T) {
			cols, err := InferColumns(context.Background(), dataset(t, name))
			if err != nil {
				t.Fatal(err)
			}
			want := g.Kinds[name]
			if len(want) == 0 {
				t.Fatalf("no golden kinds for %s", name)
			}
			got := make([][2]string, len(cols))
			for i, c := range cols {
				got[i] = [2]string{c.Name, c.Kind.String()}
			}
			if !slices.Equal(got, want) {
				t.Errorf("columns %v\n oracle %v", got, want)
			}
		})
	}
}

func TestInferColumns(t *testing.T) {
	tests := []struct {
		name string
		csv  string
		want []Column // nil: an error
	}{
		{
			// Python's float() (the oracle's _is_numeric) reads 1, 2.5,
			// inf, -nan and 1_000, not x or 0x10; a column of missing
			// values only is categorical.
			name: "python float rules",
			csv:  "a,b,c,d,e,f\n1,x,,inf,1_000,0x10\n2.5,1,NA,-nan,2,1\n",
			want: []Column{{"a", drift.Numeric}, {"b", drift.Categorical}, {"c", drift.Categorical},
				{"d", drift.Numeric}, {"e", drift.Numeric}, {"f", drift.Categorical}},
		},
		{
			name: "header only", csv: " a , b \n",
			want: []Column{{"a", drift.Categorical}, {"b", drift.Categorical}},
		},
		{
			name: "byte order mark", csv: "\ufeffa\n1\n",
			want: []Column{{"a", drift.Numeric}},
		},
		{name: "repeated name", csv: "a,a\n1,2\n"},
		{name: "empty name", csv: "a,\n1,2\n"},
		{name: "ragged row", csv: "a,b\n1,2\n3\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "in.csv")
			if err := os.WriteFile(p, []byte(tc.csv), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := InferColumns(context.Background(), p)
			if tc.want == nil {
				if err == nil {
					t.Fatalf("no error; columns %v", got)
				}
				if !strings.HasPrefix(err.Error(), p+":") {
					t.Errorf("error %q does not name the file and line", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("columns %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseFloat(t *testing.T) {
	// Each expectation is what Python 3's float() does with the text.
	tests := []struct {
		in   string
		ok   bool
		want float64 // checked when ok and not NaN
		nan  bool
	}{
		{"1", true, 1, false},
		{"-.5e-3", true, -0.0005, false},
		{"1.", true, 1, false},
		{"1_000", true, 1000, false},
		{"1e1_0", true, 1e10, false},
		{"1e-400", true, 0, false},
		{"1e400", true, math.Inf(1), false},
		{"-1e400", true, math.Inf(-1), false},
		{"iNfInItY", true, math.Inf(1), false},
		{"-inf", true, math.Inf(-1), false},
		{"nan", true, 0, true},
		{"-NaN", true, 0, true},
		{"+nan", true, 0, true},
		{"1__0", false, 0, false},
		{"_1", false, 0, false},
		{"1_", false, 0, false},
		{"0x10", false, 0, false},
		{"0x1p4", false, 0, false},
		{".", false, 0, false},
		{"1e", false, 0, false},
		{"+", false, 0, false},
		{"nan(1)", false, 0, false},
		{"--nan", false, 0, false},
		{"1 2", false, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParseNumber(tc.in)
			switch {
			case ok != tc.ok:
				t.Errorf("ParseNumber(%q) ok = %v, want %v", tc.in, ok, tc.ok)
			case ok && tc.nan && !math.IsNaN(got):
				t.Errorf("ParseNumber(%q) = %v, want NaN", tc.in, got)
			case ok && !tc.nan && got != tc.want:
				t.Errorf("ParseNumber(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// BenchmarkFromReader reads 100,000 rows of three numeric columns and one
// categorical one.
func BenchmarkFromReader(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("a,b,c,d\n")
	for i := range 100_000 {
		fmt.Fprintf(&buf, "%d,%g,%g,k%d\n", i%977, float64(i)*0.001, math.Sin(float64(i)), i%13)
	}
	data := buf.Bytes()
	features := []Column{{"a", drift.Numeric}, {"b", drift.Numeric}, {"c", drift.Numeric}, {"d", drift.Categorical}}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FromReader(context.Background(), bytes.NewReader(data), "bench.csv", features, nil, drift.DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseSimpleMatchesParseFloat holds the fast path to
// strconv.ParseFloat, bit for bit, on the numbers it takes, and checks it
// takes the common ones.
func TestParseSimpleMatchesParseFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var cases []string
	for range 200000 {
		x := rng.NormFloat64() * math.Pow(10, float64(rng.IntN(12)-4))
		switch rng.IntN(4) {
		case 0:
			cases = append(cases, strconv.FormatFloat(x, 'g', -1, 64))
		case 1:
			cases = append(cases, strconv.FormatFloat(x, 'f', rng.IntN(8), 64))
		case 2:
			cases = append(cases, strconv.FormatFloat(x, 'f', -1, 64))
		default:
			cases = append(cases, strconv.Itoa(rng.IntN(1000)-500))
		}
	}
	cases = append(cases, "0", "-0", "+0", "0.0", "-0.0", "00012", ".5", "5.", "-.5", "+1.25",
		"9007199254740992", "9007199254740993", "12345678901234567890", "0.1234567890123456789012",
		"1.7976931348623157", "0.000000000000000000001", "", "+", "-", ".", "-.", "1..2", "1e5", "1_0", "0x10", "--1", "1-")
	taken := 0
	for _, s := range cases {
		got, ok := parseSimple(s)
		want, err := strconv.ParseFloat(s, 64)
		if !ok {
			continue
		}
		taken++
		if err != nil || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("parseSimple(%q) = %v (%016x), ParseFloat %v (%016x), %v", s, got, math.Float64bits(got), want, math.Float64bits(want), err)
		}
	}
	if taken < len(cases)/2 {
		t.Fatalf("the fast path took %d of %d numbers", taken, len(cases))
	}
}

// TestCategoriesAsObserve holds a categorical column's counts, bounded by
// MaxCategories, to the ones Observe gives value by value in file order.
func TestCategoriesAsObserve(t *testing.T) {
	vals := []string{"b", "a", "?", "b", "__other__", "c", "NA", "d", "a", "e", "c", "__other__", "f", "b"}
	for _, maxCats := range []int{1, 2, 3, 4, 10} {
		lim := drift.Limits{MaxCategories: maxCats}
		csv := "x\n" + strings.Join(vals, "\n") + "\n"
		ref, err := FromReader(context.Background(), strings.NewReader(csv), "r.csv", []Column{{Name: "x", Kind: drift.Categorical}}, nil, lim)
		if err != nil {
			t.Fatal(err)
		}
		want := drift.NewFeatureSummary("x", drift.Categorical, nil, withDefaults(lim), 0)
		for _, v := range vals {
			if drift.IsMissingToken([]byte(v)) {
				want.Observe(drift.Value{Kind: drift.Missing})
			} else {
				want.Observe(drift.StringValue(v))
			}
		}
		got := ref.Features[0]
		if !maps.Equal(got.Categories, want.Categories) || got.Count != want.Count || got.Missing != want.Missing {
			t.Errorf("max %d: categories %v count %d missing %d, want %v %d %d",
				maxCats, got.Categories, got.Count, got.Missing, want.Categories, want.Count, want.Missing)
		}
	}
}

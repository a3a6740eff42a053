package reference

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/internal/datasets"
	"github.com/driftmon/driftmon/sketch"
	"github.com/driftmon/driftmon/table"
)

// refRow is a row of a probabilities model's reference file, typed as a
// Parquet writer would type it; nil is a null.
type refRow struct {
	Amount     *float64 `parquet:"amount,optional"`
	Age        int64    `parquet:"age"`
	Country    *string  `parquet:"country,optional"`
	Member     *bool    `parquet:"member,optional"`
	Flag       int32    `parquet:"flag"`
	Prediction string   `parquet:"prediction"`
	ProbaYes   *float64 `parquet:"proba_yes,optional"`
	ProbaNo    *float64 `parquet:"proba_no,optional"`
	Label      *string  `parquet:"label,optional"`
}

// refRows makes n rows with a missing cell here and there, and writes them
// as Parquet and, the same data, as CSV.
func refRows(t *testing.T, n int) (csvPath, pqPath string) {
	t.Helper()
	dir := t.TempDir()
	rows := make([]refRow, n)
	var b strings.Builder
	b.WriteString("amount,age,country,member,flag,prediction,proba_yes,proba_no,label\n")
	countries := []string{"FR", "DE", "ES", "IT"}
	f64 := func(x float64) *float64 { return &x }
	str := func(s string) *string { return &s }
	boolean := func(v bool) *bool { return &v }
	text := func(x *float64) string {
		if x == nil {
			return ""
		}
		return strconv.FormatFloat(*x, 'g', -1, 64)
	}
	for i := range rows {
		p := float64((i*37)%100) / 100
		r := refRow{
			Amount: f64(float64(i%211) * 1.25), Age: int64(18 + i%61), Country: str(countries[i%4]),
			Member: boolean(i%3 == 0), Flag: int32(i % 2), Prediction: "no",
			ProbaYes: f64(p), ProbaNo: f64(1 - p), Label: str("no"),
		}
		if p >= 0.5 {
			r.Prediction = "yes"
		}
		if i%5 < 2 {
			r.Label = str("yes")
		}
		switch i % 17 {
		case 3:
			r.Amount = nil
		case 5:
			r.Country, r.Member = nil, nil
		case 7:
			r.Label = nil
		case 11:
			r.ProbaNo = nil
		}
		rows[i] = r
		country, member, label := "", "", ""
		if r.Country != nil {
			country = *r.Country
		}
		if r.Member != nil {
			member = strconv.FormatBool(*r.Member)
		}
		if r.Label != nil {
			label = *r.Label
		}
		fmt.Fprintf(&b, "%s,%d,%s,%s,%d,%s,%s,%s,%s\n", text(r.Amount), r.Age, country, member, r.Flag,
			r.Prediction, text(r.ProbaYes), text(r.ProbaNo), label)
	}
	csvPath = filepath.Join(dir, "reference.csv")
	if err := os.WriteFile(csvPath, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	pqPath = filepath.Join(dir, "reference.parquet")
	if err := parquet.WriteFile(pqPath, rows, parquet.MaxRowsPerRowGroup(700), parquet.PageBufferSize(4096)); err != nil {
		t.Fatal(err)
	}
	return csvPath, pqPath
}

// sameFile fails unless a and b hold the same summaries and outcomes.
func sameFile(t *testing.T, a, b *File) {
	t.Helper()
	js := func(s *drift.FeatureSummary) string {
		j, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		return string(j)
	}
	if len(a.Ref.Features) != len(b.Ref.Features) {
		t.Fatalf("%d features, %d", len(a.Ref.Features), len(b.Ref.Features))
	}
	for i := range a.Ref.Features {
		if ja, jb := js(a.Ref.Features[i]), js(b.Ref.Features[i]); ja != jb {
			t.Errorf("feature %s:\n%s\n%s", a.Ref.Features[i].Name, ja, jb)
		}
	}
	if ja, jb := js(a.Ref.Prediction), js(b.Ref.Prediction); ja != jb {
		t.Errorf("prediction:\n%s\n%s", ja, jb)
	}
	if a.HasOutcomes != b.HasOutcomes || !reflect.DeepEqual(a.Outcomes, b.Outcomes) {
		t.Errorf("outcomes differ: %v %d, %v %d", a.HasOutcomes, len(a.Outcomes), b.HasOutcomes, len(b.Outcomes))
	}
}

// A Parquet reference gives what the same data gives as CSV: the same
// summaries (bins, counts, categories, samples) and the same outcomes,
// whether the Parquet columns are typed (numbers, booleans) or strings.
func TestLoadParquetMatchesCSV(t *testing.T) {
	csvPath, pqPath := refRows(t, 5000)
	// The same data as DOUBLE and string columns only.
	pqStrings := filepath.Join(t.TempDir(), "strings.parquet")
	datasets.ToParquet(t, csvPath, pqStrings)
	r, err := table.Open(pqPath)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]table.Type{}
	for _, c := range r.Columns() {
		types[c.Name] = c.Type
	}
	r.Close()
	if types["age"] != table.NumericType || types["member"] != table.BooleanType || types["label"] != table.StringType {
		t.Fatalf("the Parquet file's columns are %v", types)
	}
	pred := &Column{"prediction", drift.Categorical}
	for _, spec := range []Spec{
		{
			Features: []Column{{"amount", drift.Numeric}, {"age", drift.Numeric}, {"country", drift.Categorical},
				{"member", drift.Boolean}, {"flag", drift.Boolean}},
			Prediction: pred, Label: "label", Limits: drift.Limits{SampleSize: 100},
		},
		// Numbers as categories, a probability as the prediction.
		{
			Features:   []Column{{"age", drift.Categorical}, {"flag", drift.Categorical}, {"member", drift.Categorical}},
			Prediction: &Column{"proba_yes", drift.Numeric}, Label: "label", Limits: drift.Limits{MaxCategories: 20},
		},
		{Features: []Column{{"amount", drift.Numeric}}, Prediction: pred, Label: "no such column"},
	} {
		want, err := Load(context.Background(), csvPath, spec)
		if err != nil {
			t.Fatal(err)
		}
		if spec.Label == "label" && (!want.HasOutcomes || len(want.Outcomes) == 0 || want.Outcomes[0].Probs == nil) {
			t.Fatalf("the CSV file gives no outcomes with probabilities: %v %v", want.HasOutcomes, want.Outcomes[:1])
		}
		for _, path := range []string{pqPath, pqStrings} {
			got, err := Load(context.Background(), path, spec)
			if err != nil {
				t.Fatal(err)
			}
			if got.Ref.Source != "file:"+path {
				t.Errorf("source %q", got.Ref.Source)
			}
			sameFile(t, want, got)
		}
	}
}

// The golden reference, as Parquet, gives what the CSV file gives.
func TestLoadElectricityParquet(t *testing.T) {
	g := loadGolden(t)
	csvPath := electricityRef(t, g.Electricity.RefRows)
	pqPath := filepath.Join(t.TempDir(), "reference.parquet")
	datasets.ToParquet(t, csvPath, pqPath)
	spec := Spec{
		Features: []Column{
			{"nswprice", drift.Numeric}, {"period", drift.Numeric}, {"vicprice", drift.Numeric},
			{"day", drift.Categorical},
		},
		Prediction: &Column{"class", drift.Categorical},
	}
	want, err := Load(context.Background(), csvPath, spec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(context.Background(), pqPath, spec)
	if err != nil {
		t.Fatal(err)
	}
	sameFile(t, want, got)
}

func TestLoadSpec(t *testing.T) {
	csvPath, _ := refRows(t, 10)
	_, err := Load(context.Background(), csvPath, Spec{Features: []Column{{"age", drift.Numeric}}, Label: "label"})
	if err == nil || !strings.Contains(err.Error(), `label column "label"`) {
		t.Errorf("a label without a prediction: %v", err)
	}
	// A column named twice does no harm unless it is declared.
	dup := filepath.Join(t.TempDir(), "dup.csv")
	if err := os.WriteFile(dup, []byte("x,y,y\n1,a,b\n2,c,d\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Load(context.Background(), dup, Spec{Features: []Column{{"x", drift.Numeric}}})
	if err != nil || f.Ref.Features[0].Count != 2 {
		t.Errorf("an unused duplicate column: %v", err)
	}
}

// Errors about a Parquet reference name the file, the column and, for a
// value, its row.
func TestLoadParquetErrors(t *testing.T) {
	csvPath := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(csvPath, []byte("x,c,n\n1,a,\n2,b,\n3,c,\n4,d,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pq := filepath.Join(t.TempDir(), "ref.parquet")
	datasets.ToParquet(t, csvPath, pq)
	x := []Column{{"x", drift.Numeric}}
	for _, tc := range []struct {
		name    string
		path    string
		spec    Spec
		maxVals int
		want    string
		is      error
	}{
		{name: "declared column not in the file", path: pq, spec: Spec{Features: []Column{{"amount", drift.Numeric}}},
			want: `PATH: column "amount": not in the header`, is: ErrColumnNotFound},
		{name: "prediction column not in the file", path: pq, spec: Spec{Features: x, Prediction: &Column{"score", drift.Numeric}},
			want: `PATH: column "score": not in the header`, is: ErrColumnNotFound},
		{name: "a number as the label", path: pq,
			spec: Spec{Features: x, Prediction: &Column{"c", drift.Categorical}, Label: "x"}},
		{name: "numeric column without a number", path: pq, spec: Spec{Features: []Column{{"n", drift.Numeric}}},
			want: `PATH: column "n": no valid numeric values`, is: ErrNoValidValues},
		{name: "too many values", path: pq, spec: Spec{Features: x}, maxVals: 3,
			want: `PATH: row 4: column "x": more than 3 values: too many values for an exact reference`, is: ErrTooManyValues},
		{name: "a column named twice", path: "../table/testdata/dup.parquet", spec: Spec{Features: x},
			want: `PATH: column "x": appears more than once in the header`, is: ErrDuplicateColumn},
		{name: "a column of a type not read", path: "../table/testdata/types.parquet", spec: Spec{Features: []Column{{"ts", drift.Numeric}}},
			want: `PATH: column ts: type TIMESTAMP(isAdjustedToUTC=false,unit=MILLIS) is not supported`, is: table.ErrUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.maxVals > 0 {
				maxNumericValues = tc.maxVals
				t.Cleanup(func() { maxNumericValues = MaxNumericValues })
			}
			f, err := Load(context.Background(), tc.path, tc.spec)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			want := strings.ReplaceAll(tc.want, "PATH", tc.path)
			if err == nil || err.Error() != want {
				t.Errorf("error %v, file %+v\n want %s", err, f, want)
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
}

// InferColumns reads a Parquet file as it reads the same data in CSV
// (whose columns it lists in header order, Parquet in schema order).
func TestInferColumnsParquet(t *testing.T) {
	csvPath, pqPath := refRows(t, 100)
	pqStrings := filepath.Join(t.TempDir(), "strings.parquet")
	datasets.ToParquet(t, csvPath, pqStrings)
	kinds := func(path string) map[string]drift.FeatureKind {
		cols, err := InferColumns(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]drift.FeatureKind{}
		for _, c := range cols {
			m[c.Name] = c.Kind
		}
		return m
	}
	want := kinds(csvPath)
	if want["amount"] != drift.Numeric || want["country"] != drift.Categorical || want["member"] != drift.Categorical {
		t.Fatalf("CSV kinds %v", want)
	}
	for _, path := range []string{pqPath, pqStrings} {
		if got := kinds(path); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v\n CSV %v", filepath.Base(path), got, want)
		}
	}
	// Columns of a type table does not read are left out.
	got := kinds("../table/testdata/types.parquet")
	if _, ok := got["ts"]; ok || len(got) == 0 {
		t.Errorf("types.parquet: %v", got)
	}
}

// TestLoadCompact holds the compact summaries serve asks for to the
// column they summarise (sketch.NewCompact of its sorted valid values),
// and the rest of the reference to the one loaded without them.
func TestLoadCompact(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var b strings.Builder
	b.WriteString("x,age,c\n")
	var xs, ages []float64
	for i := range 5000 {
		x, age := rng.NormFloat64(), float64(18+rng.IntN(60))
		xs, ages = append(xs, x), append(ages, age)
		fmt.Fprintf(&b, "%v,%v,c%d\n", x, age, i%7)
	}
	b.WriteString("nan,oops,\n")
	path := filepath.Join(t.TempDir(), "ref.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cols := []Column{{Name: "x", Kind: drift.Numeric}, {Name: "age", Kind: drift.Numeric}, {Name: "c", Kind: drift.Categorical}}
	plain, err := Load(context.Background(), path, Spec{Features: cols})
	if err != nil {
		t.Fatal(err)
	}
	const capacity = 1000
	got, err := Load(context.Background(), path, Spec{Features: cols, Compact: capacity})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(plain.Ref)
	c, _ := json.Marshal(got.Ref)
	if string(a) != string(c) {
		t.Fatal("the reference loaded with compact summaries differs from the one without")
	}
	for i, vals := range [][]float64{xs, ages} {
		s := slices.Clone(vals)
		slices.Sort(s)
		want, err := sketch.NewCompact(s, capacity)
		if err != nil {
			t.Fatal(err)
		}
		cp := got.Compacts[got.Ref.Features[i]]
		if cp == nil || !slices.Equal(cp.Values(), want.Values()) || !slices.Equal(cp.Ends(), want.Ends()) || cp.Exact() != want.Exact() {
			t.Errorf("%s: compact summary differs from the column's", cols[i].Name)
		}
	}
	if len(got.Compacts) != 2 {
		t.Errorf("%d compact summaries, want 2 (the numeric columns)", len(got.Compacts))
	}
}

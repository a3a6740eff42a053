package table

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/driftmon/driftmon/internal/datasets"
)

func num(x float64) cellv { return cellv{Kind: Number, Num: x} }
func boo(b bool) cellv    { return cellv{Kind: Bool, Bool: b} }

var null = cellv{Kind: Missing}

func TestParquetTypes(t *testing.T) {
	// Written by pyarrow (testdata/gen_parquet.py), snappy.
	r := openT(t, "testdata/types.parquet")
	want := []Column{
		{"i32", NumericType}, {"i64", NumericType}, {"u32", NumericType}, {"i8", NumericType},
		{"f32", NumericType}, {"f64", NumericType}, {"flag", BooleanType}, {"s", StringType},
		{"bin", StringType}, {"dec", NumericType}, {"day", OtherType}, {"ts", OtherType},
		{"tags", OtherType}, {"pt", OtherType},
	}
	if fmt.Sprint(r.Columns()) != fmt.Sprint(want) {
		t.Fatalf("columns %v\nwant    %v", r.Columns(), want)
	}
	rows, err := scanCols(t, r, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	if err != nil {
		t.Fatal(err)
	}
	wantRows := [][]cellv{
		// float32 0.1 reads as the float64 0.1, as its CSV copy would.
		{num(1), num(10), num(4e9), num(-128), num(0.1), num(1.5), boo(true), txt("padded"), txt("raw"), num(1.25)},
		// NaN is missing, as "nan" is in CSV; so are the string tokens.
		{num(-2), null, num(0), num(127), null, null, boo(false), mis("NA"), mis(""), num(-0.01)},
		{null, num(-30), null, null, null, num(math.Inf(1)), null, null, null, null},
		{num(2147483647), num(9007199254740992), num(1), num(0), num(-2.5), null, boo(true), txt("été"), mis("?"), num(9999999.99)},
	}
	if fmt.Sprint(rows) != fmt.Sprint(wantRows) {
		t.Errorf("rows\n%v\nwant\n%v", rows, wantRows)
	}
	for i := range rows {
		if got := r.Location(int64(i)); got != fmt.Sprintf("row %d", i+1) {
			t.Errorf("row %d at %q", i, got)
		}
	}
}

func TestParquetErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		cols       []int
		want       string
		is         error
	}{
		{"list", "testdata/types.parquet", []int{0, 12}, "FILE: column tags: nested or repeated columns are not supported", ErrUnsupported},
		{"struct", "testdata/types.parquet", []int{13}, "FILE: column pt: nested or repeated columns are not supported", ErrUnsupported},
		{"date", "testdata/types.parquet", []int{10}, "FILE: column day: type DATE is not supported", ErrUnsupported},
		{"timestamp", "testdata/types.parquet", []int{11}, "FILE: column ts: type TIMESTAMP(isAdjustedToUTC=false,unit=MILLIS) is not supported", ErrUnsupported},
		{"int96", "testdata/v1_gzip.parquet", []int{3}, "FILE: column when: type INT96 is not supported", ErrUnsupported},
		{"index out of range", "testdata/v1_gzip.parquet", []int{4}, "FILE: column index 4 out of range (the file has 4 columns)", nil},
		{"duplicate column", "testdata/dup.parquet", nil, `FILE: columns 1 and 3 are both named "x"`, ErrDuplicateColumn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Open(tc.file)
			if err == nil {
				defer r.Close()
			} else {
				r = errReader{err}
			}
			n := 0
			err = r.Scan(context.Background(), tc.cols, func(int64, int, Cell) error { n++; return nil })
			want := strings.ReplaceAll(tc.want, "FILE", tc.file)
			if err == nil || err.Error() != want {
				t.Errorf("error %v\nwant  %s", err, want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			if n != 0 {
				t.Errorf("%d cells before the error; the columns are checked first", n)
			}
		})
	}
}

// errReader stands for a file Open refused: its Scan returns Open's error.
type errReader struct{ err error }

func (e errReader) Name() string              { return "" }
func (e errReader) Columns() []Column         { return nil }
func (e errReader) Location(row int64) string { return "" }
func (e errReader) Line(row int64) int64      { return 0 }
func (e errReader) Close() error              { return nil }
func (e errReader) Scan(context.Context, []int, func(int64, int, Cell) error) error {
	return e.err
}

func TestParquetDictionaryZstd(t *testing.T) {
	const path = "testdata/dict_zstd.parquet"
	// The file must hold what this test claims to cover.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(pf.RowGroups()); n != 4 {
		t.Errorf("%d row groups, want 4", n)
	}
	for _, cc := range pf.Metadata().RowGroups[0].Columns {
		if cc.MetaData.Codec.String() != "ZSTD" {
			t.Errorf("column %v: codec %v", cc.MetaData.PathInSchema, cc.MetaData.Codec)
		}
	}
	pages := pf.RowGroups()[0].ColumnChunks()[1].Pages()
	npages := 0
	for {
		if _, err := pages.ReadPage(); err != nil {
			break
		}
		npages++
	}
	pages.Close()
	if npages < 2 {
		t.Errorf("column x: %d pages in the first row group, want several", npages)
	}

	r := openT(t, path)
	rows, err := scanAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2000 {
		t.Fatalf("%d rows, want 2000", len(rows))
	}
	cats := []cellv{txt("a"), txt("b"), mis("NA"), txt("c"), null}
	for i, row := range rows {
		x := num(float64(i) * 0.5)
		switch {
		case i%7 == 0:
			x = null
		case i%11 == 0:
			x = null // NaN
		}
		want := []cellv{cats[i%5], x, num(float64(i%13 - 6)), num(float64(i*7-5000) / 1000)}
		if fmt.Sprint(row) != fmt.Sprint(want) {
			t.Fatalf("row %d: %v, want %v", i, row, want)
		}
	}
}

func TestParquetV1Gzip(t *testing.T) {
	r := openT(t, "testdata/v1_gzip.parquet")
	rows, err := scanCols(t, r, []int{2, 0, 1})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]cellv{
		{num(1), txt("x"), boo(false)},
		{num(2), null, boo(true)},
		{null, mis("null"), boo(true)},
		{num(-4), txt("y,z"), null},
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("rows\n%v\nwant\n%v", rows, want)
	}
}

func TestParquetBadFiles(t *testing.T) {
	good, err := os.ReadFile("testdata/dict_zstd.parquet")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cases := map[string][]byte{
		"empty.parquet":     nil,
		"magic.parquet":     []byte("PAR1"),
		"notparquet.pq":     []byte("a,b\n1,2\n"),
		"truncated.parquet": good[:len(good)/2],
		"headless.parquet":  good[100:],
	}
	// Damaged pages: the footer is intact, the data is not.
	for _, at := range []int{4, 40, 400, 4000} {
		b := append([]byte(nil), good...)
		for i := at; i < at+64 && i < len(b)-8; i++ {
			b[i] ^= 0x5a
		}
		cases[fmt.Sprintf("damaged%d.parquet", at)] = b
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := Open(p)
			if err == nil {
				_, err = scanAll(t, r)
				r.Close()
			}
			if err == nil {
				if strings.HasPrefix(name, "damaged") {
					return // the damage may fall where nothing checks it
				}
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), p+": ") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestParquetStops(t *testing.T) {
	r := openT(t, "testdata/dict_zstd.parquet")
	stop := errors.New("stop")
	n := 0
	err := r.Scan(context.Background(), []int{1, 0}, func(int64, int, Cell) error {
		if n++; n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Errorf("got %v after %d cells", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Scan(ctx, []int{0}, func(int64, int, Cell) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled scan: %v", err)
	}
	// Again from the start, a column twice.
	rows, err := scanCols(t, r, []int{2, 2})
	if err != nil || len(rows) != 2000 || rows[1999][0] != rows[1999][1] {
		t.Errorf("rescan: %d rows, %v", len(rows), err)
	}
}

// csvToParquet converts a CSV file (see internal/datasets.ToParquet).
func csvToParquet(t testing.TB, path string, opts ...parquet.WriterOption) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(path), ".csv")+".parquet")
	datasets.ToParquet(t, path, out, opts...)
	return out
}

// sameCells checks that a CSV file and its Parquet copy give the same
// cells: Missing for Missing, the number a CSV field parses to, the text.
func sameCells(t *testing.T, csvPath, pqPath string) {
	t.Helper()
	cr, pr := openT(t, csvPath), openT(t, pqPath)
	at := map[string]int{}
	for i, c := range pr.Columns() {
		at[c.Name] = i
	}
	var ccols, pcols []int
	for i, c := range cr.Columns() {
		j, ok := at[c.Name]
		if !ok {
			t.Fatalf("column %s missing from the Parquet copy", c.Name)
		}
		ccols, pcols = append(ccols, i), append(pcols, j)
	}
	crows, err := scanCols(t, cr, ccols)
	if err != nil {
		t.Fatal(err)
	}
	prows, err := scanCols(t, pr, pcols)
	if err != nil {
		t.Fatal(err)
	}
	if len(crows) != len(prows) {
		t.Fatalf("%d CSV rows, %d Parquet rows", len(crows), len(prows))
	}
	for i := range crows {
		for j, c := range crows[i] {
			p := prows[i][j]
			ok := c.Kind == Missing && p.Kind == Missing
			if c.Kind == Text {
				switch p.Kind {
				case Text:
					ok = c.Text == p.Text
				case Number:
					x, err := strconv.ParseFloat(c.Text, 64)
					ok = err == nil && x == p.Num
				}
			}
			if !ok {
				t.Fatalf("%s, column %s: CSV %v, Parquet %v", cr.Location(int64(i)), cr.Columns()[j].Name, c, p)
			}
		}
	}
}

func TestParquetMatchesCSV(t *testing.T) {
	var b strings.Builder
	b.WriteString("id, label ,score,note\n")
	for i := range 5000 {
		note := []string{"plain", `"quoted, with comma"`, " NA ", "", `"multi` + "\n" + `line"`, "null", "?"}[i%7]
		score := []string{strconv.FormatFloat(float64(i)/7, 'g', -1, 64), "nan", "", "1e300", " -0.25 "}[i%5]
		fmt.Fprintf(&b, "%d,%s,%s,%s\n", i, []string{"cat", "dog", "NaN"}[i%3], score, note)
		if i%1000 == 0 {
			b.WriteString("\n")
		}
	}
	csvPath := writeFile(t, "mixed.csv", b.String())
	for _, opts := range [][]parquet.WriterOption{
		{parquet.MaxRowsPerRowGroup(700), parquet.PageBufferSize(2048), parquet.Compression(&parquet.Zstd)},
		{parquet.Compression(&parquet.Snappy)},
		{parquet.Compression(&parquet.Gzip), parquet.DataPageVersion(1)},
	} {
		sameCells(t, csvPath, csvToParquet(t, csvPath, opts...))
	}
	if dir := os.Getenv("DRIFTMON_DATASETS"); dir != "" {
		for _, name := range []string{"weather_noaa.csv", "bike_sharing_day.csv"} {
			p := filepath.Join(dir, name)
			sameCells(t, p, csvToParquet(t, p, parquet.MaxRowsPerRowGroup(5000)))
		}
	}
}

func TestParquetDuplicateNames(t *testing.T) {
	r, err := Open("testdata/dup.parquet", DuplicateNames())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := names(r.Columns()); fmt.Sprint(got) != "[x y x]" {
		t.Fatalf("columns %q", got)
	}
	rows, err := scanAll(t, r)
	if err != nil || len(rows) == 0 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	if r.Line(0) != 0 || r.Location(0) != "row 1" {
		t.Errorf("row 0: line %d, location %s", r.Line(0), r.Location(0))
	}
}

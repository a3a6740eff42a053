package table

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cellv is a Cell with its text copied, comparable with ==.
type cellv struct {
	Kind Kind
	Text string
	Num  float64
	Bool bool
}

func (c cellv) String() string {
	switch c.Kind {
	case Number:
		return fmt.Sprint(c.Num)
	case Bool:
		return fmt.Sprint(c.Bool)
	case Missing:
		return fmt.Sprintf("missing(%q)", c.Text)
	}
	return fmt.Sprintf("%q", c.Text)
}

func txt(s string) cellv { return cellv{Kind: Text, Text: s} }
func mis(s string) cellv { return cellv{Kind: Missing, Text: s} }

// scanAll reads every column of r, checking that cells come row by row in
// the order asked for.
func scanAll(t testing.TB, r Reader) ([][]cellv, error) {
	t.Helper()
	cols := make([]int, len(r.Columns()))
	for i := range cols {
		cols[i] = i
	}
	return scanCols(t, r, cols)
}

func scanCols(t testing.TB, r Reader, cols []int) ([][]cellv, error) {
	t.Helper()
	var rows [][]cellv
	next := 0
	err := r.Scan(context.Background(), cols, func(row int64, col int, c Cell) error {
		if next == 0 {
			if row != int64(len(rows)) {
				t.Fatalf("row %d after %d rows", row, len(rows))
			}
			rows = append(rows, nil)
		} else if row != int64(len(rows)-1) {
			t.Fatalf("row %d before the cells of row %d were all given", row, len(rows)-1)
		}
		if col != cols[next] {
			t.Fatalf("row %d: column %d where %d was due", row, col, cols[next])
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], cellv{c.Kind, string(c.Text), c.Num, c.Bool})
		next = (next + 1) % len(cols)
		return nil
	})
	return rows, err
}

func writeFile(t testing.TB, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func openT(t testing.TB, path string) Reader {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func names(cols []Column) []string {
	var s []string
	for _, c := range cols {
		s = append(s, c.Name)
	}
	return s
}

func TestCSVCells(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		header   []string
		rows     [][]cellv
	}{
		{"plain", "a,b\n1,2\n3,4\n", []string{"a", "b"},
			[][]cellv{{txt("1"), txt("2")}, {txt("3"), txt("4")}}},
		{"crlf", "a,b\r\n1,2\r\n", []string{"a", "b"}, [][]cellv{{txt("1"), txt("2")}}},
		{"no final newline", "a\n1", []string{"a"}, [][]cellv{{txt("1")}}},
		{"final carriage return", "a\n1\r", []string{"a"}, [][]cellv{{txt("1")}}},
		{"byte order mark", "\xef\xbb\xbfa,b\n1,2\n", []string{"a", "b"}, [][]cellv{{txt("1"), txt("2")}}},
		{"header only", "a,b\n", []string{"a", "b"}, nil},
		{"trimmed", " a ,\tb\n 1 ,\t2\t\n", []string{"a", "b"}, [][]cellv{{txt("1"), txt("2")}}},
		{"trimmed as str.strip", "a\n\u00a0x\u3000\n\x1cy\x1f\n", []string{"a"},
			[][]cellv{{txt("x")}, {txt("y")}}},
		{"missing tokens", "a,b,c,d,e,f,g,h\n,?,NA, nan ,NaN,null,NULL,na\n",
			[]string{"a", "b", "c", "d", "e", "f", "g", "h"},
			[][]cellv{{mis(""), mis("?"), mis("NA"), mis("nan"), mis("NaN"), mis("null"), txt("NULL"), txt("na")}}},
		{"quoted", "a,b\n\"x,y\",\"he said \"\"hi\"\"\"\n", []string{"a", "b"},
			[][]cellv{{txt("x,y"), txt(`he said "hi"`)}}},
		{"quoted newlines", "a,b\r\n\"l1\r\nl2\n\",2\r\n3,4\r\n", []string{"a", "b"},
			[][]cellv{{txt("l1\nl2"), txt("2")}, {txt("3"), txt("4")}}},
		{"quoted blank line", "a\n\"x\n\ny\"\n", []string{"a"}, [][]cellv{{txt("x\n\ny")}}},
		{"quoted then trimmed", "a,b\n\"  x  \",\" NA \"\n", []string{"a", "b"},
			[][]cellv{{txt("x"), mis("NA")}}},
		{"empty fields", "a,b,c\n,,\n\"\",,\"\"\n", []string{"a", "b", "c"},
			[][]cellv{{mis(""), mis(""), mis("")}, {mis(""), mis(""), mis("")}}},
		{"trailing comma", "a,b\n1,\n\"2\",\n", []string{"a", "b"},
			[][]cellv{{txt("1"), mis("")}, {txt("2"), mis("")}}},
		{"blank lines skipped", "\n\r\na\n\n1\n\r\n\n2\n\n", []string{"a"}, [][]cellv{{txt("1")}, {txt("2")}}},
		{"space is not blank", "a\n \n", []string{"a"}, [][]cellv{{mis("")}}},
		{"carriage return inside", "a\nx\ry\n", []string{"a"}, [][]cellv{{txt("x\ry")}}},
		{"quoted header", "\" x \",\"y,z\"\n1,2\n", []string{"x", "y,z"}, [][]cellv{{txt("1"), txt("2")}}},
		{"quote in a later field", "a,b,c\n1,\"2\",3\n", []string{"a", "b", "c"},
			[][]cellv{{txt("1"), txt("2"), txt("3")}}},
		{"utf-8", "name\n\u00e9t\u00e9\n", []string{"name"}, [][]cellv{{txt("\u00e9t\u00e9")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Open(writeFile(t, "t.csv", tc.in))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if got := names(r.Columns()); fmt.Sprint(got) != fmt.Sprint(tc.header) {
				t.Errorf("header %q, want %q", got, tc.header)
			}
			for _, c := range r.Columns() {
				if c.Type != Untyped {
					t.Errorf("column %s: type %v, want untyped", c.Name, c.Type)
				}
			}
			rows, err := scanAll(t, r)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(rows) != fmt.Sprint(tc.rows) {
				t.Errorf("rows\n%v\nwant\n%v", rows, tc.rows)
			}
		})
	}
}

func TestCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		cols     []int // scanned; all columns when nil
		want     string
		is       error
	}{
		{"empty", "", nil, "FILE: empty file: no header row", ErrNoHeader},
		{"blank lines only", "\n\r\n\n", nil, "FILE: empty file: no header row", ErrNoHeader},
		{"byte order mark only", "\xef\xbb\xbf", nil, "FILE: empty file: no header row", ErrNoHeader},
		{"duplicate column", "a,b,a\n", nil, `FILE: line 1: columns 1 and 3 are both named "a"`, ErrDuplicateColumn},
		{"duplicate after trimming", "\n x,\"x \"\n", nil, `FILE: line 2: columns 1 and 2 are both named "x"`, ErrDuplicateColumn},
		{"too few fields", "a,b,c,d\n1,2,3,4\n\n1,2,3\n", nil, "FILE: line 4: 3 fields, the header has 4", ErrFieldCount},
		{"too many fields", "a\n1,2\n", nil, "FILE: line 2: 2 fields, the header has 1", ErrFieldCount},
		{"field count checked when not selected", "a,b\n1,2\n3\n", []int{0}, "FILE: line 3: 1 fields, the header has 2", ErrFieldCount},
		{"field count after a multi-line record", "a,b\n\"x\ny\",1\n1\n", nil, "FILE: line 4: 1 fields, the header has 2", ErrFieldCount},
		{"bare quote", "a,b\n1,x\"y\n", nil, `FILE: line 2: bare " in an unquoted field`, ErrQuote},
		{"bare quote after a space", "a\n \"x\"\n", nil, `FILE: line 2: bare " in an unquoted field`, ErrQuote},
		{"bare quote in the header", "a\"\n1\n", nil, `FILE: line 1: bare " in an unquoted field`, ErrQuote},
		{"bare quote after a quoted field", "a,b\n\"1\",2\"\n", nil, `FILE: line 2: bare " in an unquoted field`, ErrQuote},
		{"unclosed quote", "a,b\n1,2\n1,\"abc\n2,3\n", nil, "FILE: line 3: quoted field not closed", ErrQuote},
		{"unclosed quote at the end", "a\n\"", nil, "FILE: line 2: quoted field not closed", ErrQuote},
		{"text after a closing quote", "a\n\"ab\"c\"\n", nil, `FILE: line 2: unescaped " in a quoted field (write "" for a quote)`, ErrQuote},
		{"space after a closing quote", "a,b\n\"x\" ,1\n", nil, `FILE: line 2: unescaped " in a quoted field (write "" for a quote)`, ErrQuote},
		{"bad quote on a continuation line", "a\n\"x\ny\"z\n", nil, `FILE: line 3: unescaped " in a quoted field (write "" for a quote)`, ErrQuote},
		{"column index out of range", "a,b\n1,2\n", []int{0, 2}, "FILE: column index 2 out of range (the file has 2 columns)", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "t.csv", tc.in)
			want := strings.ReplaceAll(tc.want, "FILE", path)
			r, err := Open(path)
			if err == nil {
				defer r.Close()
				cols := tc.cols
				if cols == nil {
					_, err = scanAll(t, r)
				} else {
					_, err = scanCols(t, r, cols)
				}
			}
			if err == nil {
				t.Fatalf("no error, want %q", want)
			}
			if err.Error() != want {
				t.Errorf("error %q\nwant  %q", err, want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
		})
	}
}

func TestCSVLocation(t *testing.T) {
	in := "a,b\n1,x\n\n2,x\n\"3\",\"x\ny\"\n4,x\n\r\n\n5,x\n6,x\n"
	r, err := Open(writeFile(t, "t.csv", in))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want := []string{"line 2", "line 4", "line 5", "line 7", "line 10", "line 11"}
	if got := r.Location(0); got != "line 2" {
		t.Errorf("before a scan, row 0 is at %s, want line 2", got)
	}
	var during []string
	err = r.Scan(context.Background(), []int{0}, func(row int64, _ int, c Cell) error {
		during = append(during, r.Location(row))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(during) != fmt.Sprint(want) {
		t.Errorf("during the scan %q, want %q", during, want)
	}
	for row, w := range want {
		if got := r.Location(int64(row)); got != w {
			t.Errorf("after the scan, row %d is at %s, want %s", row, got, w)
		}
	}
	// A second scan leaves the marks as they are.
	if _, err := scanAll(t, r); err != nil {
		t.Fatal(err)
	}
	if got := r.Location(5); got != "line 11" {
		t.Errorf("after a second scan, row 5 is at %s, want line 11", got)
	}
}

func TestCSVRescanAndSelection(t *testing.T) {
	r, err := Open(writeFile(t, "t.csv", "a,b,c\n1,2,3\n4,5,6\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := 0; i < 2; i++ {
		rows, err := scanCols(t, r, []int{2, 0, 2})
		if err != nil {
			t.Fatal(err)
		}
		want := [][]cellv{{txt("3"), txt("1"), txt("3")}, {txt("6"), txt("4"), txt("6")}}
		if fmt.Sprint(rows) != fmt.Sprint(want) {
			t.Errorf("scan %d: %v, want %v", i, rows, want)
		}
	}
	// No column selected still reads (and checks) every record.
	n := 0
	if err := r.Scan(context.Background(), nil, func(int64, int, Cell) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("scan of no columns: %d cells, %v", n, err)
	}
}

func TestCSVStops(t *testing.T) {
	var b strings.Builder
	b.WriteString("x\n")
	for i := range 100000 {
		fmt.Fprintf(&b, "%d\n", i)
	}
	r, err := Open(writeFile(t, "t.csv", b.String()))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	stop := errors.New("stop")
	n := 0
	err = r.Scan(context.Background(), []int{0}, func(int64, int, Cell) error {
		if n++; n == 10 {
			return stop
		}
		return nil
	})
	if err != stop || n != 10 {
		t.Errorf("callback error: got %v after %d cells", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = r.Scan(ctx, []int{0}, func(int64, int, Cell) error {
		if n++; n == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n > ctxCheckRows+10 {
		t.Errorf("cancelled: got %v after %d cells", err, n)
	}
}

func TestCSVLongRecords(t *testing.T) {
	// Lines and quoted fields longer than the buffer make it grow.
	long := strings.Repeat("x", 3*csvBufSize)
	in := "a,b\n" + long + ",1\n\"" + long + "\n" + long + "\",2\n3,4\n"
	r, err := Open(writeFile(t, "t.csv", in))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows, err := scanAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0].Text != long || rows[1][0].Text != long+"\n"+long || rows[2][1].Text != "4" {
		t.Errorf("long records misread: %d rows", len(rows))
	}
	if got := r.Location(2); got != "line 5" {
		t.Errorf("row 2 at %s, want line 5", got)
	}
}

func TestCSVUnclosedQuoteIsBounded(t *testing.T) {
	// An unclosed quote near the start must not read a huge file into
	// memory: past maxRecord it is an error.
	line := strings.Repeat("y", 1<<20) + "\n"
	f := &repeatReader{prefix: "a\n\"", line: line, n: maxRecord/len(line) + 2}
	_, err := scanAll(t, mustCSV(t, f, 1<<10))
	if !errors.Is(err, ErrTooLong) || !strings.Contains(err.Error(), "mem.csv: line 2: a quoted field longer than 64 MiB") {
		t.Errorf("got %v", err)
	}
	f = &repeatReader{prefix: "a\n", line: strings.Repeat("z", maxRecord+1), n: 1}
	_, err = scanAll(t, mustCSV(t, f, 1<<10))
	if !errors.Is(err, ErrTooLong) || !strings.Contains(err.Error(), "mem.csv: line 2: a line longer than 64 MiB") {
		t.Errorf("got %v", err)
	}
}

// repeatReader is a file of prefix and then n copies of line, made on the
// fly.
type repeatReader struct {
	prefix, line string
	n            int
	off          int64
}

func (f *repeatReader) size() int64 { return int64(len(f.prefix) + f.n*len(f.line)) }

func (f *repeatReader) Read(p []byte) (int, error) {
	if f.off >= f.size() {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && f.off < f.size() {
		var c byte
		if f.off < int64(len(f.prefix)) {
			c = f.prefix[f.off]
		} else {
			c = f.line[(f.off-int64(len(f.prefix)))%int64(len(f.line))]
		}
		p[n] = c
		n++
		f.off++
	}
	return n, nil
}

func (f *repeatReader) Seek(off int64, whence int) (int64, error) {
	if whence != io.SeekStart {
		return 0, errors.New("only SeekStart")
	}
	f.off = off
	return off, nil
}

func (f *repeatReader) Close() error { return nil }

// memFile serves CSV readers from memory in tests and the fuzzer.
type memFile struct{ *bytes.Reader }

func (memFile) Close() error { return nil }

func mustCSV(t testing.TB, f io.ReadSeekCloser, bufSize int) Reader {
	t.Helper()
	r, err := newCSV(f, "mem.csv", bufSize, options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCSVMatchesEncodingCSV(t *testing.T) {
	// Random files of awkward fields, read with buffers small enough for
	// records to straddle refills, against encoding/csv.
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "bc", " ", "NA", "", "\t", "é", "x y", "1.5", "\r"}
	for i := range 300 {
		var b strings.Builder
		ncol := 1 + rng.IntN(5)
		for r := range 1 + rng.IntN(40) {
			if rng.IntN(10) == 0 {
				b.WriteString("\n")
			}
			for c := range ncol {
				if c > 0 {
					b.WriteByte(',')
				}
				f := pieces[rng.IntN(len(pieces))]
				if r == 0 {
					f = fmt.Sprintf("c%d", c) // no duplicate names
				}
				switch rng.IntN(4) {
				case 0:
					q := strings.ReplaceAll(f+pieces[rng.IntN(len(pieces))], "\r", "\r\n")
					f = `"` + strings.ReplaceAll(q+`"`+"\n,", `"`, `""`) + `"`
				case 1:
					f = strings.ReplaceAll(f, "\r", "")
				}
				b.WriteString(f)
			}
			if rng.IntN(2) == 0 {
				b.WriteString("\r\n")
			} else {
				b.WriteString("\n")
			}
		}
		data := []byte(b.String())
		for _, size := range []int{1, 7, 64, 4096} {
			if msg := compareWithEncodingCSV(data, size); msg != "" {
				t.Fatalf("file %d, buffer %d: %s\n%q", i, size, msg, data)
			}
		}
	}
}

// TestCSVErrorsAsEncodingCSV checks the encoding/csv report LineError
// carries, on the cases of TestCSVErrors and a few more.
func TestCSVErrorsAsEncodingCSV(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want csv.ParseError // Err nil: no error
	}{
		{"a,b\n1,2\n", csv.ParseError{}},
		{"a,b,a\n1,2,3\n", csv.ParseError{}}, // duplicates allowed here
		{"a,b,c,d\n1,2,3,4\n\n1,2,3\n", csv.ParseError{StartLine: 4, Line: 4, Column: 1, Err: csv.ErrFieldCount}},
		{"a,b\n\"x\ny\",1\n1\n", csv.ParseError{StartLine: 4, Line: 4, Column: 1, Err: csv.ErrFieldCount}},
		{"a,b\n1,x\"y\n", csv.ParseError{StartLine: 2, Line: 2, Column: 4, Err: csv.ErrBareQuote}},
		{"a\n \"x\"\n", csv.ParseError{StartLine: 2, Line: 2, Column: 2, Err: csv.ErrBareQuote}},
		{"a\"\n1\n", csv.ParseError{StartLine: 1, Line: 1, Column: 2, Err: csv.ErrBareQuote}},
		{"\xef\xbb\xbfa\"\n1\n", csv.ParseError{StartLine: 1, Line: 1, Column: 5, Err: csv.ErrBareQuote}},
		{"a,b\n\"1\",2\"\n", csv.ParseError{StartLine: 2, Line: 2, Column: 6, Err: csv.ErrBareQuote}},
		{"a,b\n\"x\ny\",a\"b\n", csv.ParseError{StartLine: 2, Line: 3, Column: 5, Err: csv.ErrBareQuote}},
		{"a,b\n1,2\n1,\"abc\n2,3\n", csv.ParseError{StartLine: 3, Line: 4, Column: 5, Err: csv.ErrQuote}},
		{"a,b\n1,2\n1,\"abc\r\n2,3\r\n", csv.ParseError{StartLine: 3, Line: 4, Column: 5, Err: csv.ErrQuote}},
		{"a\n\"", csv.ParseError{StartLine: 2, Line: 2, Column: 2, Err: csv.ErrQuote}},
		{"a\n\"x\n\r", csv.ParseError{StartLine: 2, Line: 2, Column: 4, Err: csv.ErrQuote}},
		{"a\n\"ab\"c\"\n", csv.ParseError{StartLine: 2, Line: 2, Column: 4, Err: csv.ErrQuote}},
		{"a,b\n\"x\" ,1\n", csv.ParseError{StartLine: 2, Line: 2, Column: 3, Err: csv.ErrQuote}},
		{"a\n\"x\ny\"z\n", csv.ParseError{StartLine: 2, Line: 3, Column: 2, Err: csv.ErrQuote}},
	} {
		if msg := compareErrorsWithEncodingCSV([]byte(tc.in), 4096); msg != "" {
			t.Errorf("%q: %s", tc.in, msg)
		}
		r, err := ReadCSV(strings.NewReader(tc.in), "t.csv", DuplicateNames())
		if err == nil {
			_, err = scanAll(t, r)
		}
		var le *LineError
		switch {
		case tc.want.Err == nil && err != nil:
			t.Errorf("%q: %v", tc.in, err)
		case tc.want.Err == nil:
		case !errors.As(err, &le) || le.CSV == nil || *le.CSV != tc.want:
			t.Errorf("%q: %v, want encoding/csv's %v", tc.in, err, &tc.want)
		case !errors.Is(err, tc.want.Err) || !errors.Is(err, le.Err):
			t.Errorf("%q: %v is not %v and %v", tc.in, err, tc.want.Err, le.Err)
		}
	}
}

func TestCSVDuplicateNames(t *testing.T) {
	path := writeFile(t, "t.csv", "a,b,a\n1,2,3\n")
	if _, err := Open(path); !errors.Is(err, ErrDuplicateColumn) {
		t.Errorf("without the option: %v", err)
	}
	r, err := Open(path, DuplicateNames())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := names(r.Columns()); fmt.Sprint(got) != "[a b a]" {
		t.Errorf("columns %q", got)
	}
	rows, err := scanAll(t, r)
	if err != nil || fmt.Sprint(rows) != fmt.Sprint([][]cellv{{txt("1"), txt("2"), txt("3")}}) {
		t.Errorf("rows %v, %v", rows, err)
	}
}

// countingCloser is a stream that says when it is closed.
type countingCloser struct {
	io.Reader
	closed int
}

func (c *countingCloser) Close() error { c.closed++; return nil }

func TestReadCSV(t *testing.T) {
	in := "\xef\xbb\xbf a ,b\n1,x\n\n\"2\",\"y\nz\"\n3,NA\n"
	// A byte a Read, and no Seek: nothing can be read twice.
	src := &countingCloser{Reader: &oneByte{strings.NewReader(in)}}
	r, err := ReadCSV(src, "stream.csv")
	if err != nil {
		t.Fatal(err)
	}
	if r.Name() != "stream.csv" || fmt.Sprint(names(r.Columns())) != "[a b]" {
		t.Errorf("name %q, columns %q", r.Name(), names(r.Columns()))
	}
	rows, err := scanAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]cellv{{txt("1"), txt("x")}, {txt("2"), txt("y\nz")}, {txt("3"), mis("NA")}}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("rows %v, want %v", rows, want)
	}
	for row, line := range []int64{2, 4, 6} {
		if got := r.Line(int64(row)); got != line {
			t.Errorf("row %d on line %d, want %d", row, got, line)
		}
	}
	if _, err := scanAll(t, r); !errors.Is(err, ErrRescan) || !strings.HasPrefix(err.Error(), "stream.csv: ") {
		t.Errorf("second scan: %v", err)
	}
	if err := r.Close(); err != nil || src.closed != 1 {
		t.Errorf("close: %v, %d closes", err, src.closed)
	}
	if r, err := ReadCSV(strings.NewReader(""), "empty.csv"); r != nil || !errors.Is(err, ErrNoHeader) {
		t.Errorf("empty stream: %v, %v", r, err)
	}
}

type oneByte struct{ r io.Reader }

func (o *oneByte) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}

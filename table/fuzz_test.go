package table

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
)

// FuzzCSV checks the hand-rolled scanner against encoding/csv (LazyQuotes
// off) on the same bytes: where encoding/csv reads a file whose records
// all have the header's field count (and whose header has no duplicate
// names), the cells must be its fields, trimmed; where it fails, so must
// the scanner. Buffers from 1 byte up make records straddle refills.
func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n",
		"a,b\r\n\"x\r\ny\",\"\"\"\"\r\n",
		"\xef\xbb\xbfa\n\n NA \n",
		"a\n\"x\"\"\n",
		"a,b\n1,x\"y\n",
		"a\n\"ab\"c\n",
		"a\n1\r",
		"a,a\n",
		"a\n1,2\n",
		"a\n\"\n",
		"a\r\r\n\"x\"\r\r\n",
		"\xef\xbb\xbfa,b\"\n",
		"a,b\n1,2\n1,\"abc\r\n2,3\r\n",
		"a,b\n\"x\ny\",a\"b\n",
		"a\n\"x\r",
		"a,a\n1,2\n1\n",
		"\"\n\r",
	} {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		if msg := compareWithEncodingCSV(data, 1+int(size)); msg != "" {
			t.Fatalf("%s\ninput %q", msg, data)
		}
		if msg := compareErrorsWithEncodingCSV(data, 1+int(size)); msg != "" {
			t.Fatalf("%s\ninput %q", msg, data)
		}
	})
}

// compareErrorsWithEncodingCSV reads data, duplicate names allowed, as a
// reader built on encoding/csv does: a record at a time, each checked
// against the header's field count. The first problem must be the one
// LineError.CSV reports, at the same lines and column, and a file read
// without one must read without error here too.
func compareErrorsWithEncodingCSV(data []byte, bufSize int) string {
	var err error
	r, err := newCSV(memFile{bytes.NewReader(data)}, "fuzz.csv", bufSize, options{duplicateNames: true})
	if err == nil {
		cols := make([]int, len(r.Columns()))
		for i := range cols {
			cols[i] = i
		}
		err = r.Scan(context.Background(), cols, func(int64, int, Cell) error { return nil })
	}

	stripped := bytes.TrimPrefix(data, utf8BOM)
	cr := csv.NewReader(bytes.NewReader(stripped))
	cr.FieldsPerRecord = -1
	var want error
	header, refErr := cr.Read()
	switch {
	case errors.Is(refErr, io.EOF):
		want = ErrNoHeader
	case refErr != nil:
		want = refErr
	}
	for want == nil {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			want = err
			break
		}
		if len(rec) != len(header) {
			line, _ := cr.FieldPos(0)
			want = &csv.ParseError{StartLine: line, Line: line, Column: 1, Err: csv.ErrFieldCount}
		}
	}

	var pe *csv.ParseError
	switch {
	case want == nil && err == nil:
		return ""
	case want == nil:
		return fmt.Sprintf("error %v; encoding/csv reads the file", err)
	case errors.Is(want, ErrNoHeader):
		if !errors.Is(err, ErrNoHeader) {
			return fmt.Sprintf("error %v; encoding/csv finds no header", err)
		}
		return ""
	case !errors.As(want, &pe):
		return fmt.Sprintf("encoding/csv: %v", want)
	}
	if len(stripped) < len(data) && pe.Line == 1 {
		pe.Column += len(utf8BOM)
	}
	var le *LineError
	if !errors.As(err, &le) || le.CSV == nil {
		return fmt.Sprintf("error %v; encoding/csv %v", err, want)
	}
	if *le.CSV != *pe {
		return fmt.Sprintf("error %v reported as %+v; encoding/csv %+v", err, *le.CSV, *pe)
	}
	return ""
}

// compareWithEncodingCSV reads data with both readers and returns what
// differs, or "".
func compareWithEncodingCSV(data []byte, bufSize int) string {
	// Ours.
	var header []string
	var rows [][]string
	var kinds [][]Kind
	var err error
	r, err := newCSV(memFile{bytes.NewReader(data)}, "fuzz.csv", bufSize, options{})
	if err == nil {
		header = names(r.Columns())
		cols := make([]int, len(header))
		for i := range cols {
			cols[i] = i
		}
		err = r.Scan(context.Background(), cols, func(row int64, col int, c Cell) error {
			if col == 0 {
				rows = append(rows, nil)
				kinds = append(kinds, nil)
			}
			rows[row] = append(rows[row], string(c.Text))
			kinds[row] = append(kinds[row], c.Kind)
			return nil
		})
	}

	// Theirs; the byte order mark is ours to drop.
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, utf8BOM)))
	cr.FieldsPerRecord = -1
	recs, refErr := cr.ReadAll()
	bad := refErr != nil
	if !bad && len(recs) == 0 {
		bad = true
	}
	if !bad {
		seen := map[string]bool{}
		for _, h := range recs[0] {
			h = string(trimSpace([]byte(h)))
			bad = bad || seen[h]
			seen[h] = true
		}
		for _, rec := range recs[1:] {
			bad = bad || len(rec) != len(recs[0])
		}
	}
	if bad {
		if err == nil {
			return fmt.Sprintf("read without error; encoding/csv: %v (or a bad header or field count)", refErr)
		}
		return ""
	}
	if err != nil {
		return fmt.Sprintf("error %v; encoding/csv read %d records", err, len(recs))
	}
	var wantHeader []string
	for _, h := range recs[0] {
		wantHeader = append(wantHeader, string(trimSpace([]byte(h))))
	}
	if fmt.Sprintf("%q", header) != fmt.Sprintf("%q", wantHeader) {
		return fmt.Sprintf("header %q, encoding/csv %q", header, wantHeader)
	}
	if len(rows) != len(recs)-1 {
		return fmt.Sprintf("%d rows, encoding/csv %d", len(rows), len(recs)-1)
	}
	for i, rec := range recs[1:] {
		for j, v := range rec {
			want := trimSpace([]byte(v))
			if rows[i][j] != string(want) {
				return fmt.Sprintf("row %d field %d: %q, encoding/csv %q", i, j, rows[i][j], want)
			}
			if (kinds[i][j] == Missing) != IsMissing(want) {
				return fmt.Sprintf("row %d field %d: %q read as %v", i, j, want, kinds[i][j])
			}
		}
	}
	return ""
}

// FuzzParquet feeds damaged Parquet files to the reader: it may fail, but
// must neither panic nor hang.
func FuzzParquet(f *testing.F) {
	for _, name := range []string{"types", "dict_zstd", "v1_gzip"} {
		b, err := os.ReadFile("testdata/" + name + ".parquet")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := newParquet(memFile{bytes.NewReader(data)}, int64(len(data)), "fuzz.parquet", options{})
		if err != nil {
			return
		}
		var cols []int
		for i, c := range r.Columns() {
			if c.Type != OtherType {
				cols = append(cols, i)
			}
		}
		r.Scan(context.Background(), cols, func(int64, int, Cell) error { return nil })
	})
}

package datasets

import (
	"encoding/csv"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/driftmon/driftmon/drift"
)

// ToParquet writes a CSV file as Parquet at out, so tests can run the same
// data through both readers: a column whose every non-missing value parses
// as a number becomes an optional DOUBLE, with nulls for the missing
// tokens; any other an optional string that keeps them as text, as a
// Parquet file written from such data would. Without options, row groups
// of 1000 rows and snappy compression make readers cross row-group and
// page boundaries.
func ToParquet(t testing.TB, csvPath, out string, opts ...parquet.WriterOption) {
	t.Helper()
	in, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	recs, err := csv.NewReader(in).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", csvPath, err)
	}
	header, rows := recs[0], recs[1:]
	for _, r := range recs {
		for j := range r {
			r[j] = strings.TrimSpace(r[j])
		}
	}
	numeric := make([]bool, len(header))
	group := parquet.Group{}
	for j, name := range header {
		numeric[j] = true
		for _, r := range rows {
			if _, err := strconv.ParseFloat(r[j], 64); err != nil && !drift.IsMissingToken(r[j]) {
				numeric[j] = false
				break
			}
		}
		if numeric[j] {
			group[name] = parquet.Optional(parquet.Leaf(parquet.DoubleType))
		} else {
			group[name] = parquet.Optional(parquet.String())
		}
	}
	schema := parquet.NewSchema("rows", group)
	// A group's fields are in name order, not the CSV's.
	pos := map[string]int{}
	for j, name := range header {
		pos[name] = j
	}
	fields := schema.Fields()
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if len(opts) == 0 {
		opts = []parquet.WriterOption{parquet.Compression(&parquet.Snappy), parquet.MaxRowsPerRowGroup(1000)}
	}
	w := parquet.NewWriter(f, append([]parquet.WriterOption{schema}, opts...)...)
	for _, r := range rows {
		row := make(parquet.Row, len(fields))
		for c, fld := range fields {
			j := pos[fld.Name()]
			v := r[j]
			switch {
			case numeric[j] && drift.IsMissingToken(v):
				row[c] = parquet.NullValue().Level(0, 0, c)
			case numeric[j]:
				x, _ := strconv.ParseFloat(v, 64)
				row[c] = parquet.DoubleValue(x).Level(0, 1, c)
			default:
				row[c] = parquet.ByteArrayValue([]byte(v)).Level(0, 1, c)
			}
		}
		if _, err := w.WriteRows([]parquet.Row{row}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

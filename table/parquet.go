package table

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/driftmon/driftmon/drift"
)

const (
	// parquetBatch is how many rows of each selected column are decoded
	// before their cells are handed out row by row: memory is a batch per
	// column plus the pages being read, whatever the file's size.
	parquetBatch = 1024
	// parquetReadBuffer is the read buffer of each column chunk being read.
	parquetReadBuffer = 64 << 10
)

// conv says how the values of a flat column become cells.
type conv uint8

const (
	convNone conv = iota // OtherType: never scanned
	convBool
	convInt32
	convUint32
	convInt64
	convUint64
	convFloat
	convDouble
	convDecimal32
	convDecimal64
	convDecimalBytes
	convString
)

// parquetSource is what a Parquet file is read through: an *os.File, or
// memory in the fuzz test.
type parquetSource interface {
	io.ReaderAt
	io.Closer
}

type parquetReader struct {
	name string
	f    parquetSource
	size int64
	pf   *parquet.File
	hdr  []byte // checkChunk's buffer
	cols []Column
	leaf []int     // the leaf column index of each column, -1 when nested
	conv []conv    // per column
	div  []float64 // 10^scale, per decimal column
	why  []string  // per OtherType column, why it is not read
}

func openParquet(f *os.File, name string, o options) (*parquetReader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return newParquet(f, st.Size(), name, o)
}

func newParquet(f parquetSource, size int64, name string, o options) (*parquetReader, error) {
	if err := checkFooter(f, size); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	pf, err := openFile(f, size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	r := &parquetReader{name: name, f: f, size: size, pf: pf}
	seen := map[string]int{}
	for i, c := range pf.Root().Columns() {
		if j, dup := seen[c.Name()]; dup && !o.duplicateNames {
			return nil, &msgError{fmt.Sprintf("%s: columns %d and %d are both named %q", name, j+1, i+1, c.Name()), ErrDuplicateColumn}
		}
		seen[c.Name()] = i
		typ, cv, div, why := classify(c)
		r.cols = append(r.cols, Column{Name: c.Name(), Type: typ})
		r.leaf = append(r.leaf, c.Index())
		r.conv = append(r.conv, cv)
		r.div = append(r.div, div)
		r.why = append(r.why, why)
	}
	return r, nil
}

func openFile(f io.ReaderAt, size int64) (_ *parquet.File, err error) {
	defer recoverCorrupt(&err)
	return parquet.OpenFile(f, size,
		// The page index and bloom filters serve lookups; a full scan
		// reads every page anyway.
		parquet.SkipPageIndex(true),
		parquet.SkipBloomFilters(true),
		parquet.ReadBufferSize(parquetReadBuffer),
	)
}

// classify maps a top-level column's physical and logical types to a Type
// and the conversion of its values. Timestamps, dates and the like are
// OtherType rather than numbers: their CSV form is text, and a check of the
// two copies of a file must agree.
func classify(c *parquet.Column) (typ Type, cv conv, div float64, why string) {
	// parquet-go panics on some malformed schemas (a leaf annotated as a
	// list, say): such a column is one this package cannot read.
	defer func() {
		if p := recover(); p != nil {
			typ, cv, div, why = OtherType, convNone, 0, fmt.Sprintf("invalid column type (%v)", p)
		}
	}()
	if !c.Leaf() || c.Repeated() {
		return OtherType, convNone, 0, "nested or repeated columns are not supported"
	}
	t := c.Type()
	kind := t.Kind()
	unsupported := func() (Type, conv, float64, string) {
		return OtherType, convNone, 0, fmt.Sprintf("type %s is not supported", t)
	}
	if lt := t.LogicalType(); lt != nil && lt.Value != nil {
		switch v := lt.Value.(type) {
		case *format.StringType, *format.EnumType:
			if kind == parquet.ByteArray {
				return StringType, convString, 0, ""
			}
		case *format.IntType:
			switch {
			case kind == parquet.Int32 && v.IsSigned:
				return NumericType, convInt32, 0, ""
			case kind == parquet.Int32:
				return NumericType, convUint32, 0, ""
			case kind == parquet.Int64 && v.IsSigned:
				return NumericType, convInt64, 0, ""
			case kind == parquet.Int64:
				return NumericType, convUint64, 0, ""
			}
		case *format.DecimalType:
			if v.Scale < 0 || v.Scale > 300 {
				return unsupported()
			}
			div := math.Pow10(int(v.Scale))
			switch kind {
			case parquet.Int32:
				return NumericType, convDecimal32, div, ""
			case parquet.Int64:
				return NumericType, convDecimal64, div, ""
			case parquet.ByteArray, parquet.FixedLenByteArray:
				return NumericType, convDecimalBytes, div, ""
			}
		}
		return unsupported()
	}
	switch kind {
	case parquet.Boolean:
		return BooleanType, convBool, 0, ""
	case parquet.Int32:
		return NumericType, convInt32, 0, ""
	case parquet.Int64:
		return NumericType, convInt64, 0, ""
	case parquet.Float:
		return NumericType, convFloat, 0, ""
	case parquet.Double:
		return NumericType, convDouble, 0, ""
	case parquet.ByteArray:
		// Older writers store strings without the UTF8 annotation.
		return StringType, convString, 0, ""
	}
	return unsupported()
}

func (r *parquetReader) Name() string              { return r.name }
func (r *parquetReader) Columns() []Column         { return r.cols }
func (r *parquetReader) Location(row int64) string { return fmt.Sprintf("row %d", row+1) }
func (r *parquetReader) Line(int64) int64          { return 0 }
func (r *parquetReader) Close() error              { return r.f.Close() }

// colReader reads one selected column of one row group, page by page.
type colReader struct {
	pages  parquet.Pages
	values parquet.ValueReader // of the current page; nil between pages
	page   parquet.Page
	spent  []parquet.Page // read to the end; released after the batch
	vals   []parquet.Value
	cells  []Cell
	// scratch serves the conversion of float32 values.
	scratch []byte
}

func (r *parquetReader) Scan(ctx context.Context, cols []int, fn func(row int64, col int, c Cell) error) error {
	if err := checkCols(r.name, cols, len(r.cols)); err != nil {
		return err
	}
	// Each selected column is decoded once, however often it is selected.
	slot := make(map[int]int)
	var uniq []int
	for _, c := range cols {
		if r.conv[c] == convNone {
			return &msgError{fmt.Sprintf("%s: column %s: %s", r.name, r.cols[c].Name, r.why[c]), ErrUnsupported}
		}
		if _, ok := slot[c]; !ok {
			slot[c] = len(uniq)
			uniq = append(uniq, c)
		}
	}
	if len(cols) == 0 {
		return ctx.Err()
	}
	readers := make([]colReader, len(uniq))
	for i := range readers {
		readers[i].vals = make([]parquet.Value, parquetBatch)
		readers[i].cells = make([]Cell, parquetBatch)
	}
	// The cells of a batch, by position in cols.
	cells := make([][]Cell, len(cols))
	for j, c := range cols {
		cells[j] = readers[slot[c]].cells
	}
	row := int64(0)
	for g, rg := range r.pf.RowGroups() {
		if err := r.openGroup(g, rg, uniq, readers); err != nil {
			closeGroup(readers)
			return fmt.Errorf("%s: row group %d: %w", r.name, g, err)
		}
		n := rg.NumRows()
		for done := int64(0); done < n; {
			if err := ctx.Err(); err != nil {
				closeGroup(readers)
				return err
			}
			// Decoded and converted a column at a time, which keeps the
			// conversion's switch out of the per-cell loop.
			k := int(min(int64(parquetBatch), n-done))
			for i, c := range uniq {
				if err := r.fill(&readers[i], k); err != nil {
					closeGroup(readers)
					return fmt.Errorf("%s: row group %d, column %s: %w", r.name, g, r.cols[c].Name, err)
				}
				r.convert(c, &readers[i], k)
			}
			for i := 0; i < k; i++ {
				for j, c := range cols {
					if err := fn(row, c, cells[j][i]); err != nil {
						closeGroup(readers)
						return err
					}
				}
				row++
			}
			for i := range readers {
				release(&readers[i])
			}
			done += int64(k)
		}
		if err := closeGroup(readers); err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
	}
	return nil
}

func (r *parquetReader) openGroup(g int, rg parquet.RowGroup, uniq []int, readers []colReader) (err error) {
	defer recoverCorrupt(&err)
	chunks := rg.ColumnChunks()
	for i, c := range uniq {
		if r.leaf[c] < 0 || r.leaf[c] >= len(chunks) {
			return fmt.Errorf("column %s: no column chunk: %w", r.cols[c].Name, ErrCorrupt)
		}
		if err := r.checkChunk(g, r.leaf[c], rg.NumRows()); err != nil {
			return fmt.Errorf("column %s: %w", r.cols[c].Name, err)
		}
		readers[i].pages = chunks[r.leaf[c]].Pages()
		readers[i].values = nil
	}
	return nil
}

func closeGroup(readers []colReader) error {
	var errs []error
	for i := range readers {
		if p := readers[i].page; p != nil {
			readers[i].spent = append(readers[i].spent, p)
			readers[i].page = nil
		}
		release(&readers[i])
		if readers[i].pages != nil {
			errs = append(errs, readers[i].pages.Close())
			readers[i].pages = nil
		}
		readers[i].values = nil
	}
	return errors.Join(errs...)
}

// release hands the pages of a batch back to parquet-go's pool once their
// cells, which may alias them, have been handed out.
func release(cr *colReader) {
	for _, p := range cr.spent {
		parquet.Release(p)
	}
	clear(cr.spent)
	cr.spent = cr.spent[:0]
}

// fill decodes the next k values of a column into cr.vals[:k], reading
// pages as needed. A flat column has one value per row, nulls included.
func (r *parquetReader) fill(cr *colReader, k int) (err error) {
	defer recoverCorrupt(&err)
	for got, empty := 0, 0; got < k; {
		if cr.values == nil {
			page, err := cr.pages.ReadPage()
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("fewer values than rows: %w", ErrCorrupt)
			}
			if err != nil {
				return err
			}
			cr.page, cr.values = page, page.Values()
		}
		n, err := cr.values.ReadValues(cr.vals[got:k])
		got += n
		switch {
		case errors.Is(err, io.EOF):
			cr.spent = append(cr.spent, cr.page)
			cr.page, cr.values = nil, nil
		case err != nil:
			return err
		case n == 0:
			// A reader that neither advances nor ends would spin here.
			if empty++; empty > 1 {
				return fmt.Errorf("page yields no values: %w", ErrCorrupt)
			}
		}
	}
	return nil
}

// convert turns cr.vals[:k] of column c into cr.cells[:k].
func (r *parquetReader) convert(c int, cr *colReader, k int) {
	vals, cells := cr.vals[:k], cr.cells[:k]
	div := r.div[c]
	number := func(i int, x float64) {
		if math.IsNaN(x) {
			cells[i] = Cell{Kind: Missing}
		} else {
			cells[i] = Cell{Kind: Number, Num: x}
		}
	}
	for i := range vals {
		// By pointer: a copy of each 24-byte Value costs more than the
		// conversion itself.
		v := &vals[i]
		if v.IsNull() {
			cells[i] = Cell{Kind: Missing}
			continue
		}
		switch r.conv[c] {
		case convBool:
			cells[i] = Cell{Kind: Bool, Bool: v.Boolean()}
		case convString:
			b := trimSpace(v.ByteArray())
			if drift.IsMissingToken(b) {
				cells[i] = Cell{Kind: Missing, Text: b}
			} else {
				cells[i] = Cell{Kind: Text, Text: b}
			}
		case convInt32:
			cells[i] = Cell{Kind: Number, Num: float64(v.Int32())}
		case convUint32:
			cells[i] = Cell{Kind: Number, Num: float64(uint32(v.Int32()))}
		case convInt64:
			cells[i] = Cell{Kind: Number, Num: float64(v.Int64())}
		case convUint64:
			cells[i] = Cell{Kind: Number, Num: float64(uint64(v.Int64()))}
		case convFloat:
			// Through the shortest decimal that reads back as the same
			// float32: the CSV copy of the file holds "0.1", which parses
			// to the float64 0.1, not to float64(float32(0.1)).
			cr.scratch = strconv.AppendFloat(cr.scratch[:0], float64(v.Float()), 'g', -1, 32)
			x, _ := strconv.ParseFloat(string(cr.scratch), 64)
			number(i, x)
		case convDouble:
			number(i, v.Double())
		case convDecimal32:
			cells[i] = Cell{Kind: Number, Num: float64(v.Int32()) / div}
		case convDecimal64:
			cells[i] = Cell{Kind: Number, Num: float64(v.Int64()) / div}
		case convDecimalBytes:
			cells[i] = Cell{Kind: Number, Num: decimalBytes(v.ByteArray(), div)}
		}
	}
}

// decimalBytes converts a big-endian two's complement unscaled decimal.
func decimalBytes(b []byte, div float64) float64 {
	if len(b) == 0 {
		return 0
	}
	if len(b) <= 8 {
		u := uint64(0)
		if b[0]&0x80 != 0 {
			u = math.MaxUint64
		}
		for _, c := range b {
			u = u<<8 | uint64(c)
		}
		return float64(int64(u)) / div
	}
	n := new(big.Int).SetBytes(b)
	if b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	f, _ := new(big.Float).SetInt(n).Float64()
	return f / div
}

// recoverCorrupt turns a panic inside parquet-go, which some malformed
// files provoke, into an error: bad input must not take the process down.
func recoverCorrupt(err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("%w: %v", ErrCorrupt, p)
	}
}

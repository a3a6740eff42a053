package check

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync/atomic"
	"unsafe"

	"github.com/driftmon/driftmon/table"
)

// mode says how a column's cells are read.
type mode uint8

const (
	// auto keeps both readings until the kind is known: the numbers, and
	// from the first non-number on, the category counts.
	auto mode = iota
	numeric
	categorical
)

// values is one column of one file as read.
type values struct {
	mode mode
	// rows counts the column's cells, missing the missing ones.
	rows, missing uint64
	// floats are the finite numbers.
	floats []float64
	// nonFinite counts NaN and infinite numbers; nonNumbers counts cells
	// that are not numbers at all, the first of them at firstBad.
	nonFinite, nonNumbers uint64
	firstBad              int64
	firstBadText          string
	// counts are the category counts: of every valid cell in categorical
	// mode, of the cells from row flipRow on in auto mode (the rows before
	// it held only numbers, and are counted again by a second read if the
	// column turns out categorical). flipRow is -1 while no non-number was
	// seen.
	counts  map[string]*uint64
	flipRow int64
	// scratch formats numbers and booleans read as categories.
	scratch []byte
}

func newValues(m mode) *values {
	v := &values{mode: m, firstBad: -1, flipRow: -1}
	if m == categorical {
		v.counts = map[string]*uint64{}
	}
	return v
}

// add reads one cell.
func (v *values) add(row int64, c table.Cell) {
	v.rows++
	switch c.Kind {
	case table.Missing:
		v.missing++
	case table.Number:
		if v.mode == categorical || v.flipRow >= 0 {
			v.scratch = strconv.AppendFloat(v.scratch[:0], c.Num, 'g', -1, 64)
			v.count(v.scratch)
		}
		if v.mode != categorical {
			v.number(c.Num)
		}
	case table.Bool:
		v.scratch = strconv.AppendBool(v.scratch[:0], c.Bool)
		v.text(row, v.scratch, false)
	case table.Text:
		f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(c.Text), len(c.Text)), 64)
		v.text(row, c.Text, err == nil || errors.Is(err, strconv.ErrRange))
		if v.mode != categorical && (err == nil || errors.Is(err, strconv.ErrRange)) {
			v.number(f)
		}
	}
}

// text reads a cell given as text; isNumber says whether it parsed.
func (v *values) text(row int64, b []byte, isNumber bool) {
	if v.mode == categorical {
		v.count(b)
		return
	}
	if !isNumber {
		v.nonNumbers++
		if v.firstBad < 0 {
			v.firstBad, v.firstBadText = row, string(b)
		}
		if v.mode == auto && v.flipRow < 0 {
			v.flipRow = row
			v.counts = map[string]*uint64{}
		}
	}
	if v.flipRow >= 0 {
		v.count(b)
	}
}

func (v *values) number(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		v.nonFinite++
		return
	}
	v.floats = append(v.floats, f)
}

func (v *values) count(b []byte) {
	// A pointer per category keeps the lookup free of allocation: only a
	// new category copies its bytes.
	if n, ok := v.counts[string(b)]; ok {
		*n++
		return
	}
	n := uint64(1)
	v.counts[string(b)] = &n
}

// looksNumeric is the oracle's inference: every non-missing value parses as
// a number, and there is at least one.
func (v *values) looksNumeric() bool {
	return v.flipRow < 0 && v.nonNumbers == 0 && len(v.floats)+int(v.nonFinite) > 0
}

// file is what was read of one file: its reader and its selected columns.
type file struct {
	r    table.Reader
	cols []*values
	// index are the selected columns' indexes in r.Columns().
	index []int
	rows  int64
	// progress, when set, follows rows during read.
	progress *atomic.Int64
}

// errStop ends a scan early.
var errStop = errors.New("stop")

// read scans the selected columns of f once, in the modes given.
func (f *file) read(ctx context.Context, modes []mode) error {
	f.cols = make([]*values, len(f.index))
	pos := make(map[int]int, len(f.index))
	for i, c := range f.index {
		f.cols[i] = newValues(modes[i])
		pos[c] = i
	}
	// Cells arrive in the order of f.index within a row, so a running
	// position avoids a map lookup per cell.
	k := 0
	err := f.r.Scan(ctx, f.index, func(row int64, col int, c table.Cell) error {
		f.cols[k].add(row, c)
		if k++; k == len(f.index) {
			k = 0
			f.rows = row + 1
			if f.progress != nil && f.rows%progressRows == 0 {
				f.progress.Store(f.rows)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if f.progress != nil {
		f.progress.Store(f.rows)
	}
	return nil
}

// recount makes the given auto columns categorical: their rows before the
// first non-number (all rows, if there was none) are read again as
// categories, one more scan over those rows only.
func (f *file) recount(ctx context.Context, cols []int) error {
	if len(cols) == 0 {
		return nil
	}
	var until int64
	idx := make([]int, len(cols))
	for i, c := range cols {
		v := f.cols[c]
		if v.counts == nil {
			v.counts = map[string]*uint64{}
		}
		if v.flipRow < 0 {
			v.flipRow = f.rows
		}
		until = max(until, v.flipRow)
		idx[i] = f.index[c]
	}
	k := 0
	err := f.r.Scan(ctx, idx, func(row int64, col int, c table.Cell) error {
		if row >= until {
			return errStop
		}
		v := f.cols[cols[k]]
		if k++; k == len(cols) {
			k = 0
		}
		if row >= v.flipRow || c.Kind == table.Missing {
			return nil
		}
		switch c.Kind {
		case table.Number:
			v.scratch = strconv.AppendFloat(v.scratch[:0], c.Num, 'g', -1, 64)
			v.count(v.scratch)
		case table.Bool:
			v.scratch = strconv.AppendBool(v.scratch[:0], c.Bool)
			v.count(v.scratch)
		default:
			v.count(c.Text)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return fmt.Errorf("reading again: %w", err)
	}
	for _, c := range cols {
		f.cols[c].mode = categorical
	}
	return nil
}

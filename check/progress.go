package check

import "sync/atomic"

// Progress counts a run's work while it goes, for a caller that shows it
// (the command line, on a terminal). Run updates it; its counters may be
// read from another goroutine at any time.
type Progress struct {
	// RowsReference and RowsCurrent are the rows of each file read so
	// far, by the first read (the columns read a second time, because
	// they turned out categorical, are not counted again). They move in
	// steps of progressRows.
	RowsReference, RowsCurrent atomic.Int64
	// Columns is how many columns are compared, set once both headers
	// are read; ColumnsDone how many of them are.
	Columns, ColumnsDone atomic.Int64
}

// progressRows is how often, in rows, a read updates Progress: often
// enough for a person to see it move, rarely enough to cost nothing.
const progressRows = 1 << 12

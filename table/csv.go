package table

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/driftmon/driftmon/drift"
)

// Hand-rolled rather than encoding/csv: `driftmon check` reads two files of
// a million rows each within a second, and encoding/csv copies every record
// into a fresh buffer and scans it byte by byte for quotes. Here a line
// without a quote (almost every line) is split in place with
// bytes.IndexByte, and nothing is allocated per row. The grammar is
// encoding/csv's with LazyQuotes off (RFC 4180: quoted fields, "" escapes,
// CRLF, quoted newlines; a blank line is skipped), which FuzzCSV checks.

const (
	// csvBufSize is the read buffer: large, so that refills (and the copy
	// of a partial line they make) are rare.
	csvBufSize = 1 << 20
	// maxRecord bounds the memory one record may take: past it, the file
	// is most likely one long unclosed quote, not data.
	maxRecord = 64 << 20
)

var utf8BOM = []byte("\xef\xbb\xbf")

type csvReader struct {
	name string
	f    io.ReadSeekCloser
	cols []Column

	// Where the first data record starts, for Scan to seek back to.
	dataOff  int64
	dataLine int64
	// fresh: nothing was read past the header yet, so a first Scan goes on
	// from the buffer instead of seeking back (a stream cannot).
	fresh bool
	// bom: the file starts with a byte order mark, dropped before the
	// header; encoding/csv's columns on line 1 count its 3 bytes.
	bom bool

	// The read buffer: buf[pos:end] is data not yet parsed; base is the
	// file offset of buf[0]; line is the physical line number of buf[pos].
	buf      []byte
	pos, end int
	base     int64
	line     int64
	eof      bool

	// quote is the index of the first '"' at or after pos, found by
	// searching buf[..:qEnd]; quote == qEnd means there was none. A line
	// ending before quote takes the fast path. quote < pos means unknown.
	quote, qEnd int

	// The fields of the current record: slices of buf on the fast path, of
	// scratch on the slow one. ends delimits the fields in scratch.
	fields  [][]byte
	scratch []byte
	ends    []int

	// marks are the rows whose line is not the previous row's line plus
	// one (after a blank line or a multi-line record): Location counts on
	// from the last mark before the row. marked rows have been recorded.
	marks  []lineMark
	marked int64
}

type lineMark struct {
	row, line int64
}

func openCSV(f io.ReadSeekCloser, name string, o options) (*csvReader, error) {
	return newCSV(f, name, csvBufSize, o)
}

// newCSV is openCSV with the initial size of the buffer, which tests make
// tiny to exercise refills and growth on small inputs.
func newCSV(f io.ReadSeekCloser, name string, bufSize int, o options) (*csvReader, error) {
	r := &csvReader{name: name, f: f}
	if b, ok := csvBufs.Get().(*[]byte); ok && bufSize == csvBufSize {
		r.buf = *b
	} else {
		r.buf = make([]byte, bufSize)
	}
	if err := r.reset(0, 1); err != nil {
		return nil, err
	}
	for r.end-r.pos < len(utf8BOM) && !r.eof {
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
	// Spreadsheet exports start with a byte order mark; it is not part of
	// the first column's name.
	if bytes.HasPrefix(r.buf[r.pos:r.end], utf8BOM) {
		r.pos += len(utf8BOM)
		r.bom = true
	}
	line, err := r.record()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", name, ErrNoHeader)
	}
	if err != nil {
		return nil, err
	}
	seen := make(map[string]int, len(r.fields))
	r.cols = make([]Column, len(r.fields))
	for i, h := range r.fields {
		n := string(trimSpace(h))
		if j, dup := seen[n]; dup && !o.duplicateNames {
			return nil, &LineError{File: name, Line: line,
				Msg: fmt.Sprintf("columns %d and %d are both named %q", j+1, i+1, n), Err: ErrDuplicateColumn}
		}
		seen[n] = i
		r.cols[i] = Column{Name: n, Type: Untyped}
	}
	r.dataOff = r.base + int64(r.pos)
	r.dataLine = r.line
	r.fresh = true
	return r, nil
}

func (r *csvReader) Name() string      { return r.name }
func (r *csvReader) Columns() []Column { return r.cols }
func (r *csvReader) Close() error {
	if len(r.buf) == csvBufSize {
		b := r.buf
		r.buf = nil
		csvBufs.Put(&b)
	}
	return r.f.Close()
}

// csvBufs recycles read buffers between files: serve opens a reference
// file per model at start, and a fresh, zeroed megabyte for each was a
// twentieth of a load. Only buffers of csvBufSize, not grown, come back.
var csvBufs sync.Pool

func (r *csvReader) Location(row int64) string {
	return fmt.Sprintf("line %d", r.Line(row))
}

func (r *csvReader) Line(row int64) int64 {
	i := sort.Search(len(r.marks), func(i int) bool { return r.marks[i].row > row }) - 1
	if i < 0 {
		return r.dataLine + row
	}
	return r.marks[i].line + row - r.marks[i].row
}

func (r *csvReader) Scan(ctx context.Context, cols []int, fn func(row int64, col int, c Cell) error) error {
	if err := checkCols(r.name, cols, len(r.cols)); err != nil {
		return err
	}
	if r.fresh {
		r.fresh = false
	} else if err := r.reset(r.dataOff, r.dataLine); err != nil {
		return fmt.Errorf("%s: %w", r.name, err)
	}
	for row := int64(0); ; row++ {
		if row%ctxCheckRows == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		line, err := r.record()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if row >= r.marked {
			r.mark(row, line)
		}
		if len(r.fields) != len(r.cols) {
			return &LineError{File: r.name, Line: line,
				Msg: fmt.Sprintf("%d fields, the header has %d", len(r.fields), len(r.cols)), Err: ErrFieldCount,
				CSV: &csv.ParseError{StartLine: int(line), Line: int(line), Column: 1, Err: csv.ErrFieldCount}}
		}
		for _, c := range cols {
			b := trimSpace(r.fields[c])
			k := Text
			if drift.IsMissingToken(b) {
				k = Missing
			}
			if err := fn(row, c, Cell{Kind: k, Text: b}); err != nil {
				return err
			}
		}
	}
}

// mark records the line of the next row not yet recorded, keeping only the
// rows that break the count (most files have one mark: the first row).
func (r *csvReader) mark(row, line int64) {
	if n := len(r.marks); n == 0 || r.marks[n-1].line+row-r.marks[n-1].row != line {
		r.marks = append(r.marks, lineMark{row, line})
	}
	r.marked = row + 1
}

// reset positions the reader at file offset off, the start of line.
func (r *csvReader) reset(off, line int64) error {
	if _, err := r.f.Seek(off, io.SeekStart); err != nil {
		return err
	}
	r.pos, r.end, r.base, r.line, r.eof = 0, 0, off, line, false
	r.quote, r.qEnd = -1, 0
	return nil
}

// fill moves the unparsed data to the front of the buffer (growing it when
// the data already fills it) and reads more.
func (r *csvReader) fill() error {
	if r.pos > 0 {
		n := copy(r.buf, r.buf[r.pos:r.end])
		r.base += int64(r.pos)
		r.quote -= r.pos
		r.qEnd -= r.pos
		r.end = n
		r.pos = 0
	}
	if r.end == len(r.buf) {
		if len(r.buf) >= maxRecord {
			return &LineError{File: r.name, Line: r.line, Msg: fmt.Sprintf("a line longer than %d MiB", maxRecord>>20), Err: ErrTooLong}
		}
		nb := make([]byte, 2*len(r.buf))
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	n, err := r.f.Read(r.buf[r.end:])
	r.end += n
	if errors.Is(err, io.EOF) {
		r.eof = true
		return nil
	}
	return err
}

// lineEnd returns the index in buf of the '\n' ending the line at pos, or
// end for a last line without one; io.EOF when no data is left.
func (r *csvReader) lineEnd() (int, error) {
	for {
		if i := bytes.IndexByte(r.buf[r.pos:r.end], '\n'); i >= 0 {
			return r.pos + i, nil
		}
		if r.eof {
			if r.pos == r.end {
				return 0, io.EOF
			}
			return r.end, nil
		}
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
}

// nextQuote returns the index of the first '"' at or after pos, or end if
// there is none in the buffer: one search serves every line before it.
func (r *csvReader) nextQuote() int {
	switch {
	case r.quote < r.pos:
		r.quote = r.searchQuote(r.pos)
	case r.quote == r.qEnd && r.qEnd < r.end:
		r.quote = r.searchQuote(r.qEnd)
	}
	return r.quote
}

func (r *csvReader) searchQuote(from int) int {
	r.qEnd = r.end
	if i := bytes.IndexByte(r.buf[from:r.end], '"'); i >= 0 {
		return from + i
	}
	return r.end
}

// bounds returns where the content of the line ending at nl stops (before
// a '\r' preceding the '\n', as encoding/csv drops it; at the end of the
// file a trailing '\r' goes too) and where the next line starts.
func (r *csvReader) bounds(nl int) (stop, next int) {
	stop, next = nl, nl+1
	if nl == r.end {
		next = nl
	}
	if stop > r.pos && r.buf[stop-1] == '\r' {
		stop--
	}
	return stop, next
}

// record reads the next record into r.fields, skipping blank lines, and
// returns the line it starts at; io.EOF after the last one.
func (r *csvReader) record() (int64, error) {
	for {
		nl, err := r.lineEnd()
		if err != nil {
			return 0, err
		}
		stop, next := r.bounds(nl)
		if stop == r.pos {
			r.pos = next
			r.line++
			continue
		}
		start := r.line
		if r.nextQuote() < nl {
			return start, r.quoted(start, nl)
		}
		line := r.buf[r.pos:stop]
		r.fields = r.fields[:0]
		for {
			i := bytes.IndexByte(line, ',')
			if i < 0 {
				break
			}
			r.fields = append(r.fields, line[:i])
			line = line[i+1:]
		}
		r.fields = append(r.fields, line)
		r.pos = next
		r.line++
		return start, nil
	}
}

// quoted parses a record whose first line (ending at nl) holds a quote,
// byte by byte, copying the fields into scratch as it unescapes them; the
// record may go on over several lines.
func (r *csvReader) quoted(start int64, nl int) error {
	r.scratch = r.scratch[:0]
	r.ends = r.ends[:0]
	stop, next := r.bounds(nl)
	p := r.pos
	var last int64 // where an unclosed quote is reported
	var lastCol int
	for {
		if p == stop || r.buf[p] != '"' {
			// Unquoted: up to the next comma. A quote inside is an error,
			// as it is in encoding/csv: `a"b` is almost always a field
			// someone forgot to quote, and guessing hides it.
			f := r.buf[p:stop]
			c := bytes.IndexByte(f, ',')
			if c >= 0 {
				f = f[:c]
			}
			if q := bytes.IndexByte(f, '"'); q >= 0 {
				return &LineError{File: r.name, Line: r.line, Msg: `bare " in an unquoted field`, Err: ErrQuote,
					CSV: r.csvError(start, r.line, p+q-r.pos+1, csv.ErrBareQuote)}
			}
			r.scratch = append(r.scratch, f...)
			r.ends = append(r.ends, len(r.scratch))
			if c < 0 {
				break
			}
			p += c + 1
			continue
		}
		open := r.line
		p++
		for {
			q := bytes.IndexByte(r.buf[p:stop], '"')
			if q < 0 {
				// The field goes on past the end of the line; a line
				// break inside quotes reads as "\n", CRLF included.
				r.scratch = append(r.scratch, r.buf[p:stop]...)
				r.scratch = append(r.scratch, '\n')
				if len(r.scratch) > maxRecord {
					return &LineError{File: r.name, Line: open, Msg: fmt.Sprintf("a quoted field longer than %d MiB", maxRecord>>20), Err: ErrTooLong}
				}
				// encoding/csv reports a quote left open just past the
				// end of the file's last line, its line break counted; a
				// last line of nothing but "\r" is no line to it.
				if n := stop - r.pos + eol(nl, r.end); n > 0 {
					last, lastCol = r.line, n+1
				}
				r.pos = next
				r.line++
				var err error
				if nl, err = r.lineEnd(); errors.Is(err, io.EOF) {
					return &LineError{File: r.name, Line: open, Msg: "quoted field not closed", Err: ErrQuote,
						CSV: r.csvError(start, last, lastCol, csv.ErrQuote)}
				} else if err != nil {
					return err
				}
				stop, next = r.bounds(nl)
				p = r.pos
				continue
			}
			r.scratch = append(r.scratch, r.buf[p:p+q]...)
			p += q + 1
			if p < stop && r.buf[p] == '"' {
				r.scratch = append(r.scratch, '"')
				p++
				continue
			}
			break
		}
		r.ends = append(r.ends, len(r.scratch))
		if p == stop {
			break
		}
		if r.buf[p] != ',' {
			return &LineError{File: r.name, Line: r.line, Msg: `unescaped " in a quoted field (write "" for a quote)`, Err: ErrQuote,
				CSV: r.csvError(start, r.line, p-r.pos, csv.ErrQuote)}
		}
		p++
	}
	r.pos = next
	r.line++
	r.fields = r.fields[:0]
	from := 0
	for _, e := range r.ends {
		r.fields = append(r.fields, r.scratch[from:e])
		from = e
	}
	return nil
}

// csvError is encoding/csv's report of a problem at line, in the record
// starting at start; col is the 1-based byte column from the start of the
// line as this reader holds it, after any byte order mark.
func (r *csvReader) csvError(start, line int64, col int, err error) *csv.ParseError {
	if line == 1 && r.bom {
		col += len(utf8BOM)
	}
	return &csv.ParseError{StartLine: int(start), Line: int(line), Column: col, Err: err}
}

// eol is the length of the line break of the line ending at nl: 1 ("\r\n"
// counts as "\n"), 0 for a last line without one.
func eol(nl, end int) int {
	if nl < end {
		return 1
	}
	return 0
}

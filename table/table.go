package table

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/driftmon/driftmon/drift"
)

// Kind is what a cell holds.
type Kind uint8

const (
	// Missing: a null, or one of the missing tokens of
	// drift.IsMissingToken ("", "?", "NA", "nan", "NaN", "null") after
	// trimming spaces. Text holds the token as written (trimmed), nil for
	// a null.
	Missing Kind = iota
	// Text: a CSV field or a Parquet string, trimmed; not parsed.
	Text
	// Number: a value of a Parquet numeric column (ints, floats, doubles,
	// decimals), as float64. NaN is Missing, as "nan" is in CSV.
	Number
	// Bool: a value of a Parquet boolean column.
	Bool
)

func (k Kind) String() string {
	switch k {
	case Missing:
		return "missing"
	case Text:
		return "text"
	case Number:
		return "number"
	case Bool:
		return "bool"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Cell is one value. Text aliases the reader's buffer: it is valid only
// during the callback, so a caller that keeps it must copy it.
type Cell struct {
	Kind Kind
	Text []byte
	Num  float64
	Bool bool
}

// Type is what a file's schema says of a column: CSV columns are Untyped.
type Type uint8

const (
	// Untyped: the file has no schema (CSV); the cells are Text or Missing.
	Untyped Type = iota
	// NumericType: Parquet ints, floats, doubles and decimals; Number cells.
	NumericType
	// StringType: Parquet strings (and unannotated byte arrays); Text cells.
	StringType
	// BooleanType: Parquet booleans; Bool cells.
	BooleanType
	// OtherType: anything else (nested or repeated columns, timestamps,
	// dates, INT96, UUIDs...). Scanning such a column is an error
	// (ErrUnsupported), so callers leave these columns out.
	OtherType
)

func (t Type) String() string {
	switch t {
	case Untyped:
		return "untyped"
	case NumericType:
		return "numeric"
	case StringType:
		return "string"
	case BooleanType:
		return "boolean"
	case OtherType:
		return "other"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Column is one column of a file's header or schema.
type Column struct {
	Name string
	Type Type
}

// Reader reads one tabular file. It is not safe for concurrent use.
type Reader interface {
	// Name is the file's path, for errors.
	Name() string
	// Columns are the file's columns in header order.
	Columns() []Column
	// Scan streams the file from its start, calling fn for the cells of
	// the selected columns (indexes into Columns()) in row order (row is
	// 0-based, data rows only); for each row, cells come in the order of
	// cols, and fn's col is the index into Columns(). It can be called
	// again to re-read the file. An error from fn stops the scan and is
	// returned as is. The context is checked every few thousand rows.
	Scan(ctx context.Context, cols []int, fn func(row int64, col int, c Cell) error) error
	// Location names a row for error messages: "line 17" (CSV, the
	// physical line where the record starts, counting the header as line
	// 1, quoted multi-line fields included) or "row 16" (Parquet,
	// 1-based). For CSV it is exact for rows a Scan has reached.
	Location(row int64) string
	// Line is the number in a CSV file's Location, for callers that write
	// positions as file:line; 0 for Parquet, whose rows have no line.
	Line(row int64) int64
	Close() error
}

// An Option changes how Open and ReadCSV read a file.
type Option func(*options)

type options struct {
	duplicateNames bool
}

// DuplicateNames accepts a file whose header (or schema) gives two columns
// the same name: Columns lists both, and choosing between them is left to
// the caller, which may only care when it needs that name. Without it such
// a file is refused with ErrDuplicateColumn.
func DuplicateNames() Option {
	return func(o *options) { o.duplicateNames = true }
}

func optionsOf(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}

// Problems with a file's structure. Errors wrap them with the file and, for
// CSV, the line, so that callers can tell bad input (exit status 2, say)
// from I/O failures with errors.Is.
var (
	// ErrNoHeader: a CSV file has no header row.
	ErrNoHeader = errors.New("empty file: no header row")
	// ErrDuplicateColumn: two header names are the same after trimming.
	ErrDuplicateColumn = errors.New("duplicate column name")
	// ErrFieldCount: a CSV record has more or fewer fields than the header.
	ErrFieldCount = errors.New("wrong number of fields")
	// ErrQuote: malformed CSV quoting.
	ErrQuote = errors.New("malformed quoting")
	// ErrTooLong: a CSV record longer than maxRecord, most likely an
	// unclosed quote swallowing the rest of the file.
	ErrTooLong = errors.New("record too long")
	// ErrUnsupported: a Parquet column of a type this package does not read
	// was selected.
	ErrUnsupported = errors.New("unsupported column")
	// ErrCorrupt: a Parquet file whose data cannot be decoded.
	ErrCorrupt = errors.New("corrupt parquet file")
)

// LineError is a structural problem at one line of a CSV file. Its message
// is specific ("3 fields, the header has 4"); errors.Is finds its
// sentinel, and errors.As the *csv.ParseError encoding/csv gives for the
// same problem, for callers whose messages were encoding/csv's.
type LineError struct {
	File string
	// Line is where the problem is: the line a record starts on for a
	// wrong number of fields, the line a quoted field opens on for one not
	// closed, else the line of the offending byte.
	Line int64
	Msg  string
	// Err is ErrFieldCount, ErrQuote, ErrTooLong or ErrDuplicateColumn.
	Err error
	// CSV is what encoding/csv (LazyQuotes off, FieldsPerRecord set)
	// reports for the same problem: csv.ErrFieldCount, csv.ErrBareQuote
	// or csv.ErrQuote, at its StartLine, Line and byte Column, a leading
	// byte order mark counting on line 1. nil for the problems
	// encoding/csv does not have (ErrTooLong, ErrDuplicateColumn).
	CSV *csv.ParseError
}

func (e *LineError) Error() string {
	return fmt.Sprintf("%s: line %d: %s", e.File, e.Line, e.Msg)
}

// Unwrap gives Err, and CSV when set.
func (e *LineError) Unwrap() []error {
	if e.CSV == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.CSV}
}

// msgError is an error whose message says more than its sentinel, which
// Unwrap gives for errors.Is.
type msgError struct {
	msg string
	err error
}

func (e *msgError) Error() string { return e.msg }
func (e *msgError) Unwrap() error { return e.err }

// ctxCheckRows is how many rows are read between checks of the context:
// often enough to stop within milliseconds, rarely enough to cost nothing.
const ctxCheckRows = 4096

// Open opens path as Parquet when it starts with the magic "PAR1" or its
// name ends in .parquet or .pq, else as CSV. The header (or the Parquet
// footer) is read and checked here, so a bad file fails before any Scan.
func Open(path string, opts ...Option) (Reader, error) {
	o := optionsOf(opts)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	var magic [4]byte
	n, err := io.ReadFull(f, magic[:])
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		f.Close()
		return nil, err
	}
	var r Reader
	switch ext := strings.ToLower(filepath.Ext(path)); {
	case string(magic[:n]) == "PAR1" || ext == ".parquet" || ext == ".pq":
		r, err = openParquet(f, path, o)
	default:
		r, err = openCSV(f, path, o)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// ReadCSV reads CSV text from r, named name in errors and by Name. The
// header is read here; the rows are read from r by Scan, which can be
// called only once: r is a stream, not a file to go back to. Close closes
// r when it is an io.Closer.
func ReadCSV(r io.Reader, name string, opts ...Option) (Reader, error) {
	cr, err := newCSV(&stream{r: r}, name, csvBufSize, optionsOf(opts))
	if err != nil {
		return nil, err
	}
	return cr, nil
}

// ErrRescan: Scan was called again on a Reader from ReadCSV.
var ErrRescan = errors.New("read from a stream: it cannot be scanned again")

// stream serves a plain io.Reader as the CSV reader's source. It can only
// be "sought" to where it is, which is all a first Scan asks.
type stream struct {
	r   io.Reader
	off int64
}

func (s *stream) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.off += int64(n)
	return n, err
}

func (s *stream) Seek(off int64, whence int) (int64, error) {
	if whence != io.SeekStart || off != s.off {
		return 0, ErrRescan
	}
	return off, nil
}

func (s *stream) Close() error {
	if c, ok := s.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// IsMissing reports whether b, trimmed of spaces, is one of the missing
// tokens (drift.IsMissingToken).
func IsMissing(b []byte) bool {
	return drift.IsMissingToken(trimSpace(b))
}

// pySpace is the ASCII part of Python's str.isspace: reference.py strips
// fields with str.strip, which also takes \x1c..\x1f, unlike Go's
// unicode.IsSpace. Beyond ASCII the two agree.
var pySpace = [utf8.RuneSelf]bool{
	'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true,
	0x1c: true, 0x1d: true, 0x1e: true, 0x1f: true,
}

// trimSpace trims b as Python's str.strip() trims the decoded string, so
// that driftmon and the oracle see the same values. Most fields start and
// end with a printable ASCII byte, and cost two comparisons.
func trimSpace(b []byte) []byte {
	if len(b) == 0 || (b[0] > ' ' && b[0] < utf8.RuneSelf &&
		b[len(b)-1] > ' ' && b[len(b)-1] < utf8.RuneSelf) {
		return b
	}
	for len(b) > 0 {
		if c := b[0]; c < utf8.RuneSelf {
			if !pySpace[c] {
				break
			}
			b = b[1:]
			continue
		}
		r, n := utf8.DecodeRune(b)
		if !unicode.IsSpace(r) {
			break
		}
		b = b[n:]
	}
	for len(b) > 0 {
		if c := b[len(b)-1]; c < utf8.RuneSelf {
			if !pySpace[c] {
				break
			}
			b = b[:len(b)-1]
			continue
		}
		r, n := utf8.DecodeLastRune(b)
		if !unicode.IsSpace(r) {
			break
		}
		b = b[:len(b)-n]
	}
	return b
}

// checkCols rejects column indexes out of range before a scan starts, so a
// caller's mistake is not reported as a problem with the file.
func checkCols(name string, cols []int, n int) error {
	for _, c := range cols {
		if c < 0 || c >= n {
			return fmt.Errorf("%s: column index %d out of range (the file has %d columns)", name, c, n)
		}
	}
	return nil
}

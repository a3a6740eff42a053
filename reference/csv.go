package reference

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/driftmon/driftmon/drift"
)

// IsMissing reports the oracle's missing values (reference.py's MISSING).
//
// Deprecated: use drift.IsMissingToken, where the tokens are defined.
func IsMissing(v string) bool { return drift.IsMissingToken(v) }

// ctxCheckRows is how many rows are read between checks of the context:
// often enough to stop within milliseconds, rarely enough to cost nothing.
const ctxCheckRows = 4096

// Structural problems of a reference file; errors wrap them with the file,
// line and column they concern.
var (
	// ErrNoHeader: the file has no header row.
	ErrNoHeader = errors.New("empty file: no header row")
	// ErrColumnNotFound: a declared column is not in the header.
	ErrColumnNotFound = errors.New("not in the header")
	// ErrDuplicateColumn: a column name appears twice in the header, or
	// twice among the declared features.
	ErrDuplicateColumn = errors.New("appears more than once")
)

// table reads a CSV file row by row: a header, then records with as many
// fields as the header, each trimmed. Errors name the file and the line.
type table struct {
	name   string
	r      *csv.Reader
	header []string
	rows   int
}

func newTable(r io.Reader, name string) (*table, error) {
	cr := csv.NewReader(r)
	// Field counts are checked here, so the error can say which line and
	// what the header expects.
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	t := &table{name: name, r: cr}
	rec, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", name, ErrNoHeader)
	}
	if err != nil {
		return nil, t.readError(err)
	}
	t.header = make([]string, len(rec))
	for i, h := range rec {
		if i == 0 {
			// A UTF-8 byte order mark (spreadsheet exports) is not part
			// of the first column's name.
			h = strings.TrimPrefix(h, "\ufeff")
		}
		t.header[i] = strings.TrimSpace(h)
	}
	return t, nil
}

// column returns the position of a header name. A name that appears twice
// is an error only when asked for: an unused duplicate does no harm.
func (t *table) column(name string) (int, error) {
	at := -1
	for i, h := range t.header {
		if h != name {
			continue
		}
		if at >= 0 {
			return 0, fmt.Errorf("%s:1: column %q: %w in the header", t.name, name, ErrDuplicateColumn)
		}
		at = i
	}
	if at < 0 {
		return 0, fmt.Errorf("%s:1: column %q: %w", t.name, name, ErrColumnNotFound)
	}
	return at, nil
}

// next returns the next record, its fields trimmed in place, and the line
// it starts on; io.EOF after the last. The record is reused by the next
// call.
func (t *table) next(ctx context.Context) ([]string, int, error) {
	if t.rows%ctxCheckRows == 0 {
		if err := ctx.Err(); err != nil {
			return nil, 0, fmt.Errorf("%s: %w", t.name, err)
		}
	}
	rec, err := t.r.Read()
	if errors.Is(err, io.EOF) {
		return nil, 0, io.EOF
	}
	if err != nil {
		return nil, 0, t.readError(err)
	}
	t.rows++
	line, _ := t.r.FieldPos(0)
	if len(rec) != len(t.header) {
		return nil, 0, fmt.Errorf("%s:%d: %d fields, the header has %d: %w", t.name, line, len(rec), len(t.header), csv.ErrFieldCount)
	}
	for i, v := range rec {
		rec[i] = strings.TrimSpace(v)
	}
	return rec, line, nil
}

func (t *table) readError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d:%d: %w", t.name, pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("%s: %w", t.name, err)
}

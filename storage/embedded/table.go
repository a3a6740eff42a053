package embedded

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/driftmon/driftmon/storage"
)

// record is one row of a table: its key and version decide which row wins.
type record[K comparable] interface {
	key() K
	ver() uint64
}

// table is one log file and its rows in memory, newest version per key.
type table[K comparable, R record[K]] struct {
	log  *logFile
	rows map[K]R
	// month is the time whose calendar month holds a row, for
	// retention (ClickHouse's PARTITION BY); nil for a table kept whole.
	month func(R) time.Time
}

// tableFile is what the store does to every table alike, whatever its
// rows.
type tableFile interface {
	close() error
	// dropBefore drops the rows of the months that end at or before t.
	dropBefore(t time.Time) error
}

// tableSpec is one table of the store.
type tableSpec struct {
	// name is ClickHouse's name of the table; its file is name.jsonl.
	name string
	// open loads the file into the store's field for the table.
	open func(path string) (tableFile, error)
}

// into is a tableSpec's open for the table held in *dst, whose rows
// retention drops by month (nil: never).
func into[K comparable, R record[K]](dst **table[K, R], month func(R) time.Time) func(path string) (tableFile, error) {
	return func(path string) (tableFile, error) {
		t, err := openTable[K, R](path)
		if err != nil {
			return nil, err
		}
		t.month = month
		*dst = t
		return t, nil
	}
}

func openTable[K comparable, R record[K]](path string) (*table[K, R], error) {
	t := &table[K, R]{rows: make(map[K]R)}
	l, err := openLog(path, func(line []byte) error {
		var r R
		if err := json.Unmarshal(line, &r); err != nil {
			return err
		}
		t.apply(r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.log = l
	return t, nil
}

// apply keeps r unless a newer version of its key is already held; of two
// equal versions the later write wins, as in ClickHouse's
// ReplacingMergeTree.
func (t *table[K, R]) apply(r R) {
	k := r.key()
	if old, ok := t.rows[k]; ok && old.ver() > r.ver() {
		return
	}
	t.rows[k] = r
}

// write appends rs durably, then applies them.
func (t *table[K, R]) write(rs []R) error {
	if len(rs) == 0 {
		return nil
	}
	buf, err := encodeLines(rs)
	if err != nil {
		return err
	}
	if err := t.log.append(buf, len(rs)); err != nil {
		return err
	}
	for _, r := range rs {
		t.apply(r)
	}
	t.maybeCompact()
	return nil
}

// compactMin is the least number of replaced lines worth a rewrite (a
// variable so tests can lower it).
var compactMin = 1024

// maybeCompact rewrites the file with only the live rows once replaced
// lines outnumber them (checkpoints are rewritten every few seconds, so
// without this the file grows without bound). A failure only costs disk:
// the old file is still whole.
func (t *table[K, R]) maybeCompact() {
	dead := t.log.lines - len(t.rows)
	if dead < compactMin || dead < len(t.rows) {
		return
	}
	rs := make([]R, 0, len(t.rows))
	for _, r := range t.rows {
		rs = append(rs, r)
	}
	buf, err := encodeLines(rs)
	if err == nil {
		err = t.log.rewrite(buf, len(rs))
	}
	if err != nil {
		slog.Default().Warn("embedded store: compaction failed", "file", t.log.path, "err", err)
	}
}

func (t *table[K, R]) close() error { return t.log.close() }

// dropBefore drops the rows whose month ends at or before cut, as
// ClickHouse drops a month's partition. The file is rewritten without them
// first and the rows leave memory only once that succeeded; after a
// failure they are still served, and the next run drops them again.
func (t *table[K, R]) dropBefore(cut time.Time) error {
	if t.month == nil {
		return nil
	}
	keep := make([]R, 0, len(t.rows))
	var gone []K
	for k, r := range t.rows {
		m := t.month(r).UTC()
		if end := time.Date(m.Year(), m.Month()+1, 1, 0, 0, 0, 0, time.UTC); !end.After(cut) {
			gone = append(gone, k)
			continue
		}
		keep = append(keep, r)
	}
	if len(gone) == 0 {
		return nil
	}
	buf, err := encodeLines(keep)
	if err == nil {
		err = t.log.rewrite(buf, len(keep))
	}
	if err != nil {
		return err
	}
	for _, k := range gone {
		delete(t.rows, k)
	}
	slog.Default().Info("embedded store retention: dropped rows", "file", t.log.path, "rows", len(gone), "before", cut)
	return nil
}

func encodeLines[R any](rs []R) ([]byte, error) {
	var buf []byte
	for i := range rs {
		b, err := json.Marshal(rs[i])
		if err != nil {
			return nil, fmt.Errorf("encode row: %w: %w", storage.ErrInvalid, err)
		}
		buf = append(buf, b...)
		buf = append(buf, '\n')
	}
	return buf, nil
}

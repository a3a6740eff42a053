package embedded

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
)

// logFile is one table's append-only file of JSON lines. Each append is one
// write followed by fsync, so after a crash only the last line can be torn;
// openLog drops such a line and truncates the file back to the last whole
// one.
type logFile struct {
	path  string
	f     *os.File
	size  int64 // bytes of whole lines
	lines int   // whole lines in the file, live or replaced
	// broken is set when a failed append could not be undone: appending
	// after a partial line would corrupt the file, so writes stop.
	broken error
}

// openLog opens (creating) path and calls apply for each line in order. A
// line apply refuses is corruption, unless it is the last one: a write torn
// by a crash, cut off.
func openLog(path string, apply func(line []byte) error) (*logFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	l := &logFile{path: path, f: f}
	if err := l.load(apply); err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

func (l *logFile) load(apply func(line []byte) error) error {
	if _, err := l.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read %s: %w", l.path, err)
	}
	r := bufio.NewReaderSize(l.f, 1<<16)
	var (
		off     int64
		pending error // a refused line, fatal unless nothing follows it
		lineNo  int
	)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			lineNo++
			if pending != nil {
				return fmt.Errorf("%s: %w", l.path, pending)
			}
			if aerr := apply(bytes.TrimSuffix(line, []byte{'\n'})); aerr != nil {
				pending = fmt.Errorf("line %d: %w", lineNo, aerr)
				// Keep off at the line's start: if it is the last, it goes.
				continue
			}
			off += int64(len(line))
			l.lines++
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", l.path, err)
		}
	}
	st, err := l.f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", l.path, err)
	}
	if st.Size() != off {
		slog.Default().Warn("embedded store: dropping a torn last line",
			"file", l.path, "bytes", st.Size()-off, "reason", pending)
		if err := l.f.Truncate(off); err != nil {
			return fmt.Errorf("truncate torn line of %s: %w", l.path, err)
		}
		if err := l.f.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", l.path, err)
		}
	}
	l.size = off
	return nil
}

// append writes buf (whole lines) durably: after it returns nil the lines
// survive a crash; after an error the file is as before.
func (l *logFile) append(buf []byte, n int) error {
	if l.broken != nil {
		return l.broken
	}
	_, err := l.f.WriteAt(buf, l.size)
	if err == nil {
		err = l.f.Sync()
	}
	if err != nil {
		if terr := l.f.Truncate(l.size); terr != nil {
			l.broken = fmt.Errorf("%s is unusable after a failed write (%w); restart to recover", l.path, errors.Join(err, terr))
		}
		return fmt.Errorf("append to %s: %w", l.path, err)
	}
	l.size += int64(len(buf))
	l.lines += n
	return nil
}

// rewrite replaces the file with buf (n lines) atomically: the new content
// is written and synced aside, then renamed over the old file. Compaction
// and retention use it.
func (l *logFile) rewrite(buf []byte, n int) error {
	tmp := l.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("rewrite %s: %w", l.path, err)
	}
	if _, err = f.Write(buf); err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = os.Rename(tmp, l.path)
	}
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("rewrite %s: %w", l.path, err)
	}
	// Once renamed, the new file is the table's, even if syncing the
	// directory fails: appending to the old one, unlinked now, would lose
	// every later write.
	l.f.Close()
	l.f, l.size, l.lines, l.broken = f, int64(len(buf)), n, nil
	if err := syncDir(filepath.Dir(l.path)); err != nil {
		return fmt.Errorf("rewrite %s: %w", l.path, err)
	}
	return nil
}

func (l *logFile) close() error { return l.f.Close() }

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

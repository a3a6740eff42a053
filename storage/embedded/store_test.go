package embedded

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/driftmon/driftmon/drift"
)

func openT(t *testing.T, dir string) *Store {
	t.Helper()
	st, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func save(t *testing.T, st *Store, partition int, offset int64, version uint64) {
	t.Helper()
	cp := drift.Checkpoint{Group: "g", Topic: "p", Partition: partition, Offset: offset, Version: version}
	if err := st.SaveCheckpoint(t.Context(), cp); err != nil {
		t.Fatalf("SaveCheckpoint: %v", err)
	}
}

func load(t *testing.T, st *Store, partition int) (int64, bool) {
	t.Helper()
	cp, ok, err := st.LoadCheckpoint(t.Context(), "g", "p", partition)
	if err != nil {
		t.Fatalf("LoadCheckpoint: %v", err)
	}
	return cp.Offset, ok
}

func lineCount(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte{'\n'})
}

// A crash mid-write leaves part of a line at the end of a file: Open drops
// it, cuts the file back to its last whole line, and later writes land on a
// clean end.
func TestTornLastLine(t *testing.T) {
	tails := []struct {
		name string
		tail string
	}{
		{"partial line", `{"group":"g","topic":"p","partition":1,"off`},
		{"garbage line", "{not json}\n"},
		{"zeros", "\x00\x00\x00\x00\x00\x00\x00\x00"},
		{"half a line after a garbage line", "{not json}\n{\"gro"},
	}
	for _, tc := range tails {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			st := openT(t, dir)
			save(t, st, 0, 10, 1)
			save(t, st, 0, 20, 2)
			st.Close()
			path := filepath.Join(dir, "window_checkpoints.jsonl")
			whole, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(tc.tail)
			f.Close()

			st = openT(t, dir)
			if off, ok := load(t, st, 0); !ok || off != 20 {
				t.Fatalf("after torn tail: offset %d, %v; want 20", off, ok)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, whole) {
				t.Fatalf("file not cut back to its whole lines:\n got %q\nwant %q", got, whole)
			}
			save(t, st, 1, 5, 3)
			st.Close()
			st = openT(t, dir)
			if off, ok := load(t, st, 1); !ok || off != 5 {
				t.Fatalf("write after recovery: offset %d, %v; want 5", off, ok)
			}
		})
	}
}

// A bad line with whole lines after it is not a torn write: Open refuses
// rather than silently losing what follows.
func TestCorruptMiddleLine(t *testing.T) {
	dir := t.TempDir()
	st := openT(t, dir)
	save(t, st, 0, 10, 1)
	st.Close()
	path := filepath.Join(dir, "window_checkpoints.jsonl")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, append([]byte("{broken\n"), b...), 0o644)
	_, err = Open(dir)
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("Open with a corrupt first line: err = %v, want one naming line 1", err)
	}
}

// Rewrites of one key (checkpoints) compact the file instead of growing it.
func TestCompaction(t *testing.T) {
	old := compactMin
	compactMin = 8
	t.Cleanup(func() { compactMin = old })
	dir := t.TempDir()
	st := openT(t, dir)
	// Five more live keys, which every compaction must keep.
	for p := 1; p <= 5; p++ {
		save(t, st, p, int64(p), 1)
	}
	for i := range 100 {
		save(t, st, 0, int64(i), uint64(i+1))
	}
	path := filepath.Join(dir, "window_checkpoints.jsonl")
	// Six live keys; compaction runs once dead lines reach max(8, live),
	// so at most 6 live + 8 dead lines remain of 105 written.
	if n := lineCount(t, path); n > 14 {
		t.Errorf("file has %d lines after 105 writes of 6 keys", n)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("compaction left its temporary file: %v", err)
	}
	st.Close()
	st = openT(t, dir)
	if off, ok := load(t, st, 0); !ok || off != 99 {
		t.Errorf("after compaction and reopen: offset %d, %v; want 99", off, ok)
	}
	for p := 1; p <= 5; p++ {
		if off, ok := load(t, st, p); !ok || off != int64(p) {
			t.Errorf("partition %d after compaction: offset %d, %v; want %d", p, off, ok, p)
		}
	}
}

func TestDirectoryLock(t *testing.T) {
	dir := t.TempDir()
	st := openT(t, dir)
	if _, err := Open(dir); err == nil {
		t.Fatal("second Open of a directory in use succeeded")
	}
	st.Close()
	st2 := openT(t, dir)
	if err := st2.Ping(t.Context()); err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
}

// Closed-store calls fail without touching files.
func TestClosedStore(t *testing.T) {
	st := openT(t, t.TempDir())
	st.Close()
	if err := st.WriteWindow(t.Context(), nil, nil, 1); err == nil {
		t.Error("WriteWindow after Close succeeded")
	}
	if _, _, err := st.LoadCheckpoint(t.Context(), "g", "p", 0); err == nil {
		t.Error("LoadCheckpoint after Close succeeded")
	}
}

// Prediction lines written before predictions carried their window have no
// window_seq: they load as window -1 (none), and the label join still finds
// them.
func TestPredictionLinesWithoutWindowSeq(t *testing.T) {
	dir := t.TempDir()
	line := `{"version":1,"model":"m","model_version":"1","id":"req-1","time":"2026-11-22T04:00:00.125Z",` +
		`"output":"0.5","body":"e30=","topic":"predictions","partition":0,"offset":7}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "predictions.jsonl"), []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	st := openT(t, dir)
	ps, err := st.LookupPredictions(t.Context(), "m", []string{"req-1"})
	if err != nil || len(ps) != 1 || ps[0].WindowSeq != -1 || ps[0].Output != "0.5" || string(ps[0].Body) != "{}" ||
		ps[0].Source.Offset != 7 {
		t.Fatalf("LookupPredictions: %+v, %v", ps, err)
	}
}

package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/driftmon/driftmon/check"
)

// TestShowProgress: each tick rewrites the progress line with the
// counters as they are; done erases it. Ticks are sent by hand, so the
// output does not depend on timing.
func TestShowProgress(t *testing.T) {
	var out bytes.Buffer
	p := new(check.Progress)
	ticks := make(chan time.Time)
	p.RowsReference.Store(4096)
	done := showProgress(&out, p, ticks)
	ticks <- time.Time{}
	ticks <- time.Time{} // the same counters: the line is written again
	done()               // returns once the printer has stopped
	p.RowsReference.Store(5000)
	p.RowsCurrent.Store(300)
	p.Columns.Store(12)
	p.ColumnsDone.Store(5)
	done = showProgress(&out, p, ticks)
	ticks <- time.Time{}
	done()
	first := "\r\x1b[Kdriftmon check: read 4096 reference rows, 0 current rows"
	want := first + first + "\r\x1b[K" +
		"\r\x1b[Kdriftmon check: read 5000 reference rows, 300 current rows; 5 of 12 columns compared\r\x1b[K"
	if out.String() != want {
		t.Errorf("got %q\nwant %q", out.String(), want)
	}

	// Without a tick nothing is written, not even the erasing.
	out.Reset()
	showProgress(&out, p, make(chan time.Time))()
	if out.Len() != 0 {
		t.Errorf("no tick, yet %q", out.String())
	}
}

// TestCheckProgressOnlyOnATerminal: check's stderr holds nothing but
// errors when it is not a terminal; on a terminal the progress ticks are
// started and stopped with the run (they never tick here: a quick run
// shows nothing either). Run's counters end at the files' rows and
// columns.
func TestCheckProgressOnlyOnATerminal(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,c\n")
	for i := range 5000 {
		b.WriteString(strconv.Itoa(i%97) + "," + strconv.Itoa(i%3) + "\n")
	}
	path := filepath.Join(dir, "a.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"check", "--reference", path, "--current", path, "--format", "json"}
	for _, terminal := range []bool{false, true} {
		var stdout, stderr bytes.Buffer
		started, stopped := 0, 0
		e := &env{stdout: &stdout, stderr: &stderr, logFormat: newChoice("text", "text", "json"), terminal: terminal,
			progress: func() (<-chan time.Time, func()) {
				started++
				return make(chan time.Time), func() { stopped++ }
			}}
		if code := e.run(t.Context(), args); code != ExitOK {
			t.Fatalf("terminal %t: exit %d: %s", terminal, code, stderr.String())
		}
		if stderr.Len() != 0 {
			t.Errorf("terminal %t: stderr %q, want nothing", terminal, stderr.String())
		}
		want := 0
		if terminal {
			want = 1
		}
		if started != want || stopped != want {
			t.Errorf("terminal %t: progress started %d and stopped %d times, want %d", terminal, started, stopped, want)
		}
	}

	// The counters, read as the progress line reads them: 5000 rows in
	// each file (written above), 2 columns.
	p := new(check.Progress)
	if _, err := check.Run(t.Context(), check.Options{Reference: path, Current: path, Progress: p}); err != nil {
		t.Fatal(err)
	}
	if got, want := progressLine(p), "read 5000 reference rows, 5000 current rows; 2 of 2 columns compared"; got != want {
		t.Errorf("after the run: %q, want %q", got, want)
	}
}

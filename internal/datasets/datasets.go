// Package datasets finds the shared drift data sets for tests: the real
// files under ../shared/datasets beside the repository (or wherever
// $DRIFTMON_DATASETS points), never copied into the repository.
//
// A test that needs a data set skips when none is found, as in a user's own
// clone. When DRIFTMON_DATASETS names a folder (scripts/test.sh sets it
// whenever ../shared/datasets exists, as it does in CI), a missing folder or
// file fails the test instead, so a run that has the data sets never passes
// by skipping them. It imports nothing of driftmon's.
package datasets

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the folder of the data sets, or skips when there is none
// (fails when DRIFTMON_DATASETS names one that is not there).
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("DRIFTMON_DATASETS"); d != "" {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
		missing(t, fmt.Sprintf("DRIFTMON_DATASETS=%s is not a directory of data sets", d))
	}
	// The repository's root holds go.mod; shared/ sits beside it.
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			cand := filepath.Join(dir, "..", "shared", "datasets")
			if st, err := os.Stat(cand); err == nil && st.IsDir() {
				return cand
			}
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	missing(t, "data sets not found: set DRIFTMON_DATASETS or place shared/datasets beside the repository")
	return ""
}

// Path returns the path of one data set file.
func Path(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(Dir(t), name)
	if _, err := os.Stat(p); err != nil {
		missing(t, fmt.Sprintf("data set %s: %v", name, err))
	}
	return p
}

// Slice writes the header line and the data rows [from, to) of a data set
// (0-based, the header excluded), byte for byte, to a file in dir and
// returns its path: the same bytes the golden generators cut.
func Slice(t testing.TB, name string, from, to int, dir, out string) string {
	t.Helper()
	b, err := os.ReadFile(Path(t, name))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(b, []byte("\n"))
	if to+1 > len(lines) {
		t.Fatalf("%s: rows [%d, %d) asked, it has %d lines", name, from, to, len(lines))
	}
	var buf bytes.Buffer
	buf.Write(lines[0])
	for _, l := range lines[1+from : 1+to] {
		buf.Write(l)
	}
	p := filepath.Join(dir, out)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("DRIFTMON_DATASETS") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

package embedded

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage"
	"github.com/driftmon/driftmon/storage/storagetest"
)

// opener returns an Opener whose names are subdirectories of one temporary
// directory per test.
func opener() storagetest.Opener {
	var mu sync.Mutex
	dirs := make(map[*testing.T]string)
	return func(t *testing.T, name string) storage.Store {
		t.Helper()
		mu.Lock()
		dir, ok := dirs[t]
		if !ok {
			dir = t.TempDir()
			dirs[t] = dir
		}
		mu.Unlock()
		st, err := Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
}

func TestContract(t *testing.T) {
	storagetest.Run(t, opener())
}

// TestLegacyResults opens drift_results lines in the format the store
// wrote before they carried threshold_source, with reported rows drifted
// at their own levels.
func TestLegacyResults(t *testing.T) {
	storagetest.RunLegacyResults(t, func(t *testing.T, rs []drift.Result, version uint64) storage.Store {
		// The line of that format, field for field.
		type line struct {
			Version      uint64   `json:"version"`
			Model        string   `json:"model"`
			ModelVersion string   `json:"model_version"`
			Family       string   `json:"family"`
			Feature      string   `json:"feature"`
			Method       string   `json:"method"`
			WindowSeq    int64    `json:"window_seq"`
			Start        int64    `json:"window_start"`
			End          int64    `json:"window_end"`
			Statistic    float64  `json:"statistic"`
			PValue       *float64 `json:"p_value"`
			Threshold    float64  `json:"threshold"`
			Drifted      bool     `json:"drifted"`
			Decision     bool     `json:"decision"`
			NReference   uint64   `json:"n_reference"`
			NCurrent     uint64   `json:"n_current"`
		}
		dir := t.TempDir()
		var b []byte
		for _, r := range rs {
			l, err := json.Marshal(line{version, r.Model, r.ModelVersion, string(r.Family), r.Feature, r.Method,
				r.WindowSeq, r.WindowStart.Unix(), r.WindowEnd.Unix(), r.Statistic, r.PValue, r.Threshold,
				r.Drifted, r.Decision, r.NReference, r.NCurrent})
			if err != nil {
				t.Fatal(err)
			}
			b = append(append(b, l...), '\n')
		}
		if err := os.WriteFile(filepath.Join(dir, "drift_results.jsonl"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := Open(dir)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}

func BenchmarkPredictions(b *testing.B) {
	st, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	storagetest.BenchmarkPredictions(b, st, 1000)
}

func BenchmarkWindow(b *testing.B) {
	st, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	storagetest.BenchmarkWindow(b, st, 20)
}

package embedded

import (
	"path/filepath"
	"sync"
	"testing"

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

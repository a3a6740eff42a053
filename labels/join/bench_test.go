package join

import (
	"fmt"
	"runtime"
	"testing"
)

// BenchmarkRecentPut is the cost the join adds to every prediction: one
// put into a full Recent (so each put also evicts the oldest). It reports
// the heap held per prediction at the bound.
func BenchmarkRecentPut(b *testing.B) {
	const max = 200_000
	ids := make([]string, 1<<20)
	for i := range ids {
		ids[i] = fmt.Sprintf("req-%08d", i)
	}
	r := NewRecent(max)
	p := pred(1)
	for i := 0; i < max; i++ {
		r.Put("fraud", ids[i%len(ids)], p)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Put("fraud", ids[(i+max)%len(ids)], p)
	}
	b.StopTimer()
	if r.Len() != max {
		b.Fatalf("%d held, want %d", r.Len(), max)
	}
	// The heap a full Recent holds, per prediction: no id is kept, two
	// hashes of it stand for it.
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	r2 := NewRecent(max)
	for i := 0; i < max; i++ {
		r2.Put("fraud", ids[i], p)
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	b.ReportMetric(float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc))/max, "heap-B/prediction")
	runtime.KeepAlive(r)
	runtime.KeepAlive(r2)
	runtime.KeepAlive(ids)
}

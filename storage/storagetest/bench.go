package storagetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage"
)

// BenchmarkPredictions measures WritePredictions in batches of batch rows
// of a typical size (a 200-byte body); b.N counts rows.
func BenchmarkPredictions(b *testing.B, st storage.Store, batch int) {
	body := make([]byte, 200)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	rows := make([]storage.PredictionRecord, batch)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		n := min(batch, b.N-done)
		for i := range n {
			rows[i] = storage.PredictionRecord{Model: "bench", ModelVersion: "1", ID: fmt.Sprintf("req-%d", done+i),
				Time: t0.Add(time.Duration(done+i) * time.Millisecond), Output: "0.5", Body: body,
				Source: drift.Source{Topic: "predictions", Offset: int64(done + i)}}
		}
		if err := st.WritePredictions(b.Context(), rows[:n]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWindow measures WriteWindow of a window with features numeric
// features (1000 values each, default limits) and one ks result per
// feature; b.N counts windows.
func BenchmarkWindow(b *testing.B, st storage.Store, features int) {
	w := &drift.WindowSummary{Model: "bench", ModelVersion: "1", Start: t0, End: t0.Add(5 * time.Minute)}
	var rs []drift.Result
	for f := range features {
		s := drift.NewFeatureSummary(fmt.Sprintf("f%d", f), drift.Numeric, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, drift.DefaultLimits(), uint64(f))
		for i := range 1000 {
			s.Observe(drift.NumberValue(float64(i%100) / 10))
		}
		w.Features = append(w.Features, s)
		rs = append(rs, result("bench", s.Name, t0, 0.1))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		w.Seq = int64(i)
		for j := range rs {
			rs[j].WindowSeq = int64(i)
		}
		if err := st.WriteWindow(b.Context(), w, rs, uint64(i+1)); err != nil {
			b.Fatal(err)
		}
	}
}

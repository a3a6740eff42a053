package window_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/ingest"
	"github.com/driftmon/driftmon/window"
)

// BenchmarkDecodeAndWindow measures the hot path of ingestion, one event per
// op: decode a prediction with 20 features (10 numeric, 10 categorical) and
// add it to its window. Target: 300,000 events/s on one core, i.e. at most
// 3,333 ns/op with -cpu 1.
//
//	go test -run x -bench DecodeAndWindow -benchmem -cpu 1 -count 7 ./window/
func BenchmarkDecodeAndWindow(b *testing.B) {
	const nNum, nCat = 10, 10
	r := rand.New(rand.NewPCG(1, 2))
	spec := window.Spec{Model: "fraud", Duration: time.Hour, IdleTimeout: time.Hour, Limits: drift.DefaultLimits(), MaxIDs: 10000,
		Prediction: drift.Numeric, PredictionEdges: []float64{0.1, 0.3, 0.5, 0.7, 0.9}}
	for i := 0; i < nNum; i++ {
		edges := make([]float64, 9)
		for j := range edges {
			edges[j] = float64(j+1) * 10
		}
		spec.Features = append(spec.Features, window.Feature{Name: fmt.Sprintf("num_%d", i), Kind: drift.Numeric, Edges: edges})
	}
	for i := 0; i < nCat; i++ {
		spec.Features = append(spec.Features, window.Feature{Name: fmt.Sprintf("cat_%d", i), Kind: drift.Categorical})
	}
	// A pool of distinct events, as a real stream would carry.
	const pool = 4096
	base := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	events := make([][]byte, pool)
	size := 0
	for k := range events {
		f := map[string]any{}
		for i := 0; i < nNum; i++ {
			f[fmt.Sprintf("num_%d", i)] = float64(int(r.Float64()*10000)) / 100
		}
		for i := 0; i < nCat; i++ {
			f[fmt.Sprintf("cat_%d", i)] = fmt.Sprintf("v%d", r.IntN(20))
		}
		ev, _ := json.Marshal(map[string]any{"model": "fraud", "model_version": "7", "id": fmt.Sprintf("req-%08x", k),
			"timestamp": base.Add(time.Duration(k) * time.Millisecond).Format(time.RFC3339Nano),
			"features":  f, "prediction": r.Float64()})
		events[k] = ev
		size += len(ev)
	}
	dec := ingest.NewDecoder(ingest.DecoderOptions{})
	w := window.New([]window.Spec{spec})
	var p drift.Prediction
	now := time.Now()
	b.SetBytes(int64(size / pool))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := dec.DecodePrediction(events[i%pool], now, &p); err != nil {
			b.Fatal(err)
		}
		if _, _, err := w.Add(&p, now); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// TestUndeclaredNamesOwnTheirBytes: undeclared field names are counted
// from decode buffers that the next event overwrites; the window's map
// must keep names of its own. (It once counted `device":"i`.)
func TestUndeclaredNamesOwnTheirBytes(t *testing.T) {
	spec := window.Spec{Model: "m", Duration: time.Hour, IdleTimeout: time.Hour, Limits: drift.DefaultLimits(),
		Features: []window.Feature{{Name: "a", Kind: drift.Numeric}}}
	w := window.New([]window.Spec{spec})
	dec := ingest.NewDecoder(ingest.DecoderOptions{})
	var p drift.Prediction
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, ev := range []string{
		`{"model":"m","timestamp":"2026-01-01T00:00:00Z","features":{"a":1,"extra":2}}`,
		`{"model":"m","timestamp":"2026-01-01T00:00:01Z","features":{"extra":2,"a":1}}`,
		`{"model":"m","timestamp":"2026-01-01T00:00:02Z","features":{"zzzzz":1,"a":1,"extra":3}}`,
		`{"model":"m","timestamp":"2026-01-01T00:00:03Z","features":{"a":1,"qqqqq":1,"yyyyy":3}}`,
	} {
		if err := dec.DecodePrediction([]byte(ev), now, &p); err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.Add(&p, now); err != nil {
			t.Fatal(err)
		}
	}
	got := w.Tick(now.Add(2 * time.Hour))[0].Undeclared
	want := map[string]uint64{"extra": 3, "zzzzz": 1, "qqqqq": 1, "yyyyy": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("undeclared %v, want %v", got, want)
	}
}

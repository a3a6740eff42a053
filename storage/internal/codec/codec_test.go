package codec

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/sketch"
)

func TestFloatJSON(t *testing.T) {
	tests := []struct {
		in   float64
		json string
	}{
		{1.5, "1.5"},
		{-0.1, "-0.1"},
		{1e300, "1e+300"},
		{math.SmallestNonzeroFloat64, "5e-324"},
		{math.Inf(1), `"+Inf"`},
		{math.Inf(-1), `"-Inf"`},
		{math.NaN(), `"NaN"`},
	}
	for _, tc := range tests {
		t.Run(tc.json, func(t *testing.T) {
			b, err := json.Marshal(Float(tc.in))
			if err != nil || string(b) != tc.json {
				t.Fatalf("Marshal(%v) = %s, %v; want %s", tc.in, b, err, tc.json)
			}
			var f Float
			if err := json.Unmarshal(b, &f); err != nil {
				t.Fatal(err)
			}
			if got := float64(f); got != tc.in && !(math.IsNaN(got) && math.IsNaN(tc.in)) {
				t.Fatalf("round trip of %v gave %v", tc.in, got)
			}
			var fs Floats
			if err := json.Unmarshal([]byte("["+tc.json+","+tc.json+"]"), &fs); err != nil || len(fs) != 2 {
				t.Fatalf("Floats: %v, %v", fs, err)
			}
		})
	}
	var f Float
	if err := json.Unmarshal([]byte(`"Infinity"`), &f); err == nil {
		t.Error(`"Infinity" accepted`)
	}
	if b, _ := json.Marshal(Floats(nil)); string(b) != "null" {
		t.Errorf("nil Floats = %s", b)
	}
}

func TestCorruptRows(t *testing.T) {
	good := func() Feature {
		f, err := FromSummary(RoleFeature, drift.NewFeatureSummary("x", drift.Numeric, []float64{1, 2}, drift.DefaultLimits(), 1))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	if _, err := good().Summary(); err != nil {
		t.Fatalf("good row: %v", err)
	}
	tests := []struct {
		name    string
		corrupt func(*Feature)
		want    string
	}{
		{"unknown kind", func(f *Feature) { f.Kind = "text" }, "unknown feature type"},
		{"bins for other edges", func(f *Feature) { f.BinCounts = f.BinCounts[:2] }, "2 bin counts for 2 edges"},
		{"category arrays differ", func(f *Feature) { f.CategoryNames = []string{"a"} }, "1 category names, 0 counts"},
		{"sketch tag", func(f *Feature) { f.Sketch = []byte("Zxx") }, "unknown tag"},
		{"sketch bytes", func(f *Feature) { f.Sketch = []byte("Bxx") }, "decode sketch"},
		{"sample over cap", func(f *Feature) { f.Sample, f.SampleSeen, f.SampleCap = Floats{1, 2}, 2, 1 }, "sample"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := good()
			tc.corrupt(&f)
			_, err := f.Summary()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestSketchCodec(t *testing.T) {
	if b, err := EncodeSketch(nil); err != nil || b != nil {
		t.Fatalf("nil sketch: %q, %v", b, err)
	}
	if k, err := DecodeSketch(nil); err != nil || k != nil {
		t.Fatalf("empty bytes: %v, %v", k, err)
	}
	k := sketch.NewKLL(8)
	for i := range 1000 {
		k.Add(float64(i))
	}
	b, err := EncodeSketch(k)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeSketch(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Count() != 1000 || got.Quantile(0.5) != k.Quantile(0.5) {
		t.Errorf("decoded sketch: count %d, median %v; want 1000, %v", got.Count(), got.Quantile(0.5), k.Quantile(0.5))
	}
}

// TestQualityRow: a window's quality counters survive Rows and Attach, a
// window without them gets no quality row, and a corrupt one is refused.
func TestQualityRow(t *testing.T) {
	f := drift.NewFeatureSummary("x", drift.Numeric, nil, drift.DefaultLimits(), 1)
	f.Observe(drift.NumberValue(1))
	tests := []struct {
		name  string
		w     drift.WindowSummary
		nRows int
	}{
		{"counters", drift.WindowSummary{Model: "m", DuplicateIDs: 4, Undeclared: map[string]uint64{"b": 1, "a": 2},
			Features: []*drift.FeatureSummary{f}}, 2},
		{"only undeclared, no features", drift.WindowSummary{Model: "m", Undeclared: map[string]uint64{"a": 1}}, 1},
		{"none", drift.WindowSummary{Model: "m", Features: []*drift.FeatureSummary{f}}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := Rows(&tc.w)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != tc.nRows {
				t.Fatalf("%d rows, want %d", len(rows), tc.nRows)
			}
			got := drift.WindowSummary{Model: "m"}
			if err := Attach(&got, rows); err != nil {
				t.Fatal(err)
			}
			if got.DuplicateIDs != tc.w.DuplicateIDs || len(got.Features) != len(tc.w.Features) ||
				len(got.Undeclared) != len(tc.w.Undeclared) {
				t.Fatalf("got %+v, want %+v", got, tc.w)
			}
			for k, n := range tc.w.Undeclared {
				if got.Undeclared[k] != n {
					t.Errorf("undeclared %s = %d, want %d", k, got.Undeclared[k], n)
				}
			}
		})
	}
	bad := []Feature{{Role: RoleQuality, CategoryNames: []string{"a"}}}
	if err := Attach(&drift.WindowSummary{Model: "m"}, bad); err == nil || !strings.Contains(err.Error(), "1 names, 0 counts") {
		t.Errorf("corrupt quality row: %v", err)
	}
}

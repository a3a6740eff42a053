package detectors_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/reference"
	"github.com/driftmon/driftmon/sketch"
)

// serveColumns are the benchmark model's features: 10 numeric of four
// shapes (continuous, rounded with ties, small integers, uniform) and 10
// categorical of 4 to 40 categories, as the models have.
var serveColumns = func() []reference.Column {
	var cols []reference.Column
	for i := range 10 {
		cols = append(cols, reference.Column{Name: fmt.Sprintf("num_%d", i), Kind: drift.Numeric})
	}
	for i := range 10 {
		cols = append(cols, reference.Column{Name: fmt.Sprintf("cat_%d", i), Kind: drift.Categorical})
	}
	return cols
}()

// serveValue draws feature i's value; shift moves the numeric ones and
// tilts the categorical ones (a drifted window).
func serveValue(rng *rand.Rand, i int, shift float64) drift.Value {
	if i >= 10 {
		k := 4 + 4*(i-10)
		c := int(math.Abs(rng.NormFloat64()+shift) * float64(k) / 3)
		return drift.StringValue("c" + strconv.Itoa(min(c, k-1)))
	}
	switch i % 4 {
	case 0:
		return drift.NumberValue(rng.NormFloat64()*float64(i+1) + shift)
	case 1:
		return drift.NumberValue(math.Round(math.Exp(rng.NormFloat64()+3+shift)*100) / 100)
	case 2:
		return drift.NumberValue(float64(18 + rng.IntN(60) + int(10*shift)))
	}
	return drift.NumberValue(rng.Float64() + shift/4)
}

// serveReference builds a reference of n rows as serve does: CSV text read
// by reference.FromReader, every numeric value kept.
func serveReference(b testing.TB, n int) *drift.Reference {
	b.Helper()
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	var csv strings.Builder
	for i, c := range serveColumns {
		if i > 0 {
			csv.WriteByte(',')
		}
		csv.WriteString(c.Name)
	}
	csv.WriteByte('\n')
	for range n {
		for i := range serveColumns {
			if i > 0 {
				csv.WriteByte(',')
			}
			v := serveValue(rng, i, 0)
			if v.Kind == drift.Number {
				csv.WriteString(strconv.FormatFloat(v.Num, 'g', -1, 64))
			} else {
				csv.WriteString(v.Str)
			}
		}
		csv.WriteByte('\n')
	}
	ref, err := reference.FromReader(context.Background(), strings.NewReader(csv.String()), "ref.csv", serveColumns, nil, drift.DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	return ref
}

// serveWindow summarises a window of n events at the reference's bins, as
// the windower does (default limits: a sample of 10,000 values, so a
// bigger window is sketched).
func serveWindow(ref *drift.Reference, seq int64, n int, shift float64) *drift.WindowSummary {
	rng := rand.New(rand.NewPCG(uint64(seq), 2))
	w := &drift.WindowSummary{Model: "m", Seq: seq, Events: uint64(n)}
	for i, c := range serveColumns {
		var edges []float64
		if rf := ref.Feature(c.Name); rf != nil {
			edges = rf.Edges
		}
		w.Features = append(w.Features, drift.NewFeatureSummary(c.Name, c.Kind, edges, drift.DefaultLimits(), uint64(seq)*31+uint64(i)))
	}
	for range n {
		for i, f := range w.Features {
			f.Observe(serveValue(rng, i, shift))
		}
	}
	return w
}

// boundedRule marks the benchmark of a bounded reference
// (detectors.Calibrations.Bound), as serve now holds one.
const boundedRule stats.PValueRule = 100

// BenchmarkEvaluateWindows is serve's steady state: window after window of
// a 20-feature model (10 numeric, 10 categorical) evaluated against one
// file reference under the default policy, with the cache serve keeps per
// model. One op is one window; the windows cycle through eight (every
// fourth drifted), all evaluated once before the timer starts, so every
// calibration is already cached and what is timed is the per-window cost.
// Windows of 2,000 events are complete samples (the exact tests); windows
// of 50,000 are sketched (see "Big windows" in the README). reports=auto
// is the default policy as check holds it (scipy's automatic choice of
// p-value for the report-only ks), reports=asymptotic as serve runs it.
//
//	go test -run '^$' -bench EvaluateWindows -benchmem -count 5 ./detectors/
func BenchmarkEvaluateWindows(b *testing.B) {
	for _, bc := range []struct{ ref, window int }{{5000, 2000}, {20000, 2000}, {20000, 50000}} {
		ref := serveReference(b, bc.ref)
		windows := make([]*drift.WindowSummary, 8)
		for i := range windows {
			shift := 0.0
			if i%4 == 3 {
				shift = 0.2
			}
			windows[i] = serveWindow(ref, int64(i+1), bc.window, shift)
		}
		for _, rule := range []stats.PValueRule{stats.PValueAuto, stats.PValueAsymptotic, boundedRule} {
			name := map[stats.PValueRule]string{stats.PValueAuto: "auto", stats.PValueAsymptotic: "asymptotic", boundedRule: "bounded"}[rule]
			b.Run(fmt.Sprintf("ref=%d/window=%d/reports=%s", bc.ref, bc.window, name), func(b *testing.B) {
				p := detectors.DefaultPolicy()
				p.ReportPValues = rule
				cache := detectors.NewCalibrations()
				ref := ref
				if rule == boundedRule {
					// As serve holds it (monitor.Build).
					p.ReportPValues = stats.PValueAsymptotic
					ref = serveReference(b, bc.ref)
					if _, err := cache.Bound(ref, p, uint64(bc.window), sketch.DefaultCompactCap, nil); err != nil {
						b.Fatal(err)
					}
				}
				for _, w := range windows {
					detectors.EvaluateCached(ref, w, p, cache)
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if rows := detectors.EvaluateCached(ref, windows[i%len(windows)], p, cache); len(rows) == 0 {
						b.Fatal("no rows")
					}
					i++
				}
			})
		}
	}
}

package detectors_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/internal/datasets"
	"github.com/driftmon/driftmon/reference"
	"github.com/driftmon/driftmon/sketch"
)

// boundMethods are the numeric statistics whose error the bounded
// reference is measured on: what the default policy decides by
// (jensen_shannon, calibrated) and reports (psi, ks, wasserstein), and
// the other tests a policy may name.
var boundMethods = []string{stats.MethodJensenShannon, stats.MethodPSI, stats.MethodKS, stats.MethodWasserstein,
	stats.MethodWassersteinNorm, stats.MethodAndersonDarling, stats.MethodCramerVonMises}

// boundError gathers, per method, the largest differences between the rows
// against a whole reference and against its bounded form, and how often
// their verdicts (a report row's statistic or p-value against its
// threshold) differ.
type boundError struct {
	stat, pval, rel map[string]float64
	rows, differ    map[string]int
}

func newBoundError() *boundError {
	return &boundError{stat: map[string]float64{}, pval: map[string]float64{}, rel: map[string]float64{},
		rows: map[string]int{}, differ: map[string]int{}}
}

func (e *boundError) add(t *testing.T, name string, want, got []drift.Result) {
	t.Helper()
	w, g := results(want), results(got)
	for k, a := range w {
		if a.Family != drift.Covariate {
			continue
		}
		b, ok := g[k]
		if !ok {
			t.Errorf("%s %s %s: no row against the bounded reference", name, k[0], k[1])
			continue
		}
		m := a.Method
		d := math.Abs(a.Statistic - b.Statistic)
		e.stat[m] = max(e.stat[m], d)
		if a.Statistic != 0 {
			e.rel[m] = max(e.rel[m], d/math.Abs(a.Statistic))
		}
		if a.PValue != nil && b.PValue != nil {
			e.pval[m] = max(e.pval[m], math.Abs(*a.PValue-*b.PValue))
		}
		e.rows[m]++
		va := detectors.Drifted(m, a.Statistic, a.PValue, a.Threshold)
		vb := detectors.Drifted(m, b.Statistic, b.PValue, b.Threshold)
		if va != vb {
			e.differ[m]++
			t.Logf("%s %s %s: verdict %v, bounded %v (statistic %.6g / %.6g, threshold %v)", name, k[0], m, va, vb, a.Statistic, b.Statistic, a.Threshold)
		}
		if a.Decision && (a.Drifted != b.Drifted || a.Threshold != b.Threshold) {
			t.Errorf("%s %s %s: decision %v at %v, bounded %v at %v", name, k[0], m, a.Drifted, a.Threshold, b.Drifted, b.Threshold)
		}
	}
}

func (e *boundError) log(t *testing.T, what string) {
	var b strings.Builder
	for _, m := range boundMethods {
		if e.rows[m] == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n  %-17s rows %4d  |d statistic| %.3g (%.3g of it)  |d p| %.3g  verdicts differ %d",
			m, e.rows[m], e.stat[m], e.rel[m], e.pval[m], e.differ[m])
	}
	t.Logf("%s:%s", what, b.String())
}

// boundPolicy is the default policy as serve runs it, reporting every
// numeric statistic of boundMethods at its default threshold.
func boundPolicy() detectors.Policy {
	p := detectors.DefaultPolicy()
	p.ReportPValues = stats.PValueAsymptotic
	p.Numeric.Methods = boundMethods
	return p
}

// TestBoundedReferenceDatasets measures what bounding a file reference
// (detectors.Calibrations.Bound with sketch.DefaultCompactCap entries, as
// serve does) does to the numeric rows, on every numeric column of the
// shared data sets and on the synthetic model of BenchmarkEvaluateWindows:
// each reference is the file's first rows, loaded as serve loads it, and
// the windows are consecutive 2,000-row count windows after it (the
// default policy's calibrated thresholds come from the load), plus one
// window of the rest (a big one, sketched, where it exceeds the sample).
// The decisions must agree and the thresholds be the same; ks must be
// within the compact summary's bound. It logs per data set the largest
// differences of each statistic and p-value, and how many report rows
// change their verdict: the README quotes them.
//
//	go test -run BoundedReferenceDatasets -v ./detectors/
func TestBoundedReferenceDatasets(t *testing.T) {
	const events = 2000
	cases := []struct {
		file string
		ref  int
	}{
		{"electricity.csv", 20000}, {"sea.csv", 20000}, {"weather_noaa.csv", 12000},
		{"insects_gradual_balanced.csv", 12000}, {"bike_sharing_hour.csv", 12000},
	}
	p := boundPolicy()
	all := newBoundError()
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			path := datasets.Path(t, c.file)
			header, rows := readRows(t, path)
			cols, err := reference.InferColumns(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			var numeric []reference.Column
			for _, col := range cols {
				if col.Kind == drift.Numeric {
					numeric = append(numeric, col)
				}
			}
			refPath := datasets.Slice(t, c.file, 0, c.ref, t.TempDir(), "ref.csv")
			// As check loads it, and as serve does.
			load := func(compact int) *reference.File {
				f, err := reference.Load(context.Background(), refPath, reference.Spec{Features: numeric, NoSketch: compact > 0, Compact: compact})
				if err != nil {
					t.Fatal(err)
				}
				return f
			}
			whole, b := load(0).Ref, load(sketch.DefaultCompactCap)
			bounded := b.Ref
			wholeCal, boundCal := detectors.NewCalibrations(), detectors.NewCalibrations()
			if _, err := boundCal.Bound(bounded, p, events, sketch.DefaultCompactCap, b.Compacts); err != nil {
				t.Fatal(err)
			}
			e := newBoundError()
			var spans [][2]int
			for from := c.ref; from+events <= len(rows); from += events {
				spans = append(spans, [2]int{from, from + events})
			}
			spans = append(spans, [2]int{c.ref, len(rows)})
			for _, s := range spans {
				win := cutWindow(t, header, rows[s[0]:s[1]], whole, numeric)
				name := fmt.Sprintf("window %v", s)
				want := detectors.EvaluateCached(whole, win, p, wholeCal)
				got := detectors.EvaluateCached(bounded, win, p, boundCal)
				e.add(t, name, want, got)
				all.add(t, c.file+" "+name, want, got)
				checkKSBound(t, name, whole, want, got)
			}
			e.log(t, c.file)
		})
	}
	t.Run("synthetic", func(t *testing.T) {
		whole, bounded := serveReference(t, 20000), serveReference(t, 20000)
		wholeCal, boundCal := detectors.NewCalibrations(), detectors.NewCalibrations()
		if _, err := boundCal.Bound(bounded, p, events, sketch.DefaultCompactCap, nil); err != nil {
			t.Fatal(err)
		}
		e := newBoundError()
		for i, shift := range []float64{0, 0, 0, 0.02, 0.05, 0.1, 0.2} {
			win := serveWindow(whole, int64(i+1), events, shift)
			name := fmt.Sprintf("window %d shift %v", i+1, shift)
			want := detectors.EvaluateCached(whole, win, p, wholeCal)
			got := detectors.EvaluateCached(bounded, win, p, boundCal)
			e.add(t, name, want, got)
			all.add(t, "synthetic "+name, want, got)
			checkKSBound(t, name, whole, want, got)
		}
		e.log(t, "synthetic")
	})
	all.log(t, "all")
}

// checkKSBound holds each ks row to the compact summary's bound: half a
// run of ranks on the reference's side, one more value for the rounding.
func checkKSBound(t *testing.T, name string, ref *drift.Reference, want, got []drift.Result) {
	t.Helper()
	g := results(got)
	for _, a := range want {
		if a.Method != stats.MethodKS || a.Family != drift.Covariate {
			continue
		}
		n := float64(ref.Feature(a.Feature).Count)
		bound := (math.Ceil(n/sketch.DefaultCompactCap)/2 + 1) / n
		if d := math.Abs(a.Statistic - g[[2]string{a.Feature, a.Method}].Statistic); d > bound {
			t.Errorf("%s %s ks: off by %g, bound %g", name, a.Feature, d, bound)
		}
	}
}

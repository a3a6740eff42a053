package detectors

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/driftmon/driftmon/detectors/quality"
	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
)

func uniform(seed uint64, n int) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]float64, n)
	for i := range out {
		out[i] = rng.Float64()
	}
	return out
}

// binValues counts xs into the bins of edges one value at a time, as
// drift.Bin bins them.
func binValues(edges, xs []float64) []uint64 {
	counts := make([]uint64, len(edges)+1)
	for _, x := range xs {
		counts[drift.Bin(edges, x)]++
	}
	return counts
}

// multipliers are scipy's t.ppf(norm.cdf(3), df=n-1) * sqrt(1 + 1/n):
//
//	/usr/bin/python3 -c "from scipy import stats; import math; print([stats.t.ppf(stats.norm.cdf(3), df=n-1)*math.sqrt(1+1/n) for n in (5,10,30,50,100)])"
var multipliers = map[int]float64{5: 7.2520722994533715, 10: 4.294091191819932, 30: 3.3346516899367264,
	50: 3.191957771220224, 100: 3.09289858099624}

func TestMultiplier(t *testing.T) {
	for n, want := range multipliers {
		if got := multiplier(3, n); math.Abs(got-want) > 1e-7*want {
			t.Errorf("multiplier(3, %d) = %.17g, want %.17g", n, got, want)
		}
	}
	if multiplier(3, 1) != 3 || multiplier(0, 10) != 0 {
		t.Error("one draw or k = 0 must leave k alone")
	}
}

// clampLevel is the rule of Calibration stated once more for the tests:
// the sub-windows' level held between the bootstrap's and twice it.
func clampLevel(ts, tb float64) float64 { return min(max(ts, tb), 2*tb) }

// TestCalibrateSubWindowsByHand recomputes the sub-window calibration
// independently: each consecutive sub-window binned at the whole
// reference's deciles against the rest of the reference, PSI by its
// definition, then mean + k' sample sd, k' for 10 draws, held between the
// bootstrap's level and twice it.
func TestCalibrateSubWindowsByHand(t *testing.T) {
	ref := uniform(1, 1000)
	const m = 100
	c := DefaultCalibration()
	got := CalibrateNumeric(ref, nil, m, stats.MethodPSI, c)
	sorted := slices.Sorted(slices.Values(ref))
	edges := drift.DecileEdges(sorted)
	var vals []float64
	for i := 0; i < len(ref)/m; i++ {
		sub := binValues(edges, ref[i*m:(i+1)*m])
		rest := binValues(edges, slices.Concat(ref[:i*m], ref[(i+1)*m:]))
		vals = append(vals, stats.CategoricalStats(rest, sub, []string{stats.MethodPSI})[0].Statistic)
	}
	var mean, ss float64
	for _, v := range vals {
		mean += v
	}
	mean /= float64(len(vals))
	for _, v := range vals {
		ss += (v - mean) * (v - mean)
	}
	ts := mean + multipliers[10]*math.Sqrt(ss/float64(len(vals)-1))
	if got.Stability.Windows != 10 || math.Abs(got.Stability.WindowMean-mean) > 1e-12 {
		t.Fatalf("stability %+v, want 10 windows of mean %.17g", got.Stability, mean)
	}
	want := clampLevel(ts, got.Stability.Resampled)
	if math.Abs(got.Threshold-want) > 1e-12 {
		t.Errorf("threshold %.17g, want %.17g (sub-windows %.17g)", got.Threshold, want, ts)
	}
	// iid data: the sub-windows are no farther apart than resamples.
	if got.Stability.Unstable() {
		t.Errorf("uniform draws called unstable: %+v", got.Stability)
	}
}

// TestCalibrateKSSubWindows: for a p-value method the calibrated value is
// -log10 p of KS between each sub-window and the rest.
func TestCalibrateKSSubWindows(t *testing.T) {
	ref := uniform(2, 5000)
	const m = 100
	got := CalibrateNumeric(ref, nil, m, stats.MethodKS, DefaultCalibration())
	var vals []float64
	for i := 0; i < len(ref)/m; i++ {
		st := stats.NumericStats(slices.Concat(ref[:i*m], ref[(i+1)*m:]), slices.Clone(ref[i*m:(i+1)*m]), []string{stats.MethodKS})[0]
		p := *st.PValue
		vals = append(vals, -math.Log10(p))
	}
	mean, sd := meanSD(vals)
	want := math.Pow(10, -clampLevel(mean+multipliers[50]*sd, got.Stability.Resampled))
	if got.Stability.Windows != 50 || math.Abs(got.Stability.WindowMean-mean) > 1e-12 || math.Abs(got.Threshold-want) > 1e-12*want {
		t.Errorf("got %+v, want threshold %g and 50 sub-windows of mean %g", got, want, mean)
	}
	if !(got.Threshold > 0 && got.Threshold < 0.05) {
		t.Errorf("level %g: for iid data mean + 3 sigma of -log10 p is near p = 0.018", got.Threshold)
	}
}

func TestCalibrateFallbacks(t *testing.T) {
	ref := uniform(3, 400)
	tests := []struct {
		name   string
		ref    []float64
		m      int
		method string
		source string
	}{
		{"too few sub-windows: bootstrap of counts", ref, 100, stats.MethodPSI, SourceBootstrap},
		{"too few sub-windows: bootstrap of samples", ref, 100, stats.MethodKS, SourceBootstrap},
		{"window larger than the reference", ref, 1000, stats.MethodWassersteinNorm, SourceBootstrap},
		{"enough sub-windows, more spread than resamples", uniform(3, 2000), 50, stats.MethodWasserstein, SourceSubWindows},
		{"empty reference", nil, 10, stats.MethodPSI, SourceFixedFallback},
		{"non-finite reference", []float64{1, math.NaN()}, 1, stats.MethodPSI, SourceFixedFallback},
		{"constant reference: normed Wasserstein undefined", make([]float64, 50), 5, stats.MethodWassersteinNorm, SourceFixedFallback},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := CalibrateNumeric(tc.ref, nil, tc.m, tc.method, DefaultCalibration())
			if got.Source != tc.source {
				t.Fatalf("source %q, want %q (%+v)", got.Source, tc.source, got)
			}
			if tc.source == SourceBootstrap && got.Draws != DefaultCalibration().Resamples {
				t.Errorf("draws %d, want %d", got.Draws, DefaultCalibration().Resamples)
			}
			if tc.source != SourceFixedFallback && !(got.Threshold > 0) {
				t.Errorf("threshold %v", got.Threshold)
			}
		})
	}
	// Reproducible: the same seed draws the same resamples.
	a := CalibrateNumeric(ref, nil, 100, stats.MethodKS, DefaultCalibration())
	b := CalibrateNumeric(ref, nil, 100, stats.MethodKS, DefaultCalibration())
	if a != b {
		t.Errorf("bootstrap not reproducible: %+v vs %+v", a, b)
	}
}

// A constant reference measures 0 in every resample and sub-window: no
// noise to scale a threshold from, so the method's fixed threshold applies
// (a calibrated 0 flagged any single differing value).
func TestCalibrateConstantReference(t *testing.T) {
	ref := make([]float64, 500)
	for _, m := range []int{50, 300, 1000} {
		for _, method := range []string{stats.MethodPSI, stats.MethodJensenShannon, stats.MethodKS} {
			got := CalibrateNumeric(ref, nil, m, method, DefaultCalibration())
			if got.Source != SourceFixedFallback || got.Threshold != 0 {
				t.Errorf("%s at %d: %+v, want the fixed fallback", method, m, got)
			}
		}
	}
	got := CalibrateCounts([]uint64{700}, 100, stats.MethodPSI, DefaultCalibration())
	if got.Source != SourceFixedFallback {
		t.Errorf("one category: %+v, want the fixed fallback", got)
	}
}

// TestCalibrateBootstrapSpread: the bootstrap's threshold sits in the upper
// tail of the statistic's null distribution, simulated here directly from
// the data's own distribution (fresh uniform samples), and its sigma is the
// null's: the resamples are independent draws (seeds one apart gave PCG
// streams whose resamples agreed too well: sigma 23% low).
func TestCalibrateBootstrapSpread(t *testing.T) {
	const n, m = 5000, 2000
	ref := uniform(4, n)
	got := CalibrateNumeric(ref, nil, m, stats.MethodWasserstein, DefaultCalibration())
	above := 0
	const sims = 400
	var null []float64
	for i := range sims {
		w := stats.NumericStats(uniform(uint64(100+i), n), uniform(uint64(1000+i), m), []string{stats.MethodWasserstein})[0].Statistic
		null = append(null, w)
		if w > got.Threshold {
			above++
		}
	}
	// mean + 3 sigma of a right-skewed statistic: a few in a thousand
	// above; far more says the bootstrap misses the reference side's noise.
	if above > sims/50 {
		t.Errorf("%d of %d null draws above the threshold %g", above, sims, got.Threshold)
	}
	_, sd := meanSD(null)
	if r := got.Sigma / sd; r < 0.85 || r > 1.2 {
		t.Errorf("bootstrap sigma %g against the null's %g (ratio %.2f)", got.Sigma, sd, r)
	}
}

func TestCalibrateCounts(t *testing.T) {
	got := CalibrateCounts([]uint64{500, 300, 200}, 200, stats.MethodChi2, DefaultCalibration())
	if got.Source != SourceBootstrap || !(got.Threshold > 0 && got.Threshold < 0.5) {
		t.Errorf("%+v", got)
	}
	if got := CalibrateCounts(nil, 10, stats.MethodPSI, DefaultCalibration()); got.Source != SourceFixedFallback {
		t.Errorf("empty counts: %+v", got)
	}
	// The multinomial draws keep their total.
	out := make([]uint64, 3)
	multinomial(rand.NewPCG(1, 2), 12345, []float64{0.5, 0.3, 0.2}, out)
	if sum(out) != 12345 {
		t.Errorf("multinomial total %d", sum(out))
	}
}

// TestEvaluateCalibrated: the decision row carries the calibrated
// threshold and its source; the cache calibrates once per reference.
func TestEvaluateCalibrated(t *testing.T) {
	refVals := uniform(5, 2000)
	sorted := slices.Sorted(slices.Values(refVals))
	edges := drift.DecileEdges(sorted)
	ref := &drift.Reference{Features: []*drift.FeatureSummary{
		numericSummary("x", edges, refVals...),
		categoricalSummary("c", concat(repeat("a", 600), repeat("b", 400))...),
	}}
	curVals := uniform(6, 200)
	cur := &drift.WindowSummary{Features: []*drift.FeatureSummary{
		numericSummary("x", edges, curVals...),
		categoricalSummary("c", concat(repeat("a", 60), repeat("b", 40))...),
	}}
	p := DefaultPolicy()
	cal := *p.Numeric.Calibration
	p.Categorical.Calibration = &cal
	cache := NewCalibrations()
	rows := EvaluateCached(ref, cur, p, cache)
	want := map[string]Calibrated{
		"x": CalibrateNumeric(refVals, edges, int(sizeStep(200)), p.Numeric.Decide, cal),
		"c": CalibrateCounts([]uint64{600, 400}, sizeStep(100), stats.MethodPSI, cal),
	}
	n := 0
	for _, r := range rows {
		if !r.Decision || r.Family != drift.Covariate {
			if r.ThresholdSource != "" {
				t.Errorf("%s %s: source %q on a row that does not decide", r.Feature, r.Method, r.ThresholdSource)
			}
			continue
		}
		n++
		w := want[r.Feature]
		if r.Threshold != w.Threshold || r.ThresholdSource != w.Source {
			t.Errorf("%s: threshold %g (%s), want %g (%s)", r.Feature, r.Threshold, r.ThresholdSource, w.Threshold, w.Source)
		}
	}
	if n != 2 {
		t.Fatalf("%d decision rows", n)
	}
	if len(cache.prep.cal) != 2 {
		t.Errorf("cache holds %d entries, want 2", len(cache.prep.cal))
	}
	again := EvaluateCached(ref, cur, p, cache)
	if !slices.EqualFunc(rows, again, func(a, b drift.Result) bool { return a.Threshold == b.Threshold && a.Drifted == b.Drifted }) {
		t.Error("a second evaluation against the same reference differs")
	}
	other := *ref
	EvaluateCached(&other, cur, p, cache)
	if cache.prep.ref != &other || len(cache.prep.cal) != 2 {
		t.Error("a new reference did not replace the cache")
	}
}

func TestSizeStep(t *testing.T) {
	for _, tc := range []struct{ n, want uint64 }{{1, 1}, {64, 64}, {65, 64}, {2000, 1878}, {2100, 2048}, {1 << 20, 1 << 20}} {
		if got := sizeStep(tc.n); got != tc.want {
			t.Errorf("sizeStep(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}

func BenchmarkCalibrateBootstrapKS(b *testing.B) {
	ref := uniform(7, 1_000_000)
	for b.Loop() {
		CalibrateNumeric(ref, nil, 1_000_000, stats.MethodKS, DefaultCalibration())
	}
}

func BenchmarkCalibratePSI(b *testing.B) {
	ref := uniform(8, 1_000_000)
	for b.Loop() {
		CalibrateNumeric(ref, nil, 1_000_000, stats.MethodPSI, DefaultCalibration())
	}
}

// Floor bounds a calibrated distance threshold from below, not a p-value
// level.
func TestCalibrateFloor(t *testing.T) {
	ref := uniform(9, 5000)
	c := DefaultCalibration()
	plain := CalibrateNumeric(ref, nil, 1000, stats.MethodJensenShannon, c)
	c.Floor = 0.5
	floored := CalibrateNumeric(ref, nil, 1000, stats.MethodJensenShannon, c)
	if !(plain.Threshold < 0.5) || floored.Threshold != 0.5 {
		t.Errorf("threshold %g without floor, %g with floor 0.5", plain.Threshold, floored.Threshold)
	}
	ks := CalibrateNumeric(ref, nil, 1000, stats.MethodKS, c)
	if !(ks.Threshold < 0.5) {
		t.Errorf("ks level %g: the floor is for distances", ks.Threshold)
	}
}

// BenchmarkEvaluateCalibrated is serve's path: a 20,000-value file
// reference (its sample a subsample, so Jensen-Shannon bootstraps the bin
// counts) and a 2,000-event window of 8 numeric features, with the cache
// serve keeps per model, and without (calibrating on every call).
func BenchmarkEvaluateCalibrated(b *testing.B) {
	const features = 8
	ref := &drift.Reference{}
	cur := &drift.WindowSummary{}
	for f := range features {
		name := string(rune('a' + f))
		vals := uniform(uint64(f), 20000)
		edges := drift.DecileEdges(slices.Sorted(slices.Values(vals)))
		ref.Features = append(ref.Features, numericSummary(name, edges, vals...))
		cur.Features = append(cur.Features, numericSummary(name, edges, uniform(uint64(100+f), 2000)...))
	}
	for _, bc := range []struct {
		name  string
		cache *Calibrations
	}{{"cached", NewCalibrations()}, {"uncached", nil}, {"fixed", nil}} {
		p := DefaultPolicy()
		if bc.name == "fixed" {
			p.Numeric.Calibration = nil
		}
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				EvaluateCached(ref, cur, p, bc.cache)
			}
		})
	}
}

// ramp is 0, 1, ..., n-1: a reference that drifts within itself, each
// stretch of it disjoint from the rest.
func ramp(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(i)
	}
	return out
}

// TestCalibrateDriftingReference: on a ramp of 1,000 values the deciles
// fall at 99.9, 199.8, ..., so each consecutive sub-window of 200 values
// fills two bins the rest of the reference leaves empty: disjoint
// distributions, a Jensen-Shannon distance of exactly 1 (base 2), sigma
// 0. The sub-windows' threshold (1) is above twice the bootstrap's, which
// caps it; the reference is unstable. The same values shuffled are a
// quiet reference: its sub-windows are random subsets, as resamples are,
// and their mean lies many of its standard errors below the bootstrap's
// mean + 3 sigma.
func TestCalibrateDriftingReference(t *testing.T) {
	c := DefaultCalibration()
	got := CalibrateNumeric(ramp(1000), nil, 200, stats.MethodJensenShannon, c)
	s := got.Stability
	if s.Windows != 5 || math.Abs(s.WindowMean-1) > 1e-12 || !s.Unstable() {
		t.Fatalf("stability %+v, want 5 sub-windows at distance 1, unstable", s)
	}
	if got.Source != SourceCapped || got.Threshold != CapFactor*s.Resampled || !(got.Threshold < 1) {
		t.Errorf("%+v, want the cap: %g x %g", got, float64(CapFactor), s.Resampled)
	}
	scrambled := make([]float64, 1000)
	for k, i := range rand.New(rand.NewPCG(1, 2)).Perm(1000) {
		scrambled[k] = float64(i)
	}
	quiet := CalibrateNumeric(scrambled, nil, 200, stats.MethodJensenShannon, c)
	if quiet.Stability.Unstable() || quiet.Source == SourceCapped || quiet.Stability.Resampled != s.Resampled {
		t.Errorf("scrambled: %+v; the bootstrap sees the same values, %g", quiet, s.Resampled)
	}
}

// TestCalibrateWithinReach: at a few values a window's noise alone comes
// near the distance's bound (one value sits in one bin: about 0.9 against
// ten bins of a tenth each, whatever the value); the threshold never
// passes it.
func TestCalibrateWithinReach(t *testing.T) {
	ref := uniform(11, 1000)
	for _, m := range []int{1, 2, 3, 5, 10, 100} {
		for _, method := range []string{stats.MethodJensenShannon, stats.MethodHellinger} {
			got := CalibrateNumeric(ref, nil, m, method, DefaultCalibration())
			if !(got.Threshold > 0 && got.Threshold <= 1) {
				t.Errorf("%s at %d values: %+v", method, m, got)
			}
		}
	}
}

// TestEvaluateReferenceUnstable: Evaluate writes one reference_unstable
// row (family quality) per numeric feature calibrated on sub-windows: it
// fails for the ramp, passes for uniform draws; a fixed threshold and a
// categorical feature (counts keep no order) give none.
func TestEvaluateReferenceUnstable(t *testing.T) {
	rampVals, flat := ramp(1000), uniform(12, 1000)
	edgesR, edgesU := drift.DecileEdges(rampVals), drift.DecileEdges(slices.Sorted(slices.Values(flat)))
	ref := &drift.Reference{Features: []*drift.FeatureSummary{
		numericSummary("ramp", edgesR, rampVals...),
		numericSummary("flat", edgesU, flat...),
		categoricalSummary("c", concat(repeat("a", 600), repeat("b", 400))...),
	}}
	cur := &drift.WindowSummary{Features: []*drift.FeatureSummary{
		numericSummary("ramp", edgesR, rampVals[800:]...), // the reference's own last stretch
		numericSummary("flat", edgesU, uniform(13, 200)...),
		categoricalSummary("c", concat(repeat("a", 120), repeat("b", 80))...),
	}}
	p := DefaultPolicy()
	cal := *p.Numeric.Calibration
	p.Categorical.Calibration = &cal
	rows := Evaluate(ref, cur, p)
	got := map[string]drift.Result{}
	for _, r := range rows {
		if r.Method == quality.ReferenceUnstable {
			if r.Family != drift.Quality || r.Decision {
				t.Errorf("%+v: want a quality row, not a decision", r)
			}
			got[r.Feature] = r
		}
		if r.Feature == "ramp" && r.Decision && (!r.Drifted || r.ThresholdSource != SourceCapped) {
			t.Errorf("ramp's last stretch: %+v, want drift at the capped threshold", r)
		}
	}
	if len(got) != 2 || !got["ramp"].Drifted || got["flat"].Drifted {
		t.Errorf("reference_unstable rows %+v, want ramp failed and flat passed", got)
	}
	if r := got["ramp"]; math.Abs(r.Statistic-1) > 1e-12 || r.NReference != 1000 || r.NCurrent != 200 {
		t.Errorf("ramp: %+v, want statistic 1 (disjoint sub-windows) over 1000 and 200 values", r)
	}
	p.Numeric.Calibration = nil
	for _, r := range Evaluate(ref, cur, p) {
		if r.Method == quality.ReferenceUnstable {
			t.Errorf("fixed thresholds: %+v", r)
		}
	}
}

package detectors

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
)

// Where a decision row's threshold came from (drift.Result.ThresholdSource,
// check's threshold_source). A fixed threshold leaves the field empty.
const (
	// SourceSubWindows: mean + k sigma of the statistic over consecutive,
	// non-overlapping sub-windows of the reference of the current
	// window's size, each compared with the rest of the reference; it lay
	// between the bootstrap's threshold and CapFactor times it.
	SourceSubWindows = "calibrated:sub_windows"
	// SourceBootstrap: mean + k sigma over resamples drawn with
	// replacement from the reference, a reference-sized one against a
	// window-sized one: the reference held fewer than MinWindows
	// sub-windows, or only counts, which keep no order, or its
	// sub-windows agreed more closely than resamples do.
	SourceBootstrap = "calibrated:bootstrap"
	// SourceCapped: the threshold is CapFactor times the bootstrap's, as
	// the sub-windows' was above that: the reference's own stretches
	// differ by more than its noise (see Stability), and a threshold that
	// high would call that much drift normal.
	SourceCapped = "calibrated:capped"
	// SourceFixedFallback: calibration was asked but had nothing to go on
	// (every draw undefined, or every resample measured the same value: a
	// reference of one value has no noise to scale a threshold from), so
	// the method's fixed threshold applies.
	SourceFixedFallback = "fixed:fallback"
)

// CapFactor bounds a calibrated threshold by the bootstrap's: the
// sub-windows may raise it (an autocorrelated reference's windows vary
// more than independent draws), to at most CapFactor times the
// resampling threshold. Measured on the shared data sets' shuffled
// references (no order, so no drift within them), the sub-windows'
// threshold over the bootstrap's reached 2.5 with five sub-windows (k
// widened to 7.25) and stayed below 1.5 with nine or more; ordered
// electricity references' date, prices and demands reached 3 to 27,
// weather's yearly windows 2 to 6. Under the cap of 2, weather's seasonal
// columns flag none of 44 yearly windows after a five-year reference and
// those that drift over the decades 31 to 42 (at most 1 and 40 to 43 under
// 1.5; none and 3 to 36 under 3).
const CapFactor = 2

// statisticMax is the largest value a distance can take (+Inf: unbounded):
// the Jensen-Shannon distance (base 2), Hellinger and total variation are
// at most 1; PSI, KL and the unit-bearing distances have no bound. A
// threshold at the bound flags nothing, so a calibrated one never exceeds
// it.
func statisticMax(method string) float64 {
	switch method {
	case stats.MethodJensenShannon, stats.MethodHellinger, stats.MethodTVD:
		return 1
	}
	return math.Inf(1)
}

// Calibration derives a decision method's threshold from the reference
// instead of a fixed number. A fixed cut-off cannot suit every feature and
// every window size (at large n a p-value test flags shifts too small to
// matter; a distance's noise floor depends on the data and the window's
// size); the reference's own spread says what a healthy window looks like
// for this feature at this size.
//
// The threshold is built from two measurements of the method's value
// (the statistic of a distance, -log10 p of a test) at the current
// window's size m, each summarised as mean + k sigma (k widened for few
// draws: see multiplier):
//
//   - the bootstrap: Resamples pairs drawn with replacement from the
//     reference, n values against m. This is the noise of a window of
//     independent draws from the reference, always computed, and the
//     threshold's base: T_b.
//   - the sub-windows: when the reference holds at least two windows of
//     size m in its order, consecutive sub-windows (at most MaxWindows,
//     spread over it) each compared with the rest of the reference. They
//     carry what resampling cannot: the autocorrelation of the stream.
//     Their threshold T_s counts when there are at least MinWindows of
//     them.
//
// The threshold is T_s held between T_b and CapFactor x T_b (Source says
// which decided), or T_b without MinWindows sub-windows. So the two paths
// agree where one hands over to the other (within CapFactor), a window is
// never held to less than its size's sampling noise, and a reference that
// drifts within itself cannot raise its threshold beyond reach: its
// sub-windows then measure the drift, not noise (Stability says so, and
// check and serve report it as the quality row reference_unstable). A
// distance threshold is then raised to Floor and lowered to the most the
// distance can take (1 for Jensen-Shannon, Hellinger, TVD). When the
// bootstrap's draws have no spread at all (a reference of one value: every
// resample is that value), nothing scales a threshold and the method's
// fixed threshold applies (SourceFixedFallback): a calibrated 0 would flag
// any single differing value, and the fixed threshold says how much must
// move (Jensen-Shannon 0.1: about 2% of the window off the reference's
// value).
//
// Only the decision method is calibrated: it alone gives the verdict, and
// calibrating one method per feature bounds the cost.
//
// For p-value methods the calibrated value is -log10 p (floored at p =
// 1e-300), which for fixed sample sizes is a monotone function of the
// test's statistic, so this calibrates the statistic on a scale every test
// shares; the threshold is then the p-value level 10^-(the threshold on
// that scale), and the method still drifts when p < threshold. For a test
// whose null distribution holds (iid data, no ties) -log10 p is
// exponential with mean and sigma 1/ln 10, so k = 3 gives a level near
// 0.018; ties, rounding and autocorrelation in the reference move it to
// where the data put it.
type Calibration struct {
	// K is how many standard deviations (sample sd, n-1) above the mean
	// the threshold lies. Default 3.
	K float64
	// MinWindows is the fewest reference sub-windows whose threshold
	// calibration uses; with fewer the bootstrap's stands alone. Default 5.
	MinWindows int
	// MaxWindows bounds the sub-windows used (spread evenly over the
	// reference) so that a long reference and small windows cost a
	// bounded number of comparisons. Default 50.
	MaxWindows int
	// Resamples is the number of bootstrap draws. Default 100: for counts
	// a draw costs microseconds (one binomial per bin). The sample
	// methods' bootstrap draws at most 10 million values in all (but at
	// least 5 resamples): 5 resamples for KS at a million values a side,
	// about 0.5 s (BenchmarkCalibrateBootstrapKS).
	Resamples int
	// Seed makes the bootstrap reproducible.
	Seed uint64
	// Floor is the lowest threshold a distance is calibrated to: the
	// smallest shift worth an alert, whatever the window's size. The
	// noise floor of a distance falls as windows grow (PSI's as 1/n), so
	// at large n a calibrated threshold alone flags shifts too small to
	// matter, as a p-value does; small windows are noisier, and there the
	// calibrated threshold lies above the floor. 0: no floor. p-value
	// methods have none.
	Floor float64
}

// DefaultCalibration is K = 3, at least 5 sub-windows, at most 50, 100
// bootstrap resamples.
func DefaultCalibration() Calibration {
	return Calibration{K: 3, MinWindows: 5, MaxWindows: 50, Resamples: 100, Seed: 1}
}

// withDefaults fills zero fields from DefaultCalibration.
func (c Calibration) withDefaults() Calibration {
	d := DefaultCalibration()
	if c.K == 0 {
		c.K = d.K
	}
	if c.MinWindows == 0 {
		c.MinWindows = d.MinWindows
	}
	if c.MaxWindows == 0 {
		c.MaxWindows = d.MaxWindows
	}
	if c.Resamples == 0 {
		c.Resamples = d.Resamples
	}
	return c
}

// validate reports impossible settings.
func (c Calibration) validate() error {
	switch {
	case math.IsNaN(c.K) || math.IsInf(c.K, 0) || c.K < 0:
		return fmt.Errorf("calibration k %v: want a finite number >= 0", c.K)
	case c.MinWindows < 0 || c.MaxWindows < 0 || c.Resamples < 0:
		return fmt.Errorf("calibration: negative count")
	case c.MaxWindows > 0 && c.MinWindows > c.MaxWindows:
		return fmt.Errorf("calibration: min windows %d above max windows %d", c.MinWindows, c.MaxWindows)
	}
	return nil
}

// Calibrated is one method's calibrated threshold.
type Calibrated struct {
	// Threshold is in the method's own terms: a p-value level for p-value
	// methods, a statistic for distances. When Source is
	// SourceFixedFallback it is 0 and the caller keeps its fixed one.
	Threshold float64
	// Source is SourceSubWindows, SourceBootstrap, SourceCapped or
	// SourceFixedFallback.
	Source string
	// Draws is how many draws of Source gave a value: resamples for
	// SourceBootstrap, sub-windows for SourceSubWindows and SourceCapped.
	Draws int
	// Mean and Sigma are of the calibrated value (the statistic, or
	// -log10 p) over those draws.
	Mean, Sigma float64
	// Stability compares the reference's sub-windows with its resamples;
	// its Windows is 0 when the reference held fewer than two windows of
	// the size (or no order: counts, a subsample).
	Stability Stability
}

// Stability is the evidence that a reference drifts within itself at one
// window size, in the calibrated value's units (the statistic, or -log10
// p): how far its sub-windows lie from the rest of it, against how far
// resamples of it lie.
type Stability struct {
	// Windows is the number of sub-windows that gave a value.
	Windows int
	// WindowMean is the mean of the calibrated value over them.
	WindowMean float64
	// ResampleMean is its mean over the bootstrap's resamples, and
	// Resampled the bootstrap's mean + k sigma (T_b, before any floor).
	ResampleMean, Resampled float64
}

// Measured says whether the reference held sub-windows to compare.
func (s Stability) Measured() bool { return s.Windows > 0 }

// Limit is what WindowMean is held to: CapFactor times ResampleMean.
func (s Stability) Limit() float64 { return CapFactor * s.ResampleMean }

// Unstable says the reference's sub-windows lie, on average, more than
// CapFactor times as far from the rest of it as resamples do. Independent
// draws put the two means together (the shared data sets' shuffled
// references: ratios of 0.1 to 1.3), so that much more is the reference's
// own drift, or a cycle longer than the window, at this window size. A
// ratio of means rather than the bootstrap's mean + k sigma: weather's
// seasonal columns, whose yearly windows lie 1.2 to 1.8 times the
// resamples' mean from the rest of a five-year reference (persistent
// weather), give no false verdict under the cap (0 of 44 yearly windows)
// and are not called unstable; those that drift over the decades (VISIB,
// WDSP, MXSPD) lie 2.1 to 2.9 times as far.
func (s Stability) Unstable() bool { return s.Measured() && s.WindowMean > s.Limit() }

// calibrationValue is the value a method is calibrated on, and false when
// the method has no value for the draw.
func calibrationValue(st stats.Stat) (float64, bool) {
	if stats.IsPValueMethod(st.Method) {
		if st.PValue == nil || math.IsNaN(*st.PValue) {
			return 0, false
		}
		return -math.Log10(max(*st.PValue, 1e-300)), true
	}
	return st.Statistic, finite(st.Statistic)
}

// level is mean + k' sigma of vals, k' the multiplier for their number.
func (c Calibration) level(vals []float64) (t, mean, sd float64) {
	mean, sd = meanSD(vals)
	return mean + multiplier(c.K, len(vals))*sd, mean, sd
}

// finish turns the bootstrap's values and the sub-windows' (nil when the
// reference held fewer than two windows) into the threshold: see
// Calibration.
func (c Calibration) finish(method string, boot, sub []float64) Calibrated {
	if len(boot) == 0 {
		return Calibrated{Source: SourceFixedFallback}
	}
	tb, mb, sb := c.level(boot)
	if sb == 0 || !(tb > 0) {
		// Every resample measured the same value: no noise to scale.
		return Calibrated{Source: SourceFixedFallback}
	}
	out := Calibrated{Source: SourceBootstrap, Draws: len(boot), Mean: mb, Sigma: sb}
	t := tb
	if len(sub) > 0 {
		mean, _ := meanSD(sub)
		out.Stability = Stability{Windows: len(sub), WindowMean: mean, ResampleMean: mb, Resampled: tb}
	}
	if len(sub) >= c.MinWindows {
		ts, ms, ss := c.level(sub)
		switch {
		case ts > CapFactor*tb:
			t, out.Source = CapFactor*tb, SourceCapped
		case ts > tb:
			t, out.Source = ts, SourceSubWindows
		}
		if out.Source != SourceBootstrap {
			out.Draws, out.Mean, out.Sigma = len(sub), ms, ss
		}
	}
	if stats.IsPValueMethod(method) {
		out.Threshold = math.Pow(10, -t)
	} else {
		out.Threshold = min(max(t, c.Floor), statisticMax(method))
	}
	return out
}

// multiplier widens k for a sigma estimated from few draws: the Student-t
// prediction bound for one more draw, at the normal tail that k stands
// for, t_{n-1}(Phi(k)) sqrt(1 + 1/n). With 5 draws k = 3 becomes 7.25, with
// 30 3.33, with 100 3.09; it tends to k. Without it, five sub-windows that
// happen to agree set a threshold an ordinary window crosses.
func multiplier(k float64, n int) float64 {
	if n < 2 || k == 0 {
		return k
	}
	q := distuv.UnitNormal.CDF(k)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(q)
	return t * math.Sqrt(1+1/float64(n))
}

func meanSD(x []float64) (mean, sd float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	if len(x) < 2 {
		return mean, 0
	}
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / float64(len(x)-1))
}

// isCountMethod says whether a method compares counts over bins (or
// categories) rather than samples.
func isCountMethod(m string) bool {
	switch m {
	case stats.MethodPSI, stats.MethodKL, stats.MethodJensenShannon, stats.MethodHellinger,
		stats.MethodChi2, stats.MethodZTest, stats.MethodTVD:
		return true
	}
	return false
}

// CalibrateNumeric calibrates method for a numeric feature: ref is the
// reference's values in their order (a file's rows in file order: the
// sub-windows keep its autocorrelation; it is not modified, and must hold
// only finite values), m the current window's number of values, edges the
// bins of the histogram methods (nil: the deciles of ref, as check bins).
//
// It always bootstraps: c.Resamples pairs drawn from ref with
// replacement, n values as the reference and m as the window (for the
// histogram methods as multinomial counts over the bins at the
// reference's proportions). With at least two sub-windows of m values in
// ref, each of (at most c.MaxWindows) consecutive sub-windows is also
// compared with the rest of the reference, which is what a healthy window
// of that size measures against a reference of n - m values. Calibration
// says how the two make the threshold.
func CalibrateNumeric(ref, edges []float64, m int, method string, c Calibration) Calibrated {
	return calibrateNumeric(ref, func() []float64 {
		s := slices.Clone(ref)
		stats.SortFloats(s)
		return s
	}, edges, m, method, true, c)
}

// calibrateNumeric is CalibrateNumeric with the sorted copy of ref given
// by sortedCopy, which a prepared reference has made once; ordered false
// says ref's order carries no meaning (a random subsample), so it only
// bootstraps.
func calibrateNumeric(ref []float64, sortedCopy func() []float64, edges []float64, m int, method string, ordered bool, c Calibration) Calibrated {
	c = c.withDefaults()
	n := len(ref)
	if n == 0 || m <= 0 || slices.ContainsFunc(ref, func(x float64) bool { return !finite(x) }) {
		return Calibrated{Source: SourceFixedFallback}
	}
	// A sorted reference (check calibrates after sorting, when the
	// sub-windows need no order) is used as it is. Otherwise the sorted
	// copy is asked for only where it is needed: a histogram method over
	// given edges counts the values in any order.
	var sorted []float64
	sortedRef := func() []float64 {
		if sorted == nil {
			sorted = ref
			if !slices.IsSorted(ref) {
				sorted = sortedCopy()
			}
		}
		return sorted
	}
	if edges == nil {
		edges = drift.DecileEdges(sortedRef())
	}
	var boot, sub []float64
	if isCountMethod(method) {
		boot = c.bootstrapCounts(binUnsorted(edges, ref), uint64(m), method)
	} else {
		boot = c.bootstrapSamples(sortedRef(), m, method)
	}
	// A sorted ref is taken in its order too: a file sorted by the
	// column is a reference whose stretches differ, and Stability says so.
	if ordered && c.NeedsOrder(n, m) {
		sub = c.subWindows(ref, sortedRef, edges, m, n/m, method)
	}
	return c.finish(method, boot, sub)
}

// binUnsorted counts xs, in any order, over the bins of edges: what
// stats.BinCounts gives for them sorted.
func binUnsorted(edges, xs []float64) []uint64 {
	counts := make([]uint64, len(edges)+1)
	for _, x := range xs {
		counts[drift.Bin(edges, x)]++
	}
	return counts
}

// NeedsOrder says whether calibrating for windows of m values against n
// reference values takes sub-windows (the reference holds at least two),
// which need the reference in its order; otherwise the bootstrap alone,
// which a sorted copy serves as well.
func (c Calibration) NeedsOrder(n, m int) bool {
	return m > 0 && n/m >= 2
}

// subWindows returns the method's value of each of (at most MaxWindows of)
// the w consecutive sub-windows of m values of ref against the rest.
func (c Calibration) subWindows(ref []float64, sortedRef func() []float64, edges []float64, m, w int, method string) []float64 {
	use := min(w, c.MaxWindows)
	var vals []float64
	var total []uint64
	if isCountMethod(method) {
		total = binUnsorted(edges, ref)
	}
	var comp, sub []float64
	if total == nil {
		comp, sub = make([]float64, 0, len(ref)-m), make([]float64, m)
	}
	for j := range use {
		i := j * w / use // spread evenly over the reference
		var st stats.Stat
		if total != nil {
			// Binned value by value, unsorted: the counts BinCounts gives
			// for the sorted sub-window, without sorting it (serve
			// calibrates at load, where this was most of the time).
			sc := binUnsorted(edges, ref[i*m:(i+1)*m])
			rc := make([]uint64, len(total))
			for b := range total {
				rc[b] = total[b] - sc[b]
			}
			st = stats.CategoricalStats(rc, sc, []string{method})[0]
		} else {
			copy(sub, ref[i*m:(i+1)*m])
			stats.SortFloats(sub)
			comp = without(sortedRef(), sub, comp)
			st = stats.SortedStat(comp, sub, method)
		}
		if v, ok := calibrationValue(st); ok {
			vals = append(vals, v)
		}
	}
	return vals
}

// without returns the sorted multiset all minus sub (sorted, a sub-multiset
// of all) in buf.
func without(all, sub, buf []float64) []float64 {
	out := buf[:0]
	j := 0
	for _, x := range all {
		if j < len(sub) && sub[j] == x {
			j++
			continue
		}
		out = append(out, x)
	}
	return out
}

// bootstrapBudget bounds the values a sample-method bootstrap draws in all:
// resamples x (n + m) at most this, and never fewer than 5 resamples.
// KS at a million values a side then takes 5 resamples, about 0.5 s.
const bootstrapBudget = 10_000_000

// bootstrapSamples draws each resample already sorted: k sorted uniform
// positions come from the normalised partial sums of k+1 exponential
// spacings (Devroye 1986, V.3), which pick the reference's sorted values
// in order. A draw is one sequential pass over its k values, no sort and
// no random memory access, whatever the reference's size. Resamples run on
// every core, each from its own seed (the resample's index), so the result
// does not depend on the number of cores.
func (c Calibration) bootstrapSamples(sorted []float64, m int, method string) []float64 {
	n := len(sorted)
	draws := min(c.Resamples, max(5, bootstrapBudget/(n+m)))
	vals := make([]float64, draws)
	ok := make([]bool, draws)
	next := make(chan int, draws)
	for r := range draws {
		next <- r
	}
	close(next)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), draws) {
		wg.Go(func() {
			spacing := make([]float64, max(n, m)+1)
			rb, cb := make([]float64, n), make([]float64, m)
			for r := range next {
				rng := rand.New(rand.NewPCG(splitmix64(c.Seed^uint64(r)), splitmix64(uint64(r)+0x9e3779b97f4a7c15)))
				sortedResample(rng, sorted, spacing, rb)
				sortedResample(rng, sorted, spacing, cb)
				vals[r], ok[r] = calibrationValue(stats.SortedStat(rb, cb, method))
			}
		})
	}
	wg.Wait()
	var got []float64
	for r, v := range vals {
		if ok[r] {
			got = append(got, v)
		}
	}
	return got
}

// splitmix64 scrambles a seed (Steele, Lea and Flood 2014): PCG streams
// from seeds one apart are correlated, and the resamples must not be.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// sortedResample fills out with len(out) values drawn with replacement from
// sorted, in order; spacing is scratch of at least len(out)+1 values.
func sortedResample(rng *rand.Rand, sorted, spacing, out []float64) {
	k, n := len(out), len(sorted)
	total := 0.0
	for i := range k + 1 {
		total += rng.ExpFloat64()
		spacing[i] = total
	}
	scale := float64(n) / total
	for i := range k {
		out[i] = sorted[min(int(spacing[i]*scale), n-1)]
	}
}

// CalibrateCounts calibrates a count method (the categorical methods, or a
// histogram method over fixed bins) from the reference's counts and the
// current window's total m. Counts keep no order, so this is always the
// bootstrap: c.Resamples pairs of multinomial draws at the reference's
// proportions, sum(refCounts) values against m.
func CalibrateCounts(refCounts []uint64, m uint64, method string, c Calibration) Calibrated {
	c = c.withDefaults()
	if sum(refCounts) == 0 || m == 0 {
		return Calibrated{Source: SourceFixedFallback}
	}
	return c.finish(method, c.bootstrapCounts(refCounts, m, method), nil)
}

// bootstrapCounts returns the method's value of each of c.Resamples pairs
// of multinomial draws at refCounts' proportions, sum(refCounts) against m.
func (c Calibration) bootstrapCounts(refCounts []uint64, m uint64, method string) []float64 {
	rng := rand.NewPCG(c.Seed, 0x6a09e667f3bcc909)
	n := sum(refCounts)
	p := make([]float64, len(refCounts))
	for i, k := range refCounts {
		p[i] = float64(k) / float64(n)
	}
	var vals []float64
	rc, cc := make([]uint64, len(p)), make([]uint64, len(p))
	for range c.Resamples {
		multinomial(rng, n, p, rc)
		multinomial(rng, m, p, cc)
		if v, ok := calibrationValue(stats.CategoricalStats(rc, cc, []string{method})[0]); ok {
			vals = append(vals, v)
		}
	}
	return vals
}

// multinomial draws total values over the proportions p into out, as
// successive binomials: O(len(p)) whatever total is.
func multinomial(src rand.Source, total uint64, p []float64, out []uint64) {
	left, rest := total, 1.0
	for i, pi := range p {
		switch {
		case left == 0 || pi <= 0:
			out[i] = 0
		case i == len(p)-1 || pi >= rest:
			out[i] = left
		default:
			b := distuv.Binomial{N: float64(left), P: min(pi/rest, 1), Src: src}
			out[i] = uint64(b.Rand())
		}
		left -= min(out[i], left)
		rest -= pi
	}
}

// Calibrations is the cache a service keeps per model: its reference
// prepared for evaluation (each feature's stats.PreparedFeature: the
// sorted sample, the sketch path's CDF, the sorted categories, computed
// once and shared by every window) and the thresholds calibrated on it, so
// that calibration runs once per reference, feature, method and window
// size, not once per window. A new reference (by pointer) replaces both.
// Window sizes are rounded down to a step of 2^(1/8) (9%) above 64 values,
// so that event-time windows whose sizes wander share their thresholds; a
// threshold's noise floor moves with 1/sqrt(n) or 1/n, so calibrating at
// the step below (a smaller window, a looser threshold) errs by at most a
// few percent towards quiet. Safe for concurrent use.
type Calibrations struct {
	mu   sync.Mutex
	prep *prepared
}

// NewCalibrations returns an empty cache.
func NewCalibrations() *Calibrations { return &Calibrations{} }

// prepared returns ref's prepared form, replacing the one kept for an
// earlier reference.
func (c *Calibrations) prepared(ref *drift.Reference) *prepared {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.prep == nil || c.prep.ref != ref {
		c.prep = newPrepared(ref, true)
	}
	return c.prep
}

// prepared is one reference made ready for evaluation: a
// stats.PreparedFeature per feature (by name, the first of a name as
// Reference.Feature finds it) and for the prediction, and the thresholds
// calibrated on it. Making one is cheap: what the features need is
// computed on first use (see stats.PreparedFeature).
type prepared struct {
	ref        *drift.Reference
	features   map[string]*stats.PreparedFeature
	prediction *stats.PreparedFeature
	// steps says the calibrations are kept per step of window size
	// (sizeStep), for a cache that outlives the call; without it each is
	// calibrated at the window's own size.
	steps bool

	mu  sync.Mutex
	cal map[calKey]Calibrated

	// orders keeps, per numeric feature bounded by Calibrations.Bound,
	// the bins of its values in file order, which its histogram methods'
	// sub-windows need; set before any evaluation, read-only after.
	orders map[*stats.PreparedFeature]*binOrder
}

type calKey struct {
	prior           bool
	feature, method string
	n               uint64
	cal             Calibration
}

func newPrepared(ref *drift.Reference, steps bool) *prepared {
	p := &prepared{ref: ref, features: make(map[string]*stats.PreparedFeature, len(ref.Features)),
		steps: steps, cal: map[calKey]Calibrated{}}
	for _, f := range ref.Features {
		if f == nil {
			continue
		}
		if _, dup := p.features[f.Name]; !dup {
			p.features[f.Name] = stats.Prepare(f)
		}
	}
	if ref.Prediction != nil {
		p.prediction = stats.Prepare(ref.Prediction)
	}
	return p
}

// sizeStep rounds a window size down to its cache step.
func sizeStep(n uint64) uint64 {
	if n <= 64 {
		return n
	}
	s := uint64(math.Round(math.Exp2(math.Floor(8*math.Log2(float64(n))) / 8)))
	return min(s, n)
}

// calibrated returns the calibration of k, computing it (at k's size, or
// its step) the first time.
func (p *prepared) calibrated(k calKey, compute func(n uint64) Calibrated) Calibrated {
	if p.steps {
		k.n = sizeStep(k.n)
	}
	p.mu.Lock()
	got, ok := p.cal[k]
	p.mu.Unlock()
	if ok {
		return got
	}
	got = compute(k.n)
	p.mu.Lock()
	p.cal[k] = got
	p.mu.Unlock()
	return got
}

// calibrateSummary calibrates method on a prepared reference summary for
// windows of n values. Numeric features use the summary's sample: while it
// holds every reference value, a bootstrap of it and its sub-windows;
// once it is a subsample, the histogram methods bootstrap the exact bin
// counts and the sample methods the sample, without sub-windows (its order
// carries no meaning: they would be random splits, blind to the
// reference's autocorrelation and drift, and would call any reference
// stable). Categorical features bootstrap their counts. The
// sorted sample and the sorted categories are the prepared ones.
//
// A reference bounded by Calibrations.Bound keeps no values in order:
// the window sizes it was calibrated for at load are in the cache; at any
// other size the histogram methods take their sub-windows from order, the
// bins of the values in file order (the same counts, so the same
// thresholds), or, without it, bootstrap the exact bin counts, and the
// sample methods bootstrap the compact summary's expansion. order, when
// given, serves the histogram methods' sub-windows at load too: reading a
// bin is cheaper than binning the value again.
func calibrateSummary(pf *stats.PreparedFeature, order *binOrder, n uint64, method string, c Calibration) Calibrated {
	rf := pf.Summary()
	if rf.Kind != drift.Numeric {
		_, counts := pf.Categories()
		return CalibrateCounts(counts, n, method, c)
	}
	hasBins := len(rf.Edges) > 0 && len(rf.BinCounts) == len(rf.Edges)+1
	if order != nil && isCountMethod(method) && hasBins && c.NeedsOrder(order.n, int(n)) && n > 0 {
		// The bootstrap of the bin counts is calibrateNumeric's for the
		// same values: the same counts and seed, the same draws.
		c = c.withDefaults()
		return c.finish(method, c.bootstrapCounts(rf.BinCounts, n, method), c.subWindowCounts(order, rf.BinCounts, int(n), method))
	}
	if cp := pf.Compact(); cp != nil {
		switch {
		case isCountMethod(method) && hasBins:
			return CalibrateCounts(rf.BinCounts, n, method, c)
		case cp.N() == 0 || n == 0:
			return Calibrated{Source: SourceFixedFallback}
		}
		c = c.withDefaults()
		if isCountMethod(method) {
			sorted := cp.Expand(nil)
			return c.finish(method, c.bootstrapCounts(stats.BinCounts(drift.DecileEdges(sorted), sorted), n, method), nil)
		}
		return c.finish(method, c.bootstrapSamples(cp.Expand(nil), int(n), method), nil)
	}
	vals := rf.SampleValues()
	complete := rf.Sample != nil && rf.Sample.Seen() == uint64(len(vals))
	if isCountMethod(method) && hasBins && !complete {
		return CalibrateCounts(rf.BinCounts, n, method, c)
	}
	if len(vals) == 0 {
		return Calibrated{Source: SourceFixedFallback}
	}
	return calibrateNumeric(vals, pf.Sorted, rf.Edges, int(n), method, complete, c)
}

func sum(xs []uint64) uint64 {
	var t uint64
	for _, x := range xs {
		t += x
	}
	return t
}

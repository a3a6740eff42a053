package detectors

import (
	"fmt"

	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/sketch"
)

// Bound makes the prepared form of ref that c keeps hold each numeric
// feature (and a numeric prediction) within a bounded memory, for a
// service that compares windows with one reference for its whole life:
// a sample of more than capacity values (or not complete) is replaced by
// a sketch.Compact of capacity entries, and the summary's Sample and
// Sketch are dropped from ref (its counts, sums, edges and bin counts
// stay). A sample of at most capacity values is kept as it is, and every
// result against it stays what it was.
//
// Calibration needs what the bounded summary no longer has: the values in
// file order, whose sub-windows calibrate a threshold. So before bounding,
// each numeric feature whose MethodSet under p calibrates its Decide
// method is calibrated on its whole sample for the windows Bound can
// foresee: windows of events events (a count window; 0 for none), at the
// feature's expected count of valid values (events times its valid share
// in ref) and at events itself. Those thresholds are the ones a window
// would have computed on first use. At any other window size (a time
// window's) a histogram method, the default's, takes its sub-windows from
// the bins of the values in file order, kept at 4 bits a value for up to
// MaxOrderedValues values, and gets the same threshold; without them, or
// for a sample method, it bootstraps what is kept (see calibrateSummary).
//
// compacts may hold, by summary, a sketch.Compact already made of a
// feature's values (reference.Load makes them from the whole column): it
// is used as it is, whatever its capacity, instead of one made here from
// the sample.
//
// Bound must be called before ref is evaluated (EvaluateCached) and not
// while it is. It returns the bytes kept for the numeric samples, bounded
// or not, for the caller's accounting.
func (c *Calibrations) Bound(ref *drift.Reference, p Policy, events uint64, capacity int, compacts map[*drift.FeatureSummary]*sketch.Compact) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.prep == nil || c.prep.ref != ref {
		c.prep = newPrepared(ref, true)
	}
	prep := c.prep
	kept := 0
	bound := func(name string, prior bool, pf *stats.PreparedFeature) (*stats.PreparedFeature, error) {
		rf := pf.Summary()
		if rf.Kind != drift.Numeric || rf.Sample == nil || pf.Compact() != nil {
			return pf, nil
		}
		vals := rf.SampleValues()
		keep := rf.Sample.Complete() && len(vals) <= capacity
		set := p.Set(name, rf.Kind)
		// The histogram methods' sub-windows need only each value's bin,
		// in file order: kept while that fits the budget, and calibrated
		// on here too.
		var order *binOrder
		if !keep && set.Calibration != nil && isCountMethod(set.Decide) && rf.Sample.Complete() &&
			len(vals) <= MaxOrderedValues && len(rf.BinCounts) == len(rf.Edges)+1 && len(rf.BinCounts) <= 16 {
			order = newBinOrder(rf.Edges, vals)
		}
		if set.Calibration != nil && events > 0 && rf.Total() > 0 {
			expected := uint64(float64(events)*float64(rf.Count)/float64(rf.Total()) + 0.5)
			for _, n := range []uint64{expected, events} {
				if n == 0 {
					continue
				}
				m, cal := set.Decide, *set.Calibration
				prep.calibrated(calKey{prior: prior, feature: name, method: m, n: n, cal: cal},
					func(n uint64) Calibrated { return calibrateSummary(pf, order, n, m, cal) })
			}
		}
		if keep {
			kept += 8 * 2 * len(vals) // the sample and its sorted copy
			return pf, nil
		}
		cp := compacts[rf]
		if cp == nil {
			var err error
			if cp, err = sketch.NewCompact(pf.Sorted(), capacity); err != nil {
				return nil, fmt.Errorf("feature %q: %w", name, err)
			}
		}
		rf.Sample, rf.Sketch = nil, nil
		out := stats.PrepareCompact(rf, cp)
		if order != nil {
			if prep.orders == nil {
				prep.orders = map[*stats.PreparedFeature]*binOrder{}
			}
			prep.orders[out] = order
			kept += len(order.packed)
		}
		kept += out.Bytes()
		return out, nil
	}
	for _, f := range ref.Features {
		if f == nil || prep.features[f.Name] == nil || prep.features[f.Name].Summary() != f {
			continue
		}
		pf, err := bound(f.Name, false, prep.features[f.Name])
		if err != nil {
			return 0, err
		}
		prep.features[f.Name] = pf
	}
	if prep.prediction != nil {
		pf, err := bound(predictionFeature, true, prep.prediction)
		if err != nil {
			return 0, err
		}
		prep.prediction = pf
	}
	return kept, nil
}

// MaxOrderedValues bounds the values whose bins a bounded reference keeps
// in file order for calibration: 4 bits each, 16 KiB at most, so that a
// numeric feature stays within 64 KiB with its compact summary (24 KiB)
// and the CDF a big window asks for (16 KiB). A longer reference's
// histogram methods bootstrap their bin counts at the window sizes not
// calibrated at load.
const MaxOrderedValues = 32768

// binOrder is the bin of each of a reference's values, in file order, two
// to a byte (bins number at most 16: NumBins, 10, for a file reference).
type binOrder struct {
	packed []byte
	n      int
}

func newBinOrder(edges, xs []float64) *binOrder {
	o := &binOrder{packed: make([]byte, (len(xs)+1)/2), n: len(xs)}
	for i, x := range xs {
		o.packed[i/2] |= byte(drift.Bin(edges, x)) << (4 * (i % 2))
	}
	return o
}

func (o *binOrder) at(i int) int { return int(o.packed[i/2]>>(4*(i%2))) & 0xf }

// subWindowCounts is subWindows for a histogram method from the values'
// bins: the same sub-windows, the same counts, so the same values.
func (c Calibration) subWindowCounts(o *binOrder, total []uint64, m int, method string) []float64 {
	w := o.n / m
	use := min(w, c.MaxWindows)
	var vals []float64
	for j := range use {
		i := j * w / use // spread evenly over the reference
		sc := make([]uint64, len(total))
		for k := i * m; k < (i+1)*m; k++ {
			sc[o.at(k)]++
		}
		rc := make([]uint64, len(total))
		for b := range total {
			rc[b] = total[b] - sc[b]
		}
		st := stats.CategoricalStats(rc, sc, []string{method})[0]
		if v, ok := calibrationValue(st); ok {
			vals = append(vals, v)
		}
	}
	return vals
}

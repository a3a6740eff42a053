package stats

import (
	"slices"
	"sort"
	"sync"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/sketch"
)

// PreparedFeature is one reference feature made ready to be compared with
// window after window. Whatever a comparison needs from the reference
// alone (its sample sorted and checked, the sample's std, the sketch
// path's reference CDF, the decile bins of a reference without edges, its
// categories in sorted order) is computed on first use, once, and then
// shared read-only by every FeaturePair made from it, so a window's
// comparison computes only its own side. Without it every window sorted
// the reference's sample again: 20,000 values a numeric feature, more than
// half of serve's time per window (BenchmarkEvaluateWindows in package
// detectors).
//
// A PreparedFeature is safe for concurrent use. The summary it prepares
// must not change while it is in use; a reference never does once built.
type PreparedFeature struct {
	rf *drift.FeatureSummary
	// compact, when set, stands for the reference's sample, which is then
	// not read (see PrepareCompact).
	compact *sketch.Compact
	// count is the number of values the sample methods compare on the
	// reference's side.
	count uint64

	// usable: the sample is non-empty and every value finite.
	usable func() bool
	// sorted is the sample, sorted (SortFloats).
	sorted func() []float64
	// std is spreadStd of the sorted sample (wasserstein_norm).
	std func() float64
	// side is the sketch path's reference side; ok is false when the
	// reference has neither a complete sample nor a sketch.
	side func() (refSide, bool)
	// deciles are the sample's decile edges and its counts over them,
	// the bins of a reference that fixed none (a previous window).
	deciles func() ([]float64, []uint64)
	// categories are the categories counted at least once, sorted, with
	// their counts.
	categories func() ([]string, []uint64)
}

// refSide is a reference's CDF and std as the sketch path compares them.
type refSide struct {
	cdf pwCDF
	std float64
}

// Prepare returns rf made ready to be compared with windows; nothing is
// computed until a comparison needs it.
func Prepare(rf *drift.FeatureSummary) *PreparedFeature {
	p := &PreparedFeature{rf: rf, count: uint64(len(rf.SampleValues()))}
	p.usable = sync.OnceValue(func() bool {
		rs := rf.SampleValues()
		return len(rs) > 0 && !slices.ContainsFunc(rs, notFinite)
	})
	p.sorted = sync.OnceValue(func() []float64 { return sortedCopy(rf.SampleValues()) })
	p.std = sync.OnceValue(func() float64 { return spreadStd(p.sorted()) })
	p.side = sync.OnceValues(func() (refSide, bool) {
		switch {
		case rf.Sample != nil && rf.Sample.Complete() && rf.Sample.Seen() > 0:
			return refSide{cdf: exactCDF(p.sorted()), std: p.std()}, true
		case sketched(rf):
			return refSide{cdf: anchored(sideCDF(rf, p.sorted), rf), std: momentStd(rf)}, true
		}
		return refSide{}, false
	})
	p.deciles = sync.OnceValues(func() ([]float64, []uint64) {
		s := p.sorted()
		edges := drift.DecileEdges(s)
		return edges, BinCounts(edges, s)
	})
	p.categories = sync.OnceValues(func() ([]string, []uint64) {
		keys := make([]string, 0, len(rf.Categories))
		for k, n := range rf.Categories {
			if n > 0 {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		counts := make([]uint64, len(keys))
		for i, k := range keys {
			counts[i] = rf.Categories[k]
		}
		return keys, counts
	})
	return p
}

// PrepareCompact is Prepare for a numeric reference whose sample is
// summarised by c (a sketch.Compact of the sorted sample), within a bounded
// memory however long the reference: rf's own Sample and Sketch are not
// read, and may be dropped. The sample methods compare the window with c's
// expansion (its N values, sorted), made afresh for each comparison and
// not kept; a big window's sketch path compares with c's CDF, which shares
// c's values. While c is exact, every statistic is the one Prepare(rf)
// gives for rf's complete sample, bit for bit; beyond, each is that of a
// reference whose CDF is within 1/(2 c's capacity) of the sample's (see
// sketch.Compact).
func PrepareCompact(rf *drift.FeatureSummary, c *sketch.Compact) *PreparedFeature {
	if rf.Kind != drift.Numeric || c == nil {
		return Prepare(rf)
	}
	p := &PreparedFeature{rf: rf, compact: c, count: c.N()}
	p.usable = func() bool { return c.N() > 0 }
	p.sorted = func() []float64 { return c.Expand(nil) }
	p.std = sync.OnceValue(func() float64 { return populationStd(p.sorted()) })
	p.side = sync.OnceValues(func() (refSide, bool) {
		if c.N() == 0 {
			return refSide{}, false
		}
		return refSide{cdf: compactCDF(c), std: p.std()}, true
	})
	p.deciles = sync.OnceValues(func() ([]float64, []uint64) {
		s := p.sorted()
		edges := drift.DecileEdges(s)
		return edges, BinCounts(edges, s)
	})
	p.categories = func() ([]string, []uint64) { return nil, nil }
	return p
}

// expansions recycles compact references' expansions between pairs.
var expansions sync.Pool

// borrowSorted is the sorted sample for one pair: the shared sorted copy,
// or a compact reference's expansion into a recycled buffer.
func (p *PreparedFeature) borrowSorted() []float64 {
	if p.compact == nil {
		return p.sorted()
	}
	var buf []float64
	if b, ok := expansions.Get().(*[]float64); ok {
		buf = *b
	}
	return p.compact.Expand(buf)
}

// returnSorted takes back what borrowSorted lent.
func (p *PreparedFeature) returnSorted(s []float64) {
	if p.compact != nil && s != nil {
		expansions.Put(&s)
	}
}

// Compact is the summary PrepareCompact was given, nil for Prepare.
func (p *PreparedFeature) Compact() *sketch.Compact { return p.compact }

// Bytes is the memory p keeps beyond its summary's own: the sorted copy of
// the sample and the reference's CDF once made (the compact summary and
// the CDF's values for PrepareCompact), the sorted categories.
func (p *PreparedFeature) Bytes() int {
	if p.compact != nil {
		return p.compact.Bytes() + 8*(len(p.compact.Values())+1)
	}
	return 8 * int(p.count)
}

// compactCDF is exactCDF of c's expansion, made from c's entries: the
// same knots and fractions (each end / n, as exactCDF forms them), the
// values shared with c.
func compactCDF(c *sketch.Compact) pwCDF {
	vals, ends := c.Values(), c.Ends()
	n := float64(c.N())
	k := len(vals)
	fs := make([]float64, 1, k+1)
	for _, e := range ends {
		fs = append(fs, float64(e)/n)
	}
	return pwCDF{xs: vals[:k:k], left: fs[:k:k], right: fs[1 : k+1 : k+1], n: c.N()}
}

// Summary is the reference summary p prepares.
func (p *PreparedFeature) Summary() *drift.FeatureSummary { return p.rf }

// Sorted is the summary's sample sorted as SortFloats sorts: computed
// once, shared, not to be modified.
func (p *PreparedFeature) Sorted() []float64 { return p.sorted() }

// Categories are the categories the summary counted at least once, in
// string order, and their counts: shared, not to be modified.
func (p *PreparedFeature) Categories() (keys []string, counts []uint64) { return p.categories() }

// Pair returns the statistics of the feature whose window summary is cf
// against the prepared reference, as NewFeaturePair(p.Summary(), cf).
func (p *PreparedFeature) Pair(cf *drift.FeatureSummary) *FeaturePair {
	if p.rf.Kind == drift.Numeric {
		values, release := numericValues(p, cf)
		return &FeaturePair{values: values, release: release}
	}
	return &FeaturePair{values: categoricalValues(p, cf)}
}

// alignPrepared is alignCategories with the reference's side prepared:
// only the window's categories are looked at and sorted, and merged with
// the reference's sorted ones into the same union.
func alignPrepared(p *PreparedFeature, c map[string]uint64) (rc, cc []uint64) {
	keys, counts := p.categories()
	var extra []string // the window's categories the reference never counted
	for k, n := range c {
		if n > 0 && p.rf.Categories[k] == 0 {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	rc = make([]uint64, 0, len(keys)+len(extra))
	cc = make([]uint64, 0, len(keys)+len(extra))
	i, j := 0, 0
	for i < len(keys) || j < len(extra) {
		if j == len(extra) || i < len(keys) && keys[i] < extra[j] {
			rc, cc = append(rc, counts[i]), append(cc, c[keys[i]])
			i++
			continue
		}
		rc, cc = append(rc, 0), append(cc, c[extra[j]])
		j++
	}
	return rc, cc
}

func notFinite(x float64) bool { return !finite(x) }

package stats

import (
	"math"
	"slices"
	"sort"

	"github.com/driftmon/driftmon/drift"
)

// FeaturePair computes the statistics of one feature from its reference's
// and its window's summaries, as Evaluate of package detectors compares
// them. Each input several methods share (the bins, the sorted samples,
// the sketch path's CDFs, the Wasserstein distance) is computed once, on
// first use.
//
// Numeric features: psi, kl, jensen_shannon and hellinger use the window's
// exact counts over the reference's bins. ks, wasserstein,
// wasserstein_norm, energy, anderson_darling and cramer_von_mises use the
// summaries' uniform samples while the window's sample is complete
// (Sample.Complete(), up to Limits.SampleSize values): the test is exact on
// the whole window.
//
// A bigger window, whose sample is a uniform subsample, takes ks,
// wasserstein and wasserstein_norm from an estimate of its CDF that uses
// everything its summary holds (sketchstats.go): at each point the
// inverse-variance average of its KLL sketch's estimate and its sample's,
// pinned to the exact CDF values its bin counts give at the bin edges. The
// reference side is exact when its sample is complete (a file reference of
// up to reference.MaxExactValues), else estimated the same way. ks is sup
// |F_ref - F_cur| of the two CDFs, and its p-value is the one the exact
// path gives for that statistic at the true counts n_ref and n_cur
// (asymptotic beyond 10,000 values a side), so it inherits the statistic's
// error; the counts Stat returns are those. wasserstein is the integral of
// |F_ref - F_cur|, with the part of it that holds the tails replaced by
// what the exact means say (the signed integral of F_ref - F_cur is
// mean_cur - mean_ref: see sketchPair.wasserstein); wasserstein_norm
// divides it by the reference's std (np.std of its complete sample, else
// from its exact count, sum and sum of squares).
//
// Error bound. Each estimated side is within eps of its true CDF at every
// point, with 99% confidence: eps = max(RankError + 2w/n, sqrt(ln(200)/2m)),
// the larger of the sketch's error and the sample's, because a weighted
// average at a point is within the larger of its two estimates' errors.
// RankError is the KLL sketch's normalised rank error, 2.296 / k^0.9723,
// 1.05% at k = 256 (Apache DataSketches' measured fit; see
// sketch.KLLRankError); w/n is the share of the values that the sketch's
// heaviest retained item stands for (the estimate spreads an item's weight
// between its neighbours; 0.3% at 20,000 values); sqrt(ln(200)/2m) is the
// Dvoretzky-Kiefer-Wolfowitz bound of an m-value uniform sample, 1.63% at
// m = 10,000. An exact side has eps = 0. Hence |ks - exact| <= eps_ref +
// eps_cur, and |wasserstein - exact| <= eps_ref (max_ref - min_ref) +
// eps_cur (max_cur - min_cur), over the reference std for
// wasserstein_norm (twice that for the part estimated when the means
// correct the other). Both are worst cases: the largest errors measured
// were a quarter of them or less. On the shared data sets (README, "Big
// windows"; 627 wasserstein_norm values, file and window references) ks
// was off by at most 0.0043 and wasserstein_norm by at most 0.008 wherever
// its value is below 0.5; three values above it (electricity's vicprice at
// 0.54, transfer at 2.86) miss 0.01 by at most 0.0016, 2% of the value or
// less.
//
// energy, anderson_darling and cramer_von_mises have no sketch version: on
// a big window they are the same test on the window's uniform subsample of
// SampleSize values (the p-value then speaks for the subsample, which is
// conservative). A window without a sketch takes that path for every
// method.
//
// Categorical and boolean features: the categories are the sorted union of
// both sides' categories (__other__ included as one category), counts
// aligned on them; z_test is on the share of the first of them.
type FeaturePair struct {
	values func(method string, rule PValueRule) (st Stat, nRef, nCur uint64, ok bool)
	// release hands back the scratch the pair borrowed (a compact
	// reference's expansion); nil when it borrowed none.
	release func()
}

// Release hands back what the pair borrowed for its comparisons (the
// expansion of a reference prepared by PrepareCompact), for the next
// pair to reuse: a service comparing window after window then does not
// allocate it each time. The pair must not be used after it. Calling it is
// optional.
func (p *FeaturePair) Release() {
	if p.release != nil {
		p.release()
		p.release = nil
	}
}

// NewFeaturePair returns the statistics of a feature whose reference
// summary is rf and window summary cf. Both are numeric, or neither is
// (categorical and boolean features are compared alike), and both hold
// valid values: Evaluate skips a feature otherwise. A caller comparing
// many windows with one reference prepares it once instead
// (Prepare(rf).Pair(cf)): the same statistics, without the reference's
// side computed again for every window.
func NewFeaturePair(rf, cf *drift.FeatureSummary) *FeaturePair {
	return Prepare(rf).Pair(cf)
}

// Stat is one method's statistic for the pair, and the numbers of valid
// values it was computed from on each side (a subsample's size where it
// used one, the whole counts where it used the sketch path or the bin
// counts). ok is false when the method has no value for the pair: a
// sample missing, wasserstein_norm of a constant reference,
// anderson_darling of samples holding one value between them, z_test of
// other than two categories, a method unknown to the kind.
func (p *FeaturePair) Stat(method string) (st Stat, nRef, nCur uint64, ok bool) {
	return p.values(method, PValueAuto)
}

// StatWith is Stat with a test's p-value chosen by rule: PValueAuto is
// Stat, scipy's automatic choice; PValueAsymptotic takes the asymptotic
// p-value of ks and cramer_von_mises above their size bounds. Every other
// method, and every statistic, is Stat's.
func (p *FeaturePair) StatWith(method string, rule PValueRule) (st Stat, nRef, nCur uint64, ok bool) {
	return p.values(method, rule)
}

// numericValues returns the statistic of each numeric method for one
// feature, computing each of the window's inputs (its bins, its sorted
// sample, the sketch path's CDF, the Wasserstein distance) once; the
// reference's come prepared.
func numericValues(pr *PreparedFeature, cf *drift.FeatureSummary) (func(string, PValueRule) (Stat, uint64, uint64, bool), func()) {
	cs := cf.SampleValues()
	nrs, ncs := pr.count, uint64(len(cs))
	usable := len(cs) > 0 && pr.usable() && !slices.ContainsFunc(cs, notFinite)

	// The window's sample is the summary's own: a sorted copy, made on
	// first use and shared by every sample method (and the sketch path).
	var curSorted []float64
	sortedCur := func() []float64 {
		if curSorted == nil {
			curSorted = sortedCopy(cs)
		}
		return curSorted
	}
	var pair *samplePair
	samples := func() *samplePair {
		if pair == nil {
			pair = &samplePair{ref: pr.borrowSorted(), cur: sortedCur(), refStd: pr.std}
		}
		return pair
	}
	// A window beyond its sample takes ks and wasserstein(_norm) from its
	// sketch and sample together (see sketchstats.go); nil when it does
	// not.
	var sk *sketchPair
	var skDone bool
	var binsDone, binsOK bool
	var rc, cc []uint64
	release := func() {
		if pair != nil {
			pr.returnSorted(pair.ref)
		}
	}
	values := func(m string, rule PValueRule) (Stat, uint64, uint64, bool) {
		switch m {
		case MethodPSI, MethodKL, MethodJensenShannon, MethodHellinger:
			if !binsDone {
				rc, cc, binsOK = numericBins(pr, cf, cs, usable, sortedCur)
				binsDone = true
			}
			if !binsOK {
				return Stat{}, 0, 0, false
			}
			return Stat{Method: m, Statistic: histogramStat(m, rc, cc)}, sum(rc), sum(cc), true
		case MethodKS, MethodWasserstein, MethodWassersteinNorm, MethodEnergy,
			MethodAndersonDarling, MethodCramerVonMises:
			if !skDone {
				sk, skDone = newSketchPair(pr, cf, sortedCur), true
			}
			if sk != nil {
				if st, ok := sk.stat(m, rule); ok {
					return st, sk.ref.n, sk.cur.n, !math.IsNaN(st.Statistic)
				}
			}
			if !usable {
				break
			}
			// A statistic without a value (wasserstein_norm of a constant
			// reference, anderson_darling of identical values) is NaN.
			st := samples().stat(m, rule)
			return st, nrs, ncs, !math.IsNaN(st.Statistic)
		}
		return Stat{}, 0, 0, false
	}
	return values, release
}

// numericBins returns the reference's and the window's counts over the same
// bins.
//
// Normally these are the summaries' own counts: the window was binned at
// the reference's edges as events arrived, so the counts are exact. If the
// window's bins differ from the reference's (a window cut before the
// reference's edges were known, or against another reference), its counts
// are recomputed from its sample cs with drift.Bin at the reference's
// edges: exact while the sample is complete, a uniform subsample beyond. If
// the reference fixed no edges at all (a previous window as reference),
// both sorted samples are binned at the reference sample's deciles (the
// reference's side prepared once), which is what the oracle does with a
// pair of files; usable says the samples can be sorted and compared.
func numericBins(pr *PreparedFeature, cf *drift.FeatureSummary, cs []float64, usable bool, curSorted func() []float64) (rc, cc []uint64, ok bool) {
	rf := pr.rf
	if len(rf.Edges) > 0 && len(rf.BinCounts) == len(rf.Edges)+1 {
		if len(cf.BinCounts) == len(rf.BinCounts) && slices.Equal(cf.Edges, rf.Edges) {
			return rf.BinCounts, cf.BinCounts, true
		}
		if len(cs) == 0 {
			return nil, nil, false
		}
		return rf.BinCounts, binValues(rf.Edges, cs), true
	}
	if !usable {
		return nil, nil, false
	}
	edges, refCounts := pr.deciles()
	return refCounts, BinCounts(edges, curSorted()), true
}

func binValues(edges, xs []float64) []uint64 {
	counts := make([]uint64, len(edges)+1)
	for _, x := range xs {
		counts[drift.Bin(edges, x)]++
	}
	return counts
}

func histogramStat(m string, rc, cc []uint64) float64 {
	switch m {
	case MethodPSI:
		return psi(rc, cc)
	case MethodKL:
		return kl(rc, cc)
	case MethodJensenShannon:
		return jensenShannon(rc, cc)
	case MethodHellinger:
		return hellinger(rc, cc)
	}
	return math.NaN()
}

// categoricalValues returns the statistic of each categorical method for
// one feature over the sorted union of both sides' categories.
func categoricalValues(pr *PreparedFeature, cf *drift.FeatureSummary) func(string, PValueRule) (Stat, uint64, uint64, bool) {
	rc, cc := alignPrepared(pr, cf.Categories)
	nr, nc := sum(rc), sum(cc)
	// Neither chi2 nor z_test has an exact p-value: the rule changes
	// nothing.
	return func(m string, _ PValueRule) (Stat, uint64, uint64, bool) {
		st := categoricalStat(m, rc, cc)
		return st, nr, nc, !math.IsNaN(st.Statistic)
	}
}

// alignCategories lays both count maps over the sorted union of their
// categories (byte order, which for UTF-8 is the oracle's code-point order).
// Categories counted zero times on both sides are not categories of
// either sample and are left out.
func alignCategories(r, c map[string]uint64) (rc, cc []uint64) {
	keys := make([]string, 0, len(r)+len(c))
	for k, n := range r {
		if n > 0 {
			keys = append(keys, k)
		}
	}
	for k, n := range c {
		if _, dup := r[k]; n > 0 && (!dup || r[k] == 0) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	rc = make([]uint64, len(keys))
	cc = make([]uint64, len(keys))
	for i, k := range keys {
		rc[i], cc[i] = r[k], c[k]
	}
	return rc, cc
}

func sum(xs []uint64) uint64 {
	var t uint64
	for _, x := range xs {
		t += x
	}
	return t
}

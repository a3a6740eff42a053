package stats

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/driftmon/driftmon/drift"
)

// Stat is one method's value on a pair of samples.
type Stat struct {
	Method    string
	Statistic float64  // NaN when undefined; Note says why
	PValue    *float64 // nil when the method has no p-value
	Note      string   // e.g. "reference std is 0", "significance level capped at 0.25", "needs exactly two categories"
}

// NumericStats computes the given numeric methods (nil = all, in
// Methods(drift.Numeric) order) on two samples of finite values. It sorts
// ref and cur in place (callers pass slices they own) and sorts each only
// once, sharing the sorted samples, decile edges and Wasserstein between
// methods.
//
// This is the exact path (`driftmon check`): every method sees the whole
// samples, the histogram methods bin both at the reference's deciles as the
// oracle does, and each value matches the oracle's (see the README's
// statistics table). Everything after the sort is O(n) per method, but for
// the exact KS p-value (up to 10000 values a side, as scipy) and the exact
// Cramer-von Mises p-value (up to 20). At 1e6 values a side every method
// together takes about 0.3 s on one core, a third of it sorting
// (BenchmarkNumeric).
//
// A p-value method without a value has a nil PValue. An empty sample, or a
// NaN or infinity in either, leaves every statistic NaN with a Note; an
// unknown method name gives NaN and "unknown numeric method". On few
// distinct values ks, anderson_darling and cramer_von_mises add a ties
// warning to their Note (tiesNote).
func NumericStats(ref, cur []float64, methods []string) []Stat {
	if methods == nil {
		methods = numericMethods
	}
	out := make([]Stat, len(methods))
	for i, m := range methods {
		out[i].Method = m
	}
	if note := badSamples(ref, cur); note != "" {
		for i := range out {
			out[i].Statistic, out[i].Note = math.NaN(), note
		}
		return out
	}
	SortFloats(ref)
	SortFloats(cur)
	pair := &samplePair{ref: ref, cur: cur}
	var rc, cc []uint64
	for i, m := range methods {
		switch m {
		case MethodPSI, MethodKL, MethodJensenShannon, MethodHellinger:
			if rc == nil {
				edges := drift.DecileEdges(ref)
				rc, cc = BinCounts(edges, ref), BinCounts(edges, cur)
			}
			out[i].Statistic = histogramStat(m, rc, cc)
		default:
			out[i] = pair.stat(m, PValueAuto)
			if !math.IsNaN(out[i].Statistic) {
				out[i].Note = joinNotes(out[i].Note, pair.tiesNote(m))
			}
		}
	}
	return out
}

// badSamples says why two samples cannot be compared, or "".
func badSamples(ref, cur []float64) string {
	notFinite := func(x float64) bool { return !finite(x) }
	switch {
	case len(ref) == 0:
		return "reference sample is empty"
	case len(cur) == 0:
		return "current sample is empty"
	case slices.ContainsFunc(ref, notFinite):
		return "reference sample holds a non-finite value"
	case slices.ContainsFunc(cur, notFinite):
		return "current sample holds a non-finite value"
	}
	return ""
}

// BinCounts counts a sorted sample into the bins of edges, as drift.Bin
// bins one value: bin i holds the values in [e_i, e_{i+1}), found by
// binary search (Bin's side='right'), O(len(edges) log n).
func BinCounts(edges, sorted []float64) []uint64 {
	counts := make([]uint64, len(edges)+1)
	prev := 0
	for i, e := range edges {
		pos := sort.SearchFloat64s(sorted, e) // first value >= e
		counts[i] = uint64(pos - prev)
		prev = pos
	}
	counts[len(edges)] = uint64(len(sorted) - prev)
	return counts
}

// SortedStat is one method's Stat on two samples that NumericStats would
// accept, already sorted (SortFloats): what NumericStats gives for the
// method, without its checks and its sort, for a caller that compares many
// pairs drawn from one checked, sorted sample (the calibration of a
// threshold). The histogram methods bin both samples at ref's deciles.
func SortedStat(ref, cur []float64, method string) Stat {
	switch method {
	case MethodPSI, MethodKL, MethodJensenShannon, MethodHellinger:
		edges := drift.DecileEdges(ref)
		return Stat{Method: method, Statistic: histogramStat(method, BinCounts(edges, ref), BinCounts(edges, cur))}
	}
	return (&samplePair{ref: ref, cur: cur}).stat(method, PValueAuto)
}

// samplePair is two sorted, non-empty samples of finite values and the
// results several methods share.
type samplePair struct {
	ref, cur []float64
	// refStd, when set, is spreadStd(ref), prepared with the
	// reference (see PreparedFeature); nil computes it.
	refStd func() float64
	w      float64
	wDone  bool
	// distinct counts the pooled distinct values, 0 until counted.
	distinct int
}

// distinctValues counts the pooled distinct values once per pair.
func (s *samplePair) distinctValues() int {
	if s.distinct == 0 {
		s.distinct = distinctValues(s.ref, s.cur)
	}
	return s.distinct
}

// tiesNote is the warning a test built for continuous data adds to its
// Note when the pooled samples hold few distinct values (fewDistinct), as
// scipy's documentation warns of each: "" otherwise. NumericStats, whose
// notes a person reads, adds it; the calibration's many SortedStat calls
// do without the count.
func (s *samplePair) tiesNote(m string) string {
	n := len(s.ref) + len(s.cur)
	if tiesAdvice[m] == "" || !fewDistinct(s.distinctValues(), n) {
		return ""
	}
	return fmt.Sprintf("%s: %d distinct values in %d; %s", NoteTies, s.distinct, n, tiesAdvice[m])
}

// tiesAdvice says, per test, what few distinct values mean for it.
var tiesAdvice = map[string]string{
	MethodKS:              "p-value for continuous data (conservative)",
	MethodAndersonDarling: "midrank statistic, level for continuous data",
	MethodCramerVonMises:  "T from the CDFs, not scipy's midranks; p-value for continuous data",
}

// NoteTies starts the part of a Note that warns of a test built for
// continuous data run on few distinct values (see tiesNote).
const NoteTies = "ties"

// joinNotes joins the non-empty notes with "; ".
func joinNotes(notes ...string) string {
	var out []string
	for _, n := range notes {
		if n != "" {
			out = append(out, n)
		}
	}
	return strings.Join(out, "; ")
}

func (s *samplePair) wasserstein() float64 {
	if !s.wDone {
		s.w, s.wDone = cdfDistanceSorted(s.ref, s.cur, 1), true
	}
	return s.w
}

// stat is one sample-based method's Stat (not the histogram methods, which
// need bins the caller chooses), a test's p-value chosen by rule.
func (s *samplePair) stat(m string, rule PValueRule) Stat {
	st := Stat{Method: m}
	switch m {
	case MethodKS:
		d, p, exact := ksSorted(s.ref, s.cur, rule)
		st.Statistic, st.PValue, st.Note = d, &p, pValueKind(exact)
	case MethodWasserstein:
		st.Statistic = s.wasserstein()
	case MethodWassersteinNorm:
		sd := s.refStd
		if sd == nil {
			sd = func() float64 { return spreadStd(s.ref) }
		}
		if sd := sd(); sd > 0 {
			st.Statistic = s.wasserstein() / sd
		} else {
			st.Statistic, st.Note = math.NaN(), "reference std is 0"
		}
	case MethodEnergy:
		st.Statistic = math.Sqrt2 * cdfDistanceSorted(s.ref, s.cur, 2)
	case MethodAndersonDarling:
		stat, sig, clip := andersonDarlingSorted(s.ref, s.cur)
		st.Statistic = stat
		switch {
		case math.IsNaN(stat) && len(s.ref)+len(s.cur) < 4:
			st.Note = "needs at least four values in all"
		case math.IsNaN(stat):
			st.Note = "all values are identical"
		default:
			st.PValue = &sig
			switch clip {
			case adCapped:
				st.Note = "significance level capped at 0.25"
			case adFloored:
				st.Note = "significance level floored at 0.001"
			}
		}
	case MethodCramerVonMises:
		stat, p, exact := cramerVonMisesSorted(s.ref, s.cur, &s.distinct, rule)
		st.Statistic = stat
		if math.IsNaN(stat) {
			st.Note = "needs at least two values a side"
		} else {
			st.PValue, st.Note = &p, pValueKind(exact)
		}
	default:
		st.Statistic, st.Note = math.NaN(), "unknown numeric method"
	}
	return st
}

func pValueKind(exact bool) string {
	if exact {
		return "exact p-value"
	}
	return "asymptotic p-value"
}

// CategoricalStats computes the given categorical methods (nil = all) on
// category counts aligned by index (the same category at index i of both;
// categories sorted by string as the oracle does).
//
// Mismatched lengths or an empty side leave every statistic NaN with a
// Note; z_test is NaN ("needs exactly two categories") unless exactly two
// categories occur; an unknown method name gives NaN and "unknown
// categorical method".
func CategoricalStats(refCounts, curCounts []uint64, methods []string) []Stat {
	if methods == nil {
		methods = categoricalMethods
	}
	out := make([]Stat, len(methods))
	for i, m := range methods {
		out[i] = categoricalStat(m, refCounts, curCounts)
	}
	return out
}

// categoricalStat is one categorical method's Stat.
func categoricalStat(m string, rc, cc []uint64) Stat {
	st := Stat{Method: m}
	switch {
	case len(rc) != len(cc):
		st.Statistic, st.Note = math.NaN(), "reference and current counts differ in length"
		return st
	case sum(rc) == 0:
		st.Statistic, st.Note = math.NaN(), "reference sample is empty"
		return st
	case sum(cc) == 0:
		st.Statistic, st.Note = math.NaN(), "current sample is empty"
		return st
	}
	switch m {
	case MethodChi2:
		stat, p, _ := chi2(rc, cc)
		st.Statistic, st.PValue = stat, &p
	case MethodZTest:
		z, p := zTest(rc, cc)
		st.Statistic = z
		if math.IsNaN(z) {
			st.Note = "needs exactly two categories"
		} else {
			st.PValue = &p
		}
	case MethodTVD:
		st.Statistic = tvd(rc, cc)
	case MethodPSI, MethodKL, MethodJensenShannon, MethodHellinger:
		st.Statistic = histogramStat(m, rc, cc)
	default:
		st.Statistic, st.Note = math.NaN(), "unknown categorical method"
	}
	return st
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

package quality

import (
	"math"
	"slices"

	"github.com/driftmon/driftmon/drift"
)

// The quality checks, as the method of family quality rows in
// drift_results. Each row's Statistic is the measured value, Threshold the
// limit it was held to, and Drifted says the check failed. The names are
// what storage, dashboards and alert rules match, so they stay exported as
// one set. Freshness is the pipeline's: it is decided on a tick, when a
// model sends nothing, not from a window.
const (
	MissingShare     = "missing_share"
	InvalidShare     = "invalid_share"
	OutOfRangeShare  = "out_of_range_share"
	NewCategoryShare = "new_category_share"
	ConstantShare    = "constant_share"
	MeanShift        = "mean_shift"
	SchemaViolations = "schema_violations"
	DuplicateIDs     = "duplicate_ids"
	Volume           = "volume"
	Freshness        = "freshness_seconds"
	LateShare        = "late_share"
	// ReferenceUnstable is a feature's check of its reference, not of
	// the window: see ReferenceStability.
	ReferenceUnstable = "reference_unstable"
)

// FeatureQuality holds the limits of one feature's checks. The defaults
// (DefaultFeatureQuality) are what a careful team sets when it has only the
// reference to go by, as Evidently derives its test conditions from the
// reference.
type FeatureQuality struct {
	// MissingIncrease: the missing share may exceed the reference's by at
	// most this many points (0.10: ten percentage points).
	MissingIncrease float64
	// InvalidIncrease: the same for invalid values (NaN, Inf, wrong type);
	// 0, so any invalid value beyond the reference's share fails.
	InvalidIncrease float64
	// Range is the declared valid [lo, hi] of a numeric feature. Without
	// one, the reference's [min, max] widened by RangeMargin of its width
	// on each side stands in for it: the bare min/max fires in many
	// windows of a healthy stream (seasons and decades move the extremes;
	// see the weather_noaa test), while a value a tenth of the reference's
	// whole span beyond its extremes is worth a look.
	Range       *[2]float64
	RangeMargin float64
	// MaxOutOfRangeShare is the share of valid values allowed outside a
	// declared Range (0: none; a declared range says what is impossible).
	// MaxOutsideReferenceShare is the share allowed outside the
	// reference's widened range (0.001): that range only says what the
	// reference did not see, and a heavy-tailed feature's single largest
	// value beats it now and then in a large window (the demo's
	// log-normal amounts: one value of 1,800 in healthy windows).
	MaxOutOfRangeShare       float64
	MaxOutsideReferenceShare float64
	// MaxNewCategoryShare is the share of valid values allowed in
	// categories the reference never saw (0: none).
	MaxNewCategoryShare float64
	// MaxConstantShare is the largest share one value may hold of a
	// window's valid values (0.95); 1 turns the check off.
	MaxConstantShare float64
	// MeanShiftSigmas is how many reference standard deviations the mean
	// may move (3): on weather_noaa, seasons put a monthly mean a median
	// 0.85 and at most 2.1 sigmas from the reference's.
	MeanShiftSigmas float64
}

// DefaultFeatureQuality returns the limits used when the config sets none.
func DefaultFeatureQuality() FeatureQuality {
	return FeatureQuality{MissingIncrease: 0.10, RangeMargin: 0.10, MaxOutsideReferenceShare: 0.001,
		MaxConstantShare: 0.95, MeanShiftSigmas: 3}
}

// WindowQuality holds the limits of one model's per-window checks.
type WindowQuality struct {
	// VolumeTolerance: a window fails the volume check when it holds at
	// most (1 - VolumeTolerance) or at least (1 + VolumeTolerance) times
	// the expected number of events (0.5: half or one and a half times).
	VolumeTolerance float64
	// ExpectedEvents per window; 0 means the previous window's count.
	ExpectedEvents uint64
	// CountWindows says the model's windows are cut by count: their volume
	// is fixed, so it is not checked.
	CountWindows bool
	// MaxLateShare is the share of late events a window may see (0.05).
	MaxLateShare float64
	// MaxSchemaViolations and MaxDuplicateIDs are what a window may hold
	// (0: none).
	MaxSchemaViolations uint64
	MaxDuplicateIDs     uint64
	// Freshness is how long a model may go without events before its
	// freshness check fails (0: not checked).
	Freshness float64 // seconds
}

// DefaultWindowQuality returns the per-window limits used when the config
// sets none.
func DefaultWindowQuality() WindowQuality {
	return WindowQuality{VolumeTolerance: 0.5, MaxLateShare: 0.05}
}

// Policy is a model's quality limits: per feature (Features, by name,
// else Default) and per window.
type Policy struct {
	Default  FeatureQuality
	Features map[string]FeatureQuality
	Window   WindowQuality
}

// DefaultPolicy returns the limits used when the config sets none.
func DefaultPolicy() Policy {
	return Policy{Default: DefaultFeatureQuality(), Window: DefaultWindowQuality()}
}

// For returns the limits of the named feature.
func (p Policy) For(feature string) FeatureQuality {
	if fq, ok := p.Features[feature]; ok {
		return fq
	}
	return p.Default
}

// Profile is what the quality checks read of one feature on one side. It
// is built from a window summary (Evaluate, through profileSummary) or
// from a file's exact values (ProfileValues, ProfileCounts, for `driftmon
// check`), so the service and check apply the same checks.
type Profile struct {
	Kind                           drift.FeatureKind
	Total, Count, Missing, Invalid uint64
	// Mean, Std (population), Min and Max of the valid numbers.
	Mean, Std, Min, Max float64
	// TopShare is the share of the valid values held by the most frequent
	// one; NaN when unknown.
	TopShare float64
	// Categories counts the values of categorical and boolean features.
	Categories map[string]uint64
	// Outside counts the valid numbers outside [lo, hi] (nil: unknown).
	Outside func(lo, hi float64) uint64
}

// profileSummary reads a window's or a reference's feature summary.
//
// Counts, moments and extremes are exact. The out-of-range count and a
// numeric feature's top share are exact while the summary's uniform
// sample holds the whole window (Limits.SampleSize values); beyond that
// they are estimated from the sample (top share) and the quantile sketch
// (out of range, never below the one value the exact min or max proves).
func profileSummary(s *drift.FeatureSummary) Profile { return profile(s, true) }

// profile skips the top share (a sort of the sample) unless asked: the
// checks never read the reference's.
func profile(s *drift.FeatureSummary, top bool) Profile {
	p := Profile{Kind: s.Kind, Total: s.Total(), Count: s.Count, Missing: s.Missing, Invalid: s.Invalid,
		Mean: s.Mean(), Std: s.Std(), Min: s.Min, Max: s.Max, TopShare: math.NaN(), Categories: s.Categories}
	if s.Kind != drift.Numeric {
		p.TopShare = topCategoryShare(s.Categories, s.Count)
		return p
	}
	if s.Count == 0 {
		return p
	}
	var sample []float64
	complete := false
	if s.Sample != nil {
		sample, complete = s.Sample.Values(), s.Sample.Complete()
	}
	switch {
	case s.Min == s.Max:
		p.TopShare = 1
	case top && len(sample) > 0:
		p.TopShare = topShare(sample)
	}
	p.Outside = func(lo, hi float64) uint64 {
		if s.Min >= lo && s.Max <= hi {
			return 0
		}
		if complete && len(sample) > 0 {
			return outside(sample, lo, hi)
		}
		// The extremes prove at least one value outside on each side
		// they cross; the sketch estimates the rest.
		var proven, est float64
		if s.Min < lo {
			proven++
		}
		if s.Max > hi {
			proven++
		}
		if s.Sketch != nil && s.Sketch.Count() > 0 {
			below := s.Sketch.CDF(math.Nextafter(lo, math.Inf(-1)))
			above := 1 - s.Sketch.CDF(hi)
			est = math.Round((below + above) * float64(s.Count))
		} else if len(sample) > 0 {
			est = math.Round(float64(outside(sample, lo, hi)) / float64(len(sample)) * float64(s.Count))
		}
		return uint64(max(proven, est))
	}
	return p
}

// ProfileValues reads a numeric column's exact values.
func ProfileValues(values []float64, missing, invalid uint64) Profile {
	p := Profile{Kind: drift.Numeric, Count: uint64(len(values)), Missing: missing, Invalid: invalid, TopShare: math.NaN(),
		Mean: math.NaN(), Std: math.NaN()}
	p.Total = p.Count + missing + invalid
	if len(values) == 0 {
		return p
	}
	var sum, sumSq float64
	p.Min, p.Max = values[0], values[0]
	for _, x := range values {
		sum += x
		sumSq += x * x
		p.Min, p.Max = min(p.Min, x), max(p.Max, x)
	}
	// The same moments as a summary's, so that check and the service agree.
	n := float64(len(values))
	p.Mean = sum / n
	p.Std = math.Sqrt(max(sumSq/n-p.Mean*p.Mean, 0))
	p.TopShare = topShare(values)
	p.Outside = func(lo, hi float64) uint64 { return outside(values, lo, hi) }
	return p
}

// ProfileCounts reads a categorical or boolean column's exact counts.
func ProfileCounts(kind drift.FeatureKind, counts map[string]uint64, missing, invalid uint64) Profile {
	var n uint64
	for _, c := range counts {
		n += c
	}
	return Profile{Kind: kind, Total: n + missing + invalid, Count: n, Missing: missing, Invalid: invalid,
		Mean: math.NaN(), Std: math.NaN(), TopShare: topCategoryShare(counts, n), Categories: counts}
}

func topShare(values []float64) float64 {
	s := slices.Clone(values)
	slices.Sort(s)
	best, run := 0, 0
	for i := range s {
		if i > 0 && s[i] == s[i-1] {
			run++
		} else {
			run = 1
		}
		best = max(best, run)
	}
	return float64(best) / float64(len(s))
}

// topCategoryShare leaves OtherCategory out: it is many values, not one.
func topCategoryShare(counts map[string]uint64, n uint64) float64 {
	if n == 0 {
		return math.NaN()
	}
	var best uint64
	for k, c := range counts {
		if k != drift.OtherCategory {
			best = max(best, c)
		}
	}
	return float64(best) / float64(n)
}

func outside(values []float64, lo, hi float64) uint64 {
	var n uint64
	for _, x := range values {
		if x < lo || x > hi {
			n++
		}
	}
	return n
}

// FeatureChecks runs the per-feature checks of cur against ref (nil when
// there is no reference yet) and returns their rows without the window's
// identity: Method, Statistic, Threshold, Drifted, NReference, NCurrent.
//
//   - missing_share: Missing/Total; fails above the reference's share plus
//     MissingIncrease (MissingIncrease alone without a reference).
//   - invalid_share: Invalid/Total; fails above the reference's share plus
//     InvalidIncrease.
//   - out_of_range_share (numeric): the share of valid values outside the
//     declared Range (fails above MaxOutOfRangeShare), else outside the
//     reference's widened [min, max] (fails above
//     MaxOutsideReferenceShare); left out without either (no range
//     declared, a reference without values).
//   - new_category_share (categorical, boolean): the share of valid values
//     in categories the reference does not have. The window's
//     OtherCategory counts as known: which categories it holds is lost.
//   - constant_share: the share of valid values held by the most frequent
//     value; fails above MaxConstantShare. Left out below two values.
//   - mean_shift (numeric): |mean - reference mean| / reference std;
//     fails above MeanShiftSigmas. Left out when the reference is constant
//     (min == max: its std from rounded moments can be noise, 100 copies
//     of 0.1 gave 6.7e-9, not 0; constant_share and out_of_range_share
//     speak then).
//
// An empty side (Total 0) gives no rows; a side without valid values gives
// only the missing and invalid shares. No row holds NaN or Inf.
func FeatureChecks(ref *Profile, cur Profile, q FeatureQuality) []drift.Result {
	if cur.Total == 0 {
		return nil
	}
	var nRef uint64
	var refMissing, refInvalid float64
	if ref != nil && ref.Total > 0 {
		nRef = ref.Total
		refMissing = float64(ref.Missing) / float64(ref.Total)
		refInvalid = float64(ref.Invalid) / float64(ref.Total)
	}
	row := func(method string, stat, th float64, failed bool, nr, nc uint64) drift.Result {
		return drift.Result{Method: method, Statistic: stat, Threshold: th, Drifted: failed, NReference: nr, NCurrent: nc}
	}
	total := float64(cur.Total)
	var out []drift.Result
	ms, mt := float64(cur.Missing)/total, refMissing+q.MissingIncrease
	out = append(out, row(MissingShare, ms, mt, ms > mt, nRef, cur.Total))
	is, it := float64(cur.Invalid)/total, refInvalid+q.InvalidIncrease
	out = append(out, row(InvalidShare, is, it, is > it, nRef, cur.Total))
	if cur.Count == 0 {
		return out
	}
	var refCount uint64
	if ref != nil {
		refCount = ref.Count
	}
	n := float64(cur.Count)
	if cur.Kind == drift.Numeric {
		lo, hi, th, ok := 0.0, 0.0, 0.0, false
		switch {
		case q.Range != nil:
			lo, hi, th, ok = q.Range[0], q.Range[1], q.MaxOutOfRangeShare, true
		case ref != nil && ref.Kind == drift.Numeric && ref.Count > 0:
			m := q.RangeMargin * (ref.Max - ref.Min)
			lo, hi, th, ok = ref.Min-m, ref.Max+m, q.MaxOutsideReferenceShare, true
		}
		if ok && cur.Outside != nil {
			s := float64(cur.Outside(lo, hi)) / n
			out = append(out, row(OutOfRangeShare, s, th, s > th, refCount, cur.Count))
		}
	} else if ref != nil && ref.Kind != drift.Numeric && ref.Count > 0 {
		var fresh uint64
		for k, c := range cur.Categories {
			if _, known := ref.Categories[k]; !known && k != drift.OtherCategory {
				fresh += c
			}
		}
		s := float64(fresh) / n
		out = append(out, row(NewCategoryShare, s, q.MaxNewCategoryShare, s > q.MaxNewCategoryShare, refCount, cur.Count))
	}
	if cur.Count >= 2 && !math.IsNaN(cur.TopShare) {
		out = append(out, row(ConstantShare, cur.TopShare, q.MaxConstantShare, cur.TopShare > q.MaxConstantShare, refCount, cur.Count))
	}
	if cur.Kind == drift.Numeric && ref != nil && ref.Kind == drift.Numeric && ref.Count > 0 && ref.Std > 0 && ref.Min < ref.Max {
		s := math.Abs(cur.Mean-ref.Mean) / ref.Std
		if !math.IsInf(s, 0) && !math.IsNaN(s) {
			out = append(out, row(MeanShift, s, q.MeanShiftSigmas, s > q.MeanShiftSigmas, refCount, cur.Count))
		}
	}
	return out
}

// Evaluate runs the quality checks of a closed window: per feature of cur
// (in cur's order, against ref's feature of that name when ref is not
// nil), then the window's own checks (windowChecks). prevEvents is the
// number of events of the model's previous window (0: unknown), the
// volume check's expectation when the policy sets none. Rows carry the
// window's identity, family quality; feature-level rows name the feature,
// window-level rows have feature ”.
func Evaluate(ref *drift.Reference, cur *drift.WindowSummary, prevEvents uint64, p Policy) []drift.Result {
	if cur == nil {
		return nil
	}
	var out []drift.Result
	stamp := func(rows []drift.Result, feature string) {
		for i := range rows {
			r := &rows[i]
			r.Model, r.ModelVersion = cur.Model, cur.ModelVersion
			r.WindowSeq, r.WindowStart, r.WindowEnd = cur.Seq, cur.Start, cur.End
			r.Family, r.Feature = drift.Quality, feature
		}
		out = append(out, rows...)
	}
	for _, cf := range cur.Features {
		if cf == nil {
			continue
		}
		var rp *Profile
		if ref != nil {
			if rf := ref.Feature(cf.Name); rf != nil {
				p := profile(rf, false)
				rp = &p
			}
		}
		stamp(FeatureChecks(rp, profileSummary(cf), p.For(cf.Name)), cf.Name)
	}
	stamp(windowChecks(cur, prevEvents, p.Window), "")
	return out
}

// windowChecks runs the per-window checks:
//
//   - volume: Events / expected (ExpectedEvents, else prevEvents); fails at
//     or beyond VolumeTolerance either side of 1. Left out for count
//     windows (their volume is fixed) and without an expectation.
//   - late_share: Late / (Events + Late); fails above MaxLateShare.
//   - schema_violations: undeclared field names seen plus declared
//     features with no value in the whole window (absent and null are the
//     same by the event contract); fails above MaxSchemaViolations.
//   - duplicate_ids: events whose id repeated one earlier in the window;
//     fails above MaxDuplicateIDs.
func windowChecks(cur *drift.WindowSummary, prevEvents uint64, q WindowQuality) []drift.Result {
	var out []drift.Result
	expected := q.ExpectedEvents
	if expected == 0 {
		expected = prevEvents
	}
	if expected > 0 && !q.CountWindows {
		ratio := float64(cur.Events) / float64(expected)
		out = append(out, drift.Result{Method: Volume, Statistic: ratio, Threshold: q.VolumeTolerance,
			Drifted: math.Abs(ratio-1) >= q.VolumeTolerance, NReference: expected, NCurrent: cur.Events})
	}
	if seen := cur.Events + cur.Late; seen > 0 {
		s := float64(cur.Late) / float64(seen)
		out = append(out, drift.Result{Method: LateShare, Statistic: s, Threshold: q.MaxLateShare,
			Drifted: s > q.MaxLateShare, NCurrent: seen})
	}
	if cur.Events > 0 {
		v := uint64(len(cur.Undeclared))
		for _, f := range cur.Features {
			if f != nil && f.Count == 0 && f.Invalid == 0 {
				v++
			}
		}
		out = append(out, drift.Result{Method: SchemaViolations, Statistic: float64(v),
			Threshold: float64(q.MaxSchemaViolations), Drifted: v > q.MaxSchemaViolations, NCurrent: cur.Events})
		d := cur.DuplicateIDs
		out = append(out, drift.Result{Method: DuplicateIDs, Statistic: float64(d),
			Threshold: float64(q.MaxDuplicateIDs), Drifted: d > q.MaxDuplicateIDs, NCurrent: cur.Events})
	}
	return out
}

// ReferenceStability is the reference_unstable row of one feature whose
// drift threshold was calibrated from a reference holding at least two
// windows of the current window's size (detectors.Calibrated's
// Stability). Its Statistic is the mean, over the reference's own
// consecutive sub-windows of that size each compared with the rest of the
// reference, of the decision method's value (the distance, or -log10 p
// for a test); its Threshold, limit, is twice the same mean over
// resamples of the reference (detectors.Stability.Limit). It fails when
// the sub-windows lie more than that far: the reference's own stretches
// differ from one another far more than sampling explains, so the
// reference drifts at this window size rather than being a quiet
// baseline, and a threshold taken from its sub-windows would call drift
// of that size normal. NReference is the reference's values, NCurrent the
// window size calibrated for. The verdict stays live all the same: a
// calibrated threshold is never above twice the resampling one
// (detectors.Calibration).
func ReferenceStability(windowMean, limit float64, nRef, nCur uint64) drift.Result {
	return drift.Result{Method: ReferenceUnstable, Statistic: windowMean, Threshold: limit,
		Drifted: windowMean > limit, NReference: nRef, NCurrent: nCur}
}

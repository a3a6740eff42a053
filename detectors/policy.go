package detectors

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/driftmon/driftmon/detectors/stats"
	"github.com/driftmon/driftmon/drift"
)

// MethodDriftedShare is the method of the dataset row: the share of
// covariate features whose verdict is drifted. The statistics' own method
// names are package stats'.
const MethodDriftedShare = "drifted_share"

// datasetThreshold is the drifted share above which the dataset row says
// drifted: more than half of the features moved, the usual "dataset drift"
// rule (Evidently's default), loose enough that one or two noisy features of
// a wide model do not flag the whole dataset.
const datasetThreshold = 0.5

// MethodSet says which statistics one kind of feature reports and which of
// them decides its verdict.
type MethodSet struct {
	// Methods are the statistics to report, in row order.
	Methods []string
	// Decide is the method whose verdict is the feature's verdict.
	Decide string
	// Thresholds per method: p-value methods drift when p < threshold,
	// distance methods when statistic > threshold. A threshold of 0 means
	// report only: the row is never drifted.
	Thresholds map[string]float64
	// Calibration, when set, replaces the Decide method's fixed threshold
	// with one calibrated from the reference (see Calibration); the fixed
	// one stays the fallback. The other methods keep their fixed ones.
	Calibration *Calibration
}

// Corrections of the p-values of one window's features (Policy.Correction).
const (
	CorrectionNone       = "none"
	CorrectionBonferroni = "bonferroni"
	CorrectionBH         = "bh"
)

// Corrections lists the correction names.
func Corrections() []string {
	return []string{CorrectionNone, CorrectionBonferroni, CorrectionBH}
}

// Policy is the evaluation policy of one model.
type Policy struct {
	Numeric MethodSet
	// Categorical also serves boolean features and class predictions.
	Categorical MethodSet
	// Features overrides the kind's MethodSet for the named features.
	Features map[string]FeatureSet
	// Correction adjusts the verdicts of the features decided by a
	// p-value method for testing many features at once (see Correct):
	// "" or CorrectionNone, CorrectionBonferroni, CorrectionBH.
	Correction string
	// ReportPValues is how the tests a feature reports but does not
	// decide on (every method of its MethodSet but Decide) choose between
	// an exact and an asymptotic p-value. The zero value,
	// stats.PValueAuto, is scipy's automatic choice, which `driftmon
	// check` and the golden tests keep; serve sets
	// stats.PValueAsymptotic (monitor.Build), the asymptotic
	// distribution above a size (see it), because the exact KS p-value
	// of a report-only row was most of a window's evaluation. The
	// deciding method, and its calibration, always take scipy's choice.
	ReportPValues stats.PValueRule
}

// FeatureSet is one feature's own MethodSet and the kind it is for.
type FeatureSet struct {
	Kind drift.FeatureKind
	MethodSet
}

// Set returns the MethodSet that decides a feature of the given name and
// kind: its own override when that is for the same kind of data (numeric,
// or not), else its kind's.
func (p Policy) Set(name string, kind drift.FeatureKind) MethodSet {
	numeric := kind == drift.Numeric
	if s, ok := p.Features[name]; ok && (s.Kind == drift.Numeric) == numeric {
		return s.MethodSet
	}
	if numeric {
		return p.Numeric
	}
	return p.Categorical
}

// DefaultPolicy is what a model gets when its config says nothing.
//
// Numeric features are decided by the Jensen-Shannon distance (base 2, in
// [0, 1], over the reference's decile bins) at a threshold calibrated from
// the reference: mean + 3 sigma of the distance over a bootstrap of the
// reference, raised to that over its sub-windows of the window's size
// when it holds 5 or more, to at most twice the bootstrap's (Calibration),
// with the fixed 0.1 as the fallback (a constant reference).
// Categorical and boolean features are decided by PSI > 0.2, the industry
// rule of thumb (< 0.1 stable, 0.1-0.2 watch, > 0.2 shift).
//
// The choice was measured (internal/policyeval, the README's quality
// table), with the first 10% of a file as reference and consecutive windows
// after it. At 2,000-row windows calibrated Jensen-Shannon flagged none of
// the 90 windows of the numeric no-drift controls (sea f1-f3, electricity
// period), and flagged every known drift in the first window after it
// (electricity's three columns, weather VISIB, 31 of insects' 33
// features); at 200, 500 and 50-row windows it flagged 0%, 0% and 0.3%
// of sea's healthy windows. The fixed thresholds do not carry across sizes: PSI >
// 0.2 is quiet at 2,000 rows but missed 13 of insects' 33 features, and
// flagged 45% of healthy 50-row windows; Jensen-Shannon > 0.1 missed 8 of
// 33. KS at p < 0.05 flagged 4-5% of healthy windows per feature at every
// size (a 20-feature model would alarm on most windows) and at large n
// flags shifts too small to matter. Calibrated PSI detects as well but is
// right-skewed, so its mean + 3 sigma is crossed more often (0.4% and 5.7%
// of healthy 500 and 50-row windows); the Jensen-Shannon distance, a
// square root of such a statistic, is nearer symmetric. Evidently's
// default (normed Wasserstein > 0.1 above 1,000 reference rows) flagged
// 22% of healthy 200-row windows and has no value on a constant
// reference; NannyML's (Jensen-Shannon above mean + 3 sigma of the
// reference chunks, two or three of them here) flagged 64% of sea's
// healthy 2,000-row windows. The histogram methods need only the
// reference's bin counts, so calibrating them costs microseconds per
// window size in serve and check (a multinomial bootstrap, or binning the
// sub-windows).
//
// Categorical features keep a fixed threshold: their counts keep no order,
// so calibration can only bootstrap independent draws, which
// underestimates the spread of an autocorrelated stream (electricity's day
// of week: 1 of 21 healthy windows flagged calibrated, none by PSI > 0.2).
//
// The other methods are reported beside the verdict at fixed thresholds:
// KS, chi2 and the other tests at 0.05, PSI at 0.2, Jensen-Shannon (when
// not deciding) at 0.1; Wasserstein, its normalised form, energy distance,
// KL, Hellinger and TVD with threshold 0: they carry the data's unit or
// scale (or have no established cut-off), so they inform but never flag.
func DefaultPolicy() Policy {
	cal := DefaultCalibration()
	return Policy{
		Numeric: MethodSet{
			Methods: []string{stats.MethodPSI, stats.MethodKS, stats.MethodJensenShannon, stats.MethodWasserstein},
			Decide:  stats.MethodJensenShannon,
			Thresholds: map[string]float64{
				stats.MethodPSI:             0.2,
				stats.MethodKS:              0.05,
				stats.MethodJensenShannon:   0.1,
				stats.MethodWasserstein:     0,
				stats.MethodWassersteinNorm: 0,
				stats.MethodEnergy:          0,
				stats.MethodKL:              0,
				stats.MethodHellinger:       0,
				stats.MethodAndersonDarling: 0.05,
				stats.MethodCramerVonMises:  0.05,
			},
			Calibration: &cal,
		},
		Categorical: MethodSet{
			Methods: []string{stats.MethodChi2, stats.MethodPSI, stats.MethodJensenShannon},
			Decide:  stats.MethodPSI,
			Thresholds: map[string]float64{
				stats.MethodChi2:          0.05,
				stats.MethodPSI:           0.2,
				stats.MethodJensenShannon: 0.1,
				stats.MethodKL:            0,
				stats.MethodHellinger:     0,
				stats.MethodZTest:         0.05,
				stats.MethodTVD:           0,
			},
		},
	}
}

// Validate reports every problem of the policy: unknown or repeated method
// names, a Decide that is not among Methods or has no verdict (threshold
// 0), missing or impossible thresholds. Each error names the kind and the
// method.
func (p Policy) Validate() error {
	errs := []error{
		p.Numeric.validate("numeric", drift.Numeric),
		p.Categorical.validate("categorical", drift.Categorical),
	}
	for _, name := range slices.Sorted(maps.Keys(p.Features)) {
		s := p.Features[name]
		if err := s.validate("features."+name, s.Kind); err != nil {
			errs = append(errs, err)
		}
	}
	if p.Correction != "" && !slices.Contains(Corrections(), p.Correction) {
		errs = append(errs, fmt.Errorf("correction %q: want one of %v", p.Correction, Corrections()))
	}
	if p.ReportPValues != stats.PValueAuto && p.ReportPValues != stats.PValueAsymptotic {
		errs = append(errs, fmt.Errorf("report p-values: unknown rule %d", p.ReportPValues))
	}
	return errors.Join(errs...)
}

// Validate reports every problem of a MethodSet for a kind of feature, as
// Policy.Validate does for the policy's sets.
func (s MethodSet) Validate(kind drift.FeatureKind) error {
	return s.validate(kind.String(), kind)
}

func (s MethodSet) validate(name string, kind drift.FeatureKind) error {
	supported := stats.Methods(kind)
	var errs []error
	if len(s.Methods) == 0 {
		errs = append(errs, fmt.Errorf("%s: no methods", name))
	}
	seen := map[string]bool{}
	for _, m := range s.Methods {
		if !slices.Contains(supported, m) {
			errs = append(errs, fmt.Errorf("%s: unknown method %q (want one of %v)", name, m, supported))
			continue
		}
		if seen[m] {
			errs = append(errs, fmt.Errorf("%s: method %q listed twice", name, m))
			continue
		}
		seen[m] = true
		th, ok := s.Thresholds[m]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s: method %q has no threshold", name, m))
		case math.IsNaN(th) || math.IsInf(th, 0) || th < 0:
			errs = append(errs, fmt.Errorf("%s: method %q: threshold %v is not a finite number >= 0", name, m, th))
		case stats.IsPValueMethod(m) && th > 1:
			errs = append(errs, fmt.Errorf("%s: method %q: p-value threshold %v is above 1", name, m, th))
		case th >= statisticMax(m):
			// A distance at its bound or above it never drifts: a
			// verdict that cannot say drift is a typo, not a policy.
			errs = append(errs, fmt.Errorf("%s: method %q: threshold %v is not below %v, the most it can take, so it would never drift", name, m, th, statisticMax(m)))
		case m == stats.MethodAndersonDarling && th != 0 && !(th > stats.ADMinLevel && th <= stats.ADMaxLevel):
			// The level is clipped to [0.001, 0.25]: above 0.25 every
			// capped level would drift, at 0.001 or below none would.
			errs = append(errs, fmt.Errorf("%s: method %q: threshold %v is outside (0.001, 0.25], the range of its significance level", name, m, th))
		}
	}
	switch {
	case s.Decide == "":
		errs = append(errs, fmt.Errorf("%s: no decide method", name))
	case !slices.Contains(s.Methods, s.Decide):
		errs = append(errs, fmt.Errorf("%s: decide method %q is not among the methods %v", name, s.Decide, s.Methods))
	case seen[s.Decide] && s.Thresholds[s.Decide] == 0:
		errs = append(errs, fmt.Errorf("%s: decide method %q has threshold 0 (report only), so it gives no verdict", name, s.Decide))
	}
	if s.Calibration != nil {
		if err := s.Calibration.validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
		if f := s.Calibration.Floor; !stats.IsPValueMethod(s.Decide) && f >= statisticMax(s.Decide) {
			errs = append(errs, fmt.Errorf("%s: calibration floor %v is not below %v, the most %q can take, so it would never drift", name, f, statisticMax(s.Decide), s.Decide))
		}
	}
	return errors.Join(errs...)
}

// Drifted applies a method's threshold to its value: p-value methods drift
// when p < threshold, distances when the statistic is above it; threshold 0
// (report only) never drifts.
func Drifted(method string, stat float64, p *float64, threshold float64) bool {
	if threshold == 0 {
		return false
	}
	if stats.IsPValueMethod(method) {
		return p != nil && *p < threshold
	}
	return stat > threshold
}

// statMethods are the methods of package stats, whose rows Flagged can
// judge from their numbers.
var statMethods = func() map[string]bool {
	out := map[string]bool{}
	for _, k := range []drift.FeatureKind{drift.Numeric, drift.Categorical} {
		for _, m := range stats.Methods(k) {
			out[m] = true
		}
	}
	return out
}()

// Flagged reports whether a row's statistic is past its own threshold: on
// a decision row, its Drifted (the verdict); on a covariate or prior row
// that is reported only, what its method would have said had it decided,
// from the numbers the row keeps (Drifted on its method, statistic,
// p-value and threshold), while the row's Drifted stays false. Rows of the
// other families (quality checks, performance, detectors, the dataset row)
// and prior rows of no statistic (bbse_*) hold their own comparison in
// Drifted, which Flagged returns.
func Flagged(r drift.Result) bool {
	if !r.ReportOnly() || !statMethods[r.Method] {
		return r.Drifted
	}
	return Drifted(r.Method, r.Statistic, r.PValue, r.Threshold)
}

package detectors

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/driftmon/driftmon/drift"
)

// Method names: the contract with storage, dashboards and alert rules.
const (
	MethodKS              = "ks"
	MethodWasserstein     = "wasserstein"
	MethodWassersteinNorm = "wasserstein_norm"
	MethodEnergy          = "energy"
	MethodPSI             = "psi"
	MethodKL              = "kl"
	MethodJensenShannon   = "jensen_shannon"
	MethodHellinger       = "hellinger"
	MethodChi2            = "chi2"
	MethodAndersonDarling = "anderson_darling"
	MethodCramerVonMises  = "cramer_von_mises"
	MethodZTest           = "z_test"
	MethodTVD             = "tvd"
	// MethodDriftedShare is the dataset row: the share of covariate
	// features whose verdict is drifted.
	MethodDriftedShare = "drifted_share"
)

// DatasetThreshold is the drifted share above which the dataset row says
// drifted: more than half of the features moved, the usual "dataset drift"
// rule (Evidently's default), loose enough that one or two noisy features of
// a wide model do not flag the whole dataset.
const DatasetThreshold = 0.5

// pValueMethods report a p-value and drift when it falls below the
// threshold; every other method is a distance that drifts above it. The
// Anderson-Darling "p-value" is scipy's significance level, clipped to
// [0.001, 0.25].
var pValueMethods = map[string]bool{
	MethodKS: true, MethodChi2: true, MethodAndersonDarling: true,
	MethodCramerVonMises: true, MethodZTest: true,
}

var (
	numericMethods = []string{
		MethodPSI, MethodKS, MethodJensenShannon, MethodWasserstein,
		MethodWassersteinNorm, MethodEnergy, MethodKL, MethodHellinger,
		MethodAndersonDarling, MethodCramerVonMises,
	}
	categoricalMethods = []string{
		MethodChi2, MethodPSI, MethodJensenShannon, MethodKL, MethodHellinger,
		MethodZTest, MethodTVD,
	}
)

// Methods lists every method name supported for a kind of feature (boolean
// features use the categorical methods); nil for an unknown kind.
func Methods(kind drift.FeatureKind) []string {
	switch kind {
	case drift.Numeric:
		return slices.Clone(numericMethods)
	case drift.Categorical, drift.Boolean:
		return slices.Clone(categoricalMethods)
	}
	return nil
}

// IsPValueMethod reports whether a method's threshold applies to a p-value
// (drift when p < threshold) rather than to the statistic (drift when
// statistic > threshold).
func IsPValueMethod(method string) bool { return pValueMethods[method] }

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
}

// Policy is the evaluation policy of one model.
type Policy struct {
	Numeric MethodSet
	// Categorical also serves boolean features and class predictions.
	Categorical MethodSet
}

// DefaultPolicy is what a model gets when its config says nothing.
//
// The verdict comes from PSI > 0.2 for every kind, the industry rule of
// thumb (< 0.1 stable, 0.1-0.2 watch, > 0.2 shift). It is chosen over the
// p-value tests because it does not grow more sensitive with sample size:
// with no drift, PSI behaves like a chi-square over n, so its expectation is
// about (K-1)(1/n_ref + 1/n_cur) for K bins. For ten bins and a 2000-row
// reference that is 0.05 at 200-event windows and 0.014 at 1000 (a
// simulation of normal samples gives means 0.050 and 0.013, and a 99.9th
// percentile of 0.14 at 200 events), far below 0.2: healthy windows of a
// few hundred events stay quiet. A KS or chi2 test at 0.05 instead flags 5%
// of healthy windows per feature (a 20-feature model would alarm on most
// windows), and at large n flags every window for shifts too small to
// matter. Those tests are still reported beside the verdict, at their usual
// 0.05 level.
//
// Jensen-Shannon distance is judged at 0.1 (base 2, in [0, 1]).
// Wasserstein, its normalised form, energy distance, KL, Hellinger and TVD
// are reported with threshold 0: they carry the data's unit or scale (or
// have no established cut-off), so they inform but never flag. The other
// tests (anderson_darling, cramer_von_mises, z_test), when a config lists
// them, are judged at the same 0.05 level as KS and chi2.
func DefaultPolicy() Policy {
	return Policy{
		Numeric: MethodSet{
			Methods: []string{MethodPSI, MethodKS, MethodJensenShannon, MethodWasserstein},
			Decide:  MethodPSI,
			Thresholds: map[string]float64{
				MethodPSI:             0.2,
				MethodKS:              0.05,
				MethodJensenShannon:   0.1,
				MethodWasserstein:     0,
				MethodWassersteinNorm: 0,
				MethodEnergy:          0,
				MethodKL:              0,
				MethodHellinger:       0,
				MethodAndersonDarling: 0.05,
				MethodCramerVonMises:  0.05,
			},
		},
		Categorical: MethodSet{
			Methods: []string{MethodChi2, MethodPSI, MethodJensenShannon},
			Decide:  MethodPSI,
			Thresholds: map[string]float64{
				MethodChi2:          0.05,
				MethodPSI:           0.2,
				MethodJensenShannon: 0.1,
				MethodKL:            0,
				MethodHellinger:     0,
				MethodZTest:         0.05,
				MethodTVD:           0,
			},
		},
	}
}

// Validate reports every problem of the policy: unknown or repeated method
// names, a Decide that is not among Methods or has no verdict (threshold
// 0), missing or impossible thresholds. Each error names the kind and the
// method.
func (p Policy) Validate() error {
	return errors.Join(
		p.Numeric.validate("numeric", drift.Numeric),
		p.Categorical.validate("categorical", drift.Categorical),
	)
}

func (s MethodSet) validate(name string, kind drift.FeatureKind) error {
	supported := Methods(kind)
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
		case pValueMethods[m] && th > 1:
			errs = append(errs, fmt.Errorf("%s: method %q: p-value threshold %v is above 1", name, m, th))
		case m == MethodAndersonDarling && th != 0 && !(th > adSigLevels[len(adSigLevels)-1] && th <= adSigLevels[0]):
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
	return errors.Join(errs...)
}

// Drifted applies a method's threshold to its value: p-value methods drift
// when p < threshold, distances when the statistic is above it; threshold 0
// (report only) never drifts.
func Drifted(method string, stat float64, p *float64, threshold float64) bool {
	if threshold == 0 {
		return false
	}
	if pValueMethods[method] {
		return p != nil && *p < threshold
	}
	return stat > threshold
}

package stats

import (
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
)

// pValueMethods are the tests: they report a p-value beside the
// statistic. Every other method is a distance. The Anderson-Darling
// "p-value" is scipy's significance level, clipped to [0.001, 0.25].
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

// IsPValueMethod reports whether a method is a test, whose Stat carries a
// p-value, rather than a distance, whose Stat has none. A threshold applies
// to the p-value of a test (drift when p < threshold) and to the statistic
// of a distance (drift when statistic > threshold).
func IsPValueMethod(method string) bool { return pValueMethods[method] }

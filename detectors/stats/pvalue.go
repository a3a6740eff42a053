package stats

// PValueRule says how a test whose p-value has an exact and an asymptotic
// form (ks, cramer_von_mises) chooses between them. The other tests have
// one form only: anderson_darling's significance level is always read off
// Scholz and Stephens' table (O(1) once the statistic is known), chi2's
// and z_test's p-values are always their asymptotic distributions', as in
// scipy.
type PValueRule uint8

const (
	// PValueAuto is scipy's method='auto': ks_2samp counts lattice paths
	// exactly while neither sample holds more than 10,000 values,
	// cramervonmises_2samp enumerates exactly up to 20 values a side, and
	// both take their asymptotic distributions beyond. `driftmon check`
	// and every deciding method use it.
	PValueAuto PValueRule = iota
	// PValueAsymptotic takes the asymptotic p-value (scipy's
	// method='asymp' for ks_2samp: the Kolmogorov distribution
	// kstwo at round(n_ref n_cur / (n_ref + n_cur)); method='asymptotic'
	// for cramervonmises_2samp: Anderson and Darling's limiting
	// distribution) once n_ref * n_cur reaches KSAsymptoticFrom or
	// CvMAsymptoticFrom, and the exact one below, where it is cheap.
	//
	// The exact KS p-value of unequal samples costs about 2 D n_ref n_cur
	// steps (a 2,000-event window against a 5,000-row reference at a
	// healthy D = 0.03: 0.6 million, 3-4 ms a feature), the exact
	// Cramer-von Mises one up to 47 ms at 19 against 20 values. serve
	// uses this rule for the methods it only reports (detectors.Policy's
	// ReportPValues), where that cost buys no verdict.
	//
	// How far apart the two are (TestAsymptoticNearExact): for KS, at
	// every lattice statistic with an asymptotic p-value of at least
	// 1e-5, on a grid of sizes from the bound to 10,000 values, at most
	// 0.012 where the exact p-value lies between 0.01 and 0.1 (at 100 x
	// 101 values) and 0.040 anywhere (at 100 x 100), shrinking as the
	// samples grow (0.0036 and 0.013 at 1,000 a side); for Cramer-von
	// Mises, on random pairs at every size up to 20 a side from its
	// bound, at most 0.009 and 0.031.
	PValueAsymptotic
)

// KSAsymptoticFrom is the size n_ref * n_cur from which PValueAsymptotic
// gives ks the asymptotic p-value: R's ks.test default (exact below
// 10,000), where the exact computation takes at most about 2 D 10^4
// steps, microseconds.
const KSAsymptoticFrom = 10_000

// CvMAsymptoticFrom is the size n_ref * n_cur from which PValueAsymptotic
// gives cramer_von_mises the asymptotic p-value (scipy is exact up to 20
// values a side, 400 at most): from 10 x 10 the limiting distribution is
// about as close to the exact one as KS's is at KSAsymptoticFrom.
const CvMAsymptoticFrom = 100

// asymptotic reports whether rule takes the asymptotic p-value for
// samples of n1 and n2 values, from size from on.
func (rule PValueRule) asymptotic(n1, n2, from int) bool {
	return rule == PValueAsymptotic && n1*n2 >= from
}

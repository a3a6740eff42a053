// Package stats computes the drift statistics: the value of each method
// (MethodKS, MethodPSI, ...; Methods lists them per kind of feature), and
// the tests' p-values, for a reference and a current sample, or their
// category counts.
//
// Every method matches the oracle at ../shared/oracle/reference.py
// definition for definition, which in turn is scipy 1.10 / numpy 1.24; the
// golden tests under testdata/ hold them to it. z_test and tvd, which the
// oracle lacks, are held to numpy/scipy values computed beside it. One
// departure is deliberate: on samples with few distinct values (at most
// one per two values) cramer_von_mises takes its statistic from the
// empirical CDFs, its definition, where scipy's midrank formula reports
// a large T for two samples of one discrete distribution (cramerVonMises
// says why; testdata/gen_cvm_ties.py computes the values it is held to),
// and ks, anderson_darling and cramer_von_mises say in their Note that
// they were built for continuous data, as scipy's documentation does. The
// package says how far two distributions are apart, never whether that is
// drift: which method decides, at what threshold, is package detectors'.
//
// There are two ways in. NumericStats and CategoricalStats compute any
// methods on raw samples or counts, exactly, for `driftmon check`.
// FeaturePair computes them from a reference's and a window's summaries,
// as detectors.Evaluate compares each window: exactly while the window's
// sample holds all its values; for a bigger window ks, wasserstein and
// wasserstein_norm are estimated from its quantile sketch and sample
// together (sketchstats.go), within the error bound FeaturePair states,
// because they are the same statistics, computed with the exact path's
// parts. SortedStat, SortFloats and BinCounts are those parts for a
// caller that compares many pairs drawn from one checked, sorted sample:
// the calibration of thresholds.
//
// The two-sample Kolmogorov-Smirnov p-value is computed here by hand, as
// scipy computes it for method='auto': exact lattice-path counting when both
// samples have at most 10000 values (Hodges 1958; Viehmann 2021), otherwise
// the exact one-sample Kolmogorov distribution at n = round(n1*n2/(n1+n2))
// (Simard and L'Ecuyer 2011). The Cramer-von Mises p-value is likewise
// hand-written: exact enumeration up to 20 values a side (Xiao, Gordon and
// Yakovlev 2006), else Anderson and Darling's (1952) limiting distribution,
// whose Bessel function K_{1/4} is integrated here. gonum supplies the rest
// of the numerics.
//
// Nothing here keeps state between calls, reads a clock or does I/O
// (NumericStats sorts the samples it is given, as it says; a FeaturePair
// keeps what its methods share, a PreparedFeature what every window's
// FeaturePair takes from one reference). Of driftmon's packages it imports
// only drift and sketch (the KLL sketch a big window's estimates read).
package stats

//go:generate /usr/bin/python3 testdata/gen.py
//go:generate /usr/bin/python3 testdata/gen_cvm_ties.py

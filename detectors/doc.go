// Package detectors compares a model's current window with its reference
// and says, per feature, whether the distribution drifted.
//
// Everything here is a pure function of (reference, current window): no
// state, no clock, no I/O. The statistic functions (KS, PSI, KL,
// JensenShannon, Hellinger, Chi2, Wasserstein, Energy, AndersonDarling,
// CramerVonMises) match the oracle at ../shared/oracle/reference.py
// definition for definition, which in turn is scipy 1.10 / numpy 1.24; the
// golden tests under testdata/ hold them to it. ZTest and TVD, which the
// oracle lacks, are held to numpy/scipy values computed beside it.
// Evaluate turns summaries and a Policy into drift.Result rows;
// NumericStats and CategoricalStats compute any methods on raw samples or
// counts, exactly, for `driftmon check`. The data quality checks (family
// quality) are package detectors/quality's.
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
// It imports only drift and sketch of driftmon's packages (sketch for the
// big-window statistics Evaluate estimates from a summary's quantile
// sketch): never storage, ingest, window, alerting or anything that does
// I/O. Its external tests use window and reference to build summaries as
// serve builds them.
package detectors

//go:generate /usr/bin/python3 testdata/gen.py

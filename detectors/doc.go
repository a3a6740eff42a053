// Package detectors turns drift statistics into verdicts: per feature of a
// model's closed window, whether its distribution drifted from the
// reference's, and for the window whether the dataset did.
//
// Evaluate computes each feature's statistics from the reference's and the
// window's summaries with package stats, and writes them as drift_results
// rows under a Policy: which methods each kind of feature reports, which
// one decides its verdict, at what threshold. A threshold is fixed, or
// calibrated from the reference's own spread at the window's size
// (Calibration; CalibrateNumeric and CalibrateCounts calibrate on raw
// values or counts): a bootstrap of the reference, raised by its ordered
// sub-windows to at most CapFactor times it. Where the sub-windows differ
// more than resampling explains, the reference drifts within itself, and
// Evaluate says so in a quality row reference_unstable per feature
// (detectors/quality's ReferenceStability). The verdicts of the features
// decided by a p-value are then corrected for testing many features at once (AdjustLevels:
// Bonferroni or Benjamini-Hochberg), and the dataset row says whether more
// than half of the features drifted. `driftmon check` applies the same
// policy (Drifted, the calibrations, AdjustLevels) to the exact statistics
// of two files.
//
// Everything here is a pure function of (reference, window, policy): no
// clock, no I/O. The one piece of state is Calibrations, the cache its
// caller keeps per model (EvaluateCached): the reference prepared once for
// every window (stats.PreparedFeature: its sorted sample and the like) and
// the thresholds calibrated on it. Of
// driftmon's packages it imports only drift, detectors/stats and
// detectors/quality (the name and form of that row): never
// storage, ingest, window, alerting or anything that does I/O. Its
// external tests use window and reference to build summaries as serve
// builds them.
//
// Beside it: detectors/stats, the statistics; detectors/quality, the
// data-quality checks (family quality); detectors/stream and detectors/perf,
// the streaming concept-drift detectors and the performance metrics of
// family concept.
package detectors

// Package policyeval measures drift decision policies on the shared data
// sets under one protocol, so that the default policy is chosen on
// evidence: the first 10% of a file is the reference, consecutive windows
// of 2,000 rows after it are the current windows (the oracle's `windows`
// mode), and each policy decides every window of every column.
//
// No-drift controls (sea f1-f3, electricity period) score the share of
// windows flagged; known drifts (electricity vicprice, vicdemand, transfer
// from row 17,424; weather VISIB from row 5,071; insects from row 14,028)
// score the windows flagged before the change and whether the first window
// after it is flagged. The policies are ours (fixed and calibrated
// thresholds), Evidently's DataDriftPreset default and NannyML's default
// univariate rule, all computed with package detectors/stats' statistics
// and judged with detectors' thresholds and calibration.
//
// It is evidence for the README's quality table, not part of the service:
// only its tests use it. It imports detectors, detectors/stats and drift,
// nothing that does I/O beyond reading the CSV files it is given.
package policyeval

// Package check compares two tabular files column by column, the batch side
// of driftmon: `driftmon check --reference A --current B` runs it so that a
// CI pipeline can gate a training set or a model release on drift.
//
// It reads both files once, streaming (CSV or Parquet, through package
// table), keeps only each column's finite values or category counts, and
// computes every statistic exactly with package detectors/stats: no
// sketches, no samples. Column kinds come from flags or are inferred from
// the reference (numeric when every non-missing value parses as a number,
// as the oracle at ../shared/oracle/reference.py infers them).
//
// The report is JSON for scripts, a table that fits 120 columns (the
// details on request, in a wide one) or one self-contained HTML page; the
// table and the page open with the same summary, drifted columns first.
//
// It judges the statistics with serve's policy, calibration and correction
// (package detectors) and runs serve's quality checks on the exact values
// (detectors/quality). It imports table, those three packages under
// detectors and drift (for the kind names); nothing that talks to Kafka,
// ClickHouse or the network.
package check

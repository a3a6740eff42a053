// Package oracle reads the golden values of driftmon's reference oracle
// (../shared/oracle/reference.py, which is scipy 1.10 / numpy 1.24) and the
// data-set columns they were computed on, and compares with them. Two
// packages' tests hold their results to the one golden file: the
// statistics' (detectors/stats, each statistic on the raw columns) and the
// verdicts' (detectors, Evaluate's rows on summaries built from the same
// rows). The file, the script that makes it and its README are in
// detectors/stats/testdata. Only tests import this package.
package oracle

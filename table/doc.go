// Package table streams the cells of tabular files, CSV and Parquet, for
// `driftmon check` (which compares two files column by column) and for
// reference files (reference.Load, and config's check of their columns).
// Open reads a file of either format, ReadCSV CSV text from a stream. A
// Reader says which columns a file has and, on each Scan, calls back with
// the cells of the columns asked for, row by row, without holding the file
// in memory: a 1,000,000-row file costs one buffer, not a slice per column.
//
// Both formats give the same cells for the same data: fields and strings
// are trimmed as Python's str.strip trims them and the missing tokens of
// ../shared/oracle/reference.py ("", "?", "NA", "nan", "NaN", "null", as
// drift.IsMissingToken defines them) are Missing in either, so a check of a
// CSV file against its Parquet copy finds nothing. CSV cells are Text, left
// for the caller to parse, since whether a column is numeric is decided
// over the whole column, not per cell.
//
// Errors name the file and, for CSV, the line; a CSV file's structural
// problems are LineErrors, which also carry what encoding/csv would report,
// for callers whose messages were encoding/csv's.
//
// It imports no other driftmon package but drift, the leaf, for the one
// definition of the missing tokens: it only reads files, and callers decide
// what the cells mean.
package table

// Package table streams the cells of tabular files for `driftmon check`
// (which compares two files column by column) and for reference files. A
// Reader says which columns a file has and, on each Scan, calls back with
// the cells of the columns asked for, row by row, without holding the file
// in memory: a 1,000,000-row file costs one buffer, not a slice per column.
//
// CSV is read now; the API leaves room for typed formats (Type, and the
// Number and Bool kinds of Cell) such as Parquet. Fields are trimmed as
// Python's str.strip trims them and the missing tokens of
// ../shared/oracle/reference.py ("", "?", "NA", "nan", "NaN", "null") are
// Missing, so that driftmon and the oracle see the same values. CSV cells
// are Text, left for the caller to parse, since whether a column is numeric
// is decided over the whole column, not per cell.
//
// It must not import any other driftmon package: it only reads files, and
// callers decide what the cells mean.
package table

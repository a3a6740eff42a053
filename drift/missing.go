package drift

// IsMissingToken reports whether v, a field of a tabular file already
// trimmed of spaces, spells a missing value: "", "?", "NA", "nan", "NaN"
// or "null", the oracle's MISSING (../shared/oracle/reference.py). This is
// the one list: the file readers (table, reference) and the tools that
// write test files (internal/datasets) all ask here.
//
// It takes text as a string or as bytes; for bytes it does not allocate.
func IsMissingToken[T ~string | ~[]byte](v T) bool {
	switch string(v) {
	case "", "?", "NA", "nan", "NaN", "null":
		return true
	}
	return false
}

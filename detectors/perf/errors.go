package perf

import "errors"

// Sentinels that callers test with errors.Is; the returned errors wrap them
// with what was wrong.
var (
	// ErrInput is a malformed input: empty, lengths or sizes that disagree,
	// NaN, a probability outside [0, 1], a negative count or weight.
	ErrInput = errors.New("perf: invalid input")
	// ErrSingular is a BBSE confusion matrix that cannot be inverted: a
	// class that is never predicted or never true in the reference, or
	// classes the classifier cannot tell apart.
	ErrSingular = errors.New("perf: singular confusion matrix")
)

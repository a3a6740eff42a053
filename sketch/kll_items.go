package sketch

// Items returns the retained values in ascending order and the weight of
// each: the number of stream values it stands for, a power of two (2^h for
// an item at level h). The weights sum to Count(), and CDF(x) is the sum of
// the weights of the items <= x over Count(). Tied values stay separate
// items, so a caller can tell a value retained many times (an atom of the
// distribution) from one retained once. Both slices are nil when the
// sketch is empty, and fresh slices the caller owns otherwise.
//
// It serves callers that compare or integrate whole distributions (the
// two-sample statistics of a window too big for its sample) rather than ask
// one rank at a time. It sorts the retained values, about 3k of them: tens
// of microseconds at k = 256.
func (s *KLL) Items() (xs []float64, weights []uint64) {
	if s.n == 0 || len(s.levels) == 0 {
		return nil, nil
	}
	view := s.sortedView()
	xs = make([]float64, len(view))
	weights = make([]uint64, len(view))
	var prev uint64
	for i, e := range view {
		xs[i], weights[i] = e.v, e.w-prev // sortedView holds cumulative weights
		prev = e.w
	}
	return xs, weights
}

package drift

import (
	"math"
	"sort"
)

// NumBins is the number of reference bins before duplicate edges merge.
const NumBins = 10

// DecileEdges returns the inner bin edges of a reference: its deciles
// (numpy's default 'linear' quantile), duplicates merged, so there are at
// most NumBins bins. sorted must be sorted ascending and non-empty.
func DecileEdges(sorted []float64) []float64 {
	edges := make([]float64, 0, NumBins-1)
	for i := 1; i < NumBins; i++ {
		q := Quantile(sorted, float64(i)/NumBins)
		if len(edges) == 0 || q != edges[len(edges)-1] {
			edges = append(edges, q)
		}
	}
	return edges
}

// Quantile is numpy.quantile(sorted, q) with method='linear' (Hyndman and
// Fan type 7): h = (n-1)q, interpolated between the neighbouring order
// statistics.
func Quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	h := float64(n-1) * q
	lo := math.Floor(h)
	i := int(lo)
	if i >= n-1 {
		return sorted[n-1]
	}
	frac := h - lo
	a, b := sorted[i], sorted[i+1]
	// numpy's _lerp: a + (b-a)*t, switched to b - (b-a)*(1-t) for t >= 0.5.
	d := b - a
	if frac >= 0.5 {
		return b - d*(1-frac)
	}
	return a + d*frac
}

// Bin is numpy.searchsorted(edges, x, side='right'): bins are
// (-inf, e1), [e1, e2), ..., [eK-1, +inf), so every value lands in one.
func Bin(edges []float64, x float64) int {
	// Few edges: a linear scan beats sort.Search's closure calls.
	if len(edges) <= 16 {
		i := 0
		for i < len(edges) && edges[i] <= x {
			i++
		}
		return i
	}
	return sort.Search(len(edges), func(i int) bool { return edges[i] > x })
}

package reference

import (
	"math"
	"slices"

	"github.com/driftmon/driftmon/drift"
)

// decileEdges is drift.DecileEdges of values in any order, found without
// sorting them. numpy's linear quantile at q reads two order statistics,
// the floor(h)-th and the next (h = (n-1) q), or the last; so a copy of
// the values is partitioned until those ranks, 19 at most, hold their
// order statistics, and DecileEdges reads them there. Sorting every
// numeric column to read 19 of its values was a third of a reference's
// load (BenchmarkBuild in package monitor); the selection visits each
// value a few times: 0.43 ms against 1.76 ms for slices.Sort at 20,000
// values (BenchmarkDecileEdges). TestDecileEdgesBySelection holds it to
// DecileEdges of the sorted values. (Where a decile falls between a -0
// and a +0 its sign may differ from a sort's, as it may between sorts;
// the two compare equal, so no bin changes.)
func decileEdges(values []float64) []float64 {
	n := len(values)
	ranks := []int{n - 1}
	for i := 1; i < drift.NumBins; i++ {
		// Quantile's own arithmetic, so the ranks are the ones it reads.
		h := float64(n-1) * (float64(i) / drift.NumBins)
		lo := int(math.Floor(h))
		ranks = append(ranks, lo, min(lo+1, n-1))
	}
	slices.Sort(ranks)
	ranks = slices.Compact(ranks)
	xs := slices.Clone(values)
	selectRanks(xs, ranks, 2*bitLen(len(xs)))
	return drift.DecileEdges(xs)
}

// selectRanks reorders xs so that xs[r] is the r-th smallest value for
// every r of ranks (ascending, distinct, within xs): Hoare's FIND extended
// to several ranks, recursing only into the parts that hold one (see
// split). Past depth partitions the part is sorted instead, which bounds
// the worst case by a sort's.
func selectRanks(xs []float64, ranks []int, depth int) {
	selectIn(xs, 0, ranks, depth)
}

// selectIn places the ranks (indices into the whole slice) that fall in
// part, which starts at offset off.
func selectIn(part []float64, off int, ranks []int, depth int) {
	for len(ranks) > 0 {
		if len(part) <= 16 || depth == 0 {
			slices.Sort(part)
			return
		}
		depth--
		// Values below the split are at most the pivot, values from it
		// on at least; between lt and gt they equal it.
		lt, gt := split(part)
		i := 0
		for i < len(ranks) && ranks[i]-off < lt {
			i++
		}
		j := i
		for j < len(ranks) && ranks[j]-off < gt {
			j++
		}
		left, right := ranks[:i], ranks[j:]
		// Recurse into the smaller side, loop on the other.
		if lt < len(part)-gt {
			selectIn(part[:lt], off, left, depth)
			part, off, ranks = part[gt:], off+gt, right
		} else {
			selectIn(part[gt:], off+gt, right, depth)
			part, ranks = part[:lt], left
		}
	}
}

// split partitions part around the median of its first, middle and last
// values: part[:lt] are at most the pivot, part[gt:] at least, and
// part[lt:gt] (empty unless the three agree) equal to it, both sides
// smaller than part. When the three agree the pivot is likely a value
// much repeated, and a three-way partition puts all its copies in place
// at once; otherwise Hoare's, which swaps only values on the wrong side
// and so writes a quarter as often on distinct values.
func split(part []float64) (lt, gt int) {
	a, m, z := part[0], part[len(part)/2], part[len(part)-1]
	if a == m && m == z {
		return partition3(part, a)
	}
	// The median of the three to the front, as Hoare's scheme wants its
	// pivot: it is neither side's only value, so both sides are smaller
	// than part.
	k := len(part) / 2
	switch p := medianOfThree(part); p {
	case a:
		k = 0
	case z:
		k = len(part) - 1
	}
	part[0], part[k] = part[k], part[0]
	p := part[0]
	i, j := -1, len(part)
	for {
		for i++; part[i] < p; i++ {
		}
		for j--; part[j] > p; j-- {
		}
		if i >= j {
			return j + 1, j + 1
		}
		part[i], part[j] = part[j], part[i]
	}
}

// medianOfThree is the median of part's first, middle and last values.
func medianOfThree(part []float64) float64 {
	a, b, c := part[0], part[len(part)/2], part[len(part)-1]
	if a > b {
		a, b = b, a
	}
	if b > c {
		b = c
	}
	return max(a, b)
}

// partition3 reorders part into values below p, equal to p and above p
// (Dijkstra's three-way partition) and returns where the equal ones start
// and end.
func partition3(part []float64, p float64) (lt, gt int) {
	lt, i, gt := 0, 0, len(part)
	for i < gt {
		switch x := part[i]; {
		case x < p:
			part[lt], part[i] = part[i], part[lt]
			lt++
			i++
		case x > p:
			gt--
			part[gt], part[i] = part[i], part[gt]
		default:
			i++
		}
	}
	return lt, gt
}

// bitLen is the number of bits of n.
func bitLen(n int) int {
	b := 0
	for ; n > 0; n >>= 1 {
		b++
	}
	return b
}

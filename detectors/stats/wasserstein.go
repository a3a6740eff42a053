package stats

import (
	"math"
)

// wasserstein is scipy.stats.wasserstein_distance(ref, cur): the 1-D
// earth mover's distance between the two empirical distributions, the
// integral of |F_ref - F_cur|. Inputs are not modified; an empty sample or a
// NaN gives NaN.
func wasserstein(ref, cur []float64) float64 {
	return cdfDistance(ref, cur, 1)
}

// energy is scipy.stats.energy_distance(ref, cur):
// sqrt(2 E|X-Y| - E|X-X'| - E|Y-Y'|), which for 1-D empirical distributions
// equals sqrt(2) times the L2 distance between the two CDFs.
func energy(ref, cur []float64) float64 {
	return math.Sqrt2 * cdfDistance(ref, cur, 2)
}

// cdfDistance is scipy's _cdf_distance for unit weights: the L^p distance
// between the two empirical CDFs, summed over the gaps of the pooled sorted
// values in numpy's order.
func cdfDistance(u, v []float64, p int) float64 {
	if len(u) == 0 || len(v) == 0 || hasNaN(u) || hasNaN(v) {
		return math.NaN()
	}
	return cdfDistanceSorted(sortedCopy(u), sortedCopy(v), p)
}

// cdfDistanceSorted is cdfDistance of two sorted, non-empty samples. scipy
// sums one term per pooled value but the last, |F_u - F_v|^p times the gap
// to the next pooled value; within a run of tied values the gaps are 0.
// Walking the distinct values of both samples gives the same terms in the
// same order (the zeros included, as they shift numpy's blocks) in O(n),
// without building and sorting the pooled array.
func cdfDistanceSorted(us, vs []float64, p int) float64 {
	nu, nv := float64(len(us)), float64(len(vs))
	acc := newNumpySum(len(us) + len(vs) - 1)
	w := tieWalk{a: us, b: vs}
	prev, prevDiff, prevCount := 0.0, 0.0, 0
	for {
		v, ca, cb, ok := w.next()
		if !ok {
			break
		}
		if prevCount > 0 {
			acc.addZeros(prevCount - 1)
			delta := v - prev
			if p == 1 {
				acc.add(math.Abs(prevDiff) * delta)
			} else {
				acc.add(prevDiff * prevDiff * delta)
			}
		}
		prev, prevCount = v, ca+cb
		prevDiff = float64(w.i)/nu - float64(w.j)/nv
	}
	acc.addZeros(prevCount - 1)
	s := acc.sum()
	if p == 1 {
		return s
	}
	return math.Sqrt(s)
}

// tieWalk visits the distinct values of two sorted samples in ascending
// order, with how many values of each sample equal each; after a step, i
// and j count the values of a and b at or below it (searchsorted
// side='right').
type tieWalk struct {
	a, b []float64
	i, j int
}

func (w *tieWalk) next() (v float64, ca, cb int, ok bool) {
	switch {
	case w.i == len(w.a) && w.j == len(w.b):
		return 0, 0, 0, false
	case w.i == len(w.a):
		v = w.b[w.j]
	case w.j == len(w.b):
		v = w.a[w.i]
	default:
		v = min(w.a[w.i], w.b[w.j])
	}
	i0, j0 := w.i, w.j
	for w.i < len(w.a) && w.a[w.i] <= v {
		w.i++
	}
	for w.j < len(w.b) && w.b[w.j] <= v {
		w.j++
	}
	return v, w.i - i0, w.j - j0, true
}

// spreadStd is the reference's std as wasserstein_norm divides by it:
// populationStd, except that a sample of one value has none. np.std of
// one value repeated is often not 0 but rounding noise (100 copies of
// 0.1: 2.8e-17), and a distance over it a number like 3.6e+15 that means
// nothing; a normalised distance over no spread has no finite value.
func spreadStd(sorted []float64) float64 {
	if len(sorted) > 0 && sorted[0] == sorted[len(sorted)-1] {
		return 0
	}
	return populationStd(sorted)
}

// populationStd is numpy's np.std(x) (ddof=0): the mean first, then the
// mean squared deviation, both summed in numpy's order.
func populationStd(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	n := float64(len(x))
	mean := pairwiseSum(x) / n
	dev := make([]float64, len(x))
	for i, v := range x {
		d := v - mean
		dev[i] = d * d
	}
	return math.Sqrt(pairwiseSum(dev) / n)
}

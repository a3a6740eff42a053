package detectors

import (
	"math"
	"slices"
)

// Wasserstein is scipy.stats.wasserstein_distance(ref, cur): the 1-D
// earth mover's distance between the two empirical distributions, the
// integral of |F_ref - F_cur|. Inputs are not modified; an empty sample or a
// NaN gives NaN.
func Wasserstein(ref, cur []float64) float64 {
	return cdfDistance(ref, cur, 1)
}

// Energy is scipy.stats.energy_distance(ref, cur):
// sqrt(2 E|X-Y| - E|X-X'| - E|Y-Y'|), which for 1-D empirical distributions
// equals sqrt(2) times the L2 distance between the two CDFs.
func Energy(ref, cur []float64) float64 {
	return math.Sqrt2 * cdfDistance(ref, cur, 2)
}

// cdfDistance is scipy's _cdf_distance for unit weights: the L^p distance
// between the two empirical CDFs, summed over the gaps of the pooled sorted
// values in numpy's order.
func cdfDistance(u, v []float64, p int) float64 {
	if len(u) == 0 || len(v) == 0 || hasNaN(u) || hasNaN(v) {
		return math.NaN()
	}
	us, vs := sortedCopy(u), sortedCopy(v)
	all := make([]float64, 0, len(us)+len(vs))
	all = append(append(all, us...), vs...)
	slices.Sort(all)
	nu, nv := float64(len(us)), float64(len(vs))
	terms := make([]float64, len(all)-1)
	var i, j int
	for k := 0; k < len(all)-1; k++ {
		x := all[k]
		for i < len(us) && us[i] <= x {
			i++
		}
		for j < len(vs) && vs[j] <= x {
			j++
		}
		diff := float64(i)/nu - float64(j)/nv
		delta := all[k+1] - all[k]
		if p == 1 {
			terms[k] = math.Abs(diff) * delta
		} else {
			terms[k] = diff * diff * delta
		}
	}
	s := pairwiseSum(terms)
	if p == 1 {
		return s
	}
	return math.Sqrt(s)
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

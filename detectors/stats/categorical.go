package stats

import "math"

// The two categorical statistics the oracle lacks; gen.py computes their
// golden values with numpy/scipy beside the oracle's.

// tvd is the total variation distance 0.5 * sum_i |p_r[i] - p_c[i]| of the
// raw proportions, in [0, 1].
func tvd(refCounts, curCounts []uint64) float64 {
	pr, pc, ok := proportions(refCounts, curCounts)
	if !ok {
		return math.NaN()
	}
	terms := make([]float64, len(pr))
	for i := range pr {
		terms[i] = math.Abs(pr[i] - pc[i])
	}
	return 0.5 * pairwiseSum(terms)
}

// zTest is the two-proportion z-test with pooled variance on the share of
// the first category (in the aligned, sorted order) in the reference
// against the current window:
//
//	z = (p_r - p_c) / sqrt(p (1-p) (1/n_r + 1/n_c)),
//
// p the pooled share, and its two-sided p-value 2 (1 - Phi(|z|)). It is for
// two categories only: columns empty on both sides are dropped first (as in
// chi2), and anything but two columns left, or an empty side, gives NaN,
// NaN. For two categories z^2 is chi2's statistic and the p-values agree;
// the sign of z says which way the share moved.
func zTest(refCounts, curCounts []uint64) (z, p float64) {
	if len(refCounts) != len(curCounts) {
		return math.NaN(), math.NaN()
	}
	var r, c []float64
	for i := range refCounts {
		if refCounts[i] > 0 || curCounts[i] > 0 {
			r = append(r, float64(refCounts[i]))
			c = append(c, float64(curCounts[i]))
		}
	}
	if len(r) != 2 {
		return math.NaN(), math.NaN()
	}
	nr, nc := r[0]+r[1], c[0]+c[1]
	if nr == 0 || nc == 0 {
		return math.NaN(), math.NaN()
	}
	pooled := (r[0] + c[0]) / (nr + nc)
	v := pooled * (1 - pooled) * (1/nr + 1/nc)
	if !(v > 0) {
		return math.NaN(), math.NaN()
	}
	z = (r[0]/nr - c[0]/nc) / math.Sqrt(v)
	return z, 2 * normalSF(math.Abs(z))
}

// normalSF is scipy.stats.norm.sf(x) = ndtr(-x), in Cephes' two branches:
// through erf near 0 and erfc in the tails, so tail p-values keep their
// relative precision. (gonum's UnitNormal.Survival is 1 - erf and returns
// 0 beyond x = 8.3, and 4e-9 relative error already at x = 5.9.)
func normalSF(x float64) float64 {
	t := -x / math.Sqrt2
	if math.Abs(t) < 1/math.Sqrt2 {
		return 0.5 + 0.5*math.Erf(t)
	}
	y := 0.5 * math.Erfc(math.Abs(t))
	if t > 0 {
		return 1 - y
	}
	return y
}

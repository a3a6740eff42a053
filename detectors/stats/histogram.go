package stats

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// eps replaces the proportion of an empty bin in PSI and KL, so a bin that
// one side never saw contributes a large but finite term. As in the oracle
// the other proportions are not renormalised.
const eps = 1e-4

// The histogram statistics compare two count vectors over the same bins
// (reference deciles for numbers, the union of categories otherwise). They
// return NaN when the vectors differ in length, are empty, or one of them
// sums to zero: there is no distribution to compare.

// proportions returns the raw proportions count/total of both vectors, and
// ok false when they cannot be compared.
func proportions(ref, cur []uint64) (pr, pc []float64, ok bool) {
	if len(ref) != len(cur) || len(ref) == 0 {
		return nil, nil, false
	}
	var nr, nc float64
	for i := range ref {
		nr += float64(ref[i])
		nc += float64(cur[i])
	}
	if nr == 0 || nc == 0 {
		return nil, nil, false
	}
	pr = make([]float64, len(ref))
	pc = make([]float64, len(cur))
	for i := range ref {
		pr[i] = float64(ref[i]) / nr
		pc[i] = float64(cur[i]) / nc
	}
	return pr, pc, true
}

// epsProportions is the raw proportion, or eps for an empty bin.
func epsProportions(counts []uint64, p []float64) []float64 {
	s := make([]float64, len(p))
	for i := range p {
		if counts[i] > 0 {
			s[i] = p[i]
		} else {
			s[i] = eps
		}
	}
	return s
}

// psi is the population stability index,
// sum_i (s_c[i] - s_r[i]) ln(s_c[i] / s_r[i]), over eps proportions.
func psi(refCounts, curCounts []uint64) float64 {
	pr, pc, ok := proportions(refCounts, curCounts)
	if !ok {
		return math.NaN()
	}
	sr, sc := epsProportions(refCounts, pr), epsProportions(curCounts, pc)
	terms := make([]float64, len(sr))
	for i := range sr {
		terms[i] = (sc[i] - sr[i]) * math.Log(sc[i]/sr[i])
	}
	return pairwiseSum(terms)
}

// kl is KL(current || reference) in nats over eps proportions, as
// scipy.stats.entropy(s_c, s_r), which renormalises both to sum 1 first.
func kl(refCounts, curCounts []uint64) float64 {
	pr, pc, ok := proportions(refCounts, curCounts)
	if !ok {
		return math.NaN()
	}
	sr, sc := epsProportions(refCounts, pr), epsProportions(curCounts, pc)
	return relEntropy(normalise(sc), normalise(sr))
}

// jensenShannon is the Jensen-Shannon distance in base 2 (in [0, 1]) of the
// raw proportions, as scipy.spatial.distance.jensenshannon(p_r, p_c, 2).
func jensenShannon(refCounts, curCounts []uint64) float64 {
	pr, pc, ok := proportions(refCounts, curCounts)
	if !ok {
		return math.NaN()
	}
	p, q := normalise(pr), normalise(pc)
	m := make([]float64, len(p))
	for i := range p {
		m[i] = (p[i] + q[i]) / 2
	}
	js := relEntropy(p, m) + relEntropy(q, m)
	js /= math.Log(2)
	return math.Sqrt(js / 2)
}

// hellinger is sqrt(0.5 * sum_i (sqrt(p_r[i]) - sqrt(p_c[i]))^2) over raw
// proportions, in [0, 1].
func hellinger(refCounts, curCounts []uint64) float64 {
	pr, pc, ok := proportions(refCounts, curCounts)
	if !ok {
		return math.NaN()
	}
	terms := make([]float64, len(pr))
	for i := range pr {
		d := math.Sqrt(pr[i]) - math.Sqrt(pc[i])
		terms[i] = d * d
	}
	return math.Sqrt(0.5 * pairwiseSum(terms))
}

// chi2 is scipy.stats.chi2_contingency on the 2xK table (reference row,
// current row) without continuity correction: Pearson's statistic, its
// p-value on K-1 degrees of freedom, and K-1. Columns empty on both sides
// are dropped first (scipy refuses a zero expected count; such a category
// says nothing about either sample). With one column left the two rows are
// trivially proportional: statistic 0, p 1, dof 0.
func chi2(refCounts, curCounts []uint64) (stat, p float64, dof int) {
	if len(refCounts) != len(curCounts) {
		return math.NaN(), math.NaN(), 0
	}
	var rowR, rowC float64
	var cols [][2]float64
	for i := range refCounts {
		if refCounts[i] == 0 && curCounts[i] == 0 {
			continue
		}
		r, c := float64(refCounts[i]), float64(curCounts[i])
		cols = append(cols, [2]float64{r, c})
		rowR += r
		rowC += c
	}
	if rowR == 0 || rowC == 0 {
		return math.NaN(), math.NaN(), 0
	}
	dof = len(cols) - 1
	if dof == 0 {
		return 0, 1, 0
	}
	total := rowR + rowC
	// scipy sums the flattened table: the reference row, then the current.
	terms := make([]float64, 0, 2*len(cols))
	for row, rs := range [2]float64{rowR, rowC} {
		for _, col := range cols {
			e := rs * (col[0] + col[1]) / total
			d := col[row] - e
			terms = append(terms, d*d/e)
		}
	}
	stat = pairwiseSum(terms)
	p = distuv.ChiSquared{K: float64(dof)}.Survival(stat)
	return stat, p, dof
}

// normalise divides p by its sum, as scipy does before every entropy.
func normalise(p []float64) []float64 {
	s := pairwiseSum(p)
	out := make([]float64, len(p))
	for i := range p {
		out[i] = p[i] / s
	}
	return out
}

// relEntropy is sum_i rel_entr(p[i], q[i]) in nats, with rel_entr(x, y) =
// x ln(x/y), 0 for x = 0, +Inf for x > 0 = y (scipy.special.rel_entr).
func relEntropy(p, q []float64) float64 {
	terms := make([]float64, len(p))
	for i := range p {
		switch {
		case p[i] > 0 && q[i] > 0:
			terms[i] = p[i] * math.Log(p[i]/q[i])
		case p[i] == 0 && q[i] >= 0:
			terms[i] = 0
		default:
			terms[i] = math.Inf(1)
		}
	}
	return pairwiseSum(terms)
}

// pairwiseSum adds x as numpy's add.reduce does for a float64 array: in
// blocks of 8192 (numpy's buffer size) added one after another, each block
// summed pairwise (eight accumulators up to 128 values, halves above that).
// Following numpy's order keeps the last bits of sums over many bins or
// sample points equal to the oracle's, which a plain loop would not.
func pairwiseSum(x []float64) float64 {
	res := 0.0
	for i := 0; i < len(x); i += numpyBlock {
		res += pairwise(x[i:min(i+numpyBlock, len(x))])
	}
	return res
}

// numpyBlock is numpy's buffer size, the block length of its sums.
const numpyBlock = 8192

// numpySum adds terms one at a time in pairwiseSum's order, so a statistic
// over millions of terms matches numpy's sum of the same array without
// holding the array: up to one block is buffered, summed pairwise when
// full, and added to the running result.
type numpySum struct {
	res float64
	buf []float64
}

// newNumpySum returns an empty sum that expects about n terms (it buffers
// at most numpyBlock of them).
func newNumpySum(n int) *numpySum {
	return &numpySum{buf: make([]float64, 0, min(max(n, 1), numpyBlock))}
}

func (s *numpySum) add(x float64) {
	s.buf = append(s.buf, x)
	if len(s.buf) == numpyBlock {
		s.res += pairwise(s.buf)
		s.buf = s.buf[:0]
	}
}

// addZeros adds k terms equal to 0 (the tied values of a CDF distance).
func (s *numpySum) addZeros(k int) {
	for k > 0 {
		m := min(k, numpyBlock-len(s.buf))
		n0 := len(s.buf)
		s.buf = slices.Grow(s.buf, m)[:n0+m]
		clear(s.buf[n0:])
		k -= m
		if len(s.buf) == numpyBlock {
			s.res += pairwise(s.buf)
			s.buf = s.buf[:0]
		}
	}
}

func (s *numpySum) sum() float64 {
	if len(s.buf) == 0 {
		return s.res
	}
	return s.res + pairwise(s.buf)
}

func pairwise(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		res := 0.0
		for _, v := range a {
			res += v
		}
		return res
	case n <= 128:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := range r {
				r[j] += a[i+j]
			}
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += a[i]
		}
		return res
	}
	n2 := n / 2
	n2 -= n2 % 8
	return pairwise(a[:n2]) + pairwise(a[n2:])
}

package stats

import (
	"math"
	"math/big"
)

// cvmMaxExactN is scipy's limit for method='auto': the exact p-value while
// neither sample has more than 20 values, the limiting distribution beyond.
const cvmMaxExactN = 20

// cramerVonMises is scipy.stats.cramervonmises_2samp(ref, cur,
// method='auto') (scipy 1.10) on samples without ties: the two-sample
// Cramer-von Mises statistic T of Anderson (1962, eq. 9) and its p-value;
// exact says which p-value it is. The inputs are not modified.
//
// With ties it departs from scipy on purpose. scipy puts midranks into
// Anderson's rank formula (eq. 10), which holds only for distinct values:
// within a run of t tied values the midrank stays put while the sample's
// own rank climbs, adding about t^3/12 per run, so on a Poisson(3) column
// of 5,500 values T is about 118 where the samples' CDFs barely differ,
// and every healthy window's p-value is below 1e-7. T is defined by the
// empirical CDFs (Anderson's eq. 1: nx ny / N^2 times the sum over the
// pooled values of (F_x - F_y)^2), which needs no ranks and is what
// cvmECDF computes; it equals the rank formula when no value ties.
//
// The p-value is exact (Xiao, Gordon and Yakovlev's enumeration, see
// cvmExactSF) when max(n_ref, n_cur) <= 20. Beyond, it is 1 - the limiting
// distribution (cvmLimitCDF) at the standardised statistic of Anderson's
// eq. 15, and 1 directly below 0.003, as in scipy. Both are the
// distributions of continuous data: with ties the statistic falls between
// the lattice values and is counted at the next one below (scipy floors
// the lattice index). Conover (Practical Nonparametric Statistics, section
// 6.2, which scipy cites) expects the p-value to be conservative on
// discrete data; on Poisson(3) columns (check's TestPoissonWindows, 800
// healthy windows of 500 against references of 5,000) it flags 5.6% at
// 0.05, about the nominal rate, where scipy's flags all. Samples with
// few distinct values (fewDistinct) take T from the CDFs; the others keep
// scipy's formula, ties and all, and so scipy's values.
//
// Fewer than two values on either side (where scipy raises) or a NaN gives
// NaN, NaN.
func cramerVonMises(ref, cur []float64) (stat, p float64, exact bool) {
	if len(ref) < 2 || len(cur) < 2 || hasNaN(ref) || hasNaN(cur) {
		return math.NaN(), math.NaN(), false
	}
	return cramerVonMisesSorted(sortedCopy(ref), sortedCopy(cur), nil, PValueAuto)
}

// cramerVonMisesSorted is cramerVonMises of two sorted samples of at least
// two values each, without NaN, in O(n), its p-value chosen by rule.
// distinct, when not nil, holds distinctValues(x, y), or 0 for this call
// to count them (in the rank formula's walk) and store the count.
func cramerVonMisesSorted(x, y []float64, distinct *int, rule PValueRule) (stat, p float64, exact bool) {
	nx, ny := len(x), len(y)
	if nx < 2 || ny < 2 {
		return math.NaN(), math.NaN(), false
	}
	k, N := int64(nx)*int64(ny), int64(nx+ny)
	if distinct == nil {
		distinct = new(int)
	}
	var u, t float64
	if *distinct <= 0 {
		u, *distinct = cvmRankU(x, y)
	} else if !fewDistinct(*distinct, nx+ny) {
		u, _ = cvmRankU(x, y)
	}
	if fewDistinct(*distinct, nx+ny) {
		u, t = cvmECDF(x, y)
	} else {
		// scipy's t = u/(k*N) - (4k-1)/(6N): Python integers, so k*N is
		// rounded to a float once and (4k-1)/(6N) is the correctly
		// rounded quotient.
		t = u/exactFloat(big.NewInt(k), big.NewInt(N)) - ratio(big.NewInt(4*k-1), big.NewInt(6*N))
	}
	if max(nx, ny) <= cvmMaxExactN && !rule.asymptotic(nx, ny, CvMAsymptoticFrom) {
		return t, cvmExactSF(u, nx, ny), true
	}
	// Mean and variance of T (Anderson eqs. 11 and 14), and the
	// standardised statistic of eq. 15, compared with the limiting
	// distribution of the one-sample statistic.
	fN := float64(N)
	et := (1 + 1/fN) / 6
	bN, bk := big.NewInt(N), big.NewInt(k)
	sq := new(big.Int).Add(new(big.Int).Mul(big.NewInt(int64(nx)), big.NewInt(int64(nx))),
		new(big.Int).Mul(big.NewInt(int64(ny)), big.NewInt(int64(ny))))
	vtNum := new(big.Int).Mul(big.NewInt(4), bk)
	vtNum.Mul(vtNum, bN)
	vtNum.Sub(vtNum, new(big.Int).Mul(big.NewInt(3), sq))
	vtNum.Sub(vtNum, new(big.Int).Mul(big.NewInt(2), bk))
	vtNum.Mul(vtNum, big.NewInt(N+1))
	vtDen := new(big.Int).Mul(big.NewInt(45*4), new(big.Int).Mul(bN, bN))
	vtDen.Mul(vtDen, bk)
	vt := ratio(vtNum, vtDen)
	tn := 1.0/6 + (t-et)/math.Sqrt(45*vt)
	if tn < 0.003 {
		return t, 1, false
	}
	return t, max(0, 1-cvmLimitCDF(tn)), false
}

// cvmRankU is scipy's U = nx sum_i (r_i - i)^2 + ny sum_j (s_j - j)^2
// (Anderson eq. 10), with r and s the (mid)ranks of the sorted x and y in
// the pooled sample, summed in numpy's order, and the count of distinct
// values it walked.
func cvmRankU(x, y []float64) (u float64, distinct int) {
	sx, sy := newNumpySum(len(x)), newNumpySum(len(y))
	w := tieWalk{a: x, b: y}
	for {
		i0, j0 := w.i, w.j
		_, cx, cy, ok := w.next()
		if !ok {
			break
		}
		distinct++
		// A run at pooled positions lo+1..hi has midrank (lo + 1 + hi)/2:
		// the rank itself when the run is one value.
		lo := i0 + j0
		rank := 0.5 * float64(lo+cx+cy+lo+1)
		for i := i0; i < i0+cx; i++ {
			d := rank - float64(i+1)
			sx.add(d * d)
		}
		for j := j0; j < j0+cy; j++ {
			d := rank - float64(j+1)
			sy.add(d * d)
		}
	}
	u = float64(float64(len(x)) * sx.sum())
	return u + float64(float64(len(y))*sy.sum()), distinct
}

// cvmECDF is the statistic defined by the empirical CDFs,
// T = nx ny / N^2 sum over the N pooled values z of (F_x(z) - F_y(z))^2,
// and the U that gives it through T = U/(nx ny N) - (4 nx ny - 1)/(6N),
// for the p-value code both definitions share. With D = nx ny (F_x - F_y)
// = i ny - j nx, an integer at each distinct value (i and j the counts at
// or below it), U = sum over distinct values of (their count) D^2 / N +
// nx ny (4 nx ny - 1)/6. While nx ny <= 2^16 (the exact p-value's sizes
// and more) the sum is formed in integers and U correctly rounded, so that
// a U on a lattice value of the exact distribution is not nudged below
// it; beyond, in floating point.
func cvmECDF(x, y []float64) (u, t float64) {
	nx, ny := len(x), len(y)
	k, N := int64(nx)*int64(ny), int64(nx+ny)
	small := k <= 1<<16
	var exact int64
	var sum, comp float64 // Neumaier: the terms grow and shrink along the walk
	w := tieWalk{a: x, b: y}
	for {
		_, cx, cy, ok := w.next()
		if !ok {
			break
		}
		d := int64(w.i)*int64(ny) - int64(w.j)*int64(nx)
		if small {
			exact += int64(cx+cy) * d * d
		}
		term := float64(cx+cy) * float64(d) * float64(d)
		s := sum + term
		if math.Abs(sum) >= math.Abs(term) {
			comp += (sum - s) + term
		} else {
			comp += (term - s) + sum
		}
		sum = s
	}
	sum += comp
	t = sum / (float64(k) * float64(N) * float64(N))
	if small {
		num := new(big.Int).Mul(big.NewInt(6), big.NewInt(exact))
		num.Add(num, new(big.Int).Mul(big.NewInt(N*k), big.NewInt(4*k-1)))
		return ratio(num, big.NewInt(6*N)), t
	}
	fk := float64(k)
	return sum/float64(N) + fk*(4*fk-1)/6, t
}

// fewDistinct says whether n values holding distinct different ones are
// discrete data rather than continuous data with the odd repeat (rounded
// measurements): at most one distinct value per two values. On such data
// the tests built for continuous data say so in their Note, and
// cramer_von_mises takes its statistic from the empirical CDFs
// (cvmECDF). Below it, cramer_von_mises stays scipy's: the rank formula's
// error grows with the runs of ties (about t^3/12 per run of t), which
// rounding keeps short.
func fewDistinct(distinct, n int) bool { return 2*distinct <= n }

// distinctValues counts the distinct values of two sorted samples
// together.
func distinctValues(x, y []float64) int {
	n := 0
	w := tieWalk{a: x, b: y}
	for {
		if _, _, _, ok := w.next(); !ok {
			return n
		}
		n++
	}
}

// exactFloat is the product of the factors, formed exactly and rounded to
// the nearest float64, as Python rounds an integer product.
func exactFloat(factors ...*big.Int) float64 {
	p := big.NewInt(1)
	for _, f := range factors {
		p.Mul(p, f)
	}
	f, _ := new(big.Float).SetInt(p).Float64()
	return f
}

// ratio is num/den correctly rounded, as Python's int / int.
func ratio(num, den *big.Int) float64 {
	f, _ := new(big.Rat).SetFrac(num, den).Float64()
	return f
}

// cvmExactSF is scipy's _pval_cvm_2samp_exact(s, m, n): P(U >= s) for the
// U of samples of m and n values under the null, by the recursion of Xiao,
// Gordon and Yakovlev, "A C++ Program for the Cramer-Von Mises Two-Sample
// Test", J. Stat. Softw. 17(8), 2006 (their Algorithm 1). With
// L = lcm(m, n), a = L/m and b = L/n, U is an affine function of
// zeta = sum over the steps of a lattice path from (0, 0) to (n, m) of
// (a v - b u)^2, so each lattice point (u, v) holds the frequency table of
// the partial sums over the paths reaching it: the union of its two
// predecessors' tables, shifted by the point's own term. The threshold on
// zeta is scipy's floor division of floats, so a statistic between lattice
// values (from ties) is rounded as scipy rounds it.
//
// The tables are sorted (value, count) lists merged in O(size); 20 by 19
// values, the costliest case, takes well under a second.
func cvmExactSF(s float64, m, n int) float64 {
	L := int64(m / gcd(m, n) * n)
	a, b := L/int64(m), L/int64(n)
	mn := int64(m) * int64(n)
	zeta := numpyFloorDivide(float64(L*L*int64(m+n))*(6*s-float64(mn*(4*mn-1))), float64(6*mn*mn))

	// row[v] is the table of point (u, v) for the current u.
	row := make([]cvmTable, m+1)
	row[0] = cvmTable{vals: []int64{0}, counts: []uint64{1}}
	for u := 0; u <= n; u++ {
		var left cvmTable // (u, v-1), already shifted
		for v := 0; v <= m; v++ {
			d := a*int64(v) - b*int64(u)
			left = mergeTables(left, row[v], d*d)
			row[v] = left
		}
	}
	var hits uint64
	final := row[m]
	for i, v := range final.vals {
		if float64(v) >= zeta {
			hits += final.counts[i]
		}
	}
	return float64(hits) / float64(binomial(m+n, m))
}

// cvmTable is a frequency table of path sums, sorted by value.
type cvmTable struct {
	vals   []int64
	counts []uint64
}

// mergeTables is the union of x and y (counts of equal values added) with
// shift added to every value.
func mergeTables(x, y cvmTable, shift int64) cvmTable {
	out := cvmTable{
		vals:   make([]int64, 0, len(x.vals)+len(y.vals)),
		counts: make([]uint64, 0, len(x.vals)+len(y.vals)),
	}
	i, j := 0, 0
	for i < len(x.vals) || j < len(y.vals) {
		switch {
		case j == len(y.vals) || i < len(x.vals) && x.vals[i] < y.vals[j]:
			out.vals = append(out.vals, x.vals[i]+shift)
			out.counts = append(out.counts, x.counts[i])
			i++
		case i == len(x.vals) || y.vals[j] < x.vals[i]:
			out.vals = append(out.vals, y.vals[j]+shift)
			out.counts = append(out.counts, y.counts[j])
			j++
		default:
			out.vals = append(out.vals, x.vals[i]+shift)
			out.counts = append(out.counts, x.counts[i]+y.counts[j])
			i++
			j++
		}
	}
	return out
}

// binomial is C(n, k), exact for the sizes cvmExactSF meets (C(40, 20) is
// 1.4e11).
func binomial(n, k int) uint64 {
	c := uint64(1)
	for i := 0; i < k; i++ {
		c = c * uint64(n-i) / uint64(i+1)
	}
	return c
}

// numpyFloorDivide is numpy's a // b for floats (npy_divmod): the quotient
// from fmod, corrected toward -inf and snapped to the nearest integer.
func numpyFloorDivide(a, b float64) float64 {
	if b == 0 {
		return a / b
	}
	mod := math.Mod(a, b)
	div := (a - mod) / b
	if mod != 0 && (b < 0) != (mod < 0) {
		div--
	}
	if div == 0 {
		return math.Copysign(0, a/b)
	}
	fl := math.Floor(div)
	if div-fl > 0.5 {
		fl++
	}
	return fl
}

// cvmLimitCDF is scipy's _cdf_cvm_inf(x): the limiting distribution of the
// Cramer-von Mises statistic (Anderson and Darling, "Asymptotic theory of
// certain goodness of fit criteria", Ann. Math. Statist. 23(2), 1952; the
// series in the form of Csorgo and Faraway 1996, eq. 1.2),
//
//	sum_k Gamma(k+1/2) / (Gamma(1/2) k!) sqrt(4k+1) / (pi sqrt(x))
//	      exp(-q_k) K_{1/4}(q_k),  q_k = (4k+1)^2 / (16 x),
//
// summed term by term until a term falls below 1e-7, the term included, as
// scipy stops (so the p-value carries scipy's truncation, about 1e-7, too:
// below that 1 - cdf says only "tiny"). x must be positive; scipy calls it
// only for x >= 0.003.
func cvmLimitCDF(x float64) float64 {
	const pi15 = 5.568327996831708 // math.pi**1.5 in Python, correctly rounded
	tot := 0.0
	for k := 0; ; k++ {
		lg1, _ := math.Lgamma(float64(k) + 0.5)
		lg2, _ := math.Lgamma(float64(k) + 1)
		u := math.Exp(lg1-lg2) / (pi15 * math.Sqrt(x))
		y := float64(4*k + 1)
		q := y * y / (16 * x)
		z := u * math.Sqrt(y) * math.Exp(-q) * besselK(0.25, q)
		tot += z
		if !(math.Abs(z) >= 1e-7) {
			return tot
		}
	}
}

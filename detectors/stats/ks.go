package stats

import (
	"math"
	"slices"
)

// ksMaxExactN is scipy's MAX_AUTO_N: with method='auto', ks_2samp counts
// lattice paths exactly while neither sample is larger than this, and uses
// the Kolmogorov distribution beyond.
const ksMaxExactN = 10000

// ks is scipy.stats.ks_2samp(ref, cur) with alternative='two-sided' and
// method='auto' (scipy 1.10): the largest distance between the two
// empirical CDFs and its p-value. The inputs need not be sorted and are not
// modified. Either sample empty, or holding a NaN, gives NaN, NaN.
//
// The p-value is exact when max(n1, n2) <= 10000; past that, or if the
// exact computation fails numerically (as scipy, which then warns), it is
// the two-sided one-sample Kolmogorov distribution's survival function at
// n = round(n1*n2/(n1+n2)).
//
// Cost: sorting, plus for the exact p-value O(n) steps when n1 == n2 and
// about 2*D*n1*n2 steps otherwise (each a dependent division: 0.48 s for
// 10000 against 9999 values at D = 0.3, the same as scipy). The asymptotic
// p-value takes milliseconds.
func ks(ref, cur []float64) (stat, p float64) {
	n1, n2 := len(ref), len(cur)
	if n1 == 0 || n2 == 0 || hasNaN(ref) || hasNaN(cur) {
		return math.NaN(), math.NaN()
	}
	stat, p, _ = ksSorted(sortedCopy(ref), sortedCopy(cur), PValueAuto)
	return stat, p
}

// ksSorted is ks of two sorted, non-empty samples without NaN, its
// p-value chosen by rule; exact says which p-value it is.
func ksSorted(a, b []float64, rule PValueRule) (stat, p float64, exact bool) {
	return ksPValue(len(a), len(b), ksStatistic(a, b), rule)
}

// ksPValue is ks_2samp's two-sided p-value for a statistic d of samples of
// n1 and n2 values, chosen by rule, and the statistic it speaks for (d
// rounded to the lattice when the exact computation ran or failed, as
// scipy rounds it; as it is with method='asymp'); exact says which
// p-value it is.
func ksPValue(n1, n2 int, d float64, rule PValueRule) (stat, p float64, exact bool) {
	if max(n1, n2) <= ksMaxExactN && !rule.asymptotic(n1, n2, KSAsymptoticFrom) {
		var ok bool
		// On failure scipy keeps the statistic rounded to the lattice.
		if d, p, ok = ksExact(n1, n2, d); ok {
			return d, p, true
		}
	}
	return d, ksAsymptotic(n1, n2, d), false
}

// sortedCopy returns x sorted ascending, leaving x alone. x must hold no
// NaN.
func sortedCopy(x []float64) []float64 {
	s := slices.Clone(x)
	SortFloats(s)
	return s
}

func hasNaN(x []float64) bool {
	return slices.ContainsFunc(x, math.IsNaN)
}

// ksStatistic is max |F1(x) - F2(x)| over the pooled values of two sorted
// samples. The CDFs are formed as scipy forms them (count/n, then a
// difference), so the result is bit-for-bit scipy's.
//
// It visits only the distinct values of the smaller sample, b, and finds
// the larger one's counts by galloping search: O(nb log(na/nb)), which
// for a window against a big prepared reference does not grow with the
// reference beyond a search. Between two distinct values of b, F_b is
// constant and F_a rises, so over the pooled values there (b's value
// itself, then a's values up to the next one of b) the difference
// count_a/na - count_b/nb takes its least value at the first and its
// greatest at the last: both float operations are monotone in count_a,
// so no value in between has a larger |difference|. Those two ends are
// pooled values of the merge, so the maximum is the merge's, to the bit
// (|x - y| and |y - x| are equal in floating point, so which sample is
// larger does not matter).
func ksStatistic(a, b []float64) float64 {
	if len(b) > len(a) {
		a, b = b, a
	}
	na, nb := float64(len(a)), float64(len(b))
	// Before b's first value: a's values alone, F_b = 0.
	i := countBelow(a, 0, b[0])
	d := float64(i) / na
	for j := 0; j < len(b); {
		u := b[j]
		for j < len(b) && b[j] <= u {
			j++
		}
		i = countAtOrBelow(a, i, u)
		d = max(d, math.Abs(float64(i)/na-float64(j)/nb))
		if j < len(b) {
			i = countBelow(a, i, b[j])
		} else {
			i = len(a)
		}
		d = max(d, math.Abs(float64(i)/na-float64(j)/nb))
	}
	return d
}

// gallopSteps is how many values countAtOrBelow and countBelow step over
// one by one before they gallop: windows often interleave closely with
// the reference, and a short scan beats a search there.
const gallopSteps = 8

// countAtOrBelow is the number of values of the sorted a at or below v,
// given that it is at least from: a short scan, then exponential steps
// and a binary search (galloping, as in Timsort's merge). It and
// countBelow differ only in the comparison, written out in each: a
// predicate passed in would cost a call per value looked at.
func countAtOrBelow(a []float64, from int, v float64) int {
	lo := from
	for range gallopSteps {
		if lo == len(a) || a[lo] > v {
			return lo
		}
		lo++
	}
	hi, step := lo, gallopSteps
	for hi < len(a) && a[hi] <= v {
		lo = hi + 1
		hi += step
		step *= 2
	}
	hi = min(hi, len(a))
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if a[m] <= v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// countBelow is the number of values of the sorted a below v, given that
// it is at least from (see countAtOrBelow).
func countBelow(a []float64, from int, v float64) int {
	lo := from
	for range gallopSteps {
		if lo == len(a) || a[lo] >= v {
			return lo
		}
		lo++
	}
	hi, step := lo, gallopSteps
	for hi < len(a) && a[hi] < v {
		lo = hi + 1
		hi += step
		step *= 2
	}
	hi = min(hi, len(a))
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if a[m] < v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// ksAsymptotic is scipy's 'asymp' two-sided p-value: the exact one-sample
// Kolmogorov distribution (scipy.stats.kstwo) at the effective sample size.
func ksAsymptotic(n1, n2 int, d float64) float64 {
	m, n := float64(max(n1, n2)), float64(min(n1, n2))
	en := m * n / (m + n)
	return clip01(kolmogorovSF(int(math.RoundToEven(en)), d))
}

// ksExact returns the exact two-sided p-value P(D >= d) for samples of n1
// and n2 values, with d first rounded to the lattice of attainable values
// h/lcm(n1, n2) as scipy rounds it. ok is false, as in scipy, when the
// computation leaves [0, 1]; the caller then uses ksAsymptotic with the
// returned (rounded) statistic.
func ksExact(n1, n2 int, d float64) (stat, p float64, ok bool) {
	g := gcd(n1, n2)
	lcm := (n1 / g) * n2
	h := int(math.RoundToEven(d * float64(lcm)))
	stat = float64(h) / float64(lcm)
	if h == 0 {
		return stat, 1, true
	}
	if n1 == n2 {
		p = ksProbOutsideSquare(n1, h)
	} else {
		p, ok = ksProbOutsideBand(n1, n2, g, h)
		if !ok {
			return stat, math.NaN(), false
		}
	}
	if !(p >= 0 && p <= 1) {
		return stat, p, false
	}
	return stat, p, true
}

// ksProbOutsideSquare is P(D_{n,n} >= h/n) for two samples of equal size n:
// the share of the binom(2n, n) lattice paths from (0,0) to (n,n) that touch
// one of the lines x - y = +-h. By reflection (Gnedenko and Korolyuk 1951)
// it is 2 * sum_{k>=1} (-1)^(k-1) binom(2n, n-kh) / binom(2n, n). The
// alternating sum cancels badly, so each ratio of binomials is built as a
// product of h factors and the series is nested Horner-style,
// P = 2 A1 (1 - A2 (1 - A3 (...))), evaluated from the innermost term out;
// this is the order scipy uses, so the rounding matches too.
func ksProbOutsideSquare(n, h int) float64 {
	P := 0.0
	for k := n / h; k >= 0; k-- {
		p1 := 1.0
		for j := 0; j < h; j++ {
			p1 = float64(n-k*h-j) * p1 / float64(n+k*h+j+1)
		}
		P = p1 * (1.0 - P)
	}
	return 2 * P
}

// ksProbOutsideBand is P(D_{m,n} >= h/lcm(m,n)) for unequal sizes: one minus
// the share of monotone lattice paths from (0,0) to (m,n) that stay strictly
// inside the band |x/m - y/n| < h/lcm(m,n), counted column by column (the
// "inside method" of Hodges 1958, after Drion, Gnedenko and Korolyuk).
// Counting paths overflows, and dividing by binom(m+n, n) at the end loses
// everything, so each cell holds instead the probability that a random path
// to it has left the band; Viehmann (2021, arXiv:2102.08037) gives the
// recursion
//
//	A(x, y) = (x A(x-1, y) + y A(x, y-1)) / (x + y),
//
// with A = 1 outside the band. Only the band's window of each column is
// kept. ok is false if the window arithmetic ever points outside the buffer
// (it cannot for valid m, n, h; the check keeps a bug from panicking).
func ksProbOutsideBand(m, n, g, h int) (p float64, ok bool) {
	if m < n {
		m, n = n, m // the probability is symmetric; the window needs m >= n
	}
	mg, ng := m/g, n/g
	minj, maxj := 0, min(ceilDiv(h, mg), n+1)
	curlen := maxj - minj
	lenA := min(2*maxj+2, n+1)
	A := make([]float64, lenA)
	for i := range A {
		A[i] = 1
	}
	for i := minj; i < maxj; i++ {
		A[i] = 0
	}
	for i := 1; i <= m; i++ {
		lastminj, lastlen := minj, curlen
		minj = min(max(floorDiv(ng*i-h, mg)+1, 0), n)
		maxj = min(ceilDiv(ng*i+h, mg), n+1)
		if maxj <= minj {
			return 1, true
		}
		val := 1.0
		if minj == 0 {
			val = 0
		}
		fi := float64(i)
		for jj := 0; jj < maxj-minj; jj++ {
			j := jj + minj
			src := jj + minj - lastminj
			if src < 0 || src >= lenA || jj >= lenA {
				return math.NaN(), false
			}
			// Explicit rounding of each product keeps the compiler from
			// fusing them into an FMA, which would round differently from
			// scipy.
			val = (float64(A[src]*fi) + float64(val*float64(j))) / float64(i+j)
			A[jj] = val
		}
		curlen = maxj - minj
		if lastlen > curlen {
			// Cells the band has just left are outside it: probability 1.
			for k := maxj - minj; k < min(maxj-minj+lastlen-curlen, lenA); k++ {
				A[k] = 1
			}
		}
	}
	if maxj-minj-1 < 0 || maxj-minj-1 >= lenA {
		return math.NaN(), false
	}
	return A[maxj-minj-1], true
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// floorDiv and ceilDiv round the integer quotient toward -inf and +inf (Go's
// / truncates toward zero). b must be positive.
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func ceilDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a > 0 {
		q++
	}
	return q
}

func clip01(p float64) float64 {
	switch {
	case p < 0:
		return 0
	case p > 1:
		return 1
	}
	return p
}

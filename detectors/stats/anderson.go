package stats

import (
	"math"
	"math/big"

	"gonum.org/v1/gonum/mat"
)

// The k-sample Anderson-Darling test of Scholz and Stephens, "K-Sample
// Anderson-Darling Tests", JASA 82(399), 1987, for k = 2 samples, as
// scipy.stats.anderson_ksamp(samples, midrank=True) computes it (scipy
// 1.10): the midrank statistic A2akN of their eq. 7, which allows ties,
// standardised by its exact mean k-1 and variance under the null (their
// eq. 4 with the finite-sample terms), and a significance level read off
// their Table 2 by scipy's interpolation.

// ADMaxLevel and ADMinLevel are the ends of Scholz and Stephens' Table 2,
// to which scipy clips the Anderson-Darling significance level: a level
// threshold above ADMaxLevel calls every capped level drifted, one at or
// below ADMinLevel none.
const (
	ADMaxLevel = 0.25
	ADMinLevel = 0.001
)

// Significance levels of Scholz and Stephens' Table 2, and the table's
// critical values for k-1 = 1 (scipy's b0 + b1/sqrt(m) + b2/m at m = 1,
// evaluated in the same order).
var (
	adSigLevels = [7]float64{ADMaxLevel, 0.1, 0.05, 0.025, 0.01, 0.005, ADMinLevel}
	adCritical  = func() (c [7]float64) {
		b0 := [7]float64{0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085}
		b1 := [7]float64{-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615}
		b2 := [7]float64{-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154}
		for i := range c {
			c[i] = (b0[i] + b1[i]) + b2[i]
		}
		return c
	}()
	// adFit is scipy's quadratic through (critical value, log level):
	// np.polyfit(critical, log(sig), 2), highest power first.
	adFit = logLevelFit()
)

// Where the significance level was clipped to the table's range.
const (
	adInterpolated = 0  // read off the table's interpolation
	adCapped       = 1  // statistic below every critical value: level 0.25, the true one larger
	adFloored      = -1 // statistic above every critical value: level 0.001, the true one smaller
)

// andersonDarling is scipy.stats.anderson_ksamp([ref, cur], midrank=True)
// (scipy 1.10): the standardised two-sample Anderson-Darling statistic,
// scipy's significance level (its interpolation of Table 2, clipped to
// [0.001, 0.25]), and clip: adInterpolated, or adCapped / adFloored where
// scipy warns "p-value capped" / "floored". The inputs are not modified.
//
// Where scipy raises (every value the same, a sample empty) and where its
// result is NaN (fewer than four values in all, where the variance has no
// value) it gives NaN, NaN, 0; also for a NaN in either sample.
func andersonDarling(ref, cur []float64) (stat, sig float64, clip int) {
	if len(ref) == 0 || len(cur) == 0 || hasNaN(ref) || hasNaN(cur) {
		return math.NaN(), math.NaN(), 0
	}
	return andersonDarlingSorted(sortedCopy(ref), sortedCopy(cur))
}

// andersonDarlingSorted is andersonDarling of two sorted, non-empty samples
// without NaN, in O(n).
func andersonDarlingSorted(a, b []float64) (stat, sig float64, clip int) {
	n := len(a) + len(b)
	if n < 4 || a[0] == a[len(a)-1] && b[0] == b[len(b)-1] && a[0] == b[0] {
		return math.NaN(), math.NaN(), 0
	}
	stat = adStandardize(adMidrank(a, b), len(a), len(b))
	sig, clip = adSignificance(stat)
	return stat, sig, clip
}

// adMidrank is A2akN (Scholz and Stephens eq. 7), term for term as scipy's
// _anderson_ksamp_midrank forms it: for each distinct pooled value z_j with
// l_j ties, B_j = (values below z_j) + l_j/2 and, per sample i of size n_i,
// M_ij = (values of i at or below z_j) - (values of i equal to z_j)/2,
//
//	A2akN = (N-1)/N sum_i 1/n_i sum_j (l_j/N) (N M_ij - B_j n_i)^2 / (B_j (N - B_j) - N l_j/4).
//
// Each sample's sum is summed in numpy's order.
func adMidrank(a, b []float64) float64 {
	N := float64(len(a) + len(b))
	na, nb := float64(len(a)), float64(len(b))
	sa, sb := newNumpySum(len(a)+len(b)), newNumpySum(len(a)+len(b))
	w := tieWalk{a: a, b: b}
	for {
		ia, jb := w.i, w.j
		_, ca, cb, ok := w.next()
		if !ok {
			break
		}
		lj := float64(ca + cb)
		bj := float64(ia+jb) + lj/2
		// The explicit float64 conversions round each product, so the
		// compiler cannot fuse them into FMAs that numpy does not use.
		den := float64(bj*(N-bj)) - float64(N*lj)/4
		scale := lj / N
		ma := float64(w.i) - float64(ca)/2
		da := float64(N*ma) - float64(bj*na)
		sa.add(float64(scale*float64(da*da)) / den)
		mb := float64(w.j) - float64(cb)/2
		db := float64(N*mb) - float64(bj*nb)
		sb.add(float64(scale*float64(db*db)) / den)
	}
	a2 := 0 + sa.sum()/na + sb.sum()/nb
	return a2 * ((N - 1) / N)
}

// adStandardize is scipy's (A2akN - (k-1)) / sigma_N for k = 2 samples of
// sizes n1 and n2, with sigma_N^2 the exact null variance of Scholz and
// Stephens (their eq. 4: (a N^3 + b N^2 + c N + d) / ((N-1)(N-2)(N-3)),
// a..d from the harmonic sums h and g). Every sum and product follows
// scipy's order; N^3 is formed exactly, as Python's integers do, before it
// is rounded to a float. It costs O(N), for g.
func adStandardize(a2kn float64, n1, n2 int) float64 {
	N := n1 + n2
	if N < 4 {
		return math.NaN()
	}
	fN := float64(N)
	H := 0 + 1/float64(n1) + 1/float64(n2)
	// hs[i] = sum_{t=0..i} 1/(N-1-t) for i = 0..N-3 (a cumulative sum,
	// left to right); h = hs[N-3] + 1; g = sum_i hs[i] / (i+2), summed in
	// numpy's order.
	gs := newNumpySum(N - 2)
	hs := 0.0
	for i := 0; i < N-2; i++ {
		hs += 1 / float64(N-1-i)
		gs.add(hs / float64(i+2))
	}
	h := hs + 1
	g := gs.sum()
	const k = 2
	A := (4*g-6)*(k-1) + (10-6*g)*H
	B := (2*g-4)*(k*k) + 8*h*k + (2*g-14*h-4)*H - 8*h + 4*g - 6
	C := (6*h+2*g-2)*(k*k) + (4*h-4*g+6)*k + (2*h-6)*H + 4*h
	D := (2*h+6)*(k*k) - 4*h*k
	n3, _ := new(big.Float).SetInt(new(big.Int).Exp(big.NewInt(int64(N)), big.NewInt(3), nil)).Float64()
	n2f := float64(int64(N) * int64(N)) // exact below 9e7 values
	sigmasq := (A*n3 + B*n2f + C*fN + D) / ((fN - 1) * (fN - 2) * (fN - 3))
	return (a2kn - (k - 1)) / math.Sqrt(sigmasq)
}

// adSignificance is scipy's significance level for a standardised
// statistic: 0.25 (capped) below the smallest critical value, 0.001
// (floored) above the largest, else exp of the quadratic fitted to
// (critical value, log level), evaluated by Horner as np.polyval does.
func adSignificance(stat float64) (sig float64, clip int) {
	switch {
	case math.IsNaN(stat):
		return math.NaN(), 0
	case stat < adCritical[0]:
		return adSigLevels[0], adCapped
	case stat > adCritical[len(adCritical)-1]:
		return adSigLevels[len(adSigLevels)-1], adFloored
	}
	y := float64(adFit[0]*stat) + adFit[1]
	y = float64(y*stat) + adFit[2]
	return math.Exp(y), adInterpolated
}

// logLevelFit solves np.polyfit's least-squares problem: the Vandermonde
// columns (x^2, x, 1) scaled to unit norm, solved by QR (numpy uses an SVD;
// both are backward stable and agree far below the tolerance of a
// significance level), and the scale divided out again.
func logLevelFit() [3]float64 {
	const rows = len(adCritical)
	v := mat.NewDense(rows, 3, nil)
	y := mat.NewVecDense(rows, nil)
	for i, x := range adCritical {
		v.Set(i, 0, x*x)
		v.Set(i, 1, x)
		v.Set(i, 2, 1)
		y.SetVec(i, math.Log(adSigLevels[i]))
	}
	var scale [3]float64
	for j := range scale {
		scale[j] = mat.Norm(v.ColView(j), 2)
		for i := range rows {
			v.Set(i, j, v.At(i, j)/scale[j])
		}
	}
	var c mat.VecDense
	if err := c.SolveVec(v, y); err != nil {
		panic("stats: Anderson-Darling table fit: " + err.Error()) // a fixed, full-rank table
	}
	var fit [3]float64
	for j := range fit {
		fit[j] = c.AtVec(j) / scale[j]
	}
	return fit
}

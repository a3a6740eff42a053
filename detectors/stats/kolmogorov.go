package stats

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// This file computes the two-sided one-sample Kolmogorov distribution,
// P(D_n >= x) with D_n = sup |F_n - F|, as scipy.stats.kstwo.sf does
// (scipy 1.10). KS needs it for its asymptotic two-sample p-value. The
// choice of algorithm by (n, x) follows Simard and L'Ecuyer, "Computing the
// Two-Sided Kolmogorov-Smirnov Distribution", J. Stat. Softw. 39(11), 2011,
// with scipy's cut-offs, so the value agrees with scipy's to the precision
// each method has:
//
//   - Ruben and Gambino (1982) closed forms near the ends of the support;
//   - the Durbin (1968) matrix, computed as Marsaglia, Tsang and Wang
//     (J. Stat. Softw. 8(18), 2003) do, for small n*x^2;
//   - the Pomeranz (1974) recursion for moderate n*x^2 and n <= 140;
//   - the Pelz and Good (1976) expansion for large n;
//   - twice the one-sided Smirnov tail (Birnbaum and Tingey 1951) where the
//     two one-sided events cannot both happen (x >= 0.5) or where their
//     intersection is negligible (large n*x^2).

// kolmogorovSF is scipy.stats.kstwo.sf(x, n): P(D_n >= x).
func kolmogorovSF(n int, x float64) float64 {
	if n <= 0 || math.IsNaN(x) {
		return math.NaN()
	}
	// kstwo's support is [0.5/n, 1].
	if x <= 0.5/float64(n) {
		return 1
	}
	if x >= 1 {
		return 0
	}
	nf := float64(n)
	t := nf * x
	if t <= 1 {
		// Ruben and Gambino: for 1/(2n) <= x <= 1/n,
		// P(D_n <= x) = n!/n^n (2nx - 1)^n.
		var cdf float64
		if n <= 140 {
			cdf = 1
			for i := 1; i <= n; i++ {
				cdf *= float64(i) * (1.0 / nf) * (2*t - 1)
			}
		} else {
			cdf = math.Exp(logFactorialOverPower(n) + nf*math.Log(2*t-1))
		}
		return clip01(1 - cdf)
	}
	if t >= nf-1 {
		// Ruben and Gambino: for x >= 1 - 1/n, P(D_n >= x) = 2 (1-x)^n.
		return clip01(2 * math.Pow(1-x, nf))
	}
	if x >= 0.5 {
		// D_n^+ >= x and D_n^- >= x exclude each other.
		return clip01(2 * smirnovSF(n, x))
	}
	nxx := t * x
	if n <= 140 {
		switch {
		case nxx <= 0.754693:
			return clip01(1 - durbinCDF(n, x))
		case nxx <= 4:
			return clip01(1 - pomeranzCDF(n, x))
		}
		return clip01(2 * smirnovSF(n, x))
	}
	switch {
	case nxx >= 370:
		return 0
	case nxx >= 2.2:
		return clip01(2 * smirnovSF(n, x))
	case n <= 100000 && nf*math.Pow(x, 1.5) <= 1.4:
		return clip01(1 - durbinCDF(n, x))
	}
	return clip01(1 - pelzGoodCDF(n, x))
}

// logFactorialOverPower is log(n!/n^n) by Stirling's series, with n log n
// removed analytically so nothing cancels.
func logFactorialOverPower(n int) float64 {
	// B_2j / (2j (2j-1)) for j = 8 down to 1.
	coeffs := [...]float64{
		-2.955065359477124183e-2, 6.4102564102564102564e-3,
		-1.9175269175269175269e-3, 8.4175084175084175084e-4,
		-5.952380952380952381e-4, 7.9365079365079365079e-4,
		-2.7777777777777777778e-3, 8.3333333333333333333e-2,
	}
	nf := float64(n)
	rn := 1 / nf
	y := rn / nf
	s := 0.0
	for _, c := range coeffs {
		s = s*y + c
	}
	return math.Log(nf)/2 - nf + math.Log(2*math.Pi)/2 + rn*s
}

// Scaling constants of the Durbin and Pomeranz computations: intermediate
// values are kept within 2^+-128 and the exponent tracked separately.
const scaleExp = 128

var (
	scaleUp   = math.Ldexp(1, scaleExp)
	scaleDown = math.Ldexp(1, -scaleExp)
)

// durbinCDF is P(D_n <= d) by Durbin's matrix formula: with
// d = (k - h)/n, 0 <= h < 1, it is n!/n^n times the (k,k) element of H^n,
// H a (2k-1)x(2k-1) matrix. Marsaglia, Tsang and Wang raise H to the n-th
// power by squaring and rescale as they go so nothing overflows. The cost is
// O(k^3 log n), so it is used only where k = ceil(nd) is small.
func durbinCDF(n int, d float64) float64 {
	if d >= 1 {
		return 1
	}
	nd := float64(n) * d
	if nd <= 0.5 {
		return 0
	}
	k := int(math.Ceil(nd))
	h := float64(k) - nd
	m := 2*k - 1

	// v is H's first column (reversed, its last row); w[j] = 1/j!.
	v := make([]float64, m)
	w := make([]float64, m)
	fac := 1.0
	for j := 1; j <= m; j++ {
		w[j-1] = fac
		fac /= float64(j)
		v[j-1] = (1 - math.Pow(h, float64(j))) * fac
	}
	tt := math.Pow(math.Max(2*h-1, 0), float64(m)) - 2*math.Pow(h, float64(m))
	v[m-1] = (1 + tt) * fac

	H := mat.NewDense(m, m, nil)
	for i := 1; i < m; i++ {
		for r := i - 1; r < m; r++ {
			H.Set(r, i, w[r-(i-1)])
		}
	}
	for r := 0; r < m; r++ {
		H.Set(r, 0, v[r])
	}
	for c := 0; c < m; c++ {
		H.Set(m-1, c, v[m-1-c])
	}

	pw := mat.NewDense(m, m, nil) // H^(bits of n seen so far)
	for i := 0; i < m; i++ {
		pw.Set(i, i, 1)
	}
	var tmp mat.Dense
	expnt, hExpnt := 0, 0
	for nn := n; nn > 0; nn /= 2 {
		if nn%2 == 1 {
			tmp.Mul(pw, H)
			pw.Copy(&tmp)
			expnt += hExpnt
		}
		tmp.Mul(H, H)
		H.Copy(&tmp)
		hExpnt *= 2
		if math.Abs(H.At(k-1, k-1)) > scaleUp {
			H.Scale(scaleDown, H)
			hExpnt += scaleExp
		}
	}
	p := pw.At(k-1, k-1)
	// Multiply by n!/n^n one factor at a time, rescaling on underflow.
	nf := float64(n)
	for i := 1; i <= n; i++ {
		p = float64(i) * p / nf
		if math.Abs(p) < scaleDown {
			p *= scaleUp
			expnt -= scaleExp
		}
	}
	if expnt != 0 {
		p = math.Ldexp(p, expnt)
	}
	return clip01(p)
}

// pomeranzCDF is P(D_n <= x) by Pomeranz's recursion (Algorithm 487, CACM
// 17(12), 1974): 2n+1 rows, each a convolution of the previous row with
// truncated Poisson weights, of which only a band of width O(nx) is
// non-zero; two rows are kept and rescaled against underflow.
func pomeranzCDF(n int, x float64) float64 {
	nf := float64(n)
	t := nf * x
	ll := int(math.Floor(t))
	f := t - float64(ll)
	g := math.Min(f, 1-f)
	ceilf, roundf := 0, 0
	if f > 0 {
		ceilf = 1
	}
	if f > 0.5 {
		roundf = 1
	}
	npwrs := 2 * (ll + 1)
	// (g/n)^m/m!, (2g/n)^m/m!, ((1-2g)/n)^m/m!: Poisson weights without
	// their normalising factor.
	gp := make([]float64, npwrs)
	g2p := make([]float64, npwrs)
	om2gp := make([]float64, npwrs)
	gp[0], g2p[0], om2gp[0] = 1, 1, 1
	gn, g2n, om2gn := g/nf, 2*g/nf, (1-2*g)/nf
	for m := 1; m < npwrs; m++ {
		fm := float64(m)
		gp[m] = gp[m-1] * gn / fm
		g2p[m] = g2p[m-1] * g2n / fm
		om2gp[m] = om2gp[m-1] * om2gn / fm
	}

	V0 := make([]float64, npwrs)
	V1 := make([]float64, npwrs)
	V1[0] = 1
	v0s, v1s := 0, 0
	expnt := 0
	// Row 0's band is needed only for its start, the previous row's start
	// k1 of row 1; each row computes its own end before it reads it (as in
	// scipy, whose j2 of row 0 is likewise never read).
	j1, _ := pomeranzBand(0, n, ll, ceilf, roundf)
	for i := 1; i < 2*n+2; i++ {
		k1 := j1
		V0, V1 = V1, V0
		v0s, v1s = v1s, v0s
		clear(V1)
		var j2 int
		j1, j2 = pomeranzBand(i, n, ll, ceilf, roundf)
		var pw []float64
		switch {
		case i == 1 || i == 2*n+1:
			pw = gp
		case i%2 == 1:
			pw = g2p
		default:
			pw = om2gp
		}
		ln2 := j2 - k1 + 1
		if ln2 <= 0 {
			continue
		}
		src := pySlice(V0, k1-v0s, k1-v0s+ln2)
		conv := convolve(src, pw[:min(ln2, len(pw))])
		cs, cl := j1-k1, j2-j1+1
		part := pySlice(conv, cs, cs+cl)
		copy(V1[:min(cl, len(V1))], part)
		mx := V1[0]
		for _, e := range V1 {
			mx = math.Max(mx, e)
		}
		if mx > 0 && mx < scaleDown {
			for k := range V1 {
				V1[k] *= scaleUp
			}
			expnt -= scaleExp
		}
		v1s = v0s + j1 - k1
	}
	idx := n - v1s
	if idx < 0 || idx >= len(V1) {
		return math.NaN()
	}
	ans := V1[idx]
	for m := 1; m <= n; m++ {
		if math.Abs(ans) > scaleUp {
			ans *= scaleDown
			expnt += scaleExp
		}
		ans *= float64(m)
	}
	if expnt != 0 {
		ans = math.Ldexp(ans, expnt)
	}
	return clip01(ans)
}

// pomeranzBand is the range [j1, j2] of row i's entries that can be
// non-zero.
func pomeranzBand(i, n, ll, ceilf, roundf int) (int, int) {
	var j1, j2 int
	if i == 0 {
		j1, j2 = -ll-ceilf-1, ll+ceilf-1
	} else {
		half, odd := (i+1)/2, (i+1)%2
		switch {
		case odd == 0 && half == n+1:
			j1, j2 = n-ll-ceilf-1, n+ll+ceilf-1
		case odd == 0:
			j1, j2 = half-1-ll-roundf-1, half+ll-1+ceilf-1
		default:
			j1, j2 = half-1-ll-1, half+ll+roundf-1
		}
	}
	return max(j1+2, 0), min(j2, n)
}

// pySlice is x[a:b] with Python's rules (negative indices count from the
// end, bounds clip), so the Pomeranz band arithmetic reads what it reads in
// the published implementation even at its edges.
func pySlice(x []float64, a, b int) []float64 {
	n := len(x)
	if a < 0 {
		a = max(a+n, 0)
	}
	if b < 0 {
		b = max(b+n, 0)
	}
	a, b = min(a, n), min(b, n)
	if a >= b {
		return nil
	}
	return x[a:b]
}

// convolve is the full discrete convolution of a and b.
func convolve(a, b []float64) []float64 {
	if len(a) == 0 || len(b) == 0 {
		return nil
	}
	out := make([]float64, len(a)+len(b)-1)
	for i, x := range a {
		for j, y := range b {
			out[i+j] += x * y
		}
	}
	return out
}

// pelzGoodCDF is the Pelz and Good (1976) approximation of P(D_n <= x):
// Li-Chien's and Korolyuk's expansion K0 + K1/sqrt(n) + K2/n + K3/n^1.5
// in z = x sqrt(n), with each K rewritten by the Jacobi theta functional
// equation into series that converge fast for small z.
func pelzGoodCDF(n int, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	nf := float64(n)
	z := math.Sqrt(nf) * x
	z2, z3, z4, z6 := z*z, z*z*z, z*z*z*z, math.Pow(z, 6)
	pi2, pi4, pi6 := math.Pi*math.Pi, math.Pow(math.Pi, 4), math.Pow(math.Pi, 6)

	qlog := -pi2 / 8 / z2
	if qlog < -708 {
		return 0
	}
	q := math.Exp(qlog)

	k1a, k1b := -z2, pi2/4
	k2a := 6*z6 + 2*z4
	k2b := (2*z4 - 5*z2) * pi2 / 4
	k2c := pi4 * (1 - 2*z2) / 16
	k3d := pi6 * (5 - 30*z2) / 64
	k3c := pi4 * (-60*z2 + 212*z4) / 16
	k3b := pi2 * (135*z4 - 96*z6) / 4
	k3a := -30*z6 - 90*math.Pow(z, 8)

	// Sums of c_k q^((2k-1)^2) over k, by Horner in q^8k.
	var K [4]float64
	maxk := int(math.Ceil(16 * z / math.Pi))
	for k := maxk; k > 0; k-- {
		m := float64(2*k - 1)
		m2, m4, m6 := m*m, m*m*m*m, math.Pow(m, 6)
		qp := math.Pow(q, float64(8*k))
		c := [4]float64{
			1,
			k1a + k1b*m2,
			k2a + k2b*m2 + k2c*m4,
			k3a + k3b*m2 + k3c*m4 + k3d*m6,
		}
		for i := range K {
			K[i] = K[i]*qp + c[i]
		}
	}
	sqrt2pi := math.Sqrt(2 * math.Pi)
	den := [4]float64{z, 6 * z4, 72 * math.Pow(z, 7), 6480 * math.Pow(z, 10)}
	for i := range K {
		K[i] = K[i] * q * sqrt2pi / den[i]
	}
	// The remaining terms of K2 and K3 run over all integers k.
	q = math.Exp(-pi2 / 2 / z2)
	sqrt3z := math.Sqrt(3) * z
	var k2x, k3x float64
	for k := maxk; k > 0; k-- {
		kf := float64(k)
		ks := kf * kf
		qk := math.Pow(q, ks)
		k2x += ks * qk
		kpi := math.Pi * kf
		k3x += (sqrt3z + kpi) * (sqrt3z - kpi) * ks * qk
	}
	K[2] += k2x * pi2 * sqrt2pi / (-36 * z3)
	K[3] += k3x * pi2 * sqrt2pi / (216 * z6)
	sum := 0.0
	for i := range K {
		sum += K[i] / math.Pow(nf, float64(i)/2)
	}
	return sum
}

// smirnovSF is P(D_n^+ >= x), the one-sided Smirnov tail, as
// scipy.special.smirnov. Apart from closed forms at the ends it is the
// Birnbaum and Tingey (1951) sum
//
//	x * sum_{v=0}^{floor(n(1-x))} C(n,v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v),
//
// whose terms are all positive; each is formed in logarithms, so large n
// neither overflows nor cancels.
func smirnovSF(n int, x float64) float64 {
	if n <= 0 || !(x >= 0 && x <= 1) {
		return math.NaN()
	}
	if n == 1 {
		return 1 - x
	}
	if x == 0 {
		return 1
	}
	if x == 1 {
		return 0
	}
	nf := float64(n)
	// floor(n*x) of the exact product, and whether n*x is an integer.
	hi := nf * x
	lo := math.FMA(nf, x, -hi)
	nxfl := math.Floor(hi)
	if hi == nxfl && lo < 0 {
		nxfl--
	}
	integral := hi == nxfl && lo == 0
	if nxfl == 0 || (nxfl == 1 && integral) {
		// x <= 1/n: P(D_n^+ < x) = x (1+x)^(n-1).
		return 1 - x*math.Pow(1+x, nf-1)
	}
	const minLog = -7.08396418532264106224e2 // log of the smallest normal double
	if -2*nf*x*x < minLog {
		return 0
	}
	if int(nxfl) >= n-1 {
		return math.Pow(1-x, nf)
	}
	if n > 1000000 {
		// scipy stops summing here and uses exp(-(6nx+1)^2 / 18n).
		return math.Exp(-math.Pow(6*nf*x+1, 2) / 18 / nf)
	}
	last := n - int(nxfl) - 1 // the largest v with 1 - x - v/n > 0
	lgN, _ := math.Lgamma(nf + 1)
	sum := 0.0
	for v := 0; v <= last; v++ {
		fv := float64(v)
		a := x + fv/nf
		b := 1 - x - fv/nf
		if b <= 0 {
			break
		}
		lgV, _ := math.Lgamma(fv + 1)
		lgNV, _ := math.Lgamma(nf - fv + 1)
		lt := lgN - lgV - lgNV + (fv-1)*math.Log(a) + (nf-fv)*math.Log(b)
		var term float64
		if lt > -745 {
			term = math.Exp(lt)
			sum += term
		}
		// Stop, as scipy does, once the remaining terms cannot reach the
		// last bit of the sum (past the peak the terms only shrink).
		if term > 0 && v != last && 4*float64(last+1-v)*term < 0x1p-52*sum {
			break
		}
		if term == 0 && v > n/2 {
			break
		}
	}
	return clip01(x * sum)
}

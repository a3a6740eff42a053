package stats

import "math"

// besselK is the modified Bessel function of the second kind K_nu(x) for
// 0 <= |nu| <= 1 and 1e-300 <= x (scipy.special.kv); +Inf at x = 0 and NaN
// elsewhere outside that domain. The Cramer-von Mises limiting
// distribution needs K_{1/4}, which gonum lacks.
//
// It integrates the representation K_nu(x) = int_0^inf exp(-x cosh t)
// cosh(nu t) dt (DLMF 10.32.9) by the trapezoidal rule, which converges
// geometrically for an integrand analytic in a strip and decaying this fast
// (Trefethen and Weideman, "The exponentially convergent trapezoidal
// rule", SIAM Review 56(3), 2014): the error is about
// exp(x (1 - cos d) - 2 pi d / h) relative, for any strip half-width
// d < pi/2. The step h = min(0.2, 0.5/sqrt(x)) keeps that near 1e-19 or
// below for every x (take d near pi/2 for small x, d = 2 pi/(h x) for large
// x, where the integrand narrows to a peak of width 1/sqrt(x)); the sum
// stops once the integrand, past its peak, falls below 1e-18 of the sum.
// That is 20 terms for large x and up to 3500 at x = 1e-300 (below that
// cosh t overflows before the integrand has decayed, hence the domain).
// Halving the step changes the result by an ulp or two; scipy's kv (AMOS)
// differs from it by up to 5e-14 relative near x = 1.5.
//
// The integrand is scaled by e^x, exp(-x (cosh t - 1)) with
// cosh t - 1 = 2 sinh^2(t/2), so nothing cancels near t = 0 and large x
// does not underflow before the final factor e^-x.
func besselK(nu, x float64) float64 {
	nu = math.Abs(nu)
	switch {
	case x == 0 && nu <= 1:
		return math.Inf(1)
	case math.IsNaN(nu) || math.IsNaN(x) || nu > 1 || x < 1e-300:
		return math.NaN()
	case math.IsInf(x, 1):
		return 0
	}
	return math.Exp(-x) * besselKScaledSum(nu, x)
}

// besselKScaledSum is e^x K_nu(x) by the trapezoidal rule (see besselK).
func besselKScaledSum(nu, x float64) float64 {
	h := min(0.2, 0.5/math.Sqrt(x))
	sum := 0.5 // half the integrand at t = 0, where it is 1
	prev := 1.0
	for j := 1; ; j++ {
		t := float64(j) * h
		s := math.Sinh(t / 2)
		f := math.Exp(-2*x*s*s) * math.Cosh(nu*t)
		sum += f
		if f < prev && f < 1e-18*sum {
			break
		}
		prev = f
	}
	return h * sum
}

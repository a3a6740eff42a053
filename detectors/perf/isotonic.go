package perf

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Isotonic is a fitted non-decreasing regression of y on x, bounded to
// [0, 1]: scikit-learn's IsotonicRegression(increasing=True,
// out_of_bounds="clip", y_min=0, y_max=1), step for step as in version
// 1.9.1, so that its predictions match scikit-learn's to the last bits:
//
//  1. drop zero-weight points; sort by x, then y;
//  2. merge points whose x lies within 1e-15 (numpy's float64 resolution)
//     of the first x of their run into one, with the weighted mean of y and
//     the sum of the weights (scikit-learn's _make_unique);
//  3. pool adjacent violators over the merged points (weighted means of
//     blocks, scikit-learn's _inplace_contiguous_isotonic_regression), then
//     clip the fitted values to [0, 1];
//  4. drop the interior points of flat runs, which changes no prediction;
//  5. predict by clipping x to the fitted range and interpolating linearly
//     between the neighbouring fitted points (numpy.interp, which scipy's
//     interp1d delegates to), a point's own value at a fitted x.
//
// A fit is read-only and safe for concurrent use.
type Isotonic struct {
	x, y []float64 // the fitted points, x strictly increasing
}

// FitIsotonic fits the regression to points (x[i], y[i]) with weights w
// (nil for all ones). It is an ErrInput when x is empty, the lengths
// disagree, a value is NaN or infinite, a weight is negative, or no weight
// is positive.
func FitIsotonic(x, y, w []float64) (*Isotonic, error) {
	if len(x) == 0 || len(x) != len(y) || (w != nil && len(w) != len(x)) {
		return nil, fmt.Errorf("%w: isotonic fit of %d x, %d y and %d weights", ErrInput, len(x), len(y), len(w))
	}
	type point struct{ x, y, w float64 }
	pts := make([]point, 0, len(x))
	for i := range x {
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		if !finite(x[i]) || !finite(y[i]) || !finite(wi) || wi < 0 {
			return nil, fmt.Errorf("%w: isotonic point %d (x %v, y %v, weight %v)", ErrInput, i, x[i], y[i], wi)
		}
		if wi > 0 {
			pts = append(pts, point{x[i], y[i], wi})
		}
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("%w: isotonic fit with no positive weight", ErrInput)
	}
	slices.SortFunc(pts, func(a, b point) int {
		if c := cmp.Compare(a.x, b.x); c != 0 {
			return c
		}
		return cmp.Compare(a.y, b.y)
	})

	// Merge tied x, as scikit-learn's _make_unique: a run lasts while x is
	// within numpy's float64 resolution of the run's first x.
	const resolution = 1e-15
	ux := make([]float64, 0, len(pts))
	uy := make([]float64, 0, len(pts))
	uw := make([]float64, 0, len(pts))
	curX, sumWY, sumW := pts[0].x, 0.0, 0.0
	for _, p := range pts {
		if p.x-curX >= resolution {
			ux, uy, uw = append(ux, curX), append(uy, sumWY/sumW), append(uw, sumW)
			curX, sumWY, sumW = p.x, float64(p.y*p.w), p.w
			continue
		}
		sumW += p.w
		sumWY += float64(p.y * p.w)
	}
	ux, uy, uw = append(ux, curX), append(uy, sumWY/sumW), append(uw, sumW)

	pava(uy, uw)
	for i, v := range uy {
		uy[i] = min(max(v, 0), 1)
	}

	// Trim the interior of flat runs, as scikit-learn does before building
	// its interpolation.
	n := len(uy)
	fx, fy := make([]float64, 0, n), make([]float64, 0, n)
	for i := range uy {
		if i == 0 || i == n-1 || uy[i] != uy[i-1] || uy[i] != uy[i+1] {
			fx, fy = append(fx, ux[i]), append(fy, uy[i])
		}
	}
	return &Isotonic{x: fx, y: fy}, nil
}

// pava replaces y by its weighted non-decreasing least-squares fit, in
// place, by scikit-learn's pool-adjacent-violators loop: it pools the
// longest decreasing run at a time and steps back one block after a pool,
// which keeps it one pass (O(n)). w is used as scratch.
func pava(y, w []float64) {
	n := len(y)
	// target[i] = j and target[j] = i for an active block [i..j].
	target := make([]int, n)
	for i := range target {
		target[i] = i
	}
	for i := 0; i < n; {
		k := target[i] + 1
		if k == n {
			break
		}
		if y[i] < y[k] {
			i = k
			continue
		}
		sumWY, sumW := float64(w[i]*y[i]), w[i]
		for {
			prevY := y[k]
			sumWY += float64(w[k] * y[k])
			sumW += w[k]
			k = target[k] + 1
			if k == n || prevY < y[k] {
				y[i] = sumWY / sumW
				w[i] = sumW
				target[i] = k - 1
				target[k-1] = i
				if i > 0 {
					i = target[i-1]
				}
				break
			}
		}
	}
	for i := 0; i < n; {
		k := target[i] + 1
		for j := i + 1; j < k; j++ {
			y[j] = y[i]
		}
		i = k
	}
}

// Predict is the fitted value at x: x clipped to the fitted range, then
// interpolated linearly between the two fitted points around it. NaN gives
// NaN.
func (f *Isotonic) Predict(x float64) float64 {
	fx, fy := f.x, f.y
	n := len(fx)
	if math.IsNaN(x) {
		return math.NaN()
	}
	if n == 1 || x <= fx[0] {
		return fy[0]
	}
	if x >= fx[n-1] {
		return fy[n-1]
	}
	// j is the last fitted x <= x; fx[j] < x < fx[j+1] unless x == fx[j].
	j, found := slices.BinarySearch(fx, x)
	if found {
		return fy[j]
	}
	j--
	slope := (fy[j+1] - fy[j]) / (fx[j+1] - fx[j])
	return float64(slope*(x-fx[j])) + fy[j]
}

// Points returns copies of the fitted points after trimming (scikit-learn's
// X_thresholds_ and y_thresholds_).
func (f *Isotonic) Points() (x, y []float64) {
	return slices.Clone(f.x), slices.Clone(f.y)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// isoCursor predicts ascending x without a search: it remembers the fitted
// segment of the previous x. Its values are Predict's, bit for bit.
type isoCursor struct {
	f *Isotonic
	j int // fx[j] <= the last x, or 0
}

func (f *Isotonic) cursor() isoCursor { return isoCursor{f: f} }

// predict is f.Predict(x) for x no smaller than the previous call's.
func (c *isoCursor) predict(x float64) float64 {
	fx, fy := c.f.x, c.f.y
	n := len(fx)
	if math.IsNaN(x) {
		return math.NaN()
	}
	if n == 1 || x <= fx[0] {
		return fy[0]
	}
	if x >= fx[n-1] {
		return fy[n-1]
	}
	for fx[c.j+1] <= x {
		c.j++
	}
	j := c.j
	if fx[j] == x {
		return fy[j]
	}
	slope := (fy[j+1] - fy[j]) / (fx[j+1] - fx[j])
	return float64(slope*(x-fx[j])) + fy[j]
}

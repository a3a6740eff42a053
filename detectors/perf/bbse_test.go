package perf

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// classifier3 is P(yhat = i | y = j) of a 3-class classifier, column j
// for true class j: class 0 is recognised best, classes 1 and 2 are
// confused with each other more than with class 0.
var classifier3 = [3][3]float64{
	{0.80, 0.10, 0.05},
	{0.15, 0.70, 0.25},
	{0.05, 0.20, 0.70},
}

// simulate draws n events with true classes from prior, passes each through
// classifier3, and returns the joint counts C[yhat][y] and the predicted
// counts.
func simulate(rng *rand.Rand, prior [3]float64, n int) (joint [][]float64, pred []float64) {
	joint = [][]float64{make([]float64, 3), make([]float64, 3), make([]float64, 3)}
	pred = make([]float64, 3)
	draw := func(p [3]float64) int {
		u := rng.Float64()
		for k := range 2 {
			if u < p[k] {
				return k
			}
			u -= p[k]
		}
		return 2
	}
	for range n {
		y := draw(prior)
		yhat := draw([3]float64{classifier3[0][y], classifier3[1][y], classifier3[2][y]})
		joint[yhat][y]++
		pred[yhat]++
	}
	return joint, pred
}

var refPrior3 = [3]float64{0.5, 0.3, 0.2}

// TestBBSESimulated draws a reference of 20,000 events at priors
// (0.5, 0.3, 0.2) and current windows of 5,000 events at shifted mixes
// through the same classifier; the estimated priors must be within 0.05 of
// the true mix. Over 300 seeds the estimate's root-mean-square error per
// class is 0.005 to 0.02 (largest for classes 1 and 2, which the
// classifier confuses, so C's inverse amplifies their sampling noise), so
// 0.05 is 2.5 or more of them; the seed is fixed, and with it every mix
// passes. The uncorrected estimate (the predicted shares themselves) is
// off by 0.08 on (0.2, 0.3, 0.5) and by 0.26 on (0.05, 0.05, 0.9).
func TestBBSESimulated(t *testing.T) {
	rng := rand.New(rand.NewPCG(2018, 7))
	refJoint, _ := simulate(rng, refPrior3, 20000)
	mixes := [][3]float64{
		{0.2, 0.3, 0.5},
		{0.5, 0.3, 0.2}, // no shift
		{1.0 / 3, 1.0 / 3, 1.0 / 3},
		{0.8, 0.1, 0.1},
		{0.05, 0.05, 0.9},
		{0.1, 0.8, 0.1},
		{0.0, 0.5, 0.5}, // a class gone: its weight is clipped at 0 or near it
	}
	for _, mix := range mixes {
		t.Run(fmt.Sprintf("%.2f_%.2f_%.2f", mix[0], mix[1], mix[2]), func(t *testing.T) {
			_, cur := simulate(rng, mix, 5000)
			r, err := BBSE(refJoint, cur)
			if err != nil {
				t.Fatal(err)
			}
			var sum float64
			for j := range 3 {
				sum += r.Prior[j]
				if d := math.Abs(r.Prior[j] - mix[j]); d > 0.05 {
					t.Errorf("prior[%d] = %.4f, true %.4f (off by %.4f)", j, r.Prior[j], mix[j], d)
				}
				if w := r.Prior[j] / r.RefPrior[j]; math.Abs(w-r.Weight[j]) > 1e-12 {
					t.Errorf("weight[%d] = %v, prior/ref prior %v", j, r.Weight[j], w)
				}
				if r.Prior[j] < 0 {
					t.Errorf("prior[%d] = %v < 0", j, r.Prior[j])
				}
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Errorf("priors sum to %v", sum)
			}
			t.Logf("mix %v: estimated %.4f, weights %.3f", mix, r.Prior, r.Weight)
		})
	}
}

// TestBBSENoShift: windows from the reference's own mix give weights near
// 1. At 20,000 events the weights' root-mean-square error over 300 seeds
// is 0.014, 0.033 and 0.038 (class 2, p_ref = 0.2, the noisiest); 0.12 is
// three of the largest.
func TestBBSENoShift(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 1))
	refJoint, _ := simulate(rng, refPrior3, 20000)
	for i := range 3 {
		_, cur := simulate(rng, refPrior3, 20000)
		r, err := BBSE(refJoint, cur)
		if err != nil {
			t.Fatal(err)
		}
		for j, w := range r.Weight {
			if math.Abs(w-1) > 0.12 {
				t.Errorf("window %d: weight[%d] = %.4f, want about 1", i, j, w)
			}
		}
	}
}

// TestBBSEExact: with the population confusion matrix and the population
// predicted shares (no sampling), BBSE recovers the current prior to
// rounding, whether the reference prior comes from C or is given.
func TestBBSEExact(t *testing.T) {
	cur := [3]float64{0.2, 0.3, 0.5}
	joint := make([][]float64, 3)
	q := make([]float64, 3)
	for i := range 3 {
		joint[i] = make([]float64, 3)
		for j := range 3 {
			joint[i][j] = 1000 * classifier3[i][j] * refPrior3[j] // counts: scale is free
			q[i] += classifier3[i][j] * cur[j]
		}
	}
	check := func(t *testing.T, r BBSEResult, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		for j := range 3 {
			if math.Abs(r.Prior[j]-cur[j]) > 1e-12 {
				t.Errorf("prior[%d] = %.17g, want %v", j, r.Prior[j], cur[j])
			}
			if w := cur[j] / refPrior3[j]; math.Abs(r.Weight[j]-w) > 1e-12 || math.Abs(r.Solved[j]-w) > 1e-12 {
				t.Errorf("weight[%d] = %v (solved %v), want %v", j, r.Weight[j], r.Solved[j], w)
			}
		}
	}
	t.Run("prior from C", func(t *testing.T) {
		r, err := BBSE(joint, q)
		check(t, r, err)
	})
	t.Run("prior given", func(t *testing.T) {
		// C from a held-out split with a different mix: each column is
		// P(yhat | y) times that split's share; the given prior is the
		// reference's.
		held := [3]float64{0.2, 0.2, 0.6}
		c := make([][]float64, 3)
		for i := range 3 {
			c[i] = make([]float64, 3)
			for j := range 3 {
				c[i][j] = classifier3[i][j] * held[j]
			}
		}
		r, err := BBSEWithPrior(c, refPrior3[:], q)
		check(t, r, err)
	})
}

func TestBBSEErrors(t *testing.T) {
	ok := [][]float64{{8, 1}, {2, 9}}
	tests := []struct {
		name      string
		confusion [][]float64
		refPrior  []float64
		cur       []float64
		want      error
	}{
		{"empty", nil, nil, nil, ErrInput},
		{"cur size", ok, nil, []float64{1, 2, 3}, ErrInput},
		{"prior size", ok, []float64{1}, []float64{1, 2}, ErrInput},
		{"ragged", [][]float64{{1, 2}, {3}}, nil, []float64{1, 2}, ErrInput},
		{"negative count", [][]float64{{1, -2}, {3, 4}}, nil, []float64{1, 2}, ErrInput},
		{"NaN count", [][]float64{{1, math.NaN()}, {3, 4}}, nil, []float64{1, 2}, ErrInput},
		{"zero confusion", [][]float64{{0, 0}, {0, 0}}, nil, []float64{1, 2}, ErrInput},
		{"zero window", ok, nil, []float64{0, 0}, ErrInput},
		{"negative window", ok, nil, []float64{-1, 2}, ErrInput},
		{"zero prior", ok, []float64{0, 1}, []float64{1, 2}, ErrInput},
		{"never predicted", [][]float64{{5, 3}, {0, 0}}, nil, []float64{1, 2}, ErrSingular},
		{"never true", [][]float64{{5, 0}, {3, 0}}, nil, []float64{1, 2}, ErrSingular},
		// classes 1 and 2 indistinguishable: proportional columns
		{"collinear", [][]float64{{4, 1, 2}, {1, 2, 4}, {1, 1, 2}}, nil, []float64{1, 2, 3}, ErrSingular},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := BBSEWithPrior(tc.confusion, tc.refPrior, tc.cur)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := BBSE(ok, []float64{1, 2}); err != nil {
		t.Errorf("valid input: %v", err)
	}
}

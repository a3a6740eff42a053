package perf

import (
	"errors"
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// BBSEResult is a black-box shift estimate of the current window's class
// priors, in the class order of the confusion matrix.
type BBSEResult struct {
	// Prior is the estimated current class distribution (sums to 1);
	// Weight[j] = Prior[j] / p_ref(y=j), the importance weight of class j
	// consistent with that prior (drift_results' bbse_prior and
	// bbse_weight).
	Prior, Weight []float64
	// Solved is the solution w of C_norm w = q_cur before negative entries
	// are clipped to 0 and the prior renormalised. sum_j w_j p_ref(j) is 1
	// by construction (the columns of C_norm sum to p_ref, q_cur to 1), so
	// only the signs tell: a clearly negative w_j says the label-shift
	// assumption (P(x|y) unchanged) does not hold, or the window is small.
	Solved []float64
	// RefPrior is p_ref(y), the true-class distribution used.
	RefPrior []float64
}

// BBSE estimates the current class priors by black-box shift estimation:
// C[i][j] is the reference's joint frequency of (predicted class i, true
// class j) (counts are fine; normalise inside), refPrior the reference's
// true-class distribution (derived from C when nil), curPred the current
// window's counts of predicted classes (same class order). It solves
// C_norm w = q_cur for the importance weights w (gonum), clips negative
// weights to 0, and returns Weights[j] = p_cur(y=j)/p_ref(y=j) and
// Prior[j] = w_j * p_ref(y=j) renormalised to sum 1. An error when C is
// singular (a class never predicted) or sizes disagree.
//
// BBSE takes the reference prior from C's column sums; BBSEWithPrior takes
// it from the caller.
//
// Why it works (Lipton et al. 2018): under label shift P(x|y) is the same
// in both windows, so the classifier's P(yhat=i | y=j) is too, and
// q_cur(i) = sum_j P_ref(yhat=i, y=j) w_j with w_j = p_cur(j)/p_ref(j).
// The estimate is consistent as long as C is invertible; its error shrinks
// as 1/sqrt(window size) scaled by C's smallest singular value, so a
// classifier that confuses two classes often gives noisy weights for them.
func BBSE(confusion [][]float64, curPred []float64) (BBSEResult, error) {
	return BBSEWithPrior(confusion, nil, curPred)
}

// BBSEWithPrior is BBSE with the reference's true-class distribution given
// (counts or shares; nil derives it from C's column sums). A given prior
// replaces C's column sums in w_j = p_cur(j)/p_ref(j) and in Prior, as when
// C comes from a held-out part of the reference and the prior from all of
// it.
func BBSEWithPrior(confusion [][]float64, refPrior, curPred []float64) (BBSEResult, error) {
	k := len(confusion)
	if k == 0 {
		return BBSEResult{}, fmt.Errorf("%w: bbse: empty confusion matrix", ErrInput)
	}
	if len(curPred) != k {
		return BBSEResult{}, fmt.Errorf("%w: bbse: %d classes in the confusion matrix, %d in the current predictions", ErrInput, k, len(curPred))
	}
	if refPrior != nil && len(refPrior) != k {
		return BBSEResult{}, fmt.Errorf("%w: bbse: %d classes in the confusion matrix, %d in the reference prior", ErrInput, k, len(refPrior))
	}
	var total float64
	for i, row := range confusion {
		if len(row) != k {
			return BBSEResult{}, fmt.Errorf("%w: bbse: confusion row %d has %d entries, want %d", ErrInput, i, len(row), k)
		}
		for j, v := range row {
			if !finite(v) || v < 0 {
				return BBSEResult{}, fmt.Errorf("%w: bbse: confusion[%d][%d] = %v", ErrInput, i, j, v)
			}
			total += v
		}
	}
	if total == 0 {
		return BBSEResult{}, fmt.Errorf("%w: bbse: confusion matrix of zeros", ErrInput)
	}
	q, err := distribution(curPred, "current predictions")
	if err != nil {
		return BBSEResult{}, err
	}

	cn := mat.NewDense(k, k, nil)
	colSum := make([]float64, k)
	for i, row := range confusion {
		var rowSum float64
		for j, v := range row {
			cn.Set(i, j, v/total)
			colSum[j] += v / total
			rowSum += v
		}
		if rowSum == 0 {
			return BBSEResult{}, fmt.Errorf("%w: bbse: class %d is never predicted in the reference", ErrSingular, i)
		}
	}
	for j, s := range colSum {
		if s == 0 {
			return BBSEResult{}, fmt.Errorf("%w: bbse: class %d is never true in the reference", ErrSingular, j)
		}
	}
	pRef := colSum
	if refPrior != nil {
		if pRef, err = distribution(refPrior, "reference prior"); err != nil {
			return BBSEResult{}, err
		}
		for j, p := range pRef {
			if p == 0 {
				return BBSEResult{}, fmt.Errorf("%w: bbse: class %d has reference prior 0", ErrInput, j)
			}
		}
	}

	// The system's matrix is P(yhat=i | y=j) p_ref(j): C_norm itself when
	// p_ref is C's column sums, else C_norm[i][j] / colSum[j] * pRef[j].
	if refPrior != nil {
		for j := range k {
			f := pRef[j] / colSum[j]
			for i := range k {
				cn.Set(i, j, cn.At(i, j)*f)
			}
		}
	}
	var w mat.VecDense
	if err := w.SolveVec(cn, mat.NewVecDense(k, q)); err != nil {
		var cond mat.Condition
		if errors.As(err, &cond) {
			return BBSEResult{}, fmt.Errorf("%w: bbse: condition number %.3g", ErrSingular, float64(cond))
		}
		return BBSEResult{}, fmt.Errorf("bbse: solve: %w", err)
	}

	r := BBSEResult{
		Prior:    make([]float64, k),
		Weight:   make([]float64, k),
		Solved:   make([]float64, k),
		RefPrior: pRef,
	}
	var sum float64
	for j := range k {
		r.Solved[j] = w.AtVec(j)
		r.Prior[j] = max(r.Solved[j], 0) * pRef[j]
		sum += r.Prior[j]
	}
	if sum == 0 {
		// Unreachable in exact arithmetic, where sum_j w_j p_ref(j) = 1
		// leaves some w_j positive; kept against rounding at huge
		// condition numbers.
		return BBSEResult{}, fmt.Errorf("%w: bbse: every weight is negative", ErrSingular)
	}
	for j := range k {
		r.Prior[j] /= sum
		r.Weight[j] = r.Prior[j] / pRef[j]
	}
	return r, nil
}

// distribution normalises non-negative counts or shares to sum 1.
func distribution(v []float64, what string) ([]float64, error) {
	var sum float64
	for i, x := range v {
		if !finite(x) || x < 0 {
			return nil, fmt.Errorf("%w: bbse: %s[%d] = %v", ErrInput, what, i, x)
		}
		sum += x
	}
	if sum == 0 {
		return nil, fmt.Errorf("%w: bbse: %s are all zero", ErrInput, what)
	}
	p := make([]float64, len(v))
	for i, x := range v {
		p[i] = x / sum
	}
	return p, nil
}

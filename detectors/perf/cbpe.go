package perf

import (
	"fmt"
	"math"
	"slices"
)

// CBPE estimates a binary classifier's performance from probabilities
// alone: Fit calibrates the reference's probabilities against its labels
// by isotonic regression (pool-adjacent-violators, non-decreasing,
// clipped to [0,1]); Estimate then takes a window's raw probabilities
// and returns the expected accuracy, F1 (of the positive class) and ROC AUC
// at the decision threshold, treating each calibrated probability as the
// chance the event is positive.
//
// The definitions are NannyML's CBPE for binary classification (docs "How
// it works: performance estimation", and estimate_f1 / estimate_roc_auc in
// nannyml/performance_estimation/confidence_based/metrics.py). With raw
// probability p_j, calibrated probability c_j and prediction
// yhat_j = 1 when p_j >= threshold:
//
//	E[TP] = sum over yhat=1 of c_j      E[FP] = sum over yhat=1 of 1 - c_j
//	E[FN] = sum over yhat=0 of c_j      E[TN] = sum over yhat=0 of 1 - c_j
//	accuracy = (E[TP] + E[TN]) / n
//	F1 = E[TP] / (E[TP] + (E[FP] + E[FN]) / 2), 0 when that is 0/0
//
// ROC AUC: NannyML ranks the events by descending raw probability and
// takes, at each cut, the expected true positives above it as the running
// sum of c_j and the expected false positives as the running sum of
// 1 - c_j; TPR and FPR are those sums over their totals, and the AUC the
// trapezoidal area under (FPR, TPR). Equivalently, it is
//
//	sum over pairs (i above j) of c_i (1 - c_j), plus half of the pairs at
//	the same rank (i = j included), over sum c * sum (1 - c):
//
// the chance that a random positive outranks a random negative if each
// event is positive with probability c. Two departures from NannyML's
// current code: events tied on the raw probability are one threshold here,
// as in NannyML's published algorithm (thresholds are the distinct
// probabilities) and scikit-learn's roc_curve, where the code steps
// through a tie in argsort order, so that its value on ties depends on the
// sort; and the running sums are not rounded to 5 decimals first, a
// difference below 1e-5. On untied windows the two agree to rounding
// (testdata/gen.py checks its transcription of NannyML's code against the
// pairwise form).
// Ranking by the raw probability rather than the calibrated one keeps the
// model's own order within a flat step of the calibration, as NannyML does.
//
// A fitted CBPE is read-only and safe for concurrent use.
type CBPE struct {
	cal       *Isotonic
	threshold float64
}

// Estimate is CBPE's expected performance of a window. ROCAUC is NaN when
// the calibrated probabilities are all 0 or all 1 (no expected positive or
// no expected negative).
type Estimate struct{ Accuracy, F1, ROCAUC float64 }

// FitCBPE calibrates refProb (the model's probability of the positive
// class on the reference) against refPositive (the reference's labels),
// with threshold the model's decision threshold: an event is predicted
// positive when its probability is at least threshold. It is an ErrInput
// when the reference is empty, the lengths differ, a probability is NaN or
// outside [0, 1], the threshold is outside [0, 1], or the reference lacks
// either class (the calibration would be a constant, estimating nothing).
func FitCBPE(refProb []float64, refPositive []bool, threshold float64) (*CBPE, error) {
	if len(refProb) == 0 || len(refProb) != len(refPositive) {
		return nil, fmt.Errorf("%w: cbpe: %d reference probabilities, %d labels", ErrInput, len(refProb), len(refPositive))
	}
	if !(threshold >= 0 && threshold <= 1) {
		return nil, fmt.Errorf("%w: cbpe: threshold %v outside [0, 1]", ErrInput, threshold)
	}
	y := make([]float64, len(refPositive))
	var pos int
	for i, p := range refProb {
		if !(p >= 0 && p <= 1) {
			return nil, fmt.Errorf("%w: cbpe: reference probability %d is %v", ErrInput, i, p)
		}
		if refPositive[i] {
			y[i] = 1
			pos++
		}
	}
	if pos == 0 || pos == len(refPositive) {
		return nil, fmt.Errorf("%w: cbpe: the reference has %d positives in %d events; it needs both classes", ErrInput, pos, len(refPositive))
	}
	cal, err := FitIsotonic(refProb, y, nil)
	if err != nil {
		return nil, fmt.Errorf("cbpe: %w", err)
	}
	return &CBPE{cal: cal, threshold: threshold}, nil
}

// Calibrated is the calibrated probability of a raw probability p: the
// chance, learnt on the reference, that an event with probability p is
// positive.
func (c *CBPE) Calibrated(p float64) float64 { return c.cal.Predict(p) }

// Estimate is the expected performance of a window of raw probabilities
// (see CBPE). ok is false when prob is empty or holds a NaN or a value
// outside [0, 1].
//
// The window is sorted once, ascending; a sweep then calibrates each
// distinct probability with a cursor over the calibration's points (no
// search per event) and gathers the expected confusion matrix and the
// expected AUC in the same pass, the AUC in its pairwise form: each tie
// group g, with E[positives] C_g and E[negatives] F_g, wins against the
// expected negatives below it and half of its own,
// AUC = sum_g C_g (F_below + F_g / 2) / (sum C * sum F).
func (c *CBPE) Estimate(prob []float64) (Estimate, bool) {
	if len(prob) == 0 {
		return Estimate{}, false
	}
	for _, p := range prob {
		if !(p >= 0 && p <= 1) {
			return Estimate{}, false
		}
	}
	sorted := slices.Clone(prob)
	slices.Sort(sorted)
	cur := c.cal.cursor()
	var tp, fp, fn, tn, fBelow, area float64
	for i := 0; i < len(sorted); {
		p := sorted[i]
		j := i + 1
		for j < len(sorted) && sorted[j] == p {
			j++
		}
		q := cur.predict(p)
		n := float64(j - i)
		cg, fg := n*q, n*(1-q)
		if p >= c.threshold {
			tp += cg
			fp += fg
		} else {
			fn += cg
			tn += fg
		}
		area += float64(cg * (fBelow + fg/2))
		fBelow += fg
		i = j
	}
	e := Estimate{
		Accuracy: (tp + tn) / float64(len(prob)),
		F1:       divOrZero(tp, tp+0.5*(fp+fn)),
		ROCAUC:   math.NaN(),
	}
	if pos, neg := tp+fn, fp+tn; pos > 0 && neg > 0 {
		e.ROCAUC = area / (pos * neg)
	}
	return e, true
}

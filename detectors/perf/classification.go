package perf

import (
	"cmp"
	"math"
	"slices"
)

// ClassMetrics is one class's one-vs-rest precision, recall and F1.
type ClassMetrics struct {
	Class                 string
	Precision, Recall, F1 float64
	Support               int // true occurrences of Class
}

// Classification is the performance of class predictions.
type Classification struct {
	N                                    int
	Accuracy                             float64
	PrecisionMacro, RecallMacro, F1Macro float64
	PerClass                             []ClassMetrics // sorted by Class
}

// Classify scores predicted classes against true labels (same length,
// pairwise). Classes are the sorted union of both slices, as scikit-learn's
// default labels; a 0/0 precision or recall is 0 (zero_division=0). ok is
// false when the slices are empty or of different lengths.
//
// The values are scikit-learn 1.9.1's accuracy_score and
// precision_recall_fscore_support(average=None or "macro",
// zero_division=0): a class only ever predicted has recall 0 and counts in
// the macro averages, as does a class never predicted (precision 0). F1 is
// 2 TP / (2 TP + FP + FN), 0 when that is 0/0, which is what scikit-learn
// computes (not the harmonic mean of a zeroed precision and recall), and
// F1Macro is the mean of the per-class F1, not the F1 of the macro
// precision and recall. Classes compare as Go strings (bytewise), which for
// valid UTF-8 is Python's code-point order.
func Classify(pred, label []string) (c Classification, ok bool) {
	if len(pred) == 0 || len(pred) != len(label) {
		return Classification{}, false
	}
	// One pass: each string is looked up in the class index, except that a
	// run of equal strings (a model that predicts one class for long
	// stretches, sorted input) reuses the previous lookup.
	index := make(map[string]int)
	var classes []string
	var tp, predN, trueN []int
	lookup := func(s string) int {
		j, seen := index[s]
		if !seen {
			j = len(classes)
			index[s] = j
			classes = append(classes, s)
			tp, predN, trueN = append(tp, 0), append(predN, 0), append(trueN, 0)
		}
		return j
	}
	correct := 0
	ip, il := -1, -1
	for i := range pred {
		if ip < 0 || pred[i] != pred[i-1] {
			ip = lookup(pred[i])
		}
		if il < 0 || label[i] != label[i-1] {
			il = lookup(label[i])
		}
		predN[ip]++
		trueN[il]++
		if ip == il {
			tp[ip]++
			correct++
		}
	}
	k := len(classes)
	order := make([]int, k)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(classes[a], classes[b]) })

	c = Classification{N: len(pred), PerClass: make([]ClassMetrics, k)}
	c.Accuracy = float64(correct) / float64(len(pred))
	for r, j := range order {
		m := ClassMetrics{Class: classes[j], Support: trueN[j]}
		m.Precision = divOrZero(float64(tp[j]), float64(predN[j]))
		m.Recall = divOrZero(float64(tp[j]), float64(trueN[j]))
		// scikit-learn's denominator: beta^2 * true_sum + pred_sum.
		m.F1 = divOrZero(2*float64(tp[j]), float64(trueN[j]+predN[j]))
		c.PerClass[r] = m
		c.PrecisionMacro += m.Precision
		c.RecallMacro += m.Recall
		c.F1Macro += m.F1
	}
	c.PrecisionMacro /= float64(k)
	c.RecallMacro /= float64(k)
	c.F1Macro /= float64(k)
	return c, true
}

// divOrZero is a / b with 0/0 (b = 0) as 0, scikit-learn's zero_division=0.
func divOrZero(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// scored is one event of a ranking: its score and whether it is positive.
type scored struct {
	s   float64
	pos bool
}

// ROCAUC is the area under the ROC curve of score for positive (ties as
// scikit-learn's roc_auc_score: trapezoids over distinct thresholds). ok is
// false when either class is absent, lengths differ, or a score is NaN.
//
// Events are ranked by descending score; at each distinct score the counts
// of positives (TP) and negatives (FP) above or at it move together, so a
// tie between a positive and a negative contributes half, as the diagonal
// of scikit-learn's trapezoid does. The area is summed on the integer
// counts and divided once by P * N. ±Inf scores rank like any other.
func ROCAUC(score []float64, positive []bool) (auc float64, ok bool) {
	if len(score) == 0 || len(score) != len(positive) {
		return 0, false
	}
	ev := make([]scored, len(score))
	for i, s := range score {
		if math.IsNaN(s) {
			return 0, false
		}
		ev[i] = scored{s, positive[i]}
	}
	slices.SortFunc(ev, func(a, b scored) int { return cmp.Compare(b.s, a.s) })
	var tp, fp, tpPrev, fpPrev, area2 float64
	for i := 0; i < len(ev); {
		j := i
		for ; j < len(ev) && ev[j].s == ev[i].s; j++ {
			if ev[j].pos {
				tp++
			} else {
				fp++
			}
		}
		// Twice the trapezoid, kept in integers (exact below 2^53).
		area2 += (fp - fpPrev) * (tp + tpPrev)
		tpPrev, fpPrev = tp, fp
		i = j
	}
	if tp == 0 || fp == 0 {
		return 0, false
	}
	return area2 / (2 * tp * fp), true
}

// LogLoss is the mean binary cross-entropy of probabilities p of the
// positive class, each clipped to [eps, 1-eps] with eps the float64 machine
// epsilon as scikit-learn does (say which scikit-learn version you matched);
// ok is false when empty, lengths differ, or a p is outside [0, 1] or NaN.
//
// Matched: scikit-learn 1.9.1's log_loss, which turns p into the rows
// [1-p, p] and clips each entry, so a negative event scores
// -log(clip(1-p)); eps = 2^-52, so a confident wrong answer costs at most
// 52 ln 2 = 36.04.
func LogLoss(p []float64, positive []bool) (loss float64, ok bool) {
	if len(p) == 0 || len(p) != len(positive) {
		return 0, false
	}
	var sum float64
	for i, v := range p {
		if !(v >= 0 && v <= 1) { // also NaN
			return 0, false
		}
		if !positive[i] {
			v = 1 - v
		}
		sum -= math.Log(clipProb(v))
	}
	return sum / float64(len(p)), true
}

// clipProb clips a probability to [eps, 1-eps], scikit-learn's log_loss
// bounds, eps being the float64 machine epsilon.
func clipProb(v float64) float64 {
	const eps = 0x1p-52
	return min(max(v, eps), 1-eps)
}

// LogLossMulti is the multi-class cross-entropy: probs[i][k] is event i's
// probability of class k, label[i] its true class index; rows are
// renormalised and clipped as scikit-learn does.
//
// Every row must have the same number of classes (at least one) with
// entries in [0, 1] and a positive sum, and every label must index a class;
// otherwise ok is false. Renormalising: older scikit-learn releases
// clipped, then divided each row by its sum; 1.9.1 only clips, warning when
// a row does not sum to 1 within sqrt(eps). This divides each
// row by its sum first and then clips, so a row that sums to 1 scores as in
// scikit-learn 1.9.1, and one that does not (probabilities rounded in
// transit, say) scores as scikit-learn 1.9.1 scores the normalised row.
func LogLossMulti(probs [][]float64, label []int) (loss float64, ok bool) {
	if len(probs) == 0 || len(probs) != len(label) {
		return 0, false
	}
	k := len(probs[0])
	if k == 0 {
		return 0, false
	}
	var sum float64
	for i, row := range probs {
		if len(row) != k || label[i] < 0 || label[i] >= k {
			return 0, false
		}
		var s float64
		for _, v := range row {
			if !(v >= 0 && v <= 1) {
				return 0, false
			}
			s += v
		}
		if s == 0 {
			return 0, false
		}
		sum -= math.Log(clipProb(row[label[i]] / s))
	}
	return sum / float64(len(probs)), true
}

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
	// One pass. A window holds few classes, so a string is first compared
	// with the classes seen so far, in order (cheaper than hashing it up
	// to a dozen classes); the map takes over beyond that. (Reusing the
	// previous lookup for a run of equal strings measured slower: on
	// mixed classes the extra comparison costs more than it saves.)
	const scanMax = 12
	var index map[string]int
	var classes []string
	var tp, predN, trueN []int
	lookup := func(s string) int {
		if index == nil {
			for j, name := range classes {
				if name == s {
					return j
				}
			}
		} else if j, seen := index[s]; seen {
			return j
		}
		j := len(classes)
		classes = append(classes, s)
		tp, predN, trueN = append(tp, 0), append(predN, 0), append(trueN, 0)
		if index != nil {
			index[s] = j
		} else if len(classes) > scanMax {
			index = make(map[string]int, 2*len(classes))
			for i, name := range classes {
				index[name] = i
			}
		}
		return j
	}
	correct := 0
	for i := range pred {
		ip, il := lookup(pred[i]), lookup(label[i])
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

// ROCAUC is the area under the ROC curve of score for positive (ties as
// scikit-learn's roc_auc_score: trapezoids over distinct thresholds). ok is
// false when either class is absent, lengths differ, or a score is NaN.
//
// The trapezoidal area over distinct thresholds is the share of
// (positive, negative) pairs that the positive wins, a tie counting half
// (the diagonal of the trapezoid at a tied threshold); that is what is
// computed here, on integer counts divided once by P * N. ±Inf scores rank
// like any other (scikit-learn refuses them).
func ROCAUC(score []float64, positive []bool) (auc float64, ok bool) {
	if len(score) == 0 || len(score) != len(positive) {
		return 0, false
	}
	// Sorting the positives' and the negatives' scores apart lets
	// slices.Sort use its float64 specialisation, without a comparison
	// closure, and the area is then a merge: each positive wins against
	// the negatives below it and half-wins against those equal to it.
	// One allocation: positives fill it from the front, negatives from
	// the back.
	buf := make([]float64, len(score))
	np, nn := 0, len(buf)
	for i, s := range score {
		if math.IsNaN(s) {
			return 0, false
		}
		if positive[i] {
			buf[np] = s
			np++
		} else {
			nn--
			buf[nn] = s
		}
	}
	posS, negS := buf[:np], buf[nn:]
	if len(posS) == 0 || len(negS) == 0 {
		return 0, false
	}
	slices.Sort(posS)
	slices.Sort(negS)
	// area2 is twice the number of pairs won (ties half), an integer:
	// exact below 2^53.
	var area2 float64
	below, upTo := 0, 0 // negatives < s, negatives <= s
	for i := 0; i < len(posS); {
		s := posS[i]
		j := i + 1
		for j < len(posS) && posS[j] == s {
			j++
		}
		for below < len(negS) && negS[below] < s {
			below++
		}
		upTo = max(upTo, below)
		for upTo < len(negS) && negS[upTo] == s {
			upTo++
		}
		area2 += float64(j-i) * float64(below+upTo)
		i = j
	}
	return area2 / (2 * float64(len(posS)) * float64(len(negS))), true
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

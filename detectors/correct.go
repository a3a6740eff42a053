package detectors

import (
	"cmp"
	"slices"
)

// Test is one feature's p-value and the level it is judged at (its
// method's threshold, fixed or calibrated): drifted when P < Level.
type Test struct {
	P, Level float64
}

// AdjustLevels corrects the levels of the tests of one window, which test
// its features at once, for their number m, and returns each test's
// corrected level (drifted when P < level):
//
//   - CorrectionNone (or ""): the levels unchanged;
//   - CorrectionBonferroni: Level / m, so that the chance of any false
//     alarm in the window is at most the level;
//   - CorrectionBH: Benjamini-Hochberg's step-up rule, which bounds the
//     expected share of false alarms among the features flagged. With the
//     ratios r_i = P_i / Level_i in ascending order r_(1) <= ... <= r_(m),
//     k is the largest rank with r_(k) < k/m, and every test with
//     r_i < k/m, that is P_i < Level_i k/m, drifts: the corrected level is
//     Level_i k/m, or Level_i / m (which none is below) when there is no
//     such k. For one common level this is the textbook procedure at that
//     level, with a strict comparison.
//
// Only p-value methods have tests: distances have no level to correct (a
// distance's threshold is an effect size, not a false-alarm rate), so
// their verdicts stand as they are and they are not counted in m.
func AdjustLevels(correction string, tests []Test) []float64 {
	m := float64(len(tests))
	out := make([]float64, len(tests))
	switch correction {
	case CorrectionBonferroni:
		for i, t := range tests {
			out[i] = t.Level / m
		}
	case CorrectionBH:
		ratio := func(t Test) float64 {
			if t.Level <= 0 {
				return 2 // a level of 0 never drifts
			}
			return t.P / t.Level
		}
		order := make([]int, len(tests))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(ratio(tests[a]), ratio(tests[b])) })
		k := 0
		for rank, i := range order {
			if ratio(tests[i]) < float64(rank+1)/m {
				k = rank + 1
			}
		}
		for i, t := range tests {
			out[i] = t.Level * float64(max(k, 1)) / m
		}
	default:
		for i, t := range tests {
			out[i] = t.Level
		}
	}
	return out
}

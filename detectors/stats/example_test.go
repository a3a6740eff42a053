package stats_test

import (
	"fmt"

	"github.com/driftmon/driftmon/detectors/stats"
)

// The values are scipy 1.10's ks_2samp, anderson_ksamp and
// cramervonmises_2samp on the same samples.
func ExampleNumericStats() {
	ref := []float64{0.1, 0.4, 0.35, 0.8, 0.9, 0.55}
	cur := []float64{0.7, 1.1, 0.95, 1.3, 0.6, 1.2, 0.85}
	methods := []string{stats.MethodKS, stats.MethodAndersonDarling, stats.MethodCramerVonMises}
	for _, st := range stats.NumericStats(ref, cur, methods) {
		fmt.Printf("%s %.4f p=%.4f", st.Method, st.Statistic, *st.PValue)
		if st.Note != "" {
			fmt.Printf(" (%s)", st.Note)
		}
		fmt.Println()
	}
	// Output:
	// ks 0.6667 p=0.0909 (exact p-value)
	// anderson_darling 3.0666 p=0.0183
	// cramer_von_mises 0.5788 p=0.0280 (exact p-value)
}

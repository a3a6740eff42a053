package perf_test

import (
	"fmt"

	"github.com/driftmon/driftmon/detectors/perf"
)

func ExampleClassify() {
	c, ok := perf.Classify(
		[]string{"cat", "dog", "dog", "cat", "bird"},
		[]string{"cat", "dog", "cat", "cat", "dog"},
	)
	fmt.Println(ok, c.Accuracy)
	for _, m := range c.PerClass {
		fmt.Printf("%s precision %.3f recall %.3f f1 %.3f support %d\n", m.Class, m.Precision, m.Recall, m.F1, m.Support)
	}
	fmt.Printf("macro f1 %.4f\n", c.F1Macro)
	// Output:
	// true 0.6
	// bird precision 0.000 recall 0.000 f1 0.000 support 0
	// cat precision 1.000 recall 0.667 f1 0.800 support 3
	// dog precision 0.500 recall 0.500 f1 0.500 support 2
	// macro f1 0.4333
}

// The reference's classifier is right 90% of the time on either class;
// the current window predicts class 1 for 58% of its events, which under
// label shift means 60% of them are class 1: 0.1 * 0.4 + 0.9 * 0.6.
func ExampleBBSE() {
	confusion := [][]float64{ // rows: predicted class, columns: true class
		{450, 50},
		{50, 450},
	}
	r, err := perf.BBSE(confusion, []float64{420, 580})
	if err != nil {
		panic(err)
	}
	fmt.Printf("prior %.3f, weight %.3f\n", r.Prior, r.Weight)
	// Output:
	// prior [0.400 0.600], weight [0.800 1.200]
}

// A reference whose probabilities are too low: events at 0.1 are positive
// one time in four, at 0.4 three times in four. At threshold 0.3 the
// window (0.1, 0.4, 0.4) expects TP 1.5, FP 0.5, FN 0.25 and TN 0.75, so
// accuracy 2.25 / 3 and F1 1.5 / (1.5 + 0.375); the AUC is the chance that
// an expected positive outranks an expected negative, ties half:
// (0.25 * 0.375 + 1.5 * (0.75 + 0.25)) / (1.75 * 1.25).
func ExampleFitCBPE() {
	c, err := perf.FitCBPE(
		[]float64{0.1, 0.1, 0.1, 0.1, 0.4, 0.4, 0.4, 0.4},
		[]bool{false, false, false, true, true, true, true, false},
		0.3,
	)
	if err != nil {
		panic(err)
	}
	e, _ := c.Estimate([]float64{0.1, 0.4, 0.4})
	fmt.Printf("calibrated(0.4) %.2f, accuracy %.4f, f1 %.4f, roc auc %.4f\n",
		c.Calibrated(0.4), e.Accuracy, e.F1, e.ROCAUC)
	// Output:
	// calibrated(0.4) 0.75, accuracy 0.7500, f1 0.8000, roc auc 0.7286
}

package perf

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

var nan = math.NaN()

func TestNotOK(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"Classify empty", second(Classify(nil, nil))},
		{"Classify lengths", second(Classify([]string{"a"}, []string{"a", "b"}))},
		{"ROCAUC empty", second(ROCAUC(nil, nil))},
		{"ROCAUC lengths", second(ROCAUC([]float64{0.1, 0.2}, []bool{true}))},
		{"ROCAUC NaN", second(ROCAUC([]float64{0.1, nan}, []bool{true, false}))},
		{"ROCAUC no positive", second(ROCAUC([]float64{0.1, 0.2}, []bool{false, false}))},
		{"ROCAUC no negative", second(ROCAUC([]float64{0.1, 0.2}, []bool{true, true}))},
		{"LogLoss empty", second(LogLoss(nil, nil))},
		{"LogLoss lengths", second(LogLoss([]float64{0.5}, nil))},
		{"LogLoss NaN", second(LogLoss([]float64{nan}, []bool{true}))},
		{"LogLoss above 1", second(LogLoss([]float64{1.01}, []bool{true}))},
		{"LogLoss below 0", second(LogLoss([]float64{-0.01}, []bool{true}))},
		{"LogLossMulti empty", second(LogLossMulti(nil, nil))},
		{"LogLossMulti lengths", second(LogLossMulti([][]float64{{0.5, 0.5}}, []int{0, 1}))},
		{"LogLossMulti no class", second(LogLossMulti([][]float64{{}}, []int{0}))},
		{"LogLossMulti ragged", second(LogLossMulti([][]float64{{0.5, 0.5}, {1}}, []int{0, 0}))},
		{"LogLossMulti label", second(LogLossMulti([][]float64{{0.5, 0.5}}, []int{2}))},
		{"LogLossMulti negative label", second(LogLossMulti([][]float64{{0.5, 0.5}}, []int{-1}))},
		{"LogLossMulti NaN", second(LogLossMulti([][]float64{{nan, 0.5}}, []int{1}))},
		{"LogLossMulti zero row", second(LogLossMulti([][]float64{{0, 0}}, []int{1}))},
		{"LogLossMulti above 1", second(LogLossMulti([][]float64{{1.5, 0}}, []int{1}))},
		{"Regress empty", second(Regress(nil, nil))},
		{"Regress lengths", second(Regress([]float64{1}, []float64{1, 2}))},
		{"Regress NaN", second(Regress([]float64{nan}, []float64{1}))},
		{"Regress Inf truth", second(Regress([]float64{1}, []float64{math.Inf(1)}))},
	}
	for _, tc := range tests {
		if tc.ok {
			t.Errorf("%s: ok", tc.name)
		}
	}
}

func second[T any](_ T, ok bool) bool { return ok }

// TestROCAUCInfinite: ±Inf scores rank like any other (logits that
// overflowed, say), where scikit-learn refuses them.
func TestROCAUCInfinite(t *testing.T) {
	auc, ok := ROCAUC([]float64{math.Inf(-1), 0, math.Inf(1), math.Inf(1)}, []bool{false, true, false, true})
	// positives at 0 and +Inf, negatives at -Inf and +Inf: pairs won
	// (+Inf > -Inf, 0 > -Inf) = 2, tied (+Inf, +Inf) = 1/2, lost 1: 2.5/4
	if !ok || auc != 0.625 {
		t.Errorf("auc = %v, %v; want 0.625", auc, ok)
	}
}

// TestClassifyOrder: the same pairs in any order give the same result, and
// more classes than the linear scan holds (the map) change nothing.
func TestClassifyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	classes := []string{"é", "b", "a", "Z", "", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10"}
	pred, label := make([]string, 2000), make([]string, 2000)
	for i := range pred {
		pred[i] = classes[rng.IntN(len(classes))]
		label[i] = classes[rng.IntN(len(classes))]
		if rng.Float64() < 0.5 {
			label[i] = pred[i]
		}
	}
	want, _ := Classify(pred, label)
	if !slices.IsSortedFunc(want.PerClass, func(a, b ClassMetrics) int { return strings.Compare(a.Class, b.Class) }) {
		t.Errorf("classes not sorted: %v", want.PerClass)
	}
	idx := make([]int, len(pred))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(pred[a]+"\x00"+label[a], pred[b]+"\x00"+label[b]) })
	p2, l2 := make([]string, len(pred)), make([]string, len(pred))
	for i, j := range idx {
		p2[i], l2[i] = pred[j], label[j]
	}
	got, _ := Classify(p2, l2)
	if !slices.Equal(got.PerClass, want.PerClass) || got.Accuracy != want.Accuracy {
		t.Errorf("sorted input: %+v, want %+v", got, want)
	}
}

// TestIsotonicProperties: on random data the fit is non-decreasing, within
// [0, 1], constant outside the fitted range, and the ascending cursor that
// CBPE.Estimate sweeps with agrees with Predict bit for bit.
func TestIsotonicProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	x, y := make([]float64, 500), make([]float64, 500)
	for i := range x {
		x[i] = math.Round(rng.NormFloat64()*100) / 100
		y[i] = x[i] + rng.NormFloat64()
	}
	f, err := FitIsotonic(x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := slices.Min(x), slices.Max(x)
	prev := math.Inf(-1)
	cur := f.cursor()
	// The grid hits the fitted x (two decimals) and falls between them.
	for i := range int((hi - lo + 2) * 1000) {
		v := lo - 1 + float64(i)/1000
		p := f.Predict(v)
		if p < prev || p < 0 || p > 1 {
			t.Fatalf("Predict(%v) = %v after %v", v, p, prev)
		}
		if q := cur.predict(v); q != p {
			t.Fatalf("cursor at %v = %v, Predict %v", v, q, p)
		}
		prev = p
	}
	if f.Predict(lo-5) != f.Predict(lo) || f.Predict(hi+5) != f.Predict(hi) {
		t.Errorf("not clipped outside [%v, %v]", lo, hi)
	}
	if !math.IsNaN(f.Predict(nan)) {
		t.Errorf("Predict(NaN) = %v", f.Predict(nan))
	}
}

func TestIsotonicErrors(t *testing.T) {
	tests := []struct {
		name    string
		x, y, w []float64
	}{
		{"empty", nil, nil, nil},
		{"lengths", []float64{1, 2}, []float64{1}, nil},
		{"weights length", []float64{1, 2}, []float64{1, 2}, []float64{1}},
		{"NaN x", []float64{nan}, []float64{1}, nil},
		{"Inf y", []float64{1}, []float64{math.Inf(1)}, nil},
		{"negative weight", []float64{1, 2}, []float64{1, 2}, []float64{1, -1}},
		{"zero weights", []float64{1, 2}, []float64{1, 2}, []float64{0, 0}},
	}
	for _, tc := range tests {
		if _, err := FitIsotonic(tc.x, tc.y, tc.w); !errors.Is(err, ErrInput) {
			t.Errorf("%s: err = %v, want ErrInput", tc.name, err)
		}
	}
}

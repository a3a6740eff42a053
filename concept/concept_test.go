package concept

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/driftmon/driftmon/storage/embedded"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/stream"
	"github.com/driftmon/driftmon/drift"
)

func TestTaskError(t *testing.T) {
	tests := []struct {
		task          Task
		output, label string
		score         float64
		want          float64
		ok            bool
	}{
		{Task{Kind: Class}, "a", "a", math.NaN(), 0, true},
		{Task{Kind: Class}, "a", "b", math.NaN(), 1, true},
		{Task{Kind: Score, Threshold: 0.5}, "0.7", "1", 0.7, 0, true},
		{Task{Kind: Score, Threshold: 0.5}, "0.7", "true", 0.7, 0, true},
		{Task{Kind: Score, Threshold: 0.5}, "0.7", "0", 0.7, 1, true},
		{Task{Kind: Score, Threshold: 0.5}, "0.5", "1", 0.5, 0, true}, // at the threshold is positive
		{Task{Kind: Score}, "0.3", "1", 0.3, 0, true},                 // threshold 0 (logits): 0.3 is positive
		{Task{Kind: Score}, "-0.3", "1", -0.3, 1, true},
		{Task{Kind: Score, Threshold: 0.8}, "0.7", "0", 0.7, 0, true},
		{Task{Kind: Score, Positive: "fraud", Threshold: 0.5}, "0.9", "fraud", 0.9, 0, true},
		{Task{Kind: Probabilities, Positive: "yes"}, "no", "yes", 0.2, 1, true},
		{Task{Kind: Regression}, "2.5", "4", math.NaN(), 1.5, true},
		{Task{Kind: Regression}, "2.5", "n/a", math.NaN(), 0, false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%s/%s", tc.task.Kind, tc.output, tc.label), func(t *testing.T) {
			got, ok := tc.task.WithDefaults().Error(tc.output, tc.score, tc.label)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Error = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// classOutcomes returns n outcomes of a two-class model, right with
// probability acc.
func classOutcomes(r *rand.Rand, n int, acc float64) []Outcome {
	out := make([]Outcome, n)
	for i := range out {
		p := []string{"a", "b"}[r.IntN(2)]
		l := p
		if r.Float64() >= acc {
			l = map[string]string{"a": "b", "b": "a"}[p]
		}
		out[i] = Outcome{Output: p, Score: math.NaN(), Label: l}
	}
	return out
}

func rowsOf(outcomes []Outcome) []drift.LabelledRecord {
	rows := make([]drift.LabelledRecord, len(outcomes))
	for i, o := range outcomes {
		rows[i] = drift.LabelledRecord{Model: "m", ID: fmt.Sprint(i), Output: o.Output, Score: o.Score, Label: o.Label}
	}
	return rows
}

// TestWindowAccuracyAndThreshold checks a window's accuracy against a
// count done here, and its threshold against the mean - 3 sd of the
// accuracy over the reference's consecutive sub-windows of the window's
// (bucketed) size, computed here with plain loops.
func TestWindowAccuracyAndThreshold(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ref := NewReference(Task{Kind: Class}, classOutcomes(r, 10_000, 0.9))
	for _, tc := range []struct {
		n          int
		acc        float64
		calibrated bool
		drifted    bool
	}{
		{n: 400, acc: 0.9, calibrated: true, drifted: false},
		{n: 400, acc: 0.7, calibrated: true, drifted: true},
		{n: 3000, acc: 0.88, calibrated: false, drifted: false}, // 3 sub-windows only: the fixed 10%
		{n: 3000, acc: 0.75, calibrated: false, drifted: true},
	} {
		t.Run(fmt.Sprintf("n=%d/acc=%v", tc.n, tc.acc), func(t *testing.T) {
			cur := classOutcomes(r, tc.n, tc.acc)
			right := 0
			for _, o := range cur {
				if o.Output == o.Label {
					right++
				}
			}
			rows := Window(Task{Kind: Class}, ref, Policy{}, "m", 3, drift.WindowBounds{}, rowsOf(cur), nil)
			i := slices.IndexFunc(rows, func(r drift.Result) bool { return r.Method == MethodAccuracy })
			if i < 0 {
				t.Fatal("no accuracy row")
			}
			acc := rows[i]
			if want := float64(right) / float64(tc.n); acc.Statistic != want {
				t.Errorf("accuracy %v, want %v", acc.Statistic, want)
			}
			b := bucket(tc.n)
			var want float64
			if tc.calibrated {
				var vals []float64
				for s := 0; s+b <= ref.Len(); s += b {
					ok := 0
					for _, o := range ref.outcomes[s : s+b] {
						if o.Output == o.Label {
							ok++
						}
					}
					vals = append(vals, float64(ok)/float64(b))
				}
				var sum, ss float64
				for _, v := range vals {
					sum += v
				}
				mean := sum / float64(len(vals))
				for _, v := range vals {
					ss += (v - mean) * (v - mean)
				}
				want = mean - 3*math.Sqrt(ss/float64(len(vals)-1))
			} else {
				whole, _ := ref.Performance(MethodAccuracy)
				want = whole * 0.9
			}
			if math.Abs(acc.Threshold-want) > 1e-12 {
				t.Errorf("threshold %v, want %v", acc.Threshold, want)
			}
			if acc.Drifted != tc.drifted || !acc.Decision {
				t.Errorf("drifted %v decision %v, want %v and true", acc.Drifted, acc.Decision, tc.drifted)
			}
		})
	}
}

// TestWindowRegression checks the regression rows against hand-computed
// values: errors 1, -2, 0.5 on truths 2, 4, 1.
func TestWindowRegression(t *testing.T) {
	rows := []drift.LabelledRecord{{Output: "3", Label: "2"}, {Output: "2", Label: "4"}, {Output: "1.5", Label: "1"}}
	got := map[string]float64{}
	for _, r := range Window(Task{Kind: Regression}, nil, Policy{}, "m", 0, drift.WindowBounds{}, rows, Detectors) {
		got[r.Method] = r.Statistic
	}
	want := map[string]float64{
		MethodMAE:  (1 + 2 + 0.5) / 3,
		MethodRMSE: math.Sqrt((1 + 4 + 0.25) / 3),
		MethodMAPE: (1.0/2 + 2.0/4 + 0.5/1) / 3,
		// Regression feeds the real-valued detectors only.
		stream.MethodADWIN: 0, stream.MethodPageHinkley: 0, stream.MethodKSWIN: 0,
	}
	if len(got) != len(want) {
		t.Errorf("methods %v, want %v", got, want)
	}
	for m, w := range want {
		if math.Abs(got[m]-w) > 1e-12 {
			t.Errorf("%s = %v, want %v", m, got[m], w)
		}
	}
}

// TestBankMatchesDetectors feeds a bank an error stream whose rate jumps,
// with a checkpoint and restore half way, and checks that every detector
// signalled drift at the same events as the same detector fed the stream
// directly, and that duplicates are not fed.
func TestBankMatchesDetectors(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n = 6000
	rows := make([]drift.LabelledRecord, n)
	for i := range rows {
		rate := 0.1
		if i >= 3000 {
			rate = 0.4
		}
		out := "a"
		if r.Float64() < rate {
			out = "b"
		}
		rows[i] = drift.LabelledRecord{Model: "m", ModelVersion: "1", Output: out, Label: "a",
			PredTime: time.Unix(int64(i), 0)}
	}
	models := func(string) (Task, []string, bool) { return Task{Kind: Class}, Detectors, true }
	seed := func(string) uint64 { return 7 }
	bank := NewBank(models, seed)
	dup := func(i int) bool { return i%100 == 99 }
	first, err := bank.Feed(rows[:n/2], dup, 1)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := bank.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	restored := NewBank(models, seed)
	if err := restored.Restore(snap); err != nil {
		t.Fatal(err)
	}
	second, err := restored.Feed(rows[n/2:], func(i int) bool { return dup(i + n/2) }, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]uint64{}
	for _, d := range append(first, second...) {
		if d.Kind == drift.DetectionDrift {
			got[d.Detector] = append(got[d.Detector], d.EventIndex)
		}
	}
	for i, m := range Detectors {
		d, err := stream.New(m, 7)
		if err != nil {
			t.Fatal(err)
		}
		var want []uint64
		fed := uint64(0)
		for k, row := range rows {
			if dup(k) {
				if row.Signals != 0 {
					t.Fatalf("duplicate row %d has signals %b", k, row.Signals)
				}
				continue
			}
			fed++
			x := 0.0
			if row.Output != row.Label {
				x = 1
			}
			sig := d.Update(x)
			if sig == stream.Drift {
				want = append(want, fed)
			}
			if (sig == stream.Drift) != (row.Signals&(1<<i) != 0) {
				t.Errorf("%s: row %d signal bit %v, detector says %v", m, k, row.Signals&(1<<i) != 0, sig)
			}
		}
		if fmt.Sprint(got[m]) != fmt.Sprint(want) {
			t.Errorf("%s: drifts at %v, want %v", m, got[m], want)
		}
		if len(want) == 0 && m != stream.MethodKSWIN {
			t.Errorf("%s: no drift on a jump from 0.1 to 0.4", m)
		}
	}
}

// TestLabelRowsShift compares a label mix that moved with the reference's
// and one that did not.
func TestLabelRowsShift(t *testing.T) {
	lim := drift.DefaultLimits()
	task := Task{Kind: Class}
	mix := func(n int, shareA float64) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "b"
			if float64(i) < shareA*float64(n) {
				out[i] = "a"
			}
		}
		return out
	}
	ref := task.LabelSummary(mix(5000, 0.5), nil, lim)
	for _, tc := range []struct {
		share float64
		want  bool
	}{{0.5, false}, {0.8, true}} {
		rows := LabelRows(ref, task.LabelSummary(mix(2000, tc.share), nil, lim), detectors.DefaultPolicy(), "m", 1, drift.WindowBounds{})
		var decided *drift.Result
		for i := range rows {
			if rows[i].Family != drift.Prior || rows[i].Feature != LabelFeature {
				t.Fatalf("row %+v: want family prior, feature label", rows[i])
			}
			if rows[i].Decision {
				decided = &rows[i]
			}
		}
		if decided == nil || decided.Drifted != tc.want {
			t.Errorf("share %v: verdict %+v, want drifted %v", tc.share, decided, tc.want)
		}
	}
}

// TestBBSERowsRecoverAShiftedMix runs black-box shift estimation as the
// service does at a window's close: the confusion matrix from reference
// outcomes, the current counts from the window's prediction summary. A
// three-class classifier with a fixed class-conditional error (right 80% of
// the time, else one of the other two classes alike) is applied to a
// reference at priors (0.5, 0.3, 0.2) and to windows of 5,000 events at
// known shifted priors; every estimated prior must be within 0.05 of the
// truth, and the weights the truth over the reference's prior within 0.15.
func TestBBSERowsRecoverAShiftedMix(t *testing.T) {
	classes := []string{"a", "b", "c"}
	r := rand.New(rand.NewPCG(5, 6))
	draw := func(priors []float64) Outcome {
		u, y := r.Float64(), 0
		for y < 2 && u >= priors[y] {
			u -= priors[y]
			y++
		}
		pred := y
		if r.Float64() >= 0.8 {
			pred = (y + 1 + r.IntN(2)) % 3
		}
		return Outcome{Output: classes[pred], Score: math.NaN(), Label: classes[y]}
	}
	task := Task{Kind: Class}
	refPriors := []float64{0.5, 0.3, 0.2}
	var ref []Outcome
	for i := 0; i < 20_000; i++ {
		ref = append(ref, draw(refPriors))
	}
	c, ok := task.NewConfusion(ref)
	if !ok {
		t.Fatal("no confusion matrix")
	}
	for _, priors := range [][]float64{{0.5, 0.3, 0.2}, {0.2, 0.3, 0.5}, {0.1, 0.8, 0.1}, {0.34, 0.33, 0.33}} {
		t.Run(fmt.Sprint(priors), func(t *testing.T) {
			pred := drift.NewFeatureSummary("prediction", drift.Categorical, nil, drift.DefaultLimits(), 1)
			for i := 0; i < 5000; i++ {
				pred.Observe(drift.Value{Kind: drift.String, Str: draw(priors).Output})
			}
			counts, ok := task.PredictedCounts(c, pred)
			if !ok {
				t.Fatal("no predicted counts")
			}
			rows, err := BBSERows(c, counts, "m", 1, drift.WindowBounds{})
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range rows {
				k := slices.Index(classes, row.Feature)
				switch row.Method {
				case MethodBBSEPrior:
					if math.Abs(row.Statistic-priors[k]) > 0.05 {
						t.Errorf("class %s: prior %.3f, truth %.3f", row.Feature, row.Statistic, priors[k])
					}
				case MethodBBSEWeight:
					if want := priors[k] / refPriors[k]; math.Abs(row.Statistic-want) > 0.15 {
						t.Errorf("class %s: weight %.3f, truth %.3f", row.Feature, row.Statistic, want)
					}
				}
			}
			if len(rows) != 6 {
				t.Errorf("%d rows, want a prior and a weight per class", len(rows))
			}
		})
	}
}

// TestMultiClassGolden compares a probabilities model's multi-class ROC AUC
// and log loss with scikit-learn's (testdata/gen.py).
func TestMultiClassGolden(t *testing.T) {
	b, err := os.ReadFile("testdata/multiclass_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []struct {
			Probs   []string `json:"probs"`
			Labels  []string `json:"labels"`
			ROCAUC  float64  `json:"roc_auc"`
			LogLoss float64  `json:"log_loss"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	for i, c := range g.Cases {
		rows := make([]drift.LabelledRecord, len(c.Labels))
		for k := range rows {
			rows[k] = drift.LabelledRecord{Output: "cat", Score: math.NaN(), Probs: c.Probs[k], Label: c.Labels[k]}
		}
		got := map[string]float64{}
		for _, r := range Window(Task{Kind: Probabilities, Positive: "cat"}, nil, Policy{}, "m", 0, drift.WindowBounds{}, rows, nil) {
			if r.Feature == "" {
				got[r.Method] = r.Statistic
			}
		}
		for m, want := range map[string]float64{MethodROCAUC: c.ROCAUC, MethodLogLoss: c.LogLoss} {
			if math.Abs(got[m]-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Errorf("case %d: %s = %.15g, scikit-learn %.15g", i, m, got[m], want)
			}
		}
	}
}

// TestDuplicateKeepsTheFirstSignals: a row whose label made a detector signal drift, then a corrected label
// for the same prediction (a duplicate: skipped by the detectors) replaces
// the row; it keeps the first label's signals, so the window's detector
// row still says the drift.
func TestDuplicateKeepsTheFirstSignals(t *testing.T) {
	st, err := embedded.Open(filepath.Join(t.TempDir(), "d"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	t0 := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	a := drift.LabelledRecord{Model: "m", ModelVersion: "1", WindowSeq: 5, ID: "p1", PredTime: t0, LabelTime: t0.Add(time.Hour),
		Output: "0.9", Score: 0.9, Label: "0", Signals: 1, Version: uint64(t0.Add(time.Hour).UnixMilli()) + 1}
	if err := st.WriteLabelled(ctx, []drift.LabelledRecord{a}); err != nil {
		t.Fatal(err)
	}
	b := a
	b.LabelTime, b.Label, b.Version = t0.Add(2*time.Hour), "1", uint64(t0.Add(2*time.Hour).UnixMilli())+1
	task := Task{Kind: Score, Threshold: DefaultThreshold}.WithDefaults()
	bank := NewBank(func(string) (Task, []string, bool) { return task, Detectors, true }, nil)
	rows := []drift.LabelledRecord{b}
	if _, err := bank.Feed(rows, func(int) bool { return true }, 1); err != nil {
		t.Fatal(err)
	}
	if err := st.WriteLabelled(ctx, rows); err != nil {
		t.Fatal(err)
	}
	got, _ := st.Labelled(ctx, "m", 5)
	res := Window(task, nil, Policy{}, "m", 5, drift.WindowBounds{}, got, Detectors)
	for _, r := range res {
		if r.Method == Detectors[0] && !r.Drifted {
			t.Errorf("%s row after the corrected label: statistic %v, drifted %v; the drift signalled at p1 is gone", r.Method, r.Statistic, r.Drifted)
		}
	}
}

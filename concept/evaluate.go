package concept

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"sync"

	"gonum.org/v1/gonum/stat"

	"github.com/driftmon/driftmon/detectors/perf"
	"github.com/driftmon/driftmon/drift"
)

// Metric names: the concept rows' methods (DESIGN's drift_results table).
// Per-class rows use MethodPrecision, MethodRecall and MethodF1 with the
// class as the feature.
const (
	MethodAccuracy       = "accuracy"
	MethodPrecisionMacro = "precision_macro"
	MethodRecallMacro    = "recall_macro"
	MethodF1Macro        = "f1_macro"
	MethodROCAUC         = "roc_auc"
	MethodLogLoss        = "log_loss"
	MethodMAE            = "mae"
	MethodRMSE           = "rmse"
	MethodMAPE           = "mape"
	MethodPrecision      = "precision"
	MethodRecall         = "recall"
	MethodF1             = "f1"
	// LabelFeature is the feature of the prior rows comparing the label
	// distribution with the reference's.
	LabelFeature = "label"
)

// lowerIsBetter are the metrics that get worse as they grow.
var lowerIsBetter = map[string]bool{MethodLogLoss: true, MethodMAE: true, MethodRMSE: true, MethodMAPE: true}

// Policy says when a window's performance is worse than the reference's.
type Policy struct {
	// K: a window is worse when its metric is more than K standard
	// deviations (of the metric over reference sub-windows of the
	// window's size) below the sub-windows' mean (above it for a loss).
	// Default 3.
	K float64
	// Tolerance is the fallback when the reference holds fewer than
	// MinSubWindows sub-windows of the window's size: worse when the
	// metric falls more than Tolerance (a fraction of the reference's
	// value) below it, or rises as much above it for a loss. Default 0.1.
	Tolerance float64
}

// MinSubWindows is the fewest reference sub-windows a calibration uses.
const MinSubWindows = 5

func (p Policy) withDefaults() Policy {
	if p.K == 0 {
		p.K = 3
	}
	if p.Tolerance == 0 {
		p.Tolerance = 0.1
	}
	return p
}

// Outcome is one labelled prediction, of the reference or of a window.
type Outcome struct {
	Output string
	Score  float64 // NaN when none
	// Probs is a probabilities model's whole output (JSON class ->
	// probability), or "".
	Probs string
	Label string
}

// Reference is a model's reference outcomes (its predictions beside their
// labels, in file order) and what is computed from them once: the
// reference's performance and, per window size, the calibrated
// thresholds.
type Reference struct {
	task     Task
	outcomes []Outcome
	whole    map[string]float64

	mu    sync.Mutex
	calib map[int]map[string]threshold // by size bucket
}

type threshold struct {
	value      float64
	calibrated bool
}

// NewReference computes the reference's performance.
func NewReference(task Task, outcomes []Outcome) *Reference {
	task = task.WithDefaults()
	return &Reference{task: task, outcomes: outcomes, whole: metrics(task, outcomes, nil), calib: map[int]map[string]threshold{}}
}

// Len is the number of reference outcomes.
func (r *Reference) Len() int { return len(r.outcomes) }

// Performance returns the reference's value of a metric.
func (r *Reference) Performance(method string) (float64, bool) {
	v, ok := r.whole[method]
	return v, ok
}

// bucket rounds a window size down to a grid of ratio about 1.19 (2^(1/4)),
// so that windows whose label counts differ by a few share one
// calibration: rounding down makes the sub-windows smaller and their spread
// wider, the conservative side.
func bucket(n int) int {
	if n < 8 {
		return n
	}
	e := math.Floor(4 * math.Log2(float64(n)))
	return int(math.Pow(2, e/4))
}

// thresholds returns each metric's threshold for windows of n labelled
// events: calibrated over the reference's consecutive sub-windows of the
// bucketed size when it holds at least MinSubWindows of them, else the
// fixed tolerance around the whole reference's value.
func (r *Reference) thresholds(n int, p Policy) map[string]threshold {
	b := bucket(n)
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.calib[b]; ok {
		return t
	}
	out := map[string]threshold{}
	subs := 0
	if b > 0 {
		subs = len(r.outcomes) / b
	}
	var per map[string][]float64
	if subs >= MinSubWindows {
		per = map[string][]float64{}
		for i := 0; i < subs; i++ {
			for m, v := range metrics(r.task, r.outcomes[i*b:(i+1)*b], nil) {
				per[m] = append(per[m], v)
			}
		}
	}
	for m, whole := range r.whole {
		vals := per[m]
		if len(vals) >= MinSubWindows {
			mean, sd := stat.MeanStdDev(vals, nil) // sd with n-1
			if lowerIsBetter[m] {
				out[m] = threshold{mean + p.K*sd, true}
			} else {
				out[m] = threshold{mean - p.K*sd, true}
			}
			continue
		}
		if lowerIsBetter[m] {
			out[m] = threshold{whole * (1 + p.Tolerance), false}
		} else {
			out[m] = threshold{whole * (1 - p.Tolerance), false}
		}
	}
	r.calib[b] = out
	return out
}

// metrics computes every metric of the task over outcomes; perClass, when
// not nil, receives the per-class rows.
func metrics(task Task, outcomes []Outcome, perClass *[]perf.ClassMetrics) map[string]float64 {
	out := map[string]float64{}
	if len(outcomes) == 0 {
		return out
	}
	if task.Kind == Regression {
		pred := make([]float64, 0, len(outcomes))
		truth := make([]float64, 0, len(outcomes))
		for _, o := range outcomes {
			yhat, err1 := strconv.ParseFloat(o.Output, 64)
			y, err2 := strconv.ParseFloat(o.Label, 64)
			if err1 != nil || err2 != nil {
				continue
			}
			pred, truth = append(pred, yhat), append(truth, y)
		}
		if r, ok := perf.Regress(pred, truth); ok {
			out[MethodMAE], out[MethodRMSE], out[MethodMAPE] = r.MAE, r.RMSE, r.MAPE
		}
		return out
	}
	pred := make([]string, len(outcomes))
	truth := make([]string, len(outcomes))
	for i, o := range outcomes {
		pred[i] = task.Predicted(o.Output, o.Score)
		truth[i] = task.truth(o.Label)
	}
	if c, ok := perf.Classify(pred, truth); ok {
		out[MethodAccuracy] = c.Accuracy
		out[MethodPrecisionMacro], out[MethodRecallMacro], out[MethodF1Macro] = c.PrecisionMacro, c.RecallMacro, c.F1Macro
		if perClass != nil {
			*perClass = c.PerClass
		}
		if task.Binary() {
			// The positive class's F1, what cbpe_f1 estimates.
			pos := "1"
			if task.Kind == Probabilities {
				pos = task.Positive
			}
			out[MethodF1] = 0
			for _, pc := range c.PerClass {
				if pc.Class == pos {
					out[MethodF1] = pc.F1
				}
			}
		}
	}
	if task.Kind == Probabilities {
		if auc, ll, ok := multiClass(outcomes); ok {
			out[MethodROCAUC], out[MethodLogLoss] = auc, ll
			return out
		}
	}
	if task.Binary() {
		scores := make([]float64, 0, len(outcomes))
		pos := make([]bool, 0, len(outcomes))
		for _, o := range outcomes {
			if math.IsNaN(o.Score) {
				continue
			}
			scores, pos = append(scores, o.Score), append(pos, task.IsPositive(o.Label))
		}
		if auc, ok := perf.ROCAUC(scores, pos); ok {
			out[MethodROCAUC] = auc
		}
		if ll, ok := perf.LogLoss(scores, pos); ok {
			out[MethodLogLoss] = ll
		}
	}
	return out
}

// methodOrder is the order of the concept rows.
var methodOrder = []string{
	MethodAccuracy, MethodPrecisionMacro, MethodRecallMacro, MethodF1Macro, MethodROCAUC, MethodLogLoss,
	MethodMAE, MethodRMSE, MethodMAPE,
}

// Window computes a window's concept rows from its labelled rows: one per
// metric the task has (compared with the reference's threshold for the
// window's size; the accuracy row, or mae for regression, is the
// window's verdict), one per class and per-class metric (reported, not
// judged), and one per stream detector run (statistic: the drifts it
// signalled among the window's labels; drifted when any). Rows carry the
// window's identity; NReference is the reference's outcomes and NCurrent
// the window's labelled events. ref may be nil: the metrics are reported
// with no threshold and never drifted.
func Window(task Task, ref *Reference, p Policy, model string, seq int64, b drift.WindowBounds, rows []drift.LabelledRecord, detectors []string) []drift.Result {
	task = task.WithDefaults()
	p = p.withDefaults()
	if len(rows) == 0 {
		return nil
	}
	outcomes := make([]Outcome, len(rows))
	for i, r := range rows {
		outcomes[i] = Outcome{Output: r.Output, Score: r.Score, Probs: r.Probs, Label: r.Label}
	}
	var perClass []perf.ClassMetrics
	vals := metrics(task, outcomes, &perClass)
	var th map[string]threshold
	nref := 0
	if ref != nil {
		th = ref.thresholds(len(outcomes), p)
		nref = ref.Len()
	}
	base := drift.Result{Model: model, ModelVersion: b.ModelVersion, Family: drift.Concept,
		WindowSeq: seq, WindowStart: b.Start, WindowEnd: b.End,
		NReference: uint64(nref), NCurrent: uint64(len(outcomes))}
	decide := MethodAccuracy
	if task.Kind == Regression {
		decide = MethodMAE
	}
	var out []drift.Result
	for _, m := range methodOrder {
		v, ok := vals[m]
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		r := base
		r.Method, r.Statistic = m, v
		if t, ok := th[m]; ok && !math.IsNaN(t.value) {
			r.Threshold = t.value
			if lowerIsBetter[m] {
				r.Drifted = v > t.value
			} else {
				r.Drifted = v < t.value
			}
		}
		r.Decision = m == decide
		out = append(out, r)
	}
	for _, c := range perClass {
		for _, mv := range []struct {
			m string
			v float64
		}{{MethodPrecision, c.Precision}, {MethodRecall, c.Recall}, {MethodF1, c.F1}} {
			r := base
			r.Feature, r.Method, r.Statistic = c.Class, mv.m, mv.v
			out = append(out, r)
		}
	}
	for i, d := range Detectors {
		if !slices.Contains(detectors, d) || task.Kind == Regression && binaryOnly[d] {
			continue
		}
		n := 0
		for _, r := range rows {
			if r.Signals&(1<<i) != 0 {
				n++
			}
		}
		r := base
		r.Method, r.Statistic, r.Drifted = d, float64(n), n > 0
		out = append(out, r)
	}
	return out
}

// multiClass computes a probabilities model's ROC AUC and log loss from its
// whole outputs when they name more than two classes, as scikit-learn's
// roc_auc_score(multi_class="ovr", average="macro") and log_loss(labels=
// classes) do: classes are the sorted union of the outputs' classes and
// the labels; the AUC is the mean over the classes that have both
// positives and negatives among the labels of class-vs-rest AUC; the log
// loss takes a class missing from an output as probability 0. ok is false
// for binary outputs (the positive class's score serves them) and when an
// outcome has no probabilities.
func multiClass(outcomes []Outcome) (auc, logLoss float64, ok bool) {
	probs := make([]map[string]float64, len(outcomes))
	set := map[string]bool{}
	for i, o := range outcomes {
		if o.Probs == "" || json.Unmarshal([]byte(o.Probs), &probs[i]) != nil {
			return 0, 0, false
		}
		for c := range probs[i] {
			set[c] = true
		}
	}
	if len(set) <= 2 {
		return 0, 0, false
	}
	for _, o := range outcomes {
		set[o.Label] = true
	}
	classes := make([]string, 0, len(set))
	for c := range set {
		classes = append(classes, c)
	}
	slices.Sort(classes)
	matrix := make([][]float64, len(outcomes))
	labels := make([]int, len(outcomes))
	for i, o := range outcomes {
		row := make([]float64, len(classes))
		for k, c := range classes {
			row[k] = probs[i][c]
		}
		matrix[i], labels[i] = row, slices.Index(classes, o.Label)
	}
	ll, okLL := perf.LogLossMulti(matrix, labels)
	var sum float64
	n := 0
	col := make([]float64, len(outcomes))
	pos := make([]bool, len(outcomes))
	for k := range classes {
		for i := range outcomes {
			col[i], pos[i] = matrix[i][k], labels[i] == k
		}
		if a, ok := perf.ROCAUC(col, pos); ok {
			sum += a
			n++
		}
	}
	if !okLL || n == 0 {
		return 0, 0, false
	}
	return sum / float64(n), ll, true
}

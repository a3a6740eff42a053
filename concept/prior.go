package concept

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/perf"
	"github.com/driftmon/driftmon/drift"
)

// Methods of the rows computed before labels arrive.
const (
	MethodBBSEPrior    = "bbse_prior"
	MethodBBSEWeight   = "bbse_weight"
	MethodCBPEAccuracy = "cbpe_accuracy"
	MethodCBPEF1       = "cbpe_f1"
	MethodCBPEROCAUC   = "cbpe_roc_auc"
)

// LabelSummary summarises labels as the prior rows compare them: numeric
// (binned at edges, nil for none) for regression, else categorical, of
// the class each label stands for (for a score model "1" or "0").
func (t Task) LabelSummary(labels []string, edges []float64, lim drift.Limits) *drift.FeatureSummary {
	t = t.WithDefaults()
	if t.Kind == Regression {
		s := drift.NewFeatureSummary(LabelFeature, drift.Numeric, edges, lim, 1)
		for _, l := range labels {
			if x, err := strconv.ParseFloat(l, 64); err == nil {
				s.Observe(drift.Value{Kind: drift.Number, Num: x})
			} else {
				s.Observe(drift.Value{Kind: drift.String, Str: l})
			}
		}
		return s
	}
	s := drift.NewFeatureSummary(LabelFeature, drift.Categorical, nil, lim, 1)
	for _, l := range labels {
		s.Observe(drift.Value{Kind: drift.String, Str: t.truth(l)})
	}
	return s
}

// LabelRows compares a window's label distribution with the reference's:
// the same statistics and verdict as a feature's covariate rows (policy
// p), as family prior, feature "label".
func LabelRows(ref, cur *drift.FeatureSummary, p detectors.Policy, model string, seq int64, b drift.WindowBounds) []drift.Result {
	if ref == nil || cur == nil {
		return nil
	}
	r := *ref
	r.Name = LabelFeature
	c := *cur
	c.Name = LabelFeature
	w := &drift.WindowSummary{Model: model, ModelVersion: b.ModelVersion, Seq: seq, Start: b.Start, End: b.End,
		Features: []*drift.FeatureSummary{&c}}
	var out []drift.Result
	for _, row := range detectors.Evaluate(&drift.Reference{Features: []*drift.FeatureSummary{&r}}, w, p) {
		if row.Feature != LabelFeature {
			continue // the dataset row of this one-feature window
		}
		row.Family = drift.Prior
		out = append(out, row)
	}
	return out
}

// Confusion is a reference's joint counts of (predicted class, true
// class), over Classes in sorted order.
type Confusion struct {
	Classes []string
	Counts  [][]float64 // [predicted][true]
}

// NewConfusion counts the reference outcomes; ok is false when they have
// fewer than two classes.
func (t Task) NewConfusion(outcomes []Outcome) (Confusion, bool) {
	t = t.WithDefaults()
	if t.Kind == Regression {
		return Confusion{}, false
	}
	set := map[string]bool{}
	for _, o := range outcomes {
		set[t.Predicted(o.Output, o.Score)] = true
		set[t.truth(o.Label)] = true
	}
	classes := make([]string, 0, len(set))
	for c := range set {
		classes = append(classes, c)
	}
	slices.Sort(classes)
	if len(classes) < 2 {
		return Confusion{}, false
	}
	idx := map[string]int{}
	for i, c := range classes {
		idx[c] = i
	}
	counts := make([][]float64, len(classes))
	for i := range counts {
		counts[i] = make([]float64, len(classes))
	}
	for _, o := range outcomes {
		counts[idx[t.Predicted(o.Output, o.Score)]][idx[t.truth(o.Label)]]++
	}
	return Confusion{Classes: classes, Counts: counts}, true
}

// PredictedCounts counts a window's predicted classes over the confusion's
// classes from the window's prediction summary: a class model's category
// counts; a score model's values at or above the threshold (exact while
// the sample holds the whole window, else read off the quantile sketch).
// A class the reference never had is not counted.
func (t Task) PredictedCounts(c Confusion, pred *drift.FeatureSummary) ([]float64, bool) {
	t = t.WithDefaults()
	if pred == nil || pred.Count == 0 {
		return nil, false
	}
	out := make([]float64, len(c.Classes))
	at := func(class string) int { return slices.Index(c.Classes, class) }
	if t.Kind == Score {
		var pos float64
		switch {
		case pred.Sample != nil && pred.Sample.Complete():
			for _, x := range pred.Sample.Values() {
				if x >= t.Threshold {
					pos++
				}
			}
		case pred.Sketch != nil:
			pos = float64(pred.Count) * (1 - pred.Sketch.CDF(math.Nextafter(t.Threshold, math.Inf(-1))))
		default:
			return nil, false
		}
		if i := at("1"); i >= 0 {
			out[i] = pos
		}
		if i := at("0"); i >= 0 {
			out[i] = float64(pred.Count) - pos
		}
		return out, true
	}
	for class, n := range pred.Categories {
		if i := at(class); i >= 0 {
			out[i] += float64(n)
		}
	}
	return out, true
}

// BBSERows estimates the window's class priors by black-box shift
// estimation: per class, a bbse_prior row (the estimated current prior;
// threshold: the reference's prior) and a bbse_weight row (p_current /
// p_reference). They are reported, not judged: the label rows judge the
// prior once labels come.
func BBSERows(c Confusion, curPred []float64, model string, seq int64, b drift.WindowBounds) ([]drift.Result, error) {
	est, err := perf.BBSE(c.Counts, curPred)
	if err != nil {
		return nil, fmt.Errorf("bbse: %w", err)
	}
	var nref, ncur float64
	refPrior := make([]float64, len(c.Classes))
	for i := range c.Counts {
		for j, v := range c.Counts[i] {
			refPrior[j] += v
			nref += v
		}
	}
	for _, v := range curPred {
		ncur += v
	}
	var out []drift.Result
	for j, class := range c.Classes {
		base := drift.Result{Model: model, ModelVersion: b.ModelVersion, Family: drift.Prior, Feature: class,
			WindowSeq: seq, WindowStart: b.Start, WindowEnd: b.End, NReference: uint64(nref), NCurrent: uint64(ncur)}
		p := base
		p.Method, p.Statistic, p.Threshold = MethodBBSEPrior, est.Prior[j], refPrior[j]/nref
		w := base
		w.Method, w.Statistic, w.Threshold = MethodBBSEWeight, est.Weight[j], 1
		if finite(p.Statistic) {
			out = append(out, p)
		}
		if finite(w.Statistic) {
			out = append(out, w)
		}
	}
	return out, nil
}

// CBPE is a binary model's confidence-based performance estimator, fitted
// once on the reference.
type CBPE struct {
	est *perf.CBPE
	ref *Reference
}

// NewCBPE calibrates the reference's scores against its labels; ok is
// false for a task without scores or a reference that cannot be
// calibrated (one class only).
func NewCBPE(ref *Reference) (*CBPE, bool) {
	if ref == nil || !ref.task.Binary() {
		return nil, false
	}
	var p []float64
	var pos []bool
	for _, o := range ref.outcomes {
		if math.IsNaN(o.Score) || o.Score < 0 || o.Score > 1 {
			continue
		}
		p, pos = append(p, o.Score), append(pos, ref.task.IsPositive(o.Label))
	}
	est, err := perf.FitCBPE(p, pos, ref.task.Threshold)
	if err != nil {
		return nil, false
	}
	return &CBPE{est: est, ref: ref}, true
}

// Rows estimates a window's accuracy, F1 and ROC AUC from its scores alone
// (the window's sample: every score while the window fits it), judged
// against the reference's thresholds for realised performance at the
// sample's size.
func (c *CBPE) Rows(pred *drift.FeatureSummary, p Policy, model string, seq int64, b drift.WindowBounds) []drift.Result {
	if c == nil || pred == nil || pred.Sample == nil || len(pred.Sample.Values()) == 0 {
		return nil
	}
	scores := pred.Sample.Values()
	e, ok := c.est.Estimate(scores)
	if !ok {
		return nil
	}
	th := c.ref.thresholds(len(scores), p.withDefaults())
	var out []drift.Result
	for _, mv := range []struct {
		method, realised string
		v                float64
	}{{MethodCBPEAccuracy, MethodAccuracy, e.Accuracy}, {MethodCBPEF1, MethodF1, e.F1}, {MethodCBPEROCAUC, MethodROCAUC, e.ROCAUC}} {
		if !finite(mv.v) {
			continue
		}
		r := drift.Result{Model: model, ModelVersion: b.ModelVersion, Family: drift.Concept, Method: mv.method,
			WindowSeq: seq, WindowStart: b.Start, WindowEnd: b.End, Statistic: mv.v,
			NReference: uint64(c.ref.Len()), NCurrent: pred.Count}
		if t, ok := th[mv.realised]; ok {
			r.Threshold, r.Drifted = t.value, mv.v < t.value
		}
		out = append(out, r)
	}
	return out
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

package labels

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/driftmon/driftmon/concept"
	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/reference"
)

// Spec is what a model's config says of its label side (monitor builds
// it from the config).
type Spec struct {
	Task   concept.Task
	Policy concept.Policy
	// Detectors are the stream detectors the model runs.
	Detectors []string
	Seed      uint64
	// Drift decides the label-distribution rows, as the model's drift
	// policy decides its features.
	Drift  detectors.Policy
	Limits drift.Limits
	// LabelDelay is how long after its prediction a label still counts
	// (join.DefaultLabelDelay when zero).
	LabelDelay time.Duration
}

// Model is what a model's label side knows: how its predictions are
// scored, and what its reference says of them.
type Model struct {
	task      concept.Task
	policy    concept.Policy
	detectors []string
	seed      uint64
	drift     detectors.Policy
	delay     time.Duration
	// From the reference file's labelled rows (nil without them).
	ref       *concept.Reference
	labels    *drift.FeatureSummary
	confusion *concept.Confusion
	cbpe      *concept.CBPE
	lim       drift.Limits
}

// NewModel builds a model's label side. outcomes are the reference file's
// labelled rows (none: a model without a file reference, or a file without
// labels); with them the model knows the reference's performance, label
// distribution, confusion matrix (for label-shift estimation) and CBPE
// calibration.
func NewModel(s Spec, outcomes []reference.Outcome) *Model {
	m := &Model{task: s.Task.WithDefaults(), policy: s.Policy, detectors: s.Detectors, seed: s.Seed,
		drift: s.Drift, delay: s.LabelDelay, lim: s.Limits}
	if len(outcomes) == 0 {
		return m
	}
	rows := outcomes
	outs := make([]concept.Outcome, len(rows))
	labels := make([]string, len(rows))
	for i, r := range rows {
		outs[i] = concept.Outcome{Output: r.Prediction, Score: m.scoreOf(r.Prediction), Label: r.Label}
		if r.Probs != nil {
			outs[i].Score, outs[i].Probs, _ = m.fromProbs(r.Probs)
		}
		labels[i] = r.Label
	}
	m.ref = concept.NewReference(m.task, outs)
	var edges []float64
	if m.task.Kind == concept.Regression {
		var ys []float64
		for _, l := range labels {
			if y, err := strconv.ParseFloat(l, 64); err == nil && !math.IsNaN(y) && !math.IsInf(y, 0) {
				ys = append(ys, y)
			}
		}
		slices.Sort(ys)
		if len(ys) > 0 {
			edges = drift.DecileEdges(ys)
		}
	}
	m.labels = m.task.LabelSummary(labels, edges, m.lim)
	if cf, ok := m.task.NewConfusion(outs); ok {
		m.confusion = &cf
	}
	if cb, ok := concept.NewCBPE(m.ref); ok {
		m.cbpe = cb
	}
	return m
}

// scoreOf reads a score model's output text as its score.
func (m *Model) scoreOf(output string) float64 {
	if m.task.Kind != concept.Score && m.task.Kind != concept.Probabilities {
		return math.NaN()
	}
	if x, err := strconv.ParseFloat(output, 64); err == nil {
		return x
	}
	return math.NaN()
}

// outcome is pipeline.LabelSide.Outcome for this model: the score (a score
// model's output, a probabilities model's positive-class probability,
// else NaN) and a probabilities model's whole output as JSON; ok is false
// for a prediction without an output.
func (m *Model) outcome(p *drift.Prediction) (float64, string, bool) {
	switch p.Output.Kind {
	case drift.Number:
		if m.task.Kind == concept.Score {
			return p.Output.Num, "", true
		}
		return math.NaN(), "", true
	case drift.String, drift.Bool:
		if m.task.Kind != concept.Probabilities || len(p.Probabilities) == 0 {
			return math.NaN(), "", true
		}
		probs := make(map[string]float64, len(p.Probabilities))
		for _, f := range p.Probabilities {
			if f.Value.Kind == drift.Number {
				probs[f.Name] = f.Value.Num
			}
		}
		return m.fromProbs(probs)
	}
	return math.NaN(), "", false
}

// fromProbs is a probabilities model's score (the positive class's
// probability, NaN without one) and its output as JSON (sorted keys).
func (m *Model) fromProbs(probs map[string]float64) (float64, string, bool) {
	score := math.NaN()
	if p, ok := probs[m.task.Positive]; ok {
		score = p
	}
	b, err := json.Marshal(probs)
	if err != nil {
		return score, "", true // a NaN probability: the score stands alone
	}
	return score, string(b), true
}

// recover reads back from the raw log what outcome gave of a prediction:
// a score model's output, a probabilities model's probabilities from the
// original event.
func (m *Model) recover(r drift.PredictionRecord) (float64, string) {
	switch m.task.Kind {
	case concept.Score:
		return m.scoreOf(r.Output), ""
	case concept.Probabilities:
		var ev struct {
			Prediction map[string]float64 `json:"prediction"`
		}
		if json.Unmarshal(r.Body, &ev) == nil && len(ev.Prediction) > 0 {
			score, probs, _ := m.fromProbs(ev.Prediction)
			return score, probs
		}
	}
	return math.NaN(), ""
}

func (m *Model) labelResults(model string, seq int64, b drift.WindowBounds, rows []drift.LabelledRecord) []drift.Result {
	if len(rows) == 0 {
		return nil
	}
	out := concept.Window(m.task, m.ref, m.policy, model, seq, b, rows, m.detectors)
	if m.labels != nil {
		labels := make([]string, len(rows))
		for i, r := range rows {
			labels[i] = r.Label
		}
		cur := m.task.LabelSummary(labels, m.labels.Edges, m.lim)
		out = append(out, concept.LabelRows(m.labels, cur, m.drift, model, seq, b)...)
	}
	return out
}

// WindowResults are the label side's rows of a window as it closes, the
// estimates that need no labels: BBSE's priors and CBPE's performance.
// The rows of its labels come once it is stored (EvaluateLabels).
func (m *Model) WindowResults(w *drift.WindowSummary) []drift.Result {
	if m == nil {
		return nil
	}
	b := drift.WindowBounds{ModelVersion: w.ModelVersion, Start: w.Start, End: w.End}
	var out []drift.Result
	if m.confusion != nil && w.Prediction != nil {
		if counts, ok := m.task.PredictedCounts(*m.confusion, w.Prediction); ok {
			rows, err := concept.BBSERows(*m.confusion, counts, w.Model, w.Seq, b)
			if err == nil {
				out = append(out, rows...)
			}
			// A singular confusion matrix (a class the reference never
			// predicts) has no estimate; the rest of the window's rows
			// stand.
		}
	}
	return append(out, m.cbpe.Rows(w.Prediction, m.policy, w.Model, w.Seq, b)...)
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/driftmon/driftmon/concept"
	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/join"
	"github.com/driftmon/driftmon/pipeline"
	"github.com/driftmon/driftmon/reference"
	"github.com/driftmon/driftmon/storage"
)

// modelConcept is what a model's label side knows: how its predictions are
// scored, and what its reference says of them.
type modelConcept struct {
	task      concept.Task
	policy    concept.Policy
	detectors []string
	seed      uint64
	// From the reference file's labelled rows (nil without them).
	ref       *concept.Reference
	labels    *drift.FeatureSummary
	confusion *concept.Confusion
	cbpe      *concept.CBPE
	lim       drift.Limits
}

// newModelConcept builds a model's label side; nil for a model whose output
// is not monitored (no `prediction`). A reference file with a label column
// gives it the reference's performance, label distribution, confusion
// matrix (for label-shift estimation) and CBPE calibration.
func newModelConcept(ctx context.Context, mc *config.ModelConfig, lim drift.Limits) (*modelConcept, error) {
	if mc.Prediction == "" {
		return nil, nil
	}
	c := mc.Concept
	m := &modelConcept{
		task:   concept.Task{Kind: concept.Kind(mc.Prediction), Positive: c.PositiveClass, Threshold: c.ScoreThreshold()}.WithDefaults(),
		policy: concept.Policy{K: c.K, Tolerance: c.Tolerance},
		seed:   c.Seed(),
		lim:    lim,
	}
	m.detectors = config.StreamDetectors
	if c.Detectors != nil {
		m.detectors = c.Detectors
	}
	if mc.Reference.File == "" {
		return m, nil
	}
	rows, ok, err := reference.OutcomesCSV(ctx, mc.Reference.File, reference.PredictionName, c.Label())
	if err != nil || !ok {
		return m, err
	}
	outcomes := make([]concept.Outcome, len(rows))
	labels := make([]string, len(rows))
	for i, r := range rows {
		outcomes[i] = concept.Outcome{Output: r.Prediction, Score: m.scoreOf(r.Prediction), Label: r.Label}
		if r.Probs != nil {
			outcomes[i].Score, outcomes[i].Probs, _ = m.fromProbs(r.Probs)
		}
		labels[i] = r.Label
	}
	m.ref = concept.NewReference(m.task, outcomes)
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
	m.labels = m.task.LabelSummary(labels, edges, lim)
	if cf, ok := m.task.NewConfusion(outcomes); ok {
		m.confusion = &cf
	}
	if cb, ok := concept.NewCBPE(m.ref); ok {
		m.cbpe = cb
	}
	return m, nil
}

// scoreOf reads a score model's output text as its score.
func (m *modelConcept) scoreOf(output string) float64 {
	if m.task.Kind != concept.Score && m.task.Kind != concept.Probabilities {
		return math.NaN()
	}
	if x, err := strconv.ParseFloat(output, 64); err == nil {
		return x
	}
	return math.NaN()
}

// outcome is pipeline.Labels.Outcome for this model: the score (a score
// model's output, a probabilities model's positive-class probability,
// else NaN) and a probabilities model's whole output as JSON; ok is false
// for a prediction without an output.
func (m *modelConcept) outcome(p *drift.Prediction) (float64, string, bool) {
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
func (m *modelConcept) fromProbs(probs map[string]float64) (float64, string, bool) {
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
func (m *modelConcept) recover(r drift.PredictionRecord) (float64, string) {
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

// labelReader reads a window's labelled rows.
type labelReader interface {
	Labelled(ctx context.Context, model string, seq int64) ([]drift.LabelledRecord, error)
}

// EvaluateLabels implements pipeline.LabelEvaluator: a stored window's
// concept rows and label-distribution rows, from its labelled rows.
func (e *evaluator) EvaluateLabels(ctx context.Context, model string, seq int64, b drift.WindowBounds) ([]drift.Result, error) {
	e.mu.Lock()
	me := e.models[model]
	e.mu.Unlock()
	if me == nil || me.concept == nil || e.labels == nil {
		return nil, nil
	}
	rows, err := e.labels.Labelled(ctx, model, seq)
	if err != nil {
		return nil, fmt.Errorf("read labelled rows of %s window %d: %w", model, seq, err)
	}
	return me.concept.labelResults(model, seq, b, rows, me.policy), nil
}

func (m *modelConcept) labelResults(model string, seq int64, b drift.WindowBounds, rows []drift.LabelledRecord, p detectors.Policy) []drift.Result {
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
		out = append(out, concept.LabelRows(m.labels, cur, p, model, seq, b)...)
	}
	return out
}

// windowResults are the label side's rows of a window as it closes, the
// estimates that need no labels: BBSE's priors and CBPE's performance.
// The rows of its labels come once it is stored (EvaluateLabels).
func (e *evaluator) windowResults(me *modelEval, w *drift.WindowSummary) []drift.Result {
	m := me.concept
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

// labelSide wires the pipeline's label join and concept results, or
// returns nil when no model monitors its output or the store cannot hold
// labelled rows.
func labelSide(cfg *config.Config, store storage.Store, evals map[string]*modelEval, ev *evaluator) *pipeline.Labels {
	ls, ok := store.(storage.LabelStore)
	if !ok {
		return nil
	}
	concepts := map[string]*modelConcept{}
	models := map[string]join.Model{}
	for i := range cfg.Models {
		mc := &cfg.Models[i]
		me := evals[mc.Name]
		if me == nil || me.concept == nil {
			continue
		}
		c := me.concept
		concepts[mc.Name] = c
		models[mc.Name] = join.Model{LabelDelay: mc.Delay(), Recover: c.recover}
	}
	if len(concepts) == 0 {
		return nil
	}
	recent := join.NewRecent(cfg.Labels.MaxBuffered)
	lookup := func(model string) (concept.Task, []string, bool) {
		c := concepts[model]
		if c == nil {
			return concept.Task{}, nil, false
		}
		return c.task, c.detectors, true
	}
	return &pipeline.Labels{
		Recent: recent,
		NewJoiner: func() pipeline.Joiner {
			return join.New(join.Config{Recent: recent, Store: ls, Models: models,
				MaxWaiting: cfg.Labels.MaxWaiting, Wait: cfg.Labels.Wait})
		},
		NewStreams: func() (pipeline.StreamDetectors, error) {
			return concept.NewBank(lookup, func(model string) uint64 { return concepts[model].seed }), nil
		},
		Outcome: func(p *drift.Prediction) (float64, string, bool) {
			c := concepts[p.Model]
			if c == nil {
				return 0, "", false
			}
			return c.outcome(p)
		},
		Store:     ls,
		Evaluator: ev,
	}
}

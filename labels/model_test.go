package labels

import (
	"math"
	"testing"

	"github.com/driftmon/driftmon/concept"
	"github.com/driftmon/driftmon/drift"
)

// TestModelConceptOutcome checks the score the label side keeps of a
// prediction, from the event and from the raw log's record of it, per kind
// of model.
func TestModelConceptOutcome(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name       string
		task       concept.Task
		pred       drift.Prediction
		body       string
		output     string
		score      float64
		probs      string
		fromRecord float64
	}{
		{name: "score", task: concept.Task{Kind: concept.Score},
			pred: drift.Prediction{Output: drift.NumberValue(0.25)}, output: "0.25", score: 0.25, fromRecord: 0.25},
		{name: "class", task: concept.Task{Kind: concept.Class},
			pred: drift.Prediction{Output: drift.StringValue("cat")}, output: "cat", score: nan, fromRecord: nan},
		{name: "probabilities", task: concept.Task{Kind: concept.Probabilities, Positive: "yes"},
			pred: drift.Prediction{Output: drift.StringValue("no"), Probabilities: []drift.Feature{
				{Name: "no", Value: drift.NumberValue(0.7)}, {Name: "yes", Value: drift.NumberValue(0.3)}}},
			body: `{"model":"m","prediction":{"yes":0.3,"no":0.7}}`, output: "no", score: 0.3,
			probs: `{"no":0.7,"yes":0.3}`, fromRecord: 0.3},
		{name: "regression", task: concept.Task{Kind: concept.Regression},
			pred: drift.Prediction{Output: drift.NumberValue(12.5)}, output: "12.5", score: nan, fromRecord: nan},
	}
	same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &Model{task: tc.task.WithDefaults()}
			score, probs, ok := m.outcome(&tc.pred)
			if !ok || !same(score, tc.score) || probs != tc.probs {
				t.Errorf("outcome = %v, %q, %v; want %v, %q", score, probs, ok, tc.score, tc.probs)
			}
			rec := drift.PredictionRecord{Output: tc.output, Body: []byte(tc.body)}
			if got, gotProbs := m.recover(rec); !same(got, tc.fromRecord) || gotProbs != tc.probs {
				t.Errorf("recover = %v, %q; want %v, %q", got, gotProbs, tc.fromRecord, tc.probs)
			}
		})
	}
}

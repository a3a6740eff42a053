package pipeline_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/driftmon/driftmon/concept"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/join"
	"github.com/driftmon/driftmon/pipeline"
	"github.com/driftmon/driftmon/storage"
)

// labelEvaluator computes a window's concept rows from its labelled rows
// in the embedded store, as the service does (without a reference).
type labelEvaluator struct{ store storage.LabelStore }

func (e labelEvaluator) EvaluateLabels(ctx context.Context, model string, seq int64, b drift.WindowBounds) ([]drift.Result, error) {
	rows, err := e.store.Labelled(ctx, model, seq)
	if err != nil {
		return nil, err
	}
	return concept.Window(concept.Task{Kind: concept.Score}, nil, concept.Policy{}, model, seq, b, rows, concept.Detectors), nil
}

// labelSide is the service's label side on e's store.
func (e *env) labelSide() *pipeline.Labels {
	recent := join.NewRecent(1000)
	task := concept.Task{Kind: concept.Score}.WithDefaults()
	return &pipeline.Labels{
		Recent: recent,
		NewJoiner: func() pipeline.Joiner {
			return join.New(join.Config{Recent: recent, Store: e.store, Wait: time.Hour})
		},
		NewStreams: func() (pipeline.StreamDetectors, error) {
			return concept.NewBank(func(string) (concept.Task, []string, bool) { return task, concept.Detectors, true }, nil), nil
		},
		Outcome:   func(p *drift.Prediction) (float64, string, bool) { return p.Output.Num, "", true },
		Store:     e.store,
		Evaluator: labelEvaluator{e.store},
	}
}

// TestLabelsWaitAcrossARestart sends labels before their predictions, checkpoints
// the label partition and restarts the process (a new store handle, a new
// join memory): the waiting labels come back from the checkpoint and join
// once the predictions arrive; the window closed meanwhile gets its
// accuracy from them, and a replay of the same labels changes nothing.
func TestLabelsWaitAcrossARestart(t *testing.T) {
	fx := newFixture(t, 0, time.Hour)
	e := newEnv(t, fx)
	ctx := context.Background()
	pl := e.pipeline(func(c *pipeline.Config) { c.Labels = e.labelSide(); c.RawLog = true })
	lp, _ := e.open(pl, labelsTopic, 0, wallAt(0))
	// Events 0..9 in the first minute: output x/100 = 7i mod 99 / 100;
	// label 1 exactly for i even: right when (output >= 0.5) == even.
	preds := events("m", 0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 70)
	right := 0
	for i := 0; i < 10; i++ {
		l := &drift.Label{Model: "m", ID: preds[i].ID, Time: t0.Add(time.Hour), Label: drift.NumberValue(float64((i + 1) % 2))}
		if err := lp.Label(ctx, l, []byte("{}"), drift.Source{Topic: labelsTopic, Offset: int64(i)}, wallAt(1)); err != nil {
			t.Fatal(err)
		}
		if (preds[i].Output.Num >= 0.5) == (i%2 == 0) {
			right++
		}
	}
	if err := lp.Checkpoint(ctx, 10, wallAt(2)); err != nil {
		t.Fatal(err)
	}
	lp.Close()

	e.reopen()
	pl = e.pipeline(func(c *pipeline.Config) { c.Labels = e.labelSide(); c.RawLog = true })
	lp, resume := e.open(pl, labelsTopic, 0, wallAt(3))
	if resume != 10 {
		t.Fatalf("label partition resumes at %d, want 10", resume)
	}
	pp, _ := e.open(pl, predsTopic, 0, wallAt(3))
	feed(t, pp, preds, 0, len(preds)) // the event at 70 s closes the first window
	if err := pp.Checkpoint(ctx, int64(len(preds)), wallAt(4)); err != nil {
		t.Fatal(err)
	}
	if err := lp.Checkpoint(ctx, 10, wallAt(5)); err != nil {
		t.Fatal(err)
	}
	acc := storedResults(t, e.store, storage.ResultQuery{Model: "m", Family: drift.Concept, Method: "accuracy"})
	if len(acc) != 1 || acc[0].NCurrent != 10 || math.Abs(acc[0].Statistic-float64(right)/10) > 1e-15 {
		t.Fatalf("accuracy rows %+v, want one of %d/10 over 10 labels", acc, right)
	}
	if got := series(t, e.reg, "driftmon_labels_total"); got[`model=m,outcome=joined`] != 10 {
		t.Errorf("labels counted %v, want 10 joined", got)
	}
	// The same labels again (a replay from an older offset): duplicates,
	// and the same accuracy.
	for i := 0; i < 10; i++ {
		l := &drift.Label{Model: "m", ID: preds[i].ID, Time: t0.Add(time.Hour), Label: drift.NumberValue(float64((i + 1) % 2))}
		if err := lp.Label(ctx, l, []byte("{}"), drift.Source{Topic: labelsTopic, Offset: int64(i)}, wallAt(6)); err != nil {
			t.Fatal(err)
		}
	}
	if err := lp.Checkpoint(ctx, 10, wallAt(7)); err != nil {
		t.Fatal(err)
	}
	again := storedResults(t, e.store, storage.ResultQuery{Model: "m", Family: drift.Concept, Method: "accuracy"})
	if len(again) != 1 || again[0].Statistic != acc[0].Statistic || again[0].NCurrent != 10 {
		t.Errorf("after the replay: %+v, want the same accuracy over 10", again)
	}
	if got := series(t, e.reg, "driftmon_labels_total"); got[`model=m,outcome=duplicate`] != 10 {
		t.Errorf("labels counted %v, want 10 duplicates", got)
	}
}

// TestLabelResultsWaitForTheCheckpoint: labels flushed because the buffer
// filled are joined and stored at once, but their windows' results are
// recomputed once, at the next checkpoint, from all of them.
func TestLabelResultsWaitForTheCheckpoint(t *testing.T) {
	fx := newFixture(t, 0, time.Hour)
	e := newEnv(t, fx)
	ctx := context.Background()
	pl := e.pipeline(func(c *pipeline.Config) { c.Labels = e.labelSide(); c.RawLog = true; c.FlushRows = 4 })
	pp, _ := e.open(pl, predsTopic, 0, wallAt(0))
	lp, _ := e.open(pl, labelsTopic, 0, wallAt(0))
	preds := events("m", 0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 70)
	feed(t, pp, preds, 0, len(preds)) // the first window closes, unlabelled
	for i := 0; i < 10; i++ {
		l := &drift.Label{Model: "m", ID: preds[i].ID, Time: t0.Add(time.Hour), Label: drift.NumberValue(1)}
		if err := lp.Label(ctx, l, []byte("{}"), drift.Source{Topic: labelsTopic, Offset: int64(i)}, wallAt(20)); err != nil {
			t.Fatal(err)
		}
	}
	if got := storedResults(t, e.store, storage.ResultQuery{Model: "m", Family: drift.Concept, Method: "accuracy"}); len(got) != 0 {
		t.Fatalf("results before the checkpoint: %+v", got)
	}
	if err := lp.Checkpoint(ctx, 10, wallAt(21)); err != nil {
		t.Fatal(err)
	}
	got := storedResults(t, e.store, storage.ResultQuery{Model: "m", Family: drift.Concept, Method: "accuracy"})
	if len(got) != 1 || got[0].NCurrent != 10 {
		t.Fatalf("after the checkpoint: %+v, want one accuracy row over 10 labels", got)
	}
}

package pipeline_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/driftmon/driftmon/concept"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/labels/join"
	"github.com/driftmon/driftmon/pipeline"
	"github.com/driftmon/driftmon/storage"
	"github.com/driftmon/driftmon/storage/embedded"
)

// labelEvaluator computes a window's concept rows from its labelled rows
// in the embedded store, as the service does (without a reference).
type labelEvaluator struct{ store storage.LabelStore }

func (e labelEvaluator) EvaluateLabels(ctx context.Context, model string, seq int64, b drift.WindowBounds) ([]drift.Result, error) {
	rows, err := e.store.Labelled(ctx, model, seq)
	if err != nil {
		return nil, err
	}
	return concept.Window(concept.Task{Kind: concept.Score, Threshold: concept.DefaultThreshold}, nil, concept.Policy{}, model, seq, b, rows, concept.Detectors), nil
}

// testLabels is the service's label side on a store, reduced to a score
// model with every stream detector and no reference.
type testLabels struct {
	recent *join.Recent
	store  *embedded.Store
	task   concept.Task
	labelEvaluator
}

func (l *testLabels) Outcome(p *drift.Prediction) (float64, string, bool) {
	return p.Output.Num, "", true
}
func (l *testLabels) Remember(model, id string, p join.Prediction) { l.recent.Put(model, id, p) }
func (l *testLabels) NewJoiner() pipeline.Joiner {
	return join.New(join.Config{Recent: l.recent, Store: l.store, Wait: time.Hour})
}
func (l *testLabels) NewStreams() pipeline.StreamDetectors {
	return concept.NewBank(func(string) (concept.Task, []string, bool) { return l.task, concept.Detectors, true }, nil)
}

// labelSide is the service's label side on e's store.
func (e *env) labelSide() *testLabels {
	return &testLabels{recent: join.NewRecent(1000), store: e.store,
		task:           concept.Task{Kind: concept.Score, Threshold: concept.DefaultThreshold}.WithDefaults(),
		labelEvaluator: labelEvaluator{e.store}}
}

// label hands lp a label for each of preds[from:to], an hour after t0,
// of value(i), as labels-topic records from offset on, at wall time now.
func label(t *testing.T, lp *pipeline.Partition, preds []*drift.Prediction, from, to int, offset int64, value func(i int) float64, now time.Time) {
	t.Helper()
	for i := from; i < to; i++ {
		l := &drift.Label{Model: "m", ID: preds[i].ID, Time: t0.Add(time.Hour), Label: drift.NumberValue(value(i))}
		src := drift.Source{Topic: labelsTopic, Offset: offset + int64(i-from)}
		if err := lp.Label(context.Background(), l, []byte("{}"), src, now); err != nil {
			t.Fatalf("Label %d: %v", i, err)
		}
	}
}

// evenOnes labels the even events 1 and the odd ones 0; allOnes all 1.
func evenOnes(i int) float64 { return float64((i + 1) % 2) }
func allOnes(int) float64    { return 1 }

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
	label(t, lp, preds, 0, 10, 0, evenOnes, wallAt(1))
	right := 0
	for i := 0; i < 10; i++ {
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
	// The same labels sent again (new records, offsets 10-19): duplicates,
	// and the same accuracy.
	label(t, lp, preds, 0, 10, 10, evenOnes, wallAt(6))
	if err := lp.Checkpoint(ctx, 20, wallAt(7)); err != nil {
		t.Fatal(err)
	}
	again := storedResults(t, e.store, storage.ResultQuery{Model: "m", Family: drift.Concept, Method: "accuracy"})
	if len(again) != 1 || again[0].Statistic != acc[0].Statistic || again[0].NCurrent != 10 {
		t.Errorf("after the resend: %+v, want the same accuracy over 10", again)
	}
	if got := series(t, e.reg, "driftmon_labels_total"); got[`model=m,outcome=duplicate`] != 10 {
		t.Errorf("labels counted %v, want 10 duplicates", got)
	}
	// The first labels' own records read again (a restart that replays
	// them): not duplicates, so detectors restored to before them see
	// them again; the accuracy stands.
	label(t, lp, preds, 0, 10, 0, evenOnes, wallAt(8))
	if err := lp.Checkpoint(ctx, 20, wallAt(9)); err != nil {
		t.Fatal(err)
	}
	if got := series(t, e.reg, "driftmon_labels_total"); got[`model=m,outcome=duplicate`] != 10 || got[`model=m,outcome=joined`] != 20 {
		t.Errorf("labels counted %v, want 20 joined (10 of them replays) and 10 duplicates", got)
	}
	replayed := storedResults(t, e.store, storage.ResultQuery{Model: "m", Family: drift.Concept, Method: "accuracy"})
	if len(replayed) != 1 || replayed[0].Statistic != acc[0].Statistic || replayed[0].NCurrent != 10 {
		t.Errorf("after the replay: %+v, want the same accuracy over 10", replayed)
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
	label(t, lp, preds, 0, 10, 0, allOnes, wallAt(20))
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

// failingLabelled fails WriteLabelled while fail is set.
type failingLabelled struct {
	*embedded.Store
	fail bool
}

func (f *failingLabelled) WriteLabelled(ctx context.Context, rows []drift.LabelledRecord) error {
	if f.fail {
		return errors.New("clickhouse down")
	}
	return f.Store.WriteLabelled(ctx, rows)
}

// TestJoinedLabelsSurviveAnInterruptedFlush: a checkpoint whose labelled
// write is cut short (a revoke during an outage), then the consumer's final
// checkpoint: the labels joined before the outage are stored, not lost with
// the flush, and fed to the detectors once.
func TestJoinedLabelsSurviveAnInterruptedFlush(t *testing.T) {
	fx := newFixture(t, 0, time.Hour)
	e := newEnv(t, fx)
	fl := &failingLabelled{Store: e.store}
	pl := e.pipeline(func(c *pipeline.Config) { c.Labels = e.labelSide(); c.Store = fl; c.RawLog = true })
	pp, _ := e.open(pl, predsTopic, 0, wallAt(0))
	lp, _ := e.open(pl, labelsTopic, 0, wallAt(0))
	preds := events("m", 0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 70)
	feed(t, pp, preds, 0, len(preds))
	ctx := context.Background()
	label(t, lp, preds, 0, 10, 0, allOnes, wallAt(20))
	fl.fail = true
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	err := lp.Checkpoint(cctx, 10, wallAt(21))
	cancel()
	if err == nil {
		t.Fatal("checkpoint succeeded during the outage")
	}
	fl.fail = false
	// The consumer's final checkpoint (fresh context).
	if err := lp.Checkpoint(ctx, 10, wallAt(22)); err != nil {
		t.Fatal(err)
	}
	rows, err := e.store.Labelled(ctx, "m", seq0)
	if err != nil {
		t.Fatal(err)
	}
	cp, ok, _ := e.store.LoadCheckpoint(ctx, group, labelsTopic, 0)
	if !ok || cp.Offset != 10 {
		t.Errorf("checkpoint %v at %d, want one at 10", ok, cp.Offset)
	}
	if len(rows) != 10 {
		t.Errorf("labelled rows stored: %d, want 10 (offset %d committed)", len(rows), cp.Offset)
	}
}

// hookLabelled runs hook once, before the next labelled write.
type hookLabelled struct {
	*embedded.Store
	hook func()
}

func (h *hookLabelled) WriteLabelled(ctx context.Context, rows []drift.LabelledRecord) error {
	if f := h.hook; f != nil {
		h.hook = nil
		f()
	}
	return h.Store.WriteLabelled(ctx, rows)
}

// TestLabelResultsFromMoreRowsWin: the prediction partition closes the
// window (storing it, then reading its labelled rows) while the label
// partition writes more labelled rows; the label side then sees the stored
// window and recomputes from all of them, though its checkpoint's time was
// taken earlier: its result, read later, must be the one that stays.
func TestLabelResultsFromMoreRowsWin(t *testing.T) {
	fx := newFixture(t, 0, time.Hour)
	e := newEnv(t, fx)
	hl := &hookLabelled{Store: e.store}
	pl := e.pipeline(func(c *pipeline.Config) { c.Labels = e.labelSide(); c.Store = hl; c.RawLog = true })
	pp, _ := e.open(pl, predsTopic, 0, wallAt(0))
	lp, _ := e.open(pl, labelsTopic, 0, wallAt(0))
	preds := events("m", 0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 70)
	feed(t, pp, preds, 0, 10)
	ctx := context.Background()
	label(t, lp, preds, 0, 5, 0, allOnes, wallAt(11))
	if err := lp.Checkpoint(ctx, 5, wallAt(11)); err != nil {
		t.Fatal(err)
	}
	label(t, lp, preds, 5, 10, 5, allOnes, wallAt(11))
	hl.hook = func() { feed(t, pp, preds, 10, 11) }           // closes the window at wallAt(10)
	if err := lp.Checkpoint(ctx, 10, wallAt(9)); err != nil { // its now taken a moment earlier
		t.Fatal(err)
	}
	acc := storedResults(t, e.store, storage.ResultQuery{Model: "m", Family: drift.Concept, Method: "accuracy"})
	if len(acc) != 1 || acc[0].NCurrent != 10 {
		t.Errorf("accuracy rows %+v, want one over all 10 labels", acc)
	}
}

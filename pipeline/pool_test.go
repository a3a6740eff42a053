package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/pipeline"
	"github.com/driftmon/driftmon/storage"
)

// gatedEvaluator evaluates as refEvaluator does, once its gate lets it:
// enter, when set, runs as an evaluation starts (it may block, honouring
// ctx); evaluations of one model must never overlap.
type gatedEvaluator struct {
	*refEvaluator
	enter func(ctx context.Context, w *drift.WindowSummary) error

	mu      sync.Mutex
	running map[string]bool
	overlap []string
}

func (e *gatedEvaluator) Evaluate(ctx context.Context, w *drift.WindowSummary) ([]drift.Result, error) {
	e.mu.Lock()
	if e.running == nil {
		e.running = map[string]bool{}
	}
	if e.running[w.Model] {
		e.overlap = append(e.overlap, fmt.Sprintf("%s/%d", w.Model, w.Seq))
	}
	e.running[w.Model] = true
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.running[w.Model] = false
		e.mu.Unlock()
	}()
	if e.enter != nil {
		if err := e.enter(ctx, w); err != nil {
			return nil, err
		}
	}
	return e.refEvaluator.Evaluate(ctx, w)
}

// interleaved is two models' predictions, record by record: m at 0, 20,
// 40, ... s and n 5 s after each, for 5 minutes: each model closes four
// one-minute windows (the fifth stays open).
func interleaved() []*drift.Prediction {
	var secs []int
	for s := 0; s < 300; s += 20 {
		secs = append(secs, s)
	}
	m, n := events("m", secs...), events("n", secs...)
	var out []*drift.Prediction
	for i := range m {
		n[i].Time = n[i].Time.Add(5 * time.Second)
		out = append(out, m[i], n[i])
	}
	return out
}

// stored is what a run left in storage: every window and every result,
// in a comparable form.
func stored(t *testing.T, s storage.Store) []string {
	t.Helper()
	var out []string
	for _, model := range []string{"m", "n"} {
		for _, w := range storedWindows(t, s, model) {
			out = append(out, fmt.Sprintf("%s %+v", model, view(w)))
		}
		for _, r := range storedResults(t, s, storage.ResultQuery{Model: model}) {
			out = append(out, fmt.Sprintf("%s %s v%d", model, resultView(r), r.Version))
		}
	}
	return out
}

// TestPoolStoresWhatInlineStores runs the same records through a partition
// that evaluates its closed windows itself and through one that hands them
// to a pool of workers: storage ends the same, row for row, and each
// model's windows reach the observers in window order, one at a time.
func TestPoolStoresWhatInlineStores(t *testing.T) {
	fx := newFixture(t, 0, 0)
	preds := interleaved()
	n := len(preds)

	inline := newEnv(t, fx)
	p, _ := inline.open(inline.pipeline(nil), predsTopic, 0, wall)
	feed(t, p, preds, 0, n)
	if err := p.Checkpoint(context.Background(), int64(n), wallAt(n)); err != nil {
		t.Fatal(err)
	}
	p.Close()
	want := stored(t, inline.store)
	// Four closed windows per model, each with its rows: checked so that a
	// broken fixture cannot make the comparison vacuous.
	if ws := storedWindows(t, inline.store, "n"); len(ws) != 4 {
		t.Fatalf("inline run stored %d windows of n, want 4", len(ws))
	}

	for _, cfg := range []pipeline.PoolConfig{
		{Workers: 1, PerPartition: 1},
		{Workers: 2, PerPartition: 2, Queue: 1},
		{Workers: 4},
	} {
		t.Run(fmt.Sprintf("workers=%d in_flight=%d", cfg.Workers, cfg.PerPartition), func(t *testing.T) {
			e := newEnv(t, fx)
			ev := &gatedEvaluator{refEvaluator: fx.eval}
			var mu sync.Mutex
			order := map[string][]int64{}
			observe := func(w *drift.WindowSummary, _ []drift.Result) {
				mu.Lock()
				order[w.Model] = append(order[w.Model], w.Seq)
				mu.Unlock()
			}
			pool := pipeline.NewPool(cfg)
			pl := e.pipeline(func(c *pipeline.Config) {
				c.Pool, c.Evaluator, c.Observers = pool, ev, []pipeline.Observer{observe}
			})
			p, _ := e.open(pl, predsTopic, 0, wall)
			feed(t, p, preds, 0, n)
			if err := p.Checkpoint(context.Background(), int64(n), wallAt(n)); err != nil {
				t.Fatal(err)
			}
			p.Close()
			pool.Stop()
			if got := stored(t, e.store); !slices.Equal(got, want) {
				t.Errorf("stored with a pool:\n%v\nwant (inline):\n%v", got, want)
			}
			for _, model := range []string{"m", "n"} {
				if got := order[model]; len(got) != 4 || !slices.IsSorted(got) {
					t.Errorf("%s's windows observed in order %v, want 4 in window order", model, got)
				}
			}
			if len(ev.overlap) > 0 {
				t.Errorf("windows evaluated while an earlier one of their model still was: %v", ev.overlap)
			}
			if got := histogramCount(t, e.reg, "driftmon_window_store_seconds"); got != 8 {
				t.Errorf("driftmon_window_store_seconds counted %d windows, want 8", got)
			}
		})
	}
}

// histogramCount is the number of observations of a histogram without
// labels.
func histogramCount(t *testing.T, g prometheus.Gatherer, name string) uint64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetHistogram().GetSampleCount()
		}
	}
	return 0
}

// TestPoolReadsOnWhileEvaluating blocks the evaluation of m's first window
// until one of n's has started: the partition must hand m's window over,
// read on to the record that closes n's, and a second worker must take
// it. A partition that evaluated its windows itself would wait for ever
// (the test's deadline ends it).
func TestPoolReadsOnWhileEvaluating(t *testing.T) {
	fx := newFixture(t, 0, 0)
	preds := interleaved()
	n := len(preds)
	e := newEnv(t, fx)
	nStarted := make(chan struct{})
	var once sync.Once
	ev := &gatedEvaluator{refEvaluator: fx.eval, enter: func(ctx context.Context, w *drift.WindowSummary) error {
		if w.Model == "n" {
			once.Do(func() { close(nStarted) })
			return nil
		}
		select {
		case <-nStarted:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	pool := pipeline.NewPool(pipeline.PoolConfig{Workers: 2})
	defer pool.Stop()
	pl := e.pipeline(func(c *pipeline.Config) { c.Pool, c.Evaluator = pool, ev })
	p, _ := e.open(pl, predsTopic, 0, wall)
	defer p.Close()
	feed(t, p, preds, 0, n)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.Checkpoint(ctx, int64(n), wallAt(n)); err != nil {
		t.Fatalf("Checkpoint: %v (m's evaluation waited for one of n's that never started)", err)
	}
	if ws := storedWindows(t, e.store, "m"); len(ws) != 4 {
		t.Errorf("stored %d windows of m, want 4", len(ws))
	}
}

// TestPoolBackPressure: with one window in flight allowed and it still
// being evaluated, handing over the next one waits, here until the
// caller's context ends.
func TestPoolBackPressure(t *testing.T) {
	fx := newFixture(t, 0, 0)
	preds := events("m", 0, 65, 130) // 65 s closes window 0, 130 s window 1
	e := newEnv(t, fx)
	release := make(chan struct{})
	ev := &gatedEvaluator{refEvaluator: fx.eval, enter: func(ctx context.Context, _ *drift.WindowSummary) error {
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	pool := pipeline.NewPool(pipeline.PoolConfig{Workers: 1, PerPartition: 1})
	defer pool.Stop()
	pl := e.pipeline(func(c *pipeline.Config) { c.Pool, c.Evaluator = pool, ev })
	p, _ := e.open(pl, predsTopic, 0, wall)
	feed(t, p, preds, 0, 2) // window 0 closes and is handed over
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := p.Prediction(ctx, preds[2], []byte(`{}`), drift.Source{Topic: predsTopic, Offset: 2}, wallAt(2))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("handing over a second window with one in flight allowed: err = %v, want it to wait (context.Canceled)", err)
	}
	if got := series(t, e.reg, "driftmon_evaluation_waits_total")[""]; got != 1 {
		t.Errorf("driftmon_evaluation_waits_total = %v, want 1", got)
	}
	if got := series(t, e.reg, "driftmon_evaluation_in_flight")[""]; got != 1 {
		t.Errorf("driftmon_evaluation_in_flight = %v, want 1 (window 0, still evaluated)", got)
	}
	close(release)
	p.Close()
}

// TestCheckpointWaitsForDurableWindows is the crash test of a partition
// whose windows are in flight: its checkpoint cannot be saved while a
// closed window is not stored (the offset it covers is never committed),
// closing the partition abandons that window, and a restart from what is
// durable replays the records and stores every window exactly as a run
// without the crash.
func TestCheckpointWaitsForDurableWindows(t *testing.T) {
	fx := newFixture(t, 0, 0)
	preds := interleaved()
	n := len(preds)

	clean := newEnv(t, fx)
	p, _ := clean.open(clean.pipeline(nil), predsTopic, 0, wall)
	feed(t, p, preds, 0, n)
	if err := p.Checkpoint(context.Background(), int64(n), wallAt(n)); err != nil {
		t.Fatal(err)
	}
	p.Close()
	want := stored(t, clean.store)

	for _, at := range []int{0, 8, n / 2} {
		t.Run(fmt.Sprintf("checkpoint at %d", at), func(t *testing.T) {
			e := newEnv(t, fx)
			if at > 0 {
				p, _ := e.open(e.pipeline(nil), predsTopic, 0, wall)
				feed(t, p, preds, 0, at)
				if err := p.Checkpoint(context.Background(), int64(at), wallAt(at)); err != nil {
					t.Fatal(err)
				}
				p.Close()
			}
			// The run that crashes: m's evaluations never finish (a worker
			// busy for ever), n's do.
			ev := &gatedEvaluator{refEvaluator: fx.eval, enter: func(ctx context.Context, w *drift.WindowSummary) error {
				if w.Model == "n" {
					return nil
				}
				<-ctx.Done()
				return ctx.Err()
			}}
			pool := pipeline.NewPool(pipeline.PoolConfig{Workers: 2})
			p, resume := e.open(e.pipeline(func(c *pipeline.Config) { c.Pool, c.Evaluator = pool, ev }), predsTopic, 0, wall)
			from := max(int(resume), 0)
			feed(t, p, preds, from, n)
			// m's windows never become durable, so the checkpoint must
			// wait until its deadline and give up. (The deadline only
			// bounds the test: a checkpoint that did not wait would be
			// saved well before it, and caught below.)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			err := p.Checkpoint(ctx, int64(n), wallAt(n))
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Checkpoint with closed windows not stored: err = %v, want it to wait (context.DeadlineExceeded)", err)
			}
			p.Close()
			pool.Stop()
			cp, ok, err := e.store.LoadCheckpoint(context.Background(), group, predsTopic, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := int64(-1); ok {
				got = cp.Offset
				if got != int64(at) {
					t.Fatalf("checkpoint offset after the crash = %d, want %d (the last durable one)", got, at)
				}
			} else if at > 0 {
				t.Fatalf("no checkpoint after the crash, want the one at %d", at)
			}

			// The restart replays from the durable checkpoint.
			e.reopen()
			p, resume = e.open(e.pipeline(nil), predsTopic, 0, wall)
			feed(t, p, preds, max(int(resume), 0), n)
			if err := p.Checkpoint(context.Background(), int64(n), wallAt(n)); err != nil {
				t.Fatal(err)
			}
			p.Close()
			if got := stored(t, e.store); !slices.Equal(got, want) {
				t.Errorf("after the crash and replay:\n%v\nwant:\n%v", got, want)
			}
		})
	}
}

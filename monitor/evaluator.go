package monitor

import (
	"context"
	"log/slog"
	"sync"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/quality"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/pipeline"
)

// Evaluator compares each closed window with its model's reference: drift,
// data quality, and the label side's estimates that need no labels. It is
// the pipeline's Evaluator, and its Observe a pipeline.Observer: it hears
// of each window once it is durable.
type Evaluator struct {
	store  WindowReader
	models *Models
	log    *slog.Logger

	mu sync.Mutex
	// counts holds, per model, the seq and event count of the newest
	// stored window: the volume check's expectation for the next one.
	counts map[string]windowCount
	// unstable holds, per model and feature, whether the last window's
	// reference_unstable row failed, so that the log says when that
	// changes rather than on every window.
	unstable map[modelFeature]bool
}

type modelFeature struct{ model, feature string }

var _ pipeline.Evaluator = (*Evaluator)(nil)

type windowCount struct {
	seq    int64
	events uint64
}

// NewEvaluator returns the evaluator of models, reading stored windows
// from store for window references (nil: previous-window models compare
// with what Observe recorded alone).
func NewEvaluator(store WindowReader, models *Models) *Evaluator {
	return &Evaluator{store: store, models: models, log: slog.Default(), counts: map[string]windowCount{},
		unstable: map[modelFeature]bool{}}
}

// WithLogger sets where the evaluator logs (slog.Default() until then) and
// returns it.
func (e *Evaluator) WithLogger(log *slog.Logger) *Evaluator {
	if log != nil {
		e.log = log
	}
	return e
}

// Observe records a stored window: its event count for the next window's
// volume check, and its model's source hears of it (a previous-window
// reference). The pipeline calls it only once the window is durable.
func (e *Evaluator) Observe(w *drift.WindowSummary, _ []drift.Result) {
	if w == nil {
		return // a tick's results: no window to remember
	}
	e.mu.Lock()
	if c, ok := e.counts[w.Model]; !ok || c.seq < w.Seq {
		e.counts[w.Model] = windowCount{seq: w.Seq, events: w.Events}
	}
	e.mu.Unlock()
	if m := e.models.Get(w.Model); m != nil {
		m.Source.Observe(w)
	}
}

// Evaluate implements pipeline.Evaluator. A failed read of stored windows
// is returned as it is, for the pipeline to retry; a reference that cannot
// be built from what storage holds wraps pipeline.ErrUnevaluable.
func (e *Evaluator) Evaluate(ctx context.Context, w *drift.WindowSummary) ([]drift.Result, error) {
	m := e.models.Get(w.Model)
	if m == nil {
		return nil, nil
	}
	ref, err := m.Source.Reference(ctx, e.store, w)
	if err != nil {
		return nil, err
	}
	// The quality checks run without a reference too: missing and
	// invalid shares, declared ranges and the window's own checks need
	// none.
	var out []drift.Result
	if ref != nil {
		out = detectors.EvaluateCached(ref, w, m.Drift, m.cal)
		e.logStability(w, out)
	}
	out = append(out, quality.Evaluate(ref, w, e.previousEvents(w), m.Quality)...)
	// The label side's rows that need no labels (BBSE's priors, CBPE's
	// performance); the rows of its labels come once it is stored.
	return append(out, m.Labels.WindowResults(w)...), nil
}

// logStability logs each feature whose reference_unstable row changed
// from the model's previous evaluated window: a warning when the
// reference's own sub-windows start to differ by more than resampling
// explains (its verdicts then rest on a capped threshold), a note when
// they stop.
func (e *Evaluator) logStability(w *drift.WindowSummary, rows []drift.Result) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range rows {
		if r.Family != drift.Quality || r.Method != quality.ReferenceUnstable {
			continue
		}
		k := modelFeature{w.Model, r.Feature}
		if was := e.unstable[k]; was == r.Drifted {
			continue
		}
		e.unstable[k] = r.Drifted
		attrs := []any{"model", w.Model, "feature", r.Feature, "seq", w.Seq, "window_size", r.NCurrent,
			"sub_window_mean", r.Statistic, "resampled_threshold", r.Threshold}
		if r.Drifted {
			e.log.Warn("reference unstable: its own windows differ more than resampling explains; the drift threshold is capped at twice the resampled one", attrs...)
		} else {
			e.log.Info("reference stable again at this window size", attrs...)
		}
	}
}

// previousEvents is the event count of w's immediate predecessor, 0 when
// it is not known (the model's first window since the start, a gap).
func (e *Evaluator) previousEvents(w *drift.WindowSummary) uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.counts[w.Model]; ok && c.seq == w.Seq-1 {
		return c.events
	}
	return 0
}

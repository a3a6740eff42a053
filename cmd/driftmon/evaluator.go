package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/detectors/quality"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/pipeline"
	"github.com/driftmon/driftmon/reference"
)

// refKind says where a model's reference comes from.
type refKind int

const (
	refFile     refKind = iota // a training set, loaded at start; fixes the bins
	refWindow                  // a pinned production window range, read from storage
	refPrevious                // the model's previous window
)

type modelEval struct {
	kind     refKind
	ref      *drift.Reference // file: fixed; window: once loaded
	from, to time.Time        // window references
	policy   detectors.Policy
	quality  quality.Policy
	// concept is the label side (labels.go); nil when the model's output
	// is not monitored.
	concept *modelConcept
	// cal keeps the calibrated thresholds of the model's reference: a
	// file or pinned-window reference calibrates once per feature and
	// window size; a previous-window reference, new every window, each
	// time.
	cal *detectors.Calibrations
}

// windowReader reads stored windows for window references.
type windowReader interface {
	Windows(ctx context.Context, model string, from, to time.Time) ([]*drift.WindowSummary, error)
}

// evaluator implements pipeline.Evaluator with the detectors package.
type evaluator struct {
	store windowReader
	// labels reads windows' labelled rows; nil when the store has none.
	labels labelReader

	mu     sync.Mutex
	models map[string]*modelEval
	// previous holds, per previous-window model, the newest window known
	// to be durable. Only Observe sets it: a window that was evaluated but
	// never stored (a failed or cancelled write, replayed later) must not
	// become its own successor's reference, or be compared with itself.
	previous map[string]*drift.WindowSummary
	// counts holds, per model, the seq and event count of the newest
	// stored window: the volume check's expectation for the next one.
	counts map[string]windowCount
}

type windowCount struct {
	seq    int64
	events uint64
}

func newEvaluator(store windowReader, models map[string]*modelEval) *evaluator {
	return &evaluator{store: store, models: models, previous: map[string]*drift.WindowSummary{},
		counts: map[string]windowCount{}}
}

// Observe records a stored window as its model's previous window. It is a
// pipeline.Observer: the pipeline calls it only once the window is
// durable.
func (e *evaluator) Observe(w *drift.WindowSummary, _ []drift.Result) {
	if w == nil {
		return // a tick's results: no window to remember
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.counts[w.Model]; !ok || c.seq < w.Seq {
		e.counts[w.Model] = windowCount{seq: w.Seq, events: w.Events}
	}
	if m := e.models[w.Model]; m == nil || m.kind != refPrevious {
		return
	}
	// A window reopened by a late event and stored again after a newer
	// one is not the newest window.
	if prev := e.previous[w.Model]; prev != nil && prev.Seq > w.Seq {
		return
	}
	e.previous[w.Model] = w
}

// Evaluate implements pipeline.Evaluator. A failed read of stored windows
// is returned as it is, for the pipeline to retry; a reference that cannot
// be built from what storage holds wraps pipeline.ErrUnevaluable.
func (e *evaluator) Evaluate(ctx context.Context, w *drift.WindowSummary) ([]drift.Result, error) {
	e.mu.Lock()
	m := e.models[w.Model]
	e.mu.Unlock()
	if m == nil {
		return nil, nil
	}
	ref, err := e.reference(ctx, m, w)
	if err != nil {
		return nil, err
	}
	// The quality checks run without a reference too: missing and
	// invalid shares, declared ranges and the window's own checks need
	// none.
	var out []drift.Result
	if ref != nil {
		out = detectors.EvaluateCached(ref, w, m.policy, m.cal)
	}
	out = append(out, quality.Evaluate(ref, w, e.previousEvents(w), m.quality)...)
	return append(out, e.windowResults(m, w)...), nil
}

// previousEvents is the event count of w's immediate predecessor, 0 when
// it is not known (the model's first window since the start, a gap).
func (e *evaluator) previousEvents(w *drift.WindowSummary) uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.counts[w.Model]; ok && c.seq == w.Seq-1 {
		return c.events
	}
	return 0
}

// reference returns the reference w is compared with, or nil when there is
// none yet (the first window of a previous-window model, a pinned range
// still in the future).
func (e *evaluator) reference(ctx context.Context, m *modelEval, w *drift.WindowSummary) (*drift.Reference, error) {
	switch m.kind {
	case refFile:
		return m.ref, nil
	case refPrevious:
		prev, err := e.previousWindow(ctx, w)
		if err != nil || prev == nil {
			return nil, err
		}
		ref, err := reference.FromWindows(w.Model, prev.ModelVersion, "previous", []*drift.WindowSummary{prev})
		if err != nil {
			// Stored windows that do not merge stay that way: retrying
			// cannot mend it.
			return nil, fmt.Errorf("%w: previous window as reference: %w", pipeline.ErrUnevaluable, err)
		}
		// Windows of a model without a file reference have no fixed
		// bins: the detectors bin both samples at the reference sample's
		// deciles (exact while windows fit the sample bound).
		return ref, nil
	case refWindow:
		e.mu.Lock()
		ref := m.ref
		e.mu.Unlock()
		if ref != nil {
			return ref, nil
		}
		if w.Start.Before(m.to) {
			return nil, nil // the pinned range has not closed yet
		}
		ws, err := e.store.Windows(ctx, w.Model, m.from, m.to)
		if err != nil {
			return nil, fmt.Errorf("read reference windows: %w", err)
		}
		if len(ws) == 0 {
			return nil, nil
		}
		ref, err = reference.FromWindows(w.Model, ws[0].ModelVersion, "window:"+m.from.Format(time.RFC3339)+"/"+m.to.Format(time.RFC3339), ws)
		if err != nil {
			return nil, fmt.Errorf("%w: pinned windows as reference: %w", pipeline.ErrUnevaluable, err)
		}
		e.mu.Lock()
		m.ref = ref
		e.mu.Unlock()
		return ref, nil
	}
	return nil, nil
}

// previousLookback is how far back previousWindow searches storage, in
// widening steps so that a busy model's search decodes few windows: each
// stored window carries its sketches and samples.
var previousLookback = []time.Duration{24 * time.Hour, 31 * 24 * time.Hour}

// previousWindow returns the stored window that precedes w: the newest of
// w's model with a lower seq that starts before it, or nil when there is
// none within the lookback.
//
// The window Observe recorded answers when it is w's immediate
// predecessor. Otherwise it may be stale or absent (after a restart, or a
// rebalance that let another instance store the windows in between), or be
// w itself (w is being replayed after it was stored), and storage decides.
func (e *evaluator) previousWindow(ctx context.Context, w *drift.WindowSummary) (*drift.WindowSummary, error) {
	e.mu.Lock()
	prev := e.previous[w.Model]
	e.mu.Unlock()
	if prev != nil && (prev.Seq >= w.Seq || !prev.Start.Before(w.Start)) {
		prev = nil
	}
	if prev != nil && prev.Seq == w.Seq-1 {
		return prev, nil
	}
	if e.store == nil {
		return prev, nil
	}
	// Nothing older than a known stored predecessor can be the answer, so
	// the search stops at it.
	var floor time.Time
	if prev != nil {
		floor = prev.Start
	}
	steps := previousLookback
	if d := w.End.Sub(w.Start); d > 0 && 4*d < steps[0] {
		// A few window lengths find the predecessor of a model that
		// sends steadily.
		steps = append([]time.Duration{4 * d}, steps...)
	}
	for _, back := range steps {
		from, last := w.Start.Add(-back), false
		if prev != nil && !from.After(floor) {
			from, last = floor, true
		}
		ws, err := e.store.Windows(ctx, w.Model, from, w.Start)
		if err != nil {
			return nil, fmt.Errorf("read previous window of %s window %d: %w", w.Model, w.Seq, err)
		}
		// ws is ordered by seq: the newest candidate is the last.
		for i := len(ws) - 1; i >= 0; i-- {
			if ws[i].Seq < w.Seq && ws[i].Start.Before(w.Start) {
				return ws[i], nil
			}
		}
		if last {
			break
		}
	}
	// prev, when known, is durable: storage returning nothing newer (or
	// not even prev, its times rounded) leaves prev the answer.
	return prev, nil
}

// freshnessLimits are the models' freshness checks, for the pipeline.
func freshnessLimits(cfg *config.Config) map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, m := range cfg.Models {
		out[m.Name] = m.Quality.Freshness
	}
	return out
}

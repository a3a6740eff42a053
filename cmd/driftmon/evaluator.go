package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/driftmon/driftmon/detectors"
	"github.com/driftmon/driftmon/drift"
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
}

// windowReader reads stored windows for window references.
type windowReader interface {
	Windows(ctx context.Context, model string, from, to time.Time) ([]*drift.WindowSummary, error)
}

// evaluator implements pipeline.Evaluator with the detectors package.
type evaluator struct {
	store windowReader

	mu       sync.Mutex
	models   map[string]*modelEval
	previous map[string]*drift.WindowSummary
}

func newEvaluator(store windowReader, models map[string]*modelEval) *evaluator {
	return &evaluator{store: store, models: models, previous: map[string]*drift.WindowSummary{}}
}

func (e *evaluator) Evaluate(ctx context.Context, w *drift.WindowSummary) ([]drift.Result, error) {
	e.mu.Lock()
	m := e.models[w.Model]
	e.mu.Unlock()
	if m == nil {
		return nil, nil
	}
	ref, err := e.reference(ctx, m, w)
	if err != nil || ref == nil {
		return nil, err
	}
	return detectors.Evaluate(ref, w, m.policy), nil
}

// reference returns the reference w is compared with, or nil when there is
// none yet (the first window of a previous-window model, a pinned range
// still in the future).
func (e *evaluator) reference(ctx context.Context, m *modelEval, w *drift.WindowSummary) (*drift.Reference, error) {
	switch m.kind {
	case refFile:
		return m.ref, nil
	case refPrevious:
		e.mu.Lock()
		prev := e.previous[w.Model]
		e.previous[w.Model] = w
		e.mu.Unlock()
		if prev == nil || prev.Seq >= w.Seq {
			return nil, nil
		}
		ref, err := reference.FromWindows(w.Model, prev.ModelVersion, "previous", []*drift.WindowSummary{prev})
		if err != nil {
			return nil, fmt.Errorf("previous window as reference: %w", err)
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
			return nil, fmt.Errorf("pinned windows as reference: %w", err)
		}
		e.mu.Lock()
		m.ref = ref
		e.mu.Unlock()
		return ref, nil
	}
	return nil, nil
}

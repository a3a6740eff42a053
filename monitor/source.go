package monitor

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/pipeline"
	"github.com/driftmon/driftmon/reference"
)

// WindowReader reads stored windows, for references made of windows.
type WindowReader interface {
	Windows(ctx context.Context, model string, from, to time.Time) ([]*drift.WindowSummary, error)
}

// Source is where a model's reference comes from: a file loaded at start,
// a pinned range of production windows, or each window's predecessor. It
// owns its resolution.
type Source interface {
	// Reference returns the reference w is compared with, or nil when
	// there is none yet (the first window of a previous-window model, a
	// pinned range still in the future). A failed read of stored windows
	// is returned as it is, for the pipeline to retry; a reference that
	// cannot be built from what storage holds wraps
	// pipeline.ErrUnevaluable.
	Reference(ctx context.Context, st WindowReader, w *drift.WindowSummary) (*drift.Reference, error)
	// Observe hears of each window once it is durable.
	Observe(w *drift.WindowSummary)
	// String says what the windows are compared with (retraining payloads
	// carry it): file:NAME, window:FROM/TO or previous.
	String() string
}

// File returns the source of a reference loaded from path.
func File(ref *drift.Reference, path string) Source { return &fileSource{ref: ref, path: path} }

// Window returns the source of the windows starting in [from, to).
func Window(from, to time.Time) Source { return &windowSource{from: from, to: to} }

// Previous returns the source that compares each window with the one
// before it.
func Previous() Source { return &previousSource{} }

// fileSource is a training set, loaded at start; it fixes the bins.
type fileSource struct {
	ref  *drift.Reference
	path string
}

func (s *fileSource) Reference(context.Context, WindowReader, *drift.WindowSummary) (*drift.Reference, error) {
	return s.ref, nil
}
func (s *fileSource) Observe(*drift.WindowSummary) {}
func (s *fileSource) String() string               { return "file:" + filepath.Base(s.path) }

// windowSource is a pinned range of production windows, read from storage
// once the range has passed.
type windowSource struct {
	from, to time.Time
	mu       sync.Mutex
	ref      *drift.Reference // once loaded
}

func (s *windowSource) String() string {
	return "window:" + s.from.UTC().Format(time.RFC3339) + "/" + s.to.UTC().Format(time.RFC3339)
}

func (s *windowSource) Observe(*drift.WindowSummary) {}

func (s *windowSource) Reference(ctx context.Context, st WindowReader, w *drift.WindowSummary) (*drift.Reference, error) {
	s.mu.Lock()
	ref := s.ref
	s.mu.Unlock()
	if ref != nil {
		return ref, nil
	}
	if w.Start.Before(s.to) {
		return nil, nil // the pinned range has not closed yet
	}
	ws, err := st.Windows(ctx, w.Model, s.from, s.to)
	if err != nil {
		return nil, fmt.Errorf("read reference windows: %w", err)
	}
	if len(ws) == 0 {
		return nil, nil
	}
	ref, err = reference.FromWindows(w.Model, ws[0].ModelVersion, "window:"+s.from.Format(time.RFC3339)+"/"+s.to.Format(time.RFC3339), ws)
	if err != nil {
		return nil, fmt.Errorf("%w: pinned windows as reference: %w", pipeline.ErrUnevaluable, err)
	}
	s.mu.Lock()
	s.ref = ref
	s.mu.Unlock()
	return ref, nil
}

// previousSource compares each window with the model's previous window.
type previousSource struct {
	mu sync.Mutex
	// prev is the newest window known to be durable. Only Observe sets
	// it: a window that was evaluated but never stored (a failed or
	// cancelled write, replayed later) must not become its own
	// successor's reference, or be compared with itself.
	prev *drift.WindowSummary
}

func (s *previousSource) String() string { return "previous" }

// Observe records a stored window as the previous window.
func (s *previousSource) Observe(w *drift.WindowSummary) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A window reopened by a late event and stored again after a newer
	// one is not the newest window.
	if s.prev != nil && s.prev.Seq > w.Seq {
		return
	}
	s.prev = w
}

func (s *previousSource) Reference(ctx context.Context, st WindowReader, w *drift.WindowSummary) (*drift.Reference, error) {
	prev, err := s.previousWindow(ctx, st, w)
	if err != nil || prev == nil {
		return nil, err
	}
	ref, err := reference.FromWindows(w.Model, prev.ModelVersion, "previous", []*drift.WindowSummary{prev})
	if err != nil {
		// Stored windows that do not merge stay that way: retrying
		// cannot mend it.
		return nil, fmt.Errorf("%w: previous window as reference: %w", pipeline.ErrUnevaluable, err)
	}
	// Windows of a model without a file reference have no fixed bins:
	// the detectors bin both samples at the reference sample's deciles
	// (exact while windows fit the sample bound).
	return ref, nil
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
func (s *previousSource) previousWindow(ctx context.Context, st WindowReader, w *drift.WindowSummary) (*drift.WindowSummary, error) {
	s.mu.Lock()
	prev := s.prev
	s.mu.Unlock()
	if prev != nil && (prev.Seq >= w.Seq || !prev.Start.Before(w.Start)) {
		prev = nil
	}
	if prev != nil && prev.Seq == w.Seq-1 {
		return prev, nil
	}
	if st == nil {
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
		ws, err := st.Windows(ctx, w.Model, from, w.Start)
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

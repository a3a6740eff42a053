package storage

import (
	"context"
	"fmt"

	"github.com/driftmon/driftmon/drift"
)

// LabelledRecord and Detection are the label side's rows (drift's nouns).
type (
	LabelledRecord = drift.LabelledRecord
	Detection      = drift.Detection
)

// LabelStore is what the label join and the concept results need of
// storage: the predictions too old for the join's memory, the joined rows
// per window, the bounds of windows already stored, and the stream
// detectors' signals. It is part of Store; its writes are idempotent like
// every other write.
type LabelStore interface {
	// LookupPredictions returns, of model's logged predictions with one of
	// ids, one record per id: the one with the newest event time (then
	// the highest source offset), in no particular order. Ids not logged
	// are absent. Callers pass at most a few thousand ids per call.
	LookupPredictions(ctx context.Context, model string, ids []string) ([]PredictionRecord, error)
	// WriteLabelled stores joined rows. A row with the same (model,
	// window_seq, id) and a lower version is replaced; with the same
	// version, either may win (they are the same label replayed).
	WriteLabelled(ctx context.Context, rows []LabelledRecord) error
	// Labelled returns the newest row per id of model's window seq,
	// ordered by id.
	Labelled(ctx context.Context, model string, seq int64) ([]LabelledRecord, error)
	// LabelledIDs returns, of ids, those that have a labelled row in
	// model's window seq, with what the newest row keeps of the first
	// label (its source's partition and offset, its signals): the join's
	// duplicate check (a label read again after a restart, with the same
	// source, is no duplicate).
	LabelledIDs(ctx context.Context, model string, seq int64, ids []string) (map[string]drift.FirstLabel, error)
	// WindowBounds returns the version, start and end (full precision) of
	// model's stored windows with one of seqs, keyed by seq; seqs not
	// stored are absent.
	WindowBounds(ctx context.Context, model string, seqs []int64) (map[int64]drift.WindowBounds, error)
	// WriteDetections stores stream-detector signals; a row with the same
	// (model, model_version, detector, event_index, kind) replaces itself.
	WriteDetections(ctx context.Context, rows []Detection) error
	// Detections returns model's signals, newest version per key, ordered
	// by model version, detector, event index, kind.
	Detections(ctx context.Context, model string) ([]Detection, error)
}

// ValidateLabelled checks what both stores require of a joined row, so
// they accept and refuse the same inputs. Its two times are events'
// times, whatever producers sent: stores clamp them (ClampTime) as they do
// the raw logs', rather than refuse the row. Errors wrap ErrInvalid.
func ValidateLabelled(r LabelledRecord) error {
	if r.Model == "" || r.ID == "" {
		return fmt.Errorf("labelled row %q/%d/%q: model and id are required: %w", r.Model, r.WindowSeq, r.ID, ErrInvalid)
	}
	return nil
}

// ValidateDetection checks a detection's key. Its event time is a
// prediction's time: stores clamp it, as they do the raw logs'.
func ValidateDetection(d Detection) error {
	if d.Model == "" || d.Detector == "" {
		return fmt.Errorf("detection %q/%q/%d: model and detector are required: %w", d.Model, d.Detector, d.EventIndex, ErrInvalid)
	}
	if d.Kind != drift.DetectionWarning && d.Kind != drift.DetectionDrift {
		return fmt.Errorf("detection %s/%s/%d: kind %q, want %q or %q: %w",
			d.Model, d.Detector, d.EventIndex, d.Kind, drift.DetectionWarning, drift.DetectionDrift, ErrInvalid)
	}
	return nil
}

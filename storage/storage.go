package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/driftmon/driftmon/drift"
)

// ErrUnavailable is wrapped by every error that means the backend could not
// be reached or did not answer: the call may succeed later, so callers retry
// with backoff (errors.Is(err, storage.ErrUnavailable)).
var ErrUnavailable = errors.New("storage unavailable")

// ErrInvalid is wrapped by errors about the arguments themselves (an empty
// model name, a time outside what the schema can hold): retrying cannot
// help.
var ErrInvalid = errors.New("invalid argument")

// PredictionRecord and LabelRecord are the raw logs' rows. They live in
// drift, where the pipeline that writes them meets storage; stores copy
// Body and keep a time outside [MinTime, MaxTime] (a producer's broken
// clock) as the nearest bound.
type (
	PredictionRecord = drift.PredictionRecord
	LabelRecord      = drift.LabelRecord
)

// ResultQuery selects drift results. Zero fields match everything; From and
// To select window_start in [From, To).
type ResultQuery struct {
	Model        string
	ModelVersion string
	Family       drift.Family
	Feature      string
	Method       string
	From, To     time.Time
	// Descending orders the newest window_start first (rows of one
	// window_start keep the ascending order of the rest of the key), so
	// that Limit keeps the newest rows rather than the oldest.
	Descending bool
	// Limit caps the number of rows returned (after ordering); 0 is no cap.
	Limit int
}

// Match reports whether r is selected by q (Limit aside). Stores that filter
// in memory use it; SQL stores express the same conditions in their query.
func (q ResultQuery) Match(r drift.Result) bool {
	switch {
	case q.Model != "" && r.Model != q.Model,
		q.ModelVersion != "" && r.ModelVersion != q.ModelVersion,
		q.Family != "" && r.Family != q.Family,
		q.Feature != "" && r.Feature != q.Feature,
		q.Method != "" && r.Method != q.Method,
		!q.From.IsZero() && r.WindowStart.Before(q.From),
		!q.To.IsZero() && !r.WindowStart.Before(q.To):
		return false
	}
	return true
}

// Store is the whole contract: what every backend is. It is composed of
// the parts below so that a caller can ask for only the part it uses, but
// a backend implements all of it (each asserts so at compile time): a
// missing method is a build error, not a feature that wiring finds absent
// at run time and silently switches off. Every method is safe for
// concurrent use.
type Store interface {
	WindowStore
	CheckpointStore
	RawLog
	LabelStore
	AlertStore
	Retention
	// Ping checks that the backend answers.
	Ping(ctx context.Context) error
	// Close releases the store; a second Close is a no-op.
	Close() error
}

// WindowStore keeps closed windows' summaries and their drift results.
type WindowStore interface {
	// WriteWindow stores a closed (or rewritten) window: one summary row per
	// feature and one for the prediction, and the window's drift results,
	// all under version (write time in Unix milliseconds; the version
	// fields of w's results are ignored). A row with the same key and an
	// older version is replaced; a newer one already stored wins. w may be
	// nil to write results only (late labels). Every field of a result is
	// kept (Decision and ThresholdSource included), except that a reported
	// row (drift.Result.ReportOnly) is stored not drifted, so that
	// drift_results holds one drifted row per drifted feature at most.
	WriteWindow(ctx context.Context, w *drift.WindowSummary, results []drift.Result, version uint64) error
	// Windows returns the newest version of each of model's windows whose
	// start is in [from, to) (a zero bound is open), ordered by seq then
	// model version, with every summary field restored: counts, bins,
	// edges, categories, sketch and sample.
	Windows(ctx context.Context, model string, from, to time.Time) ([]*drift.WindowSummary, error)
	// Results returns the newest version of each selected result, ordered
	// by window_start (newest first when q.Descending), feature, method
	// (then model, model version, family).
	// Window times have second precision: drift_results stores DateTime.
	// Rows stored before their store kept threshold_source read it as "";
	// reported rows read as not drifted however old.
	Results(ctx context.Context, q ResultQuery) ([]drift.Result, error)
	// Models lists, sorted, the models that have windows or results.
	Models(ctx context.Context) ([]string, error)
}

// CheckpointStore keeps each partition's checkpoint: the offset its
// windows cover and their state.
type CheckpointStore interface {
	// SaveCheckpoint stores a partition's checkpoint; the newest version
	// wins.
	SaveCheckpoint(ctx context.Context, cp drift.Checkpoint) error
	// LoadCheckpoint returns the newest checkpoint of a partition; ok is
	// false when there is none.
	LoadCheckpoint(ctx context.Context, group, topic string, partition int) (cp drift.Checkpoint, ok bool, err error)
}

// RawLog is the raw prediction and label logs: every record as it came,
// appended by the pipeline and read back by RawReader.
type RawLog interface {
	// WritePredictions and WriteLabels append to the raw logs. A record
	// written again (a replay: same model, id and source) replaces itself.
	WritePredictions(ctx context.Context, rows []PredictionRecord) error
	WriteLabels(ctx context.Context, rows []LabelRecord) error
	RawReader
}

// RawReader reads the raw logs back: a full scan of one model, for tools,
// label-join recovery and tests.
type RawReader interface {
	// Predictions returns model's predictions ordered by time, then id.
	Predictions(ctx context.Context, model string) ([]PredictionRecord, error)
	// Labels returns model's labels ordered by time, then id.
	Labels(ctx context.Context, model string) ([]LabelRecord, error)
}

// Retention drops old data. Every table whose rows have a time is kept in
// calendar months of that time (UTC in the embedded store; ClickHouse's
// toYYYYMM takes the server's time zone): predictions and labels by event
// time, window summaries and drift results by window start, labelled rows
// by prediction time, detections by event time, alerts by start,
// notifications by creation. Checkpoints, alert states and silences have
// no such time and are kept.
type Retention interface {
	// DropPartitionsBefore drops, from every such table, the rows of the
	// whole months that end at or before t (ClickHouse drops the month's
	// partition). A month that t falls inside is kept.
	DropPartitionsBefore(ctx context.Context, t time.Time) error
}

// The times a store can hold: ClickHouse's DateTime is seconds since 1970
// in a UInt32.
var (
	MinTime = time.Unix(0, 0).UTC()
	MaxTime = time.Unix(1<<32-1, 0).UTC()
)

// CheckTime reports an ErrInvalid error when t cannot be stored.
func CheckTime(what string, t time.Time) error {
	if t.Before(MinTime) || t.After(MaxTime) {
		return fmt.Errorf("%s %s outside [%s, %s]: %w", what, t.Format(time.RFC3339), MinTime.Format(time.RFC3339), MaxTime.Format(time.RFC3339), ErrInvalid)
	}
	return nil
}

// ClampTime brings t into [MinTime, MaxTime], for raw-log rows whose event
// time is whatever a producer sent: they are kept, not refused.
func ClampTime(t time.Time) time.Time {
	switch {
	case t.Before(MinTime):
		return MinTime
	case t.After(MaxTime):
		return MaxTime
	}
	return t
}

// ValidateWindow checks what both stores require of WriteWindow's
// arguments, so they accept and refuse the same inputs. Errors wrap
// ErrInvalid.
func ValidateWindow(w *drift.WindowSummary, results []drift.Result) error {
	if w != nil {
		if w.Model == "" {
			return fmt.Errorf("window seq %d: empty model name: %w", w.Seq, ErrInvalid)
		}
		if err := CheckTime("window start", w.Start); err != nil {
			return fmt.Errorf("window %s/%d: %w", w.Model, w.Seq, err)
		}
		if err := CheckTime("window end", w.End); err != nil {
			return fmt.Errorf("window %s/%d: %w", w.Model, w.Seq, err)
		}
		seen := make(map[string]bool, len(w.Features))
		for i, f := range w.Features {
			if f == nil {
				return fmt.Errorf("window %s/%d: feature %d is nil: %w", w.Model, w.Seq, i, ErrInvalid)
			}
			if seen[f.Name] {
				return fmt.Errorf("window %s/%d: feature %q twice: %w", w.Model, w.Seq, f.Name, ErrInvalid)
			}
			seen[f.Name] = true
		}
	}
	for _, r := range results {
		if r.Model == "" || r.Method == "" {
			return fmt.Errorf("result %q/%q/%q: model and method are required: %w", r.Model, r.Feature, r.Method, ErrInvalid)
		}
		if err := CheckTime("result window start", r.WindowStart); err != nil {
			return fmt.Errorf("result %s/%s/%s: %w", r.Model, r.Feature, r.Method, err)
		}
		if err := CheckTime("result window end", r.WindowEnd); err != nil {
			return fmt.Errorf("result %s/%s/%s: %w", r.Model, r.Feature, r.Method, err)
		}
	}
	return nil
}

// ValidateCheckpoint checks a checkpoint's key.
func ValidateCheckpoint(cp drift.Checkpoint) error {
	if cp.Group == "" || cp.Topic == "" {
		return fmt.Errorf("checkpoint %q/%q/%d: group and topic are required: %w", cp.Group, cp.Topic, cp.Partition, ErrInvalid)
	}
	return nil
}

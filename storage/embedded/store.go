package embedded

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage"
	"github.com/driftmon/driftmon/storage/internal/codec"
)

// Store is the embedded store. Its methods are safe for concurrent use;
// writes are serialised (each ends in an fsync).
type Store struct {
	dir  string
	now  func() time.Time // versions of raw-log rows
	lock *os.File

	mu     sync.RWMutex
	closed bool
	// files holds every table load opened (the fields below), for what
	// the store does to all of them alike.
	files       []tableFile
	windows     *table[windowKey, windowRec]
	results     *table[codec.ResultKey, resultRec]
	checkpoints *table[checkpointKey, checkpointRec]
	predictions *table[rawKey, predictionRec]
	labels      *table[rawKey, labelRec]
	// alerting's tables (alerting.go)
	alerts        *table[alertKey, alertRec]
	alertStates   *table[string, alertStateRec]
	notifications *table[string, notificationRec]
	silences      *table[string, silenceRec]
	// the label side's tables (labels.go)
	labelled   *table[labelledKey, labelledRec]
	detections *table[detectionKey, detectionRec]
}

// The whole contract, checked when this package builds.
var _ storage.Store = (*Store)(nil)

// errClosed is returned by calls on a closed store.
var errClosed = errors.New("embedded store is closed")

// Open opens the store in dir, creating it if needed, and loads it into
// memory. One process at a time may hold a directory.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("embedded store: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, fmt.Errorf("embedded store %s: %w", dir, err)
	}
	s := &Store{dir: dir, now: time.Now, lock: lock}
	if err := s.load(); err != nil {
		s.closeFiles()
		return nil, fmt.Errorf("embedded store %s: %w", dir, err)
	}
	return s, nil
}

// load opens every table, in tables' order.
func (s *Store) load() error {
	for _, t := range s.tables() {
		f, err := t.open(filepath.Join(s.dir, t.name+".jsonl"))
		if err != nil {
			return err
		}
		s.files = append(s.files, f)
	}
	return nil
}

// tables lists the store's tables: each one's file, the field that holds
// it and the time whose month retention drops its rows by (ClickHouse's
// PARTITION BY; nil where ClickHouse has none).
func (s *Store) tables() []tableSpec {
	return []tableSpec{
		{"window_summaries", into(&s.windows, func(r windowRec) time.Time { return r.Start })},
		{"drift_results", into(&s.results, func(r resultRec) time.Time { return time.Unix(r.Start, 0) })},
		{"window_checkpoints", into(&s.checkpoints, nil)},
		{"predictions", into(&s.predictions, func(r predictionRec) time.Time { return r.Time })},
		{"labels", into(&s.labels, func(r labelRec) time.Time { return r.Time })},
		{"alerts", into(&s.alerts, func(r alertRec) time.Time { return r.StartedAt })},
		{"alert_states", into(&s.alertStates, nil)},
		{"notifications", into(&s.notifications, func(r notificationRec) time.Time { return r.CreatedAt })},
		{"silences", into(&s.silences, nil)},
		{"labelled", into(&s.labelled, func(r labelledRec) time.Time { return r.PredTime })},
		{"detections", into(&s.detections, func(r detectionRec) time.Time { return r.EventTime })},
	}
}

// closeFiles closes whatever load opened, and the lock last.
func (s *Store) closeFiles() error {
	var errs []error
	for _, f := range s.files {
		errs = append(errs, f.close())
	}
	errs = append(errs, unlockDir(s.lock))
	return errors.Join(errs...)
}

// Close releases the directory; a second Close does nothing.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.closeFiles(); err != nil {
		return fmt.Errorf("embedded store %s: close: %w", s.dir, err)
	}
	return nil
}

// Ping reports whether the store is open and its directory still there.
func (s *Store) Ping(ctx context.Context) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return errClosed
	}
	if _, err := os.Stat(s.dir); err != nil {
		return fmt.Errorf("embedded store: %w: %w", storage.ErrUnavailable, err)
	}
	return nil
}

// DropPartitionsBefore implements storage.Retention: each table with a
// time loses the rows of the months that end at or before t.
func (s *Store) DropPartitionsBefore(ctx context.Context, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	for _, f := range s.files {
		if err := f.dropBefore(t); err != nil {
			return s.writeErr("retention", err)
		}
	}
	return nil
}

// writeErr marks disk errors as unavailability: a full or failing disk may
// recover, and the pipeline must pause, not drop the data. A row that
// cannot be encoded is not an outage.
func (s *Store) writeErr(what string, err error) error {
	if errors.Is(err, storage.ErrInvalid) {
		return fmt.Errorf("embedded store %s: write %s: %w", s.dir, what, err)
	}
	return fmt.Errorf("embedded store %s: write %s: %w: %w", s.dir, what, storage.ErrUnavailable, err)
}

// WriteWindow implements storage.Store.
func (s *Store) WriteWindow(ctx context.Context, w *drift.WindowSummary, results []drift.Result, version uint64) error {
	if err := storage.ValidateWindow(w, results); err != nil {
		return err
	}
	var wrec windowRec
	if w != nil {
		rows, err := codecRows(w)
		if err != nil {
			return err
		}
		wrec = windowRec{
			Version: version, Model: w.Model, ModelVersion: w.ModelVersion, Seq: w.Seq,
			Start: w.Start.UTC(), End: w.End.UTC(), Events: w.Events, Late: w.Late, Rows: rows,
		}
	}
	rrecs := make([]resultRec, len(results))
	for i, r := range results {
		rrecs[i] = newResultRec(r, version)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	if err := s.results.write(rrecs); err != nil {
		return s.writeErr("results", err)
	}
	if w != nil {
		if err := s.windows.write([]windowRec{wrec}); err != nil {
			return s.writeErr("window", err)
		}
	}
	return nil
}

// SaveCheckpoint implements storage.Store.
func (s *Store) SaveCheckpoint(ctx context.Context, cp drift.Checkpoint) error {
	if err := storage.ValidateCheckpoint(cp); err != nil {
		return err
	}
	rec := checkpointRec{Group: cp.Group, Topic: cp.Topic, Partition: cp.Partition,
		Offset: cp.Offset, State: bytes.Clone(cp.State), Version: cp.Version}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	if err := s.checkpoints.write([]checkpointRec{rec}); err != nil {
		return s.writeErr("checkpoint", err)
	}
	return nil
}

// LoadCheckpoint implements storage.Store.
func (s *Store) LoadCheckpoint(ctx context.Context, group, topic string, partition int) (drift.Checkpoint, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return drift.Checkpoint{}, false, errClosed
	}
	r, ok := s.checkpoints.rows[checkpointKey{group, topic, partition}]
	if !ok {
		return drift.Checkpoint{}, false, nil
	}
	return drift.Checkpoint{Group: r.Group, Topic: r.Topic, Partition: r.Partition,
		Offset: r.Offset, State: bytes.Clone(r.State), Version: r.Version}, true, nil
}

// WritePredictions implements storage.Store.
func (s *Store) WritePredictions(ctx context.Context, rows []storage.PredictionRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	v := uint64(s.now().UnixMilli())
	recs := make([]predictionRec, len(rows))
	for i, p := range rows {
		recs[i] = predictionRec{Version: v, Model: p.Model, ModelVersion: p.ModelVersion, ID: p.ID,
			Time: storage.ClampTime(p.Time).UTC(), Output: p.Output, WindowSeq: &p.WindowSeq, Body: bytes.Clone(p.Body),
			Topic: p.Source.Topic, Partition: p.Source.Partition, Offset: p.Source.Offset}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	if err := s.predictions.write(recs); err != nil {
		return s.writeErr("predictions", err)
	}
	return nil
}

// WriteLabels implements storage.Store.
func (s *Store) WriteLabels(ctx context.Context, rows []storage.LabelRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	v := uint64(s.now().UnixMilli())
	recs := make([]labelRec, len(rows))
	for i, l := range rows {
		recs[i] = labelRec{Version: v, Model: l.Model, ID: l.ID,
			Time: storage.ClampTime(l.Time).UTC(), Label: l.Label, Body: bytes.Clone(l.Body),
			Topic: l.Source.Topic, Partition: l.Source.Partition, Offset: l.Source.Offset}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	if err := s.labels.write(recs); err != nil {
		return s.writeErr("labels", err)
	}
	return nil
}

// Windows implements storage.Store.
func (s *Store) Windows(ctx context.Context, model string, from, to time.Time) ([]*drift.WindowSummary, error) {
	s.mu.RLock()
	var recs []windowRec
	closed := s.closed
	if !closed {
		for k, r := range s.windows.rows {
			if k.model == model && (from.IsZero() || !r.Start.Before(from)) && (to.IsZero() || r.Start.Before(to)) {
				recs = append(recs, r)
			}
		}
	}
	s.mu.RUnlock()
	if closed {
		return nil, errClosed
	}
	slices.SortFunc(recs, func(a, b windowRec) int {
		return cmp.Or(cmp.Compare(a.Seq, b.Seq), cmp.Compare(a.ModelVersion, b.ModelVersion))
	})
	out := make([]*drift.WindowSummary, 0, len(recs))
	for _, r := range recs {
		w, err := r.summary()
		if err != nil {
			return nil, fmt.Errorf("embedded store %s: %w", s.dir, err)
		}
		out = append(out, w)
	}
	return out, nil
}

// Results implements storage.Store.
func (s *Store) Results(ctx context.Context, q storage.ResultQuery) ([]drift.Result, error) {
	s.mu.RLock()
	var out []drift.Result
	closed := s.closed
	if !closed {
		for _, r := range s.results.rows {
			if res := r.result(); q.Match(res) {
				out = append(out, res)
			}
		}
	}
	s.mu.RUnlock()
	if closed {
		return nil, errClosed
	}
	if q.Descending {
		slices.SortFunc(out, func(a, b drift.Result) int {
			return cmp.Or(b.WindowStart.Compare(a.WindowStart), compareResults(a, b))
		})
	} else {
		slices.SortFunc(out, compareResults)
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// compareResults is the order of Results: window_start, feature, method,
// then the rest of the key so that the order is total.
func compareResults(a, b drift.Result) int {
	return cmp.Or(a.WindowStart.Compare(b.WindowStart),
		cmp.Compare(a.Feature, b.Feature), cmp.Compare(a.Method, b.Method),
		cmp.Compare(a.Model, b.Model), cmp.Compare(a.ModelVersion, b.ModelVersion),
		cmp.Compare(a.Family, b.Family))
}

// Models implements storage.Store.
func (s *Store) Models(ctx context.Context) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	set := make(map[string]bool)
	for k := range s.windows.rows {
		set[k.model] = true
	}
	for k := range s.results.rows {
		set[k.Model] = true
	}
	out := make([]string, 0, len(set))
	for m := range set {
		out = append(out, m)
	}
	slices.Sort(out)
	return out, nil
}

// Predictions implements storage.RawReader.
func (s *Store) Predictions(ctx context.Context, model string) ([]storage.PredictionRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	var out []storage.PredictionRecord
	for k, r := range s.predictions.rows {
		if k.model == model {
			out = append(out, r.record())
		}
	}
	slices.SortFunc(out, func(a, b storage.PredictionRecord) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.ID, b.ID), compareSource(a.Source, b.Source))
	})
	return out, nil
}

// Labels implements storage.RawReader.
func (s *Store) Labels(ctx context.Context, model string) ([]storage.LabelRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	var out []storage.LabelRecord
	for k, r := range s.labels.rows {
		if k.model == model {
			out = append(out, storage.LabelRecord{Model: r.Model, ID: r.ID, Time: r.Time,
				Label: r.Label, Body: bytes.Clone(r.Body),
				Source: drift.Source{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset}})
		}
	}
	slices.SortFunc(out, func(a, b storage.LabelRecord) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.ID, b.ID), compareSource(a.Source, b.Source))
	})
	return out, nil
}

func compareSource(a, b drift.Source) int {
	return cmp.Or(cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Offset, b.Offset))
}

// codecRows flattens w's summaries; a summary that cannot be flattened (of
// an unknown kind) is refused for good.
func codecRows(w *drift.WindowSummary) ([]codec.Feature, error) {
	rows, err := codec.Rows(w)
	if err != nil {
		return nil, fmt.Errorf("window %s/%d: %w: %w", w.Model, w.Seq, storage.ErrInvalid, err)
	}
	return rows, nil
}

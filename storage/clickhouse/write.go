package clickhouse

import (
	"context"
	"fmt"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage"
	"github.com/driftmon/driftmon/storage/internal/codec"
)

// WriteWindow implements storage.Store. Results go first, then the
// summaries; each table's rows are one batch. The tables are not written
// atomically together: a failure part-way leaves some rows, which the retry
// (same key, same or newer version) completes.
func (s *Store) WriteWindow(ctx context.Context, w *drift.WindowSummary, results []drift.Result, version uint64) error {
	if s.closed.Load() {
		return errClosed
	}
	if err := storage.ValidateWindow(w, results); err != nil {
		return err
	}
	var rows []codec.Feature
	if w != nil {
		var err error
		if rows, err = codec.Rows(w); err != nil {
			return fmt.Errorf("window %s/%d: %w: %w", w.Model, w.Seq, storage.ErrInvalid, err)
		}
	}
	if err := s.insert(ctx, "drift_results", resultColumns, len(results), func(i int) []any {
		r := results[i]
		return []any{r.Model, r.ModelVersion, string(r.Family), r.Feature, r.Method,
			r.WindowStart.UTC(), r.WindowEnd.UTC(), r.Statistic, r.PValue, r.Threshold, b2u(r.Drifted && !r.ReportOnly()),
			b2u(r.Decision), r.ThresholdSource, r.NReference, r.NCurrent, version}
	}); err != nil {
		return s.fail("write drift_results", err)
	}
	if err := s.insert(ctx, "drift_result_meta", metaWriteColumns, len(results), func(i int) []any {
		r := results[i]
		return []any{r.Model, r.ModelVersion, string(r.Family), r.Feature, r.Method,
			r.WindowStart.UTC(), r.WindowSeq, b2u(r.Decision), version}
	}); err != nil {
		return s.fail("write drift_result_meta", err)
	}
	if w == nil {
		return nil
	}
	if err := s.insert(ctx, "window_summaries", windowWriteColumns, len(rows), func(i int) []any {
		r := rows[i]
		return []any{w.Model, w.Start.UTC(), w.End.UTC(), uint32(i),
			w.ModelVersion, w.Seq, w.Start.UnixNano(), w.End.UnixNano(), w.Events, w.Late,
			r.Role, r.Name, r.Kind, r.Count, r.Missing, r.Invalid,
			float64(r.Sum), float64(r.SumSq), float64(r.Min), float64(r.Max),
			nonNil([]float64(r.Edges)), nonNil(r.BinCounts), nonNil(r.CategoryNames), nonNil(r.CategoryCounts), r.MaxCategories,
			r.Sketch, nonNil([]float64(r.Sample)), r.SampleSeen, r.SampleCap, r.SampleRNG, version}
	}); err != nil {
		return s.fail(fmt.Sprintf("write window %s/%d", w.Model, w.Seq), err)
	}
	return nil
}

// SaveCheckpoint implements storage.Store.
func (s *Store) SaveCheckpoint(ctx context.Context, cp drift.Checkpoint) error {
	if s.closed.Load() {
		return errClosed
	}
	if err := storage.ValidateCheckpoint(cp); err != nil {
		return err
	}
	err := s.insert(ctx, "window_checkpoints", checkpointWriteColumns, 1,
		func(int) []any {
			return []any{cp.Group, cp.Topic, int32(cp.Partition), cp.Offset, cp.State, cp.Version}
		})
	if err != nil {
		return s.fail(fmt.Sprintf("save checkpoint %s/%s/%d", cp.Group, cp.Topic, cp.Partition), err)
	}
	return nil
}

// WritePredictions implements storage.Store. Body bytes are encoded into
// the batch before it returns, so callers may reuse them.
func (s *Store) WritePredictions(ctx context.Context, rows []storage.PredictionRecord) error {
	if s.closed.Load() {
		return errClosed
	}
	v := uint64(s.now().UnixMilli())
	err := s.insert(ctx, "predictions", predictionWriteColumns, len(rows), func(i int) []any {
		p := rows[i]
		t := storage.ClampTime(p.Time).UTC()
		return []any{p.Model, t, v,
			p.ModelVersion, p.ID, t.UnixNano(), p.Output, p.WindowSeq, string(p.Body),
			p.Source.Topic, int32(p.Source.Partition), p.Source.Offset}
	})
	if err != nil {
		return s.fail("write predictions", err)
	}
	return nil
}

// WriteLabels implements storage.Store.
func (s *Store) WriteLabels(ctx context.Context, rows []storage.LabelRecord) error {
	if s.closed.Load() {
		return errClosed
	}
	v := uint64(s.now().UnixMilli())
	err := s.insert(ctx, "labels", labelWriteColumns, len(rows), func(i int) []any {
		l := rows[i]
		t := storage.ClampTime(l.Time).UTC()
		return []any{l.Model, t, v,
			l.ID, t.UnixNano(), l.Label, string(l.Body), l.Source.Topic, int32(l.Source.Partition), l.Source.Offset}
	})
	if err != nil {
		return s.fail("write labels", err)
	}
	return nil
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// nonNil gives the driver an empty array for a nil slice.
func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

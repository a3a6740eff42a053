package embedded

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage"
	"github.com/driftmon/driftmon/storage/internal/codec"
)

// The label side's tables. Their keys are ClickHouse's ORDER BY keys, and
// their times what ClickHouse keeps: labelled rows to the nanosecond
// (pred_ns, label_ns), detections to the second (event_time is DateTime).

type labelledKey struct {
	model string
	seq   int64
	id    string
}

type labelledRec struct {
	Version      uint64      `json:"version"`
	Model        string      `json:"model"`
	ModelVersion string      `json:"model_version"`
	WindowSeq    int64       `json:"window_seq"`
	ID           string      `json:"id"`
	PredTime     time.Time   `json:"pred_time"`
	LabelTime    time.Time   `json:"label_time"`
	Output       string      `json:"output"`
	Score        codec.Float `json:"score"` // NaN when the prediction has none
	Probs        string      `json:"probs,omitempty"`
	Label        string      `json:"label"`
	LabelPart    int         `json:"label_partition"`
	LabelOffset  int64       `json:"label_offset"`
	Signals      uint16      `json:"signals"`
}

func (r labelledRec) key() labelledKey { return labelledKey{r.Model, r.WindowSeq, r.ID} }
func (r labelledRec) ver() uint64      { return r.Version }

func (r labelledRec) record() storage.LabelledRecord {
	return storage.LabelledRecord{Model: r.Model, ModelVersion: r.ModelVersion, WindowSeq: r.WindowSeq, ID: r.ID,
		PredTime: r.PredTime, LabelTime: r.LabelTime, Output: r.Output, Score: float64(r.Score), Probs: r.Probs,
		LabelSource: drift.Source{Partition: r.LabelPart, Offset: r.LabelOffset}, Label: r.Label, Signals: r.Signals, Version: r.Version}
}

type detectionKey struct {
	model, modelVersion, detector string
	index                         uint64
	kind                          drift.DetectionKind
}

type detectionRec struct {
	Version      uint64              `json:"version"`
	Model        string              `json:"model"`
	ModelVersion string              `json:"model_version"`
	Detector     string              `json:"detector"`
	Kind         drift.DetectionKind `json:"kind"`
	EventIndex   uint64              `json:"event_index"`
	EventTime    time.Time           `json:"event_time"`
}

func (r detectionRec) key() detectionKey {
	return detectionKey{r.Model, r.ModelVersion, r.Detector, r.EventIndex, r.Kind}
}
func (r detectionRec) ver() uint64 { return r.Version }

// LookupPredictions implements storage.LabelStore. It scans the model's
// log, as Predictions does: the log has no index by id.
func (s *Store) LookupPredictions(ctx context.Context, model string, ids []string) ([]storage.PredictionRecord, error) {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	best := make(map[string]predictionRec, len(ids))
	for k, r := range s.predictions.rows {
		if k.model != model || !want[k.id] {
			continue
		}
		if b, ok := best[k.id]; !ok || newerPrediction(r, b) {
			best[k.id] = r
		}
	}
	out := make([]storage.PredictionRecord, 0, len(best))
	for _, r := range best {
		out = append(out, r.record())
	}
	return out, nil
}

// newerPrediction is the contract's order (the newest event time, then
// the highest offset), made total by partition and topic as ClickHouse's
// query does.
func newerPrediction(a, b predictionRec) bool {
	return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Offset, b.Offset),
		cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Topic, b.Topic)) > 0
}

// WriteLabelled implements storage.LabelStore.
func (s *Store) WriteLabelled(ctx context.Context, rows []storage.LabelledRecord) error {
	recs := make([]labelledRec, len(rows))
	for i, r := range rows {
		if err := storage.ValidateLabelled(r); err != nil {
			return err
		}
		recs[i] = labelledRec{Version: r.Version, Model: r.Model, ModelVersion: r.ModelVersion,
			WindowSeq: r.WindowSeq, ID: r.ID,
			PredTime: storage.ClampTime(r.PredTime).UTC(), LabelTime: storage.ClampTime(r.LabelTime).UTC(),
			Output: r.Output, Score: codec.Float(r.Score), Probs: r.Probs, Label: r.Label, Signals: r.Signals,
			LabelPart: r.LabelSource.Partition, LabelOffset: r.LabelSource.Offset}
	}
	return s.writeTable(ctx, "labelled", func() error { return s.labelled.write(recs) })
}

// Labelled implements storage.LabelStore.
func (s *Store) Labelled(ctx context.Context, model string, seq int64) ([]storage.LabelledRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	var out []storage.LabelledRecord
	for k, r := range s.labelled.rows {
		if k.model == model && k.seq == seq {
			out = append(out, r.record())
		}
	}
	slices.SortFunc(out, func(a, b storage.LabelledRecord) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// LabelledIDs implements storage.LabelStore.
func (s *Store) LabelledIDs(ctx context.Context, model string, seq int64, ids []string) (map[string]drift.FirstLabel, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	out := map[string]drift.FirstLabel{}
	for _, id := range ids {
		if r, ok := s.labelled.rows[labelledKey{model, seq, id}]; ok {
			out[id] = drift.FirstLabel{Source: drift.Source{Partition: r.LabelPart, Offset: r.LabelOffset}, Signals: r.Signals}
		}
	}
	return out, nil
}

// WindowBounds implements storage.LabelStore. Of a seq stored under two
// model versions, the newer write wins, then the greater model version, as
// in ClickHouse's query.
func (s *Store) WindowBounds(ctx context.Context, model string, seqs []int64) (map[int64]drift.WindowBounds, error) {
	want := make(map[int64]bool, len(seqs))
	for _, seq := range seqs {
		want[seq] = true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	best := make(map[int64]windowRec, len(seqs))
	for k, r := range s.windows.rows {
		if k.model != model || !want[k.seq] {
			continue
		}
		if b, ok := best[k.seq]; !ok || cmp.Or(cmp.Compare(r.Version, b.Version), cmp.Compare(r.ModelVersion, b.ModelVersion)) > 0 {
			best[k.seq] = r
		}
	}
	out := make(map[int64]drift.WindowBounds, len(best))
	for seq, r := range best {
		out[seq] = drift.WindowBounds{ModelVersion: r.ModelVersion, Start: r.Start.UTC(), End: r.End.UTC()}
	}
	return out, nil
}

// WriteDetections implements storage.LabelStore.
func (s *Store) WriteDetections(ctx context.Context, rows []storage.Detection) error {
	recs := make([]detectionRec, len(rows))
	for i, d := range rows {
		if err := storage.ValidateDetection(d); err != nil {
			return err
		}
		recs[i] = detectionRec{Version: d.Version, Model: d.Model, ModelVersion: d.ModelVersion,
			Detector: d.Detector, Kind: d.Kind, EventIndex: d.EventIndex,
			EventTime: seconds(storage.ClampTime(d.EventTime))}
	}
	return s.writeTable(ctx, "detections", func() error { return s.detections.write(recs) })
}

// Detections implements storage.LabelStore.
func (s *Store) Detections(ctx context.Context, model string) ([]storage.Detection, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	var out []storage.Detection
	for k, r := range s.detections.rows {
		if k.model == model {
			out = append(out, storage.Detection{Model: r.Model, ModelVersion: r.ModelVersion, Detector: r.Detector,
				Kind: r.Kind, EventIndex: r.EventIndex, EventTime: r.EventTime.UTC(), Version: r.Version})
		}
	}
	slices.SortFunc(out, func(a, b storage.Detection) int {
		return cmp.Or(cmp.Compare(a.ModelVersion, b.ModelVersion), cmp.Compare(a.Detector, b.Detector),
			cmp.Compare(a.EventIndex, b.EventIndex), cmp.Compare(a.Kind, b.Kind))
	})
	return out, nil
}

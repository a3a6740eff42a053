package clickhouse

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage"
)

// The label side's readers pick the newest row per key with ORDER BY ...
// version DESC LIMIT 1 BY key (which 18.16 has) rather than FINAL: FINAL
// replaces rows only within a partition, LIMIT BY sees every version
// wherever it lives, and it returns whole rows, where argMax per column
// could mix two rows of equal version.

// The bounds of one IN list: the driver splices bound values into the
// query text, and the server refuses a query over max_query_size (256 KiB
// by default), so long id lists go in several queries.
const (
	inMaxValues = 1000
	inMaxBytes  = 64 << 10
)

// inChunks splits ids (sorted, without repeats) into lists within the
// bounds above.
func inChunks(ids []string) [][]string {
	var (
		out   [][]string
		start int
		size  int
	)
	for i, id := range ids {
		n := len(id) + 4 // quotes, comma, space
		if i > start && (i-start == inMaxValues || size+n > inMaxBytes) {
			out = append(out, ids[start:i])
			start, size = i, 0
		}
		size += n
	}
	if start < len(ids) {
		out = append(out, ids[start:])
	}
	return out
}

// in is the condition column IN (?, ?, ...) and its arguments.
func in[T any](column string, values []T) (string, []any) {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return column + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(values)), ", ") + ")", args
}

// LookupPredictions implements storage.LabelStore.
func (s *Store) LookupPredictions(ctx context.Context, model string, ids []string) ([]storage.PredictionRecord, error) {
	if s.closed.Load() {
		return nil, errClosed
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	var out []storage.PredictionRecord
	for _, chunk := range inChunks(ids) {
		cond, args := in("id", chunk)
		// The order is the contract's (newest event time, then highest
		// offset); partition and topic make it total, and version picks
		// the latest write of one Kafka record written twice.
		rows, err := s.conn.Query(ctx, `SELECT `+predictionColumns+`
			FROM `+s.table("predictions")+` WHERE model = ? AND `+cond+`
			ORDER BY id, time_ns DESC, kafka_offset DESC, kafka_partition DESC, topic DESC, version DESC
			LIMIT 1 BY id`, append([]any{model}, args...)...)
		if err != nil {
			return nil, s.fail("look up predictions of "+model, err)
		}
		out, err = scanPredictions(rows, model, out)
		rows.Close()
		if err != nil {
			return nil, s.fail("look up predictions of "+model, err)
		}
	}
	return out, nil
}

// WriteLabelled implements storage.LabelStore. The rows are one batch.
func (s *Store) WriteLabelled(ctx context.Context, rows []storage.LabelledRecord) error {
	if s.closed.Load() {
		return errClosed
	}
	for _, r := range rows {
		if err := storage.ValidateLabelled(r); err != nil {
			return err
		}
	}
	err := s.insert(ctx, "labelled", labelledWriteColumns, len(rows), func(i int) []any {
		r := rows[i]
		pt, lt := storage.ClampTime(r.PredTime).UTC(), storage.ClampTime(r.LabelTime).UTC()
		return []any{r.Model, r.WindowSeq, pt, lt,
			r.ModelVersion, r.ID, pt.UnixNano(), lt.UnixNano(),
			r.Output, r.Score, r.Probs, r.Label, r.Signals, int32(r.LabelSource.Partition), r.LabelSource.Offset, r.Version}
	})
	if err != nil {
		return s.fail("write labelled", err)
	}
	return nil
}

// Labelled implements storage.LabelStore.
func (s *Store) Labelled(ctx context.Context, model string, seq int64) ([]storage.LabelledRecord, error) {
	if s.closed.Load() {
		return nil, errClosed
	}
	what := fmt.Sprintf("read labelled rows of %s/%d", model, seq)
	rows, err := s.conn.Query(ctx, `SELECT `+labelledColumns+`
		FROM `+s.table("labelled")+` WHERE model = ? AND window_seq = ?
		ORDER BY id, version DESC
		LIMIT 1 BY id`, model, seq)
	if err != nil {
		return nil, s.fail(what, err)
	}
	defer rows.Close()
	var out []storage.LabelledRecord
	for rows.Next() {
		var (
			r      = storage.LabelledRecord{Model: model, WindowSeq: seq}
			pn, ln int64
		)
		var part int32
		if err := rows.Scan(&r.ModelVersion, &r.ID, &pn, &ln, &r.Output, &r.Score, &r.Probs, &r.Label, &r.Signals, &part, &r.LabelSource.Offset, &r.Version); err != nil {
			return nil, s.fail(what, err)
		}
		r.PredTime, r.LabelTime = time.Unix(0, pn).UTC(), time.Unix(0, ln).UTC()
		r.LabelSource.Partition = int(part)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(what, err)
	}
	return out, nil
}

// LabelledIDs implements storage.LabelStore. The key's prefix (model,
// window_seq) keeps it to one window's rows.
func (s *Store) LabelledIDs(ctx context.Context, model string, seq int64, ids []string) (map[string]drift.FirstLabel, error) {
	if s.closed.Load() {
		return nil, errClosed
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	what := fmt.Sprintf("look up labelled ids of %s/%d", model, seq)
	out := map[string]drift.FirstLabel{}
	for _, chunk := range inChunks(ids) {
		cond, args := in("id", chunk)
		rows, err := s.conn.Query(ctx, `SELECT id, label_partition, label_offset, signals FROM `+s.table("labelled")+`
			WHERE model = ? AND window_seq = ? AND `+cond+`
			ORDER BY id, version DESC
			LIMIT 1 BY id`, append([]any{model, seq}, args...)...)
		if err != nil {
			return nil, s.fail(what, err)
		}
		for rows.Next() {
			var (
				id   string
				part int32
				off  int64
				sig  uint16
			)
			if err := rows.Scan(&id, &part, &off, &sig); err != nil {
				rows.Close()
				return nil, s.fail(what, err)
			}
			out[id] = drift.FirstLabel{Source: drift.Source{Partition: int(part), Offset: off}, Signals: sig}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, s.fail(what, err)
		}
	}
	return out, nil
}

// WindowBounds implements storage.LabelStore. Every summary row of a
// window repeats its bounds; start_ns and end_ns hold them exactly. Of a
// seq stored under two model versions, the newer write wins (then the
// greater model version, so that the answer does not depend on the
// server's order).
func (s *Store) WindowBounds(ctx context.Context, model string, seqs []int64) (map[int64]drift.WindowBounds, error) {
	if s.closed.Load() {
		return nil, errClosed
	}
	seqs = slices.Compact(slices.Sorted(slices.Values(seqs)))
	out := make(map[int64]drift.WindowBounds, len(seqs))
	for chunk := range slices.Chunk(seqs, inMaxValues) {
		cond, args := in("seq", chunk)
		rows, err := s.conn.Query(ctx, `SELECT seq, model_version, start_ns, end_ns
			FROM `+s.table("window_summaries")+` WHERE model = ? AND `+cond+`
			ORDER BY seq, version DESC, model_version DESC
			LIMIT 1 BY seq`, append([]any{model}, args...)...)
		if err != nil {
			return nil, s.fail("read window bounds of "+model, err)
		}
		for rows.Next() {
			var (
				seq            int64
				b              drift.WindowBounds
				startNs, endNs int64
			)
			if err := rows.Scan(&seq, &b.ModelVersion, &startNs, &endNs); err != nil {
				rows.Close()
				return nil, s.fail("read window bounds of "+model, err)
			}
			b.Start, b.End = time.Unix(0, startNs).UTC(), time.Unix(0, endNs).UTC()
			out[seq] = b
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, s.fail("read window bounds of "+model, err)
		}
	}
	return out, nil
}

// WriteDetections implements storage.LabelStore. event_time is DateTime:
// it keeps whole seconds.
func (s *Store) WriteDetections(ctx context.Context, rows []storage.Detection) error {
	if s.closed.Load() {
		return errClosed
	}
	for _, d := range rows {
		if err := storage.ValidateDetection(d); err != nil {
			return err
		}
	}
	err := s.insert(ctx, "detections", detectionWriteColumns, len(rows),
		func(i int) []any {
			d := rows[i]
			return []any{d.Model, d.ModelVersion, d.Detector, string(d.Kind), d.EventIndex,
				storage.ClampTime(d.EventTime).UTC(), d.Version}
		})
	if err != nil {
		return s.fail("write detections", err)
	}
	return nil
}

// Detections implements storage.LabelStore.
func (s *Store) Detections(ctx context.Context, model string) ([]storage.Detection, error) {
	if s.closed.Load() {
		return nil, errClosed
	}
	rows, err := s.conn.Query(ctx, `SELECT `+detectionColumns+`
		FROM `+s.table("detections")+` WHERE model = ?
		ORDER BY model_version, detector, event_index, kind, version DESC
		LIMIT 1 BY model_version, detector, event_index, kind`, model)
	if err != nil {
		return nil, s.fail("read detections of "+model, err)
	}
	defer rows.Close()
	var out []storage.Detection
	for rows.Next() {
		var (
			d    = storage.Detection{Model: model}
			kind string
		)
		if err := rows.Scan(&d.ModelVersion, &d.Detector, &kind, &d.EventIndex, &d.EventTime, &d.Version); err != nil {
			return nil, s.fail("read detections of "+model, err)
		}
		d.Kind, d.EventTime = drift.DetectionKind(kind), d.EventTime.UTC()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("read detections of "+model, err)
	}
	return out, nil
}

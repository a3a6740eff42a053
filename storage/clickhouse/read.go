package clickhouse

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage"
	"github.com/driftmon/driftmon/storage/internal/codec"
)

// conds builds a WHERE clause from fixed fragments and bound values: names
// never enter the SQL text.
type conds struct {
	where []string
	args  []any
}

func (c *conds) add(frag string, args ...any) {
	c.where = append(c.where, frag)
	c.args = append(c.args, args...)
}

func (c *conds) String() string {
	if len(c.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c.where, " AND ")
}

// Windows implements storage.Store.
func (s *Store) Windows(ctx context.Context, model string, from, to time.Time) ([]*drift.WindowSummary, error) {
	if s.closed.Load() {
		return nil, errClosed
	}
	var c conds
	c.add("model = ?", model)
	if !from.IsZero() && from.After(storage.MinTime) {
		if from.After(storage.MaxTime) {
			return nil, nil
		}
		// window_start (whole seconds) prunes partitions; start_ns is exact.
		c.add("window_start >= ? AND start_ns >= ?", from.UTC().Truncate(time.Second), from.UnixNano())
	}
	if !to.IsZero() && !to.After(storage.MaxTime) {
		if !to.After(storage.MinTime) {
			return nil, nil
		}
		c.add("window_start <= ? AND start_ns < ?", to.UTC().Truncate(time.Second), to.UnixNano())
	}
	rows, err := s.conn.Query(ctx, `SELECT `+windowColumns+`
		FROM `+s.table("window_summaries")+` FINAL`+c.String()+`
		ORDER BY seq, model_version, version DESC, position`, c.args...)
	if err != nil {
		return nil, s.fail("read windows of "+model, err)
	}
	defer rows.Close()
	var (
		out     []*drift.WindowSummary
		cur     *drift.WindowSummary
		curVer  uint64
		curRows []codec.Feature
	)
	flush := func() error {
		if cur == nil {
			return nil
		}
		if err := codec.Attach(cur, curRows); err != nil {
			return err
		}
		out = append(out, cur)
		return nil
	}
	for rows.Next() {
		var (
			mv, sketch, rng     string
			seq, startNs, endNs int64
			events, late        uint64
			r                   codec.Feature
			sum, sumSq, mn, mx  float64
			edges, sample       []float64
			version             uint64
		)
		if err := rows.Scan(&mv, &seq, &startNs, &endNs, &events, &late,
			&r.Role, &r.Name, &r.Kind, &r.Count, &r.Missing, &r.Invalid, &sum, &sumSq, &mn, &mx,
			&edges, &r.BinCounts, &r.CategoryNames, &r.CategoryCounts, &r.MaxCategories,
			&sketch, &sample, &r.SampleSeen, &r.SampleCap, &rng, &version); err != nil {
			return nil, s.fail("read windows of "+model, err)
		}
		if cur == nil || cur.Seq != seq || cur.ModelVersion != mv {
			if err := flush(); err != nil {
				return nil, s.fail("read windows of "+model, err)
			}
			cur = &drift.WindowSummary{Model: model, ModelVersion: mv, Seq: seq,
				Start: time.Unix(0, startNs).UTC(), End: time.Unix(0, endNs).UTC(), Events: events, Late: late}
			curVer, curRows = version, curRows[:0]
		}
		// Rows of older versions (features a rewrite dropped) are not part
		// of the window: only the newest version's rows are.
		if version != curVer {
			continue
		}
		r.Sum, r.SumSq, r.Min, r.Max = codec.Float(sum), codec.Float(sumSq), codec.Float(mn), codec.Float(mx)
		r.Edges, r.Sample = edges, sample
		if sketch != "" {
			r.Sketch = []byte(sketch)
		}
		if rng != "" {
			r.SampleRNG = []byte(rng)
		}
		curRows = append(curRows, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("read windows of "+model, err)
	}
	if err := flush(); err != nil {
		return nil, s.fail("read windows of "+model, err)
	}
	return out, nil
}

// resultConds expresses q's filters. window_start is whole seconds, so
// window_start >= From holds exactly when it is >= From rounded up.
func resultConds(q storage.ResultQuery) (c conds, empty bool) {
	if q.Model != "" {
		c.add("model = ?", q.Model)
	}
	if q.ModelVersion != "" {
		c.add("model_version = ?", q.ModelVersion)
	}
	if q.Family != "" {
		c.add("family = ?", string(q.Family))
	}
	if q.Feature != "" {
		c.add("feature = ?", q.Feature)
	}
	if q.Method != "" {
		c.add("method = ?", q.Method)
	}
	if !q.From.IsZero() && q.From.After(storage.MinTime) {
		f := ceilSecond(q.From)
		if f.After(storage.MaxTime) {
			return c, true
		}
		c.add("window_start >= ?", f)
	}
	if !q.To.IsZero() && !q.To.After(storage.MaxTime) {
		t := ceilSecond(q.To)
		if !t.After(storage.MinTime) {
			return c, true
		}
		c.add("window_start < ?", t)
	}
	return c, false
}

func ceilSecond(t time.Time) time.Time {
	f := t.UTC().Truncate(time.Second)
	if f.Before(t) {
		f = f.Add(time.Second)
	}
	return f
}

// Results implements storage.Store: drift_results, completed with each
// row's window seq from drift_result_meta. A row is the verdict when
// either table says so, and a reported row is not drifted: rows an older
// version wrote after migration 4 ran have their marker in
// drift_result_meta only, and its old meaning of drifted.
func (s *Store) Results(ctx context.Context, q storage.ResultQuery) ([]drift.Result, error) {
	if s.closed.Load() {
		return nil, errClosed
	}
	c, empty := resultConds(q)
	if empty {
		return nil, nil
	}
	limit := ""
	if q.Limit > 0 {
		limit = " LIMIT " + strconv.Itoa(q.Limit)
	}
	order := "window_start"
	if q.Descending {
		order = "window_start DESC"
	}
	rows, err := s.conn.Query(ctx, `SELECT `+resultColumns+`
		FROM `+s.table("drift_results")+` FINAL`+c.String()+`
		ORDER BY `+order+`, feature, method, model, model_version, family`+limit, c.args...)
	if err != nil {
		return nil, s.fail("read results", err)
	}
	var out []drift.Result
	for rows.Next() {
		var (
			r                 drift.Result
			family            string
			drifted, decision uint8
		)
		if err := rows.Scan(&r.Model, &r.ModelVersion, &family, &r.Feature, &r.Method, &r.WindowStart, &r.WindowEnd,
			&r.Statistic, &r.PValue, &r.Threshold, &drifted, &decision, &r.ThresholdSource,
			&r.NReference, &r.NCurrent, &r.Version); err != nil {
			rows.Close()
			return nil, s.fail("read results", err)
		}
		r.Family, r.Drifted, r.Decision = drift.Family(family), drifted == 1, decision == 1
		r.WindowStart, r.WindowEnd = r.WindowStart.UTC(), r.WindowEnd.UTC()
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.fail("read results", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	// The meta rows of the same selection; with a limit, only as far as
	// the last window returned.
	switch {
	case q.Limit > 0 && q.Descending:
		c.add("window_start >= ?", out[len(out)-1].WindowStart)
	case q.Limit > 0:
		c.add("window_start <= ?", out[len(out)-1].WindowStart)
	}
	meta, err := s.conn.Query(ctx, `SELECT `+metaColumns+`
		FROM `+s.table("drift_result_meta")+` FINAL`+c.String(), c.args...)
	if err != nil {
		return nil, s.fail("read result meta", err)
	}
	defer meta.Close()
	type extra struct {
		seq      int64
		decision bool
	}
	extras := make(map[codec.ResultKey]extra, len(out))
	for meta.Next() {
		var (
			k        codec.ResultKey
			start    time.Time
			seq      int64
			decision uint8
		)
		if err := meta.Scan(&k.Model, &k.ModelVersion, &k.Family, &k.Feature, &k.Method, &start, &seq, &decision); err != nil {
			return nil, s.fail("read result meta", err)
		}
		k.Start = start.Unix()
		extras[k] = extra{seq, decision == 1}
	}
	if err := meta.Err(); err != nil {
		return nil, s.fail("read result meta", err)
	}
	for i := range out {
		if e, ok := extras[codec.KeyOf(out[i])]; ok {
			out[i].WindowSeq, out[i].Decision = e.seq, out[i].Decision || e.decision
		}
		out[i].Drifted = out[i].Drifted && !out[i].ReportOnly()
	}
	return out, nil
}

// LoadCheckpoint implements storage.Store.
func (s *Store) LoadCheckpoint(ctx context.Context, group, topic string, partition int) (drift.Checkpoint, bool, error) {
	if s.closed.Load() {
		return drift.Checkpoint{}, false, errClosed
	}
	rows, err := s.conn.Query(ctx, `SELECT `+checkpointColumns+` FROM `+s.table("window_checkpoints")+` FINAL
		WHERE group_id = ? AND topic = ? AND kafka_partition = ?
		ORDER BY version DESC LIMIT 1`, group, topic, int32(partition))
	if err != nil {
		return drift.Checkpoint{}, false, s.fail("load checkpoint", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return drift.Checkpoint{}, false, s.fail("load checkpoint", err)
		}
		return drift.Checkpoint{}, false, nil
	}
	cp := drift.Checkpoint{Group: group, Topic: topic, Partition: partition}
	var state string
	if err := rows.Scan(&cp.Offset, &state, &cp.Version); err != nil {
		return drift.Checkpoint{}, false, s.fail("load checkpoint", err)
	}
	cp.State = []byte(state)
	return cp, true, nil
}

// Models implements storage.Store.
func (s *Store) Models(ctx context.Context) ([]string, error) {
	if s.closed.Load() {
		return nil, errClosed
	}
	set := make(map[string]bool)
	for _, t := range []string{"window_summaries", "drift_results"} {
		rows, err := s.conn.Query(ctx, "SELECT DISTINCT model FROM "+s.table(t))
		if err != nil {
			return nil, s.fail("list models", err)
		}
		for rows.Next() {
			var m string
			if err := rows.Scan(&m); err != nil {
				rows.Close()
				return nil, s.fail("list models", err)
			}
			set[m] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, s.fail("list models", err)
		}
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
	if s.closed.Load() {
		return nil, errClosed
	}
	rows, err := s.conn.Query(ctx, `SELECT `+predictionColumns+`
		FROM `+s.table("predictions")+` FINAL WHERE model = ?
		ORDER BY time_ns, id, topic, kafka_partition, kafka_offset`, model)
	if err != nil {
		return nil, s.fail("read predictions of "+model, err)
	}
	defer rows.Close()
	out, err := scanPredictions(rows, model, nil)
	if err != nil {
		return nil, s.fail("read predictions of "+model, err)
	}
	return out, nil
}

// scanPredictions appends model's rows (predictionColumns) to out.
func scanPredictions(rows driver.Rows, model string, out []storage.PredictionRecord) ([]storage.PredictionRecord, error) {
	for rows.Next() {
		var (
			p    = storage.PredictionRecord{Model: model}
			ns   int64
			body string
			part int32
		)
		if err := rows.Scan(&p.ModelVersion, &p.ID, &ns, &p.Output, &p.WindowSeq, &body, &p.Source.Topic, &part, &p.Source.Offset); err != nil {
			return nil, err
		}
		p.Time, p.Body, p.Source.Partition = time.Unix(0, ns).UTC(), []byte(body), int(part)
		out = append(out, p)
	}
	return out, rows.Err()
}

// Labels implements storage.RawReader.
func (s *Store) Labels(ctx context.Context, model string) ([]storage.LabelRecord, error) {
	if s.closed.Load() {
		return nil, errClosed
	}
	rows, err := s.conn.Query(ctx, `SELECT `+labelColumns+`
		FROM `+s.table("labels")+` FINAL WHERE model = ?
		ORDER BY time_ns, id, topic, kafka_partition, kafka_offset`, model)
	if err != nil {
		return nil, s.fail("read labels of "+model, err)
	}
	defer rows.Close()
	var out []storage.LabelRecord
	for rows.Next() {
		var (
			l    = storage.LabelRecord{Model: model}
			ns   int64
			body string
			part int32
		)
		if err := rows.Scan(&l.ID, &ns, &l.Label, &body, &l.Source.Topic, &part, &l.Source.Offset); err != nil {
			return nil, s.fail("read labels of "+model, err)
		}
		l.Time, l.Body, l.Source.Partition = time.Unix(0, ns).UTC(), []byte(body), int(part)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("read labels of "+model, err)
	}
	return out, nil
}

// DropPartitionsBefore implements storage.Retention: it drops, from every
// time-partitioned table, the partitions of the whole months that end at
// or before t (ClickHouse 18.16 has no TTL). A month that t falls inside
// is kept.
func (s *Store) DropPartitionsBefore(ctx context.Context, t time.Time) error {
	if s.closed.Load() {
		return errClosed
	}
	t = t.UTC()
	for _, table := range timePartitioned {
		rows, err := s.conn.Query(ctx,
			"SELECT DISTINCT partition FROM system.parts WHERE database = ? AND table = ? AND active", s.db, table)
		if err != nil {
			return s.fail("list partitions of "+table, err)
		}
		var parts []string
		for rows.Next() {
			var p string
			if err := rows.Scan(&p); err != nil {
				rows.Close()
				return s.fail("list partitions of "+table, err)
			}
			parts = append(parts, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return s.fail("list partitions of "+table, err)
		}
		slices.Sort(parts)
		for _, p := range parts {
			yyyymm, err := strconv.Atoi(p)
			if err != nil || yyyymm < 197001 || yyyymm%100 < 1 || yyyymm%100 > 12 {
				return fmt.Errorf("clickhouse: %s has partition %q, not a toYYYYMM month", table, p)
			}
			next := time.Date(yyyymm/100, time.Month(yyyymm%100)+1, 1, 0, 0, 0, 0, time.UTC)
			if next.After(t) {
				continue
			}
			// yyyymm is a validated number: safe to splice.
			if err := s.conn.Exec(ctx, fmt.Sprintf("ALTER TABLE %s DROP PARTITION %d", s.table(table), yyyymm)); err != nil {
				return s.fail(fmt.Sprintf("drop partition %d of %s", yyyymm, table), err)
			}
			s.log.Info("clickhouse retention: dropped partition", "database", s.db, "table", table, "partition", yyyymm)
		}
	}
	return nil
}

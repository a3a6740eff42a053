package pipeline

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/labels/join"
)

// Joiner joins one label partition's labels (join.Joiner).
type Joiner interface {
	Join(ctx context.Context, labels []join.Label, now time.Time) (join.Batch, error)
	Waiting() int
	Snapshot() ([]byte, error)
	Restore([]byte) error
}

// StreamDetectors runs the stream concept-drift detectors (concept.Bank).
type StreamDetectors interface {
	Feed(rows []drift.LabelledRecord, skip func(i int) bool, version uint64) ([]drift.Detection, error)
	Snapshot() ([]byte, error)
	Restore([]byte) error
}

// LabelSide is the label side as the pipeline sees it (labels.Side): what
// a prediction is to it, its memory of recent predictions, the join and the
// stream detectors of each partition, and the results of a stored window's
// labelled rows. Nil in Config: labels are logged only.
type LabelSide interface {
	// Outcome says what a prediction is to the label side beyond its
	// output: its score (NaN when none) and a probabilities model's whole
	// output (JSON, or ""); ok is false for a model without a label side,
	// or a prediction without an output (it is not remembered).
	Outcome(p *drift.Prediction) (score float64, probs string, ok bool)
	// Remember keeps a prediction for the join; the memory is shared by
	// the instance's partitions: prediction partitions put, label
	// partitions' joins get.
	Remember(model, id string, p join.Prediction)
	NewJoiner() Joiner
	// NewStreams returns a partition's stream detectors; never nil.
	NewStreams() StreamDetectors
	// EvaluateLabels computes a stored window's label results (its
	// realised performance, its label distribution against the
	// reference's) from its labelled rows in storage. Errors are retried
	// with backoff.
	EvaluateLabels(ctx context.Context, model string, seq int64, b drift.WindowBounds) ([]drift.Result, error)
}

// stateMagic starts a checkpoint state that holds more than the open
// windows; a state without it is a windows snapshot alone (what every
// checkpoint held before the label side, and what a partition without it
// still writes).
var stateMagic = []byte("driftmon-partition-state-v1\n")

type partitionState struct {
	Windows []byte
	Waiting []byte
	Streams []byte
}

func (p *Partition) snapshot() ([]byte, error) {
	var st partitionState
	var err error
	if p.windows != nil {
		if st.Windows, err = p.windows.Snapshot(); err != nil {
			return nil, err
		}
	}
	if p.joiner == nil && p.streams == nil {
		return st.Windows, nil
	}
	if p.joiner != nil {
		if st.Waiting, err = p.joiner.Snapshot(); err != nil {
			return nil, err
		}
	}
	if p.streams != nil {
		if st.Streams, err = p.streams.Snapshot(); err != nil {
			return nil, err
		}
	}
	buf := bytes.NewBuffer(slices.Clone(stateMagic))
	if err := gob.NewEncoder(buf).Encode(st); err != nil {
		return nil, fmt.Errorf("encode partition state: %w", err)
	}
	return buf.Bytes(), nil
}

func (p *Partition) restore(state []byte, now time.Time) error {
	var st partitionState
	if rest, ok := bytes.CutPrefix(state, stateMagic); ok {
		if err := gob.NewDecoder(bytes.NewReader(rest)).Decode(&st); err != nil {
			return fmt.Errorf("decode partition state: %w", err)
		}
	} else {
		st.Windows = state
	}
	if p.windows != nil && len(st.Windows) > 0 {
		if err := p.windows.Restore(st.Windows, now); err != nil {
			return err
		}
	}
	if p.joiner != nil {
		if err := p.joiner.Restore(st.Waiting); err != nil {
			return err
		}
	}
	if p.streams != nil {
		if err := p.streams.Restore(st.Streams); err != nil {
			return err
		}
	}
	return nil
}

// remember hands a prediction counted in a window to the label side: the
// join's memory, and, when it carries its own label, a labelled row.
func (p *Partition) remember(pred *drift.Prediction, seq int64, windowVersion string, src drift.Source) {
	ls := p.pl.cfg.Labels
	if ls == nil || pred.ID == "" {
		return
	}
	score, probs, ok := ls.Outcome(pred)
	if !ok {
		return
	}
	version := pred.ModelVersion
	if version == "" {
		version = windowVersion
	}
	jp := join.Prediction{ModelVersion: version, Time: pred.Time, WindowSeq: seq, Score: score, Probs: probs}
	switch pred.Output.Kind {
	case drift.Number:
		jp.Num, jp.IsNum = pred.Output.Num, true
	case drift.String, drift.Bool:
		jp.Output = pred.Output.Str
	default:
		return
	}
	if label, ok := labelText(pred.Label); ok {
		// Labelled at once: no join needed, and none is offered one.
		p.labelled = append(p.labelled, join.Joined{LabelledRecord: drift.LabelledRecord{
			Model: clone(pred.Model), ModelVersion: clone(version), WindowSeq: seq, ID: clone(pred.ID),
			PredTime: pred.Time, LabelTime: pred.Time, Output: clone(jp.Text()), Score: score, Probs: probs, Label: clone(label),
			// Partition -1: no record of the labels topic is this label,
			// so a label sent there too is a duplicate of it.
			LabelSource: drift.Source{Partition: -1, Offset: src.Offset},
			Version:     uint64(max(pred.Time.UnixMilli(), 0)) + 1,
		}})
		p.pl.cfg.Metrics.labels.WithLabelValues(clone(pred.Model), "own").Inc()
	}
	// Remembered even when labelled: a label sent on the labels topic too
	// then joins (as a newer label) rather than going unmatched.
	ls.Remember(pred.Model, pred.ID, jp)
}

// labelText is a label value as the labelled rows hold it.
func labelText(v drift.Value) (string, bool) {
	switch v.Kind {
	case drift.Number:
		return strconv.FormatFloat(v.Num, 'g', -1, 64), true
	case drift.String, drift.Bool:
		return v.Str, true
	}
	return "", false
}

// flushLabels joins the labels received since the last flush, feeds the
// stream detectors, stores the labelled rows and the detections, and marks
// the windows they landed in. With recompute (at a checkpoint) it then
// recomputes the results of every marked window that is stored; windows
// not stored yet get theirs when they close. Recomputing reads a window's
// every labelled row, so a busy label stream that flushes every few
// thousand labels recomputes once per checkpoint, not once per flush.
func (p *Partition) flushLabels(ctx context.Context, now time.Time, recompute bool) error {
	ls := p.pl.cfg.Labels
	if ls == nil {
		return nil
	}
	// Rows joined and fed to the detectors but not yet stored (a write
	// that failed, a flush cut short) go first: joining and feeding them
	// again would lose them from the join or count them twice.
	if err := p.storePending(ctx); err != nil {
		return err
	}
	rows := p.labelled
	if p.joiner != nil && (len(p.joinBuf) > 0 || p.joiner.Waiting() > 0) {
		var batch join.Batch
		if err := p.retry(ctx, "labels", func(ctx context.Context) error {
			var err error
			batch, err = p.joiner.Join(ctx, p.joinBuf, now)
			return err
		}); err != nil {
			return err
		}
		p.joinBuf = p.joinBuf[:0]
		m := p.pl.cfg.Metrics
		for model, c := range batch.Counts {
			for _, oc := range []struct {
				name string
				n    int
			}{{"joined", c.Joined}, {"late", c.Late}, {"duplicate", c.Duplicate}, {"unmatched", c.Unmatched}} {
				if oc.n > 0 {
					m.labels.WithLabelValues(model, oc.name).Add(float64(oc.n))
				}
			}
		}
		m.waiting.Add(float64(batch.Waiting - p.waiting))
		p.waiting = batch.Waiting
		// The own rows' First indexes count from their own start.
		off := len(rows)
		for _, jr := range batch.Joined {
			if jr.First >= 0 {
				jr.First += off
			}
			rows = append(rows, jr)
		}
	}
	p.labelled = p.labelled[:0]
	if len(rows) == 0 {
		if recompute {
			return p.relabel(ctx, now)
		}
		return nil
	}
	recs := make([]drift.LabelledRecord, len(rows))
	for i := range rows {
		recs[i] = rows[i].LabelledRecord
	}
	var dets []drift.Detection
	if p.streams != nil {
		var err error
		if dets, err = p.streams.Feed(recs, func(i int) bool { return rows[i].Duplicate }, version(now)); err != nil {
			return fmt.Errorf("stream detectors: %w", err)
		}
	}
	// A second label of one prediction in the batch keeps the first's
	// record and signals, now that the detectors set them.
	for i, r := range rows {
		if r.Duplicate && r.First >= 0 {
			recs[i].LabelSource, recs[i].Signals = recs[r.First].LabelSource, recs[r.First].Signals
		}
	}
	p.pendingRows, p.pendingDets = recs, dets
	if err := p.storePending(ctx); err != nil {
		return err
	}
	if !recompute {
		return nil
	}
	return p.relabel(ctx, now)
}

// storePending writes the joined rows and the detections not stored yet,
// and marks the windows the rows landed in.
func (p *Partition) storePending(ctx context.Context) error {
	recs, dets := p.pendingRows, p.pendingDets
	if len(recs) > 0 {
		if err := p.retry(ctx, "labelled", func(ctx context.Context) error {
			return p.pl.cfg.Store.WriteLabelled(ctx, recs)
		}); err != nil {
			return err
		}
		if p.dirty == nil {
			p.dirty = map[string]map[int64]bool{}
		}
		for _, r := range recs {
			if p.dirty[r.Model] == nil {
				p.dirty[r.Model] = map[int64]bool{}
			}
			p.dirty[r.Model][r.WindowSeq] = true
		}
		p.pendingRows = nil
	}
	if len(dets) > 0 {
		if err := p.retry(ctx, "detections", func(ctx context.Context) error {
			return p.pl.cfg.Store.WriteDetections(ctx, dets)
		}); err != nil {
			return err
		}
		for _, d := range dets {
			p.pl.cfg.Metrics.detections.WithLabelValues(d.Model, d.Detector, string(d.Kind)).Inc()
			lvl := slog.LevelDebug
			if d.Kind == drift.DetectionDrift {
				lvl = slog.LevelInfo
			}
			p.log.Log(ctx, lvl, "stream detector signalled", "model", d.Model, "model_version", d.ModelVersion,
				"detector", d.Detector, "kind", d.Kind, "event_index", d.EventIndex, "event_time", d.EventTime)
		}
		p.pendingDets = nil
	}
	return nil
}

// relabel recomputes the label results of the marked windows that are
// stored, oldest first, tells the observers, and clears the marks. The
// marks need no checkpoint: relabel runs before every checkpoint is taken.
func (p *Partition) relabel(ctx context.Context, now time.Time) error {
	models := make([]string, 0, len(p.dirty))
	for m := range p.dirty {
		models = append(models, m)
	}
	slices.Sort(models)
	for _, model := range models {
		ss := make([]int64, 0, len(p.dirty[model]))
		for seq := range p.dirty[model] {
			ss = append(ss, seq)
		}
		slices.Sort(ss)
		var bounds map[int64]drift.WindowBounds
		if err := p.retry(ctx, "labels", func(ctx context.Context) error {
			var err error
			bounds, err = p.pl.cfg.Store.WindowBounds(ctx, model, ss)
			return err
		}); err != nil {
			return err
		}
		for _, seq := range ss {
			b, ok := bounds[seq]
			if !ok {
				// Still open: its close stores it, then reads its labelled
				// rows, these among them.
				continue
			}
			if err := p.labelResults(ctx, model, seq, b, now); err != nil {
				return err
			}
		}
		delete(p.dirty, model)
	}
	return nil
}

// labelResults computes and stores the label results of one stored window
// and tells the observers. Both sides call it after their own write: the
// label partition after storing labelled rows (for windows already
// stored), the prediction partition after storing a closing window. Each
// reads what the other wrote before, so a label and its window's close
// racing each other cannot both miss.
func (p *Partition) labelResults(ctx context.Context, model string, seq int64, b drift.WindowBounds, now time.Time) error {
	ls := p.pl.cfg.Labels
	// The version is the clock's just before the rows are read (now is
	// the caller's, taken before the join and its writes): a result
	// computed from older rows never replaces one computed (by the other
	// side) from newer ones.
	v := version(latest(now, time.Now()))
	var results []drift.Result
	if err := p.retry(ctx, "labels", func(ctx context.Context) error {
		var err error
		results, err = ls.EvaluateLabels(ctx, model, seq, b)
		return err
	}); err != nil {
		if ctx.Err() != nil || !p.permanent(err) {
			return err
		}
		p.log.Error("label results cannot be computed", "model", model, "seq", seq, "err", err)
		return nil
	}
	if len(results) == 0 {
		return nil
	}
	for i := range results {
		results[i].Version = v
	}
	if err := p.retry(ctx, "window", func(ctx context.Context) error {
		return p.pl.cfg.Store.WriteWindow(ctx, nil, results, v)
	}); err != nil {
		if ctx.Err() != nil || !p.permanent(err) {
			return err
		}
		p.log.Error("storage refused the label results", "model", model, "seq", seq, "err", err)
		return nil
	}
	p.pl.cfg.Metrics.results(model, results)
	for _, o := range p.pl.cfg.Observers {
		o(nil, results)
	}
	return nil
}

// latest is the later of two times.
func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

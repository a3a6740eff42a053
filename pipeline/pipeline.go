package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/labels/join"
	"github.com/driftmon/driftmon/retry"
)

// Windows cuts one partition's predictions into windows (window.Windower).
type Windows interface {
	Add(p *drift.Prediction, now time.Time) (closed []*drift.WindowSummary, late bool, err error)
	Tick(now time.Time) []*drift.WindowSummary
	Snapshot() ([]byte, error)
	Restore(state []byte, now time.Time) error
	// LastEvents says when each model last sent an event: the freshness
	// check, and the models a restored checkpoint holds.
	LastEvents() map[string]time.Time
	// Placed says which window the last event went into, for the label
	// side.
	Placed() (seq int64, modelVersion string)
	// Current says which window a model's stream is in, to key freshness
	// results.
	Current(model string) (drift.WindowSummary, bool)
}

// Store is what the pipeline needs of storage.
type Store interface {
	WriteWindow(ctx context.Context, w *drift.WindowSummary, results []drift.Result, version uint64) error
	SaveCheckpoint(ctx context.Context, cp drift.Checkpoint) error
	LoadCheckpoint(ctx context.Context, group, topic string, partition int) (drift.Checkpoint, bool, error)
	WritePredictions(ctx context.Context, rows []drift.PredictionRecord) error
	WriteLabels(ctx context.Context, rows []drift.LabelRecord) error
	// The label side's writes and reads: joined rows, stream-detector
	// signals, and the bounds of stored windows labels landed in.
	WriteLabelled(ctx context.Context, rows []drift.LabelledRecord) error
	WriteDetections(ctx context.Context, rows []drift.Detection) error
	WindowBounds(ctx context.Context, model string, seqs []int64) (map[int64]drift.WindowBounds, error)
}

// Evaluator compares a closed window with its model's reference. A model
// with no reference yet (the first window of a `previous` reference)
// yields no results and no error. An error wrapping ErrUnevaluable says the
// window can never be evaluated; any other error (a reference read from
// storage failed) is retried with backoff.
type Evaluator interface {
	Evaluate(ctx context.Context, w *drift.WindowSummary) ([]drift.Result, error)
}

// ErrUnevaluable marks an evaluation error that retrying cannot mend: the
// window's reference can never be built (stored windows that do not merge
// into one). Such a window is stored without results, so that it does not
// hold up every later window of its partition.
var ErrUnevaluable = errors.New("window cannot be evaluated")

// Observer hears of every stored window, after it is durable (the demo
// prints them; alerting evaluates rules on them). w is nil for results
// that belong to no closed window (freshness, decided on a tick).
type Observer func(w *drift.WindowSummary, results []drift.Result)

// Owners hears which models this instance owns. A partition takes a model
// when it first sees it (an event, a window restored from its checkpoint,
// a closed window) and releases it when it closes (revoked, reopened or
// shutting down): the instance holding a model's partition is the only one
// that writes its windows and sends its alerts.
type Owners interface {
	Take(model string)
	Release(model string)
}

// Config wires a Pipeline.
type Config struct {
	Group            string
	PredictionsTopic string
	LabelsTopic      string
	NewWindows       func() Windows
	Store            Store
	Evaluator        Evaluator
	Metrics          *Metrics
	Observers        []Observer
	// Owners, when set, hears the models the partitions take and release.
	Owners Owners
	// RawLog keeps every prediction in storage for label joins.
	RawLog bool
	// FlushRows bounds the raw-log buffer between checkpoints.
	FlushRows int
	// Reject reports whether an Add error dead-letters the record
	// (unknown models) rather than stopping the partition.
	Reject func(error) error
	// Permanent reports a storage error that retrying cannot mend (the
	// store refuses the request as such); others are retried with backoff.
	Permanent func(error) bool
	Logger    *slog.Logger
	// Freshness is, per model, how long it may send nothing before its
	// freshness check fails (absent or 0: reported, never failing).
	Freshness map[string]time.Duration
	// Labels is the label join and the concept results; nil: labels are
	// logged only.
	Labels LabelSide
	// Pool, when set, evaluates and stores closed windows off the consume
	// loop (see Pool); nil, the loop does it before it reads on.
	Pool *Pool
}

// Pipeline opens one Partition per assigned partition.
type Pipeline struct {
	cfg Config
}

// New returns a Pipeline.
func New(cfg Config) *Pipeline {
	if cfg.FlushRows <= 0 {
		cfg.FlushRows = 5000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Pipeline{cfg: cfg}
}

// OpenPartition restores the partition's last checkpoint and returns the
// offset it covers (-1 without one).
func (pl *Pipeline) OpenPartition(ctx context.Context, topic string, partition int, now time.Time) (*Partition, int64, error) {
	p := &Partition{pl: pl, topic: topic, id: partition, models: map[string]bool{},
		log: pl.cfg.Logger.With("topic", topic, "partition", partition)}
	if topic != pl.cfg.LabelsTopic {
		p.windows = pl.cfg.NewWindows()
		if pl.cfg.Pool != nil {
			p.inflight = newInflight(p, pl.cfg.Pool)
		}
	}
	if ls := pl.cfg.Labels; ls != nil {
		if topic == pl.cfg.LabelsTopic {
			p.joiner = ls.NewJoiner()
		}
		p.streams = ls.NewStreams()
	}
	cp, ok, err := pl.cfg.Store.LoadCheckpoint(ctx, pl.cfg.Group, topic, partition)
	if err != nil {
		return nil, -1, fmt.Errorf("load checkpoint %s/%d: %w", topic, partition, err)
	}
	if !ok {
		return p, -1, nil
	}
	if len(cp.State) > 0 {
		if err := p.restore(cp.State, now); err != nil {
			return nil, -1, fmt.Errorf("restore checkpoint %s/%d: %w", topic, partition, err)
		}
	}
	if p.windows != nil && len(cp.State) > 0 {
		// The restored windows' models are ours from now on, before any
		// event arrives: what their previous owner left to send is ours to
		// send too.
		for model := range p.windows.LastEvents() {
			p.see(model)
		}
	}
	return p, cp.Offset, nil
}

// Partition is the pipeline of one partition; one goroutine drives it.
type Partition struct {
	pl      *Pipeline
	topic   string
	id      int
	windows Windows
	// inflight is the windows handed to the pool (nil without one).
	inflight *inflight
	preds    []drift.PredictionRecord
	labels   []drift.LabelRecord
	models   map[string]bool // models seen here, whose series Close drops
	log      *slog.Logger
	numBuf   []byte
	stale    map[string]bool // models failing their freshness check

	// The label side (nil without one): the label partition's join and
	// the labels it took since the last flush, the labelled rows of
	// predictions that carried their label, the stream detectors, and the
	// waiting labels last reported to the gauge.
	joiner   Joiner
	joinBuf  []join.Label
	labelled []join.Joined
	streams  StreamDetectors
	waiting  int
	// dirty marks, per model, the windows labels landed in since their
	// results were last computed; pendingRows and pendingDets are joined
	// rows and signals a failed write left unstored.
	dirty       map[string]map[int64]bool
	pendingRows []drift.LabelledRecord
	pendingDets []drift.Detection
}

// Prediction adds one prediction to its window; windows it closes are
// evaluated and stored before it returns, or, with a Pool, handed to it.
func (p *Partition) Prediction(ctx context.Context, pred *drift.Prediction, raw []byte, src drift.Source, now time.Time) error {
	closed, late, err := p.windows.Add(pred, now)
	if err != nil {
		if p.pl.cfg.Reject != nil {
			if rej := p.pl.cfg.Reject(err); rej != nil {
				return rej
			}
		}
		return err
	}
	m := p.pl.cfg.Metrics
	p.see(pred.Model)
	if late {
		// The series keeps its label string: pred.Model may alias the
		// decoder's buffer.
		m.late.WithLabelValues(clone(pred.Model)).Inc()
	}
	seq := int64(-1)
	if !late {
		var version string
		seq, version = p.windows.Placed()
		p.remember(pred, seq, version, src)
	}
	if p.pl.cfg.RawLog {
		p.preds = append(p.preds, drift.PredictionRecord{
			Model: clone(pred.Model), ModelVersion: clone(pred.ModelVersion), ID: clone(pred.ID), Time: pred.Time,
			Output: p.outputText(pred.Output), WindowSeq: seq, Body: append([]byte(nil), raw...), Source: src,
		})
	}
	if len(p.preds) >= p.pl.cfg.FlushRows || len(p.labelled) >= p.pl.cfg.FlushRows {
		if err := p.flush(ctx, now, false); err != nil {
			return err
		}
	}
	return p.close(ctx, closed, now)
}

func (p *Partition) outputText(v drift.Value) string {
	switch v.Kind {
	case drift.Number:
		p.numBuf = strconv.AppendFloat(p.numBuf[:0], v.Num, 'g', -1, 64)
		return string(p.numBuf)
	case drift.String, drift.Bool:
		return clone(v.Str)
	}
	return ""
}

// Label stores one label (joined to its prediction by a later stage).
func (p *Partition) Label(ctx context.Context, l *drift.Label, raw []byte, src drift.Source, now time.Time) error {
	// The decoder gives a number, a string or a boolean (it dead-letters
	// the rest), so ok holds but for a hand-built Label without one.
	text, ok := labelText(l.Label)
	p.labels = append(p.labels, drift.LabelRecord{
		Model: clone(l.Model), ID: clone(l.ID), Time: l.Time, Label: clone(text),
		Body: append([]byte(nil), raw...), Source: src,
	})
	if p.joiner != nil && l.ID != "" && ok {
		p.joinBuf = append(p.joinBuf, join.Label{Model: clone(l.Model), ID: clone(l.ID), Time: l.Time, Label: clone(text),
			Source: drift.Source{Topic: clone(src.Topic), Partition: src.Partition, Offset: src.Offset}})
	}
	if len(p.labels) >= p.pl.cfg.FlushRows {
		return p.flush(ctx, now, false)
	}
	return nil
}

// Tick closes idle windows and runs the freshness check.
func (p *Partition) Tick(ctx context.Context, now time.Time) error {
	if p.windows == nil {
		return nil
	}
	if err := p.freshness(ctx, now); err != nil {
		return err
	}
	return p.close(ctx, p.windows.Tick(now), now)
}

// freshness exports how long each model has been silent, on every tick:
// a model that stops sending closes no window, so this check cannot wait
// for one. When a model passes its limit, and when it sends again, it also
// stores a result and tells the observers (with a nil window: the result
// belongs to no closed window), so that alerting rules can match it.
func (p *Partition) freshness(ctx context.Context, now time.Time) error {
	last := p.windows.LastEvents()
	models := make([]string, 0, len(last))
	for model := range last {
		models = append(models, model)
	}
	slices.Sort(models) // results in a stable order, for tests and logs
	for _, model := range models {
		silent := now.Sub(last[model])
		limit := p.pl.cfg.Freshness[model]
		failed := limit > 0 && silent > limit
		was, known := p.stale[model]
		if failed && !was {
			p.log.Warn("model sends no events", "model", model, "silent", silent.Round(time.Second), "freshness", limit)
		}
		if p.stale == nil {
			p.stale = map[string]bool{}
		}
		p.models[model] = true
		p.pl.cfg.Metrics.fresh(model, silent.Seconds(), failed)
		// Only the changes make results: every tick would rewrite the row
		// and count as one more matching window in a rule's `for`. A model
		// this partition has not judged yet (since it opened: a restart, a
		// rebalance) may have gone stale under the previous run, whose
		// alert only a fresh result resolves: its first fresh tick says so.
		if known && failed == was {
			continue
		}
		if err := p.freshnessResult(ctx, model, silent, limit, failed, now); err != nil {
			return err
		}
		p.stale[model] = failed
	}
	return nil
}

// freshnessResult stores (when failed) and publishes a freshness change.
//
// The row is keyed by the window the model's stream is in when it goes
// quiet (its open window, else its last one): the silence happens inside
// that window, which has no row of this method otherwise, and a restart
// that detects the same silence again (the window is restored from the
// checkpoint, and nothing arrived meanwhile) rewrites the same key with a
// newer version instead of adding a row. A later silence, after events
// opened a later window, has its own key. The recovery is not stored: it
// would replace the failed row and erase the record of the silence; it
// reaches the observers only, to resolve what the failure fired.
func (p *Partition) freshnessResult(ctx context.Context, model string, silent, limit time.Duration, failed bool, now time.Time) error {
	w, ok := p.windows.Current(model)
	if !ok {
		return nil
	}
	r := drift.Result{Model: model, ModelVersion: w.ModelVersion, Family: drift.Quality, Method: "freshness_seconds",
		WindowSeq: w.Seq, WindowStart: w.Start, WindowEnd: w.End,
		Statistic: silent.Seconds(), Threshold: limit.Seconds(), Drifted: failed, Version: version(now)}
	results := []drift.Result{r}
	if failed {
		if err := p.retry(ctx, "freshness", func(ctx context.Context) error {
			return p.pl.cfg.Store.WriteWindow(ctx, nil, results, r.Version)
		}); err != nil {
			if ctx.Err() != nil || !p.permanent(err) {
				return err
			}
			p.log.Error("storage refused the freshness result", "model", model, "err", err)
		}
	}
	for _, o := range p.pl.cfg.Observers {
		o(nil, results)
	}
	return nil
}

// Checkpoint writes the buffered raw rows, then the open windows with the
// offset they cover. Closed windows are stored first: with a Pool, it
// waits for those still in flight, and fails if one could not be stored.
func (p *Partition) Checkpoint(ctx context.Context, next int64, now time.Time) error {
	if p.inflight != nil {
		if err := p.inflight.wait(ctx); err != nil {
			return fmt.Errorf("closed windows: %w", err)
		}
	}
	if err := p.flush(ctx, now, true); err != nil {
		return err
	}
	state, err := p.snapshot()
	if err != nil {
		return err
	}
	cp := drift.Checkpoint{Group: p.pl.cfg.Group, Topic: p.topic, Partition: p.id, Offset: next,
		State: state, Version: version(now)}
	return p.retry(ctx, "checkpoint", func(ctx context.Context) error {
		return p.pl.cfg.Store.SaveCheckpoint(ctx, cp)
	})
}

// Close drops the metric series of the models this partition owned, and
// releases them: another instance reports them, and alerts on them, now.
// Windows still in flight are stopped first; they replay from the last
// checkpoint.
func (p *Partition) Close() {
	if p.inflight != nil {
		p.inflight.close()
	}
	p.pl.cfg.Metrics.waiting.Sub(float64(p.waiting))
	p.waiting = 0
	for model := range p.models {
		p.pl.cfg.Metrics.dropModel(model)
		if p.pl.cfg.Owners != nil {
			p.pl.cfg.Owners.Release(model)
		}
	}
}

// see records a model this partition holds, and takes it the first time.
func (p *Partition) see(model string) {
	if p.models[model] {
		return
	}
	model = clone(model) // it may alias the decoder's buffer
	p.models[model] = true
	if p.pl.cfg.Owners != nil {
		p.pl.cfg.Owners.Take(model)
	}
}

// flush writes the buffered raw rows, then joins and stores the labels:
// a label's prediction must be durable in the raw log (or in memory) by
// the time the join looks for it. recompute (at a checkpoint) also
// recomputes the windows labels landed in (flushLabels).
func (p *Partition) flush(ctx context.Context, now time.Time, recompute bool) error {
	if len(p.preds) > 0 {
		rows := p.preds
		if err := p.retry(ctx, "predictions", func(ctx context.Context) error {
			return p.pl.cfg.Store.WritePredictions(ctx, rows)
		}); err != nil {
			return err
		}
		p.preds = p.preds[:0]
	}
	if len(p.labels) > 0 {
		rows := p.labels
		if err := p.retry(ctx, "labels", func(ctx context.Context) error {
			return p.pl.cfg.Store.WriteLabels(ctx, rows)
		}); err != nil {
			return err
		}
		p.labels = p.labels[:0]
	}
	return p.flushLabels(ctx, now, recompute)
}

// close evaluates and stores closed windows, oldest first, or hands them
// to the pool.
func (p *Partition) close(ctx context.Context, closed []*drift.WindowSummary, now time.Time) error {
	if len(closed) > 0 && len(p.labelled) > 0 {
		// The window's own labelled rows must be in storage before its
		// evaluation reads them.
		if err := p.flushLabels(ctx, now, false); err != nil {
			return err
		}
	}
	for _, w := range closed {
		// A window restored from a checkpoint may close (on Tick) before
		// its model sends anything here: its series are ours to drop too.
		p.see(w.Model)
		c := closing{w: w, now: now, at: time.Now()}
		if p.inflight != nil {
			if err := p.inflight.submit(ctx, c); err != nil {
				return err
			}
			continue
		}
		if err := p.store(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// store evaluates one closed window, stores it with its results, and tells
// the metrics, the observers and the label side. With a Pool it runs on
// the pool's workers, one window of a model at a time, so it touches
// nothing of the partition's that the consume loop changes.
func (p *Partition) store(ctx context.Context, c closing) error {
	w, now := c.w, c.now
	if err := ctx.Err(); err != nil {
		return err
	}
	results, err := p.evaluate(ctx, w)
	if err != nil {
		if ctx.Err() != nil || !p.unevaluable(err) {
			return err
		}
		// The window's counts are worth keeping even when its
		// reference can never be had: store it without results, and
		// say so, rather than stalling the partition on it.
		p.pl.cfg.Metrics.evalErrors.WithLabelValues(w.Model).Inc()
		p.log.Error("window cannot be evaluated; storing it without results", "model", w.Model, "seq", w.Seq, "err", err)
		results = nil
	}
	v := version(now)
	for i := range results {
		results[i].Version = v
	}
	if err := p.retry(ctx, "window", func(ctx context.Context) error {
		return p.pl.cfg.Store.WriteWindow(ctx, w, results, v)
	}); err != nil {
		if ctx.Err() != nil || !p.permanent(err) {
			return err
		}
		// Storage refuses this window as such: retrying cannot mend
		// it, and stalling would hold up every model of the partition.
		p.pl.cfg.Metrics.windowsRefused.WithLabelValues(w.Model).Inc()
		p.log.Error("storage refused the window; it is not stored", "model", w.Model, "seq", w.Seq, "err", err)
		return nil
	}
	p.pl.cfg.Metrics.window(w, results)
	p.pl.cfg.Metrics.closeLatency.Observe(time.Since(c.at).Seconds())
	for _, o := range p.pl.cfg.Observers {
		o(w, results)
	}
	if p.pl.cfg.Labels != nil {
		b := drift.WindowBounds{ModelVersion: w.ModelVersion, Start: w.Start, End: w.End}
		if err := p.labelResults(ctx, w.Model, w.Seq, b, now); err != nil {
			return err
		}
	}
	return nil
}

// evaluate compares w with its reference, retrying through an outage of
// what the reference is read from: a window stored without results would
// lose its drift_results for good once the offsets move past it, so the
// partition waits (and Kafka buffers) until the evaluation succeeds, turns
// out to be impossible, or ctx ends (the window then replays).
func (p *Partition) evaluate(ctx context.Context, w *drift.WindowSummary) ([]drift.Result, error) {
	var results []drift.Result
	err := retry.Do(ctx, func(ctx context.Context) error {
		r, err := p.pl.cfg.Evaluator.Evaluate(ctx, w)
		if err != nil {
			if p.unevaluable(err) {
				return retry.Stop(err)
			}
			return err
		}
		results = r
		return nil
	}, func(err error) {
		if ctx.Err() != nil {
			return // shutting down or revoked, not an outage
		}
		p.pl.cfg.Metrics.evalRetries.WithLabelValues(w.Model).Inc()
		p.log.Error("evaluate window failed; retrying", "model", w.Model, "seq", w.Seq, "err", err)
	})
	if err != nil {
		return nil, fmt.Errorf("evaluate %s window %d: %w", w.Model, w.Seq, err)
	}
	return results, nil
}

// unevaluable reports an evaluation error retrying cannot mend: the
// evaluator says so, or storage refused the reference read as invalid.
func (p *Partition) unevaluable(err error) bool {
	return errors.Is(err, ErrUnevaluable) || p.permanent(err)
}

// retry keeps trying a storage write through an outage: the partition
// pauses (and Kafka buffers) rather than dropping anything.
func (p *Partition) retry(ctx context.Context, op string, fn func(context.Context) error) error {
	err := retry.Do(ctx, func(ctx context.Context) error {
		err := fn(ctx)
		if err != nil && p.permanent(err) {
			return retry.Stop(err)
		}
		return err
	}, func(err error) {
		if ctx.Err() != nil {
			return // shutting down or revoked, not an outage
		}
		p.pl.cfg.Metrics.storageErrors.WithLabelValues(op).Inc()
		p.log.Error("storage write failed; retrying", "op", op, "err", err)
	})
	if err != nil {
		return fmt.Errorf("store %s: %w", op, err)
	}
	return nil
}

func (p *Partition) permanent(err error) bool {
	return p.pl.cfg.Permanent != nil && p.pl.cfg.Permanent(err)
}

func version(now time.Time) uint64 { return uint64(now.UnixMilli()) }

func clone(s string) string { return string(append([]byte(nil), s...)) }

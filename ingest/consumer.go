package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/retry"
)

// PartitionSink receives one partition's decoded records, in offset order,
// from one goroutine. Records handed to it are not yet durable: Checkpoint
// makes them so, and only then does the consumer commit the offset.
type PartitionSink interface {
	// Prediction and Label take one decoded record; raw is the original
	// message value (valid only during the call). An error wrapping
	// ErrReject dead-letters the record; any other error stops the
	// partition, which resumes from its last checkpoint.
	Prediction(ctx context.Context, p *drift.Prediction, raw []byte, src drift.Source, now time.Time) error
	Label(ctx context.Context, l *drift.Label, raw []byte, src drift.Source, now time.Time) error
	// Tick lets time-driven work happen (idle windows close) between records.
	Tick(ctx context.Context, now time.Time) error
	// Checkpoint makes everything handed in so far durable, together with
	// next, the offset to resume from.
	Checkpoint(ctx context.Context, next int64, now time.Time) error
	// Close releases the partition (revoked or shutting down), after a
	// final Checkpoint.
	Close()
}

// SinkFactory opens the sink of a newly assigned partition. resume is the
// offset its last durable checkpoint covers, or -1 when it has none (the
// group's committed offset is used then).
type SinkFactory interface {
	OpenPartition(ctx context.Context, topic string, partition int, now time.Time) (sink PartitionSink, resume int64, err error)
}

// PartitionWatchInterval is how often the consumer asks the broker how
// many partitions its topics have.
const PartitionWatchInterval = 5 * time.Second

// ErrReject marks a sink error whose record belongs in the dead-letter
// topic (an event of a model nobody configured).
var ErrReject = errors.New("rejected")

// ConsumerConfig configures a Consumer.
type ConsumerConfig struct {
	Brokers          []string
	GroupID          string
	PredictionsTopic string
	LabelsTopic      string
	Dialer           *kafka.Dialer
	// CheckpointInterval bounds what a restart replays.
	CheckpointInterval time.Duration
	// TickInterval is how often idle windows close and the partitions'
	// high watermarks are asked for their lag (1s).
	TickInterval time.Duration
	// HeartbeatInterval, SessionTimeout and RebalanceTimeout tune the group
	// protocol: kafka-go's defaults (3s, 30s, 30s) when zero, which config's
	// defaults (1s, 10s, 10s) replace, so that a crashed instance's
	// partitions move in seconds; tests use shorter ones still.
	HeartbeatInterval time.Duration
	SessionTimeout    time.Duration
	RebalanceTimeout  time.Duration
	Decoder           DecoderOptions
	// IsModel reports whether a record key names a configured model: its
	// dead letters are then counted per model too. Keys are the
	// producers' to choose, so only configured models get a series.
	IsModel func(key string) bool
	Clock   func() time.Time
	Logger  *slog.Logger
}

// Consumer runs the consumer group over the predictions and labels topics
// and drives one PartitionSink per assigned partition.
type Consumer struct {
	cfg     ConsumerConfig
	sinks   SinkFactory
	dead    *DeadLetter
	metrics *Metrics
	lag     *lagMonitor
	log     *slog.Logger

	mu    sync.Mutex
	ready bool
}

// NewConsumer returns a Consumer; Run starts it.
func NewConsumer(cfg ConsumerConfig, sinks SinkFactory, dead *DeadLetter, m *Metrics) *Consumer {
	if cfg.CheckpointInterval <= 0 {
		cfg.CheckpointInterval = 30 * time.Second
	}
	if cfg.TickInterval <= 0 {
		cfg.TickInterval = time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Consumer{cfg: cfg, sinks: sinks, dead: dead, metrics: m, log: cfg.Logger,
		lag: newLagMonitor(cfg, m.lag)}
}

// Ready reports whether the consumer has joined its group.
func (c *Consumer) Ready() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ready
}

func (c *Consumer) setReady(v bool) {
	c.mu.Lock()
	c.ready = v
	c.mu.Unlock()
}

// Run consumes until ctx ends. Broker outages are retried with backoff and
// logged; Run returns only when ctx is done or the config is unusable.
func (c *Consumer) Run(ctx context.Context) error {
	topics := []string{c.cfg.PredictionsTopic}
	if c.cfg.LabelsTopic != "" {
		topics = append(topics, c.cfg.LabelsTopic)
	}
	gcfg := kafka.ConsumerGroupConfig{
		ID: c.cfg.GroupID, Brokers: c.cfg.Brokers, Topics: topics, Dialer: c.cfg.Dialer,
		HeartbeatInterval: c.cfg.HeartbeatInterval, SessionTimeout: c.cfg.SessionTimeout,
		RebalanceTimeout: c.cfg.RebalanceTimeout, JoinGroupBackoff: time.Second,
		StartOffset: kafka.FirstOffset,
		// Partitions added to a topic are consumed only from the next
		// rebalance on, and nothing else would cause one: every member
		// checks the topics' partition counts and rejoins when they change.
		WatchPartitionChanges: true, PartitionWatchInterval: PartitionWatchInterval,
	}
	if err := gcfg.Validate(); err != nil {
		return fmt.Errorf("consumer group config: %w", err)
	}
	var lagDone sync.WaitGroup
	lagDone.Go(func() { c.lag.run(ctx) })
	defer lagDone.Wait()
	bo := retry.New()
	for ctx.Err() == nil {
		group, err := kafka.NewConsumerGroup(gcfg)
		if err != nil {
			c.log.Error("kafka consumer group unavailable; retrying", "brokers", c.cfg.Brokers, "err", err)
			if !bo.Wait(ctx) {
				break
			}
			continue
		}
		err = c.runGroup(ctx, group, bo)
		group.Close()
		if ctx.Err() != nil {
			break
		}
		c.log.Error("kafka consumer group failed; rejoining", "brokers", c.cfg.Brokers, "err", err)
		c.metrics.groupRejoins.Inc()
		if !bo.Wait(ctx) {
			break
		}
	}
	c.setReady(false)
	return nil
}

func (c *Consumer) runGroup(ctx context.Context, group *kafka.ConsumerGroup, bo *retry.Backoff) error {
	for {
		gen, err := group.Next(ctx)
		if err != nil {
			c.setReady(false)
			return fmt.Errorf("join group %s: %w", c.cfg.GroupID, err)
		}
		c.setReady(true)
		bo.Reset()
		n := 0
		for topic, parts := range gen.Assignments {
			for _, pa := range parts {
				n++
				gen.Start(func(ctx context.Context) { c.runPartition(ctx, gen, topic, pa) })
			}
		}
		c.log.Info("joined consumer group", "group", c.cfg.GroupID, "generation", gen.ID, "partitions", n)
	}
}

// runPartition owns one partition for the life of a generation. When the
// partition stops on an error (a record it could not handle, a fetch that
// failed), it is reopened from its last checkpoint after a backoff: the
// generation goes on, so nobody else would pick it up.
func (c *Consumer) runPartition(ctx context.Context, gen *kafka.Generation, topic string, pa kafka.PartitionAssignment) {
	log := c.log.With("topic", topic, "partition", pa.ID)
	bo := retry.New()
	for {
		err := c.consumePartition(ctx, gen, topic, pa, log)
		if err == nil || ctx.Err() != nil {
			return
		}
		c.metrics.restarts.WithLabelValues(topic).Inc()
		log.Error("partition stopped; reopening it from its checkpoint", "err", err)
		if !bo.Wait(ctx) {
			return
		}
	}
}

// consumePartition opens the partition's sink, which restores its
// checkpoint, and consumes from the offset that checkpoint covers. It
// returns nil when ctx ends (revoked or shutting down).
func (c *Consumer) consumePartition(ctx context.Context, gen *kafka.Generation, topic string, pa kafka.PartitionAssignment, log *slog.Logger) error {
	sink, resume, err := c.sinks.OpenPartition(ctx, topic, pa.ID, c.cfg.Clock())
	if err != nil {
		return fmt.Errorf("open partition: %w", err)
	}
	// The checkpoint is authoritative: its state covers exactly the
	// offsets before resume. Without one nothing was committed in this
	// generation either (commits follow checkpoints), so the assignment's
	// offset still holds.
	offset := pa.Offset
	if resume >= 0 {
		offset = resume
	}
	r := kafka.NewReader(ReaderConfig(c.cfg.Brokers, topic, pa.ID, c.cfg.Dialer))
	defer r.Close()
	if err := r.SetOffset(offset); err != nil {
		sink.Close()
		return fmt.Errorf("set offset %d: %w", offset, err)
	}
	log.Info("partition assigned", "offset", offset, "from_checkpoint", resume >= 0)
	p := &partition{c: c, gen: gen, topic: topic, id: pa.ID, sink: sink, reader: r, log: log,
		dec: NewDecoder(c.cfg.Decoder), next: offset, committed: offset}
	p.pos = c.lag.track(topic, pa.ID, offset)
	defer c.lag.untrack(topic, pa.ID, p.pos)
	return p.run(ctx)
}

// ReaderConfig is the reader a partition is consumed with; the benchmark's
// read ceiling uses the same settings.
func ReaderConfig(brokers []string, topic string, partition int, dialer *kafka.Dialer) kafka.ReaderConfig {
	return kafka.ReaderConfig{
		Brokers: brokers, Topic: topic, Partition: partition, Dialer: dialer,
		MinBytes: 1, MaxBytes: MaxFetchBytes, MaxWait: 250 * time.Millisecond,
	}
}

type partition struct {
	c         *Consumer
	gen       *kafka.Generation
	topic     string
	id        int
	sink      PartitionSink
	reader    *kafka.Reader
	log       *slog.Logger
	dec       *Decoder
	pred      drift.Prediction
	label     drift.Label
	next      int64 // offset after the last record handled
	committed int64 // offset of the last commit
	pos       *position
}

// run consumes until ctx ends (nil) or something fails (the error; the
// caller reopens the partition from its checkpoint).
func (p *partition) run(ctx context.Context) error {
	defer p.sink.Close()
	msgs := make(chan kafka.Message, 256)
	fetchErr := make(chan error, 1)
	fetchCtx, stopFetch := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(msgs)
		for {
			m, err := p.reader.FetchMessage(fetchCtx)
			if err != nil {
				if fetchCtx.Err() == nil {
					fetchErr <- err
				}
				return
			}
			select {
			case msgs <- m:
			case <-fetchCtx.Done():
				return
			}
		}
	}()
	defer wg.Wait()
	defer stopFetch()

	tick := time.NewTicker(p.c.cfg.TickInterval)
	defer tick.Stop()
	lastCheckpoint := p.c.cfg.Clock()
	// A freeze is measured on the process's own clock, not the configured
	// one: that one may jump on purpose (the demo's, a test's), and a
	// jump is not a process that stood still.
	guard := p.c.stallGuard(time.Now())
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
				// The fetcher stopped: every record handled so far is
				// whole, so checkpoint them before reporting why.
				p.final()
				select {
				case err := <-fetchErr:
					return fmt.Errorf("fetch: %w", err)
				default:
					return nil
				}
			}
			if err := p.handle(ctx, m); err != nil {
				// No checkpoint now: a record half handled (a window closed
				// but not stored) leaves state that must not be saved. What
				// was handled since the last checkpoint replays.
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("offset %d: %w", m.Offset, err)
			}
		case <-tick.C:
			now, wall := p.c.cfg.Clock(), time.Now()
			if stalled := guard.observe(wall); stalled > 0 {
				p.log.Warn("partition loop stood still; idle windows wait in case the group dropped this instance meanwhile",
					"stood_still", stalled.Round(time.Millisecond), "wait", guard.hold)
			}
			// Idle windows close, and freshness is judged, only once the
			// partition has handled what it fetched: a window whose next
			// records wait in the queue (the loop was busy, a checkpoint
			// waited for the evaluation workers) is not idle.
			if !guard.holding(wall) && len(msgs) == 0 {
				if err := p.sink.Tick(ctx, now); err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return fmt.Errorf("tick: %w", err)
				}
			}
			if now.Sub(lastCheckpoint) >= p.c.cfg.CheckpointInterval {
				if err := p.checkpoint(ctx, now); err != nil {
					if ctx.Err() != nil {
						p.final() // the state is whole; only the context ended
						return nil
					}
					return fmt.Errorf("checkpoint: %w", err)
				}
				lastCheckpoint = now
			}
		case <-ctx.Done():
			p.final()
			return nil
		}
	}
}

// stallGuard holds a partition's time-driven work (idle windows closing,
// freshness) back after its loop stood still for long enough that the
// group may have dropped this instance: a process frozen (SIGSTOP, a
// suspended VM) past its session wakes with every timer due at once, and
// its windows look idle only because it did not fetch. Another instance
// may own the partition by then and have stored those windows whole; an
// idle close now would store them again, partial and newer. The hold
// lasts until a heartbeat, sent when the process wakes, has had time to
// fail (kafka-go then ends the generation, which stops the partition), so
// only an owner closes idle windows. Records handled meanwhile are whole
// and in order, and a checkpoint covers exactly what it says: neither
// can spoil what the owner stored.
type stallGuard struct {
	limit, hold time.Duration
	last, until time.Time
}

// groupRequestTimeout is kafka-go's deadline for a heartbeat
// (ConsumerGroupConfig.Timeout, left at its default).
const groupRequestTimeout = 5 * time.Second

func (c *Consumer) stallGuard(now time.Time) *stallGuard {
	session, heartbeat := c.cfg.SessionTimeout, c.cfg.HeartbeatInterval
	if session <= 0 {
		session = 30 * time.Second // kafka-go's default
	}
	if heartbeat <= 0 {
		heartbeat = 3 * time.Second // kafka-go's default
	}
	// A member is dropped after a session without heartbeats; a loop
	// that stood still for half of one is suspect. Its own ticks are a
	// tick interval apart, so that much is never a stall.
	return &stallGuard{limit: max(session/2, 3*c.cfg.TickInterval),
		hold: heartbeat + groupRequestTimeout + c.cfg.TickInterval, last: now}
}

// observe notes a tick at now and returns how long the loop stood still
// before it, when that is long enough to hold time-driven work back.
func (g *stallGuard) observe(now time.Time) time.Duration {
	gap := now.Sub(g.last)
	g.last = now
	if gap <= g.limit {
		return 0
	}
	g.until = now.Add(g.hold)
	return gap
}

// holding reports whether time-driven work waits at now.
func (g *stallGuard) holding(now time.Time) bool { return now.Before(g.until) }

// final checkpoints on revoke or shutdown, with a context of its own: the
// generation's is already cancelled.
func (p *partition) final() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.checkpoint(ctx, p.c.cfg.Clock()); err != nil {
		p.log.Warn("final checkpoint failed; a restart replays since the last one", "err", err)
	}
}

func (p *partition) checkpoint(ctx context.Context, now time.Time) error {
	if err := p.sink.Checkpoint(ctx, p.next, now); err != nil {
		return err
	}
	if p.next == p.committed {
		return nil
	}
	// The checkpoint is durable, so the commit only moves the group up to
	// what storage covers. A failed commit is harmless: the checkpoint, not
	// the commit, decides where a restart resumes.
	if err := p.gen.CommitOffsets(map[string]map[int]int64{p.topic: {p.id: p.next}}); err != nil {
		p.log.Warn("commit offset", "offset", p.next, "err", err)
		return nil
	}
	p.committed = p.next
	p.c.metrics.commits.WithLabelValues(p.topic).Inc()
	return nil
}

func (p *partition) handle(ctx context.Context, m kafka.Message) error {
	src := drift.Source{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset}
	now := p.c.cfg.Clock()
	var err error
	if p.topic == p.c.cfg.LabelsTopic {
		if err = p.dec.DecodeLabel(m.Value, m.Time, &p.label); err == nil {
			if err = keyed(m.Key, p.label.Model); err == nil {
				err = p.sink.Label(ctx, &p.label, m.Value, src, now)
			}
		}
	} else {
		if err = p.dec.DecodePrediction(m.Value, m.Time, &p.pred); err == nil {
			if err = keyed(m.Key, p.pred.Model); err == nil {
				err = p.sink.Prediction(ctx, &p.pred, m.Value, src, now)
			}
		}
	}
	var rej *RejectError
	switch {
	case err == nil:
		p.c.metrics.ingested.WithLabelValues(p.topic).Inc()
	case errors.As(err, &rej):
		if err := p.deadLetter(ctx, m, src, rej.Reason, rej.Detail); err != nil {
			return err
		}
	case errors.Is(err, ErrReject):
		if err := p.deadLetter(ctx, m, src, ReasonUnknownModel, err.Error()); err != nil {
			return err
		}
	default:
		return err
	}
	p.next = m.Offset + 1
	p.pos.next.Store(p.next)
	return nil
}

// keyed checks the contract's key: the model name.
func keyed(key []byte, model string) error {
	if string(key) != model {
		return &RejectError{Reason: ReasonKeyMismatch,
			Detail: fmt.Sprintf("key %q is not the model name %q", key[:min(len(key), 140)], model)}
	}
	return nil
}

// deadLetter hands a rejected record on, retrying until the broker takes
// it: a record is never dropped silently.
func (p *partition) deadLetter(ctx context.Context, m kafka.Message, src drift.Source, reason Reason, detail string) error {
	p.c.metrics.rejected.WithLabelValues(string(reason)).Inc()
	if key := string(m.Key); p.c.cfg.IsModel != nil && p.c.cfg.IsModel(key) {
		p.c.metrics.rejectedByModel.WithLabelValues(key, string(reason)).Inc()
	}
	err := retry.Do(ctx, func(ctx context.Context) error {
		return p.c.dead.Send(ctx, src, m.Key, m.Value, reason, detail)
	}, func(err error) {
		p.c.metrics.deadLetterErrors.Inc()
		p.log.Error("dead-letter write failed; retrying", "err", err)
	})
	if err != nil {
		return fmt.Errorf("dead-letter offset %d: %w", m.Offset, err)
	}
	return nil
}

package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/driftmon/driftmon/drift"
)

// memSink is a PartitionSink that keeps everything in memory, with a
// "durable" part that survives reopening, as storage would.
type memSink struct {
	f       *memSinks
	topic   string
	pending []int64 // offsets handed in since the last checkpoint
}

type memSinks struct {
	mu        sync.Mutex
	durable   []int64 // offsets made durable by checkpoints, in order
	resume    int64   // offset of the last checkpoint; -1 without one
	failAt    int64   // the first time this offset is handed in, fail
	failed    bool
	opens     int
	rejectIDs map[string]bool
}

func (f *memSinks) OpenPartition(ctx context.Context, topic string, partition int, now time.Time) (PartitionSink, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opens++
	if topic != "predictions" {
		// resume is the predictions partition's: a labels partition's
		// checkpoint must not move it.
		return &memSink{f: f, topic: topic}, -1, nil
	}
	return &memSink{f: f, topic: topic}, f.resume, nil
}

func (s *memSink) Prediction(ctx context.Context, p *drift.Prediction, raw []byte, src drift.Source, now time.Time) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	if src.Offset == s.f.failAt && !s.f.failed {
		s.f.failed = true
		return errors.New("injected failure")
	}
	if s.f.rejectIDs[p.ID] {
		return fmt.Errorf("%w: model %s", ErrReject, p.Model)
	}
	s.pending = append(s.pending, src.Offset)
	return nil
}

func (s *memSink) Label(ctx context.Context, l *drift.Label, raw []byte, src drift.Source, now time.Time) error {
	return nil
}

func (s *memSink) Tick(ctx context.Context, now time.Time) error { return nil }

func (s *memSink) Checkpoint(ctx context.Context, next int64, now time.Time) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.f.durable = append(s.f.durable, s.pending...)
	s.pending = nil
	if s.topic == "predictions" {
		s.f.resume = next
	}
	return nil
}

func (s *memSink) Close() {}

// TestConsumerReopensFromCheckpoint runs the consumer group against a
// Kafka-protocol broker over TCP. One record fails once: the partition must
// reopen from its checkpoint and go on, so that every offset is made durable
// exactly once; a record the sink rejects goes to the dead-letter topic.
func TestConsumerReopensFromCheckpoint(t *testing.T) {
	const n = 500
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "predictions", "labels", "dead"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	broker := c.ListenAddrs()[0]
	msgs := producePredictions(t, broker, n)

	sinks := &memSinks{resume: -1, failAt: 321, rejectIDs: map[string]bool{"77": true}}
	reg := prometheus.NewRegistry()
	cons := testConsumer(t, broker, sinks, reg)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cons.Run(ctx) }()

	deadline := time.Now().Add(30 * time.Second)
	for {
		sinks.mu.Lock()
		got := len(sinks.durable)
		sinks.mu.Unlock()
		if got >= n-1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	seen := map[int64]int{}
	for _, o := range sinks.durable {
		seen[o]++
	}
	for o := int64(0); o < n; o++ {
		want := 1
		if o == 77 {
			want = 0 // dead-lettered, not handed on
		}
		if seen[o] != want {
			t.Errorf("offset %d made durable %d times, want %d", o, seen[o], want)
		}
	}
	if sinks.opens < 2 {
		t.Errorf("partition opened %d times, want a reopen after the failure", sinks.opens)
	}
	if got := testutil.ToFloat64(cons.metrics.restarts.WithLabelValues("predictions")); got != 1 {
		t.Errorf("restarts = %v, want 1", got)
	}
	// A replay from an older checkpoint rejects record 77 again: kafka-go
	// has no idempotent producer, so a dead letter may repeat, and carries
	// its source offset so a reader can tell.
	if got := testutil.ToFloat64(cons.metrics.rejected.WithLabelValues(string(ReasonUnknownModel))); got < 1 {
		t.Errorf("rejected unknown_model = %v, want at least 1", got)
	}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{broker}, Topic: "dead", Partition: 0, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer rcancel()
	dl, err := r.ReadMessage(rctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(dl.Value) != string(msgs[77].Value) {
		t.Errorf("dead letter %q, want the original record %q", dl.Value, msgs[77].Value)
	}
	for _, h := range dl.Headers {
		if h.Key == HeaderSourceOffset && string(h.Value) != "77" {
			t.Errorf("dead letter source offset %s, want 77", h.Value)
		}
	}
}

// gatedSinks is a PartitionSink factory whose sinks block on every record
// until the gate opens, as a partition does while storage is down and its
// writes are retried.
type gatedSinks struct {
	gate    chan struct{}
	handled atomic.Int64
}

func (f *gatedSinks) OpenPartition(ctx context.Context, topic string, partition int, now time.Time) (PartitionSink, int64, error) {
	return gatedSink{f}, -1, nil
}

type gatedSink struct{ f *gatedSinks }

func (s gatedSink) Prediction(ctx context.Context, p *drift.Prediction, raw []byte, src drift.Source, now time.Time) error {
	select {
	case <-s.f.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.f.handled.Add(1)
	return nil
}

func (s gatedSink) Label(ctx context.Context, l *drift.Label, raw []byte, src drift.Source, now time.Time) error {
	return nil
}
func (s gatedSink) Tick(ctx context.Context, now time.Time) error { return nil }
func (s gatedSink) Checkpoint(ctx context.Context, next int64, now time.Time) error {
	return nil
}
func (s gatedSink) Close() {}

// gauge returns the value of one series of a gauge, and whether it exists,
// without creating it (as WithLabelValues would).
func gauge(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if labels[lp.GetName()] != lp.GetValue() {
					continue series
				}
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

// TestConsumerLagFromHighWatermark checks that the lag gauge follows the
// broker's high watermark while the partition is blocked (storage down: the
// sink does not return), and reaches 0 once the backlog is handled. Lag
// taken from the reader at fetch time stays unset (or frozen) here: the
// partition's own loop never gets past the first record.
func TestConsumerLagFromHighWatermark(t *testing.T) {
	const n = 300
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "predictions", "labels", "dead"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	broker := c.ListenAddrs()[0]

	sinks := &gatedSinks{gate: make(chan struct{})}
	reg := prometheus.NewRegistry()
	cons := testConsumer(t, broker, sinks, reg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cons.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()

	labels := map[string]string{"topic": "predictions", "partition": "0"}
	waitGauge := func(what string, ok func(v float64) bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			v, found := gauge(t, reg, "driftmon_ingest_consumer_lag_messages", labels)
			if found && ok(v) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("lag gauge %v (present %v), want %s", v, found, what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// The partition is assigned and reported before anything is produced.
	waitGauge("0 on an empty partition", func(v float64) bool { return v == 0 })

	producePredictions(t, broker, n)

	// Every record is fetched or fetchable, none handled: the lag is the
	// whole backlog, however much of it the reader has buffered.
	waitGauge(fmt.Sprintf("%d while the partition is blocked", n), func(v float64) bool { return v == n })
	if got := sinks.handled.Load(); got != 0 {
		t.Fatalf("%d records handled behind a closed gate", got)
	}

	close(sinks.gate)
	waitGauge("0 after catching up", func(v float64) bool { return v == 0 })
	if got := sinks.handled.Load(); got != n {
		t.Errorf("%d records handled, want %d", got, n)
	}

	// Shutting down gives the partition up: its series goes with it.
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	done <- nil
	if v, found := gauge(t, reg, "driftmon_ingest_consumer_lag_messages", labels); found {
		t.Errorf("lag series still exported after shutdown: %v", v)
	}
}

// testConsumer is a consumer of the test broker's predictions and labels
// topics in group "g", with ticks, checkpoints and group timeouts short
// enough for tests, dead-lettering to topic "dead".
func testConsumer(t *testing.T, broker string, sinks SinkFactory, reg prometheus.Registerer) *Consumer {
	t.Helper()
	dead := NewDeadLetter(&kafka.Writer{Addr: kafka.TCP(broker), Topic: "dead"})
	t.Cleanup(func() { dead.Close() })
	return NewConsumer(ConsumerConfig{
		Brokers: []string{broker}, GroupID: "g", PredictionsTopic: "predictions", LabelsTopic: "labels",
		CheckpointInterval: 20 * time.Millisecond, TickInterval: 10 * time.Millisecond,
		HeartbeatInterval: 200 * time.Millisecond, SessionTimeout: 6 * time.Second, RebalanceTimeout: 2 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, sinks, dead, NewMetrics(reg))
}

// producePredictions writes n predictions of model m, ids 0 to n-1, one a
// millisecond of event time apart, to the predictions topic, and returns
// them.
func producePredictions(t *testing.T, broker string, n int) []kafka.Message {
	t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(broker), Topic: "predictions", BatchSize: 100, BatchTimeout: time.Millisecond,
		RequiredAcks: kafka.RequireAll}
	defer w.Close()
	var msgs []kafka.Message
	for i := 0; i < n; i++ {
		msgs = append(msgs, kafka.Message{Key: []byte("m"),
			Value: []byte(fmt.Sprintf(`{"model": "m", "id": "%d", "timestamp": %d}`, i, 1_700_000_000_000+i))})
	}
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	return msgs
}

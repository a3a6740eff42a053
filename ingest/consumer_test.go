package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
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
	return &memSink{f: f}, f.resume, nil
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
	s.f.resume = next
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
	w := &kafka.Writer{Addr: kafka.TCP(broker), Topic: "predictions", BatchSize: 100, BatchTimeout: time.Millisecond}
	var msgs []kafka.Message
	for i := 0; i < n; i++ {
		msgs = append(msgs, kafka.Message{Key: []byte("m"),
			Value: []byte(fmt.Sprintf(`{"model": "m", "id": "%d", "timestamp": %d}`, i, 1_700_000_000_000+i))})
	}
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	w.Close()

	sinks := &memSinks{resume: -1, failAt: 321, rejectIDs: map[string]bool{"77": true}}
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	dead := NewDeadLetter(&kafka.Writer{Addr: kafka.TCP(broker), Topic: "dead"})
	defer dead.Close()
	cons := NewConsumer(ConsumerConfig{
		Brokers: []string{broker}, GroupID: "g", PredictionsTopic: "predictions", LabelsTopic: "labels",
		CheckpointInterval: 20 * time.Millisecond, TickInterval: 10 * time.Millisecond,
		HeartbeatInterval: 200 * time.Millisecond, SessionTimeout: 6 * time.Second, RebalanceTimeout: 2 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, sinks, dead, m)

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
	if got := testutil.ToFloat64(m.restarts.WithLabelValues("predictions")); got != 1 {
		t.Errorf("restarts = %v, want 1", got)
	}
	// A replay from an older checkpoint rejects record 77 again: kafka-go
	// has no idempotent producer, so a dead letter may repeat, and carries
	// its source offset so a reader can tell.
	if got := testutil.ToFloat64(m.rejected.WithLabelValues(string(ReasonUnknownModel))); got < 1 {
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

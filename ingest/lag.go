package ingest

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

// lagMonitor reports the lag of every partition this instance owns: the
// partition's high watermark, asked of the broker, minus the offset the
// pipeline will handle next.
//
// It runs on its own ticker, apart from the partitions' goroutines, because
// those are exactly what stops when something goes wrong: a partition
// blocked in storage retries hands in nothing, and kafka-go's Reader.Lag,
// computed when a fetch returns, would freeze at its last value (or stay 0
// before the first fetch) while the backlog grows. One ListOffsets request
// per tick covers every owned partition; the client splits it by leader.
//
// The position is the next offset to handle, not the last committed one:
// commits follow checkpoints, so the committed offset trails by up to a
// checkpoint interval even when every record has been handled, and a lag
// that never reaches 0 on a healthy instance alarms nobody usefully. The
// group's committed offsets stay visible to the usual Kafka tools.
type lagMonitor struct {
	client   *kafka.Client
	interval time.Duration
	gauge    *prometheus.GaugeVec
	log      *slog.Logger

	mu    sync.Mutex
	parts map[topicPartition]*position
}

type topicPartition struct {
	topic     string
	partition int
}

// position is the next offset a partition will handle, stored by the
// partition's goroutine and read by the monitor's.
type position struct{ next atomic.Int64 }

func newLagMonitor(cfg ConsumerConfig, gauge *prometheus.GaugeVec) *lagMonitor {
	t := &kafka.Transport{}
	if d := cfg.Dialer; d != nil {
		t.TLS, t.SASL = d.TLS, d.SASLMechanism
		if d.Timeout > 0 {
			t.DialTimeout = d.Timeout
		}
	}
	return &lagMonitor{
		client:   &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: 10 * time.Second, Transport: t},
		interval: cfg.TickInterval,
		gauge:    gauge,
		log:      cfg.Logger,
		parts:    map[topicPartition]*position{},
	}
}

// track starts reporting a partition from next on; the caller stores each
// later position in the returned value and calls untrack with it.
func (l *lagMonitor) track(topic string, partition int, next int64) *position {
	pos := &position{}
	pos.next.Store(next)
	l.mu.Lock()
	l.parts[topicPartition{topic, partition}] = pos
	l.mu.Unlock()
	return pos
}

// untrack stops reporting a partition and drops its series: once it moves,
// the instance that owns it now reports it. A newer track of the same
// partition (reopened after an error) is left alone.
func (l *lagMonitor) untrack(topic string, partition int, pos *position) {
	tp := topicPartition{topic, partition}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.parts[tp] != pos {
		return
	}
	delete(l.parts, tp)
	l.gauge.DeleteLabelValues(topic, strconv.Itoa(partition))
}

// run updates the gauges every interval until ctx ends. A broker that does
// not answer leaves the last figures in place and is logged once per
// outage, not once per tick.
func (l *lagMonitor) run(ctx context.Context) {
	defer func() {
		if t, ok := l.client.Transport.(*kafka.Transport); ok {
			t.CloseIdleConnections()
		}
	}()
	tick := time.NewTicker(l.interval)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		err := l.update(ctx)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			failing = true
			l.log.Warn("consumer lag: high watermarks unavailable; keeping the last figures", "err", err)
		case err == nil && failing:
			failing = false
			l.log.Info("consumer lag: high watermarks available again")
		}
	}
}

// update asks the broker for the high watermark of every tracked partition
// and sets each one's gauge.
func (l *lagMonitor) update(ctx context.Context) error {
	l.mu.Lock()
	parts := maps.Clone(l.parts)
	l.mu.Unlock()
	if len(parts) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, max(l.interval, 5*time.Second))
	defer cancel()
	// Partitions the broker could not answer for keep their last figure;
	// the others are set all the same.
	last, lastErr := l.offsets(ctx, parts, kafka.LastOffset)
	if last == nil {
		return lastErr
	}
	resolveErr := l.resolve(ctx, parts, last)
	l.mu.Lock()
	defer l.mu.Unlock()
	for tp, pos := range parts {
		hwm, ok := last[tp]
		if !ok || l.parts[tp] != pos {
			continue // no answer, or untracked while the request was out
		}
		next := pos.next.Load()
		if next < 0 {
			continue
		}
		l.gauge.WithLabelValues(tp.topic, strconv.Itoa(tp.partition)).Set(float64(max(hwm-next, 0)))
	}
	return errors.Join(lastErr, resolveErr)
}

// resolve turns the start positions a new group begins at (kafka-go's
// FirstOffset and LastOffset, which are negative) into offsets, until the
// partition's first record gives the real one: without a committed offset
// the position is the log's start, and the whole log is lag.
func (l *lagMonitor) resolve(ctx context.Context, parts map[topicPartition]*position, last map[topicPartition]int64) error {
	first := map[topicPartition]*position{}
	for tp, pos := range parts {
		switch pos.next.Load() {
		case kafka.LastOffset:
			if hwm, ok := last[tp]; ok {
				pos.next.CompareAndSwap(kafka.LastOffset, hwm)
			}
		case kafka.FirstOffset:
			first[tp] = pos
		}
	}
	if len(first) == 0 {
		return nil
	}
	// A request of its own: a broker refuses a partition listed twice in
	// one ListOffsets request.
	start, err := l.offsets(ctx, first, kafka.FirstOffset)
	for tp, pos := range first {
		if o, ok := start[tp]; ok {
			pos.next.CompareAndSwap(kafka.FirstOffset, o)
		}
	}
	return err
}

// offsets lists one offset (kafka.FirstOffset or kafka.LastOffset) of each
// partition; partitions the broker answers with an error are left out, and
// the first such error is returned once the rest are in.
func (l *lagMonitor) offsets(ctx context.Context, parts map[topicPartition]*position, which int64) (map[topicPartition]int64, error) {
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for tp := range parts {
		req.Topics[tp.topic] = append(req.Topics[tp.topic], kafka.OffsetRequest{Partition: tp.partition, Timestamp: which})
	}
	resp, err := l.client.ListOffsets(ctx, req)
	if err != nil {
		return nil, err
	}
	out := make(map[topicPartition]int64, len(parts))
	var firstErr error
	for topic, offsets := range resp.Topics {
		for _, po := range offsets {
			o := po.LastOffset
			if which == kafka.FirstOffset {
				o = po.FirstOffset
			}
			switch {
			case po.Error != nil:
				if firstErr == nil {
					firstErr = po.Error
				}
			case o >= 0:
				out[topicPartition{topic, po.Partition}] = o
			}
		}
	}
	return out, firstErr
}

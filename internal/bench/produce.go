package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
)

// The benchmark's topics and consumer group, on a broker of its own.
const (
	predictionsTopic = "predictions"
	labelsTopic      = "labels"
	deadLetterTopic  = "driftmon-dead-letter"
	groupID          = "driftmon-bench"
)

// createTopics creates the topics through the controller and waits until
// every partition has a leader (kafka-go groups can stall on topics made
// after they joined).
func createTopics(ctx context.Context, broker string, partitions int) error {
	conn, err := kafka.DialContext(ctx, "tcp", broker)
	if err != nil {
		return fmt.Errorf("dial %s: %w", broker, err)
	}
	defer conn.Close()
	ctrl, err := conn.Controller()
	if err != nil {
		return fmt.Errorf("controller: %w", err)
	}
	cc, err := kafka.DialContext(ctx, "tcp", net.JoinHostPort(ctrl.Host, strconv.Itoa(ctrl.Port)))
	if err != nil {
		return fmt.Errorf("dial controller: %w", err)
	}
	defer cc.Close()
	if err := cc.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		return err
	}
	err = cc.CreateTopics(
		kafka.TopicConfig{Topic: predictionsTopic, NumPartitions: partitions, ReplicationFactor: 1},
		kafka.TopicConfig{Topic: labelsTopic, NumPartitions: 1, ReplicationFactor: 1},
		kafka.TopicConfig{Topic: deadLetterTopic, NumPartitions: 1, ReplicationFactor: 1})
	if err != nil {
		return fmt.Errorf("create topics: %w", err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if err := conn.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
			return err
		}
		ps, err := conn.ReadPartitions(predictionsTopic)
		led := 0
		for _, p := range ps {
			if p.Leader.Host != "" && p.Leader.ID >= 0 {
				led++
			}
		}
		if err == nil && led == partitions {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("topic %s: %d of %d partitions have a leader (%v)", predictionsTopic, led, partitions, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// produce puts the workload's events on the predictions topic as a
// librdkafka producer (kcat's) would with compression.codec=lz4: keyed by
// model, partitioned by the CRC32 of the key (librdkafka's default
// consistent_random partitioner), record batches of up to 10,000 messages
// or 1 MB (batch.num.messages, batch.size), each compressed with LZ4,
// acknowledged by all replicas. It returns the bytes of the values written.
func produce(ctx context.Context, broker string, w Workload, st stamps) (int64, error) {
	wr := &kafka.Writer{Addr: kafka.TCP(broker), Topic: predictionsTopic,
		Balancer: &kafka.CRC32Balancer{Consistent: true}, Compression: kafka.Lz4,
		BatchSize: 10000, BatchBytes: 1 << 20, BatchTimeout: 10 * time.Millisecond,
		RequiredAcks: kafka.RequireAll, MaxAttempts: 10, WriteTimeout: 30 * time.Second}
	defer wr.Close()
	r := rand.New(rand.NewPCG(1, 2))
	const chunk = 50000
	var bytes int64
	for start := 0; start < w.Events; start += chunk {
		n := min(chunk, w.Events-start)
		msgs := make([]kafka.Message, n)
		// One backing array per chunk: the writer holds the values until
		// they are acknowledged.
		buf := make([]byte, 0, n*(40+16*w.Features+100))
		for j := range n {
			i := start + j
			off := len(buf)
			buf = st.appendEvent(buf, i, r)
			msgs[j] = kafka.Message{Key: []byte(modelName(i % w.Models)), Value: buf[off:len(buf):len(buf)]}
			bytes += int64(len(buf) - off)
		}
		if err := wr.WriteMessages(ctx, msgs...); err != nil {
			var werrs kafka.WriteErrors
			if errors.As(err, &werrs) {
				return bytes, fmt.Errorf("produce events %d-%d: %d of %d not acknowledged: %w", start, start+n-1, werrs.Count(), n, err)
			}
			return bytes, fmt.Errorf("produce events %d-%d: %w", start, start+n-1, err)
		}
	}
	return bytes, nil
}

// endOffsets is each partition's high watermark: what a reader of the
// whole topic must reach.
func endOffsets(ctx context.Context, broker string) (map[int]int64, error) {
	conn, err := kafka.DialContext(ctx, "tcp", broker)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", broker, err)
	}
	ps, err := conn.ReadPartitions(predictionsTopic)
	conn.Close()
	if err != nil {
		return nil, fmt.Errorf("partitions of %s: %w", predictionsTopic, err)
	}
	ends := map[int]int64{}
	for _, p := range ps {
		pc, err := kafka.DialLeader(ctx, "tcp", broker, predictionsTopic, p.ID)
		if err != nil {
			return nil, fmt.Errorf("leader of partition %d: %w", p.ID, err)
		}
		last, err := pc.ReadLastOffset()
		pc.Close()
		if err != nil {
			return nil, fmt.Errorf("end of partition %d: %w", p.ID, err)
		}
		ends[p.ID] = last
	}
	return ends, nil
}

// writeConfig writes serve's config: the topics, ClickHouse, and every
// model with its reference; everything else at serve's defaults.
func writeConfig(path string, w Workload, workers int, broker, clickhouse, database, httpAddr string, refs []string) error {
	var b strings.Builder
	fmt.Fprintf(&b, `kafka:
  brokers: [%q]
  group_id: %s
  predictions_topic: %s
  labels_topic: %s
  dead_letter_topic: %s
storage:
  backend: clickhouse
  clickhouse: {addr: [%q], database: %s}
http: {listen: %q}
`, broker, groupID, predictionsTopic, labelsTopic, deadLetterTopic, clickhouse, database, httpAddr)
	if workers > 0 {
		fmt.Fprintf(&b, "evaluation: {workers: %d}\n", workers)
	}
	b.WriteString("models:\n")
	for m := range w.Models {
		// No lateness: a window closes as soon as its model's events pass
		// its end, which expectedWindows counts by. The idle timeout
		// outlasts the run, so that no window closes for quiet.
		fmt.Fprintf(&b, "  - name: %s\n    window: {duration: %s}\n    allowed_lateness: 0s\n    idle_timeout: 24h\n"+
			"    reference: {file: %q}\n    prediction: score\n    features:\n", modelName(m), durationYAML(w.Window), refs[m])
		for f := 0; f < w.Features; f++ {
			kind := "numeric"
			if f >= w.numeric() {
				kind = "categorical"
			}
			fmt.Fprintf(&b, "      %s: %s\n", featureName(w, f), kind)
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// durationYAML writes d as whole seconds, which the config takes for every
// window length.
func durationYAML(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) + "s" }

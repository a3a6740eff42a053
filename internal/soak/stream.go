package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/segmentio/kafka-go"
)

// The soak's topics and group, on a broker of its own.
const (
	predictionsTopic = "soak-predictions"
	labelsTopic      = "soak-labels"
	deadLetterTopic  = "soak-dead-letter"
	group            = "soak"
	database         = "soak"
	window           = time.Minute
	// lateness keeps a window open a little past its end, so that a batch
	// the producer writes again after a failed acknowledgement (Kafka may
	// have stored it anyway) still counts rather than landing late.
	lateness = 5 * time.Second
)

func modelName(i int) string { return "soak-" + strconv.Itoa(i) }

func setup(args []string) error {
	fs := flag.NewFlagSet("setup", flag.ExitOnError)
	dir := fs.String("dir", "", "folder for the config and reference")
	brokers := fs.String("brokers", "", "Kafka bootstrap address")
	ch := fs.String("clickhouse", "", "ClickHouse native address")
	models := fs.Int("models", 4, "models")
	partitions := fs.Int("partitions", 4, "partitions of the predictions topic")
	httpAddr := fs.String("http", "", "driftmon's HTTP listen address")
	fs.Parse(args)
	ref := filepath.Join(*dir, "reference.csv")
	if err := writeReference(ref); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, `kafka:
  brokers: [%q]
  group_id: %s
  predictions_topic: %s
  labels_topic: %s
  dead_letter_topic: %s
  checkpoint_interval: 1s
  session_timeout: 6s
  heartbeat_interval: 500ms
storage:
  backend: clickhouse
  clickhouse: {addr: [%q], database: %s}
http: {listen: %q}
models:
`, *brokers, group, predictionsTopic, labelsTopic, deadLetterTopic, *ch, database, *httpAddr)
	for i := 0; i < *models; i++ {
		// idle_timeout outlasts a broker restart: the producer is
		// stopped meanwhile, and its models' windows should not close
		// for idleness (they would be rewritten, but needlessly).
		fmt.Fprintf(&b, `  - name: %s
    window: {duration: %s}
    allowed_lateness: %s
    idle_timeout: 3m
    reference: {file: %q}
    prediction: score
    features:
      x: numeric
      c: categorical
`, modelName(i), window, lateness, ref)
	}
	if err := os.WriteFile(filepath.Join(*dir, "driftmon.yaml"), []byte(b.String()), 0o600); err != nil {
		return err
	}
	return createTopics(*brokers, *partitions)
}

func writeReference(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(5, 6))
	w := csv.NewWriter(f)
	w.Write([]string{"x", "c", "prediction"})
	for i := 0; i < 5000; i++ {
		w.Write([]string{strconv.FormatFloat(r.NormFloat64(), 'g', -1, 64), string(rune('a' + r.IntN(5))),
			strconv.FormatFloat(r.Float64(), 'g', -1, 64)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func createTopics(broker string, partitions int) error {
	conn, err := kafka.Dial("tcp", broker)
	if err != nil {
		return err
	}
	defer conn.Close()
	ctrl, err := conn.Controller()
	if err != nil {
		return err
	}
	cc, err := kafka.Dial("tcp", net.JoinHostPort(ctrl.Host, strconv.Itoa(ctrl.Port)))
	if err != nil {
		return err
	}
	defer cc.Close()
	cc.SetDeadline(time.Now().Add(30 * time.Second))
	err = cc.CreateTopics(
		kafka.TopicConfig{Topic: predictionsTopic, NumPartitions: partitions, ReplicationFactor: 1},
		kafka.TopicConfig{Topic: labelsTopic, NumPartitions: 1, ReplicationFactor: 1},
		kafka.TopicConfig{Topic: deadLetterTopic, NumPartitions: 1, ReplicationFactor: 1})
	if err != nil {
		return err
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		ps, err := conn.ReadPartitions(predictionsTopic)
		led := 0
		for _, p := range ps {
			if p.Leader.Host != "" {
				led++
			}
		}
		if err == nil && led == partitions {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d partitions led: %v", led, partitions, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// event is one prediction as produced, and as read back from the topic.
type event struct {
	Model      string         `json:"model"`
	ID         string         `json:"id"`
	Timestamp  string         `json:"timestamp"`
	Features   map[string]any `json:"features"`
	Prediction float64        `json:"prediction"`
}

// counts is what one window must hold.
type counts struct {
	Events   uint64            `json:"events"`
	XCount   uint64            `json:"x_count"`
	XMissing uint64            `json:"x_missing"`
	Cats     map[string]uint64 `json:"cats"`
}

// tally holds counts by model and window sequence number.
type tally map[string]map[int64]*counts

func (t tally) add(e *event) error {
	ts, err := time.Parse(time.RFC3339Nano, e.Timestamp)
	if err != nil {
		return err
	}
	seq := ts.UnixNano() / int64(window)
	if t[e.Model] == nil {
		t[e.Model] = map[int64]*counts{}
	}
	c := t[e.Model][seq]
	if c == nil {
		c = &counts{Cats: map[string]uint64{}}
		t[e.Model][seq] = c
	}
	c.Events++
	if e.Features["x"] == nil {
		c.XMissing++
	} else {
		c.XCount++
	}
	cat, _ := e.Features["c"].(string)
	c.Cats[cat]++
	return nil
}

// produced is the producer's record, written when it stops.
type produced struct {
	Acked   tally  `json:"acked"`
	Events  uint64 `json:"events"`
	Retries uint64 `json:"retries"`
	// Behind is the most the producer fell behind its rate (a broker
	// down), in events.
	Behind uint64 `json:"behind"`
}

func produce(args []string) error {
	fs := flag.NewFlagSet("produce", flag.ExitOnError)
	brokers := fs.String("brokers", "", "Kafka bootstrap address")
	rate := fs.Int("rate", 2000, "events per second, over all models")
	models := fs.Int("models", 4, "models")
	out := fs.String("out", "", "where to write what was acknowledged, on SIGTERM")
	fs.Parse(args)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	w := &kafka.Writer{Addr: kafka.TCP(*brokers), Topic: predictionsTopic, Balancer: &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll, BatchSize: 1000, BatchTimeout: time.Millisecond,
		MaxAttempts: 3, WriteTimeout: 10 * time.Second}
	defer w.Close()
	rec := produced{Acked: tally{}}
	r := rand.New(rand.NewPCG(1, 2))
	const tick = 100 * time.Millisecond
	perTick := max(*rate/10, 1)
	n := 0
	start := time.Now()
	lastLog := start
	for ctx.Err() == nil {
		// Events are stamped when made, so each model's event time only
		// goes forward in its partition; while the broker is down the
		// producer waits, and its clock with it.
		now := time.Now().UTC()
		msgs := make([]kafka.Message, 0, perTick)
		evs := make([]*event, 0, perTick)
		for i := 0; i < perTick; i++ {
			m := modelName(n % *models)
			e := &event{Model: m, ID: "e" + strconv.Itoa(n), Timestamp: now.Format(time.RFC3339Nano),
				Features: map[string]any{"c": string(rune('a' + r.IntN(5)))}, Prediction: r.Float64()}
			if n%25 == 0 {
				e.Features["x"] = nil
			} else {
				e.Features["x"] = r.NormFloat64()
			}
			b, err := json.Marshal(e)
			if err != nil {
				return err
			}
			msgs = append(msgs, kafka.Message{Key: []byte(m), Value: b})
			evs = append(evs, e)
			n++
		}
		// Write until every message is acknowledged by all replicas. Only
		// the failed ones are sent again (a partition's messages fail
		// together, so its order holds).
		pending := msgs
		pendingEvs := evs
		for len(pending) > 0 {
			err := w.WriteMessages(context.Background(), pending...)
			var werrs kafka.WriteErrors
			switch {
			case err == nil:
				for _, e := range pendingEvs {
					rec.Acked.add(e)
				}
				pending = nil
			case errors.As(err, &werrs):
				var again []kafka.Message
				var againEvs []*event
				for i, e := range werrs {
					if e == nil {
						rec.Acked.add(pendingEvs[i])
					} else {
						again = append(again, pending[i])
						againEvs = append(againEvs, pendingEvs[i])
					}
				}
				pending, pendingEvs = again, againEvs
			}
			if err != nil {
				rec.Retries++
				if time.Since(lastLog) > 5*time.Second {
					first := err
					for _, e := range werrs {
						if e != nil {
							first = e
							break
						}
					}
					log.Printf("produce: %d messages not acknowledged, retrying: %v", len(pending), first)
					lastLog = time.Now()
				}
				time.Sleep(500 * time.Millisecond)
			}
		}
		rec.Events += uint64(len(msgs))
		// Steady rate: sleep to the next tick; after an outage, resume the
		// rate rather than catch up in a burst.
		due := time.Duration(rec.Events/uint64(perTick)) * tick
		if behind := time.Since(start) - due; behind > tick {
			if b := uint64(behind/tick) * uint64(perTick); b > rec.Behind {
				rec.Behind = b
			}
			start = time.Now().Add(-due)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Until(start.Add(due))):
		}
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	log.Printf("produce: %d events acknowledged, %d retried writes, at most %d events behind", rec.Events, rec.Retries, rec.Behind)
	return os.WriteFile(*out, b, 0o600)
}

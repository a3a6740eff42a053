package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/storage/clickhouse"
)

// verify counts every window from the topic itself (what driftmon was given
// to read), checks that count against what the producer had acknowledged,
// and compares it, field by field, with the windows ClickHouse stores,
// waiting until they match or the wait ends.
func verify(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ExitOnError)
	dir := fs.String("dir", "", "the soak's folder (produced.json)")
	brokers := fs.String("brokers", "", "Kafka bootstrap address")
	ch := fs.String("clickhouse", "", "ClickHouse native address")
	wait := fs.Duration("wait", 5*time.Minute, "how long the stored windows may take to catch up")
	fs.Parse(args)
	ctx := context.Background()

	var rec produced
	b, err := os.ReadFile(filepath.Join(*dir, "produced.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return err
	}
	topic, newest, dups, err := readTopic(ctx, *brokers)
	if err != nil {
		return fmt.Errorf("read %s back: %w", predictionsTopic, err)
	}
	if dups > 0 {
		// driftmon counts every record it is given; a batch the producer
		// wrote again holds events Kafka already had, and they count.
		fmt.Printf("the topic holds %d duplicate events (producer retries)\n", dups)
	}
	// Every acknowledged event is in the topic.
	for m, ws := range rec.Acked {
		for seq, a := range ws {
			tc := topic[m][seq]
			if tc == nil || tc.Events < a.Events {
				return fmt.Errorf("model %s window %d: the producer had %d events acknowledged, the topic holds %v", m, seq, a.Events, tc)
			}
		}
	}

	// The windows to check: each model's, up to the last the watermark
	// closed (its end plus the lateness at or before the newest event).
	type key struct {
		model string
		seq   int64
	}
	want := map[key]*counts{}
	var total uint64
	for m, ws := range topic {
		for seq, c := range ws {
			// A window the watermark has not passed is still open.
			if end := time.Unix(0, (seq+1)*int64(window)); end.After(newest[m].Add(-lateness)) {
				continue
			}
			want[key{m, seq}] = c
			total += c.Events
		}
	}
	store, err := clickhouse.Open(ctx, clickhouse.Options{Addr: []string{*ch}, Database: database})
	if err != nil {
		return err
	}
	defer store.Close()
	var bad []string
	deadline := time.Now().Add(*wait)
	for {
		bad = bad[:0]
		got := map[key]*drift.WindowSummary{}
		for m := range topic {
			ws, err := store.Windows(ctx, m, time.Unix(0, 0), time.Now().Add(time.Hour))
			if err != nil {
				return err
			}
			for _, w := range ws {
				got[key{m, w.Seq}] = w
			}
		}
		for k, c := range want {
			if msg := compare(got[k], c); msg != "" {
				bad = append(bad, fmt.Sprintf("model %s window %d (%s): %s", k.model, k.seq,
					time.Unix(0, k.seq*int64(window)).UTC().Format("15:04"), msg))
			}
		}
		for k, w := range got {
			if topic[k.model][k.seq] == nil {
				bad = append(bad, fmt.Sprintf("model %s window %d: stored (%d events) but never produced", k.model, k.seq, w.Events))
			}
		}
		if len(bad) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Second)
	}
	slices.Sort(bad)
	for _, s := range bad {
		fmt.Println("NOT EXACT:", s)
	}
	fmt.Printf("windows checked: %d (%d models, %d events); exact: %d; producer: %d events acknowledged, %d retried writes, at most %d events behind its rate\n",
		len(want), len(topic), total, len(want)-len(bad), rec.Events, rec.Retries, rec.Behind)
	if len(bad) > 0 {
		return fmt.Errorf("%d windows not exact", len(bad))
	}
	if len(want) == 0 {
		return fmt.Errorf("no window to check")
	}
	return nil
}

// compare says how a stored window differs from its counts ("" when it
// does not).
func compare(got *drift.WindowSummary, c *counts) string {
	if got == nil {
		return fmt.Sprintf("not stored; want %d events", c.Events)
	}
	x, cat := got.Feature("x"), got.Feature("c")
	if x == nil || cat == nil {
		return "features missing"
	}
	if got.Events != c.Events || got.Late != 0 || x.Count != c.XCount || x.Missing != c.XMissing || got.Prediction.Count != c.Events {
		return fmt.Sprintf("events %d late %d x %d/%d pred %d; want events %d late 0 x %d/%d pred %d",
			got.Events, got.Late, x.Count, x.Missing, got.Prediction.Count, c.Events, c.XCount, c.XMissing, c.Events)
	}
	var bins uint64
	for _, n := range x.BinCounts {
		bins += n
	}
	if bins != c.XCount {
		return fmt.Sprintf("x bins hold %d values, want %d", bins, c.XCount)
	}
	for k, v := range c.Cats {
		if cat.Categories[k] != v {
			return fmt.Sprintf("category %s counted %d, want %d", k, cat.Categories[k], v)
		}
	}
	return ""
}

// readTopic reads every partition of the predictions topic from its first
// offset to its end, counting events by model and window, each model's
// newest event time, and the events whose id it had already seen.
func readTopic(ctx context.Context, broker string) (t tally, newest map[string]time.Time, dups uint64, err error) {
	conn, err := kafka.Dial("tcp", broker)
	if err != nil {
		return nil, nil, 0, err
	}
	ps, err := conn.ReadPartitions(predictionsTopic)
	conn.Close()
	if err != nil {
		return nil, nil, 0, err
	}
	t, newest = tally{}, map[string]time.Time{}
	seen := map[string]bool{}
	for _, p := range ps {
		pc, err := kafka.DialLeader(ctx, "tcp", broker, predictionsTopic, p.ID)
		if err != nil {
			return nil, nil, 0, err
		}
		last, err := pc.ReadLastOffset()
		pc.Close()
		if err != nil {
			return nil, nil, 0, err
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{broker}, Topic: predictionsTopic, Partition: p.ID,
			MaxBytes: 10 << 20})
		r.SetOffset(kafka.FirstOffset)
		for off := int64(-1); off < last-1; {
			rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			m, err := r.ReadMessage(rctx)
			cancel()
			if err != nil {
				r.Close()
				return nil, nil, 0, fmt.Errorf("partition %d at %d of %d: %w", p.ID, off, last, err)
			}
			off = m.Offset
			var e event
			if err := json.Unmarshal(m.Value, &e); err != nil {
				r.Close()
				return nil, nil, 0, err
			}
			if seen[e.ID] {
				dups++
			}
			seen[e.ID] = true
			if err := t.add(&e); err != nil {
				r.Close()
				return nil, nil, 0, err
			}
			if ts, _ := time.Parse(time.RFC3339Nano, e.Timestamp); ts.After(newest[e.Model]) {
				newest[e.Model] = ts
			}
		}
		r.Close()
	}
	return t, newest, dups, nil
}

package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/ingest"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/server/servertest"
	"github.com/driftmon/driftmon/storage/clickhouse"
)

// TestPartitionsAddedWhileRunning grows the topics from one partition to
// two under a running service and produces model m2's events to the new
// one only: the service must notice the new partition (nothing else
// rebalances the group) and store every window of m2 exactly.
func TestPartitionsAddedWhileRunning(t *testing.T) {
	for _, kind := range testenv.Brokers() {
		t.Run(kind.Name, func(t *testing.T) { partitionsAddedWhileRunning(t, kind.Open(t)) })
	}
}

func partitionsAddedWhileRunning(t *testing.T, b *testenv.Broker) {
	chAddr, db, _ := testenv.ClickHouseDB(t)
	createTestTopics(t, b, 1)
	const window = 100 * time.Second
	cfg, err := config.Load(testConfigOn(t, t.TempDir(), b,
		fmt.Sprintf("  backend: clickhouse\n  clickhouse: {addr: [%q], database: %s}", chAddr, db), "127.0.0.1:0", window))
	if err != nil {
		t.Fatal(err)
	}
	m2 := cfg.Models[0]
	m2.Name = "m2"
	cfg.Models = append(cfg.Models, m2)
	base := time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)
	events, want := testStream(1000, base, window)

	_, ctx := servertest.Start(t, cfg)
	store, err := clickhouse.Open(ctx, clickhouse.Options{Addr: []string{chAddr}, Database: db})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	count := func(model string) int {
		ws, _ := store.Windows(ctx, model, base.Add(-window), base.Add(time.Duration(len(events))*time.Second+window))
		return len(ws)
	}
	// produce writes model's events to one partition, through a transport
	// of its own (a shared one caches the topic's old partition count).
	produce := func(model string, partition int) {
		w := &kafka.Writer{Addr: kafka.TCP(b.Addr), Topic: b.Topic("predictions"), Transport: &kafka.Transport{},
			BatchSize: 500, BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireAll,
			Balancer: kafka.BalancerFunc(func(kafka.Message, ...int) int { return partition })}
		defer w.Close()
		var msgs []kafka.Message
		for _, e := range events {
			msgs = append(msgs, kafka.Message{Key: []byte(model), Value: []byte(`{"model":"` + model + `",` + string(e[len(`{`):]))})
		}
		if err := w.WriteMessages(context.Background(), msgs...); err != nil {
			t.Fatal(err)
		}
	}
	produce("m", 0)
	testenv.WaitFor(t, 30*time.Second, "every window of m", func() (bool, error) { return count("m") == len(want), nil })

	b.AddPartitions(t, 2, b.Topic("predictions"), b.Topic("labels"))
	added := time.Now()
	produce("m2", 1)
	testenv.WaitFor(t, ingest.PartitionWatchInterval+30*time.Second, "every window of m2, from the new partition", func() (bool, error) {
		return count("m2") == len(want), nil
	})
	t.Logf("every window of m2 stored %.1fs after the partition was added", time.Since(added).Seconds())
	for _, model := range []string{"m", "m2"} {
		ws, err := store.Windows(ctx, model, base.Add(-window), base.Add(time.Duration(len(events))*time.Second+window))
		if err != nil {
			t.Fatal(err)
		}
		checkExactWindows(t, ws, want)
	}
}

package server_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/server"
	"github.com/driftmon/driftmon/storage/clickhouse"
)

// TestTwoInstancesShareTheWork runs two instances in one consumer group over
// two partitions. The second joins mid-stream, so the first must hand over a
// partition through its checkpoint; every window of both models must still
// hold exactly its events.
func TestTwoInstancesShareTheWork(t *testing.T) {
	chAddr, db, _ := testenv.ClickHouseDB(t)
	broker := testenv.StartBroker(t, 2, "predictions", "labels", "driftmon-dead-letter")
	dir := t.TempDir()
	const window = 200 * time.Second
	cfgPath := testConfig(t, dir, broker,
		fmt.Sprintf("  backend: clickhouse\n  clickhouse: {addr: [%q], database: %s}", chAddr, db), "127.0.0.1:0", window)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	// A second model, m2, on the other partition: same shape as m.
	m2 := cfg.Models[0]
	m2.Name = "m2"
	cfg.Models = append(cfg.Models, m2)

	base := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	events, want := testStream(6000, base, window)
	// m2's events: the same, with "model":"m2" first (of a repeated key the
	// decoder takes the first).
	start := func() (stop func()) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- server.Run(ctx, cfg, server.Options{Listener: ln, TickInterval: 50 * time.Millisecond,
				HeartbeatInterval: 200 * time.Millisecond, SessionTimeout: 6 * time.Second, RebalanceTimeout: 3 * time.Second})
		}()
		return func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		}
	}
	// Keys pick partitions: m on 0, m2 on 1.
	produceBoth := testenv.TwoModelProducer(t, broker, events)
	produce := func(from, to int) { produceBoth(from, to, 10*time.Millisecond) }
	ctx := context.Background()
	store, err := clickhouse.Open(ctx, clickhouse.Options{Addr: []string{chAddr}, Database: db})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	from, to := base.Add(-window), base.Add(time.Duration(len(events))*time.Second+window)
	count := func(model string) int {
		ws, _ := store.Windows(ctx, model, from, to)
		return len(ws)
	}

	stopA := start()
	produce(0, len(events)/2)
	testenv.WaitFor(t, 30*time.Second, "windows of both models", func() (bool, error) {
		return count("m") >= 3 && count("m2") >= 3, nil
	})
	stopB := start() // joins: the group rebalances mid-stream
	defer stopB()
	produce(len(events)/2, len(events))
	testenv.WaitFor(t, 3*time.Minute, "every window of both models", func() (bool, error) {
		return count("m") == len(want) && count("m2") == len(want), nil
	})
	stopA()

	for _, model := range []string{"m", "m2"} {
		ws, err := store.Windows(ctx, model, from, to)
		if err != nil {
			t.Fatal(err)
		}
		for _, got := range ws {
			ew := want[got.Seq]
			x := got.Feature("x")
			if ew == nil || got.Events != ew.events || x.Count != ew.xCount || x.Missing != ew.xMissing {
				t.Errorf("%s window %d: events %d x %d/%d, want %+v", model, got.Seq, got.Events, x.Count, x.Missing, ew)
			}
		}
	}
}

package demo

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/server/servertest"
)

// TestExampleConfigServes runs `serve` with driftmon.example.yaml, pointed at
// the test broker and ClickHouse (as a user points it at theirs), feeds it
// the synthetic model's stream, and reads window summaries and drift_results
// back with plain SQL.
func TestExampleConfigServes(t *testing.T) {
	chAddr, db, conn := testenv.ClickHouseDB(t)
	broker := testenv.StartBroker(t, 1, "predictions", "labels", "driftmon-dead-letter")
	cfg, err := config.Load("../../driftmon.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Kafka.Brokers = []string{broker}
	cfg.Storage.ClickHouse.Addr = []string{chAddr}
	cfg.Storage.ClickHouse.Database = db
	cfg.Models[0].IdleTimeout = time.Second

	// Two 5-minute windows of events, one a second, as the demo model.
	gen := newSynthStream(5)
	base := time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)
	var msgs []kafka.Message
	for i := 0; i < 600; i++ {
		msgs = append(msgs, kafka.Message{Key: []byte(synthModel), Value: gen.event(-1, base.Add(time.Duration(i)*time.Second))})
	}
	w := &kafka.Writer{Addr: kafka.TCP(broker), Topic: "predictions", BatchSize: 600, BatchTimeout: time.Millisecond}
	defer w.Close()
	if err := w.WriteMessages(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
	servertest.Start(t, cfg)

	// Only the psi rows are held to "no drift": with 300 events a window,
	// a row's own threshold can trip on chance where it sits close to the
	// sampling noise (jensen_shannon 0.1: distance_km showed 0.109 here),
	// while psi's 0.2 is far above its noise of about bins/n = 10/300.
	var windows, psiRows, drifted uint64
	testenv.WaitFor(t, 60*time.Second, "two windows in drift_results", func() (bool, error) {
		err := conn.QueryRow(fmt.Sprintf(`SELECT uniqExact(window_start), countIf(method = 'psi'), sumIf(drifted, method = 'psi')
			FROM %s.drift_results FINAL WHERE model = 'demo' AND family = 'covariate'`, db)).Scan(&windows, &psiRows, &drifted)
		return windows == 2, err
	})
	if psiRows != 2*uint64(len(synthFeatures)) || drifted != 0 {
		t.Errorf("drift_results: %d psi rows (want %d), %d drifted (want 0: the stream is the reference's)",
			psiRows, 2*len(synthFeatures), drifted)
	}
	// One row per feature and the prediction, per window (a window's
	// summaries and results are separate inserts: wait for both).
	var summaries uint64
	want := uint64(2 * (len(synthFeatures) + 1))
	testenv.WaitFor(t, 10*time.Second, "two windows in window_summaries", func() (bool, error) {
		err := conn.QueryRow(fmt.Sprintf(`SELECT count() FROM %s.window_summaries FINAL WHERE model = 'demo'`, db)).Scan(&summaries)
		return summaries >= want, err
	})
	if summaries != want {
		t.Errorf("window_summaries holds %d rows, want %d", summaries, want)
	}
}

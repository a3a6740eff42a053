package server_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/ingest"
	"github.com/driftmon/driftmon/internal/testenv"
	"github.com/driftmon/driftmon/server/servertest"
)

// TestOversizedRecordDeadLettered produces a record of 3 MiB, three times
// the default kafka.max_message_bytes, to a broker that takes records of up
// to 4 MiB (as a deployment whose topics allow large records would): the
// service rejects it as oversized and the dead-letter topic must receive
// its original bytes, not a record with the value left out.
//
// It runs on kfake and on a real broker.
func TestOversizedRecordDeadLettered(t *testing.T) {
	for _, kind := range testenv.Brokers() {
		t.Run(kind.Name, func(t *testing.T) { oversizedRecordDeadLettered(t, kind) })
	}
}

func oversizedRecordDeadLettered(t *testing.T, kind testenv.BrokerKind) {
	const brokerMax = 4 << 20
	b := kind.Open(t, testenv.MessageMaxBytes(brokerMax))
	createTestTopics(t, b, 1)
	broker := b.Addr
	dir := t.TempDir()
	cfgPath := testConfigOn(t, dir, b,
		fmt.Sprintf("  backend: embedded\n  embedded: {path: %q}", filepath.Join(dir, "data")), "127.0.0.1:0", time.Minute)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Kafka.MaxMessageBytes != config.DefaultMaxMessageBytes {
		t.Fatalf("max_message_bytes %d, want the default", cfg.Kafka.MaxMessageBytes)
	}

	// Not JSON at all, so that nothing but its size and bytes matter.
	value := bytes.Repeat([]byte("0123456789abcdef"), 3<<20/16)
	value[len(value)-1] = 0xff
	// A transport of its own: the shared one may hold the broker's
	// metadata from before the topic existed, and would fail at once.
	w := &kafka.Writer{Addr: kafka.TCP(broker), Topic: b.Topic("predictions"), Transport: &kafka.Transport{}, BatchBytes: brokerMax, RequiredAcks: kafka.RequireAll}
	if err := w.WriteMessages(context.Background(), kafka.Message{Key: []byte("m"), Value: value}); err != nil {
		t.Fatal(err)
	}
	w.Close()

	_, ctx := servertest.Start(t, cfg)

	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{broker}, Topic: b.Topic("driftmon-dead-letter"), Partition: 0,
		MaxBytes: brokerMax, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	rctx, rcancel := context.WithTimeout(ctx, 60*time.Second)
	defer rcancel()
	dl, err := r.ReadMessage(rctx)
	if err != nil {
		t.Fatalf("read the dead-letter topic: %v", err)
	}
	headers := map[string]string{}
	for _, h := range dl.Headers {
		headers[h.Key] = string(h.Value)
	}
	if got := headers[ingest.HeaderReason]; got != string(ingest.ReasonOversized) {
		t.Errorf("reason %q, want oversized", got)
	}
	if n, ok := headers[ingest.HeaderValueOmitted]; ok {
		t.Errorf("value left out of the dead letter (%s bytes)", n)
	}
	if !bytes.Equal(dl.Value, value) || string(dl.Key) != "m" {
		t.Errorf("dead letter holds %d bytes under key %q, want the original %d under m", len(dl.Value), dl.Key, len(value))
	}
}

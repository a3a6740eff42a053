package ingest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/driftmon/driftmon/drift"
)

const deadLetterTopic = "driftmon-dead-letter"

// startBroker runs an in-process Kafka-protocol broker on 127.0.0.1 with the
// dead-letter topic created.
func startBroker(t *testing.T) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, deadLetterTopic))
	if err != nil {
		t.Fatalf("start kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

func TestDeadLetterSend(t *testing.T) {
	addrs := startBroker(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()

	dl := NewDeadLetter(&kafka.Writer{Addr: kafka.TCP(addrs...), Topic: deadLetterTopic})
	// A second writer whose batches hold at most 1 KiB, to see a value too
	// large for the dead-letter topic.
	small := NewDeadLetter(&kafka.Writer{Addr: kafka.TCP(addrs...), Topic: deadLetterTopic, BatchBytes: 1024})

	// The value is not JSON and not UTF-8: it must come back byte for byte.
	value := []byte("{\"model\":\"fraud\",\"features\":\xff\xfe\x00")
	// 1 + 300*2 = 601 bytes. 'x' is byte 0 and each 'é' (2 bytes) starts
	// at an odd index, so byte 512 continues a rune: the cut backs up to
	// 511 bytes, 'x' and 255 'é'.
	detail := "x" + strings.Repeat("é", 300)
	wantDetail := "x" + strings.Repeat("é", 255)
	big := bytes.Repeat([]byte("y"), 2000)

	sends := []struct {
		dl     *DeadLetter
		src    drift.Source
		key    []byte
		value  []byte
		reason Reason
		detail string
	}{
		{dl, drift.Source{Topic: "predictions", Partition: 3, Offset: 81}, []byte("fraud"), value, ReasonMalformedJSON, detail},
		{dl, drift.Source{Topic: "labels", Partition: 0, Offset: 1 << 40}, nil, []byte(`{}`), ReasonMissingModel, "no model"},
		{small, drift.Source{Topic: "predictions", Partition: 11, Offset: 0}, []byte("m"), big, ReasonOversized, "2000 bytes"},
	}
	for _, s := range sends {
		if err := s.dl.Send(ctx, s.src, s.key, s.value, s.reason, s.detail); err != nil {
			t.Fatalf("Send(%v): %v", s.src, err)
		}
	}
	for _, d := range []*DeadLetter{dl, small} {
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}

	r := kafka.NewReader(kafka.ReaderConfig{Brokers: addrs, Topic: deadLetterTopic, Partition: 0, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	want := []struct {
		key, value []byte
		headers    map[string]string
	}{
		{[]byte("fraud"), value, map[string]string{
			HeaderReason: "malformed_json", HeaderDetail: wantDetail, HeaderSourceTopic: "predictions",
			HeaderSourcePartition: "3", HeaderSourceOffset: "81",
		}},
		{nil, []byte(`{}`), map[string]string{
			HeaderReason: "missing_model", HeaderDetail: "no model", HeaderSourceTopic: "labels",
			HeaderSourcePartition: "0", HeaderSourceOffset: "1099511627776", // 2^40
		}},
		{[]byte("m"), nil, map[string]string{
			HeaderReason: "oversized", HeaderDetail: "2000 bytes", HeaderSourceTopic: "predictions",
			HeaderSourcePartition: "11", HeaderSourceOffset: "0", HeaderValueOmitted: "2000",
		}},
	}
	for i, w := range want {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("read record %d: %v", i, err)
		}
		if !bytes.Equal(m.Key, w.key) || !bytes.Equal(m.Value, w.value) {
			t.Errorf("record %d: key %q value %q; want key %q value %q", i, m.Key, m.Value, w.key, w.value)
		}
		got := map[string]string{}
		for _, h := range m.Headers {
			if _, dup := got[h.Key]; dup {
				t.Errorf("record %d: header %q twice", i, h.Key)
			}
			got[h.Key] = string(h.Value)
		}
		if len(got) != len(w.headers) {
			t.Errorf("record %d: headers %q; want %q", i, got, w.headers)
		}
		for k, v := range w.headers {
			if got[k] != v {
				t.Errorf("record %d: header %s = %q; want %q", i, k, got[k], v)
			}
		}
	}
}

func TestDeadLetterSendFails(t *testing.T) {
	addrs := startBroker(t)
	dl := NewDeadLetter(&kafka.Writer{Addr: kafka.TCP(addrs...), Topic: deadLetterTopic})
	if err := dl.Close(); err != nil {
		t.Fatal(err)
	}
	err := dl.Send(t.Context(), drift.Source{Topic: "predictions", Partition: 1, Offset: 9}, nil, []byte("x"), ReasonMalformedJSON, "d")
	if err == nil {
		t.Fatal("Send on a closed writer succeeded")
	}
	if !strings.Contains(err.Error(), "predictions/1@9") {
		t.Errorf("error %q does not name the source record", err)
	}
	if ReasonOf(err) != ReasonInternal {
		t.Errorf("a dead-letter failure counts as %q; want internal (it is not the record's fault)", ReasonOf(err))
	}
}

func TestNewDeadLetterConfiguresWriter(t *testing.T) {
	tests := []struct {
		name      string
		in        func() *kafka.Writer
		wantAcks  kafka.RequiredAcks
		wantBatch int
	}{
		{"defaults", func() *kafka.Writer { return &kafka.Writer{Async: true} }, kafka.RequireAll, 1},
		{"chosen values are kept", func() *kafka.Writer {
			return &kafka.Writer{RequiredAcks: kafka.RequireOne, BatchSize: 10}
		}, kafka.RequireOne, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.in()
			NewDeadLetter(w)
			if w.Async || w.RequiredAcks != tt.wantAcks || w.BatchSize != tt.wantBatch {
				t.Errorf("writer: Async %v, RequiredAcks %v, BatchSize %d; want false, %v, %d",
					w.Async, w.RequiredAcks, w.BatchSize, tt.wantAcks, tt.wantBatch)
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{kafka.MessageTooLargeError{}, true},
		{kafka.WriteErrors{nil, kafka.MessageSizeTooLarge}, true},
		{kafka.WriteErrors{kafka.LeaderNotAvailable}, false},
		{errors.New("EOF"), false},
	}
	for _, tt := range tests {
		if got := tooLarge(tt.err); got != tt.want {
			t.Errorf("tooLarge(%v) = %v; want %v", tt.err, got, tt.want)
		}
	}
}

func TestTruncateUTF8(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "abc"},
		{"aé", 2, "a"},                              // é is 2 bytes: cutting after byte 2 would split it
		{"a€b", 3, "a"},                             // € is 3 bytes at 1..3
		{"a€b", 4, "a€"},                            // the cut falls after €
		{"\x80\x80\x80\x80\x80", 3, "\x80\x80\x80"}, // not UTF-8: cut where asked
	}
	for _, tt := range tests {
		if got := truncateUTF8(tt.s, tt.n); got != tt.want {
			t.Errorf("truncateUTF8(%q, %d) = %q; want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

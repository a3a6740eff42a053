package ingest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/segmentio/kafka-go"

	"github.com/driftmon/driftmon/drift"
)

// The headers of a dead-letter record. The source coordinates let a reader
// recognise the duplicate a replay can write (kafka-go has no idempotent
// producer) and find the original record.
const (
	HeaderReason          = "driftmon-reason"
	HeaderDetail          = "driftmon-detail"
	HeaderSourceTopic     = "driftmon-source-topic"
	HeaderSourcePartition = "driftmon-source-partition"
	HeaderSourceOffset    = "driftmon-source-offset"
	// HeaderValueOmitted is set, to the original value's length in bytes,
	// on the rare record whose value was too large for the dead-letter
	// topic and was left out (see Send).
	HeaderValueOmitted = "driftmon-value-omitted"
)

// maxDetailBytes bounds the detail header: it is for a person, and a
// detail may quote the record.
const maxDetailBytes = 512

// MaxFetchBytes is the most a partition's reader asks for in one fetch,
// and so the largest record the consumer is sized for.
const MaxFetchBytes = 10 << 20

// deadLetterHeadroom covers what Send adds to a record: the headers (a
// reason, the detail of at most maxDetailBytes, a topic name of at most
// 249 bytes, two numbers) and the record framing, with room to spare.
const deadLetterHeadroom = 4 << 10

// DeadLetterBytes is the largest dead-letter record Send may write: any
// record the consumer can fetch (oversized ones are, by definition, larger
// than maxMessageBytes, the decoder's limit), with its key and the headers
// Send adds. The dead-letter writer's BatchBytes must be at least this, and
// so must the dead-letter topic's max.message.bytes, or such a record is
// written without its value.
func DeadLetterBytes(maxMessageBytes int) int64 {
	return int64(max(MaxFetchBytes, maxMessageBytes)) + deadLetterHeadroom
}

// DeadLetter writes rejected records to the dead-letter topic.
type DeadLetter struct {
	w *kafka.Writer
}

// NewDeadLetter returns a DeadLetter writing through w, whose Topic is the
// dead-letter topic. It takes w over (Close closes it) and, before its
// first use, sets what an acknowledged synchronous write needs: Async off;
// RequiredAcks RequireAll when left at RequireNone, which would return
// before the broker has the record; BatchSize 1 when unset, since with the
// default of 100 a lone record waits BatchTimeout (1 s by default) for a
// batch that never fills; BatchBytes DeadLetterBytes(DefaultMaxBytes) when
// unset, since kafka-go's default of 1 MiB is the decoder's own limit, and
// a record rejected as oversized, larger than that, could never be written
// whole.
func NewDeadLetter(w *kafka.Writer) *DeadLetter {
	w.Async = false
	if w.RequiredAcks == kafka.RequireNone {
		w.RequiredAcks = kafka.RequireAll
	}
	if w.BatchSize <= 0 {
		w.BatchSize = 1
	}
	if w.BatchBytes <= 0 {
		w.BatchBytes = DeadLetterBytes(DefaultMaxBytes)
	}
	return &DeadLetter{w: w}
}

// Send writes one rejected record, key and value unchanged, with its reason,
// detail (cut to 512 bytes) and source coordinates as headers. It returns
// once the broker has acknowledged the record: only then may the caller
// commit the source offset. Send is safe for concurrent use.
//
// A value too large for the writer or the broker would fail every retry and
// stall its partition; such a record is written with its value left out and
// HeaderValueOmitted set, the source coordinates saying where the original
// is.
func (d *DeadLetter) Send(ctx context.Context, src drift.Source, key, value []byte, reason Reason, detail string) error {
	msg := kafka.Message{
		Key:   key,
		Value: value,
		Headers: []kafka.Header{
			{Key: HeaderReason, Value: []byte(reason)},
			{Key: HeaderDetail, Value: []byte(truncateUTF8(detail, maxDetailBytes))},
			{Key: HeaderSourceTopic, Value: []byte(src.Topic)},
			{Key: HeaderSourcePartition, Value: strconv.AppendInt(nil, int64(src.Partition), 10)},
			{Key: HeaderSourceOffset, Value: strconv.AppendInt(nil, src.Offset, 10)},
		},
	}
	err := d.w.WriteMessages(ctx, msg)
	if err != nil && tooLarge(err) && len(value) > 0 {
		msg.Value = nil
		msg.Headers = append(msg.Headers, kafka.Header{Key: HeaderValueOmitted, Value: strconv.AppendInt(nil, int64(len(value)), 10)})
		err = d.w.WriteMessages(ctx, msg)
	}
	if err != nil {
		return fmt.Errorf("dead-letter record %s/%d@%d (%s): %w", src.Topic, src.Partition, src.Offset, reason, err)
	}
	return nil
}

// Close flushes and closes the writer.
func (d *DeadLetter) Close() error {
	if err := d.w.Close(); err != nil {
		return fmt.Errorf("close dead-letter writer: %w", err)
	}
	return nil
}

// tooLarge reports whether the writer (MessageTooLargeError, which unwraps
// to MessageSizeTooLarge) or the broker (inside WriteErrors, which does not
// unwrap) refused a record for its size.
func tooLarge(err error) bool {
	if errors.Is(err, kafka.MessageSizeTooLarge) {
		return true
	}
	if we, ok := errors.AsType[kafka.WriteErrors](err); ok {
		for _, e := range we {
			if errors.Is(e, kafka.MessageSizeTooLarge) {
				return true
			}
		}
	}
	return false
}

// truncateUTF8 cuts s to at most n bytes without splitting a UTF-8
// sequence (a header is read as text).
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for j := 0; j < utf8.UTFMax-1 && i > 0 && !utf8.RuneStart(s[i]); j++ {
		i--
	}
	if !utf8.RuneStart(s[i]) {
		i = n // not UTF-8 anyway
	}
	return s[:i]
}

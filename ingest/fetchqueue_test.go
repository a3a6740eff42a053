package ingest

import (
	"context"
	"errors"
	"testing"

	"github.com/segmentio/kafka-go"
)

func rec(off int64, size int) kafka.Message {
	return kafka.Message{Offset: off, Value: make([]byte, size)}
}

func offsets(ms []kafka.Message) []int64 {
	var out []int64
	for _, m := range ms {
		out = append(out, m.Offset)
	}
	return out
}

func TestFetchQueueOrderAndStop(t *testing.T) {
	q := newFetchQueue()
	ctx := context.Background()
	for i := range int64(3) {
		if !q.put(ctx, rec(i, 10)) {
			t.Fatal("put refused with room")
		}
	}
	boom := errors.New("broker gone")
	q.stop(boom)
	<-q.ready
	// The records queued before the stop come first, whole and in order;
	// the stop only once none are left.
	recs, done, err := q.take(nil)
	if done || err != nil || len(recs) != 3 || recs[0].Offset != 0 || recs[2].Offset != 2 {
		t.Fatalf("first take: %v done=%v err=%v, want offsets 0-2, not done", offsets(recs), done, err)
	}
	recs, done, err = q.take(recs)
	if len(recs) != 0 || !done || !errors.Is(err, boom) {
		t.Fatalf("second take: %v done=%v err=%v, want the stop and its error", offsets(recs), done, err)
	}
}

func TestFetchQueueBounds(t *testing.T) {
	for _, c := range []struct {
		name string
		// sizes of the records put; the last is put when the others fill
		// the queue (or not) and must wait for a take exactly when full.
		sizes    []int
		waitLast bool
	}{
		{"records bound", append(make([]int, fetchAheadRecords), 1), true},
		{"bytes bound", []int{fetchAheadBytes - 100, 200}, true},
		{"under both", []int{fetchAheadBytes - 100, 50}, false},
		// A record beyond the byte bound still goes in when the queue is
		// empty, or a large record could never be read.
		{"oversized alone", []int{fetchAheadBytes + 1}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := newFetchQueue()
			ctx := context.Background()
			last := len(c.sizes) - 1
			for i, size := range c.sizes[:last] {
				if !q.put(ctx, rec(int64(i), size)) {
					t.Fatalf("put %d refused", i)
				}
			}
			// With a cancelled context a put that must wait gives up
			// at once instead: that tells waiting from not waiting
			// without timing anything.
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			ok := q.put(cancelled, rec(int64(last), c.sizes[last]))
			if ok == c.waitLast {
				t.Fatalf("put of the last record: ok=%v, want it to wait=%v", ok, c.waitLast)
			}
			if !c.waitLast {
				return
			}
			recs, _, _ := q.take(nil)
			if len(recs) != last {
				t.Fatalf("take: %d records, want %d", len(recs), last)
			}
			// The take made room (and said so): the put goes through.
			<-q.room
			if !q.put(cancelled, rec(int64(last), c.sizes[last])) {
				t.Fatal("put after a take refused")
			}
		})
	}
}

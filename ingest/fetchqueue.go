package ingest

import (
	"context"
	"sync"

	"github.com/segmentio/kafka-go"
)

// Bounds of what a partition's fetcher holds ahead of its consume loop.
// While the loop waits (a raw-log insert, a full evaluation pool), the
// fetcher goes on reading up to these; a record larger than the byte bound
// is still taken, alone.
const (
	fetchAheadRecords = 4096
	fetchAheadBytes   = 16 << 20
)

// fetchQueue hands records from a partition's fetcher to its consume loop
// in batches: the fetcher appends under a lock, the loop takes everything
// queued at once. A channel of single records cost the two goroutines a
// hand-over each record (and, with the loop behind, a wake-up of the
// blocked fetcher each record); here they meet once a batch.
type fetchQueue struct {
	mu    sync.Mutex
	recs  []kafka.Message
	bytes int
	// err is why the fetcher stopped; done is set with it.
	err  error
	done bool
	// ready has a token while recs is non-empty or done is set; room
	// while the loop has taken records since the fetcher found the queue
	// full.
	ready chan struct{}
	room  chan struct{}
}

func newFetchQueue() *fetchQueue {
	return &fetchQueue{ready: make(chan struct{}, 1), room: make(chan struct{}, 1)}
}

func wake(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// put queues m, waiting while the queue is full; false when ctx ended.
func (q *fetchQueue) put(ctx context.Context, m kafka.Message) bool {
	size := len(m.Key) + len(m.Value)
	for {
		q.mu.Lock()
		if len(q.recs) == 0 || (len(q.recs) < fetchAheadRecords && q.bytes+size <= fetchAheadBytes) {
			q.recs = append(q.recs, m)
			q.bytes += size
			q.mu.Unlock()
			wake(q.ready)
			return true
		}
		q.mu.Unlock()
		select {
		case <-q.room:
		case <-ctx.Done():
			return false
		}
	}
}

// stop records why the fetcher ended (nil: its context ended).
func (q *fetchQueue) stop(err error) {
	q.mu.Lock()
	q.err, q.done = err, true
	q.mu.Unlock()
	wake(q.ready)
}

// take swaps out every queued record (into spare's array, which the caller
// is done with) and reports whether the fetcher has stopped, and why.
// Records come before the stop: done is true only once none are left.
func (q *fetchQueue) take(spare []kafka.Message) (recs []kafka.Message, done bool, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	recs, q.recs, q.bytes = q.recs, spare[:0], 0
	if len(recs) > 0 {
		wake(q.room)
		return recs, false, nil
	}
	return nil, q.done, q.err
}
